"""Snapshot benchmark: the cost of saving a failure as a resumable snapshot, by depth.

    python benchmarks/snapshot.py [--quick] [--reps N]

The computation (benchmarks/programs/snapfail.tm): `(fail-at n)` descends n + 1
non-tail frames of `down`, each holding an int, a string and a shared growing list,
then throws. For failures of 10, 100 and 1,000 frames, in-process, side by side:

  error off     the failing call under a prompt, snapshots on error off (the throw
                unwinds as an ordinary exception): the baseline
  error on      the same with snapshots on error on: every frame records itself
                while the throw unwinds (what a snapshot costs before it is written)
  write         serialization.snapshot.error_snapshot: build the snapshot (frame
                positions and source lines), encode, write the file; its size in bytes
  resume        read the file, decode, resume with 0 and run to the end (checked:
                the result is what the descent would have returned)
  ok off / on   (ok-at n), the same descent returning normally, with snapshots off
                and on: the no-error path, whose ratio should be 1

and the Python peer (programs/snapfail_py.py, the same descent raising ValueError):

  py error      the failing call, caught
  py tb+locals  traceback.TracebackException(capture_locals=True) formatted to text:
                what an error reporter saves (not resumable); its size in bytes
  py pickle     pickle of (function, line, f_locals) for every traceback frame: the
                CPython floor for saving the frames' data (not resumable either)

Microseconds per operation (medians), bytes, and ratios: error on / error off,
write / py tb+locals, and ok on / ok off.
"""

from __future__ import annotations

import functools
import os
import pickle
import sys
import tempfile
import traceback

import _harness as H

DEPTHS = [10, 100, 1_000]  # frames in the failing continuation


def timed(f, min_seconds):
    """Seconds per call of f(): the call repeated until one sample lasts min_seconds."""
    number = 1
    while True:
        t = H.time_call(f, number=number)
        if t * number >= min_seconds:
            return t
        number *= 2 if t * number * 4 >= min_seconds else 8


def expected_sum(n):
    """What resuming (fail-at n) with 0 returns: the sum of 1 + (count label) over the frames above the throw."""
    return sum(1 + len(f"frame-{i}") for i in range(1, n + 1))


def run(args):
    from turmeric.core.values import Thrown
    from turmeric.runtime import control
    from turmeric.serialization import api, snapshot

    m = H.load_turmeric(os.path.join(H.PROGRAMS, "snapfail.tm"))
    sys.path.insert(0, H.PROGRAMS)
    import snapfail_py as py

    fail_at, ok_at = m.ns["fail-at"], m.ns["ok-at"]
    tmp = tempfile.TemporaryDirectory(prefix="tmrs-snap-")
    config = snapshot.Config(dir=tmp.name, on_error=True)
    min_s = 0.02 if args.quick else 0.2

    def failing(on):
        control.SNAPSHOT_ON_ERROR.set(on)
        try:
            control.reset(functools.partial(fail_at, n))  # no Python frame between the prompt and the code
        except Thrown as e:
            return e
        finally:
            control.SNAPSHOT_ON_ERROR.set(False)
        raise SystemExit("snapfail.tm: (fail-at n) did not throw")

    def ok(on):
        control.SNAPSHOT_ON_ERROR.set(on)
        try:
            return control.reset(functools.partial(ok_at, n))
        finally:
            control.SNAPSHOT_ON_ERROR.set(False)

    def py_fail():
        try:
            py.fail_at(n)
        except ValueError as e:
            return e
        raise SystemExit("snapfail_py.py: fail_at did not raise")

    samples = {d: {} for d in DEPTHS}

    def add(d, key, v):
        samples[d].setdefault(key, []).append(v)

    for _rep in range(args.reps):
        for depth in DEPTHS:
            n = depth - 1
            # check first: the snapshot has `depth` frames and resumes to the right value
            exc = failing(True)
            path, why = snapshot.error_snapshot(exc, config)
            if path is None:
                raise SystemExit(f"no snapshot at depth {depth}: {why}")
            with open(path, "rb") as f:
                data = f.read()
            snap = api.deserialize(data)
            k = snap.get(snapshot.K["k"])
            if len(k.frames) != depth or k(0) != expected_sum(n):
                raise SystemExit(f"depth {depth}: {len(k.frames)} frames, resumed to {k(0)}, expected {expected_sum(n)}")
            if not isinstance(failing(False), Thrown) or type(failing(False)) is control.SnapThrow:
                raise SystemExit("with snapshots off, a throw must be an ordinary Thrown")
            add(depth, "bytes", len(data))
            add(depth, "err_off", timed(lambda: failing(False), min_s))
            add(depth, "err_on", timed(lambda: failing(True), min_s))
            add(depth, "write", timed(lambda exc=exc: snapshot.error_snapshot(exc, config), min_s))

            def resume(path=path):
                with open(path, "rb") as f:
                    s = api.deserialize(f.read())
                return s.get(snapshot.K["k"])(0)

            add(depth, "resume", timed(resume, min_s))
            add(depth, "ok_off", timed(lambda: ok(False), min_s))
            add(depth, "ok_on", timed(lambda: ok(True), min_s))
            # Python
            pe = py_fail()
            tb_text = "".join(traceback.TracebackException.from_exception(pe, capture_locals=True).format())
            add(depth, "py_tb_bytes", len(tb_text.encode()))

            def tb_locals(pe=pe):
                return "".join(traceback.TracebackException.from_exception(pe, capture_locals=True).format())

            def py_pickle(pe=pe):
                out, tb = [], pe.__traceback__
                while tb is not None:
                    if tb.tb_frame.f_code.co_name in ("down", "fail_at"):
                        out.append((tb.tb_frame.f_code.co_name, tb.tb_lineno, dict(tb.tb_frame.f_locals)))
                    tb = tb.tb_next
                return pickle.dumps(out, pickle.HIGHEST_PROTOCOL)

            add(depth, "py_pickle_bytes", len(py_pickle()))
            add(depth, "py_err", timed(py_fail, min_s))
            add(depth, "py_tb", timed(tb_locals, min_s))
            add(depth, "py_pickle", timed(py_pickle, min_s))
    tmp.cleanup()
    return samples


