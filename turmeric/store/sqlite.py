"""The SQLite backend: the embedded default (`turmeric.db` in the current folder).

WAL journal with `synchronous=FULL`: a committed transaction is on disk (the WAL is
fsynced at each commit) and a crash at any moment leaves either the old or the new
state. Writers take the write lock at `BEGIN IMMEDIATE`; a locked database is
retried by `Store.run` with backoff.
"""

from __future__ import annotations

import os
import sqlite3

from .base import Store


class SQLiteStore(Store):
    backend = "sqlite"
    dialect = {
        "blob": "BLOB",
        "real": "REAL",
        "serial": "INTEGER PRIMARY KEY AUTOINCREMENT",
        "norowid": " WITHOUT ROWID",
        "skip_locked": "",
        "for_update": "",
    }

    def __init__(self, url, timeout=None, path=None):
        self.path = path if path is not None else sqlite_path(url)
        super().__init__(url, timeout)

    def clone(self):
        return SQLiteStore(self.url, self.timeout, self.path)

    def describe(self):
        return self.path

    def _connect(self):
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=0.2, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
        except Exception:
            conn.close()
            raise
        return conn

    def _begin(self, conn, write):
        cur = conn.cursor()
        cur.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        return cur

    def _is_conflict(self, exc):
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc)

    def _classify(self, exc):
        if isinstance(exc, sqlite3.OperationalError):
            msg = str(exc).lower()
            if "locked" in msg or "busy" in msg:
                return "locked"
            if "full" in msg:
                return "full"
        if isinstance(exc, sqlite3.DatabaseError) and "full" in str(exc).lower():
            return "full"
        return None

    def size_bytes(self):
        tot = 0
        for suf in ("", "-wal", "-shm", "-journal"):
            p = self.path + suf
            if os.path.exists(p):
                tot += os.path.getsize(p)
        return tot


def sqlite_path(url):
    """As SQLAlchemy spells it: `sqlite:///rel/path`, `sqlite:////abs/path`; or a plain file path."""
    for pre in ("sqlite:///", "sqlite:"):
        if url.startswith(pre):
            return url[len(pre) :]
    return url
