"""Fuzz the blob decoder: mutated blobs must give Turmeric errors, never Python exceptions,
hangs, or memory beyond the budget for their size.

    python -m benchmarks.fuzz [--inputs N] [--workers W] [--seed S] [--save DIR]

Seeds are real blobs of every value kind the runtime writes (numbers, strings, bytes,
keywords, symbols, lists, ranges, vectors, maps, sets, Options, refs, boxes, closures,
structs derived and custom, FileHandles, host functions, continuations shallow and deep,
through the prelude's loops and try-with, and a compressed blob), made by a small program
in a scratch folder. Each input is one seed mutated in one of three ways:

- outside: bytes of the whole blob changed (the CRC-32 should catch these);
- inside: bytes of the payload changed, then sealed again with a valid length and CRC
  (and compressed again when the seed was), so the parser itself sees them;
- envelope: a signed envelope (trust.seal) changed, then opened with trust.decode_trusted.

Every input is decoded in a worker process (one per core by default) with tracemalloc
on; a decode that returns is then used: a continuation is resumed (with nil), anything
else is inspected. The counts of each outcome are printed at the end.

Bad outcomes, which make the command exit with status 1 (and are saved with --save):
- python: a Python exception escaped `deserialize`, `decode_trusted` or `inspect`;
- resume-python: resuming what decoded broke the runtime's machinery itself (a
  RecursionError or MemoryError, or an exception raised inside control.py or the
  serialization package), not the program's code;
- hang: one decode took more than --hang seconds (SIGALRM);
- over-budget: tracemalloc's peak during one decode exceeded the documented budget
  (MEM_PER_BYTE x stored bytes + MEM_BASE).
Resuming a mutated continuation runs the program's own code on unexpected values, so
Turmeric runtime errors there (type-error, arity-error, ...) are expected outcomes.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import random
import signal
import sys
import tempfile
import time
import tracemalloc
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

PROGRAM = """(module fuzzseed)
(struct Order [id : int64 items])
(instance Serializable Order)
(struct Point [x y])
(instance Serializable Point
  (serialize [p] [p.x p.y])
  (deserialize [r] (Point (first r) (second r))))
(defn deep [n acc]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "frame-" n)]
      (+ x (count s) (deep (- n 1) (cons n acc))))))
(defn make-account []
  (let [bal 0]
    [(fn [n] (set! bal (+ bal n)) bal) (fn [] bal)]))
