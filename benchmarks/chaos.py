#!/usr/bin/env python3
"""Chaos: SIGKILL workflow processes at random moments and count what was lost.

    python benchmarks/chaos.py                      # 1,000 kills on SQLite, then PostgreSQL
    python benchmarks/chaos.py --kills 25 --db sqlite --json
    python benchmarks/chaos.py --pg-restarts 3      # PostgreSQL restarted under load

A program starts W workflows of N steps; each step appends one line with a unique
token to exec.log when it runs and returns the token, so its committed result says
which execution was committed. Rounds start one or two processes (`turmeric run`,
and a `turmeric worker`), SIGKILL them after a random delay (most of the time is
spent committing, so many kills land inside a commit), and start again. After the
last kill a final run finishes everything. Then it counts:

- lost workflows: a started workflow that did not succeed with the right result;
- committed steps run twice: an execution of a step after the one whose result was
  committed;
- corrupt checkpoints: a step row that doesn't unseal or parse, and workflows that
  ended blocked or failed.

PostgreSQL comes from $TURMERIC_TEST_PG (as .ci/run sets it up); `--pg-restarts`
starts a private cluster (initdb in a temp folder, run as the postgres user when
root) and restarts it while a worker runs: restart k once k/(restarts+1) of the steps
have run and at least --pg-every seconds after the previous one, so every restart
lands under load whatever the speed of the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "chaos-secret"

PROGRAM = """\
(defn exec-step [i]
  ;; one line per execution of this step's body; the token names the execution
  (def token (str (time-ns)))
  (def fh (open-file "exec.log" "a"))
  (write-line fh (str (workflow-id) " " i " " token))
  (close fh)
  (sleep-for 0.002)                     ; inside a step: just waits, so kills land here too
  [i token])

(defworkflow chaos [n]
  (loop [i 0 s 0]
    (if (< i n)
      (recur (inc i) (+ s (first (step (exec-step i)))))
      s)))

(defn main []
  (def batch (first (command-line-args)))
  (for-each (range {W}) (fn [j] (start-workflow chaos [{N}] :id (str "b" batch "-wf-" j)))))
