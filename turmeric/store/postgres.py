"""The PostgreSQL backend (psycopg 3, the `postgres` extra): several processes and
machines share the tables.

Each transaction is one psycopg transaction at READ COMMITTED; rows a decision
depends on are read `FOR UPDATE`. A dropped connection (server restart, network)
is reopened and the transaction retried by `Store.run`; lock conflicts and
serialization failures are retried too.
"""

from __future__ import annotations

import re

from .base import Store, StoreError


def _psycopg():
    try:
        import psycopg
    except ImportError:
        raise StoreError("PostgreSQL needs psycopg 3: pip install 'psycopg[binary]' (or the turmeric[postgres] extra)") from None
    return psycopg


class PostgresStore(Store):
    backend = "postgres"
    dialect = {
        "blob": "BYTEA",
        "real": "DOUBLE PRECISION",
        "serial": "BIGSERIAL PRIMARY KEY",
        "norowid": "",
        "for_update": " FOR UPDATE",
    }

    def __init__(self, url, timeout=None):
        self.pg = _psycopg()
        super().__init__(url, timeout)

    def describe(self):
        return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", self.url)

    def _connect(self):
        return self.pg.connect(self.url, autocommit=False, connect_timeout=5)

    def _begin(self, conn, write):
        return conn.cursor()

    def _conv(self, sql):
        return sql.replace("?", "%s")

    def _lock_for_migration(self, tx):
        tx.execute("SELECT pg_advisory_xact_lock(7262651)")

    def _classify(self, exc):
        e = self.pg.errors
        if isinstance(exc, (e.LockNotAvailable, e.SerializationFailure, e.DeadlockDetected)):
            return "locked"
        if isinstance(exc, e.DiskFull):
            return "full"
        if isinstance(exc, (self.pg.OperationalError, self.pg.InterfaceError)):
            return "unreachable"
        return None

    def size_bytes(self):
        row = self.run(
            lambda tx: tx.one(
                "SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND c.relname LIKE 'tm\\_%%' "
                "AND n.nspname = current_schema()"
            ),
            write=False,
        )
        return int(row[0])