(defn visit [xs] (map (fn [x] (if (= x 3) (+ x (cloneable-shift [k] k)) x)) xs))
(defn total [xs] (reduce (fn [acc x] (+ acc (if (= x 2) (cloneable-shift [k] k) x))) 0 xs))
(defn risky [x] (+ 1 (throw (error "boom"))))
(def twk (try-with (fn [] (risky 1)) (fn [e k] k)))
(defn reader [fh] (let [v (suspend)] (list v (read-line fh))))
"""

BAD = ("python", "hang", "over-budget", "resume-python")


class Hang(BaseException):
    pass


def _alarm(signum, frame):
    raise Hang()


# --- the seeds -----------------------------------------------------------------------------------


def make_seeds(folder):
    """Blobs of every value kind, written by this runtime (the program lives in `folder`)."""
    from turmeric.core.values import ArraySeq, Box, Keyword, Ref, Some, Symbol, plist, pmap, pset, pvector
    from turmeric.loader import load_file, load_prelude
    from turmeric.runtime import control
    from turmeric.runtime.library import BUILTINS
    from turmeric.serialization import api

    load_prelude()
    path = Path(folder) / "fuzzseed.tm"
    path.write_text(PROGRAM, encoding="utf-8")
    (Path(folder) / "data.txt").write_text("line one\nline two\n", encoding="utf-8")
    m = load_file(str(path), expected_name="fuzzseed")
    ns = m.ns
    cyc = Ref(None)
    cyc.value = pvector([1, cyc, Box(cyc)])
    shared = os.urandom(200)
    fh = BUILTINS["open-file"](str(Path(folder) / "data.txt"), "r")
    values = [
        control.reset(lambda: ns["deep"](3, plist([]))),
        control.reset(lambda: ns["deep"](40, plist([]))),
        control.reset(lambda: ns["deep"](300, plist([]))),
        ns["make-account"](),
        control.reset(lambda: ns["visit"](pvector([1, 2, 3, 4]))),
        control.reset(lambda: ns["total"](pvector([1, 2, 3]))),
        ns["twk"],
        control.reset(lambda: ns["reader"](fh)),
        ns["Order"](7, pvector(["x", Keyword("k"), 2.5])),
        ns["Point"](1, -2),
        fh,
        BUILTINS["+"],
        pvector([None, True, False, 0, 70, 9000, -5, 2**70, -(2**70), 1.5, float("inf"), "s", "nul\0s", b"by", Symbol("y")]),
        pmap({Keyword("a"): plist([1, 2]), "b": pset([1, 2, "x"]), 3: Some(None), (4, 5): Some(pvector([]))}),
        plist(range(100)),
        ArraySeq(tuple(range(10)), 2),
        pvector([f"s{i}" for i in range(40)] + ["same"] * 40),
        pvector([shared, pmap({"again": shared})]),
        pset(range(50)),
        pmap({i: i * i for i in range(40)}),
        cyc,
        pvector([1.0 * i for i in range(40)]),
        pvector(["long text " * 20] * 3000),  # compressed
    ]
    return [api.serialize(v) for v in values]


# --- mutation ------------------------------------------------------------------------------------

INTERESTING = [0, 1, 2, 31, 32, 63, 64, 127, 128, 255, 256, 8255, 8256, 1 << 14, 1 << 21, 1 << 31, 1 << 32, 1 << 62, 1 << 63, (1 << 64) - 1]
TAG_BYTES = list(range(0x80, 0xA0)) + [0x00, 0x3F, 0x40, 0x5F, 0x60, 0x7F, 0xFF]


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def mutate(rng, data, others):
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3, 5))):
        n = len(b)
        op = rng.randrange(10)
        i = rng.randrange(n) if n else 0
        if not n:
            b += bytes([rng.randrange(256)])
        elif op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i] = rng.randrange(256)
        elif op == 2:
            b[i] = rng.choice(TAG_BYTES)
        elif op == 3:
            b[i : i + rng.randrange(1, 4)] = varint(rng.choice(INTERESTING))
        elif op == 4:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 9)))
        elif op == 5:
            del b[i : i + rng.randrange(1, 9)]
        elif op == 6:
            j = rng.randrange(n)
            b[i:i] = b[j : j + rng.randrange(1, 33)]
        elif op == 7:
            del b[i:]
        elif op == 8:
            o = rng.choice(others)
            j = rng.randrange(len(o))
            b[i:] = o[j:]
        else:
            j = rng.randrange(n)
            k = rng.randrange(1, 17)
            b[i : i + k], b[j : j + k] = b[j : j + k], b[i : i + k]
    return bytes(b)


def unpack(blob):
    """(flags, payload) of a well-formed blob."""
    flags = blob[5]
    pos = 10
    while blob[pos] & 0x80:
        pos += 1
    rest = blob[pos + 1 :]
    return flags, (zlib.decompress(rest) if flags & 1 else rest)


def seal_crc(payload, flags):
    stored = zlib.compress(payload, 1) if flags & 1 else payload
    body = varint(len(payload)) + stored
    head = b"TMRC" + bytes([1, flags])
    return head + zlib.crc32(body, zlib.crc32(head)).to_bytes(4, "little") + body


# --- the worker ----------------------------------------------------------------------------------

_STATE = {}


def _init(folder, seeds):
    os.chdir(folder)
    sys.setrecursionlimit(100_000)
    from turmeric.loader import MODULES, load_file, load_prelude

    load_prelude()
    if "fuzzseed" not in MODULES:
        load_file(str(Path(folder) / "fuzzseed.tm"), expected_name="fuzzseed")
    _STATE["folder"] = folder
    _STATE["seeds"] = seeds
    _STATE["payloads"] = [unpack(s) for s in seeds]
    signal.signal(signal.SIGALRM, _alarm)


def _classify_python(e):
    """A Python exception while resuming: is it the program's own code failing on odd values
    (a Turmeric runtime error, as the CLI would show it) or the runtime's machinery breaking?"""
    if isinstance(e, (RecursionError, MemoryError)):
        return "resume-python"
    tb = e.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    if last and os.sep + "turmeric" + os.sep in last and any(p in last for p in ("control.py", "serialization")):
        return "resume-python"
    return "resume-runtime-error"


