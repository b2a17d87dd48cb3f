"""`turmeric ui` in a real browser: Playwright driving Debian's Chromium against a
`python -m turmeric ui` process. A screenshot of every page visited is kept in
$TURMERIC_ARTIFACTS/ui (default: test-artifacts/ui in the repository).

Under CI=true a missing Playwright or Chromium fails these tests; elsewhere it skips them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(os.environ.get("TURMERIC_ARTIFACTS", REPO / "test-artifacts")) / "ui"


def _need(why):
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need("the browser tests need Playwright (pip install playwright)")
    if not os.path.exists(CHROMIUM):
        _need(f"the browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    for k in ("TURMERIC_SNAPSHOT_ON_ERROR", "TURMERIC_SNAPSHOT_DIR", "TURMERIC_KEY"):
        e.pop(k, None)
    return e


def turmeric(*args, cwd):
    return subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=cwd, env=env(), capture_output=True, text=True, timeout=120)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class UI:
    def __init__(self, *args, cwd, extra_env=None):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "turmeric", "ui", "--port", str(self.port), *args],
            cwd=cwd,
            env={**env(), **(extra_env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"turmeric ui exited {self.proc.returncode}: {self.proc.stderr.read()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError("turmeric ui did not start listening in 60 s")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


ORDER = """\
    (def stock {"tea" 10 "teapot" 1})
    (def catalogue (vec (map (fn [i] (str "item-" i)) (range 300))))   ; a large value
    (defn reserve [item qty]
      (let [have (get stock item)
            known catalogue]
        (if (< have qty)
          (throw (str "only " have " " item " left, " qty " wanted"))
          (do (println "reserved" qty item) qty))))
    (defn order-total [lines]
      (loop [ls lines total 0]
        (if (empty? ls)
          total
          (let [l (first ls)
                got (reserve (nth l 0) (nth l 1))]
            (when (= (nth l 0) "tea") (snapshot "after-tea"))
            (recur (rest ls) (+ total (* got (nth l 2))))))))
    (defn main []
      (println "total" (order-total [["tea" 2 6] ["teapot" 2 25] ["tea" 1 6]])))
"""


def test_snapshot_pages(browser, tmp_path):
    (tmp_path / "order.tm").write_text(textwrap.dedent(ORDER))
    (tmp_path / "snaps").mkdir()
    r = turmeric("run", "--snapshot-on-error", "--snapshot-dir", "snaps", "order.tm", cwd=tmp_path)
    assert r.returncode == 1 and "snapshot: " in r.stderr, r.stderr
    ui = UI("snaps", "order.tm", cwd=tmp_path)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(ui.url + "/")
        rows = page.locator("#snapshots tr")
        assert rows.count() == 3  # header, after-tea, the error
        assert page.locator("#snapshots a", has_text="after-tea.snap").count() == 1
        assert page.locator("#snapshots .status.error").count() == 1
        shot(page, "index")

        page.locator("#snapshots a", has_text="error-order").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text().startswith("Snapshot")
        assert "only 1 teapot left, 2 wanted" in page.locator("#error").inner_text()
        frames = page.locator(".frame")
        assert frames.count() == 3
        f0 = frames.nth(0)
        assert "order.reserve" in f0.locator(".head").inner_text()
        assert "(throw (str" in f0.locator(".source").inner_text()
        assert re.search(r"have\s+1", f0.locator("table").inner_text())
        f1 = frames.nth(1)
        assert "got (reserve (nth l 0) (nth l 1))]" in f1.locator(".source").inner_text()
        assert re.search(r"total\s+12", f1.locator("table").inner_text())
        # the large local is folded; unfolding shows every element
        big = f0.locator("details")
        assert big.count() == 1
        assert not big.locator("pre").is_visible()
        shot(page, "snapshot-error")
        big.locator("summary").click()
        assert big.locator("pre").is_visible()
        assert '"item-299"' in big.locator("pre").inner_text()
        shot(page, "snapshot-error-unfolded")

        # resume from the throw with 1: the order completes in a new process
        page.fill("#resume-form input[name=value]", "1")
        page.click("#resume-form button")
        page.wait_for_load_state()
        assert page.locator("#status").inner_text() == "0"
        assert page.locator("#stdout").inner_text().strip() == "reserved 1 tea\ntotal 43"
        shot(page, "snapshot-resumed")

        # a named snapshot
        page.goto(ui.url + "/")
        page.locator("#snapshots a", has_text="after-tea").click()
        page.wait_for_load_state()
        assert page.locator(".status.snapshot").count() == 1
        assert [page.locator(".frame .head code").nth(i).inner_text() for i in range(3)] == [
            "turmeric.snapshot",
            "order.order-total",
            "order.main",
        ]
        shot(page, "snapshot-named")

        # a form posted without the page's token is refused
        resp = page.request.post(ui.url + "/snapshots/0/resume", form={"value": "1"})
        assert resp.status == 403
    finally:
        ui.close()


def test_bad_snapshot_files_are_reported_not_shown(browser, tmp_path):
    (tmp_path / "order.tm").write_text(textwrap.dedent(ORDER))
    r = turmeric("run", "--snapshot-on-error", "order.tm", cwd=tmp_path)
    snap = next(tmp_path.glob("error-*.snap"))
    (tmp_path / "cut.snap").write_bytes(snap.read_bytes()[:100])
    ui = UI("cut.snap", cwd=tmp_path)
    try:
        page = browser.new_page()
        page.goto(ui.url + "/snapshots/0")
        assert "not an intact Turmeric blob" in page.locator("#problem").inner_text()
        assert page.locator(".frame").count() == 0
        shot(page, "snapshot-corrupt")
        assert r.returncode == 1
    finally:
        ui.close()


# --- workflows ---------------------------------------------------------------------------------------

SHOP = """\
    (def big (apply str (map (fn [i] "x") (range 5000))))      ; a large value, stored as a chunk
    (defworkflow fulfil [customer lines]
      (def note (step big))
      (loop [ls lines total 0 shipped []]
        (if (empty? ls)
          (do (def ok (recv "approve"))
              {:customer customer :total total :shipped shipped :ok ok})
          (let [line (first ls)
                got (step (second line))]
            (recur (rest ls) (+ total got) (conj shipped (first line)))))))

    (defworkflow quick [x] (step (* x 2)))

    (defn main []
      (start-workflow quick [21] :id "done")
      (start-workflow fulfil ["ann" [["tea" 2] ["cup" 4]]] :id "o1"))
