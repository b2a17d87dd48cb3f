"""Durable workflows across a deploy (docs/versioning.md): every checkpoint keeps the code
it names in the code store; a frame whose function changed resumes on its own old
version, compiled from the stored code; new workflows run the new code; versions no
checkpoint refers to are collected; `turmeric workflows show` says which version each
frame runs. Separate processes (`python -m turmeric`) on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import textwrap

from _durable import ok, reap, spawn, store, tm, wait_for

V1 = """\
(defn helper [a] (* a 2))
(defworkflow upgrade [x]
  (def a (step (helper x)))
  (def m (recv "go"))
  (step (str "v1 " (+ a m))))
(defn main []
  (start-workflow upgrade [5] :id "u1")
  (start-workflow upgrade [6] :id "u2"))
"""
V2 = V1.replace('"v1 "', '"v2 "').replace("(* a 2)", "(* a 3)")
NEW = '(defn main [] (start-workflow upgrade [7] :id "n1") (send "n1" "go" 1) (println "new" (await-workflow "n1")))\n'


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def park(tmp_path, db_url, st, ids=("u1", "u2")):
    """Run V1 until the workflows wait in their recv, then kill the process (SIGKILL)."""
    write(tmp_path, "up.tm", V1)
    p = spawn(tmp_path, db_url, "run", "up.tm")
    wait_for(lambda: all(st.status_of(i) == "waiting" for i in ids), p, what="the recvs")
    p.send_signal(signal.SIGKILL)
    reap(p)


def code_rows(st):
    return st.run(lambda tx: tx.all("SELECT symbol, fingerprint FROM tm_code ORDER BY symbol"), write=False)


def test_in_flight_workflows_finish_on_their_own_version_new_ones_on_the_new(tmp_path, db_url):
    st = store(db_url)
    park(tmp_path, db_url, st)
    syms = {s for s, _ in code_rows(st)}
    assert "up.upgrade" in syms, syms  # the checkpoint kept its code
    for i in ("u1", "u2"):
        ok(tm(tmp_path, db_url, "workflows", "send", i, "go", "100"))
    write(tmp_path, "up.tm", V2 + NEW)  # the deploy: the workflow and its helper changed
    out = ok(tm(tmp_path, db_url, "run", "up.tm"))
    # the in-flight ones finish on v1's workflow code (the helper, called by name, ran before the deploy)
    assert st.get_workflow("u1")["status"] == "succeeded"
    r1 = tm(tmp_path, db_url, "workflows", "show", "u1")
    assert '"v1 110"' in ok(r1)
    assert '"v1 112"' in ok(tm(tmp_path, db_url, "workflows", "show", "u2"))
    # a workflow started after the deploy runs the new code (helper * 3)
    assert "new v2 22" in out, out
    # finished workflows let go of their code: nothing refers to v1 any more
    assert code_rows(st) == []
    st.close()


def test_show_says_which_code_version_each_frame_runs(tmp_path, db_url):
    st = store(db_url)
    park(tmp_path, db_url, st)
    before = ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    assert "code version of each frame" in before and "current code" in before
    write(tmp_path, "up.tm", V2)
    after = ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    assert "old version (current is" in after and "stored in the code store" in after and "resumes on its own code" in after
    st.run(lambda tx: tx.execute("DELETE FROM tm_code"))
    gone = ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    assert "NOT in the code store" in gone and "blocks" in gone
    st.close()


def test_an_altered_code_record_is_refused_and_the_workflow_blocked_never_run(tmp_path, db_url):
    st = store(db_url)
    park(tmp_path, db_url, st)
    for i in ("u1", "u2"):
        ok(tm(tmp_path, db_url, "workflows", "send", i, "go", "100"))
    # someone with write access to the database edits the stored code of v1
    rows = st.run(lambda tx: tx.all("SELECT DISTINCT hash FROM tm_code"), write=False)
    for (h,) in rows:
        h = bytes(h)
        data = st.run(lambda tx, h=h: tx.one("SELECT data FROM tm_chunks WHERE hash = ?", (h,)), write=False)[0]
        bad = bytes(data).replace(b'\\"v1 \\"', b'\\"XX \\"')
        st.run(lambda tx, h=h, bad=bad: tx.execute("UPDATE tm_chunks SET data = ? WHERE hash = ?", (bad, h)))
    write(tmp_path, "up.tm", V2)
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    row = st.get_workflow("u1")
    assert row["status"] == "blocked", row
    assert "code-error" in row["error"] and "does not match its hash" in row["error"], row["error"]
    assert "XX" not in (row["output"] or b"").decode("latin-1")
    st.close()


def test_versions_are_reference_counted_by_owner_and_collected(tmp_path, db_url):
    """Two workflows share the v1 code: one finishing keeps it for the other; a cancelled one
    keeps it (it can be resumed) until `workflows gc` deletes it."""
    st = store(db_url)
    park(tmp_path, db_url, st)
    n_before = len(code_rows(st))
    assert n_before > 0
    owners = {r[0] for r in st.run(lambda tx: tx.all("SELECT owner FROM tm_chunk_refs WHERE owner LIKE ?", ("%/code",)), write=False)}
    assert owners == {"wf:u1/code", "wf:u2/code"}
    ok(tm(tmp_path, db_url, "workflows", "send", "u1", "go", "1"))
    ok(tm(tmp_path, db_url, "workflows", "cancel", "u2"))
    write(tmp_path, "up.tm", V2)
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    assert st.get_workflow("u1")["status"] == "succeeded"
    # u1 let go; u2 (cancelled, resumable) still holds the same versions
    assert len(code_rows(st)) == n_before
    out = ok(tm(tmp_path, db_url, "workflows", "gc", "--older-than", "0s"))
    assert "code versions" in out and f"{n_before} code versions" in out, out
    assert code_rows(st) == []
    st.close()


def test_store_code_release_counts_owners(db_url):
    st = store(db_url)
    rec = b'{"x":1}'
    from turmeric.store import chunk_hash

    h = chunk_hash(rec)
    st.code_put("wf:a/code", [(h, rec, "m", [("m.f", "fp1")])])
    st.code_put("wf:b/code", [(h, rec, "m", [("m.f", "fp1")])])
    assert st.code_find("m.f", "fp1") == (h, rec)
    assert st.code_release("wf:a/code") == 0
    assert st.code_find("m.f", "fp1") == (h, rec)
    assert st.code_release("wf:b/code") == 1
    assert st.code_find("m.f", "fp1") is None
    assert st.code_list() == []
    st.close()
