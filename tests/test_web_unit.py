"""Web continuations without HTTP: handlers run through WebApp.handle, HTML, tokens, keys.

Each test writes a small app into tmp_path and loads it in this process (the web
vocabulary is installed once per process; each app is a module of its own name).
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
import textwrap
import time
from html import unescape
from urllib.parse import parse_qsl

import pytest

from turmeric.core.values import Keyword, pmap, pvector
from turmeric.web import html, keys, tokens, vocab
from turmeric.web.app import WebApp

sys.setrecursionlimit(100000)
KEY = b"unit-test-key-0123456789abcdef"
_N = [0]


def make_app(tmp_path, source, key=KEY, store=None):
    _N[0] += 1
    path = tmp_path / f"webapp{_N[0]}.tm"
    path.write_text(textwrap.dedent(source))
    return WebApp(key, store).load(str(path))


class Client:
    def __init__(self, app):
        self.app = app

    def go(self, url, form=None, method=None, headers=()):
        method = method or ("POST" if form is not None else "GET")
        path, _, q = unescape(url).partition("?")
        req = vocab.make_request(method, path, parse_qsl(q), form or {}, headers)
        status, hdrs, body = self.app.handle(method, path, req)
        return status, dict(hdrs), body.decode()


def action(body):
    return unescape(re.search(r'action="([^"]+)"', body).group(1))


SUM = """
(web-options {:storage :page})
(defn ask [label]
  (send/suspend/dispatch
    (fn [embed-url]
      [:form {:action (embed-url (fn [req] (parse-int (form-value req "n")))) :method "post"}
        [:label label] [:input {:name "n"}]])))
(defpage "/sum" [req]
  (def a (ask "First"))
  (def b (ask "Second"))
  [:p "Sum: " [:span {:id "sum"} (+ a b)]])
"""


def test_three_step_flow_in_page_mode(tmp_path):
    c = Client(make_app(tmp_path, SUM))
    st, h, b = c.go("/sum")
    assert st == 200 and h["content-type"].startswith("text/html") and "First" in b
    k1 = action(b)
    assert k1.startswith("/sum/_k/p")
    st, _, b = c.go(k1, {"n": "3"})
    assert st == 200 and "Second" in b
    st, _, b = c.go(action(b), {"n": "4"})
    assert st == 200 and '<span id="sum">7</span>' in b


def test_multi_shot_each_resumption_is_independent(tmp_path):
    c = Client(make_app(tmp_path, SUM))
    k1 = action(c.go("/sum")[2])
    k2a = action(c.go(k1, {"n": "10"})[2])
    k2b = action(c.go(k1, {"n": "20"})[2])  # the back button: the first form again
    assert '<span id="sum">11</span>' in c.go(k2a, {"n": "1"})[2]
    assert '<span id="sum">21</span>' in c.go(k2b, {"n": "1"})[2]
    assert '<span id="sum">15</span>' in c.go(k2a, {"n": "5"})[2]  # and again


def test_send_suspend_returns_the_request_and_send_back_drops_the_rest(tmp_path):
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (def ran-after (ref 0))
        (defpage "/" [req]
          (def r (send/suspend (fn [k-url] [:a {:href (str k-url "?q=hi")} "go"])))
          (when (= (query-value r "q") "stop")
            (send/back "stopped"))
          (swap! ran-after inc)
          (str (request-method r) " " (query-value r "q") " " (header r "X-Test") " " (deref ran-after)))
        """,
    )
    c = Client(app)
    href = unescape(re.search(r'href="([^"]+)"', c.go("/")[2]).group(1))
    assert href.startswith("/_k/")
    st, h, b = c.go(href, headers=[("X-Test", "yes")])
    assert (st, b) == (200, "GET hi yes 1") and h["content-type"].startswith("text/plain")
    st, _, b = c.go(href.replace("q=hi", "q=stop"))
    assert (st, b) == (200, "stopped")


