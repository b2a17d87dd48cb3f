"""The example shop (examples/web_shop.tm) in a real browser: Debian's Chromium driven by Playwright.

Forms are filled and submitted, the back button pressed and an old form submitted
again with another value, a form opened in a second tab, the server restarted
between two steps (continuations in the store and in the page), a form left open
while the program is changed and the server restarted on it. Every page is
saved as a screenshot under test-artifacts/web-browser/ (the path is printed).
Chromium comes from Debian (`apt-get install chromium`), never downloaded; under
CI=true a missing Chromium or Playwright fails these tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from webserver import REPO, Server

CHROMIUM = os.environ.get("TURMERIC_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("TURMERIC_ARTIFACTS", REPO / "test-artifacts")) / "web-browser"


def _missing(why):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests need {why} (CI installs it: .ci/run)")
    pytest.skip(f"browser tests need {why}")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("Playwright (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        _missing(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    shutil.rmtree(ARTIFACTS, ignore_errors=True)  # this run's pages only
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {ARTIFACTS}")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 800, "height": 600})
    ctx.set_default_timeout(20000)
    yield ctx
    ctx.close()


class Shots:
    def __init__(self, prefix):
        self.prefix, self.n = prefix, 0

    def __call__(self, page, what):
        self.n += 1
        path = ARTIFACTS / f"{self.prefix}-{self.n:02d}-{what}.png"
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 1000
        return path


def shop(tmp_path, mode):
    """The example shop in tmp_path, continuations in the store (its default) or in the page."""
    text = (REPO / "examples" / "web_shop.tm").read_text()
    if mode == "page":
        text = text.replace("(web-options {:storage :store", "(web-options {:storage :page")
        assert ":storage :page" in text
    (tmp_path / "web_shop.tm").write_text(text)
    return "web_shop.tm"


def submit(page, selector="button[type=submit]"):
    with page.expect_navigation():
        page.click(selector)


@pytest.mark.parametrize("mode", ["store", "page"])
def test_sum_back_button_and_resubmitting_another_value(tmp_path, context, mode):
    shot = Shots(f"sum-{mode}")
    with Server(shop(tmp_path, mode), tmp_path) as srv:
        page = context.new_page()
        page.goto(srv.base + "/")
        shot(page, "index")
        page.click("text=Add two numbers")
        page.wait_for_selector("input[name=n]")
        shot(page, "first-number")
        page.fill("input[name=n]", "3")
        submit(page)
        assert "the first was 3" in page.content()
        shot(page, "second-number")
        page.fill("input[name=n]", "4")
        submit(page)
        assert page.inner_text("#sum") == "7"
        shot(page, "sum")
        page.go_back()  # the second form again
        page.wait_for_selector("input[name=n]")
        assert "the first was 3" in page.content()
        shot(page, "back")
        page.fill("input[name=n]", "40")
        submit(page)
        assert page.inner_text("#sum") == "43"
        shot(page, "resubmitted")
        page.go_back()
        page.go_back()  # the first form: a whole new branch
        page.wait_for_selector("input[name=n]")
        page.fill("input[name=n]", "100")
        submit(page)
        page.fill("input[name=n]", "1")
        submit(page)
        assert page.inner_text("#sum") == "101"
        shot(page, "other-branch")
        # a word instead of a number: the handler asks again
        page.goto(srv.base + "/sum")
        page.fill("input[name=n]", "seven")
        submit(page)
        assert "Please type a whole number" in page.content()
        shot(page, "not-a-number")


def test_order_in_two_tabs_each_resumes_independently_and_pays_once(tmp_path, context):
    shot = Shots("order")
    with Server(shop(tmp_path, "store"), tmp_path) as srv:
        tab1 = context.new_page()
        tab1.goto(srv.base + "/order")
        shot(tab1, "choose")
        with tab1.expect_navigation():
            tab1.click("#item-tea")
        tab1.wait_for_selector("input[name=qty]")
        shot(tab1, "details-tab1")
        tab2 = context.new_page()  # the same form in a second tab
        tab2.goto(tab1.url)
        tab2.wait_for_selector("input[name=qty]")
        shot(tab2, "details-tab2")
        tab1.fill("input[name=qty]", "2")
        tab1.fill("input[name=name]", "Ann")
        submit(tab1)
        tab2.fill("input[name=qty]", "5")
        tab2.fill("input[name=name]", "Bob")
        submit(tab2)
        assert tab1.inner_text("#summary") == "Ann, 2 × tea = 24"
        assert tab2.inner_text("#summary") == "Bob, 5 × tea = 60"
        shot(tab1, "confirm-tab1")
        shot(tab2, "confirm-tab2")
        submit(tab1, "#pay")
        receipt1 = tab1.inner_text("#receipt")
        assert "Paid 24" in tab1.inner_text("#paid") and tab1.inner_text("#charges") == "1"
        shot(tab1, "paid-tab1")
        tab1.go_back()  # Pay again on the same page: no second charge
        tab1.wait_for_selector("#pay")
        submit(tab1, "#pay")
        assert tab1.inner_text("#receipt") == receipt1 and tab1.inner_text("#charges") == "1"
        shot(tab1, "paid-again-tab1")
        submit(tab2, "#pay")
        assert tab2.inner_text("#receipt") != receipt1 and tab2.inner_text("#charges") == "2"
        assert "Paid 60" in tab2.inner_text("#paid")
        shot(tab2, "paid-tab2")
        tab2.go_back()
        tab2.wait_for_selector("#cancel")
        with tab2.expect_navigation():
            tab2.click("#cancel")
        assert "Cancelled." in tab2.content()
        shot(tab2, "cancelled")


@pytest.mark.parametrize("mode", ["store", "page"])
def test_the_server_restarts_between_two_steps(tmp_path, context, mode):
    shot = Shots(f"restart-{mode}")
    srv = Server(shop(tmp_path, mode), tmp_path).start()
    try:
        page = context.new_page()
        page.goto(srv.base + "/sum")
        page.fill("input[name=n]", "20")
        submit(page)
        shot(page, "before-restart")
        assert srv.stop() == 0
        srv = Server(shop(tmp_path, mode), tmp_path, port=srv.port).start()  # a new process
        page.fill("input[name=n]", "22")
        submit(page)
        assert page.inner_text("#sum") == "42"
        shot(page, "after-restart")
    finally:
        srv.stop()


def test_a_form_left_open_across_a_deploy_finishes_on_its_own_code(tmp_path, context):
    shot = Shots("deploy")
    app = shop(tmp_path, "page")
    srv = Server(app, tmp_path).start()
    try:
        page = context.new_page()
        page.goto(srv.base + "/sum")
        page.fill("input[name=n]", "20")
        submit(page)
        shot(page, "before-deploy")
        assert srv.stop() == 0
        path = tmp_path / app  # the deploy: /sum now multiplies
        v1 = path.read_text()
        v2 = v1.replace('[:p a " + " b " = " [:span {:id "sum"} (+ a b)]]', '[:p a " × " b " = " [:span {:id "sum"} (* a b)]]')
        assert v2 != v1
        path.write_text(v2)
        srv = Server(app, tmp_path, port=srv.port).start()
        page.fill("input[name=n]", "22")
        submit(page)  # the open form: its continuation finishes on the code that made it
        assert page.inner_text("#sum") == "42" and "+" in page.inner_text("p")
        shot(page, "old-form-after-deploy")
        page.goto(srv.base + "/sum")  # a new visit runs the new code
        page.fill("input[name=n]", "20")
        submit(page)
        page.fill("input[name=n]", "22")
        submit(page)
        assert page.inner_text("#sum") == "440"
        shot(page, "new-visit-after-deploy")
    finally:
        srv.stop()


def test_checkout_escapes_what_the_user_typed_and_refuses_a_forged_link(tmp_path, context):
    shot = Shots("checkout")
    with Server(shop(tmp_path, "store"), tmp_path) as srv:
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(srv.base + "/checkout")
        shot(page, "form")
        xss = "<img src=x onerror=alert(1)><script>alert(2)</script>"
        page.fill("input[name=name]", xss)
        page.fill("input[name=city]", "Oslo")
        submit(page)
        assert xss in page.inner_text("#thanks")  # shown as text
        assert page.locator("#thanks img").count() == 0 and dialogs == []
        shot(page, "thanks-escaped")
        page.go_back()
        page.wait_for_selector("input[name=name]")
        # forge the token in the form's action, then submit it
        page.eval_on_selector("form", "f => { f.action = f.action.slice(0, -6) + (f.action.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'); }")
        page.fill("input[name=name]", "Mallory")
        resp = None
        with page.expect_navigation() as nav:
            page.click("button[type=submit]")
        resp = nav.value
        assert resp.status == 403 and "This link is not valid" in page.content()
        shot(page, "forged-403")
        with page.expect_navigation():
            page.click("#start")
        assert page.url == srv.base + "/"
        page.goto(srv.base + "/sum/_k/s" + "A" * 43)
        assert "not valid" in page.content() or "expired" in page.content()
        shot(page, "unknown-link")
        page.goto(srv.base + "/no-such-page")
        assert "Page not found" in page.content()
        shot(page, "not-found")


def test_an_expired_form_gets_a_friendly_page_that_starts_again(tmp_path, context):
    import time

    shot = Shots("expired")
    text = (REPO / "examples" / "web_shop.tm").read_text().replace("(web-options {:storage :store", "(web-options {:storage :page :ttl 1")
    (tmp_path / "web_shop.tm").write_text(text)
    with Server("web_shop.tm", tmp_path) as srv:
        page = context.new_page()
        page.goto(srv.base + "/sum")
        page.fill("input[name=n]", "1")
        shot(page, "form")
        time.sleep(2.1)  # the form's continuation lives one second
        with page.expect_navigation() as nav:
            page.click("button[type=submit]")
        assert nav.value.status == 410 and "This page has expired" in page.content()
        shot(page, "expired-410")
        with page.expect_navigation():
            page.click("#start")
        assert page.url == srv.base + "/sum" and page.locator("input[name=n]").count() == 1
        shot(page, "started-again")
