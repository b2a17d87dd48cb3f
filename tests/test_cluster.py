"""The cluster on a real PostgreSQL: three `turmeric worker --name` processes, tasks
(workflows started with spawn-on) that migrate between them, nodes killed with
SIGKILL mid-task and taken over (nothing lost, no committed step run twice), the
seed guide's send-to-node-b example, code that changed between nodes, bad input.
Every worker process a test starts is killed in a finally (fixture teardown)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from turmeric.store import open_store

LEASE = "1.5"

PROG = r"""
(import-python time)

(defn tour [nodes]
  (loop [ns nodes acc []]
    (if (empty? ns)
      (conj acc (current-node))
      (let [here (current-node)]
        (migrate-to (first ns))
        (recur (rest ns) (conj acc here))))))

;; five units of work, a checkpoint after each: the result says where each ran
(defn slow-job [n]
  (loop [i 0 acc []]
    (if (< i n)
      (let [acc2 (conj acc [i (current-node)])]
        (time.sleep 0.4)
        (task-checkpoint)
        (recur (inc i) acc2))
      acc)))

;; the seed guide's job: three tasks in a row, suspended after the first
(defn run-task1 [] 20)
(defn run-task2 [x] (+ x 1))
(defn run-task3 [x] (str "done " x " on " (current-node)))
(defn ask [] (cloneable-shift [k] k))
(defn half-done-job []
  (cloneable-reset (fn []
    (let [t1 (run-task1)
          _ (ask)
          t2 (run-task2 t1)]
      (run-task3 t2)))))

(defn send-job [node]
  (send-to-node node (serialize (half-done-job))))
(defn receive-and-resume []
  (let [job (deserialize (receive-bytes 20))]
    (job nil)))

(defn versioned [] (let [v "v1"] (migrate-to "b") (str v " " (label) " " (current-node))))
(defn label [] "label-1")
(defn parked-job [] (let [v "v1" m (receive-bytes)] (str v " got " (bytes->string m) " on " (current-node))))

(struct local-db [name : string])
(instance Resource-Serializable local-db
  (marshal [r] (first (string/split r.name "@")))
  (unmarshal [t] (local-db (str t "@" (current-node)))))
(defn agent-tour [nodes]
  (let [db (local-db "inventory")]
    (loop [ns nodes acc []]
      (if (empty? ns)
        acc
        (do (migrate-to (first ns))
            (recur (rest ns) (conj acc db.name)))))))
(defn evil [] (write-file "pwned.txt" "x") "wrote")

(defn try-migrate [node] (try (migrate-to node) "moved" (catch [e] (str "refused: " e.message))))

;; one unit of work: a line per execution in the log (the token names the execution)
(defn unit [log i]
  (let [token (str (time-ns))
        fh (open-file log "a")]
    (write-line fh (str (workflow-id) " " i " " token " " (current-node)))
    (close fh)
    (time.sleep 0.1)
    [i token]))
;; n units, a checkpoint after each, moving round the three nodes (staying where it is
;; when the next one is down)
(defn roam [log n]
  (loop [i 0 acc []]
    (if (< i n)
      (let [r (unit log i)]
        (task-checkpoint)
        (try-migrate (nth ["a" "b" "c"] (mod (inc i) 3)))
        (recur (inc i) (conj acc r)))
      acc)))

;; spawn-on inside a task, then await-workflow inside the task
(defn spawner []
  (let [id (spawn-on "b" (fn [] (str "child on " (current-node))))]
    (time.sleep 1.5)
    (task-checkpoint)
    [id (await-workflow id) (current-node)]))
