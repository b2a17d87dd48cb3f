"""Smoke-run every benchmark script with --quick: exit status 0 and the expected rows.

No timing assertions: the figures depend on the machine. This only checks that
each script still runs end to end against the current implementation (the
Turmeric benchmark programs compile, run and return the right values) and prints
its table.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "benchmarks"
TIMEOUT = 180

HAVE_HY = importlib.util.find_spec("hy") is not None


def run_quick(script):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.pop("TURMERIC_PATH", None)
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    context = f"\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    assert proc.returncode == 0, f"{script} --quick exited {proc.returncode}{context}"
    return proc.stdout, context


def assert_rows(stdout, labels, context):
    for label in labels:
        pattern = r"^" + re.escape(label) + r"(\s|$)"
        assert re.search(pattern, stdout, re.M), f"no row {label!r}{context}"


def test_compute_quick():
    stdout, context = run_quick("compute.py")
    sys.path.insert(0, str(BENCH))
    try:
        import compute
    finally:
        sys.path.remove(str(BENCH))
    assert len(compute.BENCHES) >= 12
    assert_rows(stdout, [b[0] for b in compute.BENCHES] + ["geometric mean"], context)
    for col in ["Turmeric ms", "Python ms", "Turmeric/Python"] + (["Hy ms", "Hy/Python"] if HAVE_HY else []):
        assert col in stdout, f"no column {col!r}{context}"
    assert "FAILED" not in stdout, context


def test_capture_quick():
    stdout, context = run_quick("capture.py")
    assert_rows(stdout, ["depth 10", "depth 100", "depth 1000", "depth 10000", "fib outside reset", "fib inside reset"], context)
    for col in ["capture us", "resume us", "capture us/frame", "resume us/frame", "inside/outside"]:
        assert col in stdout, f"no column {col!r}{context}"


def test_startup_quick():
    stdout, context = run_quick("startup.py")
    assert_rows(
        stdout,
        [
            "turmeric run hello.tm",
            "python -c 'print(1)'",
            "turmeric run hello.tm, cold cache",
            "turmeric run 2000 lines",
            "turmeric run 2000 lines, cold cache",
            "turmeric adds",
        ],
        context,
    )


def test_serialize_quick():
    stdout, context = run_quick("serialize.py")
    assert_rows(
        stdout, ["depth 10", "depth 100", "depth 1000", "Turmeric", "Racket", "pickle", "Racket/Turmeric", "Turmeric/pickle"], context
    )
    assert_rows(stdout, ["bytes <= Racket", "Turmeric serialize", "Turmeric deserialize", "pickle serialize"], context)
    for col in ["serialize us", "deserialize us", "bytes", "ser us/frame", "deser us/frame"]:
        assert col in stdout, f"no column {col!r}{context}"
    assert "FAILED" not in stdout and "MISMATCH" not in stdout, context


def test_interop_quick():
    stdout, context = run_quick("interop.py")
    assert_rows(
        stdout,
        ["module attribute (pyt.f i)", "imported name (f i)", "keyword argument (pyt.kw i :scale 2)", "method call (.f xs i)"],
        context,
    )
    for col in ["Turmeric ns", "Python ns", "Python+attr ns", "Turmeric/Python", "Turmeric/(Python+attr)"]:
        assert col in stdout, f"no column {col!r}{context}"


def test_web_quick():
    stdout, context = run_quick("web.py")
    rows = ["Turmeric, in-page (signed)", "Turmeric, store (SQLite)"]
    if "Racket peer skipped" not in stdout + context:
        rows += ["Racket stateless, HMAC-signed", "Racket stateless, default (unsigned)"]
    assert_rows(stdout, rows, context)
    for col in ["flows/s (1)", "req/s (1)", "flows/s (8)", "req/s (8)", "token bytes"]:
        assert col in stdout, f"no column {col!r}{context}"


def test_snapshot_quick():
    stdout, context = run_quick("snapshot.py")
    assert_rows(stdout, ["10 frames", "100 frames", "1000 frames"], context)
    for col in ["error off us", "error on us", "write us", "bytes", "resume us", "ok on/off", "py tb+locals us", "snapshot/tb bytes"]:
        assert col in stdout, f"no column {col!r}{context}"


@pytest.mark.parametrize("script", ["compute.py", "capture.py", "startup.py", "serialize.py", "interop.py", "web.py", "snapshot.py"])
def test_readme_documents(script):
    readme = (BENCH / "README.md").read_text(encoding="utf-8")
    assert f"python benchmarks/{script}" in readme


def test_versioning_quick():
    stdout, context = run_quick("versioning.py")
    for row in ("| code unchanged |", "| code changed: old version from the code store |", "| code changed, defmigration to v2 |"):
        assert row in stdout, f"no row {row!r}{context}"


def test_web_versions_quick():
    stdout, context = run_quick("web_versions.py")
    for row in (
        "in-page tokens: page view, keeping off",
        "in-page tokens: page view, code kept",
        "store tokens: page view, new owner",
        "after a deploy (in-page tokens): resume old page, first",
        "after a deploy (in-page tokens): resume old page, further",
    ):
        assert row in stdout, f"no row {row!r}{context}"
    assert re.search(r"resumed 21 old pages \(each making a new page\): 1\n", stdout), stdout  # one write, not one per page
