"""Helpers for the security tests: run a decode in a fresh process, run the CLI, build tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import handblob as H

REPO = Path(__file__).resolve().parents[2]
ISOLATED = Path(__file__).resolve().parent / "isolated.py"
# A hang guard, not a performance assertion: every decode here takes milliseconds, and the
# inputs these tests hold took from 9 s to forever on the code that had the bugs.
HANG_SECONDS = 60


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    e.pop("TURMERIC_PATH", None)
    e.pop("TURMERIC_KEY", None)
    e["TURMERIC_CACHE"] = "off"  # test_modules sees a module load by its macro running
    return e


def isolated(tmp_path, blob, mode="deserialize", name="crafted.bin"):
    """Decode `blob` in a fresh process (see isolated.py); the JSON report as a dict."""
    p = tmp_path / name
    p.write_bytes(blob)
    r = subprocess.run(
        [sys.executable, str(ISOLATED), mode, name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        env=env(),
    )
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    out = json.loads(lines[-1])
    out["printed"] = lines[:-1]
    assert out["outcome"] != "python", out  # never a Python exception
    assert out["peak"] <= out["budget"], out  # never more memory than the budget for its size
    return out


def turmeric(*args, cwd, extra_env=None):
    e = env()
    e.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "turmeric", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=HANG_SECONDS, env=e
    )


def file_handle_blob(path, mode, abs_path=None, position=0):
    """A hand-written FileHandle token: T_RESOURCE, TYPE turmeric.FileHandle, the token map."""
    b = H.Blob()
    t = b.type("turmeric", "FileHandle")
    keys = [b.string(k) for k in ("path", "abs-path", "mode", "position", "closed")]
    vals = [H.strref(b.string(path)), H.strref(b.string(abs_path or path)), H.strref(b.string(mode)), H.uint(position), bytes([H.FALSE])]
    b.body += bytes([H.RESOURCE]) + H.varint(t) + H.map_(5, H.tagged(*[H.keyword(k) for k in keys]), H.tagged(*vals))
    return b.blob()


def loader():
    """turmeric.loader (or, to check that a test fails on the code before the loader package
    existed, the module that had its job)."""
    import turmeric

    if os.path.isdir(os.path.join(turmeric.__path__[0], "loader")):
        import turmeric.loader as m
    else:
        import turmeric.runtime.modules as m
    return m


def values():
    import turmeric

    if os.path.isdir(os.path.join(turmeric.__path__[0], "core")):
        import turmeric.core.values as m
    else:
        import turmeric.runtime.values as m
    return m