def run_batch(args):
    """Decode `count` mutated inputs; returns (Counter of outcomes, [bad examples])."""
    worker, count, seed, hang = args
    from turmeric.core.values import Struct, Thrown
    from turmeric.runtime import control
    from turmeric.serialization import api, trust
    from turmeric.serialization import inspect as sinspect
    from turmeric.serialization.decoder import budget

    rng = random.Random(seed * 1_000_003 + worker)
    seeds = _STATE["seeds"]
    payloads = _STATE["payloads"]
    folder = _STATE["folder"]
    key = b"fuzzing-key-of-sufficient-length"
    counts = collections.Counter()
    bad = []
    for _ in range(count):
        si = rng.randrange(len(seeds))
        how = rng.random()
        envelope = False
        if how < 0.25:
            kind = "outside"
            blob = mutate(rng, seeds[si], seeds)
        elif how < 0.97:
            kind = "inside"
            flags, payload = payloads[si]
            if rng.random() < 0.03:
                flags ^= 1
            blob = seal_crc(mutate(rng, payload, [p for _, p in payloads]), flags)
        else:
            kind = "envelope"
            envelope = True
            blob = mutate(rng, trust.seal(seeds[si], key, "fuzz", ttl=3600 if rng.random() < 0.5 else None), seeds)
        counts[f"input:{kind}"] += 1
        tracemalloc.start()  # traces only what this decode allocates
        signal.setitimer(signal.ITIMER_REAL, hang)
        outcome = None
        v = None
        try:
            if envelope:
                v = trust.decode_trusted(blob, key, "fuzz", base_dir=folder)
            else:
                v = api.deserialize(blob, base_dir=folder)
            outcome = "decoded"
        except Hang:
            outcome = "hang"
        except Thrown as e:
            outcome = e.value.stype.name if isinstance(e.value, Struct) else "thrown-non-struct"
        except BaseException as e:  # noqa: BLE001 - this is what the fuzzer looks for
            outcome = "python"
            bad.append((outcome, f"{type(e).__name__}: {e}"[:200], blob))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        stored = len(blob) if not envelope else len(blob)
        if peak > budget(stored):
            counts["over-budget"] += 1
            bad.append(("over-budget", f"peak {peak} for {stored} bytes", blob))
        if outcome == "hang":
            bad.append(("hang", "decode", blob))
        counts[outcome] += 1
        if outcome != "decoded":
            continue
        # use what decoded: resume a continuation, inspect anything else
        signal.setitimer(signal.ITIMER_REAL, hang)
        try:
            if isinstance(v, control.Continuation):
                v(None)
                counts["resume-ok"] += 1
            else:
                sinspect.describe(blob)
                counts["inspected"] += 1
        except Hang:
            counts["resume-timeout"] += 1
        except Thrown as e:
            name = e.value.stype.name if isinstance(e.value, Struct) else "value"
            counts[f"resume-thrown:{name}"] += 1
        except control.Unwind:
            counts["resume-capture"] += 1
        except BaseException as e:  # noqa: BLE001
            if type(e).__name__ == "ExitRequest":
                counts["resume-exit"] += 1
            else:
                c = _classify_python(e)
                counts[c] += 1
                if c == "resume-python":
                    bad.append(("resume-python", f"resume: {type(e).__name__}: {e}"[:200], blob))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    return counts, bad[:20]


# --- the command ---------------------------------------------------------------------------------


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--inputs", type=int, default=1_000_000, help="mutated inputs in all (default 1,000,000)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="processes (default: one per core)")
    p.add_argument("--seed", type=int, default=1, help="random seed (runs are reproducible)")
    p.add_argument("--hang", type=float, default=5.0, help="seconds after which one decode counts as a hang")
    p.add_argument("--batch", type=int, default=2000, help="inputs per task")
    p.add_argument("--save", default=None, metavar="DIR", help="write the inputs with bad outcomes here")
    args = p.parse_args(argv)

    folder = tempfile.mkdtemp(prefix="turmeric-fuzz-")
    sys.setrecursionlimit(100_000)
    seeds = make_seeds(folder)
    print(f"{len(seeds)} seed blobs ({sum(map(len, seeds))} bytes) of every value kind; {args.inputs:,} inputs on {args.workers} workers")
    tasks = []
    left, i = args.inputs, 0
    while left > 0:
        n = min(args.batch, left)
        tasks.append((i, n, args.seed, args.hang))
        left -= n
        i += 1
    t0 = time.monotonic()
    total = collections.Counter()
    bad = []
    ctx = mp.get_context("fork")
    with ctx.Pool(args.workers, initializer=_init, initargs=(folder, seeds)) as pool:
        for counts, b in pool.imap_unordered(run_batch, tasks):
            total.update(counts)
            bad.extend(b)
    elapsed = time.monotonic() - t0
    n = sum(v for k, v in total.items() if k.startswith("input:"))
    print(f"{n:,} inputs in {elapsed:.1f} s ({n / max(elapsed, 1e-9):,.0f}/s)\n")
    width = max(map(len, total)) + 2
    for group, title in (("input:", "inputs"), ("", "decode outcomes"), ("resume", "use of what decoded")):
        print(title)
        for k, v in sorted(total.items(), key=lambda kv: -kv[1]):
            if group == "input:" and k.startswith("input:"):
                print(f"  {k[6:]:<{width}}{v:>12,}")
            elif group == "" and not k.startswith(("input:", "resume", "inspected")) and k not in ("over-budget",):
                print(f"  {k:<{width}}{v:>12,}")
            elif group == "resume" and k.startswith(("resume", "inspected")) and k != "resume-python":
                print(f"  {k:<{width}}{v:>12,}")
    print("\nbad outcomes")
    for k in BAD:
        print(f"  {k:<{width}}{total.get(k, 0):>12,}")
    if args.save and bad:
        os.makedirs(args.save, exist_ok=True)
        for j, (what, msg, blob) in enumerate(bad):
            Path(args.save, f"{j:04d}-{what}.bin").write_bytes(blob)
            Path(args.save, f"{j:04d}-{what}.txt").write_text(msg + "\n")
    for what, msg, _ in bad[:10]:
        print(f"  example {what}: {msg}")
    return 1 if any(total.get(k, 0) for k in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
