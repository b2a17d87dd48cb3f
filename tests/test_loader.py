"""The loader: sessions, modules, the search path, the prelude, installed builtins.

Two sessions in one process run two programs without seeing each other's modules,
functions, structs, type-class instances, argv or main module, in one thread and in
several; the try-with depth is per thread and per asyncio task.
"""

from __future__ import annotations

import asyncio
import threading

import pytest

from turmeric import loader
from turmeric.core import registry
from turmeric.core.values import Thrown, pvector
from turmeric.runtime import control
from turmeric.runtime.library import BUILTINS
from turmeric.runtime.printer import readable
from turmeric.serialization import api

# one program, written twice with different definitions under the same names
PROG = """(module prog)
(version "{v}")
(struct Point [{fields}])
(defclass Describe [a] (describe [x : a]))
(instance Describe Point (describe [p] (str "{tag} " (type-of p))))
(defn f [n] (+ n (* {k} (cloneable-shift [k] k))))
(defn make [] (Point {args}))
(defn args [] (command-line-args))
(defn which [] "{tag}")
"""

A = {"v": "a1", "fields": "x y", "tag": "A", "k": 10, "args": "1 2"}
B = {"v": "b1", "fields": "x y z", "tag": "B", "k": 100, "args": "1 2 3"}


def write(folder, params):
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / "prog.tm"
    p.write_text(PROG.format(**params))
    return p


def run_checks(s, tag, nfields, k, argv):
    """What a session sees of its own program."""
    with s.activate():
        m = s.modules["prog"]
        assert m.ns["which"]() == tag
        p = m.ns["make"]()
        assert len(p.vals) == nfields
        assert m.ns["describe"](p) == f"{tag} Point"
        assert list(m.ns["args"]()) == argv
        assert BUILTINS["current-version"]() == ("a1" if tag == "A" else "b1")
        cont = control.reset(lambda: m.ns["f"](1))
        assert cont(2) == 1 + k * 2
        # a blob of this session resumes in this session with this session's code
        again = api.deserialize(api.serialize(cont))
        assert again(3) == 1 + k * 3
        assert registry.current_state().struct_type("Point") is type(p).stype


def test_two_sessions_do_not_see_each_other(tmp_path):
    sa = loader.Session(argv=["a"])
    sb = loader.Session(argv=["b", "bb"])
    sa.load_file(str(write(tmp_path / "a", A)))
    sb.load_file(str(write(tmp_path / "b", B)))
    assert sa.main is sa.modules["prog"] and sb.main is sb.modules["prog"]
    assert sa.modules["prog"] is not sb.modules["prog"]
    run_checks(sa, "A", 2, 10, ["a"])
    run_checks(sb, "B", 3, 100, ["b", "bb"])
    # both see the prelude, loaded once
    assert sa.modules["prelude"] is sb.modules["prelude"]
    # the default session saw none of it
    assert "prog" not in loader.default_session().modules or loader.default_session().modules["prog"] not in (
        sa.modules["prog"],
        sb.modules["prog"],
    )


def test_a_blob_of_one_session_uses_the_other_sessions_code(tmp_path):
    sa = loader.Session()
    sb = loader.Session()
    sa.load_file(str(write(tmp_path / "a", A)))
    sb.load_file(str(write(tmp_path / "b", B)))
    with sa.activate():
        blob = api.serialize(control.reset(lambda: sa.modules["prog"].ns["f"](1)))
    with sb.activate():  # B's prog.f has another fingerprint: not A's code
        with pytest.raises(Thrown) as e:
            api.deserialize(blob)
    assert e.value.value.stype.name == "schema-mismatch"


SHAPES = """(defclass Shape [a] (area [s : a]))
(struct Square [side])
(instance Shape Square (area [s] (* {k} s.side)))
(defn total [xs] (reduce (fn [acc s] (+ acc (area s))) 0 xs))
(defn squares [n] (map Square (range n)))
(defn one [i] (Square i))
"""