def main(argv=None):
    args = H.parse_args("Snapshot on error: cost by depth, against Python's traceback with locals and pickle", 5, 1, argv)
    samples = H.run_with_big_stack(lambda: run(args))
    med = {d: {k: H.median(v) for k, v in s.items()} for d, s in samples.items()}
    us = 1e6
    print(f"snapshot.py: {args.reps} repetition(s); {H.environment()}")
    print()
    rows = []
    for d in DEPTHS:
        s = med[d]
        rows.append(
            [
                f"{d} frames",
                f"{s['err_off'] * us:.1f}",
                f"{s['err_on'] * us:.1f}",
                f"{s['err_on'] / s['err_off']:.2f}",
                f"{s['write'] * us:.0f}",
                f"{int(s['bytes'])}",
                f"{s['write'] * us / d:.2f}",
                f"{s['resume'] * us:.0f}",
                f"{s['ok_off'] * us:.1f}",
                f"{s['ok_on'] * us:.1f}",
                f"{s['ok_on'] / s['ok_off']:.2f}",
            ]
        )
    print("Turmeric")
    print(
        H.table(
            [
                "failure",
                "error off us",
                "error on us",
                "on/off",
                "write us",
                "bytes",
                "write us/frame",
                "resume us",
                "ok off us",
                "ok on us",
                "ok on/off",
            ],
            rows,
        )
    )
    print()
    rows = []
    for d in DEPTHS:
        s = med[d]
        rows.append(
            [
                f"{d} frames",
                f"{s['py_err'] * us:.1f}",
                f"{s['py_tb'] * us:.0f}",
                f"{int(s['py_tb_bytes'])}",
                f"{s['py_pickle'] * us:.0f}",
                f"{int(s['py_pickle_bytes'])}",
                f"{(s['err_on'] + s['write']) / s['py_tb']:.2f}",
                f"{s['bytes'] / s['py_tb_bytes']:.2f}",
            ]
        )
    print("Python peers (not resumable)")
    print(
        H.table(
            [
                "failure",
                "py error us",
                "py tb+locals us",
                "tb bytes",
                "py pickle us",
                "pickle bytes",
                "snapshot/tb time",
                "snapshot/tb bytes",
            ],
            rows,
        )
    )
    print()
    print("snapshot/tb time = (error on + write) / py tb+locals; snapshot/tb bytes = snapshot bytes / tb text bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
