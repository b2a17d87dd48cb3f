"""The cluster: migration latency, tasks per second on two workers, resume cost with
changed versus unchanged code.

    python benchmarks/cluster.py [--quick] [--reps N] [--db URL]

- migration latency: a task hops between two `turmeric worker` processes; each hop is
  timed from just before `(migrate-to ...)` on one node to the first statement after it
  on the other (the nodes share the machine's clock): median and p99;
- tasks/s: N tiny tasks spawned round-robin on two workers, from spawn to the last
  result (one client process, awaiting in order with await-workflow; then the same
  with await-task, which only polls the task's row);
- resume cost: in-process, a fresh session deserializing and resuming a checkpoint whose
  function is unchanged (compiled code already loaded) versus one whose function changed
  since (its old version compiled from the code store on first use, then cached), first
  resume in the session and steady state. Ratios are against the unchanged case.

`--db` defaults to a SQLite file in a temp folder; give a PostgreSQL URL of an empty
database of its own for the PostgreSQL figures. The worker poll interval is TURMERIC_POLL (this script sets 0.01 s unless set).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

PROG = r"""
(defn hops [n other home]
  (loop [i 0 acc []]
    (if (< i n)
      (let [t0 (time-ns)
            _ (migrate-to (if (= (current-node) home) other home))
            t1 (time-ns)]
        (recur (inc i) (conj acc (- t1 t0))))
      acc)))
(defn tiny [i] (* i i))
"""

CLIENT = r"""
(import prog)
(defn main []
  (let [args (command-line-args) what (first args) n (parse-int (second args))]
    (if (= what "hops")
      (println (await-workflow (spawn-on "bench-a" (fn [] (prog.hops n "bench-b" "bench-a")))))
      (let [t0 (time-ns)
            ids (map (fn [i] (spawn-on (if (even? i) "bench-a" "bench-b") (fn [] (prog.tiny i)))) (range n))
            rs (if (= what "tasks") (map (fn [id] (await-workflow id)) ids) (map await-task ids))
            t1 (time-ns)]
        (println (- t1 t0) (reduce + 0 rs))))))
