"""Crash tests: real SIGKILLs at random moments (inside steps and inside commits) on
both backends, and PostgreSQL restarts under load, through benchmarks/chaos.py (the
same harness that runs 1,000 kills). Nothing may be lost, no committed step may run
twice, no checkpoint may be corrupt."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from _durable import REPO

CHAOS = REPO / "benchmarks" / "chaos.py"


def chaos(*args, extra_env=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra_env or {})
    r = subprocess.run([sys.executable, str(CHAOS), "--json", *args], capture_output=True, text=True, env=env, timeout=900)
    assert r.stdout.strip(), r.stderr
    return r.returncode, json.loads(r.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_random_sigkills_lose_nothing(backend, request):
    extra = {}
    if backend == "postgres":
        url = request.getfixturevalue("pg_database")
        extra["TURMERIC_TEST_PG"] = url
    rc, res = chaos("--kills", "25", "--db", backend, "--workflows", "4", "--steps", "30", extra_env=extra)
    c = res[backend]
    assert c["kills"] >= 25
    assert c["lost_workflows"] == 0 and c["committed_steps_run_twice"] == 0 and c["corrupt_checkpoints"] == 0, c
    assert c["committed_steps"] == c["workflows"] * 30, c
    assert c["final_exit"] == 0 and rc == 0, c


def test_postgres_restarts_under_load_lose_nothing(pg_binaries):
    rc, res = chaos("--pg-restarts", "2", "--pg-every", "0.5", "--workflows", "6", "--steps", "200")
    c = res["postgres-restarts"]
    assert c["pg_restarts"] == 2, c
    assert c["lost_workflows"] == 0 and c["committed_steps_run_twice"] == 0 and c["corrupt_checkpoints"] == 0, c
    assert c["runner_exit"] == 0 and rc == 0, c