"""


def env(db_url):
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e["TURMERIC_DB"] = db_url
    e["TURMERIC_SECRET"] = SECRET
    e["TURMERIC_POLL"] = "0.02"
    e["TURMERIC_DB_TIMEOUT"] = "30"
    return e


def spawn(work, db_url, *args):
    """A turmeric process in `work`, its stderr appended to procs.err."""
    log = open(work / "procs.err", "a")
    return subprocess.Popen([sys.executable, "-m", "turmeric", *args], cwd=work, env=env(db_url), stdout=subprocess.DEVNULL, stderr=log)


def reset_db(db_url, work):
    if db_url.startswith("sqlite"):
        for suf in ("", "-wal", "-shm"):
            p = Path(db_url[len("sqlite:///") :] + suf)
            if p.exists():
                p.unlink()
        return
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("DROP TABLE IF EXISTS tm_meta, tm_workflows, tm_steps, tm_chunks, tm_chunk_refs, tm_messages, tm_events, tm_kv, tm_code")


def run_chaos(db_url, kills, workflows=6, steps=40, seed=1, work=None, quiet=False, max_delay=0.3, procs_per_round=0):
    rnd = random.Random(seed)
    work = Path(work or tempfile.mkdtemp(prefix="turmeric-chaos-"))
    work.mkdir(parents=True, exist_ok=True)
    (work / "chaos.tm").write_text(PROGRAM.replace("{W}", str(workflows)).replace("{N}", str(steps)))
    if (work / "exec.log").exists():
        (work / "exec.log").unlink()
    reset_db(db_url, work)
    done_kills = 0
    rounds = 0
    batch = 0
    t0 = time.monotonic()
    while done_kills < kills:
        rounds += 1
        procs = [spawn(work, db_url, "run", "chaos.tm", str(batch))]
        if procs_per_round > 1:
            procs += [spawn(work, db_url, "worker", "chaos.tm") for _ in range(procs_per_round - 1)]
        elif rnd.random() < 0.5:
            procs.append(spawn(work, db_url, "worker", "chaos.tm"))
        _wait_for_work(work, procs[0])
        time.sleep(rnd.uniform(0.0, max_delay))
        for p in procs:
            if p.poll() is None and (procs_per_round > 1 or len(procs) == 1 or rnd.random() < 0.7 or p is procs[-1]):
                p.send_signal(signal.SIGKILL)
                done_kills += 1
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            p.wait(timeout=120)
        if not quiet and rounds % 25 == 0:
            print(f"  {done_kills} kills, {time.monotonic() - t0:.0f} s", file=sys.stderr, flush=True)
        if _all_done(db_url, batch, workflows):
            batch += 1  # everything finished between kills: the next rounds start a new batch
    final = None
    for b in range(batch + 1):
        final = subprocess.run(
            [sys.executable, "-m", "turmeric", "run", "chaos.tm", str(b)],
            cwd=work,
            env=env(db_url),
            capture_output=True,
            text=True,
            timeout=600,
        )
        if final.returncode:
            break
    counts = check(db_url, work, [f"b{b}-wf-{j}" for b in range(batch + 1) for j in range(workflows)], steps)
    counts.update(kills=done_kills, rounds=rounds, batches=batch + 1, final_exit=final.returncode, seconds=round(time.monotonic() - t0, 1))
    if final.returncode != 0:
        counts["final_stderr"] = final.stderr[-2000:]
    return counts


def _wait_for_work(work, p, timeout=30.0):
    """Until a step runs (exec.log grows) or p exits: kill a working process, not a starting one."""
    log = work / "exec.log"
    size = log.stat().st_size if log.exists() else 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and p.poll() is None:
        if log.exists() and log.stat().st_size > size:
            return
        time.sleep(0.005)


def _all_done(db_url, batch, workflows):
    from turmeric.store import open_store

    try:
        st = open_store(db_url)
    except Exception:
        return False
    try:
        got = [st.status_of(f"b{batch}-wf-{j}") for j in range(workflows)]
        return all(s == "succeeded" for s in got)
    finally:
        st.close()


_TOKEN = re.compile(r'\[(\d+) "(\d+)"\]')


def check(db_url, work, ids, steps):
    """Count lost workflows, committed steps run twice and corrupt checkpoints."""
    from turmeric.durable import checkpoint as ck
    from turmeric.durable.seal import Tampered, unseal
    from turmeric.serialization import inspect as sinspect
    from turmeric.store import open_store

    key = SECRET.encode()
    st = open_store(db_url)
    rows = {r["id"]: r for r in st.list_workflows()}
    expected = sum(range(steps))
    lost = 0
    corrupt = 0
    twice = 0
    committed = 0
    execs = {}
    for line in (work / "exec.log").read_text().splitlines() if (work / "exec.log").exists() else []:
        parts = line.split()
        if len(parts) == 3:
            execs.setdefault((parts[0], int(parts[1])), []).append(parts[2])
    reexecuted_uncommitted = 0
    for wid in ids:
        r = rows.get(wid)
        if r is None or r["status"] != "succeeded":
            lost += 1
            if r is not None and r["status"] in ("blocked", "failed"):
                corrupt += 1
            continue
        try:
            out = sinspect.summary(unseal(key, f"output:{wid}", r["output"]))["value"]
        except Exception:
            corrupt += 1
            continue
        if out != str(expected):
            lost += 1
        bases = {}
        for n, _kind, _line, _at, _us, data in st.steps(wid):
            try:
                rec = unseal(key, f"step:{wid}:{n}", data)
                kind_, base_n, refs, payload = ck.parse(rec)
                if kind_ == ck.FULL:
                    bases[n] = payload
                    main = payload
                else:
                    main = ck.inflate(payload, bases[base_n])
                kb, vb = ck.split_main(main)
                sinspect.summary(kb)
                v = sinspect.summary(vb)["value"]
            except (Tampered, ck.BadRecord, KeyError, Exception):
                corrupt += 1
                continue
            m = _TOKEN.search(v)
            if not m:
                continue
            committed += 1
            i, token = int(m.group(1)), m.group(2)
            runs = execs.get((wid, i), [])
            if token not in runs:
                corrupt += 1  # a committed result no execution produced
                continue
            after = len(runs) - 1 - runs.index(token)
            twice += after
            reexecuted_uncommitted += runs.index(token)
    st.close()
    return {
        "workflows": len(ids),
        "steps_per_workflow": steps,
        "lost_workflows": lost,
        "committed_steps_run_twice": twice,
        "corrupt_checkpoints": corrupt,
        "committed_steps": committed,
        "uncommitted_executions_rerun": reexecuted_uncommitted,
        "executions": sum(len(v) for v in execs.values()),
    }


# --- PostgreSQL restarts ------------------------------------------------------------------------------


def _pg_bin():
    vers = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if not vers:
        raise SystemExit("PostgreSQL binaries not found (apt-get install postgresql)")
    return vers[-1].parent


def _as_postgres(cmd):
    argv = ["su", "postgres", "-c", cmd] if os.geteuid() == 0 else ["bash", "-c", cmd]
    return subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)


def free_port():
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivatePostgres:
    """A private PostgreSQL cluster in a temp folder (initdb; as the postgres user when
    root) on 127.0.0.1:`port` (a free one by default), for tests that restart the server under load without
    disturbing the shared one. `url`; `restart()` is `pg_ctl restart -m fast`; `stop()`
    stops it and deletes the folder. Also a context manager (tests/test_cluster_faults.py
    and run_pg_restarts use it)."""

    def __init__(self, port=None):
        port = port or free_port()  # a fixed port collides with another run on the machine
        self.pgbin = _pg_bin()
        self.base = Path(tempfile.mkdtemp(prefix="turmeric-pgrestart-"))
        self.data = self.base / "data"
        self.data.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            shutil.chown(self.data, "postgres", "postgres")
        r = _as_postgres(f"{self.pgbin}/initdb -D {self.data} -U postgres --auth=trust -E UTF8")
        if r.returncode:
            shutil.rmtree(self.base, ignore_errors=True)
            raise SystemExit(r.stderr)
        self.opts = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={self.base}"
        r = _as_postgres(f"{self.pgbin}/pg_ctl -D {self.data} -l {self.base}/log -w -o '{self.opts}' start")
        if r.returncode:
            log = (self.base / "log").read_text() if (self.base / "log").exists() else ""
            shutil.rmtree(self.base, ignore_errors=True)
            raise SystemExit(f"private PostgreSQL on port {port} did not start: {r.stderr} {log[-500:]}")
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def restart(self):
        # -l: the server's output goes to a file (a captured pipe would stay open forever)
        return _as_postgres(f"{self.pgbin}/pg_ctl -D {self.data} -l {self.base}/log -m fast -w restart -o '{self.opts}'")

    def stop(self):
        _as_postgres(f"{self.pgbin}/pg_ctl -D {self.data} -m immediate -w stop")
        shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False


def run_pg_restarts(restarts, workflows=6, steps=60, every=2.0, port=None):
    pg = PrivatePostgres(port)
    url = pg.url
    work = pg.base / "work"
    work.mkdir()
    if os.geteuid() == 0:
        shutil.chown(work, "postgres", "postgres")
    (work / "chaos.tm").write_text(PROGRAM.replace("{W}", str(workflows)).replace("{N}", str(steps)))
    t0 = time.monotonic()
    try:
        w = spawn(work, url, "worker", "chaos.tm")
        runner = spawn(work, url, "run", "chaos.tm", "0")
        done = 0
        total = workflows * steps
        log = work / "exec.log"
        last = time.monotonic()
        # restart k once k/(restarts+1) of the steps have run (and `every` seconds passed):
        # every restart lands while work is left, however fast or loaded the machine is
        while done < restarts and runner.poll() is None:
            time.sleep(0.01)
            ran = log.read_bytes().count(b"\n") if log.exists() else 0
            if ran * (restarts + 1) < total * (done + 1) or time.monotonic() - last < every:
                continue
            pg.restart()
            done += 1
            last = time.monotonic()
        runner.wait(timeout=300)
        w.send_signal(signal.SIGTERM)
        w.wait(timeout=120)
        counts = check(url, work, [f"b0-wf-{j}" for j in range(workflows)], steps)
        counts.update(pg_restarts=done, runner_exit=runner.returncode, worker_exit=w.returncode, seconds=round(time.monotonic() - t0, 1))
        if runner.returncode:
            counts["stderr"] = (work / "procs.err").read_text()[-2000:]
        return counts
    finally:
        pg.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kills", type=int, default=1000, help="SIGKILLs per backend (default 1000)")
    ap.add_argument("--db", default="both", help="sqlite, postgres, both, or a database URL")
    ap.add_argument("--workflows", type=int, default=6)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pg-restarts", type=int, default=0, help="instead: restart a private PostgreSQL this many times under load")
    ap.add_argument("--pg-every", type=float, default=2.0, help="at least this many seconds between PostgreSQL restarts (default 2)")
    ap.add_argument("--procs", type=int, default=0, help="processes per round, all killed (default: a run, and half the time a worker)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    results = {}
    if args.pg_restarts:
        results["postgres-restarts"] = run_pg_restarts(args.pg_restarts, args.workflows, args.steps, args.pg_every)
    else:
        targets = []
        if args.db in ("sqlite", "both"):
            targets.append(("sqlite", None))
        if args.db in ("postgres", "both"):
            pg = os.environ.get("TURMERIC_TEST_PG")
            if not pg:
                raise SystemExit("PostgreSQL: set TURMERIC_TEST_PG (source .ci/postgres.sh)")
            targets.append(("postgres", pg))
        if args.db not in ("sqlite", "postgres", "both"):
            targets.append(("postgres" if args.db.startswith("postgres") else "sqlite", args.db))
        for name, url in targets:
            work = Path(tempfile.mkdtemp(prefix=f"turmeric-chaos-{name}-"))
            if url is None:
                url = "sqlite:///" + str(work / "turmeric.db")
            if not args.json:
                print(f"{name}: {args.kills} kills ...", file=sys.stderr, flush=True)
            results[name] = run_chaos(
                url, args.kills, args.workflows, args.steps, args.seed, work, quiet=args.json, procs_per_round=args.procs
            )
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results))
    else:
        for name, c in results.items():
            print(f"{name}: " + ", ".join(f"{k} {v}" for k, v in c.items() if k not in ("final_stderr", "stderr")))
    bad = any(c["lost_workflows"] or c["committed_steps_run_twice"] or c["corrupt_checkpoints"] for c in results.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
