"""Interop benchmark: a call from Turmeric to a Python function vs the same call from Python.

    python benchmarks/interop.py [--quick] [--reps N]

Four loops of N calls each (programs/interop.tm and programs/interop_py.py, calling
programs/interop_target.py): a module attribute `(pyt.f i)`, a name bound by
`import-python` `(f i)`, a keyword argument `(pyt.kw i :scale 2)` and a method call
`(.f xs i)`. Each is timed in Turmeric, in Python, and in Python with one more attribute
load on the same call (`pyt.holder.f(i)`, `xs.me.f(i)`, ...). Target: Turmeric no slower
than Python plus one attribute load. The peers run interleaved, their order rotating
each repetition; the table shows medians and ratios.
"""

from __future__ import annotations

import importlib
import os
import sys

import _harness as H

BENCHES = [
    # label, Turmeric name, Python name
    ("module attribute (pyt.f i)", "module-attr", "module_attr"),
    ("imported name (f i)", "imported-name", "imported_name"),
    ("keyword argument (pyt.kw i :scale 2)", "keyword-arg", "keyword_arg"),
    ("method call (.f xs i)", "method", "method"),
]


def main(argv=None):
    args = H.parse_args(__doc__.splitlines()[0], default_reps=9, quick_reps=1, argv=argv)
    n = 20_000 if args.quick else 1_000_000
    sys.path.insert(0, H.PROGRAMS)  # interop_target and interop_py
    sys.dont_write_bytecode = True
    from turmeric.interop import install

    install()
    m = H.load_turmeric(os.path.join(H.PROGRAMS, "interop.tm"))
    py = importlib.import_module("interop_py")
    peers = {}
    for label, tm, pyname in BENCHES:
        peers[label] = {"Turmeric": m.ns[tm], "Python": getattr(py, pyname), "Python+attr": getattr(py, pyname + "_plus_attr")}
    order = ["Turmeric", "Python", "Python+attr"]
    for label in peers:  # warm up, and check that each loop runs
        for p in order:
            if peers[label][p](10) is not None:
                raise AssertionError(f"{p} {label}: expected nil")
    times = {(label, p): [] for label in peers for p in order}
    for rep in range(args.reps):
        for label in peers:
            for p in order[rep % 3 :] + order[: rep % 3]:
                times[(label, p)].append(H.time_call(peers[label][p], n))
    print(f"interop: {args.reps} repetition(s) of {n:,} calls, median ns per call; {H.environment()}")
    headers = ["call", "Turmeric ns", "Python ns", "Python+attr ns", "Turmeric/Python", "Turmeric/(Python+attr)", "target met"]
    rows = []
    misses = 0
    for label in peers:
        t, p, pa = (H.median(times[(label, x)]) * 1e9 / n for x in order)
        ok = t <= pa
        misses += not ok
        rows.append([label, f"{t:.1f}", f"{p:.1f}", f"{pa:.1f}", f"{t / p:.2f}x", f"{t / pa:.2f}x", "yes" if ok else "NO"])
    print(H.table(headers, rows))
    if misses:
        print(f"target missed on {misses} of {len(BENCHES)} calls (Turmeric at most Python plus one attribute load)")
    return 0


if __name__ == "__main__":
    sys.exit(H.run_with_big_stack(main))