"""

V1 = """
(defn ask [] (cloneable-shift [k] k))
(defn work [x] (let [a (ask)] (+ x a (reduce + 0 (range 10)))))
(def k (cloneable-reset (fn [] (work 1))))
"""
V2 = V1.replace("(range 10)", "(range 11)")


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def start_workers(folder, db, env):
    procs = []
    for n in ("bench-a", "bench-b"):
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "turmeric", "worker", "--name", n, "--db", db, "--lease", "3", "--quiet", "prog.tm"],
                cwd=folder,
                env=env,
                stdout=subprocess.DEVNULL,
            )
        )
    from turmeric.store import open_store

    st = open_store(db)
    try:
        deadline = time.monotonic() + 60
        while not all(st.kv_get("tm-node", n) for n in ("bench-a", "bench-b")):
            if time.monotonic() > deadline:
                raise SystemExit("workers did not join")
            time.sleep(0.05)
    except BaseException:
        for p in procs:
            p.kill()
            p.wait()
        raise
    finally:
        st.close()
    return procs


def client(folder, env, *args):
    r = subprocess.run([sys.executable, "-m", "turmeric", "run", "client.tm", *args], cwd=folder, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"client failed: {r.stderr}")
    return r.stdout.strip()


def resume_costs(reps, tmp):
    from turmeric.cluster import codestore
    from turmeric.loader import Session
    from turmeric.serialization import api
    from turmeric.store import open_store

    d = os.path.join(tmp, "resume")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "rprog.tm")
    with open(path, "w") as f:
        f.write(V1)
    s1 = Session(search_path=[d])
    m1 = s1.load_file(path)
    st = open_store(os.path.join(d, "code.db"))
    with s1.activate():
        blob = api.serialize(m1.ns["k"])
        codestore.keep_code(st, blob, "wf:bench")
        assert api.deserialize(blob)(5) == 1 + 5 + 45

    def measure(src, expect):
        with open(path, "w") as f:
            f.write(src)
        first, steady = [], []
        for _ in range(reps):
            s = Session(search_path=[d])
            s.load_file(path)
            codestore.attach(s, st)
            with s.activate():
                t0 = time.perf_counter()
                r = api.deserialize(blob)(5)
                t1 = time.perf_counter()
                assert r == expect, r
                for _ in range(20):
                    t2 = time.perf_counter()
                    api.deserialize(blob)(5)
                    steady.append(time.perf_counter() - t2)
            first.append(t1 - t0)
            s.close()
        return statistics.median(first), statistics.median(steady)

    same = measure(V1, 51)
    changed = measure(V2, 51)  # the old frame runs v1: 45, not v2's 55
    st.close()
    return same, changed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--reps", type=int, default=None)
    ap.add_argument("--db", default=None)
    a = ap.parse_args()
    hops = 20 if a.quick else 200
    ntasks = 20 if a.quick else 200
    reps = a.reps or (3 if a.quick else 15)
    tmp = tempfile.mkdtemp(prefix="tm-bench-cluster-")
    db = a.db or os.path.join(tmp, "cluster.db")
    env = dict(os.environ)
    env.setdefault("TURMERIC_SECRET", "bench-secret")
    env.setdefault("TURMERIC_POLL", "0.01")
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["TURMERIC_DB"] = db
    os.environ.update(TURMERIC_SECRET=env["TURMERIC_SECRET"])
    if db.startswith("postgres"):
        from turmeric.store import open_store

        st = open_store(db)
        st.run(lambda tx: tx.execute("DELETE FROM tm_kv WHERE ns IN ('tm-node', 'tm-node-known')"))
        st.close()
    with open(os.path.join(tmp, "prog.tm"), "w") as f:
        f.write(PROG)
    with open(os.path.join(tmp, "client.tm"), "w") as f:
        f.write(CLIENT)
    backend = "PostgreSQL" if db.startswith("postgres") else "SQLite"
    print(f"database: {backend}; worker poll {env['TURMERIC_POLL']} s; {hops} hops, {ntasks} tasks, {reps} resume repetitions")
    procs = start_workers(tmp, db, env)
    try:
        out = client(tmp, env, "hops", str(hops))
        lat = [int(x) / 1e6 for x in out.strip("[]").split()]
        assert len(lat) == hops
        tps = {}
        for what in ("tasks", "tasks-await-task"):
            out = client(tmp, env, what, str(ntasks))
            ns, total = (int(x) for x in out.split())
            assert total == sum(i * i for i in range(ntasks)), total
            tps[what] = ntasks / (ns / 1e9)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    same, changed = resume_costs(reps, tmp)
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| migration latency, median | {statistics.median(lat):.1f} ms |")
    print(f"| migration latency, p99 | {pct(lat, 99):.1f} ms |")
    print(f"| tasks/s across 2 workers ({ntasks} tasks, spawn to last result, await-workflow) | {tps['tasks']:.0f} |")
    t2 = tps["tasks-await-task"]
    print(f"| tasks/s, the same awaited with await-task | {t2:.0f} ({t2 / tps['tasks']:.2f}x) |")
    print(f"| resume, code unchanged: first in a session | {same[0] * 1e3:.2f} ms |")
    print(
        f"| resume, code changed (compiled from the store): first in a session | {changed[0] * 1e3:.2f} ms ({changed[0] / same[0]:.1f}x) |"
    )
    print(f"| resume, code unchanged: steady state | {same[1] * 1e6:.0f} us |")
    print(f"| resume, code changed: steady state (old version cached) | {changed[1] * 1e6:.0f} us ({changed[1] / same[1]:.2f}x) |")


if __name__ == "__main__":
    main()
