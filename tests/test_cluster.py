"""The cluster on a real PostgreSQL: three `turmeric worker --name` processes, tasks
that migrate between them, a node killed with SIGKILL mid-task and taken over, the
seed guide's send-to-node-b example, code that changed between nodes, bad input."""

from __future__ import annotations

import os
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
    procs = {n: _start(n, folder, pg_database) for n in ("a", "c")}
    procs["b"] = _start("b", v2, pg_database)  # node b runs the next version of the program
    _wait_live(pg_database, ["a", "b", "c"])
    state = {"db": pg_database, "folder": folder, "procs": procs, "root": root}
    yield state
    for p in state["procs"].values():
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in state["procs"].values():
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
    out = ok(client(cluster, '(await-task (spawn-on "a" (fn [] (prog.tour ["c" "a" "c"]))))'))
    assert out == "[a c a c]"


def test_seed_guide_send_to_node_b(cluster):
    """Node A serializes a half-finished job and sends it; node B receives the bytes and
    resumes it with the program's real functions."""
    rid = ok(client(cluster, '(spawn-on "c" (fn [] (prog.receive-and-resume)))'))
    sid = ok(client(cluster, '(spawn-on "a" (fn [] (prog.send-job "c")))'))
    assert ok(client(cluster, f'(await-task "{sid}")')) == "nil"
    assert ok(client(cluster, f'(await-task "{rid}")')) == "done 21 on c"


def test_changed_code_runs_its_own_version_on_another_node(cluster):
    """Node b runs v2 of the program: the migrated frame of `versioned` (v1) runs v1's
    code from the code store; the function it calls by name is b's current one."""
    out = ok(client(cluster, '(await-task (spawn-on "a" (fn [] (prog.versioned))))'))
    assert out == "v1 label-2 b"


def test_unknown_and_down_nodes_are_clear_errors(cluster):
    r = client(cluster, '(spawn-on "nowhere" (fn [] 1))')
    assert r.returncode == 1 and "unknown node 'nowhere'" in r.stderr and "turmeric worker --name nowhere" in r.stderr
    out = ok(client(cluster, '(await-task (spawn-on "a" (fn [] (prog.try-migrate "nowhere"))))'))
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
    assert ok(client(cluster, f'(await-task "{wid}")')) == "[a]"


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
    out = ok(client(cluster, f'(await-task "{wid}")'))
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
    out = ok(client(cluster, '(await-task (spawn-on "a" (fn [] [(prog.try-migrate "c") (current-node)])))'))
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
    ok(client(cluster, '(send-to-node "a" (string->bytes "go"))'))
    assert ok(client(cluster, f'(await-task "{wid}")')) == "v1 got go on a"
    # the thunk is a function value of the client's program version: a client still on
    # v1 starts v1's job (its code comes from the store), a client on v2 starts v2's
    wid1 = ok(client(cluster, '(spawn-on "a" prog.parked-job)'))
    ok(client(cluster, '(send-to-node "a" (string->bytes "old"))'))
    assert ok(client(cluster, f'(await-task "{wid1}")')) == "v1 got old on a"
    wid2 = ok(client(cluster, '(spawn-on "a" prog.parked-job)', folder=cluster["folder"] / "v2"))
    ok(client(cluster, '(send-to-node "a" (string->bytes "again"))'))
    assert ok(client(cluster, f'(await-task "{wid2}")')) == "v2 got again on a"


def test_signed_agent_tours_nodes_with_their_local_resources(cluster):
    """An agent visits b then a; the resource it holds is re-acquired on each node it
    arrives at (Resource-Serializable), and its results come home to the client."""
    out = ok(client(cluster, '(await-task (spawn-agent "a" (fn [] (prog.agent-tour ["b" "a"]))))'))
    assert out == "[inventory@b inventory@a]"


def test_agents_refused_by_trust_and_capabilities(cluster):
    catch = '(try (await-task (spawn-agent "{n}" {f})) (catch [e] (str "refused: " e.message)))'
    out = ok(client(cluster, catch.format(n="b", f="prog.evil")))
    assert out.startswith("refused: agent ") and out.endswith("prog.evil calls write-file, which node b forbids")
    assert not (cluster["folder"] / "v2" / "pwned.txt").exists()
    out = ok(client(cluster, catch.format(n="c", f="(fn [] 1)")))
    assert out == "refused: node c trusts no agent keys (start it with --trust FILE)"
    out = ok(client(cluster, catch.format(n="a", f="(fn [] 1)"), key="other.key"))
    assert out.startswith("refused: agent ") and "which node a does not trust" in out
    # an agent row without a manifest (unsigned): refused before anything is decoded
    from turmeric.cluster.node import seal

    st = open_store(cluster["db"])
    try:
        st.create_workflow("unsigned", "cluster-agent", "node:a", seal(b"cluster-test-secret", "input:unsigned", b"TMRC?"))
        deadline = time.monotonic() + 30
        while st.get_workflow("unsigned")["status"] != "failed" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "agent unsigned is not signed (no manifest)" in st.get_workflow("unsigned")["error"]
    finally:
        st.close()
