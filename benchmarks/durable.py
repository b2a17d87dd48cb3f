#!/usr/bin/env python3
"""Durable workflows: Turmeric against DBOS Transact, side by side, on SQLite and PostgreSQL.

    python benchmarks/durable.py                 # everything (needs `pip install dbos`, $TURMERIC_TEST_PG)
    python benchmarks/durable.py --db sqlite     # one backend
    python benchmarks/durable.py --quick         # small sizes (a smoke run)

Figures, the same workload for both systems (after the reference script
../shared/peers/dbos/bench_dbos.py), each phase in fresh processes and a fresh database:

  a  durable steps per second in one 1,000-step workflow (after a warm-up workflow)
  b  200 five-step workflows: one after the other (start + await), and all started then awaited
  c  recovery latency of a 10,000-step workflow SIGKILLed after 10, 5,000 and 9,000 completed
     steps: restart (process spawn) to the first resumed step's body, and launch (program
     loaded) to that step; the kills are chained in one run of the workflow
  d  database bytes per step after phase a (SQLite: the files once closed; PostgreSQL: growth
     of pg_database_size of the fresh database)

Durability is the same: SQLite with synchronous=FULL (Turmeric: WAL; DBOS: its own
settings, printed), PostgreSQL with synchronous_commit=on. Ratios are Turmeric / DBOS
(for latencies and bytes, DBOS / Turmeric: above 1 means Turmeric is better).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SECRET = "bench-secret"

TM_PROGRAM = """\
(defn sq [i] (* i i))
(defn log-exec [i]
  (def fh (open-file "exec.log" "a"))
  (write-line fh (str i " " (time-ns)))
  (close fh)
  (* i i))
(defworkflow sum-squares [n]
  (loop [i 0 s 0] (if (< i n) (recur (inc i) (+ s (step (sq i)))) s)))
(defworkflow long-wf [n]
  (loop [i 0 s 0] (if (< i n) (recur (inc i) (+ s (step (log-exec i)))) s)))
(defn elapsed [t0] (/ (- (time-ns) t0) 1000000000.0))
(defn phase-a [n]
  (await-workflow (start-workflow sum-squares [10] :id "warm"))
  (def t0 (time-ns))
  (def r (await-workflow (start-workflow sum-squares [n] :id "a-1000")))
  (println "RESULT" (str "{\\"a_wall_s\\": " (elapsed t0) ", \\"a_result\\": " r "}")))
(defn phase-b [nb steps]
  (await-workflow (start-workflow sum-squares [steps] :id "warm"))
  (def t0 (time-ns))
  (for-each (range nb) (fn [k] (await-workflow (start-workflow sum-squares [steps] :id (str "b-seq-" k)))))
  (def t1 (time-ns))
  (def ids (map (fn [k] (start-workflow sum-squares [steps] :id (str "b-par-" k))) (range nb)))
  (for-each ids (fn [id] (await-workflow id)))
  (println "RESULT" (str "{\\"b_seq_s\\": " (/ (- t1 t0) 1000000000.0) ", \\"b_par_s\\": " (elapsed t1) "}")))
(defn phase-c [n]
  (def fh (open-file "launch.log" "a")) (write-line fh (str (time-ns))) (close fh)
  (await-workflow (start-workflow long-wf [n] :id "c-long")))
(defn main []
  (def args (vec (command-line-args)))
  (match args
    ["a" n] -> (phase-a (parse-int n))
    ["b" nb steps] -> (phase-b (parse-int nb) (parse-int steps))
    ["c" n] -> (phase-c (parse-int n))))
