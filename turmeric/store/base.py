"""The store interface: every operation, written once in SQL both backends accept.

A backend (sqlite.py, postgres.py) supplies the connection, the dialect (column
types, placeholder style), how to start a write transaction, and which driver
errors mean "locked" or "unreachable" (retried with backoff). Everything here runs
inside `Store.run(fn)`: one transaction, retried as a whole, so each `fn` must be
safe to run again (the operations below are written that way: conditional
inserts, idempotent updates).
"""

from __future__ import annotations

import json
import os
import time

from . import schema

try:  # as turmeric.core.digest does (without OpenSSL), but the store imports nothing of the language
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

TERMINAL = ("succeeded", "failed", "cancelled")
STATUSES = ("pending", "running", "sleeping", "waiting", "succeeded", "failed", "cancelled", "blocked")


class StoreError(Exception):
    """A store failure the user must act on; the message says what to do."""


class StoreUnavailable(StoreError):
    """The database stayed locked or unreachable for the whole retry window."""


class StoreFull(StoreError):
    """The database or its disk is full: the transaction was rolled back, nothing was written."""


class Conflict(StoreError):
    """`run_batch`: a statement hit a unique key; the whole batch was rolled back."""


def chunk_hash(data: bytes) -> bytes:
    """The content address of a chunk: BLAKE2b with a 16-byte digest."""
    return blake2b(data, digest_size=16).digest()


def now() -> float:
    return time.time()


def wait_json(wait, wake_at, t):
    """The `tm_steps.wait` text of a waiting checkpoint: [wait_kind, wait_a, wait_b, timeout
    seconds from `t`, or null]."""
    return json.dumps([wait[0], wait[1], wait[2], None if wake_at is None else max(0.0, wake_at - t)])


class Tx:
    """One open transaction: `execute`, `one`, `all` take SQL with `?` placeholders."""

    __slots__ = ("cur", "conv")

    def __init__(self, cur, conv):
        self.cur = cur
        self.conv = conv

    def execute(self, sql, params=()):
        self.cur.execute(self.conv(sql), params)
        return self.cur

    def one(self, sql, params=()):
        self.cur.execute(self.conv(sql), params)
        return self.cur.fetchone()

    def all(self, sql, params=()):
        self.cur.execute(self.conv(sql), params)
        return self.cur.fetchall()

    @property
    def rowcount(self):
        return self.cur.rowcount


WF_COLS = (
    "id, name, module, status, input, output, error, parent, created, updated, wake_at, "
    "wait_kind, wait_a, wait_b, owner, lease_until, recoveries, blocked_code"
)
WF_NAMES = [c.strip() for c in WF_COLS.split(",")]


