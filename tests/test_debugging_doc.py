"""The worked example of docs/debugging.md runs as written.

The test reads the section "Worked example" of the doc, and runs every `$ ` command
line of its code blocks in order, in bash, in a temporary folder laid out like the
repository (`examples/` copied there, so the doc's relative paths work), with
`turmeric` on PATH as `python -m turmeric` of this checkout. Each command's output
(stdout and stderr) must be what the doc shows under it, line for line, after
replacing what differs from run to run (snapshot file names, times, absolute
folders); a line `...` in the doc stands for any number of lines. `turmeric ui`, a
server, is not run here (tests/test_ui_browser.py drives it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs" / "debugging.md"


def section(text, title):
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def commands(sec):
    """[(command, [expected output lines])] from the code blocks of `sec`."""
    out = []
    for block in re.findall(r"```\n(.*?)```", sec, re.S):
        for line in block.splitlines():
            if line.startswith("$ "):
                out.append((line[2:], []))
            elif out:
                out[-1][1].append(line)
    return out


def normal(line, folders):
    for f in folders:
        line = line.replace(f + "/", "")
    line = re.sub(r"/[^\s:()]*/(?=[\w-]+\.(tm|snap|db)\b)", "", line)  # an absolute folder before a file name
    line = re.sub(r"\d{8}T\d{6}-[0-9a-f]{6}", "TIME", line)  # snapshot names
    line = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00", "TIME", line)
    line = re.sub(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", "TIME", line)
    return re.sub(r"\{([^{}\[\]()]*)\}", _sorted_map, line).rstrip()


def _sorted_map(m):
    """A flat map's text with its entries in a fixed order (a map's order is its hashes')."""
    items = re.findall(r'"[^"]*"|[^\s"]+', m.group(1))
    if len(items) % 2:
        return m.group(0)
    pairs = sorted(zip(items[::2], items[1::2], strict=True))
    return "{" + " ".join(f"{k} {v}" for k, v in pairs) + "}"


def matches(expected, actual):
    """Does `actual` (lines) read as `expected`, where a line "..." stands for any lines?"""
    i = 0
    pending_gap = False
    for e in expected:
        if e.strip() == "...":
            pending_gap = True
            continue
        if pending_gap:
            while i < len(actual) and actual[i] != e:
                i += 1
        if i >= len(actual) or actual[i] != e:
            return False
        i += 1
        pending_gap = False
    return pending_gap or i == len(actual)


def test_the_worked_example_runs_as_written(tmp_path):
    cmds = commands(section(DOC.read_text(encoding="utf-8"), "Worked example"))
    assert len(cmds) >= 8, cmds  # the doc still has its worked example
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "turmeric").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m turmeric "$@"\n')
    (bin_dir / "turmeric").chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TURMERIC_")}
    env["PYTHONPATH"] = str(REPO)
    env["PATH"] = f"{bin_dir}{os.pathsep}{env['PATH']}"
    env["COLUMNS"] = "160"
    cwd = tmp_path
    ran = 0
    for cmd, expected in cmds:
        if cmd.startswith("turmeric ui"):
            continue
        script = f"{cmd}\nstatus=$?\npwd > {tmp_path / '.cwd'}\nexit $status\n"
        r = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
        cwd = Path((tmp_path / ".cwd").read_text().strip())
        folders = [str(cwd), str(tmp_path)]
        actual = [normal(x, folders) for x in (r.stdout + r.stderr).splitlines()]
        want = [normal(x, folders) for x in expected]
        assert "Traceback" not in r.stderr, r.stderr
        assert matches(want, actual), f"$ {cmd}\n--- the doc shows:\n" + "\n".join(want) + "\n--- it printed:\n" + "\n".join(actual)
        ran += 1
    assert ran >= 8
