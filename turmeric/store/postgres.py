"""The PostgreSQL backend (psycopg 3, the `postgres` extra): several processes and
machines share the tables.

Each write transaction is an explicit BEGIN ... COMMIT at READ COMMITTED on an
autocommit connection; rows a decision depends on are read `FOR UPDATE`. A read
(`run(fn, write=False)`) sends its statements alone, each its own transaction,
sparing the BEGIN and COMMIT round trips. `run_batch` (a step's commit) sends
BEGIN, its statements and COMMIT as one psycopg pipeline: one round trip to the
server, the statements prepared server-side once they repeat. A dropped
connection (server restart, network) is reopened and the transaction retried by
`Store.run`; lock conflicts and serialization failures are retried too.
"""

from __future__ import annotations

import re

from .base import Conflict, Store, StoreError


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
        "skip_locked": " FOR UPDATE SKIP LOCKED",
        "for_update": " FOR UPDATE",
    }

    def __init__(self, url, timeout=None):
        self.pg = _psycopg()
        super().__init__(url, timeout)

    def describe(self):
        return re.sub(r"//([^:@/]*):[^@/]*@", r"//\1:***@", self.url)

    def _connect(self):
        return self.pg.connect(self.url, autocommit=True, connect_timeout=5)

    def _begin(self, conn, write):
        cur = conn.cursor()
        if write:
            cur.execute("BEGIN")
        return cur

    def _end(self, conn, write):
        if write:
            conn.execute("COMMIT")

    def _rollback(self):
        conn = self.conn
        if conn is None:
            return
        try:
            if conn.info.transaction_status != self.pg.pq.TransactionStatus.IDLE:
                conn.execute("ROLLBACK")
        except Exception:
            self.close()

    def _batch(self, stmts):
        if self.conn is None:
            self.conn = self._connect()
        conn = self.conn
        curs = []
        try:
            with conn.pipeline():
                conn.execute("BEGIN")
                for sql, params in stmts:
                    curs.append(conn.execute(self._conv(sql), params))
                conn.execute("COMMIT")
        except BaseException as e:
            self._rollback()
            if isinstance(e, self.pg.errors.UniqueViolation):
                raise Conflict(str(e).splitlines()[0]) from None
            raise
        return [(c.rowcount, c.fetchall() if c.description else None) for c in curs]

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