class Store:
    """Base class of the two backends. Not thread-safe: one Store per thread (see `clone`)."""

    backend = "?"
    dialect: dict = {}

    def __init__(self, url, timeout=None):
        self.url = url
        env = os.environ.get("TURMERIC_DB_TIMEOUT")
        self.timeout = float(timeout if timeout is not None else (env or 10.0))
        self.conn = None
        self._open_with_retry()
        if self._version_now() != schema.LATEST:  # one read when the schema is current (every open but the first)
            self.run(self._migrate, write=True)

    # --- backend hooks ------------------------------------------------------------------
    def _connect(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _begin(self, conn, write):  # pragma: no cover - abstract
        raise NotImplementedError

    def _classify(self, exc):
        """'locked', 'unreachable', 'full' or None (not a store condition we handle)."""
        return None

    def _conv(self, sql):
        return sql

    def _lock_for_migration(self, tx):
        pass

    def describe(self):
        """Where the data lives, for messages (a path or host:port/db without password)."""
        return self.url

    # --- connections and retries ------------------------------------------------------
    def clone(self):
        """A second Store on the same database, for another thread (the heartbeat)."""
        return type(self)(self.url, self.timeout)

    def close(self):
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:
                pass
            self.conn = None

    def _open_with_retry(self):
        deadline = time.monotonic() + self.timeout
        delay = 0.05
        while True:
            try:
                self.conn = self._connect()
                return
            except Exception as e:
                kind = self._classify(e)
                if kind not in ("locked", "unreachable") or time.monotonic() > deadline:
                    raise self._give_up(e, kind) from None
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    def _give_up(self, e, kind):
        what = self.describe()
        if kind == "locked":
            return StoreUnavailable(
                f"the database {what} stayed locked by another process for {self.timeout:g} s ({e}); "
                "stop the other process or raise TURMERIC_DB_TIMEOUT"
            )
        if kind == "unreachable":
            return StoreUnavailable(
                f"can't reach the database {what} (tried for {self.timeout:g} s: {' '.join(str(e).split())}); "
                "check that the server is running and the --db URL / TURMERIC_DB"
            )
        if kind == "full":
            return StoreFull(f"the database {what} or its disk is full ({e}); nothing was written: free space and run again")
        return StoreError(f"database error on {what}: {e}")

    def run(self, fn, write=True):
        """Run `fn(tx)` in one transaction and commit; retry the whole of it while the
        database is locked or unreachable (exponential backoff with jitter, up to
        `timeout` seconds), then raise StoreUnavailable. A full database raises
        StoreFull after rolling back. With `write=False` on PostgreSQL each statement
        runs on its own (autocommit: no BEGIN/COMMIT round trips), so a read of several
        statements sees a snapshot per statement; use write=True for one snapshot."""
        return self._retry(lambda: self._transact(fn, write))

    def run_batch(self, stmts):
        """Run the statements [(sql, params)] in one write transaction, in order, and
        commit: one round trip on PostgreSQL (a pipeline). Returns [(rowcount, rows or
        None)] per statement. A unique-key violation rolls everything back and raises
        `Conflict`. Each statement must be written so that the whole batch can run again
        (it is retried like `run`)."""
        return self._retry(lambda: self._batch(stmts))

    def _transact(self, fn, write):
        if self.conn is None:
            self.conn = self._connect()
        cur = self._begin(self.conn, write)
        try:
            out = fn(Tx(cur, self._conv))
            self._end(self.conn, write)
            return out
        except BaseException:
            self._rollback()
            raise

    def _end(self, conn, write):
        conn.commit()

    def _batch(self, stmts):
        def fn(tx):
            out = []
            for sql, params in stmts:
                cur = tx.execute(sql, params)
                out.append((cur.rowcount, cur.fetchall() if cur.description else None))
            return out

        try:
            return self._transact(fn, True)
        except Exception as e:
            if self._is_conflict(e):
                raise Conflict(str(e)) from None
            raise

    def _is_conflict(self, exc):
        return False

    def _retry(self, attempt):
        deadline = time.monotonic() + self.timeout
        delay = 0.02
        while True:
            try:
                return attempt()
            except StoreError:
                raise
            except Exception as e:
                kind = self._classify(e)
                if kind == "unreachable":
                    self.close()
                if kind not in ("locked", "unreachable") or time.monotonic() > deadline:
                    raise self._give_up(e, kind) from None
                time.sleep(delay * (0.5 + _jitter()))
                delay = min(delay * 2, 1.0)

    def _rollback(self):
        try:
            if self.conn is not None:
                self.conn.rollback()
        except Exception:
            self.close()

    def _version_now(self):
        """The schema version of the database, or None when it has no tm_meta yet (or can't say)."""
        try:
            row = self.run(lambda tx: tx.one("SELECT value FROM tm_meta WHERE key = 'schema_version'"), write=False)
        except StoreError:
            return None
        return int(row[0]) if row else None

    def _migrate(self, tx):
        self._lock_for_migration(tx)
        tx.execute("CREATE TABLE IF NOT EXISTS tm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = tx.one("SELECT value FROM tm_meta WHERE key = 'schema_version'")
        have = int(row[0]) if row else 0
        if have > schema.LATEST:
            raise StoreError(
                f"the database {self.describe()} has schema version {have}, newer than this Turmeric knows ({schema.LATEST}): upgrade Turmeric"
            )
        for v, stmts in schema.statements(have, self.dialect):
            for s in stmts:
                tx.execute(s)
            tx.execute(
                "INSERT INTO tm_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(v),),
            )

    def schema_version(self):
        return int(self.run(lambda tx: tx.one("SELECT value FROM tm_meta WHERE key = 'schema_version'"), write=False)[0])

    # --- key/value ------------------------------------------------------------------------
    def kv_put(self, ns, key, value: bytes, ttl=None, uses=None):
        """Store `value` under (ns, key), replacing any earlier one; expires after `ttl` seconds;
        `uses`: how many times `kv_take` may return it (None: no limit)."""
        exp = None if ttl is None else now() + ttl
        self.run(
            lambda tx: tx.execute(
                "INSERT INTO tm_kv (ns, key, value, expires, uses) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (ns, key) DO UPDATE SET value = excluded.value, expires = excluded.expires, uses = excluded.uses",
                (ns, key, value, exp, uses),
            )
        )

    def kv_add(self, ns, key, value: bytes, ttl=None, uses=None):
        """Store `value` under (ns, key) unless a live row is there; True if this call stored it."""
        exp = None if ttl is None else now() + ttl
        t = now()

        def q(tx):
            tx.execute("DELETE FROM tm_kv WHERE ns = ? AND key = ? AND expires IS NOT NULL AND expires <= ?", (ns, key, t))
            return tx.execute(
                "INSERT INTO tm_kv (ns, key, value, expires, uses) VALUES (?, ?, ?, ?, ?) ON CONFLICT (ns, key) DO NOTHING",
                (ns, key, value, exp, uses),
            ).rowcount

        return self.run(q) > 0

    def kv_take(self, ns, key):
        """The bytes under (ns, key), counting one use: None if absent, expired or used up.
        Concurrent takers of a row with one use left: exactly one gets it."""
        t = now()

        def q(tx):
            n = tx.execute(
                "UPDATE tm_kv SET uses = uses - 1 WHERE ns = ? AND key = ? AND uses IS NOT NULL AND uses > 0 "
                "AND (expires IS NULL OR expires > ?)",
                (ns, key, t),
            ).rowcount
            row = tx.one("SELECT value, expires, uses FROM tm_kv WHERE ns = ? AND key = ?", (ns, key))
            if row is None or (row[1] is not None and row[1] <= t):
                return None
            if row[2] is not None and n == 0:
                return None  # it had no use left
            return bytes(row[0])

        return self.run(q)

    def kv_get(self, ns, key):
        """The bytes under (ns, key), or None if absent or expired."""
        row = self.run(lambda tx: tx.one("SELECT value, expires FROM tm_kv WHERE ns = ? AND key = ?", (ns, key)), write=False)
        if row is None or (row[1] is not None and row[1] <= now()):
            return None
        return bytes(row[0])

    def kv_delete(self, ns, key):
        """Remove (ns, key); True if it was there."""
        return self.run(lambda tx: tx.execute("DELETE FROM tm_kv WHERE ns = ? AND key = ?", (ns, key)).rowcount) > 0

    def kv_gc(self, ns=None):
        """Delete expired and used-up rows (of one namespace, or all); returns how many."""
        t = now()
        dead = "((expires IS NOT NULL AND expires <= ?) OR (uses IS NOT NULL AND uses <= 0))"
        if ns is None:
            return self.run(lambda tx: tx.execute(f"DELETE FROM tm_kv WHERE {dead}", (t,)).rowcount)
        return self.run(lambda tx: tx.execute(f"DELETE FROM tm_kv WHERE ns = ? AND {dead}", (ns, t)).rowcount)

    # --- content-addressed chunks -----------------------------------------------------------
    @staticmethod
    def put_chunks_tx(tx, owner, chunks):
        """Inside a transaction: store {hash: data} (known ones are skipped) and reference them from `owner`."""
        t = now()
        for h, data in chunks.items():
            tx.execute("INSERT INTO tm_chunks (hash, data, created) VALUES (?, ?, ?) ON CONFLICT (hash) DO NOTHING", (h, data, t))
            tx.execute("INSERT INTO tm_chunk_refs (owner, hash) VALUES (?, ?) ON CONFLICT (owner, hash) DO NOTHING", (owner, h))

    def chunk_put(self, data: bytes, owner: str) -> bytes:
        """Store `data` once, whoever stores it again; `owner` keeps it alive. Returns its hash."""
        h = chunk_hash(data)
        self.run(lambda tx: self.put_chunks_tx(tx, owner, {h: data}))
        return h

    def chunk_get(self, h: bytes):
        """The data of chunk `h`, checked against its hash; None if absent. Raises StoreError if altered."""
        got = self.chunks_get([h])
        return got.get(h)

    def chunks_get(self, hashes):
        """{hash: data} for the hashes present; each is checked against its content."""
        hs = list(dict.fromkeys(hashes))
        if not hs:
            return {}

        def q(tx):
            out = {}
            for i in range(0, len(hs), 200):
                part = hs[i : i + 200]
                marks = ",".join("?" * len(part))
                for h, d in tx.all(f"SELECT hash, data FROM tm_chunks WHERE hash IN ({marks})", part):
                    out[bytes(h)] = bytes(d)
            return out

        out = self.run(q, write=False)
        for h, d in out.items():
            if chunk_hash(d) != h:
                raise StoreError(f"chunk {h.hex()} in {self.describe()} does not match its hash: the row was altered")
        return out

    def chunk_release(self, owner):
        """Drop every reference `owner` holds (the chunks stay until `chunk_gc`)."""
        return self.run(lambda tx: tx.execute("DELETE FROM tm_chunk_refs WHERE owner = ?", (owner,)).rowcount)

    def chunk_gc(self):
        """Delete chunks nobody references; returns how many."""
        return self.run(
            lambda tx: (
                tx.execute("DELETE FROM tm_chunks WHERE NOT EXISTS (SELECT 1 FROM tm_chunk_refs r WHERE r.hash = tm_chunks.hash)").rowcount
            )
        )

    # --- the code store (tm_code over tm_chunks) -------------------------------------------------
    def code_put(self, owner, records):
        """Keep code records for `owner` in one transaction: `records` is a list of
        (hash, data, module, [(symbol, fingerprint), ...]); the data is a chunk referenced by
        `owner`, and each (symbol, fingerprint) is indexed to its hash."""

        self.run(lambda tx: self.code_put_tx(tx, owner, records))

    def code_put_tx(self, tx, owner, records):
        """`code_put` inside a transaction (a checkpoint keeps its code in its own commit)."""
        t = now()
        self.put_chunks_tx(tx, owner, {h: d for h, d, _, _ in records})
        for h, _, module, fns in records:
            for sym, fp in fns:
                tx.execute(
                    "INSERT INTO tm_code (symbol, fingerprint, hash, module, created) VALUES (?, ?, ?, ?, ?) "
                    "ON CONFLICT (symbol, fingerprint) DO UPDATE SET hash = excluded.hash",
                    (sym, fp, h, module, t),
                )

    def code_find(self, symbol, fingerprint):
        """(hash, data) of the code record defining (symbol, fingerprint), or None. The data is
        returned as stored, NOT checked: the reader checks it against its hash before using
        it (`serialization.trust.open_addressed`, in `loader.codes.parse_record`)."""

        def q(tx):
            return tx.one(
                "SELECT c.hash, k.data FROM tm_code c JOIN tm_chunks k ON k.hash = c.hash WHERE c.symbol = ? AND c.fingerprint = ?",
                (symbol, fingerprint),
            )

        row = self.run(q, write=False)
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def code_release_stmts(self, owner, cond="", cond_params=()):
        """[(sql, params)] by which `owner` lets go of its code: the records (and their tm_code
        rows) only `owner` refers to are deleted, then its references. `cond` (`AND ...`,
        with `cond_params`) makes every statement conditional (commit: on the lease).

        The first statement locks the records `owner` refers to (in hash order, on
        PostgreSQL): two owners of one record letting go at once would otherwise each see
        the other's reference, delete neither record, and leave it to `gc`. With the lock
        the second waits for the first to commit, then sees it gone and deletes the record."""
        mine = "hash IN (SELECT hash FROM tm_chunk_refs WHERE owner = ?)"
        alone = "NOT EXISTS (SELECT 1 FROM tm_chunk_refs r WHERE r.hash = {t}.hash AND r.owner <> ?)"
        p = tuple(cond_params)
        return [
            (f"SELECT hash FROM tm_chunks WHERE {mine} {cond} ORDER BY hash{self.dialect['for_update']}", (owner, *p)),
            (f"DELETE FROM tm_code WHERE {mine} AND {alone.format(t='tm_code')} {cond}", (owner, owner, *p)),
            (f"DELETE FROM tm_chunks WHERE {mine} AND {alone.format(t='tm_chunks')} {cond}", (owner, owner, *p)),
            (f"DELETE FROM tm_chunk_refs WHERE owner = ? {cond}", (owner, *p)),
        ]

    def code_release_tx(self, tx, owner):
        """Inside a transaction: `owner` lets go of its code. Returns how many records went."""
        gone = 0
        for i, (sql, params) in enumerate(self.code_release_stmts(owner)):
            n = tx.execute(sql, params).rowcount
            if i == 2:
                gone = n
        return gone

    def code_release(self, owner):
        """`owner` lets go of the code it kept; records no one else refers to are deleted at once."""
        return self.run(lambda tx: self.code_release_tx(tx, owner))

    def code_owners(self, prefix):
        """The owners whose name starts with `prefix` that keep code or chunks (web tokens keep
        their code under owners named with their expiry: `turmeric.web.codekeep`)."""
        rows = self.run(
            lambda tx: tx.all(
                "SELECT DISTINCT owner FROM tm_chunk_refs WHERE substr(owner, 1, CAST(? AS INTEGER)) = ?", (len(prefix), prefix)
            ),
            write=False,
        )
        return sorted(r[0] for r in rows)

    def code_list(self):
        """[(symbol, fingerprint, hash, module, owners)] of every version in the code store."""
        return [
            (r[0], r[1], bytes(r[2]), r[3], int(r[4]))
            for r in self.run(
                lambda tx: tx.all(
                    "SELECT c.symbol, c.fingerprint, c.hash, c.module, "
                    "(SELECT COUNT(*) FROM tm_chunk_refs r WHERE r.hash = c.hash) FROM tm_code c ORDER BY c.symbol, c.created"
                ),
                write=False,
            )
        ]

    def code_gc(self):
        """Collect the versions no owner refers to any more (and any unreferenced chunk);
        returns how many tm_code rows (function versions) went."""

        def q(tx):
            tx.execute("DELETE FROM tm_chunks WHERE NOT EXISTS (SELECT 1 FROM tm_chunk_refs r WHERE r.hash = tm_chunks.hash)")
            return tx.execute("DELETE FROM tm_code WHERE NOT EXISTS (SELECT 1 FROM tm_chunks k WHERE k.hash = tm_code.hash)").rowcount

        return self.run(q)

    # --- workflows ---------------------------------------------------------------------------
    @staticmethod
    def _wf(row):
        if row is None:
            return None
        d = dict(zip(WF_NAMES, row, strict=True))
        for k in ("input", "output"):
            if d[k] is not None:
                d[k] = bytes(d[k])
        return d

    def create_workflow(self, wf_id, name, module, input_blob, parent=None, owner=None, lease=30.0):
        """Insert a pending workflow; False (and nothing changes) if the id exists.
        With `owner`, the new row is already claimed by that worker."""
        return self.run_batch([self._create_sql(wf_id, name, module, input_blob, parent, owner, lease)])[0][0] == 1

    @staticmethod
    def _create_sql(wf_id, name, module, input_blob, parent=None, owner=None, lease=30.0):
        t = now()
        return (
            "INSERT INTO tm_workflows (id, name, module, status, input, parent, created, updated, owner, lease_until) "
            "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
            (wf_id, name, module, input_blob, parent, t, t, owner, (t + lease) if owner else None),
        )

    @classmethod
    def create_workflow_tx(cls, tx, wf_id, name, module, input_blob, parent=None, owner=None, lease=30.0):
        return tx.execute(*cls._create_sql(wf_id, name, module, input_blob, parent, owner, lease)).rowcount == 1

    def get_workflow(self, wf_id):
        return self._wf(self.run(lambda tx: tx.one(f"SELECT {WF_COLS} FROM tm_workflows WHERE id = ?", (wf_id,)), write=False))

    def list_workflows(self, status=None, limit=1000):
        def q(tx):
            if status:
                return tx.all(f"SELECT {WF_COLS} FROM tm_workflows WHERE status = ? ORDER BY created LIMIT ?", (status, limit))
            return tx.all(f"SELECT {WF_COLS} FROM tm_workflows ORDER BY created LIMIT ?", (limit,))

        return [self._wf(r) for r in self.run(q, write=False)]

    def status_of(self, wf_id):
        row = self.run(lambda tx: tx.one("SELECT status FROM tm_workflows WHERE id = ?", (wf_id,)), write=False)
        return row[0] if row else None

    def claim(self, worker, modules=None, lease=30.0, limit=16, code_id=None, only=None):
        """Take the lease of up to `limit` runnable workflows (of these modules, or of the ids in
        `only`): pending or running ones nobody holds, sleepers whose time has come, waiters whose
        message, event or child arrived or whose deadline passed, blocked ones last tried with other
        code. Returns the claimed rows."""
        t = now()
        cond = ["(owner IS NULL OR lease_until < ? OR owner = ?)"]
        params = [t, worker]
        if modules is not None:
            mods = sorted(modules)
            if not mods:
                return []
            cond.append(f"module IN ({','.join('?' * len(mods))})")
            params += mods
        if only is not None:
            ids = sorted(only)
            if not ids:
                return []
            cond.append(f"id IN ({','.join('?' * len(ids))})")
            params += ids
        runnable = (
            "(status IN ('pending', 'running')"
            " OR (status = 'sleeping' AND wake_at <= ?)"
            " OR (status = 'waiting' AND ((wake_at IS NOT NULL AND wake_at <= ?)"
            "   OR (wait_kind = 'msg' AND EXISTS (SELECT 1 FROM tm_messages m WHERE m.dest = tm_workflows.id AND m.topic = tm_workflows.wait_a))"
            "   OR (wait_kind = 'event' AND EXISTS (SELECT 1 FROM tm_events e WHERE e.workflow = tm_workflows.wait_a AND e.key = tm_workflows.wait_b))"
            "   OR (wait_kind = 'child' AND EXISTS (SELECT 1 FROM tm_workflows c WHERE c.id = tm_workflows.wait_a"
            "       AND c.status IN ('succeeded', 'failed', 'cancelled')))))"
            " OR (status = 'blocked' AND CAST(? AS TEXT) IS NOT NULL AND (blocked_code IS NULL OR blocked_code <> CAST(? AS TEXT))))"
        )
        params = [t, t, code_id, code_id] + params
        where = runnable + " AND " + " AND ".join(cond)

        # one statement (one round trip on PostgreSQL, where rows another worker is
        # claiming are skipped, not waited for); the lease condition is checked again on
        # each row as it is updated
        sql = (
            "UPDATE tm_workflows SET recoveries = recoveries + (CASE WHEN status = 'running' AND owner IS NOT NULL AND owner <> ? "
            "THEN 1 ELSE 0 END), owner = ?, lease_until = ? "
            f"WHERE id IN (SELECT id FROM tm_workflows WHERE {where} ORDER BY created LIMIT ?{self.dialect['skip_locked']}) "
            f"AND (owner IS NULL OR lease_until < ? OR owner = ?) RETURNING {WF_COLS}"
        )
        res = self.run_batch([(sql, [worker, worker, t + lease] + params + [limit, t, worker])])
        rows = [self._wf(r) for r in res[0][1]]
        rows.sort(key=lambda r: r["created"])
        return rows

    def heartbeat(self, worker, lease=30.0):
        """Extend every lease `worker` holds; returns how many."""
        t = now()
        return self.run(lambda tx: tx.execute("UPDATE tm_workflows SET lease_until = ? WHERE owner = ?", (t + lease, worker)).rowcount)

    def release(self, worker, wf_id=None):
        """Give up leases (all of `worker`'s, or one): another worker may take them at once."""
        if wf_id is None:
            return self.run(
                lambda tx: tx.execute("UPDATE tm_workflows SET owner = NULL, lease_until = NULL WHERE owner = ?", (worker,)).rowcount
            )
        return self.run(
            lambda tx: (
                tx.execute("UPDATE tm_workflows SET owner = NULL, lease_until = NULL WHERE owner = ? AND id = ?", (worker, wf_id)).rowcount
            )
        )

    def owners(self):
        """{owner: number of leases} of live-looking leases (for dead-owner detection)."""
        rows = self.run(lambda tx: tx.all("SELECT owner, COUNT(*) FROM tm_workflows WHERE owner IS NOT NULL GROUP BY owner"), write=False)
        return dict(rows)

    def clear_owner(self, owner):
        """Drop the leases of an owner known to be dead."""
        return self.run_batch([("UPDATE tm_workflows SET owner = NULL, lease_until = NULL WHERE owner = ?", (owner,))])[0][0]

    def commit(
        self,
        wf_id,
        worker,
        step=None,
        chunks=None,
        status=None,
        wake_at=None,
        wait=(None, None, None),
        release=False,
        consume=None,
        messages=(),
        events=(),
        children=(),
        output=None,
        error=None,
        lease=30.0,
        code=None,
        drop_code=None,
    ):
        """One durable transition of a workflow, all or nothing.

        Checks that `worker` still holds the lease and that the workflow was not cancelled
        (returns 'lost' or 'cancelled' and writes nothing), then: stores `chunks` ({hash:
        data}, referenced by the workflow); inserts `step` = (n, kind, line, at_ms, us, data)
        unless step n exists (the same data again is a retried commit: fine; other data
        means another worker committed step n: 'lost'); deletes the message `consume`;
        inserts `messages` [(dest, topic, value)], `events` [(key, value)] of this
        workflow and child workflows [(id, name, module, input)]; keeps `code` (code
        records, as `code_put` takes them, for the owner `wf:ID/code`); then, if
        `status` is given, sets it (with wake_at, the wait triple, output and error),
        releasing the lease if `release`; with `drop_code`, the workflow lets go of its
        code (`code_release_tx`). Returns 'ok'."""

        # One batch (one round trip on PostgreSQL): lock the workflow row and read it, then
        # every write, each conditional on this worker holding the lease of a workflow
        # that is not cancelled (the row is locked, so every condition sees what the first
        # statement read). A step n that exists aborts the whole batch (Conflict).
        t = now()
        ok = "EXISTS (SELECT 1 FROM tm_workflows WHERE id = ? AND owner = ? AND status <> 'cancelled')"
        me = (wf_id, worker)
        stmts = [("SELECT status, owner FROM tm_workflows WHERE id = ?" + self.dialect["for_update"], (wf_id,))]
        for h, data in (chunks or {}).items():
            stmts.append(
                (f"INSERT INTO tm_chunks (hash, data, created) SELECT ?, ?, ? WHERE {ok} ON CONFLICT (hash) DO NOTHING", (h, data, t) + me)
            )
            stmts.append(
                (
                    f"INSERT INTO tm_chunk_refs (owner, hash) SELECT ?, ? WHERE {ok} ON CONFLICT (owner, hash) DO NOTHING",
                    ("wf:" + wf_id, h) + me,
                )
            )
        if step is not None:
            n, kind, line, at_ms, us, data = step
            # a checkpoint that waits keeps what it waits for (fork needs it once the row moved on)
            step_wait = wait_json(wait, wake_at, t) if status == "waiting" else None
            stmts.append(
                (
                    f"INSERT INTO tm_steps (workflow, n, kind, line, at, us, data, wait) SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE {ok}",
                    (wf_id, n, kind, line, at_ms, us, data, step_wait) + me,
                )
            )
        if consume is not None:
            stmts.append((f"DELETE FROM tm_messages WHERE id = ? AND {ok}", (consume,) + me))
        for dest, topic, value in messages:
            stmts.append((f"INSERT INTO tm_messages (dest, topic, value, sent) SELECT ?, ?, ?, ? WHERE {ok}", (dest, topic, value, t) + me))
        for key, value in events:
            stmts.append(
                (
                    f"INSERT INTO tm_events (workflow, key, value, at) SELECT ?, ?, ?, ? WHERE {ok} "
                    "ON CONFLICT (workflow, key) DO UPDATE SET value = excluded.value, at = excluded.at",
                    (wf_id, key, value, t) + me,
                )
            )
        for cid, name, module, input_blob in children:
            stmts.append(
                (
                    "INSERT INTO tm_workflows (id, name, module, status, input, parent, created, updated) "
                    f"SELECT ?, ?, ?, 'pending', ?, ?, ?, ? WHERE {ok} ON CONFLICT (id) DO NOTHING",
                    (cid, name, module, input_blob, wf_id, t, t) + me,
                )
            )
        owner_code = f"wf:{wf_id}/code"
        for h, data, module, fns in code or ():
            stmts.append(
                (f"INSERT INTO tm_chunks (hash, data, created) SELECT ?, ?, ? WHERE {ok} ON CONFLICT (hash) DO NOTHING", (h, data, t) + me)
            )
            stmts.append(
                (
                    f"INSERT INTO tm_chunk_refs (owner, hash) SELECT ?, ? WHERE {ok} ON CONFLICT (owner, hash) DO NOTHING",
                    (owner_code, h) + me,
                )
            )
            for sym, fp in fns:
                stmts.append(
                    (
                        f"INSERT INTO tm_code (symbol, fingerprint, hash, module, created) SELECT ?, ?, ?, ?, ? WHERE {ok} "
                        "ON CONFLICT (symbol, fingerprint) DO UPDATE SET hash = excluded.hash",
                        (sym, fp, h, module, t) + me,
                    )
                )
        if drop_code:
            stmts.extend(self.code_release_stmts(owner_code, f"AND {ok}", me))
        if status is not None:
            owner, until = (None, None) if release else (worker, t + lease)
            stmts.append(
                (
                    "UPDATE tm_workflows SET status = ?, wake_at = ?, wait_kind = ?, wait_a = ?, wait_b = ?, output = ?, error = ?, "
                    "updated = ?, owner = ?, lease_until = ?, blocked_code = NULL WHERE id = ? AND owner = ? AND status <> 'cancelled'",
                    (status, wake_at, wait[0], wait[1], wait[2], output, error, t, owner, until) + me,
                )
            )
        try:
            res = self.run_batch(stmts)
        except Conflict:
            if step is None:
                raise
            # step n is there: the same data is this very transition, committed by an
            # earlier attempt whose outcome was lost (all of it, one transaction); other
            # data means another worker committed step n
            have = self.get_step(wf_id, step[0])
            return "ok" if have is not None and have[2] == step[5] else "lost"
        rows = res[0][1]
        if not rows:
            return "lost"
        if rows[0][0] == "cancelled":
            return "cancelled"
        if rows[0][1] != worker:
            return "lost"
        return "ok"

    def block(self, wf_id, worker, reason, code_id):
        """Mark a workflow :blocked (its checkpoint doesn't match the code) and release it."""
        return self.run(
            lambda tx: (
                tx.execute(
                    "UPDATE tm_workflows SET status = 'blocked', error = ?, blocked_code = ?, owner = NULL, lease_until = NULL, updated = ? "
                    "WHERE id = ? AND owner = ? AND status <> 'cancelled'",
                    (reason, code_id, now(), wf_id, worker),
                ).rowcount
            )
        )

    def set_status(self, wf_id, status, only_from=None):
        """Change the status of a workflow (cancel, resume); `only_from` limits from which statuses.
        Returns the status it had (None if the id is unknown), whether or not it changed."""

        def q(tx):
            row = tx.one("SELECT status FROM tm_workflows WHERE id = ?" + self.dialect["for_update"], (wf_id,))
            if row is None:
                return None
            if only_from is None or row[0] in only_from:
                tx.execute(
                    "UPDATE tm_workflows SET status = ?, updated = ?, owner = CASE WHEN ? = 'cancelled' THEN NULL ELSE owner END, "
                    "blocked_code = NULL WHERE id = ?",
                    (status, now(), status, wf_id),
                )
            return row[0]

        return self.run(q)

    # --- steps ---------------------------------------------------------------------------------
    def last_step(self, wf_id):
        """(n, kind, data) of the latest committed step, or None: one index seek, whatever the history."""
        row = self.run(
            lambda tx: tx.one("SELECT n, kind, data FROM tm_steps WHERE workflow = ? ORDER BY n DESC LIMIT 1", (wf_id,)), write=False
        )
        return None if row is None else (row[0], row[1], bytes(row[2]))

    def step_wait(self, wf_id, n):
        """What waiting checkpoint n of `wf_id` waits for: (wait_kind, wait_a, wait_b, timeout
        seconds or None), or None if it is not a waiting one (or was written before schema 4)."""
        row = self.run(lambda tx: tx.one("SELECT wait FROM tm_steps WHERE workflow = ? AND n = ?", (wf_id, n)), write=False)
        if row is None or row[0] is None:
            return None
        try:
            got = json.loads(row[0])
            kind, a, b, timeout = got
        except (ValueError, TypeError):
            raise StoreError(f"checkpoint {n} of {wf_id} in {self.describe()}: its wait column is not what Turmeric writes") from None
        if not all(x is None or isinstance(x, str) for x in (kind, a, b)) or not (timeout is None or isinstance(timeout, (int, float))):
            raise StoreError(f"checkpoint {n} of {wf_id} in {self.describe()}: its wait column is not what Turmeric writes")
        return kind, a, b, timeout

    def get_step(self, wf_id, n):
        row = self.run(lambda tx: tx.one("SELECT n, kind, data FROM tm_steps WHERE workflow = ? AND n = ?", (wf_id, n)), write=False)
        return None if row is None else (row[0], row[1], bytes(row[2]))

    def steps(self, wf_id, limit=100000):
        """[(n, kind, line, at_ms, us, data)] of a workflow, in order."""
        rows = self.run(
            lambda tx: tx.all("SELECT n, kind, line, at, us, data FROM tm_steps WHERE workflow = ? ORDER BY n LIMIT ?", (wf_id, limit)),
            write=False,
        )
        return [(r[0], r[1], r[2], r[3], r[4], bytes(r[5])) for r in rows]

    def step_count(self, wf_id):
        row = self.run(lambda tx: tx.one("SELECT MAX(n) FROM tm_steps WHERE workflow = ?", (wf_id,)), write=False)
        return row[0] or 0

    def fork(self, src, new_id, input_blob, rows, wait=None):
        """A new workflow `new_id` (no owner) with the name and module of `src`, the given
        input and step rows [(n, kind, line, at_ms, us, data)] (the checkpoint to continue
        from, last, and the one its delta refers to), sharing the chunks of `src`. Its status
        is running, or with `wait` = (wait_kind, wait_a, wait_b, timeout seconds or None), the
        last checkpoint being a waiting one, waiting for that again (the timeout counted from
        now). False if `src` is unknown or `new_id` exists."""
        t = now()

        def q(tx):
            w = tx.one("SELECT name, module FROM tm_workflows WHERE id = ?", (src,))
            if w is None:
                return False
            if not self.create_workflow_tx(tx, new_id, w[0], w[1], input_blob, parent=src):
                return False
            for i, (n, kind, line, at, us, data) in enumerate(rows):
                last_wait = wait_json(wait[:3], None if wait[3] is None else t + wait[3], t) if wait and i == len(rows) - 1 else None
                tx.execute(
                    "INSERT INTO tm_steps (workflow, n, kind, line, at, us, data, wait) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (new_id, n, kind, line, at, us, data, last_wait),
                )
            for suffix in ("", "/code"):  # its value chunks and the code its checkpoints name
                tx.execute(
                    "INSERT INTO tm_chunk_refs (owner, hash) SELECT ?, hash FROM tm_chunk_refs WHERE owner = ? "
                    "ON CONFLICT (owner, hash) DO NOTHING",
                    ("wf:" + new_id + suffix, "wf:" + src + suffix),
                )
            if wait is None:
                tx.execute("UPDATE tm_workflows SET status = 'running' WHERE id = ?", (new_id,))
            else:
                tx.execute(
                    "UPDATE tm_workflows SET status = 'waiting', wait_kind = ?, wait_a = ?, wait_b = ?, wake_at = ? WHERE id = ?",
                    (wait[0], wait[1], wait[2], None if wait[3] is None else t + wait[3], new_id),
                )
            return True

        return self.run(q)

    # --- messages and events --------------------------------------------------------------------
    def send(self, dest, topic, value: bytes):
        """Queue a message for workflow `dest` on `topic`."""
        t = now()
        self.run(lambda tx: tx.execute("INSERT INTO tm_messages (dest, topic, value, sent) VALUES (?, ?, ?, ?)", (dest, topic, value, t)))

    def peek_message(self, dest, topic):
        """(id, value) of the oldest message for (dest, topic), or None."""
        row = self.run(
            lambda tx: tx.one("SELECT id, value FROM tm_messages WHERE dest = ? AND topic = ? ORDER BY id LIMIT 1", (dest, topic)),
            write=False,
        )
        return None if row is None else (row[0], bytes(row[1]))

    def get_event(self, wf_id, key):
        row = self.run(lambda tx: tx.one("SELECT value FROM tm_events WHERE workflow = ? AND key = ?", (wf_id, key)), write=False)
        return None if row is None else bytes(row[0])

    def events(self, wf_id):
        return [
            (k, bytes(v))
            for k, v in self.run(lambda tx: tx.all("SELECT key, value FROM tm_events WHERE workflow = ? ORDER BY key", (wf_id,)))
        ]

    # --- garbage collection ----------------------------------------------------------------------
    def gc(self, older_than_s):
        """Delete finished workflows last updated more than `older_than_s` seconds ago (with their
        steps, messages, events and chunk references), then unreferenced chunks.
        Returns (workflows, chunks) deleted."""
        cutoff = now() - older_than_s

        def q(tx):
            ids = [
                r[0]
                for r in tx.all(
                    "SELECT id FROM tm_workflows WHERE status IN ('succeeded', 'failed', 'cancelled') AND updated < ?", (cutoff,)
                )
            ]
            for wf_id in ids:
                tx.execute("DELETE FROM tm_steps WHERE workflow = ?", (wf_id,))
                tx.execute("DELETE FROM tm_messages WHERE dest = ?", (wf_id,))
                tx.execute("DELETE FROM tm_events WHERE workflow = ?", (wf_id,))
                tx.execute("DELETE FROM tm_chunk_refs WHERE owner IN (?, ?)", ("wf:" + wf_id, "wf:" + wf_id + "/code"))
                tx.execute("DELETE FROM tm_workflows WHERE id = ?", (wf_id,))
            return len(ids)

        n = self.run(q)
        return n, self.chunk_gc()

    def size_bytes(self):
        """Bytes the database takes (files for SQLite, tables and indexes for PostgreSQL)."""
        raise NotImplementedError


def _jitter():
    """A random number in [0, 1) spreading out retries (`random` is imported only when one
    is needed: it costs a millisecond of every start)."""
    import random

    return random.random()
