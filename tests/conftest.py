"""Shared fixtures: the store backends (SQLite in a temp folder, PostgreSQL from
$TURMERIC_TEST_PG, which .ci/run sets up). Under CI=true a missing PostgreSQL is a
failure, never a skip."""

from __future__ import annotations

import os
import uuid

import pytest


def _pg_admin_url():
    return os.environ.get("TURMERIC_TEST_PG")


def _require_pg():
    url = _pg_admin_url()
    if url:
        try:
            import psycopg

            psycopg.connect(url, connect_timeout=5).close()
            return url
        except Exception as e:  # noqa: BLE001
            why = f"PostgreSQL at $TURMERIC_TEST_PG is unreachable: {e}"
    else:
        why = "PostgreSQL tests need $TURMERIC_TEST_PG (.ci/run sets it up)"
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def pg_binaries():
    """Debian's PostgreSQL server binaries, for tests that run (and restart) a private
    server of their own; under CI=true their absence is a failure, never a skip."""
    from pathlib import Path

    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    if found:
        return found[-1].parent
    why = "these tests restart a private PostgreSQL server: apt-get install postgresql (.ci/run installs it)"
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="session")
def pg_database():
    """A fresh PostgreSQL database for this test session; yields its URL, dropped at the end."""
    admin = _require_pg()
    import psycopg

    name = f"tm_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    base = admin.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _truncate_pg(url):
    import psycopg

    with psycopg.connect(url, autocommit=True) as c:
        rows = c.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'tm\\_%' AND tablename <> 'tm_meta'"
        ).fetchall()
        if rows:
            c.execute("TRUNCATE " + ", ".join(r[0] for r in rows))


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    """A database URL on each backend, empty at the start of the test."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "turmeric.db")
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


def pytest_terminal_summary(terminalreporter):
    """Say where the browser tests left their screenshots (tests/test_web_browser.py, tests/test_ui_browser.py)."""
    from pathlib import Path

    root = Path(os.environ.get("TURMERIC_ARTIFACTS", Path(__file__).resolve().parent.parent / "test-artifacts"))
    for sub in ("web-browser", "ui"):
        shots = root / sub
        if shots.is_dir():
            n = len(list(shots.glob("*.png")))
            if n:
                terminalreporter.write_line(f"browser screenshots: {n} pages in {shots}")