"""


def test_workflow_pages_and_buttons(browser, tmp_path, db_url):
    """The workflow list, a workflow, a checkpoint's frames with source lines, locals and the
    diff against the step before; the Cancel, Resume and Fork buttons (POST forms) do what
    `turmeric workflows cancel | resume | fork` do. On SQLite and on PostgreSQL."""
    import signal

    from _durable import SECRET, reap, spawn, store, wait_for

    backend = "pg" if db_url.startswith("postgresql") else "sqlite"
    (tmp_path / "shop.tm").write_text(textwrap.dedent(SHOP))
    p = spawn(tmp_path, db_url, "run", "shop.tm")
    st = store(db_url)
    try:
        wait_for(lambda: st.status_of("o1") == "waiting" and st.status_of("done") == "succeeded", p, what="the recv")
    finally:
        p.send_signal(signal.SIGKILL)
        reap(p)
    ui = UI("--db", db_url, "shop.tm", cwd=tmp_path, extra_env={"TURMERIC_SECRET": SECRET})
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(ui.url + "/")
        rows = page.locator("#workflows tr")
        assert rows.count() == 3, page.content()  # header, done, o1
        done = page.locator("#workflows tr", has_text="done")
        assert "succeeded" in done.inner_text() and "42" in done.inner_text()
        o1 = page.locator("#workflows tr", has_text="o1")
        assert "waiting" in o1.inner_text() and "shop.fulfil" in o1.inner_text()
        assert o1.locator("td").nth(3).inner_text() == "4"  # steps
        password = db_url.split("://", 1)[1].split("@")[0].partition(":")[2] if "@" in db_url else ""
        assert not password or f":{password}@" not in page.content()  # the URL is shown without its password
        shot(page, f"workflows-{backend}")

        o1.locator("a").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text().startswith("Workflow o1")
        assert page.locator("#steps tr").count() == 5
        assert "recv (waiting)" in page.locator("#steps tr").nth(4).inner_text()
        assert page.locator("#cancel-button").count() == 1 and page.locator("#resume-button").count() == 0
        shot(page, f"workflow-{backend}")

        page.locator("#steps tr").nth(3).locator("a").click()  # checkpoint 3: after the step for "tea"
        page.wait_for_load_state()
        assert "checkpoint 3" in page.locator("h1").inner_text()
        fulfil = page.locator(".frame", has_text="shop.fulfil")
        assert "got (step (second line))]" in fulfil.locator(".source").inner_text()
        assert "shop.tm:9:17" in fulfil.locator(".where").inner_text()
        table = fulfil.locator("table").inner_text()
        assert re.search(r"total\s+2", table) and re.search(r"customer\s+\"ann\"", table)
        diff = page.locator("#diff").inner_text()
        assert re.search(r"total\s+changed\s+0\s+2", diff), diff
        assert "customer" not in diff and "note" not in diff
        big = fulfil.locator("details")  # the 5000-character note, folded
        assert big.count() == 1 and not big.locator("pre").is_visible()
        shot(page, f"step-{backend}")
        big.locator("summary").click()
        assert big.locator("pre").is_visible() and big.locator("pre").inner_text().count("x") > 4000
        shot(page, f"step-unfolded-{backend}")

        # state changes only through POST forms carrying the page's token
        assert page.request.get(ui.url + "/workflows/o1/cancel").status == 405
        assert page.request.post(ui.url + "/workflows/o1/cancel", form={}).status == 403
        assert st.status_of("o1") == "waiting"

        page.goto(ui.url + "/workflows/o1")
        page.click("#cancel-button")
        page.wait_for_load_state()
        assert page.locator("#status").inner_text() == "0"
        assert "cancelled o1 (was waiting)" in page.locator("#stdout").inner_text()
        assert st.status_of("o1") == "cancelled"
        shot(page, f"cancelled-{backend}")

        page.goto(ui.url + "/workflows/o1")
        assert page.locator("#cancel-button").count() == 0
        page.click("#resume-button")
        page.wait_for_load_state()
        assert "o1 resumes from checkpoint 4" in page.locator("#stdout").inner_text()
        assert st.status_of("o1") == "running"
        shot(page, f"resumed-{backend}")

        page.goto(ui.url + "/workflows/o1")
        page.fill("input[name=from_step]", "2")
        page.click("#fork-button")
        page.wait_for_load_state()
        new_id = page.locator("#stdout").inner_text().strip()
        assert new_id.startswith("o1-fork-") and "at checkpoint 2" in page.locator("#stderr").inner_text()
        w = st.get_workflow(new_id)
        assert w["parent"] == "o1" and w["status"] == "running" and st.step_count(new_id) == 2
        shot(page, f"forked-{backend}")

        page.goto(ui.url + "/workflows/" + new_id)
        assert page.locator("a", has_text="o1").count() >= 1  # forked from
        page.eval_on_selector("input[name=from_step]", "e => e.removeAttribute('max')")  # past the form's own check
        page.fill("input[name=from_step]", "9")
        page.click("#fork-button")
        page.wait_for_load_state()
        assert page.locator("#status").inner_text() == "1" and "has no checkpoint 9" in page.locator("#stderr").inner_text()

        assert page.goto(ui.url + "/workflows/nope").status == 404
        assert page.goto(ui.url + "/workflows/o1/steps/99").status == 404
    finally:
        ui.close()
        st.close()


def test_snapshot_resume_button_with_upgrade(browser, tmp_path):
    """The Resume button with "on the current code" ticked runs `turmeric resume --upgrade`:
    after the bug was fixed in the file, the fixed code runs from the resume point."""
    from test_snapshot_upgrade import FIXED, INVOICE

    (tmp_path / "invoice.tm").write_text(textwrap.dedent(INVOICE))
    r = turmeric("run", "--snapshot-on-error", "invoice.tm", cwd=tmp_path)
    assert r.returncode == 1 and "snapshot: " in r.stderr, r.stderr
    (tmp_path / "invoice.tm").write_text(textwrap.dedent(FIXED))
    ui = UI(".", "invoice.tm", cwd=tmp_path)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(ui.url + "/snapshots/0")
        page.fill("#resume-form input[name=value]", "10")
        page.click("#resume-form button")
        page.wait_for_load_state()
        assert page.locator("#stdout").inner_text().strip() == "invoice total: 20"  # its own code
        page.goto(ui.url + "/snapshots/0")
        page.fill("#resume-form input[name=value]", "10")
        page.check("#resume-form input[name=upgrade]")
        shot(page, "snapshot-upgrade-form")
        page.click("#resume-form button")
        page.wait_for_load_state()
        assert "--upgrade" in page.locator("code").first.inner_text()
        assert page.locator("#stdout").inner_text().strip() == "invoice total: 28"  # the fixed code
        assert "resuming invoice.invoice on the current code" in page.locator("#stderr").inner_text()
        shot(page, "snapshot-upgraded")
    finally:
        ui.close()