(defn boom [] (throw (error "boom")))
(def counter (ref 0))            ; a def a worker (definitions mode) does not run
(defn bump [] (swap! counter inc))
;; await-workflow inside a task, for a child on the same node: the waiting task parks
(defn bytes-child [] (str "child got " (bytes->string (receive-bytes)) " on " (current-node)))
(defn awaiter [] (let [id (spawn-on (current-node) bytes-child)] [(await-workflow id) (current-node)]))
;; inside a cloneable-reset the task can't park (the reset would cut its checkpoint short): it waits
(defn await-in-reset [] (cloneable-reset (fn [] (str "in reset: " (await-workflow (spawn-on "a" (fn [] (current-node))))))))
(defn hashed [] (let [v "v1" m (receive-bytes)] (migrate-to "b") (str v " " (bytes->string m) " on " (current-node))))
"""


def _env(db):
    env = dict(os.environ)
    env.update(TURMERIC_SECRET="cluster-test-secret", TURMERIC_DB=db)
    return env


# a and b run agents signed by the test key (b forbids write-file); c trusts no key
NODE_FLAGS = {"a": ["--trust", "{trust}"], "b": ["--trust", "{trust}", "--forbid", "write-file"], "c": []}
TRUST = []  # the trusted-keys file, set by the fixture


def _start(name, folder, db, prog="prog.tm"):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "turmeric",
            "worker",
            "--name",
            name,
            "--db",
            db,
            "--lease",
            LEASE,
            *[f.replace("{trust}", TRUST[0]) for f in NODE_FLAGS[name]],
            prog,
        ],
        cwd=folder,
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=open(os.path.join(folder, f"worker-{name}.log"), "a"),
    )


def _wait_live(db, names, timeout=30):
    st = open_store(db)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(st.kv_get("tm-node", n) is not None for n in names):
                return
            time.sleep(0.05)
        raise AssertionError(f"nodes {names} did not join")
    finally:
        st.close()


def _wait_dead(db, name, timeout=30):
    st = open_store(db)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if st.kv_get("tm-node", name) is None:
                return
            time.sleep(0.05)
        raise AssertionError(f"node {name} still looks alive")
    finally:
        st.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, pg_database):
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_database)
    root = tmp_path_factory.mktemp("cluster")
    folder = root / "app"
    folder.mkdir()
    from turmeric.cluster.agents import keygen

    (root / "trusted.txt").write_text(keygen(str(root / "agent.key")) + "\n")
    keygen(str(root / "other.key"))
    TRUST[:] = [str(root / "trusted.txt")]
    (folder / "prog.tm").write_text(PROG)
    v2 = folder / "v2"
    v2.mkdir()
    (v2 / "prog.tm").write_text(PROG.replace('"v1"', '"v2"').replace('"label-1"', '"label-2"'))
    procs = {}
    state = {"db": pg_database, "folder": folder, "procs": procs, "root": root, "log": str(root / "exec.log")}
    try:
        procs.update({n: _start(n, folder, pg_database) for n in ("a", "c")})
        procs["b"] = _start("b", v2, pg_database)  # node b runs the next version of the program
        _wait_live(pg_database, ["a", "b", "c"])
        yield state
    finally:
        stop_all(state["procs"].values())


def stop_all(procs):
    """SIGTERM every process still running, SIGKILL those that don't exit within 10 s."""
    procs = list(procs)
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def client(cluster, expr, timeout=60, folder=None, key="agent.key"):
    """Run `expr` in a fresh client process (turmeric run) against the cluster; its printed value."""
    folder = folder or cluster["folder"]
    (folder / "client.tm").write_text(f"(import prog)\n(defn main [] (println {expr}))\n")
    r = subprocess.run(
        [sys.executable, "-m", "turmeric", "run", "client.tm"],
        cwd=folder,
        env=dict(_env(cluster["db"]), TURMERIC_AGENT_KEY=str(cluster["root"] / key)),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return r


def ok(r):
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_a_task_tours_three_nodes(cluster):
    out = ok(client(cluster, '(await-workflow (spawn-on "a" (fn [] (prog.tour ["c" "a" "c"]))))'))
    assert out == "[a c a c]"


def test_seed_guide_send_to_node_b(cluster):
    """Node A serializes a half-finished job and sends it; node B receives the bytes and
    resumes it with the program's real functions."""
    rid = ok(client(cluster, '(spawn-on "c" (fn [] (prog.receive-and-resume)))'))
    sid = ok(client(cluster, '(spawn-on "a" (fn [] (prog.send-job "c")))'))
    assert ok(client(cluster, f'(await-workflow "{sid}")')) == "nil"
    assert ok(client(cluster, f'(await-workflow "{rid}")')) == "done 21 on c"


def test_changed_code_runs_its_own_version_on_another_node(cluster):
    """Node b runs v2 of the program: the migrated frame of `versioned` (v1) runs v1's
    code from the code store; the function it calls by name is b's current one."""
    out = ok(client(cluster, '(await-workflow (spawn-on "a" (fn [] (prog.versioned))))'))
    assert out == "v1 label-2 b"


def test_unknown_and_down_nodes_are_clear_errors(cluster):
    r = client(cluster, '(spawn-on "nowhere" (fn [] 1))')
    assert r.returncode == 1 and "unknown node 'nowhere'" in r.stderr and "turmeric worker --name nowhere" in r.stderr
    out = ok(client(cluster, '(await-workflow (spawn-on "a" (fn [] (prog.try-migrate "nowhere"))))'))
    assert "refused: migrate-to: unknown node 'nowhere'" in out


def test_tampered_task_row_is_refused_not_run(cluster):
    wid = ok(client(cluster, '(spawn-on "a" (fn [] (prog.tour [])))'))
    # the task may already have run: make a fresh one by hand with a forged input row
    st = open_store(cluster["db"])
    try:
        st.create_workflow("forged", "cluster-task", "node:a", b"\0" * 16 + b"TMRC not really")
        deadline = time.monotonic() + 30
        while st.get_workflow("forged")["status"] not in ("failed", "succeeded") and time.monotonic() < deadline:
            time.sleep(0.05)
        row = st.get_workflow("forged")
        assert row["status"] == "failed" and "signature mismatch in input:forged" in row["error"]
    finally:
        st.close()
    assert ok(client(cluster, f'(await-workflow "{wid}")')) == "[a]"


def test_sigkill_mid_task_is_taken_over_from_the_last_checkpoint(cluster):
    db = cluster["db"]
    wid = ok(client(cluster, '(spawn-on "c" (fn [] (prog.slow-job 6)))'))
    st = open_store(db)
    try:
        deadline = time.monotonic() + 30
        while st.step_count(wid) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert st.step_count(wid) >= 2
        cluster["procs"]["c"].send_signal(signal.SIGKILL)
        cluster["procs"]["c"].wait()
        killed_after = st.step_count(wid)
    finally:
        st.close()
    out = ok(client(cluster, f'(await-workflow "{wid}")'))
    # every unit of work appears once, in order; the first ones on c, the rest on a survivor
    items = out.strip("[]").replace("] [", "|").replace("[", "").replace("]", "").split("|")
    pairs = [tuple(x.split()) for x in items]
    assert [int(i) for i, _ in pairs] == list(range(6))
    nodes = [n for _, n in pairs]
    assert nodes[:killed_after] == ["c"] * killed_after
    assert set(nodes[killed_after:]) <= {"a", "b"} and nodes[-1] != "c"
    # node c comes back for the other tests
    _wait_dead(db, "c")
    cluster["procs"]["c"] = _start("c", cluster["folder"], db)
    _wait_live(db, ["c"])


def test_migrating_to_a_down_node_is_refused_and_the_task_stays(cluster):
    db = cluster["db"]
    p = cluster["procs"].pop("c")
    p.send_signal(signal.SIGKILL)
    p.wait()
    _wait_dead(db, "c")
    out = ok(client(cluster, '(await-workflow (spawn-on "a" (fn [] [(prog.try-migrate "c") (current-node)])))'))
    assert out.startswith("[refused: migrate-to: node 'c' is down (no heartbeat") and out.endswith(" a]")
    cluster["procs"]["c"] = _start("c", cluster["folder"], db)
    _wait_live(db, ["c"])


def test_parked_task_survives_a_deploy_and_finishes_on_its_version(cluster):
    """A task parked in (receive-bytes) is a checkpoint; its node is replaced by one
    running the next version; the bytes arrive; the task finishes on the old code."""
    db = cluster["db"]
    wid = ok(client(cluster, '(spawn-on "a" prog.parked-job)'))
    st = open_store(db)
    try:
        deadline = time.monotonic() + 30
        while st.get_workflow(wid)["status"] != "waiting" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert st.get_workflow(wid)["status"] == "waiting"
    finally:
        st.close()
    p = cluster["procs"].pop("a")
    p.send_signal(signal.SIGKILL)
    p.wait()
    _wait_dead(db, "a")
    cluster["procs"]["a"] = _start("a", cluster["folder"] / "v2", db)  # the deploy
    _wait_live(db, ["a"])
    # `workflows show`, run where the new version is, says the parked frame runs its own
    # version (a cluster task's row names its node, not a module: the frames say which file)
    r = subprocess.run(
        [sys.executable, "-m", "turmeric", "workflows", "show", wid],
        cwd=cluster["folder"] / "v2",
        env=_env(db),
        capture_output=True,
        text=True,
        timeout=60,
    )
    shown = " ".join(ok(r).split())
    assert "prog.parked-job" in shown and "old version (current is " in shown, shown
    assert "stored in the code store" in shown and "resumes on" in shown and "not found" not in shown, shown
    ok(client(cluster, '(send-to-node "a" (string->bytes "go"))'))
    assert ok(client(cluster, f'(await-workflow "{wid}")')) == "v1 got go on a"
    # the thunk is a function value of the client's program version: a client still on
    # v1 starts v1's job (its code comes from the store), a client on v2 starts v2's
    wid1 = ok(client(cluster, '(spawn-on "a" prog.parked-job)'))
    ok(client(cluster, '(send-to-node "a" (string->bytes "old"))'))
    assert ok(client(cluster, f'(await-workflow "{wid1}")')) == "v1 got old on a"
    wid2 = ok(client(cluster, '(spawn-on "a" prog.parked-job)', folder=cluster["folder"] / "v2"))
    ok(client(cluster, '(send-to-node "a" (string->bytes "again"))'))
    assert ok(client(cluster, f'(await-workflow "{wid2}")')) == "v2 got again on a"


def test_signed_agent_tours_nodes_with_their_local_resources(cluster):
    """An agent visits b then a; the resource it holds is re-acquired on each node it
    arrives at (Resource-Serializable), and its results come home to the client."""
    out = ok(client(cluster, '(await-workflow (spawn-agent "a" (fn [] (prog.agent-tour ["b" "a"]))))'))
    assert out == "[inventory@b inventory@a]"


def test_agents_refused_by_trust_and_capabilities(cluster):
    catch = '(try (await-workflow (spawn-agent "{n}" {f})) (catch [e] (str "refused: " e.message)))'
    out = ok(client(cluster, catch.format(n="b", f="prog.evil")))
    assert out.startswith("refused: agent ") and out.endswith("prog.evil calls write-file, which node b forbids")
    assert not (cluster["folder"] / "v2" / "pwned.txt").exists()
    out = ok(client(cluster, catch.format(n="c", f="(fn [] 1)")))
    assert out == "refused: node c trusts no agent keys (start it with --trust FILE)"
    out = ok(client(cluster, catch.format(n="a", f="(fn [] 1)"), key="other.key"))
    assert out.startswith("refused: agent ") and "which node a does not trust" in out
    # an agent row without a manifest (unsigned): refused before anything is decoded
    from turmeric.durable.seal import seal

    st = open_store(cluster["db"])
    try:
        st.create_workflow("unsigned", "cluster-agent", "node:a", seal(b"cluster-test-secret", "input:unsigned", b"TMRC?"))
        deadline = time.monotonic() + 30
        while st.get_workflow("unsigned")["status"] != "failed" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "agent unsigned is not signed (no manifest)" in st.get_workflow("unsigned")["error"]
    finally:
        st.close()


def tm_cli(cluster, *args):
    r = subprocess.run(
        [sys.executable, "-m", "turmeric", *args],
        cwd=cluster["folder"],
        env=_env(cluster["db"]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    return r


def test_spawn_on_starts_a_workflow_seen_by_await_workflow_status_and_the_cli(cluster):
    out = ok(client(cluster, '(let [id (spawn-on "a" (fn [] (prog.tour ["b"])))] [id (await-workflow id) (workflow-status id)])'))
    m = re.fullmatch(r"\[([0-9a-f]{32}) \[a b\] :succeeded\]", out)
    assert m, out
    wid = m.group(1)
    listed = json.loads(ok(tm_cli(cluster, "workflows", "list", "--json")))
    row = next(r for r in listed if r["id"] == wid)
    assert row["name"] == "cluster-task" and row["status"] == "succeeded" and row["steps"] == 1
    shown = ok(tm_cli(cluster, "workflows", "show", wid))
    assert "runs on node b" in shown and 'result: ["a" "b"]' in shown and "migrate-to" in shown, shown
    assert "thunk: client.main/fn#" in shown and "(client.tm:2)" in shown, shown
    # a task's error is thrown by await-workflow
    out = ok(client(cluster, '(try (await-workflow (spawn-on "c" prog.boom)) (catch [e] (str "caught: " e.message)))'))
    assert out == "caught: boom"


def test_a_task_error_says_where_on_which_node_it_was_thrown(cluster):
    """A task's error, thrown again by await-workflow / await-task in the client, has the
    node's position as its hint (file:line:col of the task's code, the node's name), and
    an unbound global that the worker's definitions mode skipped says so."""
    line = PROG.splitlines().index('(defn boom [] (throw (error "boom")))') + 1
    for form in ('(await-workflow (spawn-on "c" prog.boom))', '(await-task (spawn-on "c" prog.boom) 60)'):
        r = client(cluster, form)
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert re.search(rf"hint: thrown at prog\.tm:{line}:\d+ on node c\n", r.stderr), r.stderr
    r = client(cluster, '(await-workflow (spawn-on "a" prog.bump))')
    assert r.returncode == 1 and 'uncaught error: (unbound-global "counter")' in r.stderr, r.stderr
    assert "on node a; counter is defined at prog.tm:" in r.stderr and "by a def whose value a worker does not compute" in r.stderr
    # the catchable value is the task's error itself, unchanged
    assert ok(client(cluster, '(try (await-workflow (spawn-on "c" prog.boom)) (catch [e] e.message))')) == "boom"


def test_await_task_is_await_workflow_with_a_time_limit_and_cancel_stops_a_task(cluster):
    wid = ok(client(cluster, '(spawn-on "c" (fn [] (receive-bytes)))'))  # parks: nothing is sent to c
    r = client(cluster, f'(await-task "{wid}" 1)')
    assert r.returncode == 1 and f"await-task: workflow {wid} did not finish within 1 s (status " in r.stderr, r.stderr
    assert "assigned to node c" in r.stderr and "Traceback" not in r.stderr
    assert "cancelled" in ok(tm_cli(cluster, "workflows", "cancel", wid))
    r = client(cluster, f'(await-workflow "{wid}")')
    assert r.returncode == 1 and f"workflow {wid} was cancelled" in r.stderr, r.stderr


def _results(out):
    """[[i token] ...] printed by the client -> [(i, token)]."""
    return [(int(i), t) for i, t in re.findall(r"\[(\d+) (\d+)\]", out)]


def _executions(log):
    ex = {}
    for line in open(log).read().splitlines():
        wid, i, token, node = line.split()
        ex.setdefault((wid, int(i)), []).append((token, node))
    return ex


def check_once(log, wid, results, n):
    """Every unit of task `wid` is in its result once, in order, and the execution whose
    result was committed is the last execution of that unit (no committed step ran again)."""
    assert [i for i, _ in results] == list(range(n)), results
    ex = _executions(log)
    reruns = 0
    for i, token in results:
        runs = [t for t, _ in ex.get((wid, i), [])]
        assert token in runs, f"unit {i}: committed token {token} was never executed ({runs})"
        assert runs[-1] == token, f"unit {i} of {wid} ran again after its result was committed: {runs}"
        reruns += len(runs) - 1
    return reruns


def test_sigkills_across_three_nodes_lose_nothing_and_run_no_committed_step_twice(cluster):
    """Three tasks roam a, b and c (a checkpoint and a migration after every unit of work);
    three times, a node running one of them is SIGKILLed and started again. Every task
    finishes with every unit once, and no unit whose result was committed ran again."""
    db, log = cluster["db"], cluster["log"]
    n = 12
    ids = [ok(client(cluster, f'(spawn-on "{node}" (fn [] (prog.roam "{log}" {n})))')) for node in ("a", "b", "c")]
    st = open_store(db)
    kills = []
    try:
        for _ in range(3):
            # a node that holds a task's lease right now, with the task part-way through
            deadline = time.monotonic() + 60
            victim = None
            while victim is None and time.monotonic() < deadline:
                owned = st.run(
                    lambda tx: tx.all("SELECT id, owner FROM tm_workflows WHERE status = 'running' AND owner IS NOT NULL"), write=False
                )
                for wid, owner in owned:
                    if wid in ids and 0 < st.step_count(wid) < 2 * n - 4:
                        victim = owner.split("/")[0]
                        break
                time.sleep(0.05)
            if victim is None:
                break
            p = cluster["procs"].pop(victim)
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills.append(victim)
            folder = cluster["folder"] / "v2" if victim == "b" else cluster["folder"]
            cluster["procs"][victim] = _start(victim, folder, db)
            _wait_live(db, [victim])
            time.sleep(0.5)
    finally:
        st.close()
    assert len(kills) >= 2, kills  # the tasks were still running when the kills came
    for wid in ids:
        res = _results(ok(client(cluster, f'(await-workflow "{wid}")', timeout=180)))
        check_once(log, wid, res, n)
    st = open_store(db)
    try:
        recovered = sum(st.get_workflow(w)["recoveries"] for w in ids)
        nodes = {node for w in ids for runs in _executions(log).values() for _, node in runs}
    finally:
        st.close()
    assert nodes == {"a", "b", "c"}
    assert recovered >= 1, "no task was taken over from a killed node"


def test_spawn_inside_a_task_is_not_repeated_when_the_task_is_taken_over(cluster):
    """A task spawns a child, and its node is SIGKILLed before the task's next checkpoint;
    the task resumes elsewhere from its last checkpoint and spawns again: the same id,
    no second child. await-workflow inside the task waits for the child."""
    db = cluster["db"]
    wid = ok(client(cluster, '(spawn-on "c" prog.spawner)'))
    st = open_store(db)
    try:
        children = lambda: st.run(lambda tx: tx.all("SELECT id FROM tm_workflows WHERE parent = ?", (wid,)), write=False)  # noqa: E731
        deadline = time.monotonic() + 60
        while not children() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert children() == [(f"{wid}/0.0",)]
        p = cluster["procs"].pop("c")
        p.send_signal(signal.SIGKILL)
        p.wait()
        out = ok(client(cluster, f'(await-workflow "{wid}")', timeout=120))
        assert out in (f"[{wid}/0.0 child on b a]", f"[{wid}/0.0 child on b b]"), out  # finished on a survivor
        assert children() == [(f"{wid}/0.0",)]
    finally:
        st.close()
        _wait_dead(db, "c")
        cluster["procs"]["c"] = _start("c", cluster["folder"], db)
        _wait_live(db, ["c"])


def test_await_workflow_inside_a_task_parks_it_instead_of_holding_the_node(cluster):
    """A task on c awaits a child on c that waits for bytes: the task parks (a checkpoint,
    status waiting on the child), so c runs other tasks meanwhile (a blocking await would
    hold c's only thread: the other task would not finish); the bytes arrive, the child
    finishes, the parked task is woken and finishes with the child's value."""
    db = cluster["db"]
    wid = ok(client(cluster, '(spawn-on "c" prog.awaiter)'))
    st = open_store(db)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            row = st.get_workflow(wid)
            if row["status"] == "waiting" and row["wait_kind"] == "child":
                break
            time.sleep(0.05)
        assert row["status"] == "waiting" and row["wait_kind"] == "child" and row["wait_a"] == f"{wid}/0.0", row
        assert row["owner"] is None  # parked: no node holds it
        assert ok(client(cluster, '(await-task (spawn-on "c" (fn [] (str "meanwhile on " (current-node)))) 30)')) == "meanwhile on c"
        ok(client(cluster, '(send-to-node "c" (string->bytes "go"))'))
        assert ok(client(cluster, f'(await-task "{wid}" 60)')) == "[child got go on c c]"
        assert "await-workflow (waiting)" in ok(tm_cli(cluster, "workflows", "show", wid))
    finally:
        st.close()
    assert ok(client(cluster, '(await-task (spawn-on "c" prog.await-in-reset) 60)')) == "in reset: a"


def test_code_whose_hash_does_not_match_its_content_is_refused(cluster):
    """A task parks on a (its v1 code is kept in the code store); the stored record is
    altered; the task then migrates to b, which runs v2 and so needs v1 from the store:
    b refuses the record before compiling it, and the task fails with that reason."""
    db = cluster["db"]
    wid = ok(client(cluster, '(spawn-on "a" prog.hashed)'))
    st = open_store(db)
    try:
        deadline = time.monotonic() + 30
        while st.get_workflow(wid)["status"] != "waiting" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert st.get_workflow(wid)["status"] == "waiting"
        rows = st.run(lambda tx: tx.all("SELECT hash FROM tm_code WHERE symbol LIKE ?", ("prog.hashed%",)), write=False)
        assert rows
        for (h,) in rows:
            data = bytes(st.run(lambda tx, h=h: tx.one("SELECT data FROM tm_chunks WHERE hash = ?", (h,)), write=False)[0])
            forged = data.replace(b'\\"v1\\"', b'\\"v9\\"')
            assert forged != data
            st.run(lambda tx, h=h, d=forged: tx.execute("UPDATE tm_chunks SET data = ? WHERE hash = ?", (d, h)))
    finally:
        st.close()
    ok(client(cluster, '(send-to-node "a" (string->bytes "go"))'))
    out = ok(client(cluster, f'(try (await-workflow "{wid}") (catch [e] (str "refused: " e.message)))'))
    assert out.startswith("refused: ") and "does not match its hash" in out and "v9" not in out, out


def test_sigterm_stops_a_node_cleanly(tmp_path):
    """SIGTERM: the node finishes what it is doing, hands its leases over, leaves the
    cluster (its liveness row is deleted at once) and exits 0."""
    db = str(tmp_path / "t.db")
    (tmp_path / "prog.tm").write_text("(defn f [] 1)\n")
    p = subprocess.Popen(
        [sys.executable, "-m", "turmeric", "worker", "--name", "c", "--db", db, "--lease", LEASE, "prog.tm"],
        cwd=tmp_path,
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_live(db, ["c"])
        p.send_signal(signal.SIGTERM)
        assert p.wait(timeout=30) == 0
        st = open_store(db)
        try:
            assert st.run(lambda tx: tx.one("SELECT COUNT(*) FROM tm_kv WHERE ns = 'tm-node'"), write=False)[0] == 0
        finally:
            st.close()
    finally:
        stop_all([p])


def test_a_bad_trust_file_is_a_clear_error(tmp_path):
    """--trust FILE that is missing or holds something else than hex public keys: the
    worker says which file (and line) and what it should hold, exit 1, nothing joins."""
    (tmp_path / "prog.tm").write_text("(defn f [] 1)\n")
    (tmp_path / "keys.txt").write_text("# trusted\n" + "ab" * 32 + "\nnot-a-key\n")
    for trust, msg in (
        ("keys.txt", "keys.txt:3:1: 'not-a-key' is not a hex Ed25519 public key"),
        ("none.txt", "--trust none.txt: can't read"),
    ):
        r = subprocess.run(
            [sys.executable, "-m", "turmeric", "worker", "--name", "n", "--db", "t.db", "--trust", trust, "prog.tm"],
            cwd=tmp_path,
            env=_env("t.db"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 1 and msg in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert "keygen" in r.stderr


AGENT_PY = r"""
(import-python os)
(import-python pathlib [Path])
(defn by-module [] (os.getcwd))
(defn by-class [] (.write_text (Path "pwned.txt") "x"))
(defn by-dunder [] (let [s "x"] s.__class__))
(defn by-method [] (.__class__ "x"))
(defn plain [] (str "plain on " (current-node)))
(defn main []
  (println (map (fn [t] (try (await-workflow (spawn-agent "n" t)) (catch [e] e.message)))
                [by-module by-class by-dunder by-method plain])))
"""


def test_an_agent_reaching_python_is_refused_by_a_node_forbidding_import_python(tmp_path):
    """--forbid import-python refuses an agent whose code reaches Python in any way: a name
    an import-python bound, a Python method call, a dunder attribute; before it runs."""
    from turmeric.cluster.agents import keygen

    db = str(tmp_path / "c.db")
    (tmp_path / "trusted.txt").write_text(keygen(str(tmp_path / "agent.key")) + "\n")
    (tmp_path / "prog.tm").write_text(AGENT_PY)
    node = subprocess.Popen(
        [sys.executable, "-m", "turmeric", "worker", "--name", "n", "--db", db, "--lease", LEASE]
        + ["--trust", "trusted.txt", "--forbid", "import-python", "prog.tm"],
        cwd=tmp_path,
        env=_env(db),
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "w"),
    )
    try:
        _wait_live(db, ["n"])
        r = subprocess.run(
            [sys.executable, "-m", "turmeric", "run", "prog.tm"],
            cwd=tmp_path,
            env=dict(_env(db), TURMERIC_AGENT_KEY="agent.key"),
            capture_output=True,
            text=True,
            timeout=120,
        )
        out = ok(r)
        for f in ("by-module", "by-class", "by-dunder", "by-method"):
            assert f"prog.{f} calls import-python, which node n forbids" in out, out
        assert "plain on n" in out, out
        assert not (tmp_path / "pwned.txt").exists()
    finally:
        stop_all([node])
