"""Web continuation tokens keep the code they name (docs/web.md "Code changes", docs/versioning.md).

A page opened before a deploy is submitted after it: the continuation resumes on the
code that made the page (its frames' own stored versions), while new visits run the
new code. The end-to-end tests run `turmeric serve` as a real process in a temp
folder (relative paths), stop it, change the program, start it again and post the
old page's form; on SQLite and on PostgreSQL. The unit tests drive `WebApp.handle`.
"""

from __future__ import annotations

import os
import re
import textwrap
import time
from html import unescape
from urllib.parse import urlencode

import pytest

from turmeric import loader
from turmeric import store as stores
from turmeric.loader import codes, codestore
from turmeric.web import codekeep, keys, storage, tokens, vocab
from turmeric.web.app import WebApp

if os.environ.get("CI") != "true":  # under CI the web extra is installed: a missing one fails
    pytest.importorskip("starlette")
from webserver import Server  # noqa: E402

V1 = """
(web-options {:storage :STORAGE})
(defn ask [label]
  (def req (send/suspend
             (fn [k-url]
               [:form {:action k-url :method "post"}
                 [:label {:id "label"} "v1 " label] [:input {:name "n"}]])))
  (parse-int (form-value req "n")))

(defpage "/sum" [req]
  (def a (ask "First number:"))
  (def b (ask "Second number:"))
  [:p "v1 sum: " [:span {:id "sum"} (+ a b)]])
"""

# the deploy: both functions changed (another label, another result: a product)
V2 = V1.replace('"v1 " label', '"v2 " label').replace('"v1 sum: "', '"v2 product: "').replace("(+ a b)", "(* a b)")

# another deploy: the handler gained a local, and a migration moves v1 frames waiting
# at the second question onto the new code there
V3 = V1.replace(
    '(def b (ask "Second number:"))\n  [:p "v1 sum: " [:span {:id "sum"} (+ a b)]])',
    '(def note "fresh")\n  (def b (ask "Second number:"))\n  [:p "v3 " note " sum: " [:span {:id "sum"} (+ a b)]])',
) + textwrap.dedent(
    """
    (defmigration sum-v1
      :function page-sum
      :from :any
      :at (ask "Second number:")
      :to (ask "Second number:")
      :locals (fn [old] (assoc old :note "migrated")))
    """
)
assert V3.count("v3 ") == 1 and V2 != V1


def action(body):
    return unescape(re.search(r'action="([^"]+)"', body).group(1))


def label(body):
    return re.search(r'<label id="label">([^<]*)</label>', body).group(1)


def result(body):
    return re.search(r"<p>([^<]*)<span id=\"sum\">(-?\d+)</span>", body).groups()


def post(srv, url, n):
    st, _, body = srv.request("POST", url, urlencode({"n": n}))
    return st, body


def write(folder, text, storage_mode):
    (folder / "app.tm").write_text(text.replace(":STORAGE", ":" + storage_mode))


@pytest.fixture(params=["sqlite", "postgres"])
def db_arg(request, tmp_path):
    """The `--db` of the servers: a relative SQLite file in the test's folder, or PostgreSQL."""
    if request.param == "sqlite":
        return "web.db"
    return request.getfixturevalue("db_url")  # an emptied PostgreSQL database


@pytest.fixture
def db_url(request):
    from conftest import _truncate_pg

    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


def open_db(folder, db_arg):
    return stores.open_store(db_arg if "://" in db_arg else str(folder / db_arg))


@pytest.mark.parametrize("storage_mode", ["page", "store"])
def test_an_open_page_resumes_on_its_own_code_after_a_deploy(tmp_path, db_arg, storage_mode):
    write(tmp_path, V1, storage_mode)
    with Server("app.tm", tmp_path, "--db", db_arg) as srv:
        st, _, page = srv.request("GET", "/sum")
        assert st == 200 and label(page) == "v1 First number:"
        k1 = action(page)  # a page left open at the first question
        st, page = post(srv, k1, 6)
        assert st == 200 and label(page) == "v1 Second number:"
        k2 = action(page)  # and one at the second
    assert k1.split("/_k/")[1][0] == storage_mode[0]  # p... in the page, s... in the store

    # the code is in the store, not in the token: the token holds no text of the program
    if storage_mode == "page":
        key, _ = keys.load_key(str(tmp_path / "turmeric-web.key"))
        app = WebApp(key)
        app.name = "app"  # the module's name, which the servers' tokens are sealed for
        blob, _ = tokens.open_page_token(k2.split("/_k/")[1], key, app.purpose("/sum"))
        assert b"v1 sum" not in blob and b"ask" in blob
    db = open_db(tmp_path, db_arg)
    try:
        kept = {s: o for s, _, _, _, o in codestore.versions(db)}
        assert kept["app.page-sum"] >= 1 and kept["app.ask"] >= 1
        owners = db.code_owners("web:app/code@")
        assert len(owners) == 1, owners  # one owner for every token of this app made in the same hour
    finally:
        db.close()

    write(tmp_path, V2, storage_mode)  # the deploy
    with Server("app.tm", tmp_path, "--db", db_arg) as srv:
        st, page = post(srv, k2, 7)  # the old page at the second question
        assert st == 200, page
        assert result(page) == ("v1 sum: ", "13")  # the v1 continuation finishes on v1
        # the older page: v1's frames finish on v1 code; v1's handler then calls `ask` by
        # name, which is today's definition (as after any redefinition: docs/versioning.md)
        st, page = post(srv, k1, 2)
        assert st == 200 and label(page) == "v2 Second number:", page
        st, page = post(srv, action(page), 5)
        assert st == 200 and result(page) == ("v1 sum: ", "7")
        st, _, page = srv.request("GET", "/sum")  # a new visit runs v2
        assert st == 200 and label(page) == "v2 First number:"
        st, page = post(srv, action(page), 6)
        assert label(page) == "v2 Second number:"
        st, page = post(srv, action(page), 7)
        assert st == 200 and result(page) == ("v2 product: ", "42")
        assert "Traceback" not in srv.log


