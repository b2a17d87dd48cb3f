"""Durable workflows across a deploy (docs/versioning.md): every checkpoint keeps the code
it names in the code store; a frame whose function changed resumes on its own old
version, compiled from the stored code; new workflows run the new code; versions no
checkpoint refers to are collected; `turmeric workflows show` says which version each
frame runs. Separate processes (`python -m turmeric`) on SQLite and PostgreSQL."""

from __future__ import annotations

import signal
import textwrap

from _durable import REPO, ok, reap, spawn, store, tm, wait_for

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


def flat(text):
    """A rich table's text with its borders and line wraps taken out (cells that wrap read on)."""
    import re

    return re.sub(r"[\s│┃]+", " ", text)


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
    after = flat(ok(tm(tmp_path, db_url, "workflows", "show", "u1")))
    assert "old version (current is" in after and "stored in the code store" in after and "resumes on its own code" in after
    st.run(lambda tx: tx.execute("DELETE FROM tm_code"))
    gone = flat(ok(tm(tmp_path, db_url, "workflows", "show", "u1")))
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


def test_two_owners_letting_go_at_once_leave_no_record_behind(db_url):
    # two workflows that share a version finish together (lanes, several workers): each
    # release must not see only the other's reference and keep the record for gc
    import threading
    import time

    from turmeric.store import chunk_hash

    st, st2 = store(db_url), store(db_url)
    rec = b'{"x":2}'
    h = chunk_hash(rec)
    st.code_put("wf:a/code", [(h, rec, "m", [("m.g", "fp2")])])
    st.code_put("wf:b/code", [(h, rec, "m", [("m.g", "fp2")])])
    first_in = threading.Event()

    def slow_release(tx):
        n = st.code_release_tx(tx, "wf:a/code")
        first_in.set()
        time.sleep(0.5)  # still uncommitted while the other owner lets go
        return n

    t = threading.Thread(target=lambda: st.run(slow_release))
    t.start()
    first_in.wait(10)
    st2.code_release("wf:b/code")
    t.join(30)
    assert st.code_find("m.g", "fp2") is None and st.code_list() == []
    st.close()
    st2.close()


# --- declared migrations ---------------------------------------------------------------------------

M1 = """\
(defworkflow upgrade [x]
  (def a (step (* x 2)))
  (def m (recv "go"))
  (def extra (recv "more"))
  (step (str "v1 " (+ a m extra))))
(defn main []
  (start-workflow upgrade [5] :id "u1"))
"""
# v2 adds a local before the first recv: a migration must supply it
M2 = """\
(defworkflow upgrade [x]
  (def a (step (* x 2)))
  (def note "fresh")
  (def m (recv "go"))
  (def extra (recv "more"))
  (step (str "v2 " note " " (+ a m extra))))
"""
MIG = """
(defmigration upgrade-v1
  :function upgrade
  :from FROM
  :at AT
  :to (recv "go")
  :locals (fn [old] (assoc old :note "migrated")))
"""
START_NEW = (
    '(defn main [] (start-workflow upgrade [1] :id "n1") (send "n1" "go" 1) (send "n1" "more" 1) (println "new" (await-workflow "n1")))\n'
)


def park_m1(tmp_path, db_url, st):
    write(tmp_path, "up.tm", M1)
    p = spawn(tmp_path, db_url, "run", "up.tm")
    wait_for(lambda: st.status_of("u1") == "waiting", p, what="the recv")
    p.send_signal(signal.SIGKILL)
    reap(p)
    for topic in ("go", "more"):
        ok(tm(tmp_path, db_url, "workflows", "send", "u1", topic, "100"))


def old_fingerprint(tmp_path, db_url):
    import re

    shown = ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    return re.search(r"up\.upgrade\s*│\s*([0-9a-f]{8})", shown).group(1)


def test_a_declared_migration_upgrades_the_old_frame_to_the_new_code(tmp_path, db_url):
    st = store(db_url)
    park_m1(tmp_path, db_url, st)
    fp = old_fingerprint(tmp_path, db_url)
    write(tmp_path, "up.tm", M2 + MIG.replace("FROM", f'"{fp}"').replace("AT", '(recv "go")') + START_NEW)
    shown = flat(ok(tm(tmp_path, db_url, "workflows", "show", "u1")))
    assert "upgraded by" in shown and "defmigration upgrade-v1" in shown and "(up.tm:8:1)" in shown, shown
    out = ok(tm(tmp_path, db_url, "run", "up.tm"))
    # the old frame continued in v2's code, at v2's (recv "go"), with the local the migration gave
    assert '"v2 migrated 210"' in ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    assert "new v2 fresh 4" in out
    st.close()


