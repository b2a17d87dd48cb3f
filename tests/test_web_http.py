"""`turmeric serve` as a real process, driven over HTTP.

Each test copies an app into tmp_path and runs the server there (so the key file
and the store land in that folder), on a free port, and stops it with SIGTERM.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import textwrap
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest

if os.environ.get("CI") != "true":  # under CI the web extra is installed: a missing one fails
    pytest.importorskip("starlette")
from webserver import REPO, Server  # noqa: E402

SUM_PAGE = REPO / "benchmarks" / "programs" / "web_sum_page.tm"


def action(body):
    return unescape(re.search(r'action="([^"]+)"', body).group(1))


def sum_flow(srv, a, b):
    st, _, page = srv.request("GET", "/sum")
    assert st == 200, page
    st, _, page = srv.request("POST", action(page), urlencode({"n": a}))
    assert st == 200, page
    st, _, page = srv.request("POST", action(page), urlencode({"n": b}))
    assert st == 200, page
    return int(re.search(r'<span id="sum">(-?\d+)</span>', page).group(1))


def test_a_flow_over_http_and_the_key_file(tmp_path):
    shutil.copy(SUM_PAGE, tmp_path)
    with Server("web_sum_page.tm", tmp_path) as srv:
        assert "pages: /sum" in srv.banner and "continuations: page" in srv.banner
        assert sum_flow(srv, 20, 22) == 42
        st, h, _ = srv.request("GET", "/sum")
        assert h["referrer-policy"] == "same-origin" and h["x-content-type-options"] == "nosniff"
    key = tmp_path / "turmeric-web.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes().strip()) >= 32


def test_in_page_continuations_survive_a_restart(tmp_path):
    shutil.copy(SUM_PAGE, tmp_path)
    with Server("web_sum_page.tm", tmp_path) as srv:
        st, _, page = srv.request("GET", "/sum")
        k1 = action(page)
        st, _, page = srv.request("POST", k1, "n=5")
        k2 = action(page)
    with Server("web_sum_page.tm", tmp_path) as srv:  # a new process, the same key file
        st, _, page = srv.request("POST", k2, "n=6")
        assert st == 200 and '<span id="sum">11</span>' in page
        st, _, page = srv.request("POST", k1, "n=100")  # an older page, resumed again
        assert st == 200 and "Second number" in page


def test_a_new_key_refuses_old_tokens_with_403(tmp_path):
    shutil.copy(SUM_PAGE, tmp_path)
    with Server("web_sum_page.tm", tmp_path) as srv:
        k1 = action(srv.request("GET", "/sum")[2])
    (tmp_path / "turmeric-web.key").unlink()
    with Server("web_sum_page.tm", tmp_path) as srv:
        st, _, page = srv.request("POST", k1, "n=1")
        assert st == 403 and 'href="/sum"' in page and "Traceback" not in page


def test_tampering_limits_and_the_log_never_holds_a_whole_token(tmp_path):
    app = tmp_path / "app.tm"
    app.write_text(
        textwrap.dedent(
            """
            (web-options {:storage :page :max-body 2000 :max-fields 20})
            (defpage "/" [req]
              (def r (send/suspend (fn [k-url] [:form {:action k-url :method "post"} [:input {:name "v"}]])))
              [:p {:id "v"} (form-value r "v")])
            """
        )
    )
    with Server("app.tm", tmp_path, "--access-log") as srv:
        issued = []
        for _ in range(3):
            k = action(srv.request("GET", "/")[2])
            issued.append(k.split("/_k/")[1])
        tok = issued[0]
        st, _, page = srv.request("POST", "/_k/" + tok, urlencode({"v": "<script>alert(1)</script>"}))
        assert st == 200 and '<p id="v">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in page
        bad = tok[:20] + ("x" if tok[20] != "x" else "y") + tok[21:]
        st, _, page = srv.request("POST", "/_k/" + bad, "v=1")
        assert st == 403 and "Traceback" not in page
        assert srv.request("POST", "/_k/not-a-token", "v=1")[0] == 404
        assert srv.request("POST", "/_k/" + tok, "v=" + "x" * 5000)[0] == 413
        assert srv.request("POST", "/_k/" + tok, "&".join(f"f{i}=1" for i in range(50)))[0] == 413
        assert srv.request("GET", "/?" + "q=" + "x" * 20000)[0] in (414, 400, 431)
        assert srv.request("GET", "/nothing-here")[0] == 404
        # the server is fine after all that
        assert srv.request("POST", "/_k/" + issued[1], "v=ok")[0] == 200
    log = srv.log
    assert "/_k/" in log  # requests were logged
    for t in issued + [bad]:
        assert t not in log
    assert "Traceback" not in log


def test_a_handler_error_is_a_plain_500_and_the_log_says_where(tmp_path):
    app = tmp_path / "boom.tm"
    app.write_text(
        '(web-options {:storage :page})\n(defpage "/" [req]\n  (get-order (query-value req "id")))\n(defn get-order [id] (throw (validation-error (str "no order " id))))\n'
    )
    with Server("boom.tm", tmp_path) as srv:
        st, _, page = srv.request("GET", "/?id=7")
        assert st == 500 and "Something went wrong" in page and "no order" not in page
    assert "no order 7" in srv.log and "boom.tm:4" in srv.log and "Traceback" not in srv.log


def test_a_broken_app_fails_to_start_with_file_line_col(tmp_path):
    (tmp_path / "bad.tm").write_text('(defpage "/" [req]\n  (+ 1 2)\n')
    srv = Server("bad.tm", tmp_path)
    with pytest.raises(AssertionError, match="did not start"):
        srv.start()
    assert "bad.tm:1" in srv.log and "Traceback" not in srv.log


def test_sigterm_stops_the_server(tmp_path):
    shutil.copy(SUM_PAGE, tmp_path)
    srv = Server("web_sum_page.tm", tmp_path).start()
    assert srv.stop() == 0


def test_example_shop_checkout_runs_the_seed_guides_handlers(tmp_path):
    if os.environ.get("CI") != "true":
        pytest.importorskip("turmeric.store")
    shutil.copy(REPO / "examples" / "web_shop.tm", tmp_path)
    with Server("web_shop.tm", tmp_path) as srv:
        st, _, page = srv.request("GET", "/checkout")
        assert st == 200
        submit = action(page)
        assert submit.startswith("/checkout-submit?token=s")
        st, _, page = srv.request("POST", submit, urlencode({"name": "Ann", "city": "Oslo"}))
        assert st == 200 and "Thank you Ann: 2 items (tea, teapot) ship to Oslo." in page
        st, _, page = srv.request("POST", submit, urlencode({"name": "Bob", "city": "Rome"}))
        assert "Thank you Bob" in page  # multi-shot
        forged = submit[:-4] + ("AAAA" if not submit.endswith("AAAA") else "BBBB")
        assert srv.request("POST", forged, "name=x&city=y")[0] == 403
        st, h, body = srv.request("GET", "/prices.json")
        assert h["content-type"] == "application/json" and '"tea":12' in body
    assert (Path(tmp_path) / "turmeric.db").exists()


SUM_STORE = REPO / "benchmarks" / "programs" / "web_sum.tm"


def test_store_continuations_survive_a_restart_and_another_process_resumes_them(tmp_path):
    shutil.copy(SUM_STORE, tmp_path)
    a = Server("web_sum.tm", tmp_path).start()
    b = Server("web_sum.tm", tmp_path).start()  # a second process on the same SQLite file and key
    try:
        assert "continuations: store" in a.banner
        st, _, page = a.request("GET", "/sum")
        k1 = action(page)
        assert k1.split("/_k/")[1][0] == "s"
        st, _, page = b.request("POST", k1, "n=5")  # the other process resumes it
        assert st == 200
        k2 = action(page)
    finally:
        a.stop()
        b.stop()
    with Server("web_sum.tm", tmp_path) as c:  # a restarted server: the store still has them
        st, _, page = c.request("POST", k2, "n=6")
        assert st == 200 and '<span id="sum">11</span>' in page
        st, _, page = c.request("POST", k1, "n=1")
        assert st == 200 and "Second number" in page


def test_two_servers_behind_one_postgresql_resume_each_others_continuations(tmp_path, pg_database):
    shutil.copy(SUM_STORE, tmp_path)
    key = {"TURMERIC_WEB_KEY": "shared-key-for-both-processes-0123456789"}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(SUM_STORE, tmp_path / "a")
    shutil.copy(SUM_STORE, tmp_path / "b")
    with (
        Server("web_sum.tm", tmp_path / "a", "--db", pg_database, extra_env=key) as a,
        Server("web_sum.tm", tmp_path / "b", "--db", pg_database, extra_env=key) as b,
    ):
        assert "postgresql" in a.banner and "$TURMERIC_WEB_KEY" in a.banner
        st, _, page = a.request("GET", "/sum")
        st, _, page = b.request("POST", action(page), "n=40")
        st, _, page = a.request("POST", action(page), "n=2")
        assert st == 200 and '<span id="sum">42</span>' in page
    assert not (tmp_path / "a" / "turmeric-web.key").exists()


def test_a_port_in_use_is_a_clear_error(tmp_path):
    import subprocess
    import sys

    from webserver import env

    shutil.copy(SUM_PAGE, tmp_path)
    with Server("web_sum_page.tm", tmp_path) as srv:
        r = subprocess.run(
            [sys.executable, "-m", "turmeric", "serve", "web_sum_page.tm", "--port", str(srv.port)],
            cwd=tmp_path,
            env=env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert r.returncode == 1 and "could not listen" in r.stderr and "Turmeric serving" not in r.stdout
        assert srv.request("GET", "/sum")[0] == 200