def test_a_declared_migration_applies_to_web_tokens(tmp_path):
    write(tmp_path, V1, "page")
    with Server("app.tm", tmp_path, "--db", "web.db") as srv:
        k1 = action(srv.request("GET", "/sum")[2])
        k2 = action(post(srv, k1, 10)[1])
    write(tmp_path, V3, "page")
    with Server("app.tm", tmp_path, "--db", "web.db") as srv:
        st, page = post(srv, k2, 5)  # a v1 frame at the second question: migrated to v3 there
        assert st == 200 and result(page) == ("v3 migrated sum: ", "15"), page
        st, page = post(srv, k1, 1)  # a v1 frame at the first question: no migration, v1's own code,
        assert st == 200 and label(page) == "v1 Second number:"  # (`ask` did not change in v3)
        st, page = post(srv, action(page), 2)  # its next frame stands at the second question: migrated
        assert st == 200 and result(page) == ("v3 migrated sum: ", "3"), page
        st, _, page = srv.request("GET", "/sum")
        k = action(post(srv, action(page), 2)[1])
        assert result(post(srv, k, 3)[1]) == ("v3 fresh sum: ", "5")


def _record_of(db, symbol):
    (h,) = [h for s, _, h, _, _ in codestore.versions(db) if s == symbol]
    return bytes.fromhex(h), db.code_find(symbol, [f for s, f, _, _, _ in codestore.versions(db) if s == symbol][0])[1]


def test_a_tampered_code_row_is_refused_with_a_clear_error(tmp_path):
    write(tmp_path, V1, "page")
    with Server("app.tm", tmp_path, "--db", "web.db") as srv:
        k1 = action(srv.request("GET", "/sum")[2])
        k2 = action(post(srv, k1, 10)[1])
    db = stores.open_store(str(tmp_path / "web.db"))
    try:
        h, data = _record_of(db, "app.page-sum")
        evil = data.replace(b'\\"v1 sum: \\"', b'\\"pwned: \\"')
        assert evil != data
        # 1. the row's bytes changed under the same hash
        db.run(lambda tx: tx.execute("UPDATE tm_chunks SET data = ? WHERE hash = ?", (evil, h)))
    finally:
        db.close()
    write(tmp_path, V2, "page")
    with Server("app.tm", tmp_path, "--db", "web.db") as srv:
        st, page = post(srv, k2, 5)
        assert st == 500 and "integrity check" in page and "pwned" not in page and "Traceback" not in page
        assert "code-error" in srv.log and "does not match its hash" in srv.log, srv.log
        # 2. a consistent forgery: new bytes stored under their own hash, the index pointed at them
        db = stores.open_store(str(tmp_path / "web.db"))
        try:
            nh = bytes.fromhex(codes.record_hash(evil))
            db.run(lambda tx: tx.execute("UPDATE tm_chunks SET data = ?, hash = ? WHERE hash = ?", (evil, nh, h)))
            db.run(lambda tx: tx.execute("UPDATE tm_chunk_refs SET hash = ? WHERE hash = ?", (nh, h)))
            db.run(lambda tx: tx.execute("UPDATE tm_code SET hash = ? WHERE hash = ?", (nh, h)))
        finally:
            db.close()
        st, page = post(srv, k1, 5)  # k1's frames name v1's page-sum too (a fresh process would compile it now)
        # this process compiled nothing of v1's page-sum (case 1 was refused), so it reads the forged row
        assert st == 500 and "pwned" not in page, page
        assert "other fingerprints than it claims" in srv.log, srv.log
        st, _, page = srv.request("GET", "/sum")  # new visits are not affected
        assert st == 200 and label(page) == "v2 First number:"


