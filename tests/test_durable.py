"""Durable workflows end to end: `python -m turmeric run | worker | workflows` in a
temp folder, on SQLite and on PostgreSQL, with separate processes where the feature
crosses processes, and real SIGKILLs for crashes."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
import threading

import pytest
from _durable import EXAMPLES, REPO, clean_failure, env, lines, ok, reap, spawn, store, tm, wait_for


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


# --- the seed's process-order ---------------------------------------------------------------------


def test_process_order_runs_and_a_second_run_starts_nothing(tmp_path, db_url):
    shutil.copy(EXAMPLES / "process_order.tm", tmp_path)
    out = ok(tm(tmp_path, db_url, "run", "process_order.tm"))
    assert "charged card-4257" in out and "result: shipped order 17 (green tea), receipt-card-4257" in out
    assert "status event: charged" in out and "status: :succeeded" in out
    out2 = ok(tm(tmp_path, db_url, "run", "process_order.tm"))
    assert "charged card" not in out2 and "result: shipped order 17" in out2
    assert lines(tmp_path / "charges.log") == ["charged card-4257 key order-17"]


def test_process_order_killed_during_its_sleep_resumes_without_charging_again(tmp_path, db_url):
    shutil.copy(EXAMPLES / "process_order.tm", tmp_path)
    p = spawn(tmp_path, db_url, "run", "process_order.tm")
    st = store(db_url)
    wait_for(lambda: st.status_of("order-17") == "sleeping", p, what="the sleep")
    p.send_signal(signal.SIGKILL)
    reap(p)
    assert lines(tmp_path / "charges.log") == ["charged card-4257 key order-17"]
    assert not (tmp_path / "fulfilled.log").exists()
    out = ok(tm(tmp_path, db_url, "run", "process_order.tm"))
    assert "loading order" not in out and "charged card" not in out
    assert "fulfilled order 17" in out and "result: shipped order 17 (green tea), receipt-card-4257" in out
    assert lines(tmp_path / "charges.log") == ["charged card-4257 key order-17"]
    assert lines(tmp_path / "fulfilled.log") == ["order 17 receipt-card-4257"]
    shown = ok(tm(tmp_path, db_url, "workflows", "show", "order-17"))
    assert "succeeded" in shown and "sleep-for" in shown and '"receipt-card-4257"' in shown
    st.close()


# --- the language surface -------------------------------------------------------------------------

SURFACE = """
(def tries (ref 0))
(defn flaky [] (swap! tries inc) (if (< (deref tries) 3) (throw (error "flaky")) "ok after 3"))
(defworkflow retrying [] (step (flaky) :retries 5 :backoff 0.01))
(println "retry:" (await-workflow (start-workflow retrying [] :id "r1")) (deref tries))

(defworkflow failing [] (step (throw (error "boom")) :retries 2 :backoff 0.01))
(println "fail:" (try (await-workflow (start-workflow failing [] :id "f1")) (catch [e] (str "caught " e))))
(println "status:" (workflow-status "f1") (workflow-status "no-such-id"))

(defworkflow child [x] (step (* x 10)))
(defworkflow parent []
  (def a (start-workflow child [1]))
  (def b (start-workflow child [2] :id "kid-2"))
  (+ (await-workflow a) (await-workflow b)))
(println "children:" (await-workflow (start-workflow parent [] :id "p1")) (workflow-status "kid-2"))

(defworkflow waiter [] (list (recv "x" :timeout 0.1) (workflow-id)))
(println "timeout:" (await-workflow (start-workflow waiter [] :id "wt1")))

(defworkflow receiver [] (def a (recv "in")) (set-event "got" a) (send "p1" "unused" a) (str "got " a))
(start-workflow receiver [] :id "rc1")
(send "rc1" "in" {:n 7})
(println "event:" (get-event "rc1" "got" :timeout 30))
(println "recv:" (await-workflow "rc1"))
(println "no event:" (get-event "rc1" "never" :timeout 0))

