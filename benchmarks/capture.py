"""Capture/resume benchmark: cost of cloneable-shift capture and resume by depth.

    python benchmarks/capture.py [--quick] [--reps N]

For depths 10, 100, 1,000, 10,000, a Turmeric function recurses that deep
(non-tail: each level adds 1 after the call returns) and captures with
`(cloneable-shift [k] k)` under `cloneable-reset`; the continuation is then
resumed with a value, which re-enters every frame and finishes the additions.
Reported in microseconds per operation, medians over the repetitions:

  plain      the same recursion without capture (descend and return normally)
  capture    descend + capture, up to the prompt returning k
  resume     (k 1): re-enter the depth+1 frames and finish the computation
  capture-plain  what capturing costs over returning normally
  /frame     capture and resume divided by depth

and the growth exponent between successive depths (the log-log slope: 1.00
means the cost is linear in depth). Then `fib 27` called inside a `cloneable-reset` against outside one, with
the ratio (target: within 5%, i.e. code that never captures pays nothing).
"""

from __future__ import annotations

import math
import os
import sys

import _harness as H

DEPTHS = [10, 100, 1_000, 10_000]
FIB_N = 27
FIB_WANT = 196418
FIB_TARGET = 0.05


def growth_exponents(xs, ys):
    """log-log slope between consecutive points: 1.0 means time grows linearly with depth."""
    return [math.log(y2 / y1) / math.log(x2 / x1) for x1, x2, y1, y2 in zip(xs, xs[1:], ys, ys[1:], strict=False)]


def main(argv=None):
    args = H.parse_args(__doc__.splitlines()[0], default_reps=7, quick_reps=1, argv=argv)
    frames_per_sample = 20_000 if args.quick else 200_000
    fib_reps = 2 if args.quick else max(15, args.reps)

    m = H.load_turmeric(os.path.join(H.PROGRAMS, "capture.tm"))
    ns = m.ns
    capture_at, plain_at, resume_with = ns["capture-at"], ns["plain-at"], ns["resume-with"]
    from turmeric.runtime.control import Continuation

    # Check every operation once before timing anything.
    ks = {}
    for d in DEPTHS:
        k = capture_at(d)
        if not isinstance(k, Continuation):
            raise AssertionError(f"(capture-at {d}) returned {k!r}, expected a continuation")
        for v in (1, 5):  # multi-shot: the same k twice
            got = resume_with(k, v)
            if got != d + v:
                raise AssertionError(f"(resume-with (capture-at {d}) {v}) returned {got!r}, expected {d + v}")
        if plain_at(d) != d:
            raise AssertionError(f"(plain-at {d}) returned {plain_at(d)!r}, expected {d}")
        ks[d] = k
    for name in ("fib-outside", "fib-inside"):
        got = ns[name](FIB_N)
        if got != FIB_WANT:
            raise AssertionError(f"({name} {FIB_N}) returned {got!r}, expected {FIB_WANT}")

    samples = {(d, kind): [] for d in DEPTHS for kind in ("plain", "capture", "resume")}
    for _ in range(args.reps):
        for d in DEPTHS:
            number = max(1, frames_per_sample // d)
            k = ks[d]
            samples[(d, "plain")].append(H.time_call(plain_at, d, number=number))
            samples[(d, "capture")].append(H.time_call(capture_at, d, number=number))
            samples[(d, "resume")].append(H.time_call(resume_with, k, 1, number=number))

    us = {key: H.median(v) * 1e6 for key, v in samples.items()}
    print(f"capture: {args.reps} repetition(s), median microseconds per operation; {H.environment()}")
    rows = []
    for d in DEPTHS:
        p, c, r = us[(d, "plain")], us[(d, "capture")], us[(d, "resume")]
        rows.append([f"depth {d}", f"{p:.1f}", f"{c:.1f}", f"{r:.1f}", f"{c - p:.1f}", f"{c / d:.3f}", f"{r / d:.3f}"])
    print(H.table(["depth", "plain us", "capture us", "resume us", "capture-plain us", "capture us/frame", "resume us/frame"], rows))
    steps = [f"{a}->{b}" for a, b in zip(DEPTHS, DEPTHS[1:], strict=False)]
    print("growth exponent, log-log slope between depths (1.00 = linear in depth):")
    for kind in ("capture", "resume"):
        exps = growth_exponents(DEPTHS, [us[(d, kind)] for d in DEPTHS])
        print(f"  {kind:8} " + "  ".join(f"{s}: {e:.2f}" for s, e in zip(steps, exps, strict=True)))

    fib_times = {"outside": [], "inside": []}
    for rep in range(fib_reps):
        order = ["outside", "inside"] if rep % 2 == 0 else ["inside", "outside"]
        for where in order:
            fib_times[where].append(H.time_call(ns[f"fib-{where}"], FIB_N))
    out_ms = H.median(fib_times["outside"]) * 1000
    in_ms = H.median(fib_times["inside"]) * 1000
    out_min = min(fib_times["outside"]) * 1000
    in_min = min(fib_times["inside"]) * 1000
    ratio = in_ms / out_ms
    print()
    print(f"fib {FIB_N}: {fib_reps} repetition(s) each, alternating; median ms (and min ms, less sensitive to a busy machine)")
    print(
        H.table(
            ["fib 27", "median ms", "min ms", "inside/outside median", "inside/outside min", f"median within {FIB_TARGET:.0%}"],
            [
                ["fib outside reset", f"{out_ms:.1f}", f"{out_min:.1f}", "", "", ""],
                [
                    "fib inside reset",
                    f"{in_ms:.1f}",
                    f"{in_min:.1f}",
                    f"{ratio:.3f}",
                    f"{in_min / out_min:.3f}",
                    "yes" if abs(ratio - 1) <= FIB_TARGET else "NO",
                ],
            ],
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(H.run_with_big_stack(main))