"""


# --- DBOS worker (imports dbos only here) -----------------------------------------------------------


def dbos_worker(phase, db_url, work, n, nb, steps):
    from dbos import DBOS, DBOSConfig, SetWorkflowID

    cfg: DBOSConfig = {
        "name": "bench",
        "system_database_url": db_url,
        "run_admin_server": False,
        "log_level": "WARNING",
        "application_version": "bench-v1",
    }
    DBOS(config=cfg)
    exec_log = open(os.path.join(work, "exec.log"), "a", buffering=1) if phase == "c" else None

    @DBOS.step()
    def sq(i: int) -> int:
        return i * i

    @DBOS.workflow()
    def sum_squares(k: int) -> int:
        s = 0
        for i in range(k):
            s += sq(i)
        return s

    @DBOS.step()
    def sq_logged(i: int) -> int:
        exec_log.write(f"{i} {time.monotonic_ns()}\n")
        return i * i

    @DBOS.workflow()
    def long_wf(k: int) -> int:
        s = 0
        for i in range(k):
            s += sq_logged(i)
        return s

    if phase == "c":
        with open(os.path.join(work, "launch.log"), "a") as f:
            f.write(f"{time.monotonic_ns()}\n")
    DBOS.launch()
    out = {}
    if phase == "a":
        with SetWorkflowID("warm"):
            sum_squares(10)
        t0 = time.perf_counter()
        with SetWorkflowID("a-1000"):
            r = sum_squares(n)
        out["a_wall_s"] = time.perf_counter() - t0
        out["a_result"] = r
        from dbos._dbos import _get_dbos_instance

        with _get_dbos_instance()._sys_db.engine.connect() as cx:
            if cx.dialect.name == "sqlite":
                out["sqlite_synchronous"] = cx.exec_driver_sql("PRAGMA synchronous").scalar()
                out["sqlite_journal_mode"] = cx.exec_driver_sql("PRAGMA journal_mode").scalar()
            else:
                out["pg_synchronous_commit"] = cx.exec_driver_sql("SHOW synchronous_commit").scalar()
    elif phase == "b":
        with SetWorkflowID("warm"):
            sum_squares(steps)
        t0 = time.perf_counter()
        for k in range(nb):
            with SetWorkflowID(f"b-seq-{k}"):
                sum_squares(steps)
        t1 = time.perf_counter()
        hs = []
        for k in range(nb):
            with SetWorkflowID(f"b-par-{k}"):
                hs.append(DBOS.start_workflow(sum_squares, steps))
        for h in hs:
            h.get_result()
        out.update(b_seq_s=t1 - t0, b_par_s=time.perf_counter() - t1)
    elif phase == "c":
        h = DBOS.retrieve_workflow("c-long") if _exists(DBOS, "c-long") else None
        if h is None:
            with SetWorkflowID("c-long"):
                long_wf(n)
        else:
            h.get_result()
    DBOS.destroy()
    print("RESULT " + json.dumps(out), flush=True)


def _exists(DBOS, wid):
    try:
        return DBOS.get_workflow_status(wid) is not None
    except Exception:
        return False


# --- orchestration ------------------------------------------------------------------------------------


def tm_env(db_url):
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e["TURMERIC_DB"] = db_url
    e["TURMERIC_SECRET"] = SECRET
    e["TURMERIC_POLL"] = "0.01"
    return e


def cmd(system, work, db_url, *args):
    if system == "turmeric":
        return [sys.executable, "-m", "turmeric", "run", "--db", db_url, str(work / "bench.tm"), *args], tm_env(db_url)
    e = dict(os.environ)
    return [sys.executable, str(Path(__file__).resolve()), "--dbos-worker", *args, "--db-url", db_url, "--work", str(work)], e


def run_phase(system, work, db_url, *args):
    argv, e = cmd(system, work, db_url, *args)
    p = subprocess.run(argv, cwd=work, env=e, capture_output=True, text=True, timeout=3600)
    for line in p.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise RuntimeError(f"{system} {args} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")


class Backend:
    def __init__(self, name, pg_admin=None, root=None):
        self.name = name
        self.pg_admin = pg_admin
        self.root = root
        self.made = []

    def fresh(self, label):
        """(url, work folder) of a fresh, empty database."""
        work = Path(tempfile.mkdtemp(prefix=f"bench-{label}-", dir=self.root))
        if self.name == "sqlite":
            return "sqlite:///" + str(work / "bench.sqlite"), work
        import psycopg

        db = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.pg_admin, autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{db}"')
        self.made.append(db)
        return self.pg_admin.rsplit("/", 1)[0] + "/" + db, work

    def size(self, url):
        if url.startswith("sqlite"):
            p = url[len("sqlite:///") :]
            return sum(os.path.getsize(p + s) for s in ("", "-wal", "-shm", "-journal") if os.path.exists(p + s))
        import psycopg

        with psycopg.connect(url, autocommit=True) as c:
            return c.execute("SELECT pg_database_size(current_database())").fetchone()[0]

    def cleanup(self):
        if not self.made:
            return
        import psycopg

        with psycopg.connect(self.pg_admin, autocommit=True) as c:
            for db in self.made:
                c.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def phase_a(system, be, n):
    url, work = be.fresh(f"{system[:3]}a")
    (work / "bench.tm").write_text(TM_PROGRAM)
    empty = be.size(url) if be.name == "postgres" else 0
    r = run_phase(system, work, url, "a", str(n))
    assert int(r["a_result"]) == sum(i * i for i in range(n)), r
    size = be.size(url) - empty
    out = {"steps_per_s": n / r["a_wall_s"], "bytes_per_step": size / (n + 10)}
    for k in ("sqlite_synchronous", "sqlite_journal_mode", "pg_synchronous_commit"):
        if k in r:
            out[k] = r[k]
    return out


def phase_b(system, be, nb, steps):
    url, work = be.fresh(f"{system[:3]}b")
    (work / "bench.tm").write_text(TM_PROGRAM)
    r = run_phase(system, work, url, "b", str(nb), str(steps))
    return {"seq_workflows_per_s": nb / r["b_seq_s"], "all_started_workflows_per_s": nb / r["b_par_s"]}


class LogTail:
    """exec.log as (index, time_ns) pairs, read incrementally: polling it every millisecond
    costs only the bytes appended since the last look (re-reading the whole file would
    steal CPU from the process being measured)."""

    def __init__(self, path):
        self.path = path
        self.pos = 0
        self.rest = b""
        self.lines = []

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.pos)
                data = f.read()
        except FileNotFoundError:
            return self.lines
        self.pos += len(data)
        data = self.rest + data
        *full, self.rest = data.split(b"\n")
        for line in full:
            parts = line.split()
            if len(parts) == 2:
                self.lines.append((int(parts[0]), int(parts[1])))
        return self.lines


def phase_c(system, be, n, kill_points):
    """Chained kills: run the workflow, SIGKILL after k completed steps, restart, measure, repeat."""
    url, work = be.fresh(f"{system[:3]}c")
    (work / "bench.tm").write_text(TM_PROGRAM)
    results = {}
    argv, e = cmd(system, work, url, "c", str(n))
    log = LogTail(work / "exec.log")
    p = subprocess.Popen(argv, cwd=work, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for k in kill_points:
        # completed steps: executions of distinct indexes, less the one that may be in flight
        seen = set()
        while True:
            seen.update(i for i, _ in log.poll()[len(seen) :])
            if len(seen) - 1 >= k:
                break
            if p.poll() is not None:
                raise RuntimeError(f"{system} phase c exited before {k} steps")
            time.sleep(0.002)
        p.send_signal(signal.SIGKILL)
        p.wait()
        before = len(log.poll())
        launches = (work / "launch.log").read_text().split() if (work / "launch.log").exists() else []
        t_restart = time.monotonic_ns()
        p = subprocess.Popen(argv, cwd=work, env=e, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while len(log.poll()) <= before:
            if p.poll() is not None:
                raise RuntimeError(f"{system} phase c restart exited without resuming")
            time.sleep(0.001)
        first_i, first_t = log.lines[before]
        launch = [int(x) for x in (work / "launch.log").read_text().split()][len(launches)]
        completed = len({i for i, _ in log.lines[:before]})
        results[k] = {
            "completed_before_kill": completed,
            "first_resumed_step": first_i,
            "restart_to_first_step_s": (first_t - t_restart) / 1e9,
            "launch_to_first_step_s": (first_t - launch) / 1e9,
        }
    p.send_signal(signal.SIGKILL)
    p.wait()
    shutil.rmtree(work, ignore_errors=True)
    return results


def fmt_ratio(x):
    return f"{x:.2f}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="both", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    ap.add_argument("--only", default="abc", help="phases to run, e.g. ab")
    ap.add_argument("--systems", default="turmeric,dbos")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--dbos-worker", nargs="*")
    ap.add_argument("--db-url")
    ap.add_argument("--work")
    args = ap.parse_args()
    if args.dbos_worker is not None:
        a = args.dbos_worker
        phase = a[0]
        n = int(a[1]) if phase in ("a", "c") else 0
        nb, steps = (int(a[1]), int(a[2])) if phase == "b" else (0, 0)
        return dbos_worker(phase, args.db_url, args.work, n, nb, steps)
    # Both systems start from compiled bytecode, as installed: pip compiles DBOS's modules
    # when it installs them, while a source checkout run with PYTHONDONTWRITEBYTECODE set
    # would compile Turmeric's at every process start (a third of a restart)
    compileall.compile_dir(str(REPO / "turmeric"), quiet=1)
    n_a, n_b, s_b, n_c = (1000, 200, 5, 10_000) if not args.quick else (50, 10, 5, 200)
    kills = [10, 5000, 9000] if not args.quick else [10, 100]
    systems = args.systems.split(",")
    backends = []
    if args.db in ("sqlite", "both"):
        backends.append(Backend("sqlite"))
    if args.db in ("postgres", "both"):
        pg = os.environ.get("TURMERIC_TEST_PG")
        if not pg:
            raise SystemExit("PostgreSQL: set TURMERIC_TEST_PG to a database URL whose role may CREATE DATABASE (source .ci/postgres.sh)")
        backends.append(Backend("postgres", pg))
    res = {}
    try:
        for be in backends:
            for system in systems:
                r = res.setdefault(be.name, {}).setdefault(system, {})
                if "a" in args.only:
                    print(f"{be.name} {system}: a (1 workflow x {n_a} steps) ...", file=sys.stderr, flush=True)
                    r["a"] = phase_a(system, be, n_a)
                if "b" in args.only:
                    print(f"{be.name} {system}: b ({n_b} workflows x {s_b} steps) ...", file=sys.stderr, flush=True)
                    r["b"] = phase_b(system, be, n_b, s_b)
                if "c" in args.only:
                    print(f"{be.name} {system}: c ({n_c} steps, kills at {kills}) ...", file=sys.stderr, flush=True)
                    r["c"] = phase_c(system, be, n_c, kills)
    finally:
        for be in backends:
            be.cleanup()
    if args.json:
        print(json.dumps(res, indent=2))
        return 0
    report(res, systems)
    return 0


def report(res, systems):
    for be, by in res.items():
        print(f"\n== {be} ==")
        rows = []
        t, d = by.get("turmeric", {}), by.get("dbos", {})

        def row(label, tv, dv, better_high=True, unit="", rows=rows):
            ratio = ""
            if tv is not None and dv is not None and tv and dv:
                ratio = fmt_ratio(tv / dv if better_high else dv / tv)
            rows.append(
                (
                    label,
                    "" if tv is None else f"{tv:.3f}{unit}" if tv < 10 else f"{tv:.1f}{unit}",
                    "" if dv is None else f"{dv:.3f}{unit}" if dv < 10 else f"{dv:.1f}{unit}",
                    ratio,
                )
            )

        if "a" in t or "a" in d:
            row("a  steps/s, 1 workflow", t.get("a", {}).get("steps_per_s"), d.get("a", {}).get("steps_per_s"))
        if "b" in t or "b" in d:
            row("b  workflows/s, one after the other", t.get("b", {}).get("seq_workflows_per_s"), d.get("b", {}).get("seq_workflows_per_s"))
            row(
                "b  workflows/s, all started then awaited",
                t.get("b", {}).get("all_started_workflows_per_s"),
                d.get("b", {}).get("all_started_workflows_per_s"),
            )
        for k in sorted(set(t.get("c", {})) | set(d.get("c", {}))):
            tc, dc = t.get("c", {}).get(k, {}), d.get("c", {}).get(k, {})
            row(
                f"c  restart -> first resumed step, killed at {k} (s)",
                tc.get("restart_to_first_step_s"),
                dc.get("restart_to_first_step_s"),
                better_high=False,
            )
            row(
                f"c  launch  -> first resumed step, killed at {k} (s)",
                tc.get("launch_to_first_step_s"),
                dc.get("launch_to_first_step_s"),
                better_high=False,
            )
        if "a" in t or "a" in d:
            row("d  database bytes per step", t.get("a", {}).get("bytes_per_step"), d.get("a", {}).get("bytes_per_step"), better_high=False)
        w = max(len(r[0]) for r in rows) if rows else 10
        print(f"{'':{w}}  {'turmeric':>10}  {'dbos':>10}  {'ratio':>8}")
        for label, a, b, r in rows:
            print(f"{label:{w}}  {a:>10}  {b:>10}  {r:>8}")
        for sysname in systems:
            a = by.get(sysname, {}).get("a", {})
            extra = {k: v for k, v in a.items() if k.startswith(("sqlite_", "pg_"))}
            if extra:
                print(f"  {sysname} durability: {extra}")
            for k, v in by.get(sysname, {}).get("c", {}).items():
                print(
                    f"  {sysname} c killed at {k}: {v['completed_before_kill']} steps completed, resumed at step {v['first_resumed_step']}"
                )
    print("\nratio: turmeric/dbos for rates; dbos/turmeric for latencies and bytes (above 1: turmeric better)")


if __name__ == "__main__":
    sys.exit(main())