def test_a_migration_for_another_resume_point_leaves_the_frame_on_its_own_version(tmp_path, db_url):
    st = store(db_url)
    park_m1(tmp_path, db_url, st)
    # :any old version, but only frames standing at (recv "more"): u1 stands at (recv "go")
    write(
        tmp_path, "up.tm", M2 + MIG.replace("FROM", ":any").replace("AT", '(recv "more")').replace(':to (recv "go")', ':to (recv "more")')
    )
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    assert '"v1 210"' in ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    st.close()


def test_a_migration_naming_no_resume_point_of_the_old_version_blocks_with_its_position(tmp_path, db_url):
    st = store(db_url)
    park_m1(tmp_path, db_url, st)
    write(tmp_path, "up.tm", M2 + MIG.replace("FROM", ":any").replace("AT", '(recv "nope")'))
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    row = st.get_workflow("u1")
    assert row["status"] == "blocked", row
    assert "up.tm:8:1: defmigration upgrade-v1" in row["error"] and '(recv "nope")' in row["error"], row["error"]
    assert 'its resume points: 1 (step (* x 2)), 2 (recv "go"), 3 (recv "more")' in row["error"], row["error"]
    st.close()


def test_a_migration_whose_locals_lack_a_new_local_blocks_and_says_which(tmp_path, db_url):
    st = store(db_url)
    park_m1(tmp_path, db_url, st)
    write(tmp_path, "up.tm", M2 + MIG.replace("FROM", ":any").replace("AT", '(recv "go")').replace('(assoc old :note "migrated")', "old"))
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    row = st.get_workflow("u1")
    assert row["status"] == "blocked" and "needs the local note" in row["error"], row
    st.close()


BAD_DECLS = [
    (":function upgrade", ":function upgrad", "9:13", "no function upgrad is defined in module up above this form"),
    (':to (recv "go")', ':to (recv "stop")', "12:7", 'no resume point of up.upgrade is a call (recv "stop")'),
    (':to (recv "go")', ":to 9", "8:1", "up.upgrade has no resume point 9"),
    ("AT", "(recv topic)", "11:13", "topic is not a literal"),
    ("FROM", '"xyz"', "8:1", ":from is the old version's fingerprint"),
    (":from FROM", ":from FROM :bogus 1", "8:1", "unknown option :bogus"),
    (':to (recv "go")', ":to (step _)", "8:1", None),  # valid: (step _) is resume point 1
]


def test_bad_migration_declarations_are_compile_errors_with_file_line_col(tmp_path):
    from _durable import env

    for old, new, where, msg in BAD_DECLS:
        src = M2 + MIG.replace(old, new).replace("FROM", ":any").replace("AT", '(recv "go")')
        write(tmp_path, "up.tm", src)
        r = tm(tmp_path, "sqlite:///" + str(tmp_path / "x.db"), "check", "up.tm")
        assert "Traceback" not in r.stderr, r.stderr
        if msg is None:
            assert r.returncode == 0, (new, r.stderr)
            continue
        assert r.returncode == 1, (new, r.stdout, r.stderr)
        assert f"up.tm:{where}: compile error: defmigration upgrade-v1: " in r.stderr and msg in r.stderr, (new, r.stderr)
    assert env  # the helper module is the one the other tests use


# a workflow whose recv is inside a local function: its checkpoint has two frames of up.tm's code
L1 = """\
(defworkflow upgrade [x]
  (def a (step (* x 2)))
  (def wait-go (fn [] (let [g (recv "go")] (str "v1-local " g))))
  (def m (wait-go))
  (step (str "v1 " a " " m)))
(defn main []
  (start-workflow upgrade [5] :id "u1"))
"""
L2 = L1.replace('"v1-local "', '"v2-local "').replace('"v1 "', '"v2 "').split("(defn main")[0]


def test_migrating_the_frame_that_calls_a_local_function_leaves_the_local_frame_on_its_version(tmp_path, db_url):
    """Migrations name top-level functions; a suspended local function's frame is not
    migrated: it runs its own old version (from the code store) and returns into the
    migrated frame of the top-level function, which goes on in the current code."""
    st = store(db_url)
    write(tmp_path, "up.tm", L1)
    p = spawn(tmp_path, db_url, "run", "up.tm")
    wait_for(lambda: st.status_of("u1") == "waiting", p, what="the recv")
    p.send_signal(signal.SIGKILL)
    reap(p)
    ok(tm(tmp_path, db_url, "workflows", "send", "u1", "go", "100"))
    fp = old_fingerprint(tmp_path, db_url)
    mig = f'(defmigration upgrade-v1 :function upgrade :from "{fp}" :at (wait-go) :to (wait-go))\n'
    write(tmp_path, "up.tm", L2 + mig)
    shown = flat(ok(tm(tmp_path, db_url, "workflows", "show", "u1")))
    assert "up.upgrade/fn#" in shown and "resumes on its own code" in shown and "defmigration upgrade-v1" in shown, shown
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    assert '"v2 10 v1-local 100"' in ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    st.close()


