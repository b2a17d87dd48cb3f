"""The cluster when its PostgreSQL restarts: three `turmeric worker --name` nodes on a
private PostgreSQL server (benchmarks/chaos.py's PrivatePostgres, so the shared test
server is not disturbed), tasks migrating between them after every unit of work, and
the server restarted twice with `pg_ctl restart -m fast` while they move. The nodes
reconnect by themselves, every task finishes, nothing is lost and no unit of work
whose result was committed runs again."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.test_cluster import PROG, _results, check_once, stop_all

REPO = Path(__file__).resolve().parent.parent


def _chaos():
    spec = importlib.util.spec_from_file_location("turmeric_chaos", REPO / "benchmarks" / "chaos.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _env(db):
    env = dict(os.environ)
    env.update(TURMERIC_SECRET="cluster-test-secret", TURMERIC_DB=db, TURMERIC_DB_TIMEOUT="60", TURMERIC_POLL="0.02")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _tm(folder, db, *args, timeout=240):
    r = subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=folder, env=_env(db), capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    return r.stdout.strip()


def test_postgres_restarts_mid_migration_lose_nothing(tmp_path, pg_binaries):
    from turmeric.store import open_store

    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "prog.tm").write_text(PROG)
    log = str(tmp_path / "exec.log")
    n = 16
    pg = _chaos().PrivatePostgres()
    procs = []
    try:
        db = pg.url
        for name in ("a", "b", "c"):
            err = open(tmp_path / f"worker-{name}.log", "a")
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "turmeric", "worker", "--name", name, "--db", db, "--lease", "1.5", "prog.tm"],
                    cwd=folder,
                    env=_env(db),
                    stdout=subprocess.DEVNULL,
                    stderr=err,
                )
            )
            err.close()
        st = open_store(db)
        try:
            deadline = time.monotonic() + 60
            while not all(st.kv_get("tm-node", x) for x in ("a", "b", "c")):
                assert time.monotonic() < deadline, "nodes did not join"
                time.sleep(0.05)
            (folder / "client.tm").write_text(
                "(import prog)\n(defn main [] (let [args (command-line-args) node (first args) log (second args)]"
                f" (println (spawn-on node (fn [] (prog.roam log {n}))))))\n"
            )
            ids = [_tm(folder, db, "run", "client.tm", node, log) for node in ("a", "b", "c")]
            in_flight = []
            for _ in range(2):
                # restart while the tasks are part-way through, moving from node to node
                deadline = time.monotonic() + 60
                while not all(st.step_count(w) >= 2 for w in ids):
                    assert time.monotonic() < deadline, "the tasks made no progress"
                    assert not any(st.status_of(w) == "failed" for w in ids), [st.get_workflow(w)["error"] for w in ids]
                    time.sleep(0.05)
                in_flight.append(sum(1 for w in ids if st.get_workflow(w)["status"] == "running"))
                started = st.run(lambda tx: tx.one("SELECT pg_postmaster_start_time()"), write=False)[0]
                r = pg.restart()
                assert r.returncode == 0, r.stderr
                st.close()
                st = open_store(db)
                assert st.run(lambda tx: tx.one("SELECT pg_postmaster_start_time()"), write=False)[0] > started  # a new server
                time.sleep(1.5)
        finally:
            st.close()
        assert in_flight[0] >= 1, in_flight
        (folder / "wait.tm").write_text("(import prog)\n(defn main [] (println (await-workflow (first (command-line-args)))))\n")
        for w in ids:
            check_once(log, w, _results(_tm(folder, db, "run", "wait.tm", w)), n)
        assert all(p.poll() is None for p in procs), "a node died instead of reconnecting"
    finally:
        stop_all(procs)
        pg.stop()
