"""The cluster's runnable examples, end to end on a real PostgreSQL, as docs/cluster.md
shows them: examples/cluster/run.sh (a job touring three nodes; the seed guide's
half-finished job serialized on node-a, sent with send-to-node, received on node-b
with receive-bytes and resumed there with the program's real functions) and
run_agent.sh (a signed agent touring three nodes). Each script starts three
`turmeric worker --name` processes and a client; it is run from another folder, in
its own process group, killed as a whole in a finally."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "cluster"


def run_script(name, db, cwd):
    env = dict(os.environ, TURMERIC_DB=db, TURMERIC_SECRET="example-test-secret")
    env["PYTHONPATH"] = str(EXAMPLES.parent.parent) + os.pathsep + env.get("PYTHONPATH", "")
    p = subprocess.Popen(
        ["bash", os.path.relpath(EXAMPLES / name, cwd)],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = p.communicate(timeout=180)
    finally:
        try:
            os.killpg(p.pid, signal.SIGKILL)  # whatever the script left behind
        except ProcessLookupError:
            pass
        p.wait()
    assert p.returncode == 0 and "Traceback" not in err, err
    return out


@pytest.fixture
def db(pg_database):
    from tests.conftest import _truncate_pg

    _truncate_pg(pg_database)
    return pg_database


def test_tour_and_seed_guide_example(db, tmp_path):
    out = run_script("run.sh", db, tmp_path)
    assert out == "tour: [node-a node-b node-c node-a] :succeeded\nseed guide: done 21 on node-b\n"


def test_agent_example(db, tmp_path):
    out = run_script("run_agent.sh", db, tmp_path)
    lines = out.splitlines()
    assert lines[0] == "agent came home with: [[node-a 3] [node-b 2] [node-c 1]]"
    assert lines[1].startswith("agent ") and lines[1].endswith(": agent.main/fn#2 calls write-file, which node node-c forbids")
    assert len(lines) == 2


def test_the_guide_shows_tour_tm_as_it_is():
    """docs/cluster.md says its tour.tm "runs as written": the block it shows must be the
    file run.sh runs, every definition included (a copy missing one is an unbound global)."""
    doc = (EXAMPLES.parent.parent / "docs" / "cluster.md").read_text()
    head = "`examples/cluster/tour.tm`:\n\n```clojure\n"
    assert head in doc
    block = doc.split(head, 1)[1].split("```", 1)[0]
    assert block == (EXAMPLES / "tour.tm").read_text()