(defmacro checkpoint [name value]
  `(cloneable-shift [k]
     ;; Save continuation to disk
     (def checkpoint-file (str "checkpoint-" ~name ".bin"))
     (write-file checkpoint-file (serialize k))
     ;; Resume immediately on first run
     (continue k ~value)))
(defworkflow with-checkpoint [] (def a (step 1)) (def b (checkpoint "mid" (+ a 1))) (step (+ b 1)))
(println "seed checkpoint:" (await-workflow (start-workflow with-checkpoint [] :id "ck1")) (file-exists? "checkpoint-mid.bin"))

(defworkflow sleeper [] (sleep-for 0.05) (step "woke"))
(println "sleep:" (await-workflow (start-workflow sleeper [] :id "sl1")))
(println "same id:" (start-workflow sleeper [] :id "sl1") (workflow-status "sl1"))
"""


def test_language_surface(tmp_path, db_url):
    write(tmp_path, "surface.tm", SURFACE)
    out = ok(tm(tmp_path, db_url, "run", "surface.tm"))
    assert "retry: ok after 3 3" in out
    assert "fail: caught (error boom)" in out
    assert "status: :failed nil" in out
    assert "children: 30 :succeeded" in out
    assert "timeout: (nil wt1)" in out
    assert "event: {:n 7}" in out and "recv: got {:n 7}" in out and "no event: nil" in out
    assert "seed checkpoint: 3 #t" in out
    assert "sleep: woke" in out and "same id: sl1 :succeeded" in out
    st = store(db_url)
    assert st.get_workflow("p1/1")["parent"] == "p1"  # the unnamed child's id is derived from its parent
    assert "boom" in st.get_workflow("f1")["error"]
    st.close()


def test_outside_a_workflow_the_durable_operations_say_so(tmp_path, db_url):
    write(tmp_path, "outside.tm", '(println (try (step 1) (catch [e] (str e))))\n(recv "x")\n')
    r = tm(tmp_path, db_url, "run", "outside.tm")
    assert "step: not inside a workflow" in r.stdout
    clean_failure(r, "recv: only a workflow receives messages", "outside.tm:2:1")


def test_durable_operation_inside_a_step_is_refused(tmp_path, db_url):
    write(tmp_path, "nested.tm", '(defworkflow w [] (step (recv "x")))\n(await-workflow (start-workflow w []))\n')
    clean_failure(tm(tmp_path, db_url, "run", "nested.tm"), "recv inside a step")


def test_a_module_keeps_its_own_step_function(tmp_path):
    write(tmp_path, "own.tm", '(defn step [x] (str "mine " x))\n(println (step 1))\n')
    assert ok(tm(tmp_path, "sqlite:///" + str(tmp_path / "x.db"), "run", "own.tm")) == "mine 1\n"
    assert not (tmp_path / "x.db").exists()  # no workflow: no database


# --- bad input ---------------------------------------------------------------------------------------


def test_unknown_workflow_and_wrong_argument_count_name_the_call(tmp_path, db_url):
    write(
        tmp_path,
        "bad.tm",
        "(defworkflow w [a b] (step a))\n(defn plain [] 1)\n(println (try (start-workflow plain []) (catch [e] (str e))))\n(start-workflow w [1])\n",
    )
    r = tm(tmp_path, db_url, "run", "bad.tm")
    assert "plain> is not a workflow: define it with defworkflow" in r.stdout
    clean_failure(r, "workflow bad.w takes 2 arguments, got 1", "bad.tm:4:1")
    write(tmp_path, "unknown.tm", "(start-workflow no-such-workflow [1])\n")
    clean_failure(tm(tmp_path, db_url, "run", "unknown.tm"), "no-such-workflow", "unknown.tm:1")


def test_a_row_naming_an_unknown_workflow_is_blocked_not_dropped(tmp_path, db_url):
    write(tmp_path, "prog.tm", "(defworkflow known [] (step 1))\n")
    st = store(db_url)
    st.create_workflow("ghost", "prog.vanished", "prog", None)
    r = tm(tmp_path, db_url, "run", "prog.tm")
    ok(r)
    row = st.get_workflow("ghost")
    assert row["status"] == "blocked" and "missing-function" in row["error"] and "prog.vanished" in row["error"]
    st.close()


def test_non_serializable_local_across_a_step_names_the_local_and_the_step(tmp_path, db_url):
    write(
        tmp_path,
        "ns.tm",
        """\
        (struct Conn [h : int64])
        (defworkflow holds []
          (def conn (Conn 1))
          (step (+ 1 2))
          conn.h)
        (await-workflow (start-workflow holds [] :id "h1"))
        """,
    )
    r = tm(tmp_path, db_url, "run", "ns.tm")
    clean_failure(r, "step at line 4", "local conn holds a Conn, which is not serializable")
    st = store(db_url)
    assert st.get_workflow("h1")["status"] == "failed" and st.last_step("h1") is None
    st.close()
    write(
        tmp_path,
        "res.tm",
        '(struct Conn [h : int64])\n(defworkflow gives [] (step 1) (Conn 2))\n(await-workflow (start-workflow gives [] :id "g1"))\n',
    )
    clean_failure(tm(tmp_path, db_url, "run", "res.tm"), "the workflow's result can't be saved", "Conn")


def test_locked_sqlite_database_is_retried_then_a_clear_error(tmp_path):
    import sqlite3

    db = tmp_path / "turmeric.db"
    write(tmp_path, "p.tm", '(defworkflow w [] (step 1))\n(println (await-workflow (start-workflow w [] :id "a")))\n')
    ok(tm(tmp_path, "sqlite:///" + str(db), "run", "p.tm"))  # creates the schema
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    write(tmp_path, "q.tm", '(defworkflow w [] (step 2))\n(println (await-workflow (start-workflow w [] :id "b")))\n')
    r = tm(tmp_path, "sqlite:///" + str(db), "run", "q.tm", TURMERIC_DB_TIMEOUT=0.5)
    other.execute("ROLLBACK")
    other.close()
    clean_failure(r, "stayed locked by another process", "TURMERIC_DB_TIMEOUT")


def test_unreachable_postgres_is_a_clear_error(tmp_path):
    write(tmp_path, "p.tm", "(defworkflow w [] (step 1))\n(start-workflow w [])\n")
    r = tm(tmp_path, "postgresql://u:pw@127.0.0.1:9/db", "run", "p.tm", TURMERIC_DB_TIMEOUT=0.3)
    clean_failure(r, "can't reach the database postgresql://u:***@127.0.0.1:9/db", "check that the server is running")


FULL_DISK = """
import sys
from turmeric import durable, loader
durable.install()
eng = durable.use_engine(durable.Engine())
eng.store.conn.execute("PRAGMA max_page_count = %d" % (eng.store.conn.execute("PRAGMA page_count").fetchone()[0] + 2))
loader.load_prelude()
try:
    loader.load_file("big.tm", main=True)
except Exception as e:
    print("ERROR", type(e).__name__, e)
eng.close()
"""


def test_full_disk_fails_the_step_without_a_torn_checkpoint(tmp_path):
    url = "sqlite:///" + str(tmp_path / "turmeric.db")
    write(
        tmp_path,
        "big.tm",
        """\
        (defworkflow grow []
          (def a (step "small"))
          (def b (step (string/join "," (map str (range 60000)))))
          (str a " " (count b)))
        (println (await-workflow (start-workflow grow [] :id "g")))
        """,
    )
    st = store(url)  # schema first, so the page limit only hits the workflow's rows
    st.close()
    write(tmp_path, "full.py", FULL_DISK)
    r = subprocess.run([sys.executable, "full.py"], cwd=tmp_path, capture_output=True, text=True, env=env(url), timeout=120)
    assert "ERROR StoreFull" in r.stdout and "nothing was written" in r.stdout, r.stdout + r.stderr
    st = store(url)
    assert st.get_workflow("g")["status"] in ("pending", "running") and st.step_count("g") <= 1
    st.close()
    # space is back: the workflow resumes from its last checkpoint and finishes
    out = ok(tm(tmp_path, url, "run", "big.tm"))
    assert "small 348889" in out


def test_racing_starts_with_one_id_make_exactly_one_run(tmp_path, db_url):
    write(
        tmp_path,
        "race.tm",
        """\
        (defn mark [] (def fh (open-file "ran.log" "a")) (write-line fh "ran") (close fh) 1)
        (defworkflow once [] (step (mark)))
        (println (await-workflow (start-workflow once [] :id "the-one")))
        """,
    )
    store(db_url).close()  # the schema exists before the race
    ps = [spawn(tmp_path, db_url, "run", "race.tm", log=f"r{i}") for i in range(4)]
    for p in ps:
        assert reap(p) == 0
    assert lines(tmp_path / "ran.log") == ["ran"]
    for i in range(4):
        assert (tmp_path / f"r{i}.out").read_text() == "1\n"


# --- code changes -------------------------------------------------------------------------------------

V1 = """\
(defworkflow upgrade [x]
  (def a (step (* x 2)))
  (def m (recv "go"))
  (step (+ a m)))
(defn main [] (start-workflow upgrade [5] :id "u1"))
"""
V2 = V1.replace("(step (* x 2))", "(step (* x 3))")


def test_checkpoint_whose_code_is_unavailable_is_blocked_then_resumes(tmp_path, db_url):
    """A checkpoint keeps its code in the code store (tests/test_versioning.py); when that
    code is really gone (here: deleted by hand), the workflow is :blocked with the reason."""
    write(tmp_path, "up.tm", V1)
    p = spawn(tmp_path, db_url, "run", "up.tm")
    st = store(db_url)
    wait_for(lambda: st.status_of("u1") == "waiting", p, what="the recv")
    p.send_signal(signal.SIGKILL)
    reap(p)
    ok(tm(tmp_path, db_url, "workflows", "send", "u1", "go", "100"))
    st.run(lambda tx: tx.execute("DELETE FROM tm_code"))
    write(tmp_path, "up.tm", V2)
    ok(tm(tmp_path, db_url, "run", "up.tm"))
    row = st.get_workflow("u1")
    assert row["status"] == "blocked" and "schema-mismatch" in row["error"], row
    assert "code store does not hold" in row["error"], row
    assert "blocked" in ok(tm(tmp_path, db_url, "workflows", "show", "u1"))
    ok(tm(tmp_path, db_url, "run", "up.tm"))  # the same code again: not retried in a loop
    assert st.get_workflow("u1")["status"] == "blocked" and st.step_count("u1") == 2
    write(tmp_path, "up.tm", V1 + '(defn main [] (println "result" (await-workflow "u1")))\n')
    # V1's workflow is back (main differs, the workflow's code doesn't): it resumes
    out = ok(tm(tmp_path, db_url, "run", "up.tm"))
    assert "result 110" in out
    st.close()


def test_a_checkpoint_row_written_by_hand_is_blocked_never_run(tmp_path, db_url):
    write(
        tmp_path, "t.tm", '(defworkflow t [] (def a (step 1)) (recv "go") (step (+ a 1)))\n(defn main [] (start-workflow t [] :id "t1"))\n'
    )
    p = spawn(tmp_path, db_url, "run", "t.tm")
    st = store(db_url)
    wait_for(lambda: st.status_of("t1") == "waiting", p, what="the recv")
    p.send_signal(signal.SIGKILL)
    reap(p)
    n, _, data = st.last_step("t1")
    forged = data[:-1] + bytes([data[-1] ^ 1])
    st.run(lambda tx: tx.execute("UPDATE tm_steps SET data = ? WHERE workflow = 't1' AND n = ?", (forged, n)))
    st.send("t1", "go", b"not even sealed")
    ok(tm(tmp_path, db_url, "run", "t.tm"))
    row = st.get_workflow("t1")
    assert row["status"] == "blocked" and "signature" in row["error"]
    st.close()


def test_rows_are_sealed_in_17_bytes_per_row_and_old_full_envelopes_still_open():
    from turmeric.durable import seal as S
    from turmeric.serialization import trust

    key = b"k" * 32
    row = S.seal(key, "step:w:3", b"record")
    assert len(row) == len(b"record") + 17 and S.unseal(key, "step:w:3", row) == b"record"
    for ctx in ("step:w:4", "step:v:3", "input:w"):  # moved to another row: refused
        with pytest.raises(S.Tampered):
            S.unseal(key, ctx, row)
    # a row written before the compact envelope (the full TMRS one, same per-row key)
    old = trust.seal(b"record", S._row_key(key, "step:w:3"), S.PURPOSE)
    assert S.unseal(key, "step:w:3", old) == b"record"
    with pytest.raises(S.Tampered):
        S.unseal(key, "step:w:4", old)


# --- checkpoints: incremental, one read to resume -----------------------------------------------------


def test_a_1mb_vector_held_over_100_steps_writes_under_3mb(tmp_path, db_url):
    write(
        tmp_path,
        "vec.tm",
        """\
        (defworkflow holder []
          (def v (vec (map (fn [i] (str "item-" (* i 7919 104729))) (range 140000))))
          (loop [i 0 acc 0]
            (if (< i 100) (recur (inc i) (+ acc (step (count (get v i))))) (list acc (count (serialize v))))))
        (println (await-workflow (start-workflow holder [] :id "v1")))
        """,
    )
    st = store(db_url)
    before = st.size_bytes()
    out = ok(tm(tmp_path, db_url, "run", "vec.tm"))
    acc, vbytes = out.strip("()\n").split()
    assert int(vbytes) >= 1_000_000  # the vector really is 1 MB serialized
    st.close()
    st = store(db_url)
    if st.backend == "sqlite":
        st.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    written = st.size_bytes() - before
    assert written < 3_000_000, written
    assert st.run(lambda tx: tx.one("SELECT COUNT(*) FROM tm_chunks"))[0] == 1
    st.close()


RECOVERY_COUNT = """
import sys
from turmeric import durable, loader
from turmeric.store import base
durable.install()
eng = durable.use_engine(durable.Engine())
loader.load_prelude()
loader.load_file("long.tm", main=True, definitions_only=True)
calls = []
for name in ("steps", "get_step", "last_step", "chunks_get"):
    orig = getattr(base.Store, name)
    def wrap(self, *a, _o=orig, _n=name, **k):
        calls.append(_n)
        return _o(self, *a, **k)
    setattr(base.Store, name, wrap)
from turmeric.durable.engine import Run
for wf in sys.argv[1:]:
    row = eng.store.get_workflow(wf)
    calls.clear()
    eng.prepare(Run(row))
    print(wf, sorted(calls))
eng.close()
"""


def test_recovery_reads_the_same_rows_after_10_or_500_steps(tmp_path, db_url):
    write(
        tmp_path,
        "long.tm",
        """\
        (defworkflow long [n stop]
          (loop [i 0 s 0]
            (if (< i n) (do (when (= i stop) (recv "never")) (recur (inc i) (+ s (step i)))) s)))
        (defn main [] (start-workflow long [2000 10] :id "short") (start-workflow long [2000 500] :id "deep"))
        """,
    )
    p = spawn(tmp_path, db_url, "run", "long.tm")
    st = store(db_url)
    wait_for(lambda: st.status_of("short") == "waiting" and st.status_of("deep") == "waiting", p, what="both waits")
    p.send_signal(signal.SIGKILL)
    reap(p)
    assert st.step_count("short") == 11 and st.step_count("deep") == 501
    write(tmp_path, "count.py", RECOVERY_COUNT)
    r = subprocess.run(
        [sys.executable, "count.py", "short", "deep"], cwd=tmp_path, capture_output=True, text=True, env=env(db_url), timeout=120
    )
    got = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    assert got["short"] == got["deep"], r.stdout + r.stderr
    assert "steps" not in got["deep"]  # never the list of steps
    st.close()


# --- the command line -----------------------------------------------------------------------------------


def test_workflows_commands(tmp_path, db_url):
    write(
        tmp_path,
        "cli.tm",
        """\
        (defworkflow approve [x]
          (def a (step (* x 2)))
          (def b (step (+ a 1)))
          (def m (recv "ok"))
          (step (list a b m)))
        (defn main [] (start-workflow approve [5] :id "ap1") (start-workflow approve [6] :id "ap2"))
        """,
    )
    p = spawn(tmp_path, db_url, "run", "cli.tm")
    st = store(db_url)
    wait_for(lambda: st.status_of("ap1") == "waiting" and st.status_of("ap2") == "waiting", p, what="the waits")
    p.send_signal(signal.SIGKILL)
    reap(p)
    listed = json.loads(ok(tm(tmp_path, db_url, "workflows", "list", "--json")))
    assert {(w["id"], w["status"], w["steps"]) for w in listed} == {("ap1", "waiting", 3), ("ap2", "waiting", 3)}
    assert "waiting" in ok(tm(tmp_path, db_url, "workflows", "list", "--status", "waiting"))
    shown = ok(tm(tmp_path, db_url, "workflows", "show", "ap1"))
    assert "waiting for a message on 'ok'" in shown and "local a = 10" in shown and "local b = 11" in shown
    assert "cli.approve" in shown and "recv (waiting)" in shown
    forked = ok(tm(tmp_path, db_url, "workflows", "fork", "ap1", "--from-step", "1", "--id", "ap1-again")).strip()
    assert forked == "ap1-again"
    ok(tm(tmp_path, db_url, "workflows", "cancel", "ap2"))
    assert st.status_of("ap2") == "cancelled"
    ok(tm(tmp_path, db_url, "workflows", "send", "ap1", "ok", '(str "yes" 1)'))
    ok(tm(tmp_path, db_url, "workflows", "send", "ap1-again", "ok", ":fork"))
    ok(tm(tmp_path, db_url, "run", "cli.tm"))  # finishes ap1 and the fork; ap2 stays cancelled
    assert '(10 11 "yes1")' in ok(tm(tmp_path, db_url, "workflows", "show", "ap1"))
    assert "(10 11 :fork)" in ok(tm(tmp_path, db_url, "workflows", "show", "ap1-again"))
    assert st.status_of("ap2") == "cancelled"
    ok(tm(tmp_path, db_url, "workflows", "resume", "ap2"))
    ok(tm(tmp_path, db_url, "workflows", "send", "ap2", "ok", "2"))
    ok(tm(tmp_path, db_url, "run", "cli.tm"))
    assert st.status_of("ap2") == "succeeded"
    clean_failure(tm(tmp_path, db_url, "workflows", "show", "nope"), "no workflow has the id 'nope'")
    clean_failure(tm(tmp_path, "sqlite:///" + str(tmp_path / "none.db"), "workflows", "list"), "no workflow database at")
    assert not (tmp_path / "none.db").exists()
    clean_failure(tm(tmp_path, db_url, "workflows", "cancel", "ap1"), "already succeeded")
    clean_failure(tm(tmp_path, db_url, "workflows", "fork", "ap1", "--from-step", "99"), "has no checkpoint 99")
    clean_failure(tm(tmp_path, db_url, "workflows", "gc", "--older-than", "soon"), "expected a duration")
    assert "deleted 0 finished" in ok(tm(tmp_path, db_url, "workflows", "gc", "--older-than", "1h"))
    st.run(lambda tx: tx.execute("UPDATE tm_workflows SET updated = 0"))
    assert "deleted 3 finished" in ok(tm(tmp_path, db_url, "workflows", "gc", "--older-than", "1h"))
    assert st.list_workflows() == []
    st.close()


# --- workers -------------------------------------------------------------------------------------------

WORKLOAD = """\
(defn log-step [i]
  (def fh (open-file "exec.log" "a")) (write-line fh (str (workflow-id) " " i)) (close fh) i)
(defworkflow counter [n]
  (loop [i 0 s 0]
    (if (< i n) (recur (inc i) (+ s (step (log-step i)))) s)))
(defn main [] (for-each (range 12) (fn [j] (start-workflow counter [20] :id (str "c" j)))))
"""


def test_workers_share_the_workflows_each_runs_on_one(tmp_path, db_url):
    write(tmp_path, "load.tm", WORKLOAD)
    store(db_url).close()
    ws = [spawn(tmp_path, db_url, "worker", "load.tm", log=f"w{i}") for i in range(2)]
    ok(tm(tmp_path, db_url, "run", "load.tm"))  # starts them, runs some, waits for all
    for w in ws:
        w.send_signal(signal.SIGTERM)
    for w in ws:
        assert reap(w) == 0
    assert_steps_once_and_all_succeeded(tmp_path, db_url, 12 * 20)


def assert_steps_once_and_all_succeeded(tmp_path, db_url, n):
    """exec.log has n lines, all different (every step once, none twice), and every workflow
    succeeded and is owned by no worker."""
    got = lines(tmp_path / "exec.log")
    assert len(got) == n and len(set(got)) == n
    st = store(db_url)
    try:
        rows = st.list_workflows()
        assert all(r["status"] == "succeeded" for r in rows) and all(r["owner"] is None for r in rows)
    finally:
        st.close()


LANES = """\
(defn arrive [i]
  ;; a barrier: each step says it is inside, then waits until all 4 are (or 60 s pass)
  (def fh (open-file "in.log" "a")) (write-line fh (str (workflow-id))) (close fh)
  (def t0 (time-ns))
  (loop []
    (cond
      (>= (count (filter (fn [l] (not= l "")) (string/split (read-text "in.log") "\\n"))) 4) "together"
      (> (- (time-ns) t0) 60000000000) "alone"
      :else (do (sleep-for 0.01) (recur)))))
(defn log-step [i]
  (def fh (open-file "exec.log" "a")) (write-line fh (str (workflow-id) " " i)) (close fh) i)
(defworkflow meet [j]
  (def r (step (arrive j)))
  (def s (loop [i 0 s 0] (if (< i 5) (recur (inc i) (+ s (step (log-step i)))) s)))
  [r s])
(defn main []
  (def ids (map (fn [j] (start-workflow meet [j] :id (str "m" j))) (range 4)))
  (for-each ids (fn [id] (println id (await-workflow id)))))
"""


def test_lanes_run_claimed_workflows_at_once_each_on_one_lane(tmp_path, db_url):
    write(tmp_path, "lanes.tm", LANES)
    out = ok(tm(tmp_path, db_url, "run", "lanes.tm", TURMERIC_LANES=4))
    # the four first steps were inside at the same time: four lanes, not one after the other
    assert sorted(out.split("\n")[:4]) == [f"m{j} [together 10]" for j in range(4)], out
    assert_steps_once_and_all_succeeded(tmp_path, db_url, 4 * 5)


def test_a_stopped_worker_hands_its_workflow_over_at_once(tmp_path, db_url):
    write(
        tmp_path,
        "slow.tm",
        """\
        (defn wait-file [] (loop [] (if (file-exists? "go") "went" (do (sleep-for 0.01) (recur)))))
        (defworkflow slow [] (def a (step (wait-file))) (step (str a "!")))
        (defn main [] (start-workflow slow [] :id "s1"))
        """,
    )
    store(db_url).close()
    st = store(db_url)
    w = spawn(tmp_path, db_url, "worker", "slow.tm", log="w", TURMERIC_LEASE=600)
    st.create_workflow("s1", "slow.slow", "slow", None)
    wait_for(lambda: (st.get_workflow("s1") or {}).get("owner") is not None, w, what="the worker to take s1")
    w.send_signal(signal.SIGTERM)
    (tmp_path / "go").write_text("")
    assert reap(w) == 0
    row = st.get_workflow("s1")
    assert row["owner"] is None and row["status"] == "running" and st.step_count("s1") == 1  # handed over after its commit
    out = ok(tm(tmp_path, db_url, "workflows", "show", "s1"))
    assert '"went"' in out
    st.close()


def test_store_package_imports_nothing_of_the_language():
    code = "import sys, turmeric.store, turmeric.store.sqlite, turmeric.store.postgres; print(sorted(m for m in sys.modules if m.startswith('turmeric')))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    mods = eval(r.stdout)
    assert all(m.startswith("turmeric.store") or m == "turmeric" for m in mods), mods


def test_heartbeat_keeps_the_lease(tmp_path):
    from turmeric.durable import Engine

    url = "sqlite:///" + str(tmp_path / "hb.db")
    e = Engine(db=url, lease=0.3)
    st = e.store
    st.create_workflow("w", "m.f", "m", None)
    assert st.claim(e.worker, None)
    ev = threading.Event()
    ev.wait(0.8)  # several lease lengths: the heartbeat renewed it
    assert store(url).claim("someone-else", None) == []
    e.close()
    assert store(url).get_workflow("w")["owner"] is None


def test_durable_benchmark_smoke(tmp_path):
    """benchmarks/durable.py --quick runs end to end (Turmeric's side; DBOS is optional here)."""
    e = env("sqlite:///" + str(tmp_path / "unused.db"))
    r = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "durable.py"), "--quick", "--db", "sqlite", "--systems", "turmeric"],
        capture_output=True,
        text=True,
        env=e,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "a  steps/s, 1 workflow" in r.stdout and "d  database bytes per step" in r.stdout
    assert "restart -> first resumed step, killed at 100" in r.stdout


def test_fork_from_a_waiting_checkpoint_waits_again(tmp_path, db_url):
    """`workflows fork ID --from-step N` where checkpoint N is a workflow waiting in recv:
    the fork waits for a message on the same topic (its own id), with the recv's timeout
    counted again from the fork, whether the source still waits there or has moved on."""
    write(
        tmp_path,
        "fk.tm",
        """\
        (defworkflow approve [x]
          (def a (step (* x 2)))
          (def m (recv "ok" :timeout 3600))
          (def n (recv "more"))
          (step (list a m n)))
        (defn main [] (start-workflow approve [5] :id "src"))
        """,
    )
    sub = tmp_path / "elsewhere"
    sub.mkdir()
    p = spawn(tmp_path, db_url, "run", "fk.tm")
    st = store(db_url)
    wait_for(lambda: st.status_of("src") == "waiting", p, what="the first wait")
    p.send_signal(signal.SIGKILL)
    reap(p)
    assert [s[1] for s in st.steps("src")] == ["s", "wr"]
    # the source still waits at checkpoint 2: fork it there (from another folder, relative paths)
    rel_db = db_url if db_url.startswith("postgres") else "sqlite:///../" + db_url.rsplit("/", 1)[1]
    f1 = ok(tm(sub, rel_db, "workflows", "fork", "src", "--from-step", "2", "--id", "f1")).strip()
    assert f1 == "f1"
    # the source moves on past checkpoint 2 and waits at 3; fork the older waiting checkpoint again
    ok(tm(tmp_path, db_url, "workflows", "send", "src", "ok", ":first"))
    p = spawn(tmp_path, db_url, "run", "fk.tm", log="second")
    wait_for(lambda: st.step_count("src") == 4 and st.status_of("src") == "waiting", p, what="the second wait")
    p.send_signal(signal.SIGKILL)
    reap(p)
    assert [s[1] for s in st.steps("src")] == ["s", "wr", "r", "wr"]
    f2 = ok(tm(sub, rel_db, "workflows", "fork", "src", "--from-step", "2", "--id", "f2")).strip()
    assert f2 == "f2"
    for fid in ("f1", "f2"):
        row = st.get_workflow(fid)
        assert (row["status"], row["wait_kind"], row["wait_a"]) == ("waiting", "msg", "ok"), row
        assert row["wake_at"] is not None and row["wake_at"] > row["created"] + 3000, row  # the timeout counts again
        shown = ok(tm(tmp_path, db_url, "workflows", "show", fid))
        assert "waiting for a message on 'ok'" in shown, shown
    listed = {w["id"]: w["status"] for w in json.loads(ok(tm(tmp_path, db_url, "workflows", "list", "--json")))}
    assert listed == {"src": "waiting", "f1": "waiting", "f2": "waiting"}
    for fid in ("f1", "f2"):
        ok(tm(tmp_path, db_url, "workflows", "send", fid, "ok", f":{fid}"))
        ok(tm(tmp_path, db_url, "workflows", "send", fid, "more", "7"))
    ok(tm(tmp_path, db_url, "workflows", "send", "src", "more", "8"))
    r = ok(tm(tmp_path, db_url, "run", "fk.tm"))
    assert "None" not in r
    assert "(10 :first 8)" in ok(tm(tmp_path, db_url, "workflows", "show", "src"))
    assert "(10 :f1 7)" in ok(tm(tmp_path, db_url, "workflows", "show", "f1"))
    assert "(10 :f2 7)" in ok(tm(tmp_path, db_url, "workflows", "show", "f2"))
    st.close()
