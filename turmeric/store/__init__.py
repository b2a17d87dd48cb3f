"""The store: one interface over SQLite (embedded default) and PostgreSQL (psycopg 3).

Owns the database side of every Turmeric system that keeps state: durable
workflows now, web continuations and the cluster's code store later. It deals in
bytes and strings only; it never decodes a value (that is the caller's job, after
verifying the bytes) and imports nothing of the language.

Opening
-------
    from turmeric.store import open_store
    st = open_store()                       # TURMERIC_DB, else ./turmeric.db
    st = open_store("sqlite:///tmp/x.db")   # or a plain path "x.db"
    st = open_store("postgresql://user:pw@127.0.0.1:5432/db")

`open_store(url=None)` resolves the URL (argument, then `TURMERIC_DB`, then
`turmeric.db` in the current folder), connects and applies missing schema
migrations (`schema.py`, version in `tm_meta`). A `Store` is one connection: use it
from one thread; `st.clone()` gives another connection for another thread.

Guarantees: SQLite runs in WAL mode with `synchronous=FULL`; PostgreSQL with its
defaults (`synchronous_commit=on`). Every public method is one transaction.
While the database is locked or unreachable a transaction is retried with
exponential backoff for `timeout` seconds (default 10, `TURMERIC_DB_TIMEOUT`), then
`StoreUnavailable` is raised with a message saying what to check. A full
database or disk raises `StoreFull` with nothing written.

API (stable; other systems build on it)
---------------------------------------
Generic:

- `st.run(fn, write=True)`: run `fn(tx)` in one transaction with the retries above;
  `tx.execute/one/all(sql, params)` take `?` placeholders on both backends.
- key/value (web continuations, sessions): `kv_put(ns, key, value, ttl=None, uses=None)`,
  `kv_get(ns, key) -> bytes | None` (None once expired), `kv_add(...)` (insert unless a
  live row is there; True if it did), `kv_take(ns, key)` (get, counting one of `uses`;
  None once used up), `kv_delete(ns, key) -> bool`, `kv_gc(ns=None) -> int` (expired
  and used-up rows).
- content-addressed chunks (checkpoint pieces, code by hash): `chunk_put(data, owner)
  -> hash` (BLAKE2b-128; stored once), `chunk_get(hash)`, `chunks_get(hashes) ->
  {hash: data}` (checked against the hash), `chunk_release(owner)`, `chunk_gc()`;
  `chunk_hash(data)`.
- the code store (`turmeric.loader.codestore` over it): `code_put(owner, records)`,
  `code_find(symbol, fingerprint) -> (hash, data) | None` (data NOT checked: the
  reader checks it against its hash), `code_release(owner)` (an owner lets go;
  records no one refers to go at once), `code_gc()`, `code_list()`, `code_owners(prefix)`; `commit(...,
  code=records, drop_code=True)` does the same inside a workflow's transition.
- `schema_version()`, `size_bytes()`, `describe()`, `close()`, `clone()`.

Workflows (used by `turmeric.durable`; rows are dicts with the `tm_workflows` columns):
`create_workflow`, `get_workflow`, `list_workflows`, `status_of`, `claim`,
`heartbeat`, `release`, `owners`, `clear_owner`, `commit` (one durable transition:
step row, chunks, messages, events, children, status, all in one transaction,
refused if the lease was lost or the workflow cancelled), `block`, `set_status`,
`last_step`, `get_step`, `steps`, `step_count`, `fork`, `send`, `peek_message`,
`get_event`, `events`, `gc`.

Tables are described in `schema.py`; all are prefixed `tm_`.
"""

from __future__ import annotations

import os

__all__ = ["open_store", "resolve_url", "Store", "StoreError", "StoreUnavailable", "StoreFull", "chunk_hash", "TERMINAL", "DEFAULT_FILE"]

DEFAULT_FILE = "turmeric.db"


def resolve_url(url=None):
    """The database URL to use: `url`, else $TURMERIC_DB, else ./turmeric.db (absolute)."""
    u = url or os.environ.get("TURMERIC_DB") or DEFAULT_FILE
    if is_postgres(u):
        return u
    from .sqlite import sqlite_path

    return "sqlite:///" + os.path.abspath(sqlite_path(u))


def is_postgres(url):
    return url.startswith(("postgresql://", "postgres://"))


_FROM_BASE = ("TERMINAL", "Store", "StoreError", "StoreFull", "StoreUnavailable", "chunk_hash")


def __getattr__(name):
    # the store itself (and json) is imported on first use: `turmeric run` of a program
    # without workflows only asks whether the default file exists
    if name in _FROM_BASE:
        from . import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_store(url=None, timeout=None):
    """Open (and migrate) the store at `url` (see `resolve_url`): a `Store`."""
    u = resolve_url(url)
    if is_postgres(u):
        from .postgres import PostgresStore

        return PostgresStore(u, timeout)
    from .sqlite import SQLiteStore

    return SQLiteStore(u, timeout)
