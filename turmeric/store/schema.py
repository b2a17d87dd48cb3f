"""The versioned schema of the store and its migrations.

Each migration is a version number and a list of statements written once for both
backends; `{blob}`, `{real}`, `{serial}` and `{norowid}` are filled in per dialect.
The current version is kept in `tm_meta` under `schema_version`. Opening a store
applies the missing migrations in one transaction (PostgreSQL takes an advisory
lock first, SQLite a write lock), so concurrent openers migrate once.

Tables (all prefixed `tm_`, so they can share a database with an application):

| table | holds |
|---|---|
| `tm_meta` | `schema_version` and other store-wide settings |
| `tm_workflows` | one row per workflow: status, input, output, lease, what it waits for |
| `tm_steps` | one row per committed checkpoint of a workflow: `(workflow, n)` unique; a waiting one says what it waits for (`wait`) |
| `tm_chunks` | content-addressed blobs (BLAKE2b-128 of the data is the key) |
| `tm_chunk_refs` | which owner (a workflow `wf:ID`, or any other system) still needs a chunk |
| `tm_messages` | messages waiting to be received, first in first out per (dest, topic) |
| `tm_events` | the latest value of each (workflow, key) event |
| `tm_kv` | namespaced key/value rows with an optional expiry and use limit (web continuations, ...) |
| `tm_code` | the code store's index: (function symbol, fingerprint) -> hash of the code record (a chunk) |
"""

from __future__ import annotations

MIGRATIONS = [
    (
        1,
        [
            """CREATE TABLE IF NOT EXISTS tm_workflows (
                id TEXT PRIMARY KEY,
                name TEXT NOT NULL,
                module TEXT NOT NULL,
                status TEXT NOT NULL,
                input {blob},
                output {blob},
                error TEXT,
                parent TEXT,
                created {real} NOT NULL,
                updated {real} NOT NULL,
                wake_at {real},
                wait_kind TEXT,
                wait_a TEXT,
                wait_b TEXT,
                owner TEXT,
                lease_until {real},
                recoveries INTEGER NOT NULL DEFAULT 0,
                blocked_code TEXT
            )""",
            "CREATE INDEX IF NOT EXISTS tm_workflows_status ON tm_workflows (status, wake_at)",
            "CREATE INDEX IF NOT EXISTS tm_workflows_owner ON tm_workflows (owner)",
            """CREATE TABLE IF NOT EXISTS tm_steps (
                workflow TEXT NOT NULL,
                n INTEGER NOT NULL,
                kind TEXT NOT NULL,
                line INTEGER,
                at BIGINT NOT NULL,
                us BIGINT,
                data {blob} NOT NULL,
                PRIMARY KEY (workflow, n)
            ){norowid}""",
            """CREATE TABLE IF NOT EXISTS tm_chunks (
                hash {blob} PRIMARY KEY,
                data {blob} NOT NULL,
                created {real} NOT NULL
            )""",
            """CREATE TABLE IF NOT EXISTS tm_chunk_refs (
                owner TEXT NOT NULL,
                hash {blob} NOT NULL,
                PRIMARY KEY (owner, hash)
            ){norowid}""",
            "CREATE INDEX IF NOT EXISTS tm_chunk_refs_hash ON tm_chunk_refs (hash)",
            """CREATE TABLE IF NOT EXISTS tm_messages (
                id {serial},
                dest TEXT NOT NULL,
                topic TEXT NOT NULL,
                value {blob} NOT NULL,
                sent {real} NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS tm_messages_dest ON tm_messages (dest, topic, id)",
            """CREATE TABLE IF NOT EXISTS tm_events (
                workflow TEXT NOT NULL,
                key TEXT NOT NULL,
                value {blob} NOT NULL,
                at {real} NOT NULL,
                PRIMARY KEY (workflow, key)
            )""",
            """CREATE TABLE IF NOT EXISTS tm_kv (
                ns TEXT NOT NULL,
                key TEXT NOT NULL,
                value {blob} NOT NULL,
                expires {real},
                PRIMARY KEY (ns, key)
            )""",
            "CREATE INDEX IF NOT EXISTS tm_kv_expires ON tm_kv (expires)",
        ],
    ),
    (
        2,
        [
            # uses left for rows taken with kv_take (a web continuation's use limit); NULL: no limit
            "ALTER TABLE tm_kv ADD COLUMN uses INTEGER",
        ],
    ),
    (
        3,
        [
            # the code store (turmeric.cluster.codestore): which code record (a chunk in
            # tm_chunks, kept alive by the owners that refer to it) defines each function version
            """CREATE TABLE IF NOT EXISTS tm_code (
                symbol TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                hash {blob} NOT NULL,
                module TEXT NOT NULL,
                created {real} NOT NULL,
                PRIMARY KEY (symbol, fingerprint)
            ){norowid}""",
            "CREATE INDEX IF NOT EXISTS tm_code_hash ON tm_code (hash)",
        ],
    ),
    (
        4,
        [
            # what a waiting checkpoint (kind w...) waits for, as JSON [wait_kind, wait_a, wait_b,
            # timeout seconds or null]: the workflow row says it only while it waits there, and
            # `turmeric workflows fork ID --from-step N` needs it for any earlier waiting checkpoint
            "ALTER TABLE tm_steps ADD COLUMN wait TEXT",
        ],
    ),
]

LATEST = MIGRATIONS[-1][0]


def statements(version_from, dialect):
    """The (version, [sql]) migrations after `version_from`, filled in for `dialect`."""
    out = []
    for v, stmts in MIGRATIONS:
        if v > version_from:
            out.append((v, [s.format(**dialect) for s in stmts]))
    return out
