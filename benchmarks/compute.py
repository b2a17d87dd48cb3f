"""Compute benchmark: Turmeric vs plain Python vs Hy, side by side in one process.

    python benchmarks/compute.py [--quick] [--reps N]

(a) fib 27, naive recursion; (b) sum of squares with a 1,000,000-iteration loop;
(c) (reduce + 0 (filter even? (map (fn [x] (* x x)) (range 300000)))).

Each peer's code is loaded (read, compiled) first; only the call is timed, with
time.perf_counter. The peers run interleaved in every repetition and the table
shows the median per peer and the ratios to plain Python. Target: every Turmeric
figure at most 2x plain Python.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import traceback

import _harness as H

TARGET = 2.0

BENCHES = [
    # label, Turmeric name, Python/Hy name, argument, expected result
    ("fib 27", "fib", "fib", 27, 196418),
    ("loop sum-squares 1e6", "sum-squares", "sum_squares", 1_000_000, 333332833333500000),
    ("map/filter/reduce 300k", "pipeline", "pipeline", 300_000, 4499955000100000),
]


def load_peers():
    peers = {}
    errors = {}
    try:
        m = H.load_turmeric(os.path.join(H.PROGRAMS, "compute.tm"))
        peers["Turmeric"] = {py: m.ns[tm] for _, tm, py, _, _ in BENCHES}
    except Exception as e:
        errors["Turmeric"] = e
        traceback.print_exc()
    spec = importlib.util.spec_from_file_location("compute_py", os.path.join(H.PROGRAMS, "compute_py.py"))
    pymod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pymod)
    peers["Python"] = {py: getattr(pymod, py) for _, _, py, _, _ in BENCHES}
    try:
        sys.dont_write_bytecode = True  # keep benchmarks/programs free of __pycache__
        import hy  # noqa: F401  (installs the .hy importer)

        sys.path.insert(0, H.PROGRAMS)
        hymod = importlib.import_module("compute_hy")
        peers["Hy"] = {py: getattr(hymod, py) for _, _, py, _, _ in BENCHES}
    except ImportError as e:
        errors["Hy"] = e
        print(f"Hy peer unavailable ({e}); install it with `pip install hy` (or pip install -e '.[bench]')", file=sys.stderr)
    return peers, errors


def main(argv=None):
    args = H.parse_args(__doc__.splitlines()[0], default_reps=7, quick_reps=1, argv=argv)
    peers, load_errors = load_peers()
    order = [p for p in ("Turmeric", "Python", "Hy") if p in peers]
    times = {(b[0], p): [] for b in BENCHES for p in order}
    failures = {}

    def check(label, peer, f, arg, want):
        got = f(arg)
        if got != want:
            raise AssertionError(f"{peer} {label}: got {got!r}, expected {want!r}")

    # Warm up and check every result once (not timed).
    for label, _, py, arg, want in BENCHES:
        for p in order:
            try:
                check(label, p, peers[p][py], arg, want)
            except Exception as e:
                failures[(label, p)] = e
                print(f"FAILED: {p} {label}: {type(e).__name__}: {e}", file=sys.stderr)

    for rep in range(args.reps):
        for label, _, py, arg, _ in BENCHES:
            # rotate the peer order each repetition so no peer always runs first
            for p in order[rep % len(order) :] + order[: rep % len(order)]:
                if (label, p) in failures:
                    continue
                times[(label, p)].append(H.time_call(peers[p][py], arg))

    def med_ms(label, p):
        xs = times.get((label, p))
        return H.median(xs) * 1000 if xs else None

    print(f"compute: {args.reps} repetition(s), median ms per call; {H.environment()}")
    headers = ["benchmark"] + [f"{p} ms" for p in order] + [f"{p}/Python" for p in order if p != "Python"] + [f"Turmeric <= {TARGET:g}x"]
    rows = []
    misses = 0
    for label, *_ in BENCHES:
        row = [label]
        for p in order:
            v = med_ms(label, p)
            row.append("FAILED" if (label, p) in failures else f"{v:.1f}")
        py = med_ms(label, "Python")
        for p in order:
            if p == "Python":
                continue
            v = med_ms(label, p)
            row.append(f"{v / py:.2f}x" if v is not None and py else "-")
        t = med_ms(label, "Turmeric")
        if t is None:
            row.append("FAILED")
        else:
            ok = t <= TARGET * py
            misses += not ok
            row.append("yes" if ok else "NO")
        rows.append(row)
    print(H.table(headers, rows))
    for peer, e in load_errors.items():
        print(f"{peer}: not run ({type(e).__name__}: {e})")
    if misses:
        print(f"target missed on {misses} of {len(BENCHES)} benchmarks (Turmeric at most {TARGET:g}x plain Python)")
    if failures or "Turmeric" in load_errors:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(H.run_with_big_stack(main))