# --- unit: WebApp.handle, no HTTP ----------------------------------------------------------------

KEY = b"unit-test-key-0123456789abcdef"


def load(path, db, text):
    path.write_text(text)
    loader.load_prelude()
    return WebApp(KEY, db).load(str(path))


def go(app, url, n=None):
    url = unescape(url)
    method = "GET" if n is None else "POST"
    req = vocab.make_request(method, url, (), {} if n is None else {"n": str(n)}, ())
    st, _, body = app.handle(method, url, req)
    return st, body.decode()


def test_page_views_write_the_code_once_per_process_and_owner(tmp_path):
    db = storage.open_store(str(tmp_path / "web.db"))
    app = load(tmp_path / "app.tm", db, V1.replace(":STORAGE", ":page"))
    for _ in range(5):
        st, page = go(app, "/sum")
        k = action(page)
        assert st == 200 and label(go(app, k, 1)[1]) == "v1 Second number:"
    assert app.code.writes == 1  # the first page view kept the code; the next nine found it kept
    owners = db.store.code_owners("web:app/code")
    assert len(owners) == 1 and codekeep.until_of(owners[0], "app") is not None
    # another process (a new app object) writes once too, under the same owner
    app2 = load(tmp_path / "app.tm", db, V1.replace(":STORAGE", ":page"))
    go(app2, "/sum")
    go(app2, "/sum")
    assert app2.code.writes == 1 and db.store.code_owners("web:app/code") == owners


def test_gc_collects_a_version_once_its_tokens_have_expired(tmp_path):
    db = storage.open_store(str(tmp_path / "web.db"))
    app = load(tmp_path / "app.tm", db, V1.replace(":STORAGE", ":page :ttl 60"))
    k = action(go(app, "/sum")[1])
    v1 = {s: f for s, f, _, _, _ in codestore.versions(db.store)}
    # the deploy: v2 lives longer (:ttl 600)
    app2 = load(tmp_path / "app.tm", db, V2.replace(":STORAGE", ":page :ttl 600"))
    assert go(app2, "/sum")[0] == 200
    # the old page resumed on v2's server: v1's handler asks the second question (in v2's
    # `ask`, called by name); the new page's token names v1's handler, for v2's :ttl
    st, page = go(app2, k, 3)
    assert st == 200 and label(page) == "v2 Second number:"
    k2 = action(page)
    now = time.time()
    assert app2.gc_code(now) == 0  # every token is still live: nothing goes
    later = now + 60 + codekeep.granule(60) + codekeep.GRACE + 1  # the v1 server's tokens have all expired
    assert app2.gc_code(later) == 1  # v1's `ask`: no live token names it
    assert db.store.code_find("app.ask", v1["app.ask"]) is None
    assert db.store.code_find("app.page-sum", v1["app.page-sum"]) is not None  # k2 names it
    left = {(s, f) for s, f, _, _, _ in codestore.versions(db.store)}
    assert len([f for s, f in left if s == "app.page-sum"]) == 2 and len([f for s, f in left if s == "app.ask"]) == 1
    st, page = go(app2, k2, 4)
    assert st == 200 and result(page) == ("v1 sum: ", "7")
    # once the v2 server's tokens have expired too, nothing is left
    assert app2.gc_code(now + 600 + codekeep.granule(600) + codekeep.GRACE + 1) >= 3
    assert codestore.versions(db.store) == []


def test_a_token_whose_code_was_not_kept_is_still_410(tmp_path):
    # made by a server with no store: nothing was kept, so after the change it can't resume
    app = load(tmp_path / "app.tm", None, V1.replace(":STORAGE", ":page"))
    k = action(go(app, "/sum")[1])
    db = storage.open_store(str(tmp_path / "web.db"))
    app2 = load(tmp_path / "app.tm", db, V2.replace(":STORAGE", ":page"))
    st, page = go(app2, k, 1)
    assert st == 410 and "older version" in page


def test_keeping_code_needs_no_new_owner_within_a_granule():
    t = 3600 * 300 + 1 - 86400.0  # a token made at t expires just past a granule's start
    assert codekeep.owner_for("shop", 86400, t) == codekeep.owner_for("shop", 86400, t + 1000)
    assert codekeep.owner_for("shop", 86400, t) != codekeep.owner_for("shop", 86400, t + 3600)
    assert codekeep.until_of(codekeep.owner_for("shop", 86400, t), "shop") >= t + 86400
    assert codekeep.owner_for("shop", None, t) == "web:shop/code"
    assert codekeep.until_of("web:shop/code", "shop") is None
    assert codekeep.until_of("web:shopping/code@12", "shop") is None
    assert codekeep.granule(0.5) == 1 and codekeep.granule(86400) == 3600