def test_a_migration_naming_a_local_function_is_a_compile_error_saying_what_to_migrate(tmp_path):
    mig = '(defmigration upgrade-v1 :function wait-go :from :any :at (recv "go") :to (recv "go"))\n'
    write(tmp_path, "up.tm", L2 + mig)
    r = tm(tmp_path, "sqlite:///" + str(tmp_path / "x.db"), "check", "up.tm")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "up.tm:6:36: compile error: defmigration upgrade-v1: wait-go is a local function of upgrade (up.tm:3:8)" in r.stderr, r.stderr
    assert "Migrate the frame of upgrade that calls it instead" in r.stderr, r.stderr


# --- the deploy example: 100 workflows in flight -----------------------------------------------------

DEPLOY = REPO / "examples" / "versioning" / "workflows"


def test_deploy_with_100_workflows_in_flight_each_finishing_on_its_own_version(tmp_path, db_url):
    """Separate processes: a v1 worker runs 100 orders until each waits for a message; the
    worker is SIGKILLed; orders.tm is replaced by v2; a v2 worker and `turmeric run` finish
    them (all on v1) and run new orders (all on v2)."""
    import shutil

    st = store(db_url)
    shutil.copy(DEPLOY / "v1" / "orders.tm", tmp_path / "orders.tm")
    w1 = spawn(tmp_path, db_url, "worker", "orders.tm", log="worker1")
    try:
        assert "started 100 orders" in ok(tm(tmp_path, db_url, "run", "--no-wait", "orders.tm", "start", "100"))
        wait_for(lambda: len(st.list_workflows(status="waiting")) == 100, w1, what="100 orders waiting")
    finally:
        w1.send_signal(signal.SIGKILL)
        reap(w1)
    assert len({s for s, _ in code_rows(st) if s.startswith("orders.")}) >= 2  # order and its step's closure
    shutil.copy(DEPLOY / "v2" / "orders.tm", tmp_path / "orders.tm")  # the deploy
    shown = flat(ok(tm(tmp_path, db_url, "workflows", "show", "order-7")))
    assert "old version (current is" in shown and "resumes on its own code" in shown
    w2 = spawn(tmp_path, db_url, "worker", "orders.tm", log="worker2")
    try:
        ok(tm(tmp_path, db_url, "run", "--no-wait", "orders.tm", "release", "100"))
        assert "new orders: {v2 5}" in ok(tm(tmp_path, db_url, "run", "orders.tm", "new", "5"))
        assert "in-flight orders: {v1 100}" in ok(tm(tmp_path, db_url, "run", "orders.tm", "tally", "100"))
    finally:
        w2.send_signal(signal.SIGTERM)
        reap(w2)
    assert '"v1 order 7 total 70"' in ok(tm(tmp_path, db_url, "workflows", "show", "order-7"))
    assert '"v2 order 3 total 36 incl. tax"' in ok(tm(tmp_path, db_url, "workflows", "show", "new-3"))
    assert code_rows(st) == []  # every order finished: no checkpoint refers to v1 any more
    st.close()


def test_the_deploy_example_script_runs(tmp_path):
    import subprocess

    from _durable import env

    e = env("sqlite:///" + str(tmp_path / "orders.db"), WORK=str(tmp_path))
    r = subprocess.run(["bash", str(DEPLOY / "deploy.sh"), "20"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=e)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "in flight: 20 orders waiting on v1" in r.stdout
    assert "new orders: {v2 5}" in r.stdout and "in-flight orders: {v1 20}" in r.stdout, r.stdout


def test_a_fork_keeps_the_code_of_the_checkpoint_it_continues(tmp_path, db_url):
    st = store(db_url)
    park(tmp_path, db_url, st)
    write(tmp_path, "up.tm", V2)
    ok(tm(tmp_path, db_url, "workflows", "fork", "u1", "--from-step", "1", "--id", "f1"))
    owners = {r[0] for r in st.run(lambda tx: tx.all("SELECT owner FROM tm_chunk_refs WHERE owner LIKE ?", ("%/code",)), write=False)}
    assert "wf:f1/code" in owners, owners
    for i in ("u1", "u2", "f1"):
        ok(tm(tmp_path, db_url, "workflows", "send", i, "go", "1"))
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    assert '"v1 11"' in ok(tm(tmp_path, db_url, "workflows", "show", "f1"))  # the fork runs the version it forked
    assert code_rows(st) == []
    st.close()
