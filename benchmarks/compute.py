"""Compute benchmark: Turmeric vs plain Python vs Hy, side by side in one process.

    python benchmarks/compute.py [--quick] [--reps N]

Seventeen programs that ordinary code resembles: recursion, numeric loops with
each comparison operator, higher-order pipelines with small lambdas, string
building, a word count over a map, struct updates in a loop, match over a tree,
type-class dispatch, sorting with a comparator, persistent vector conj/assoc, a
JSON-like printer. Each is written the natural way in each language
(programs/compute.tm, compute_py.py, compute_hy.hy).

Each peer's code is loaded (read, compiled) first; only the call is timed, with
time.perf_counter. The peers run interleaved in every repetition and the table
shows the median per peer, the ratios to plain Python and their geometric mean.
Targets: every Turmeric figure at most 1.5x plain Python, geometric mean at most 1.25x.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import sys
import traceback

import _harness as H

TARGET = 1.5
TARGET_GEOMEAN = 1.25


def words(n):
    """n space-separated words drawn from 500 distinct ones (the word-count input)."""
    return " ".join(f"w{(i * 7919) % 500}" for i in range(n))


# label, Turmeric name, full-size argument and result, --quick argument and result.
# The Python/Hy name is the Turmeric name with - replaced by _.
BENCHES = [
    ("fib 27", "fib", 27, 196418, 20, 6765),
    ("loop < sum-squares 1e6", "sum-squares", 1_000_000, 333332833333500000, 100_000, 333328333350000),
    ("loop = count-to 1e6", "count-to", 1_000_000, 499999500000, 100_000, 4999950000),
    ("loop > >= mod countdown 1e6", "countdown", 1_000_000, 200000400000, 100_000, 2000040000),
    ("loop <= not= mod window 1e6", "window-count", 1_000_000, 285715, 100_000, 28572),
    ("collatz even? quot = 30k", "collatz-steps", 30_000, 2864311, 3_000, 215063),
    ("map/filter/reduce even? 300k", "pipeline", 300_000, 4499955000100000, 30_000, 4499550010000),
    ("HOF lambdas mod = 300k", "pipeline-lambdas", 300_000, 30000000000, 30_000, 300000000),
    ("for-each closure ref 300k", "for-each-sum", 300_000, 11249850000, 30_000, 112485000),
    ("str building 100k", "build-string", 100_000, 2142640, 10_000, 184263),
    ("word count map 100k", "word-count", "words:100000", 500000200, "words:10000", 500000020),
    ("struct updates 300k", "simulate", 300_000, 4740658, 30_000, 4440336),
    ("match tree depth 15", "tree-bench", 15, 536854528, 10, 523776),
    ("type-class dispatch 100k", "total-area", 100_000, 111118610961112, 10_000, 111186096112),
    ("sort comparator 30k", "sort-bench", 30_000, 3002999, 3_000, 3007999),
    ("vector conj/assoc 100k", "vector-bench", 100_000, 9999900000, 10_000, 99990000),
    ("JSON printer 50x200", "json-bench", 50, 702150, 5, 70215),
]


def py_name(tm):
    return tm.replace("-", "_")


def argument(a):
    if isinstance(a, str) and a.startswith("words:"):
        return words(int(a[6:]))
    return a


def load_peers():
    peers = {}
    errors = {}
    try:
        m = H.load_turmeric(os.path.join(H.PROGRAMS, "compute.tm"))
        peers["Turmeric"] = {tm: m.ns[tm] for _, tm, *_ in BENCHES}
    except Exception as e:
        errors["Turmeric"] = e
        traceback.print_exc()
    spec = importlib.util.spec_from_file_location("compute_py", os.path.join(H.PROGRAMS, "compute_py.py"))
    pymod = importlib.util.module_from_spec(spec)
    sys.modules["compute_py"] = pymod  # dataclasses look their module up
    spec.loader.exec_module(pymod)
    peers["Python"] = {tm: getattr(pymod, py_name(tm)) for _, tm, *_ in BENCHES}
    try:
        sys.dont_write_bytecode = True  # keep benchmarks/programs free of __pycache__
        import hy  # noqa: F401  (installs the .hy importer)

        sys.path.insert(0, H.PROGRAMS)
        hymod = importlib.import_module("compute_hy")
        peers["Hy"] = {tm: getattr(hymod, py_name(tm)) for _, tm, *_ in BENCHES}
    except ImportError as e:
        errors["Hy"] = e
        print(f"Hy peer unavailable ({e}); install it with `pip install hy` (or pip install -e '.[bench]')", file=sys.stderr)
    return peers, errors


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def main(argv=None):
    args = H.parse_args(__doc__.splitlines()[0], default_reps=7, quick_reps=1, argv=argv)
    peers, load_errors = load_peers()
    order = [p for p in ("Turmeric", "Python", "Hy") if p in peers]
    times = {(b[0], p): [] for b in BENCHES for p in order}
    failures = {}
    cases = []
    for label, tm, arg, want, qarg, qwant in BENCHES:
        cases.append((label, tm, argument(qarg if args.quick else arg), qwant if args.quick else want))

    def check(label, peer, f, arg, want):
        got = f(arg)
        if got != want:
            raise AssertionError(f"{peer} {label}: got {got!r}, expected {want!r}")

    # Warm up and check every result once (not timed).
    for label, tm, arg, want in cases:
        for p in order:
            try:
                check(label, p, peers[p][tm], arg, want)
            except Exception as e:
                failures[(label, p)] = e
                print(f"FAILED: {p} {label}: {type(e).__name__}: {e}", file=sys.stderr)

    for rep in range(args.reps):
        for label, tm, arg, _ in cases:
            # rotate the peer order each repetition so no peer always runs first
            for p in order[rep % len(order) :] + order[: rep % len(order)]:
                if (label, p) in failures:
                    continue
                times[(label, p)].append(H.time_call(peers[p][tm], arg))

    def med_ms(label, p):
        xs = times.get((label, p))
        return H.median(xs) * 1000 if xs else None

    size = "quick (smaller inputs), " if args.quick else ""
    print(f"compute: {size}{args.reps} repetition(s), median ms per call; {H.environment()}")
    others = [p for p in order if p != "Python"]
    headers = ["benchmark"] + [f"{p} ms" for p in order] + [f"{p}/Python" for p in others] + [f"Turmeric <= {TARGET:g}x"]
    rows = []
    misses = 0
    ratios = {p: [] for p in others}
    for label, *_ in cases:
        row = [label]
        for p in order:
            v = med_ms(label, p)
            row.append("FAILED" if (label, p) in failures or v is None else f"{v:.1f}")
        py = med_ms(label, "Python")
        for p in others:
            v = med_ms(label, p)
            if v is not None and py:
                ratios[p].append(v / py)
                row.append(f"{v / py:.2f}x")
            else:
                row.append("-")
        t = med_ms(label, "Turmeric")
        if t is None or not py:
            row.append("FAILED")
        else:
            ok = t <= TARGET * py
            misses += not ok
            row.append("yes" if ok else "NO")
        rows.append(row)
    gm_row = ["geometric mean"] + [""] * len(order)
    gms = {}
    for p in others:
        gms[p] = geomean(ratios[p])
        gm_row.append(f"{gms[p]:.2f}x" if gms[p] else "-")
    gm_t = gms.get("Turmeric")
    gm_row.append(("yes" if gm_t <= TARGET_GEOMEAN else "NO") + f" (<= {TARGET_GEOMEAN:g}x)" if gm_t else "-")
    rows.append(gm_row)
    print(H.table(headers, rows))
    for peer, e in load_errors.items():
        print(f"{peer}: not run ({type(e).__name__}: {e})")
    if misses:
        print(f"target missed on {misses} of {len(cases)} benchmarks (Turmeric at most {TARGET:g}x plain Python)")
    if gm_t:
        verdict = "met" if gm_t <= TARGET_GEOMEAN else "missed"
        print(f"geometric mean Turmeric/Python {gm_t:.2f}x (target at most {TARGET_GEOMEAN:g}x): {verdict}")
    if failures or "Turmeric" in load_errors:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(H.run_with_big_stack(main))
