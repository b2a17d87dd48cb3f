"""Helpers for the durable-workflow tests: run `python -m turmeric` in a folder with a
database URL and a secret, spawn and SIGKILL it, read the store."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
TIMEOUT = 120
SECRET = "test-secret"


def env(db_url, **extra):
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("TURMERIC_PATH", None)
    e["TURMERIC_DB"] = db_url
    e["TURMERIC_SECRET"] = SECRET
    e.setdefault("TURMERIC_POLL", "0.02")
    e.update({k: str(v) for k, v in extra.items()})
    return e


def tm(cwd, db_url, *args, timeout=TIMEOUT, **extra):
    return subprocess.run(
        [sys.executable, "-m", "turmeric", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env(db_url, **extra),
    )


def spawn(cwd, db_url, *args, log="spawned", **extra):
    out = open(Path(cwd) / f"{log}.out", "a")
    err = open(Path(cwd) / f"{log}.err", "a")
    p = subprocess.Popen(
        [sys.executable, "-m", "turmeric", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=out,
        stderr=err,
        env=env(db_url, **extra),
    )
    p._files = (out, err)
    return p


def reap(p, timeout=TIMEOUT):
    try:
        p.wait(timeout=timeout)
    finally:
        for f in getattr(p, "_files", ()):
            f.close()
    return p.returncode


def wait_for(pred, p=None, timeout=TIMEOUT, what="condition"):
    deadline = time.monotonic() + timeout
    while not pred():
        if p is not None and p.poll() is not None:
            raise AssertionError(f"process exited ({p.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout


def clean_failure(r, *needles):
    assert r.returncode == 1, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    for n in needles:
        assert n in r.stderr, f"{n!r} not in stderr:\n{r.stderr}"


def lines(path):
    p = Path(path)
    return p.read_text().splitlines() if p.exists() else []


def store(db_url):
    from turmeric.store import open_store

    return open_store(db_url)
