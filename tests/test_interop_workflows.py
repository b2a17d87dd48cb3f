"""Durable workflows started, messaged and awaited from a Python application, across
processes: one process starts a workflow and sends it a message, another awaits it
(running it), and errors arrive as `turmeric.TurmericError`. SQLite store in tmp_path."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120


def run_script(folder, name, text):
    (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("TURMERIC_PATH", None)
    env.pop("TURMERIC_DB", None)
    r = subprocess.run([sys.executable, name], cwd=folder, capture_output=True, text=True, timeout=TIMEOUT, env=env)
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r.stdout


def test_start_send_and_await_a_workflow_from_python_in_two_processes(tmp_path):
    (tmp_path / "orders_wf.tm").write_text(
        textwrap.dedent(
            """
            (defworkflow process-order [id]
              (def total (step (* id 2)))
              (def ok (recv "approval" :timeout 60))
              (if ok (str "shipped " id " for " total) "rejected"))
            (defworkflow failing [x] (step (throw (validation-error (str "bad " x)))))
            """
        ).lstrip()
    )
    out = run_script(
        tmp_path,
        "start.py",
        """
        import sys
        import turmeric
        assert "turmeric.durable" not in sys.modules  # import turmeric stays cheap
        turmeric.use_database("wf.db")
        m = turmeric.load("orders_wf.tm")
        wid = turmeric.start_workflow(m.process_order, 17, id="o-17")
        again = turmeric.start_workflow(m.process_order, 99, id="o-17")  # the id exists: nothing new
        turmeric.send(wid, "approval", True)
        print(wid, again, turmeric.workflow_status(wid), turmeric.workflow_status("nope"))
        """,
    )
    assert out == "o-17 o-17 pending None\n"
    out = run_script(
        tmp_path,
        "await.py",
        """
        import turmeric
        turmeric.use_database("wf.db")
        m = turmeric.load("orders_wf.tm")
        print(turmeric.await_workflow("o-17"), turmeric.workflow_status("o-17"))
        bad = turmeric.start_workflow(m.failing, 3)
        try:
            turmeric.await_workflow(bad)
        except turmeric.TurmericError as e:
            print(e.type, e.message, turmeric.workflow_status(bad))
        """,
    )
    assert out == "shipped 17 for 34 succeeded\nvalidation-error bad 3 failed\n"
