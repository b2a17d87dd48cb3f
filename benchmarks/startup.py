"""Startup benchmark: `turmeric run` of a one-line program vs `python -c 'print(1)'`.

    python benchmarks/startup.py [--quick] [--reps N]

Whole-process wall time (spawn to exit) of

  turmeric run   sys.executable -m turmeric run benchmarks/programs/hello.tm   ((println 1))
  python -c      sys.executable -c 'print(1)'

run alternately (10 runs each by default), medians and the difference in ms.
Both use the interpreter running this script, so the difference is what Turmeric
adds: importing the implementation, loading the prelude, compiling and running
the program. Target: at most 150 ms more than plain Python.

Python's bytecode cache matters here: without .pyc files every start recompiles
the implementation's Python source. The headline row runs with a warm cache, as
an installed package has (kept in a temporary PYTHONPYCACHEPREFIX, so nothing is
written into the repository even when PYTHONDONTWRITEBYTECODE is set). A third
row, "turmeric run, no .pyc", runs with PYTHONDONTWRITEBYTECODE=1 and the default
cache location: if the checkout has no __pycache__ (an environment that never
writes bytecode), every start recompiles Turmeric's own modules; the standard
library's installed .pyc files still apply.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time

import _harness as H

TARGET_MS = 150.0


def run(cmd, env, want):
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True)
    dt = time.perf_counter() - t0
    if proc.returncode != 0 or proc.stdout.decode().replace("\r\n", "\n") != want:
        raise SystemExit(
            f"{' '.join(cmd)}: exit {proc.returncode}, stdout {proc.stdout!r}, expected {want!r}\n"
            f"stderr:\n{proc.stderr.decode(errors='replace')}"
        )
    return dt


def main(argv=None):
    args = H.parse_args(__doc__.splitlines()[0], default_reps=10, quick_reps=2, argv=argv)
    with tempfile.TemporaryDirectory(prefix="turmeric-bench-pyc-") as pyc:
        return measure(args, pyc)


def measure(args, pyc):
    env = dict(os.environ)
    env["PYTHONPATH"] = H.REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("TURMERIC_PATH", None)
    warm = dict(env, PYTHONPYCACHEPREFIX=os.path.join(pyc, "warm"))
    warm.pop("PYTHONDONTWRITEBYTECODE", None)
    cold = dict(env, PYTHONDONTWRITEBYTECODE="1")  # the interpreter's own stdlib .pyc still apply
    cold.pop("PYTHONPYCACHEPREFIX", None)
    hello = os.path.join(H.PROGRAMS, "hello.tm")
    turmeric = [sys.executable, "-m", "turmeric", "run", hello]
    peers = {
        "turmeric run hello.tm": (turmeric, warm),
        "python -c 'print(1)'": ([sys.executable, "-c", "print(1)"], warm),
        "turmeric run, no .pyc": (turmeric, cold),
    }
    # one untimed run each: fills the warm bytecode cache and the OS file cache
    for cmd, e in peers.values():
        run(cmd, e, "1\n")
    times = {name: [] for name in peers}
    names = list(peers)
    for rep in range(args.reps):
        for name in names if rep % 2 == 0 else names[::-1]:
            cmd, e = peers[name]
            times[name].append(run(cmd, e, "1\n"))

    med = {name: H.median(ts) * 1000 for name, ts in times.items()}
    base = med["python -c 'print(1)'"]
    print(f"startup: {args.reps} run(s) each, alternating, median wall ms per process; {H.environment()}")
    rows = []
    for name in names:
        rows.append([name, f"{med[name]:.1f}", f"{min(times[name]) * 1000:.1f}", "" if med[name] == base else f"{med[name] - base:+.1f}"])
    print(H.table(["command", "median ms", "min ms", "vs python"], rows))
    diff = med["turmeric run hello.tm"] - base
    print(
        f"turmeric adds {diff:.1f} ms with a warm bytecode cache (target: at most {TARGET_MS:g} ms): {'yes' if diff <= TARGET_MS else 'NO'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
