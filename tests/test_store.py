"""The store interface on both backends: schema, workflows rows, leases, commits,
chunks, key/value, messages, events, retries and clear errors."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from turmeric.store import StoreError, StoreFull, StoreUnavailable, chunk_hash, open_store, resolve_url, schema


@pytest.fixture
def st(db_url):
    s = open_store(db_url)
    yield s
    s.close()


def test_schema_is_migrated_once_and_reopening_keeps_data(db_url):
    a = open_store(db_url)
    assert a.schema_version() == schema.LATEST
    a.kv_put("t", "k", b"v")
    a.close()
    b = open_store(db_url)
    assert b.schema_version() == schema.LATEST
    assert b.kv_get("t", "k") == b"v"
    b.close()


def test_newer_schema_is_refused_with_a_clear_error(db_url):
    a = open_store(db_url)
    a.run(lambda tx: tx.execute("UPDATE tm_meta SET value = '999' WHERE key = 'schema_version'"))
    a.close()
    try:
        with pytest.raises(StoreError, match="schema version 999.*upgrade Turmeric"):
            open_store(db_url)
    finally:
        _set_version_raw(db_url, schema.LATEST)


def _set_version_raw(db_url, v):
    if db_url.startswith("sqlite"):
        c = sqlite3.connect(db_url[len("sqlite:///") :])
        c.execute("UPDATE tm_meta SET value = ? WHERE key = 'schema_version'", (str(v),))
        c.commit()
        c.close()
    else:
        import psycopg

        with psycopg.connect(db_url, autocommit=True) as c:
            c.execute("UPDATE tm_meta SET value = %s WHERE key = 'schema_version'", (str(v),))


def test_create_is_idempotent_per_id(st):
    assert st.create_workflow("w1", "m.f", "m", b"in") is True
    assert st.create_workflow("w1", "m.f", "m", b"other") is False
    row = st.get_workflow("w1")
    assert row["status"] == "pending" and row["input"] == b"in" and row["owner"] is None
    assert st.get_workflow("nope") is None


def test_racing_creates_with_one_id_make_one_row(db_url):
    results = []

    def go():
        s = open_store(db_url)
        results.append(s.create_workflow("same", "m.f", "m", b"x"))
        s.close()

    ts = [threading.Thread(target=go) for _ in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(results) == [False] * 5 + [True]


def test_claim_gives_each_workflow_to_one_worker(st):
    for i in range(5):
        st.create_workflow(f"w{i}", "m.f", "m", b"")
    a = st.claim("A", {"m"}, lease=30, limit=3)
    b = st.claim("B", {"m"}, lease=30, limit=10)
    assert len(a) == 3 and len(b) == 2
    assert not {r["id"] for r in a} & {r["id"] for r in b}
    assert st.claim("C", {"m"}) == []
    assert st.claim("C", {"other"}) == []


def test_expired_lease_is_taken_over_and_counted(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None, lease=30)
    st.commit("w", "A", status="running")
    st.run(lambda tx: tx.execute("UPDATE tm_workflows SET lease_until = 0 WHERE id = 'w'"))
    got = st.claim("B", None)
    assert [r["id"] for r in got] == ["w"] and got[0]["owner"] == "B" and got[0]["recoveries"] == 1
    assert st.commit("w", "A", step=(1, "s", 1, 0, 0, b"late")) == "lost"


def test_release_hands_over_at_once(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None)
    assert st.claim("B", None) == []
    assert st.release("A") == 1
    assert [r["id"] for r in st.claim("B", None)] == ["w"]


def test_commit_writes_everything_or_nothing(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None)
    h = chunk_hash(b"big")
    assert (
        st.commit(
            "w",
            "A",
            step=(1, "s", 7, 1000, 5, b"ck1"),
            chunks={h: b"big"},
            messages=[("other", "topic", b"m1")],
            events=[("status", b"e1")],
            children=[("w-child", "m.g", "m", b"cin")],
            status="sleeping",
            wake_at=123.0,
            release=True,
        )
        == "ok"
    )
    assert st.last_step("w") == (1, "s", b"ck1")
    assert st.chunk_get(h) == b"big"
    assert st.peek_message("other", "topic")[1] == b"m1"
    assert st.get_event("w", "status") == b"e1"
    row = st.get_workflow("w")
    assert row["status"] == "sleeping" and row["wake_at"] == 123.0 and row["owner"] is None
    assert st.get_workflow("w-child")["parent"] == "w"
    # a lost lease writes nothing
    assert st.commit("w", "B", step=(2, "s", 1, 0, 0, b"x"), messages=[("other", "topic", b"m2")]) == "lost"
    assert st.last_step("w")[0] == 1 and st.peek_message("other", "topic")[1] == b"m1"


def test_same_step_twice_is_a_retried_commit_other_data_is_lost(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None)
    assert st.commit("w", "A", step=(1, "s", 1, 0, 0, b"a")) == "ok"
    assert st.commit("w", "A", step=(1, "s", 1, 0, 0, b"a")) == "ok"
    assert st.commit("w", "A", step=(1, "s", 1, 0, 0, b"b")) == "lost"
    assert st.step_count("w") == 1


def test_cancelled_workflow_refuses_commits(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None)
    assert st.set_status("w", "cancelled") == "pending"
    assert st.commit("w", "A", step=(1, "s", 1, 0, 0, b"a")) == "cancelled"
    assert st.last_step("w") is None


def test_last_step_is_one_row_whatever_the_history(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None)
    for n in range(1, 301):
        st.commit("w", "A", step=(n, "s", 1, n, 0, b"d%d" % n))
    assert st.last_step("w") == (300, "s", b"d300")
    assert st.get_step("w", 17) == (17, "s", b"d17")
    assert [s[0] for s in st.steps("w")][:3] == [1, 2, 3] and st.step_count("w") == 300


def test_sleepers_and_waiters_become_claimable_when_due(st):
    for wid in ("sl", "msg", "ev", "child", "par"):
        st.create_workflow(wid, "m.f", "m", b"")
    st.claim("A", None)
    st.commit("sl", "A", status="sleeping", wake_at=time.time() + 3600, release=True)
    st.commit("msg", "A", status="waiting", wait=("msg", "topic", None), release=True)
    st.commit("ev", "A", status="waiting", wait=("event", "sl", "k"), release=True)
    st.commit("par", "A", status="waiting", wait=("child", "child", None), release=True)
    st.release("A")
    assert [r["id"] for r in st.claim("B", None)] == ["child"]
    st.commit("child", "B", status="succeeded", release=True)
    st.send("msg", "other-topic", b"x")
    assert [r["id"] for r in st.claim("C", None)] == ["par"]
    st.send("msg", "topic", b"x")
    assert [r["id"] for r in st.claim("D", None)] == ["msg"]
    st.run(lambda tx: tx.execute("INSERT INTO tm_events (workflow, key, value, at) VALUES ('sl', 'k', ?, 0)", (b"v",)))
    assert [r["id"] for r in st.claim("E", None)] == ["ev"]
    st.run(lambda tx: tx.execute("UPDATE tm_workflows SET wake_at = 0 WHERE id = 'sl'"))
    assert [r["id"] for r in st.claim("F", None)] == ["sl"]


def test_blocked_is_retried_only_by_other_code(st):
    st.create_workflow("w", "m.f", "m", b"")
    st.claim("A", None)
    st.block("w", "A", "schema-mismatch m.f", "code-1")
    assert st.get_workflow("w")["status"] == "blocked"
    assert st.claim("B", None, code_id="code-1") == []
    assert st.claim("B", None) == []
    assert [r["id"] for r in st.claim("B", None, code_id="code-2")] == ["w"]


def test_fork_copies_one_checkpoint_and_the_chunk_refs(st):
    st.create_workflow("w", "m.f", "m", b"in")
    st.claim("A", None)
    h = chunk_hash(b"c")
    for n in range(1, 6):
        st.commit("w", "A", step=(n, "s", 1, 0, 0, b"d%d" % n), chunks={h: b"c"} if n == 1 else None)
    rows = [s for s in st.steps("w") if s[0] in (1, 4)]
    assert st.fork("w", "w2", b"in2", rows) is True
    assert [s[0] for s in st.steps("w2")] == [1, 4]
    assert st.get_workflow("w2")["status"] == "running" and st.get_workflow("w2")["parent"] == "w"
    assert st.fork("w", "w2", b"in2", rows) is False
    st.set_status("w", "succeeded")
    st.run(lambda tx: tx.execute("UPDATE tm_workflows SET updated = 0 WHERE id = 'w'"))
    assert st.gc(60) == (1, 0)  # the fork still references the chunk
    assert st.chunk_get(h) == b"c" and st.steps("w") == []


def test_gc_deletes_old_finished_workflows_and_unreferenced_chunks(st):
    st.create_workflow("old", "m.f", "m", b"")
    st.create_workflow("live", "m.f", "m", b"")
    st.claim("A", None)
    st.commit("old", "A", step=(1, "s", 1, 0, 0, b"d"), chunks={chunk_hash(b"x"): b"x"}, status="succeeded", release=True)
    st.run(lambda tx: tx.execute("UPDATE tm_workflows SET updated = 0 WHERE id = 'old'"))
    assert st.gc(3600) == (1, 1)
    assert st.get_workflow("old") is None and st.get_workflow("live") is not None


def test_chunks_are_content_addressed_and_checked(st):
    h = st.chunk_put(b"payload", "o1")
    assert st.chunk_put(b"payload", "o2") == h == chunk_hash(b"payload")
    assert st.run(lambda tx: tx.one("SELECT COUNT(*) FROM tm_chunks"))[0] == 1
    st.run(lambda tx: tx.execute("UPDATE tm_chunks SET data = ? WHERE hash = ?", (b"evil", h)))
    with pytest.raises(StoreError, match="does not match its hash"):
        st.chunk_get(h)
    st.chunk_release("o1")
    st.chunk_release("o2")
    assert st.chunk_gc() == 1


def test_kv_put_get_expire_delete(st):
    st.kv_put("web", "tok", b"v1")
    st.kv_put("web", "tok", b"v2")
    assert st.kv_get("web", "tok") == b"v2"
    assert st.kv_get("other", "tok") is None
    st.kv_put("web", "short", b"x", ttl=-1)
    assert st.kv_get("web", "short") is None
    assert st.kv_gc() == 1
    assert st.kv_delete("web", "tok") is True and st.kv_delete("web", "tok") is False


def test_kv_take_counts_uses_and_kv_add_keeps_the_first(st):
    st.kv_put("web", "once", b"k", ttl=60, uses=2)
    assert st.kv_take("web", "once") == b"k"
    assert st.kv_take("web", "once") == b"k"
    assert st.kv_take("web", "once") is None
    st.kv_put("web", "free", b"f")
    assert [st.kv_take("web", "free") for _ in range(3)] == [b"f"] * 3
    st.kv_put("web", "old", b"o", ttl=-1, uses=5)
    assert st.kv_take("web", "old") is None and st.kv_take("web", "missing") is None
    assert st.kv_gc("web") == 2  # the used-up row and the expired one
    assert st.kv_add("web", "a", b"1") is True
    assert st.kv_add("web", "a", b"2") is False and st.kv_get("web", "a") == b"1"
    st.kv_put("web", "b", b"x", ttl=-1)
    assert st.kv_add("web", "b", b"y") is True and st.kv_get("web", "b") == b"y"


def test_default_url_is_turmeric_db_in_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TURMERIC_DB", raising=False)
    assert resolve_url() == "sqlite:///" + str(tmp_path / "turmeric.db")
    monkeypatch.setenv("TURMERIC_DB", "other.db")
    assert resolve_url() == "sqlite:///" + str(tmp_path / "other.db")
    assert resolve_url("postgresql://u@h/db") == "postgresql://u@h/db"
    s = open_store()
    s.close()
    assert (tmp_path / "other.db").exists()


def test_sqlite_durability_settings(tmp_path):
    s = open_store(str(tmp_path / "x.db"))
    assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert s.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    s.close()


def test_locked_sqlite_is_retried_then_a_clear_error(tmp_path):
    path = str(tmp_path / "x.db")
    s = open_store(path, timeout=0.6)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable, match="stayed locked by another process"):
        s.kv_put("a", "b", b"c")
    assert time.monotonic() - t0 >= 0.5  # it kept trying for the window
    # released in time: the retry succeeds
    threading.Timer(0.3, lambda: other.execute("ROLLBACK")).start()
    s.timeout = 5
    s.kv_put("a", "b", b"c")
    assert s.kv_get("a", "b") == b"c"
    other.close()
    s.close()


def test_unreachable_postgres_is_retried_then_a_clear_error():
    t0 = time.monotonic()
    with pytest.raises(StoreUnavailable, match="can't reach the database .*check that the server is running"):
        open_store("postgresql://nobody:secret@127.0.0.1:9/none", timeout=0.5)
    assert time.monotonic() - t0 >= 0.4


def test_password_is_not_shown_in_errors():
    with pytest.raises(StoreUnavailable) as e:
        open_store("postgresql://nobody:secret@127.0.0.1:9/none", timeout=0.1)
    assert "secret" not in str(e.value) and "***" in str(e.value)


def test_full_database_raises_store_full_and_writes_nothing(tmp_path):
    s = open_store(str(tmp_path / "x.db"))
    s.create_workflow("w", "m.f", "m", b"")
    s.claim("A", None)
    s.commit("w", "A", step=(1, "s", 1, 0, 0, b"small"))
    pages = s.conn.execute("PRAGMA page_count").fetchone()[0]
    s.conn.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(StoreFull, match="full.*nothing was written"):
        s.commit("w", "A", step=(2, "s", 1, 0, 0, b"x" * 200_000), chunks={chunk_hash(b"y" * 100_000): b"y" * 100_000})
    assert s.last_step("w")[0] == 1
    assert s.run(lambda tx: tx.one("SELECT COUNT(*) FROM tm_chunks"))[0] == 0
    s.close()
