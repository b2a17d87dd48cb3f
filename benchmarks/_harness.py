"""Shared helpers for the benchmark scripts: argument parsing, timing, tables.

Not a benchmark itself. Each script in this folder imports it as `_harness`
(the script's own folder is first on sys.path when it is run as a file).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PROGRAMS = os.path.join(HERE, "programs")

if REPO not in sys.path:
    sys.path.insert(0, REPO)  # run against this checkout, installed or not


def parse_args(description, default_reps, quick_reps, argv=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help=f"short smoke run ({quick_reps} repetition(s), smaller inner loops)")
    p.add_argument("--reps", type=int, default=None, help=f"repetitions (default {default_reps}; {quick_reps} with --quick)")
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = quick_reps if args.quick else default_reps
    return args


def time_call(f, *args, number=1):
    """Seconds per call of f(*args), timed with perf_counter around the calls only."""
    gc.collect()
    t0 = time.perf_counter()
    for _ in range(number):
        f(*args)
    return (time.perf_counter() - t0) / number


def median(xs):
    return statistics.median(xs)


def load_turmeric(path):
    """Load a .tm file in this process the way `turmeric run` does; return the Module."""
    sys.setrecursionlimit(400_000)
    from turmeric import loader as modules

    modules.load_prelude()
    return modules.load_file(path, main=True)


def run_with_big_stack(fn):
    """Run fn() on a thread with a large C stack (deep recursion), re-raising its exception."""
    box = {}

    def target():
        try:
            box["value"] = fn()
        except BaseException as e:  # handed back to the caller
            box["error"] = e

    old = threading.stack_size()
    threading.stack_size(512 * 1024 * 1024)
    try:
        t = threading.Thread(target=target, name="bench")
        t.start()
        t.join()
    finally:
        threading.stack_size(old)
    if "error" in box:
        raise box["error"]
    return box.get("value")


def table(headers, rows, aligns=None):
    """Format rows (lists of strings) under headers; the first column left-aligned, the rest right."""
    cols = [headers] + rows
    widths = [max(len(str(r[i])) for r in cols) for i in range(len(headers))]
    aligns = aligns or ["<"] + [">"] * (len(headers) - 1)

    def line(r):
        return "  ".join(f"{str(c):{a}{w}}" for c, a, w in zip(r, aligns, widths, strict=True)).rstrip()

    out = [line(headers), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def environment():
    import platform

    return f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"


def fresh_pg_database(name):
    """The URL of a new, empty PostgreSQL database `name` (dropped first if it exists), made
    through $TURMERIC_TEST_PG (a URL whose role may CREATE DATABASE)."""
    import psycopg

    admin = os.environ.get("TURMERIC_TEST_PG")
    if not admin:
        raise SystemExit("--db postgres needs TURMERIC_TEST_PG (a PostgreSQL URL whose user may create databases): source .ci/postgres.sh")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}"')
        c.execute(f'CREATE DATABASE "{name}"')
    return admin.rsplit("/", 1)[0] + "/" + name


def drop_pg_database(url):
    """Drop the database of a URL fresh_pg_database made (its connections too)."""
    import psycopg

    with psycopg.connect(os.environ["TURMERIC_TEST_PG"], autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
