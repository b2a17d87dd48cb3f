"""The decoder fuzzer (benchmarks/fuzz.py), a short run: a few thousand mutated blobs over two
processes, and not one Python exception, hang or decode over the memory budget. The full run
(`python -m benchmarks.fuzz`, 1,000,000 inputs) is in docs/format.md."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_short_fuzz_run_has_no_bad_outcomes(tmp_path):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("TURMERIC_PATH", None)
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.fuzz",
            "--inputs",
            "4000",
            "--workers",
            "2",
            "--batch",
            "500",
            "--seed",
            "7",
            "--save",
            str(tmp_path / "bad"),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "4,000 inputs in" in out
    for bad in ("python", "hang", "over-budget", "resume-python"):
        line = next(ln for ln in out.splitlines() if ln.split() and ln.split()[0] == bad)
        assert line.split()[-1] == "0", out
    assert "corrupt-data" in out and "decoded" in out  # both kinds of outcome were reached
