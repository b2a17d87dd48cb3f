"""Conformance tests: run every tests/programs/NAME.tm that has an expectation file.

NAME.out  exact expected stdout (an error test without .out does not check stdout).
NAME.xfail  a known bug: the test must fail (pytest xfail, strict); the file says why.
NAME.err  error-path test: each non-empty line must occur in stderr; the exit status
          must be 1, or the integer in NAME.status when that file exists.
Without .err the program must exit with status 0.  A Python traceback on stderr is
always a failure.

The programs folder is copied to a fresh temporary directory for every test, so
programs that write files (and helper modules imported from the same folder) work
without dirtying the repository.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
REPO = HERE.parent
TIMEOUT = 120


def _cases():
    cases = []
    for tm in sorted(PROGRAMS.glob("*.tm")):
        if tm.with_suffix(".out").exists() or tm.with_suffix(".err").exists():
            cases.append(tm.stem)
    return cases


def _params(names):
    """The cases as pytest params: a program with a NAME.xfail file is a known bug (strict xfail)."""
    out = []
    for n in names:
        why = PROGRAMS / f"{n}.xfail"
        if why.exists():
            out.append(pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=_read(why).strip())))
        else:
            out.append(n)
    return out


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _error_cases():
    """The programs that throw, catch or clean up: they must behave the same with snapshots on error on."""
    return [n for n in _cases() if any(w in _read(PROGRAMS / f"{n}.tm") for w in ("throw", "try", "finally", "catch", "error"))]


@pytest.mark.parametrize("name", _params(_cases()))
def test_program(name, tmp_path):
    _run_case(name, tmp_path, {})


@pytest.mark.parametrize("name", _params(_error_cases()))
def test_program_with_snapshots_on_error(name, tmp_path):
    """Recording frames for a snapshot changes nothing a program can see: same output, same
    status, same error report (plus a snapshot line when it ends with an uncaught error)."""
    snaps = tmp_path / "snaps"
    stderr = _run_case(name, tmp_path, {"TURMERIC_SNAPSHOT_ON_ERROR": str(snaps)})
    written = sorted(p.name for p in snaps.glob("*.snap")) if snaps.exists() else []
    if "uncaught error" in stderr:
        assert ("snapshot: " in stderr and len(written) == 1) or ("no snapshot: " in stderr and not written), stderr
    else:
        assert written == [], written


def _run_case(name, tmp_path, extra_env):
    work = tmp_path / "programs"
    shutil.copytree(PROGRAMS, work)
    src = work / f"{name}.tm"
    out_file = PROGRAMS / f"{name}.out"
    err_file = PROGRAMS / f"{name}.err"
    status_file = PROGRAMS / f"{name}.status"

    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.pop("TURMERIC_PATH", None)
    env.pop("TURMERIC_SNAPSHOT_ON_ERROR", None)
    env.update(extra_env)

    try:
        proc = subprocess.run(
            # relative to the current folder, the way a user runs a program
            [sys.executable, "-m", "turmeric", "run", src.name],
            cwd=work,
            env=env,
            capture_output=True,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}.tm timed out after {TIMEOUT} s")

    stdout = proc.stdout.decode("utf-8", errors="replace")
    stderr = proc.stderr.decode("utf-8", errors="replace")
    context = f"\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"

    assert "Traceback" not in stderr, f"Python traceback on stderr{context}"

    if out_file.exists():
        expected = _read(out_file)
        assert stdout == expected, f"stdout differs from {name}.out{context}"

    if err_file.exists():
        want_status = int(_read(status_file).strip()) if status_file.exists() else 1
        assert proc.returncode == want_status, f"exit status {proc.returncode}, expected {want_status}{context}"
        for line in _read(err_file).splitlines():
            if line.strip():
                assert line in stderr, f"stderr lacks {line!r}{context}"
    else:
        assert proc.returncode == 0, f"exit status {proc.returncode}, expected 0{context}"
    return stderr
