"""Unit tests of turmeric.debug.frames: diffs between two continuations, source places."""

from __future__ import annotations

import textwrap

from turmeric import loader
from turmeric.core.registry import current_state
from turmeric.debug import frames
from turmeric.serialization import api
from turmeric.serialization import inspect as sinspect

PROGRAM = """\
(module dbgframes)
(defn pause [v] (cloneable-shift [k] k))
(defn walk [items]
  (loop [xs items total 0 seen []]
    (if (empty? xs)
      total
      (let [x (first xs)
            _ (pause x)]
        (recur (rest xs) (+ total x) (conj seen x))))))
(def k1 (cloneable-reset (fn [] (walk [1 2 3]))))
(def k2 (k1 nil))
"""


def _load(tmp_path):
    p = tmp_path / "dbgframes.tm"
    p.write_text(textwrap.dedent(PROGRAM))
    s = loader.Session()
    with s.activate():
        m = s.load_file(str(p), main=True)
        a = sinspect.summary(api.serialize(m.ns["k1"]), full=True)["frames"]
        b = sinspect.summary(api.serialize(m.ns["k2"]), full=True)["frames"]
        filled = frames.fill_places([dict(f) for f in a], lambda sym, fp: current_state().lookup(sym))
    return a, b, filled


def test_diff_lists_the_locals_that_changed(tmp_path):
    a, b, _ = _load(tmp_path)
    d = frames.diff(a, b)
    walk = [e for e in d if e["symbol"] == "dbgframes.walk"][0]
    assert walk["status"] == "changed"
    ch = {c["name"]: (c["change"], c["a"], c["b"]) for c in walk["changes"]}
    assert ch["xs"] == ("changed", "[1 2 3]", "(2 3)")
    assert ch["total"] == ("changed", "0", "1")
    assert ch["seen"] == ("changed", "[]", "[1]")
    assert ch["x"] == ("changed", "1", "2")
    assert "items" not in ch  # the argument did not change
    pause = [e for e in d if e["symbol"] == "dbgframes.pause"][0]
    assert pause["status"] == "changed" and {c["name"] for c in pause["changes"]} == {"v"}
    text = "\n".join(frames.diff_text(d, "step 1", "step 2"))
    assert "total: 0 -> 1" in text and "seen: [] -> [1]" in text


def test_diff_of_a_continuation_with_itself_is_empty(tmp_path):
    a, _, _ = _load(tmp_path)
    d = frames.diff(a, a)
    assert all(e["status"] == "same" for e in d)
    assert frames.diff_text(d) == ["no local changed between A and B"]


def test_frames_only_on_one_side():
    fa = [
        {"symbol": "m.inner", "resume_point": 1, "args": [], "locals": []},
        {"symbol": "m.outer", "resume_point": 2, "args": [], "locals": []},
    ]
    fb = [fa[1]]
    d = frames.diff(fa, fb)
    assert [(e["symbol"], e["status"]) for e in d] == [("m.outer", "same"), ("m.inner", "only-a")]
    assert "- frame m.inner (depth 1 from the outermost): only at A" in frames.diff_text(d)


def test_fill_places_gives_the_resume_points_source_line(tmp_path):
    _, _, filled = _load(tmp_path)
    walk = [f for f in filled if f["symbol"] == "dbgframes.walk"][0]
    assert walk["line"] == 8 and walk["source"] == "_ (pause x)]"