def two_sessions(tmp_path, template):
    """Sessions A and B, each loading its own shapes.tm from `template` with k=1 and k=100;
    returns (A, B, A's module)."""
    sa, sb = loader.Session(), loader.Session()
    for d, k in (("a", 1), ("b", 100)):
        (tmp_path / d).mkdir()
        (tmp_path / d / "shapes.tm").write_text(template.format(k=k))
    ma = sa.load_file(str(tmp_path / "a" / "shapes.tm"))
    sb.load_file(str(tmp_path / "b" / "shapes.tm"))
    return sa, sb, ma


def test_a_method_call_site_dispatches_in_the_current_session(tmp_path):
    """A call site's method cache holds for one session's state: the same compiled site
    run while another session is current finds that session's instance (by type name)."""
    sa, sb, ma = two_sessions(tmp_path, SHAPES)
    total, xs = ma.ns["total"], ma.ns["squares"](4)
    for _ in range(3):  # each round starts with the cache filled by the other session
        with sa.activate():
            assert total(xs) == 6 and total(xs) == 6
        with sb.activate():
            assert total(xs) == 600 and total(xs) == 600
    with loader.Session().activate():  # a session without the class
        with pytest.raises(Thrown) as e:
            total(xs)
    assert readable(e.value.value) == '(no-instance "Shape" "Square")'
    with sa.activate():
        assert total(xs) == 6
    # a construction site builds the class of its own module's global
    assert type(ma.ns["one"](1)) is ma.ns["Square"] and type(ma.ns["one"](2)) is ma.ns["Square"]


MIXED = """(defclass Shape [a] (area [s : a]))
(struct Square [side])
(instance Shape Square (area [s] (* {k} s.side)))
(defn mixed [s sessions]
  (loop [i 0 acc []]
    (if (= i (count sessions))
      acc
      (recur (inc i) (conj acc (with [_ (.activate (nth sessions i))] (area s)))))))
"""


def test_a_method_call_site_sees_a_session_a_with_activates_in_its_frame(tmp_path):
    """A function with method call sites reads the session state once per frame (`~st`):
    a `with` in the frame that makes another session current (Python's `with`, which
    sets the state and resets it on exit) is seen by the sites after it, and its exit
    by the sites after that: the same site, run in A then inside a `with` of B, finds B's
    instance, not the method its cache holds for A."""
    sa, sb, ma = two_sessions(tmp_path, MIXED)
    mixed, sq = ma.ns["mixed"], ma.ns["Square"](2)
    with sa.activate():
        for _ in range(2):
            assert readable(mixed(sq, pvector([sa, sb, sa, sb]))) == "[2 200 2 200]"