def test_embed_url_handlers_resume_differently_and_may_suspend_again(tmp_path):
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (defpage "/pick" [req]
          (def choice
            (send/suspend/dispatch
              (fn [embed-url]
                [:div [:a {:id "a" :href (embed-url (fn [r] "apple"))} "A"]
                      [:a {:id "b" :href (embed-url (fn [r]
                                                      (def r2 (send/suspend (fn [k] [:form {:action k}])))
                                                      (str "banana-" (form-value r2 "n"))))} "B"]])))
          [:p {:id "got"} choice])
        """,
    )
    c = Client(app)
    b = c.go("/pick")[2]
    a = unescape(re.search(r'id="a" href="([^"]+)"|href="([^"]+)" id="a"', b).group(0).split('href="')[1].split('"')[0])
    bb = unescape(re.search(r'<a [^>]*id="b"[^>]*>', b).group(0).split('href="')[1].split('"')[0])
    assert a != bb
    assert '<p id="got">apple</p>' in c.go(a)[2]
    form = c.go(bb)[2]
    assert '<p id="got">banana-7</p>' in c.go(action(form), {"n": "7"})[2]


def test_tampered_and_forged_tokens_are_refused_with_403_and_run_nothing(tmp_path):
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (def resumed (ref 0))
        (defpage "/t" [req]
          (def r (send/suspend (fn [k] [:form {:action k}])))
          (swap! resumed inc)
          "resumed")
        """,
    )
    c = Client(app)
    k = action(c.go("/t")[2])
    tok = k.split("/_k/")[1]
    counter = app.module.ns["resumed"]
    for i in (5, len(tok) // 2, len(tok) - 3):
        bad = tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1 :]
        st, _, b = c.go("/t/_k/" + bad, {})
        assert st == 403 and "not valid" in b and "Traceback" not in b
    # a token made with another key, and one for another route, are refused the same way
    other = WebApp(b"another-key-0123456789abcdef!!", None)
    other.name, other.options = app.name, app.options
    assert c.go("/t/_k/" + tokens.page_token(b"x", other.key, app.purpose("/t"), 60), {})[0] == 403
    assert c.go("/t/_k/" + tokens.page_token(b"x", KEY, app.purpose("/other"), 60), {})[0] == 403
    assert counter.value == 0
    assert c.go(k, {})[2] == "resumed" and counter.value == 1


def test_unknown_and_expired_tokens_get_a_friendly_page_linking_to_the_start(tmp_path):
    app = make_app(tmp_path, SUM.replace("{:storage :page}", "{:storage :page :ttl 60}"))
    c = Client(app)
    st, h, b = c.go("/sum/_k/zzz")
    assert st == 404 and 'href="/sum"' in b and "Traceback" not in b
    k = action(c.go("/sum")[2])
    # a token whose time ran out
    tok = tokens.page_token(b"ignored", KEY, app.purpose("/sum"), 0.2)
    time.sleep(1.1)
    st, _, b = c.go("/sum/_k/" + tok, {"n": "1"})
    assert st == 410 and "expired" in b and 'href="/sum"' in b
    assert c.go(k, {"n": "1"})[0] == 200


def test_a_token_from_a_changed_program_is_410_not_a_trace(tmp_path):
    app = make_app(tmp_path, SUM)
    c = Client(app)
    k = action(c.go("/sum")[2])
    path = app.module.file
    # the same module name, the ask function changed: the old token names old code
    with open(path, "w") as f:
        f.write(SUM.replace('"First"', '"Erste"').replace('(parse-int (form-value req "n"))', '(parse-int (form-value req "m"))'))
    app2 = WebApp(KEY, None).load(path)
    st, _, b = Client(app2).go(k, {"n": "1"})
    assert st == 410 and "older version" in b


