#!/usr/bin/env python3
"""Resuming durable workflows across a deploy: code unchanged vs changed vs migrated.

    python benchmarks/versioning.py                  # SQLite, 200 workflows, 3 rounds
    python benchmarks/versioning.py --db postgres    # PostgreSQL at $TURMERIC_TEST_PG too
    python benchmarks/versioning.py --quick          # a smoke run

Each round parks N workflows at a `recv` (a fresh database, one process running v1),
sends each its message, then resumes all of them to the end in a fresh process
running, side by side:

  same      the v1 file again: every frame's function is the current code
  changed   v2 (the workflow's text changed): each frame runs its old version,
            compiled from the code store on first use, then cached in the process
  migrated  v2 plus a defmigration: each old frame is upgraded to v2 at its recv

Timed in the resuming process, around `Engine.execute` (claim excluded): the first
workflow (for `changed`: reading the record, checking its hash, recompiling and
checking the fingerprints, once per process) and the median of the others (the
steady state: a checkpoint read, decoded, resumed and finished, two commits); and,
inside that, around `Engine.load_checkpoint` alone (reading and decoding the
checkpoint, where the old code is fetched and compiled): the part the code store
changes, without the commits' noise. Ratios are against `same`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import _harness as H

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SECRET = "bench-secret-versioning"

V1 = """\
(defn price [qty] (* qty 10))
(defworkflow order [n]
  (def total (step (price n)))
  (def ok (recv "go"))
  (step (str "v1 order " n " total " total)))
"""
V2 = V1.replace('"v1 order "', '"v2 order "').replace("(* qty 10)", "(* qty 12)")
MIGRATION = """
(defmigration order-v1
  :function order
  :from :any
  :at (recv "go")
  :to (recv "go"))
"""


def child(mode, db, src_path, n):
    sys.setrecursionlimit(400_000)
    sys.path.insert(0, REPO)
    os.environ["TURMERIC_SECRET"] = SECRET
    from turmeric import durable, loader

    durable.install()
    eng = durable.use_engine(durable.Engine(db=db, poll=0.005))
    session = loader.current_session()
    m = session.load_file(src_path, main=True, definitions_only=True)
    st = eng.store
    if mode == "park":
        with session.activate():
            for i in range(n):
                eng.start(m.ns["order"], [i], f"o{i}")
            eng.run_until(lambda: len(st.list_workflows(status="waiting", limit=n + 10)) >= n, deadline=time.time() + 600)
            for i in range(n):
                st.send(f"o{i}", "go", eng.sealed_value(f"msg:o{i}:go", True))
        eng.close()
        return {}
    # Timed on the class, not the instance: on PostgreSQL the engine runs claimed
    # workflows on lanes (engines of their own, each its own connection), and an
    # instance attribute would be copied to every lane, bound to this engine's
    # connection, so eight threads would share one connection and hang.
    times = []
    loads = []
    orig = durable.Engine.execute
    orig_load = durable.Engine.load_checkpoint

    def timed(self, row):
        t0 = time.perf_counter()
        r = orig(self, row)
        times.append(time.perf_counter() - t0)
        return r

    def timed_load(self, run, n_, data):
        t0 = time.perf_counter()
        r = orig_load(self, run, n_, data)
        loads.append(time.perf_counter() - t0)
        return r

    durable.Engine.execute = timed
    durable.Engine.load_checkpoint = timed_load
    with session.activate():
        ok = eng.run_until(lambda: len(st.list_workflows(status="succeeded", limit=n + 10)) >= n, deadline=time.time() + 600)
    results = [r["status"] for r in st.list_workflows(limit=n + 10)]
    sample = eng.open_value("output:o3", st.get_workflow("o3")["output"])
    eng.close()
    return {"ok": ok and results.count("succeeded") == n, "times": times, "loads": loads, "o3": sample}


def run_child(*args):
    env = dict(os.environ, PYTHONPATH=REPO, TURMERIC_SECRET=SECRET)
    r = subprocess.run(
        [sys.executable, __file__, "--child", *map(str, args)], capture_output=True, text=True, env=env, timeout=900, cwd=args[2]
    )
    if r.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{r.stdout}\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def fresh_db(kind, work, tag):
    if kind == "sqlite":
        return f"sqlite:///{work}/{tag}.db"
    return H.fresh_pg_database(f"tm_bench_ver_{os.getpid()}_{tag}")


def drop_db(kind, url):
    if kind != "sqlite":
        H.drop_pg_database(url)


EXPECT = {"same": "v1 order 3 total 30", "changed": "v1 order 3 total 30", "migrated": "v2 order 3 total 30"}


def round_(kind, n, work, rnd):
    out = {}
    for case, text in (("same", V1), ("changed", V2), ("migrated", V2 + MIGRATION)):
        d = os.path.join(work, f"{kind}-{rnd}-{case}")
        os.makedirs(d)
        path = os.path.join(d, "orders.tm")
        db = fresh_db(kind, d, f"{rnd}{case}")
        try:
            with open(path, "w") as f:
                f.write(V1)
            run_child("park", db, d, path, n)
            with open(path, "w") as f:
                f.write(text)  # the deploy (or not)
            got = run_child("resume", db, d, path, n)
        finally:
            drop_db(kind, db)
        if not got["ok"] or got["o3"] != EXPECT[case]:
            raise SystemExit(f"{kind} {case}: wrong outcome {got.get('o3')!r} (expected {EXPECT[case]!r})")
        t, ld = got["times"], got["loads"]
        out[case] = (t[0], statistics.median(t[1:]), ld[0], statistics.median(ld[1:]))
    return out


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        mode, db, _cwd, path, n = sys.argv[2:7]
        print(json.dumps(child(mode, db, path, int(n))))
        return 0
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default="sqlite", choices=["sqlite", "postgres", "both"])
    ap.add_argument("--n", type=int, default=200, help="workflows in flight (default 200)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.n, a.rounds = 10, 1
    kinds = ["sqlite", "postgres"] if a.db == "both" else [a.db]
    load = os.getloadavg()[0]
    print(f"# resuming {a.n} durable workflows after a deploy, {a.rounds} round(s), load average {load:.1f}")
    with tempfile.TemporaryDirectory() as work:
        for kind in kinds:
            rounds = [round_(kind, a.n, work, r) for r in range(a.rounds)]
            med = {c: tuple(statistics.median(r[c][i] for r in rounds) for i in range(4)) for c in rounds[0]}
            print(f"\n## {kind}\n")
            print(
                "| case | first workflow | ratio | further workflows (median) | ratio | checkpoint load, first | ratio | load, further | ratio |"
            )
            print("|---|---|---|---|---|---|---|---|---|")
            base = med["same"]
            labels = (
                ("same", "code unchanged"),
                ("changed", "code changed: old version from the code store"),
                ("migrated", "code changed, defmigration to v2"),
            )
            for c, label in labels:
                v = med[c]
                cells = []
                for i, unit in ((0, 1e3), (1, 1e3), (2, 1e3), (3, 1e3)):
                    cells.append(f"{v[i] * unit:.2f} ms | {v[i] / base[i]:.2f}x")
                print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