def test_two_sessions_in_threads(tmp_path):
    paths = {"A": write(tmp_path / "a", A), "B": write(tmp_path / "b", B)}
    barrier = threading.Barrier(2, timeout=60)
    errors = []

    def worker(tag, nfields, k, argv):
        try:
            s = loader.Session(argv=argv)
            barrier.wait()  # both load at the same time
            s.load_file(str(paths[tag]))
            barrier.wait()
            for _ in range(20):
                run_checks(s, tag, nfields, k, argv)
        except BaseException as e:  # reported below, in the main thread
            errors.append((tag, repr(e)))

    threads = [
        threading.Thread(target=worker, args=("A", 2, 10, ["a"])),
        threading.Thread(target=worker, args=("B", 3, 100, ["b"])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_eval_string_and_import_module(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "util.tm").write_text("(defn twice [x] (* 2 x))\n")
    s = loader.Session(search_path=[str(lib)])
    assert s.eval_string("(+ 1 2)") == 3
    assert s.eval_string("(import util) (util.twice 21)") == 42
    assert s.import_module("util") is s.modules["util"]
    assert s.eval_string("(defn g [] 7)") is None
    assert s.eval_string("(g)") == 7  # the user module keeps its definitions
    other = loader.Session()
    with pytest.raises(NameError):
        other.eval_string("(g)")
    with pytest.raises(Thrown):
        other.import_module("util")  # not on this session's search path


def test_current_session_follows_activate():
    s = loader.Session()
    assert loader.current_session() is not s
    with s.activate():
        assert loader.current_session() is s
        inner = loader.Session()
        with inner.activate():
            assert loader.current_session() is inner
        assert loader.current_session() is s
    assert loader.current_session() is loader.default_session()


def test_two_versions_side_by_side(tmp_path):
    src = "(defn f [n] (+ n ({op} 10 (cloneable-shift [k] k))))\n"
    p = tmp_path / "vers.tm"
    p.write_text(src.format(op="*"))
    s = loader.Session(keep_versions=True)
    m1 = s.load_file(str(p))
    with s.activate():
        old = api.serialize(control.reset(lambda: m1.ns["f"](1)))
    p.write_text(src.format(op="+"))
    m2 = s.load_file(str(p))
    with s.activate():
        new = api.serialize(control.reset(lambda: m2.ns["f"](1)))
        assert api.deserialize(old)(2) == 21  # the old code, still loaded
        assert api.deserialize(new)(2) == 13
    # without keep_versions, a reload replaces the function: the old blob is a mismatch
    p.write_text(src.format(op="*"))
    r = loader.Session()
    r1 = r.load_file(str(p))
    with r.activate():
        old = api.serialize(control.reset(lambda: r1.ns["f"](1)))
    p.write_text(src.format(op="+"))
    r.load_file(str(p))
    with r.activate(), pytest.raises(Thrown) as e:
        api.deserialize(old)
    assert e.value.value.stype.name == "schema-mismatch"


def test_unload_forgets_a_module(tmp_path):
    p = tmp_path / "gone.tm"
    p.write_text("(struct Gone [a])\n(defn f [] 1)\n")
    s = loader.Session()
    s.load_file(str(p))
    assert s.state.lookup("gone.f") is not None and s.state.struct_type("Gone") is not None
    s.unload("gone")
    assert "gone" not in s.modules
    assert s.state.lookup("gone.f") is None and s.state.struct_type("Gone") is None


# --- try-with depth: per thread, per task ------------------------------------------------------

FINALLY_SRC = """
(def log (ref []))
(defn run []
  (try
    (try (throw :boom) (finally (ref-set! log (conj (deref log) :cleanup))))
    (catch [e] (ref-set! log (conj (deref log) e))))
  (deref log))
"""


def test_try_with_in_one_thread_does_not_change_throw_in_another(tmp_path):
    p = tmp_path / "fin.tm"
    p.write_text(FINALLY_SRC)
    s = loader.Session()
    m = s.load_file(str(p))
    inside, release = threading.Event(), threading.Event()
    seen = []

    def holder():
        def thunk():
            seen.append(control.TRY_WITH_DEPTH.get())
            inside.set()
            release.wait(60)

        control.try_with(thunk, lambda v, k: None)

    t = threading.Thread(target=holder)
    t.start()
    try:
        assert inside.wait(60)
        assert control.TRY_WITH_DEPTH.get() == 0
        with s.activate():
            # a throw here is an ordinary throw: the finally block runs before the catch
            assert readable(m.ns["run"]()) == "[:cleanup :boom]"
    finally:
        release.set()
        t.join(60)
    assert seen == [1]


def test_try_with_depth_is_per_asyncio_task():
    async def holder(started, go):
        control.TRY_WITH_DEPTH.set(1)  # as a try-with held open across an await would
        started.set()
        await go.wait()
        return control.TRY_WITH_DEPTH.get()

    async def other(started, go):
        await started.wait()
        depth = control.TRY_WITH_DEPTH.get()
        go.set()
        return depth

    async def main():
        started, go = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(holder(started, go), other(started, go))

    assert asyncio.run(main()) == [1, 0]
    assert control.TRY_WITH_DEPTH.get() == 0


def test_module_level_functions_use_the_current_session(tmp_path):
    p = tmp_path / "lvl.tm"
    p.write_text("(defn h [] 5)\n")
    s = loader.Session()
    with s.activate():
        m = loader.load_file(str(p))
        assert loader.MODULES is s.modules and loader.MODULES["lvl"] is m
        assert loader.find_module_file("lvl", str(tmp_path)) == str(p)
    assert m.session is s


def test_builtins_are_installed_explicitly():
    # the loader installed serialization's builtins; importing serialization alone does not
    assert BUILTINS["serialize"] is api.serialize
    assert "current-version" in BUILTINS and "command-line-args" in BUILTINS
