"""Workflow checkpoints as snapshots: `turmeric workflows show ID --step N` and
`turmeric workflows diff ID N M`, end to end (`python -m turmeric` in a temp folder,
on SQLite and PostgreSQL), and the functions behind them (turmeric/debug/workflows.py)."""

from __future__ import annotations

import json
import signal
import textwrap

from _durable import clean_failure, ok, reap, spawn, store, tm, wait_for

SHOP = """\
    (def big (apply str (map (fn [i] "x") (range 5000))))
    (defworkflow fulfil [customer lines]
      (def note (step big))
      (loop [ls lines total 0 shipped []]
        (if (empty? ls)
          (do (def ok (recv "approve"))
              {:customer customer :total total :shipped shipped :ok ok})
          (let [line (first ls)
                got (step (second line))]
            (recur (rest ls) (+ total got) (conj shipped (first line)))))))

    (defn main []
      (start-workflow fulfil ["ann" [["tea" 2] ["cup" 4]]] :id "o1"))
"""


def waiting_workflow(tmp_path, db_url):
    """shop.tm in tmp_path, its workflow o1 run up to its recv (the process then killed)."""
    (tmp_path / "shop.tm").write_text(textwrap.dedent(SHOP))
    p = spawn(tmp_path, db_url, "run", "shop.tm")
    st = store(db_url)
    try:
        wait_for(lambda: st.status_of("o1") == "waiting", p, what="the recv")
    finally:
        p.send_signal(signal.SIGKILL)
        reap(p)
        st.close()


def test_show_step_and_diff(tmp_path, db_url):
    waiting_workflow(tmp_path, db_url)
    other = tmp_path / "elsewhere"
    other.mkdir()
    # checkpoint 2: after the step for "tea"; from another folder, the program found with -I
    out = ok(tm(other, db_url, "-I", "..", "workflows", "show", "o1", "--step", "2"))
    assert "checkpoint 2 of 4" in out and "resumes with: 2" in out, out
    assert "frame 1 shop.fulfil  (" in out and "shop.tm:9:17)" in out, out
    assert "| got (step (second line))]" in out, out
    assert 'arg customer = "ann"' in out and "local total = 0" in out and 'local line = ["tea" 2]' in out, out
    # the 5000-character value was stored as a chunk: shown from the chunk, not as nil
    assert 'local note = "xxxxxxxx' in out and "local note = nil" not in out, out
    # without the program: frames and locals, no source lines, and a hint
    bare = ok(tm(other, db_url, "workflows", "show", "o1", "--step", "2"))
    assert "local total = 0" in bare and "| got" not in bare and "no source lines: put the workflow's program (shop.tm)" in bare

    js = json.loads(ok(tm(tmp_path, db_url, "workflows", "show", "o1", "--step", "3", "--json")))
    assert js["step"] == 3 and js["steps"] == 4 and js["value"] == "4"
    f = [f for f in js["frames"] if f["symbol"] == "shop.fulfil"][0]
    assert {"name": "total", "value": "2"} in f["locals"] and f["source"] == "got (step (second line))]" and f["line"] == 9

    d = ok(tm(tmp_path, db_url, "workflows", "diff", "o1", "2", "3"))
    assert "what changed from checkpoint 2 to checkpoint 3" in d
    assert "total: 0 -> 2" in d and 'shipped: [] -> ["tea"]' in d and 'line: ["tea" 2] -> ["cup" 4]' in d, d
    assert "customer" not in d and "note:" not in d  # unchanged: not listed
    assert "no local changed" in ok(tm(tmp_path, db_url, "workflows", "diff", "o1", "2", "2"))
    dj = json.loads(ok(tm(tmp_path, db_url, "workflows", "diff", "o1", "3", "--json")))  # M defaults to N + 1
    assert dj["a"] == 3 and dj["b"] == 4
    fulfil = [e for e in dj["frames"] if e["symbol"] == "shop.fulfil"][0]
    assert fulfil["status"] == "changed" and fulfil["resume_point"][0] != fulfil["resume_point"][1]  # from a step to the recv
    assert {c["name"]: c["change"] for c in fulfil["changes"]} == {
        "ls": "changed",
        "total": "changed",
        "shipped": "changed",
        "line": "removed",
    }

    clean_failure(
        tm(tmp_path, db_url, "workflows", "show", "o1", "--step", "9"),
        "workflow o1 has no checkpoint 9: it has 4, numbered 1 to 4 (turmeric workflows show o1 lists them)",
    )
    clean_failure(tm(tmp_path, db_url, "workflows", "show", "o1", "--step", "0"), "workflow o1 has no checkpoint 0")
    clean_failure(tm(tmp_path, db_url, "workflows", "diff", "o1", "1", "5"), "workflow o1 has no checkpoint 5")
    clean_failure(tm(tmp_path, db_url, "workflows", "show", "nope", "--step", "1"), "no workflow has the id 'nope'")
    clean_failure(tm(tmp_path, db_url, "workflows", "diff", "nope", "1", "2"), "no workflow has the id 'nope'")