def test_html_is_escaped_unless_marked_raw(tmp_path):
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (defpage "/echo" [req]
          (def v (or (query-value req "v") ""))
          [:div {:title v :data-x "a\\"b"} [:p v] (raw "<b>bold</b>") [:br]])
        """,
    )
    xss = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    st, _, b = Client(app).go("/echo?" + "v=" + xss.replace("&", "%26"))
    assert st == 200
    assert "<script>" not in b and "<img" not in b
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in b  # in the attribute
    assert "<p>&lt;script&gt;" in b
    assert "<b>bold</b>" in b and "<br>" in b and "</br>" not in b
    assert 'data-x="a&quot;b"' in b


def test_html_rejects_tags_and_attribute_names_that_are_not_names():
    assert html.render(pvector([Keyword("p"), pmap({Keyword("id"): "x"}), "a & b"])) == '<p id="x">a &amp; b</p>'
    with pytest.raises(html.HtmlError):
        html.render(pvector([Keyword("p"), pmap({'onclick="x"': "y"})]))
    with pytest.raises(html.HtmlError):
        html.render(pvector([Keyword("p><script"), "x"]))


def test_responses_redirect_json_status_headers_cookies(tmp_path):
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (defpage "/r" [req] (redirect "/elsewhere"))
        (defpage "/j" [req] (json-response {:a [1 2 nil] "b" #t :c "é"}))
        (defpage "/s" [req] (with-status [:p "gone"] 410))
        (defpage "/h" [req] (with-cookie (with-header (response 201 "made") "X-A" "1") "sid" "abc" {:max-age 60}))
        (defpage "/c" [req] (str "cookie " (cookie req "sid")))
        (defpage "/bad" [req] (with-header "x" "X-A" "1\\r\\nSet-Cookie: evil=1"))
        (defpage "/boom" [req] (+ 1 (first "x")))
        """,
    )
    c = Client(app)
    st, h, b = c.go("/r")
    assert st == 303 and h["location"] == "/elsewhere"
    st, h, b = c.go("/j")
    assert st == 200 and h["content-type"] == "application/json" and json.loads(b) == {"a": [1, 2, None], "b": True, "c": "é"}
    assert c.go("/s")[0] == 410
    st, h, b = c.go("/h")
    assert (st, b, h["x-a"]) == (201, "made", "1") and h["set-cookie"].startswith("sid=abc") and "HttpOnly" in h["set-cookie"]
    assert c.go("/c", headers=[("Cookie", "sid=xyz; other=1")])[2] == "cookie xyz"
    st, _, b = c.go("/bad")
    assert st == 500 and "evil" not in b
    st, _, b = c.go("/boom")
    assert st == 500 and "Traceback" not in b and "Something went wrong" in b
    assert c.go("/nowhere")[0] == 404


def test_a_handler_error_is_logged_with_its_turmeric_place(tmp_path, caplog):
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (defpage "/boom" [req]
          (throw (validation-error "no such order")))
        """,
    )
    with caplog.at_level("ERROR", logger="turmeric.web"):
        assert Client(app).go("/boom")[0] == 500
    text = caplog.text
    assert "no such order" in text and re.search(r"webapp\d+\.tm:4", text), text


def test_options_are_checked(tmp_path):
    from turmeric.web.app import OptionError

    with pytest.raises(OptionError, match="unknown option :storag"):
        make_app(tmp_path, '(web-options {:storag :page}) (defpage "/" [req] "x")')
    with pytest.raises(OptionError, match="no store was given"):
        make_app(tmp_path, '(defpage "/" [req] "x")')


def test_token_shapes_and_log_form():
    ident = tokens.new_id()
    assert len(ident) * 8 >= 128
    t = tokens.store_token(ident, KEY, "p")
    assert t[0] == "s" and tokens.open_store_token(t, KEY, "p") == ident
    with pytest.raises(tokens.Forged):
        tokens.open_store_token(t, KEY, "other purpose")
    with pytest.raises(tokens.Forged):
        tokens.open_store_token("s" + tokens.b64e(tokens.new_id() + b"\0" * 16), KEY, "p")
    assert tokens.short(t) == t[:8] + "…" and len(tokens.short(t)) < len(t)


def test_key_file_is_made_once_with_0600_and_the_environment_wins(tmp_path):
    path = str(tmp_path / "sub" / "web.key")
    k1, where = keys.load_key(path, environ={})
    assert "new" in where and len(k1) >= 32
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert keys.load_key(path, environ={})[0] == k1
    assert keys.load_key(path, environ={"TURMERIC_WEB_KEY": "x" * 20})[0] == b"x" * 20
    with pytest.raises(keys.KeyError_, match="shorter"):
        keys.load_key(path, environ={"TURMERIC_WEB_KEY": "short"})
    os.chmod(path, 0o644)
    with pytest.raises(keys.KeyError_, match="chmod 600"):
        keys.load_key(path, environ={})


# --- continuations in the store ------------------------------------------------------------------


def open_store(tmp_path):
    from turmeric.web import storage

    return storage.open_store(str(tmp_path / "web.db"))


STORE_SUM = SUM.replace("(web-options {:storage :page})", "(web-options {:storage :store :max-uses 2})")


def test_store_mode_tokens_are_128_bit_ids_with_a_use_limit(tmp_path):
    store = open_store(tmp_path)
    app = make_app(tmp_path, STORE_SUM, store=store)
    c = Client(app)
    k1 = action(c.go("/sum")[2])
    tok = k1.split("/_k/")[1]
    assert tok[0] == "s" and len(tok) < 120
    assert len(tokens.open_store_token(tok, KEY, app.purpose("/sum"))) * 8 == 128  # the row's id: 16 random bytes
    k2 = action(c.go(k1, {"n": "1"})[2])
    assert '<span id="sum">3</span>' in c.go(k2, {"n": "2"})[2]
    assert '<span id="sum">4</span>' in c.go(k2, {"n": "3"})[2]  # the second use
    st, _, b = c.go(k2, {"n": "4"})  # the third: used up
    assert st == 410 and 'href="/sum"' in b
    assert c.go(k1, {"n": "1"})[0] == 200  # k1 had one use left
    assert c.go(k1, {"n": "1"})[0] == 410
    assert store.gc() >= 2


def test_store_rows_are_sealed_so_a_changed_row_is_refused(tmp_path):
    store = open_store(tmp_path)
    app = make_app(tmp_path, STORE_SUM, store=store)
    c = Client(app)
    k1 = action(c.go("/sum")[2])
    ident = tokens.open_store_token(k1.split("/_k/")[1], KEY, app.purpose("/sum"))
    from turmeric.web.storage import NS_K

    row = store.store.kv_get(NS_K, ident.hex())
    store.store.kv_put(NS_K, ident.hex(), row[:-1] + bytes([row[-1] ^ 1]), ttl=60)
    st, _, b = c.go(k1, {"n": "1"})
    assert st == 403
    # a row copied under another id doesn't open either
    k_other = action(c.go("/sum")[2])
    other = tokens.open_store_token(k_other.split("/_k/")[1], KEY, app.purpose("/sum"))
    store.store.kv_put(NS_K, other.hex(), row, ttl=60)
    assert c.go(k_other, {"n": "1"})[0] == 403


def test_store_mode_ttl_and_gc(tmp_path):
    store = open_store(tmp_path)
    app = make_app(tmp_path, SUM.replace("{:storage :page}", "{:storage :store :ttl 0.5}"), store=store)
    c = Client(app)
    k1 = action(c.go("/sum")[2])
    time.sleep(0.6)
    assert c.go(k1, {"n": "1"})[0] == 410
    assert app.gc() == 1


def test_big_in_page_continuations_fall_back_to_the_store(tmp_path):
    store = open_store(tmp_path)
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page :page-limit 800})
        (defpage "/big" [req]
          (def data (vec (map (fn [i] (str (* i 7919) "-" (mod (* i i) 104729))) (range (parse-int (query-value req "n"))))))
          (def r (send/suspend (fn [k] [:form {:action k}])))
          (str (count data)))
        """,
        store=store,
    )
    c = Client(app)
    small = action(c.go("/big?n=1")[2])
    big = action(c.go("/big?n=5000")[2])
    assert small.split("/_k/")[1][0] == "p" and big.split("/_k/")[1][0] == "s"
    assert c.go(big, {})[2] == "5000" and c.go(small, {})[2] == "1"


def test_once_runs_a_side_effect_once_per_page_however_often_it_is_submitted(tmp_path):
    store = open_store(tmp_path)
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :page})
        (def charged (ref 0))
        (defpage "/pay" [req]
          (def r (send/suspend (fn [k] [:form {:action k}])))
          (def receipt (once (str "pay:" (resume-token)) (fn [] (swap! charged inc) (str "receipt-" (deref charged)))))
          (str receipt " charged " (deref charged)))
        """,
        store=store,
    )
    c = Client(app)
    k1 = action(c.go("/pay")[2])
    k2 = action(c.go("/pay")[2])  # another visit: another page, another payment
    assert c.go(k1, {})[2] == "receipt-1 charged 1"
    assert c.go(k1, {})[2] == "receipt-1 charged 1"  # resubmitted: the same receipt, no new charge
    assert c.go(k2, {})[2] == "receipt-2 charged 2"


def test_a_store_that_fails_gives_a_plain_503_page(tmp_path, caplog):
    from turmeric.store import StoreUnavailable

    store = open_store(tmp_path)
    app = make_app(tmp_path, STORE_SUM, store=store)
    c = Client(app)
    k1 = action(c.go("/sum")[2])

    def down(ident):
        raise StoreUnavailable("the database stayed locked: check it")

    store.take = down
    with caplog.at_level("ERROR", logger="turmeric.web"):
        st, _, b = c.go(k1, {"n": "1"})
    assert st == 503 and "Traceback" not in b and "stayed locked" in caplog.text
    assert k1.split("/_k/")[1] not in caplog.text


@pytest.mark.parametrize("storage", ["page", "store"])
def test_a_continuation_can_have_its_own_use_limit_and_ttl(tmp_path, storage):
    store = open_store(tmp_path)
    app = make_app(
        tmp_path,
        """
        (web-options {:storage :%s})
        (defpage "/once" [req]
          (def r (send/suspend (fn [k] [:form {:action k}]) {:max-uses 1}))
          (def r2 (send/suspend (fn [k] [:form {:action k}]) {:ttl 0.3}))
          "done")
        (defpage "/bad" [req] (send/suspend (fn [k] k) {:max-uzes 1}))
        """
        % storage,
        store=store,
    )
    c = Client(app)
    k1 = action(c.go("/once")[2])
    k2 = action(c.go(k1, {})[2])
    assert c.go(k1, {})[0] == 410  # one use only
    time.sleep(1.1)
    assert c.go(k2, {})[0] == 410  # its own short life
    assert c.go("/bad")[0] == 500