def test_an_altered_checkpoint_is_not_shown(tmp_path, db_url):
    waiting_workflow(tmp_path, db_url)
    st = store(db_url)
    st.run(lambda tx: tx.execute("UPDATE tm_steps SET data = ? WHERE workflow = ? AND n = ?", (b"TMRSjunkjunkjunkjunkjunk", "o1", 2)))
    st.close()
    clean_failure(tm(tmp_path, db_url, "workflows", "show", "o1", "--step", "2"), "checkpoint 2 of workflow o1 does not match its seal")
    clean_failure(
        tm(tmp_path, db_url, "workflows", "show", "o1", "--step", "2", TURMERIC_SECRET="another-secret"), "does not match its seal"
    )


def test_debug_workflows_functions(tmp_path, db_url):
    """The UI's view functions: listing, workflow page data, step data with diff, the actions."""
    waiting_workflow(tmp_path, db_url)
    import os

    from turmeric import loader
    from turmeric.debug import workflows as W

    os.environ["TURMERIC_SECRET"] = "test-secret"
    try:
        rows = W.listing(db_url)
        assert [(r["id"], r["status"], r["steps"]) for r in rows] == [("o1", "waiting", 4)]
        w, steps = W.workflow(db_url, "o1")
        assert w["status"] == "waiting" and "approve" in w["waiting"] and [s["n"] for s in steps] == [1, 2, 3, 4]
        assert W.actions(w["status"], len(steps)) == ["cancel", "fork"]
        session = loader.Session()
        got = W.step(db_url, "o1", 3, session, [str(tmp_path)])
        assert got["count"] == 4 and got["problem"] is None
        changed = {c["name"] for e in got["diff"] for c in e["changes"]}
        assert changed == {"ls", "total", "shipped", "line"}
        fr = [f for f in got["frames"] if f["symbol"] == "shop.fulfil"][0]
        assert fr["source"] == "got (step (second line))]"
        assert W.step(db_url, "o1", 7, session) is None and W.workflow(db_url, "nope") is None
        cmd, status, out, err = W.act(db_url, "o1", "cancel", {})
        assert (cmd, status) == ("turmeric workflows cancel o1", 0) and "cancelled o1 (was waiting)" in out
        cmd, status, out, err = W.act(db_url, "o1", "cancel", {})
        assert status == 1 and "already cancelled" in err
        assert W.actions("cancelled", 4) == ["resume", "fork"]
        cmd, status, out, err = W.act(db_url, "o1", "fork", {"from_step": "2"})
        assert status == 0 and out.startswith("o1-fork-") and "at checkpoint 2" in err
        assert W.act(db_url, "o1", "fork", {"from_step": "x"})[1] == 2
        assert "has no checkpoint 12" in W.act(db_url, "o1", "fork", {"from_step": "12"})[3]
        cmd, status, out, err = W.act(db_url, "o1", "resume", {})
        assert status == 0 and "resumes from checkpoint 4" in out
    finally:
        os.environ.pop("TURMERIC_SECRET", None)
