"""End-to-end tests of serializable continuations across real processes.

Every test copies the example programs from examples/ into a fresh pytest tmp_path
folder and runs `python -m turmeric ...` there, so a continuation is always saved by
one process and resumed by another. Crash tests kill the running interpreter with a
real SIGKILL once the checkpoint they wait for is on disk (the examples can pause on
stdin at a chosen point, which gives the test a deterministic window to kill in).
Every subprocess has a timeout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
TIMEOUT = 120  # seconds, for every subprocess


# --- helpers -------------------------------------------------------------------------------------


def turmeric(*args, cwd, stdin=subprocess.DEVNULL, timeout=TIMEOUT):
    """Run `python -m turmeric ARGS...` in cwd and return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-m", "turmeric", *map(str, args)],
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=_env(),
    )


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("TURMERIC_PATH", None)
    return env


def copy_examples(dest: Path, *names: str) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(EXAMPLES / name, dest / name)
    return dest


def ok(r):
    """Assert a clean, successful run and return its stdout."""
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout


def clean_failure(r, *needles):
    """Assert exit status 1, each needle on stderr, and no Python traceback."""
    assert r.returncode == 1, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    for n in needles:
        assert n in r.stderr, f"{n!r} not in stderr:\n{r.stderr}"


def spawn(*args, cwd: Path, log: str = "spawned"):
    """Start `python -m turmeric ARGS...` in the background.

    stdin is a pipe the test never writes to, so an example that pauses on stdin
    waits there until it is killed; stdout/stderr go to files (no pipe can fill up).
    """
    out = open(cwd / f"{log}.out", "w")
    err = open(cwd / f"{log}.err", "w")
    p = subprocess.Popen(
        [sys.executable, "-m", "turmeric", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.PIPE,
        stdout=out,
        stderr=err,
        env=_env(),
    )
    p._files = (out, err)  # closed by kill_when
    return p


def kill_when(p, path: Path, cwd: Path, log: str = "spawned", timeout=TIMEOUT):
    """Wait until `path` exists, then SIGKILL the real process `p`; return its stdout so far."""
    deadline = time.monotonic() + timeout
    try:
        while not path.exists():
            if p.poll() is not None:
                pytest.fail(
                    f"process exited ({p.returncode}) before {path.name} appeared\n"
                    f"stdout:\n{(cwd / f'{log}.out').read_text()}\nstderr:\n{(cwd / f'{log}.err').read_text()}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"{path.name} did not appear within {timeout}s")
            time.sleep(0.02)
        os.kill(p.pid, signal.SIGKILL)
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=30)
        p.stdin.close()
        for f in p._files:
            f.close()
    assert p.returncode == -signal.SIGKILL, p.returncode
    return (cwd / f"{log}.out").read_text(), (cwd / f"{log}.err").read_text()


def lines(path: Path):
    return path.read_text().splitlines() if path.exists() else []


def flip_byte(data: bytes, i: int) -> bytes:
    b = bytearray(data)
    b[i] ^= 0x01
    return bytes(b)


# --- the seed guide's first example ---------------------------------------------------------------


def test_first_example_across_two_processes(tmp_path):
    copy_examples(tmp_path, "first_example.tm", "first_example_resume.tm")
    assert ok(turmeric("run", "first_example.tm", cwd=tmp_path)) == "10\n43\n"
    blob = tmp_path / "continuation.dat"
    assert blob.exists()
    saved = blob.read_bytes()

    # another process resumes it; first_example.tm is loaded in definitions mode only:
    # its printlns do not run again and it does not rewrite continuation.dat
    assert ok(turmeric("run", "first_example_resume.tm", cwd=tmp_path)) == "43\n"
    assert blob.read_bytes() == saved
    # multi-shot, also after serialization: resume the same blob again, differently
    assert ok(turmeric("resume", "continuation.dat", "--value", "42", cwd=tmp_path)) == "43\n"
    assert ok(turmeric("resume", "continuation.dat", "--value", "(* 6 7)", cwd=tmp_path)) == "43\n"
    assert ok(turmeric("resume", "continuation.dat", "--value", "-1", cwd=tmp_path)) == "0\n"


def test_first_example_blob_resumes_in_another_folder(tmp_path):
    a = copy_examples(tmp_path / "a", "first_example.tm")
    ok(turmeric("run", "first_example.tm", cwd=a))
    # the other folder has the program source and the blob, nothing else
    b = copy_examples(tmp_path / "b", "first_example.tm", "first_example_resume.tm")
    shutil.copy(a / "continuation.dat", b / "continuation.dat")
    shutil.rmtree(a)
    assert ok(turmeric("run", "first_example_resume.tm", cwd=b)) == "43\n"
    # a blob in a folder without the code: -I names the folder that has the module
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.move(str(b / "first_example.tm"), str(lib / "first_example.tm"))
    c = tmp_path / "c"
    c.mkdir()
    shutil.copy(b / "continuation.dat", c / "k.dat")
    assert ok(turmeric("resume", "k.dat", "--value", "1", "-I", lib, cwd=c)) == "2\n"


def test_resume_without_the_code_is_a_clean_missing_module_or_function_error(tmp_path):
    a = copy_examples(tmp_path / "a", "first_example.tm")
    ok(turmeric("run", "first_example.tm", cwd=a))
    b = tmp_path / "b"
    b.mkdir()
    shutil.copy(a / "continuation.dat", b / "continuation.dat")
    r = turmeric("resume", "continuation.dat", "--value", "42", cwd=b)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    assert "first_example" in r.stderr


# --- persistent workflow: the seed guide's process-order and checkpoint macro --------------------


def test_order_workflow_runs_to_completion_with_three_checkpoints(tmp_path):
    copy_examples(tmp_path, "order_workflow.tm")
    out = ok(turmeric("run", "order_workflow.tm", cwd=tmp_path))
    assert out == ("loading order 1\ncharged card-4241\nfulfilled order 1\nresult: shipped order 1 (green tea), receipt-card-4241\n")
    for name in ("order-validated", "payment-charged", "order-fulfilled"):
        assert (tmp_path / f"checkpoint-{name}.bin").exists(), name
    assert lines(tmp_path / "charges.log") == ["charged card-4241"]
    assert lines(tmp_path / "fulfilled.log") == ["order 1 receipt-card-4241"]

    # resuming from the last checkpoint in a new process returns the result and
    # does nothing else
    out = ok(turmeric("run", "order_workflow.tm", "resume", "order-fulfilled", cwd=tmp_path))
    assert out == "resumed: shipped order 1 (green tea), receipt-card-4241\n"
    assert lines(tmp_path / "charges.log") == ["charged card-4241"]
    assert lines(tmp_path / "fulfilled.log") == ["order 1 receipt-card-4241"]


def test_order_workflow_killed_after_payment_resumes_without_charging_again(tmp_path):
    copy_examples(tmp_path, "order_workflow.tm")
    p = spawn("run", "order_workflow.tm", "start", "3", "--pause-before-fulfill", cwd=tmp_path)
    out, err = kill_when(p, tmp_path / "checkpoint-payment-charged.bin", tmp_path)
    assert "Traceback" not in err

    # the process died after charging and checkpointing, before fulfilment
    assert lines(tmp_path / "charges.log") == ["charged card-4243"]
    assert not (tmp_path / "fulfilled.log").exists()
    assert not (tmp_path / "checkpoint-order-fulfilled.bin").exists()
    assert (tmp_path / "checkpoint-order-validated.bin").exists()
    assert "result:" not in out

    # a new process calls (resume-from-checkpoint "payment-charged")
    out = ok(turmeric("run", "order_workflow.tm", "resume", "payment-charged", cwd=tmp_path))
    assert out == "fulfilled order 3\nresumed: shipped order 3 (green tea), receipt-card-4243\n"
    assert "charged card" not in out and "loading order" not in out
    assert lines(tmp_path / "charges.log") == ["charged card-4243"], "charged twice"
    assert lines(tmp_path / "fulfilled.log") == ["order 3 receipt-card-4243"]
    # the resumed run reached the next checkpoint macro, which saved it as usual
    assert (tmp_path / "checkpoint-order-fulfilled.bin").exists()
    out = ok(turmeric("run", "order_workflow.tm", "resume", "order-fulfilled", cwd=tmp_path))
    assert out == "resumed: shipped order 3 (green tea), receipt-card-4243\n"
    assert lines(tmp_path / "charges.log") == ["charged card-4243"]


def test_order_workflow_resume_from_validated_charges_exactly_once_more(tmp_path):
    # the checkpoint before payment re-runs the payment step: each checkpoint is a
    # snapshot of "the rest of the work" from that point
    copy_examples(tmp_path, "order_workflow.tm")
    p = spawn("run", "order_workflow.tm", "start", "5", "--pause-before-fulfill", cwd=tmp_path)
    kill_when(p, tmp_path / "checkpoint-order-validated.bin", tmp_path)
    before = lines(tmp_path / "charges.log")
    assert len(before) <= 1
    if (tmp_path / "checkpoint-payment-charged.bin").exists():
        resume_from = "payment-charged"
        expected = before
    else:
        # killed after charging but before the payment checkpoint was written (or
        # before charging): resuming from the earlier checkpoint charges once more
        resume_from = "order-validated"
        expected = before + ["charged card-4245"]
    out = ok(turmeric("run", "order_workflow.tm", "resume", resume_from, cwd=tmp_path))
    assert "resumed: shipped order 5 (green tea), receipt-card-4245" in out
    assert "loading order" not in out
    assert lines(tmp_path / "charges.log") == expected


def test_changed_code_gives_schema_mismatch_but_comments_do_not(tmp_path):
    copy_examples(tmp_path, "order_workflow.tm")
    ok(turmeric("run", "order_workflow.tm", cwd=tmp_path))
    src = tmp_path / "order_workflow.tm"
    original = src.read_text()

    # comments and whitespace do not change a function's fingerprint
    src.write_text(original.replace("  ;; Step 3: Fulfill order\n", "  ;; Step 3: ship it\n\n   \n"))
    out = ok(turmeric("run", "order_workflow.tm", "resume", "payment-charged", cwd=tmp_path))
    assert "resumed: shipped order 1" in out

    # a changed body of a function with a frame in the blob: schema-mismatch, cleanly
    changed = original.replace("\n  fulfillment)\n", '\n  (str fulfillment "!"))\n')
    assert changed != original
    src.write_text(changed)
    r = turmeric("run", "order_workflow.tm", "resume", "payment-charged", cwd=tmp_path)
    clean_failure(r, "schema-mismatch")
    assert lines(tmp_path / "charges.log") == ["charged card-4241"]

    # the function is gone: missing-function naming its stable symbol
    src.write_text(original.replace("process-order", "process-order-v2"))
    r = turmeric("run", "order_workflow.tm", "resume", "payment-charged", cwd=tmp_path)
    clean_failure(r, "missing-function", "order_workflow.process-order")


# --- distributed task migration ------------------------------------------------------------------


def test_task_migration_between_two_folders(tmp_path):
    node_a = copy_examples(tmp_path / "node-a", "task_migration.tm")
    node_b = copy_examples(tmp_path / "node-b", "task_migration.tm")

    out = ok(turmeric("run", "task_migration.tm", "node-a", "job.bin", cwd=node_a))
    assert "task1 running on node A" in out
    assert "task2" not in out and "task3" not in out
    assert "sent half-finished job" in out

    # "send-to-node-b": node B gets the bytes, and has nothing else from node A
    shutil.copy(node_a / "job.bin", node_b / "job.bin")
    shutil.rmtree(node_a)
    assert sorted(os.listdir(node_b)) == ["job.bin", "task_migration.tm"]

    out = ok(turmeric("run", "task_migration.tm", "node-b", "job.bin", cwd=node_b))
    assert out == ("task2 running on node B\ntask3 running on node B\nresult: {:total 338350 :trail [task1 on A task2 on B task3 on B]}\n")
    # the blob is a snapshot: resuming it again starts again from the same point
    out = ok(turmeric("resume", "job.bin", cwd=node_b))
    assert "task1 running" not in out
    assert out.endswith('{:total 338350 :trail ["task1 on A" "task2 on ?" "task3 on ?"]}\n')


# --- checkpointing a long computation ------------------------------------------------------------

SUM_OF_SQUARES = sum(i * i for i in range(10000))


def test_checkpoint_every_n_full_run(tmp_path):
    copy_examples(tmp_path, "checkpoint_every_n.tm")
    out = ok(turmeric("run", "checkpoint_every_n.tm", cwd=tmp_path))
    assert out == f"answer: 10000 items, sum of squares {SUM_OF_SQUARES}\n"
    written = sorted(p.name for p in tmp_path.glob("checkpoint-*.bin"))
    assert written == sorted(f"checkpoint-{i}.bin" for i in range(999, 10000, 1000))


def test_checkpoint_every_n_killed_midway_resumes_from_last_checkpoint(tmp_path):
    copy_examples(tmp_path, "checkpoint_every_n.tm")
    p = spawn("run", "checkpoint_every_n.tm", "start", "--stall-at", "4500", cwd=tmp_path)
    out, err = kill_when(p, tmp_path / "checkpoint-3999.bin", tmp_path)
    assert "answer" not in out and "Traceback" not in err
    written = sorted(p.name for p in tmp_path.glob("checkpoint-*.bin"))
    assert written == sorted(f"checkpoint-{i}.bin" for i in range(999, 4000, 1000))

    # A new process resumes from checkpoint-3999.bin. With --stall-at the resumed run
    # reports when it processes an item (stdin is empty, so it goes straight on): it
    # must see item 5000 and must not see item 100, i.e. it does not start over.
    r = turmeric("run", "checkpoint_every_n.tm", "resume", "--stall-at", "100", cwd=tmp_path)
    out = ok(r)
    assert out.splitlines()[0] == "resuming from checkpoint-3999.bin"
    assert "stalled at item 100 " not in out
    assert out.splitlines()[-1] == f"answer: 10000 items, sum of squares {SUM_OF_SQUARES}"
    assert (tmp_path / "checkpoint-9999.bin").exists()

    for f in tmp_path.glob("checkpoint-*.bin"):
        if f.name not in ("checkpoint-999.bin", "checkpoint-1999.bin", "checkpoint-2999.bin", "checkpoint-3999.bin"):
            f.unlink()
    out = ok(turmeric("run", "checkpoint_every_n.tm", "resume", "--stall-at", "5000", cwd=tmp_path))
    assert "stalled at item 5000 " in out
    assert out.splitlines()[-1] == f"answer: 10000 items, sum of squares {SUM_OF_SQUARES}"


# --- web continuations ---------------------------------------------------------------------------


def _get_checkout(cwd):
    out = ok(turmeric("run", "web_continuation.tm", "get", cwd=cwd))
    m = re.search(r"^token: ([a-z0-9]+)$", out, re.M)
    assert m, out
    token = m.group(1)
    assert f'action="/checkout-submit?token={token}"' in out
    assert (cwd / f"session-{token}.k").exists()
    return token


def test_web_continuation_token_resumed_by_another_process(tmp_path):
    copy_examples(tmp_path, "web_continuation.tm")
    token = _get_checkout(tmp_path)
    token2 = _get_checkout(tmp_path)
    assert token != token2, "tokens should be random"

    out = ok(turmeric("run", "web_continuation.tm", "post", token, "name=Ann&city=Oslo", cwd=tmp_path))
    assert out == "Thank you Ann: 2 items (tea, teapot) ship to Oslo. Total 37\n"
    # the same page submitted again (back button): the continuation is multi-shot
    out = ok(turmeric("run", "web_continuation.tm", "post", token, "name=Bob&city=Rome", cwd=tmp_path))
    assert out == "Thank you Bob: 2 items (tea, teapot) ship to Rome. Total 37\n"
    out = ok(turmeric("run", "web_continuation.tm", "post", token2, "name=Cy&city=Lima", cwd=tmp_path))
    assert out == "Thank you Cy: 2 items (tea, teapot) ship to Lima. Total 37\n"

    # a session file changed by one byte is refused before deserializing
    session = tmp_path / f"session-{token}.k"
    data = session.read_bytes()
    session.write_bytes(flip_byte(data, len(data) - 3))
    r = turmeric("run", "web_continuation.tm", "post", token, "name=Eve&city=X", cwd=tmp_path)
    clean_failure(r, "corrupt-data", "signature mismatch")
    assert "Thank you" not in r.stdout


# --- turmeric resume / turmeric inspect ----------------------------------------------------------


def _flatten(x):
    """Every key and scalar value in a JSON document, as strings."""
    if isinstance(x, dict):
        for k, v in x.items():
            yield str(k)
            yield from _flatten(v)
    elif isinstance(x, list):
        for v in x:
            yield from _flatten(v)
    else:
        yield str(x)


def _defn_lines(src: Path):
    """{function name: (first line, last line)} of each top-level defn, 1-based."""
    text = src.read_text().splitlines()
    starts = [(i + 1, m.group(1)) for i, ln in enumerate(text) if (m := re.match(r"\(defn (\S+)", ln))]
    spans = {}
    for j, (line, name) in enumerate(starts):
        end = starts[j + 1][0] - 1 if j + 1 < len(starts) else len(text)
        spans[name] = (line, end)
    return spans


def _mentions_line_in(text: str, filename: str, span):
    lo, hi = span
    return any(lo <= int(n) <= hi for n in re.findall(re.escape(filename) + r":(\d+)", text))


def test_debugger_snapshot_resume_and_inspect(tmp_path):
    copy_examples(tmp_path, "debugger_snapshot.tm")
    out = ok(turmeric("run", "debugger_snapshot.tm", cwd=tmp_path))
    assert out.splitlines()[-1] == "invoice: ann owes 67 for 2 lines"
    assert "debugger_snapshot.price-with-tax" in out
    blob = tmp_path / "snapshot.bin"
    saved = blob.read_bytes()
    files_before = sorted(os.listdir(tmp_path))

    # replay from the frozen point with another value, in a fresh process
    assert ok(turmeric("resume", "snapshot.bin", "--value", "20", cwd=tmp_path)) == '"ann owes 72 for 2 lines"\n'
    assert ok(turmeric("resume", "snapshot.bin", "--value", "0", cwd=tmp_path)) == '"ann owes 62 for 2 lines"\n'

    spans = _defn_lines(tmp_path / "debugger_snapshot.tm")
    # inspect describes the blob without running anything
    text = ok(turmeric("inspect", "snapshot.bin", cwd=tmp_path))
    for sym in ("debugger_snapshot.price-with-tax", "debugger_snapshot.invoice"):
        assert sym in text, text
    assert text.index("debugger_snapshot.price-with-tax") < text.index("debugger_snapshot.invoice"), "innermost first"
    for name in ("price-with-tax", "invoice"):
        assert _mentions_line_in(text, "debugger_snapshot.tm", spans[name]), (name, spans[name], text)
    for local in ("item", "qty", "unit", "subtotal", "customer", "items", "lines", "tea-cost"):
        assert re.search(r"(?<![\w-])" + re.escape(local) + r"(?![\w-])", text), (local, text)
    for value in ("teapot", "25", "50", "ann"):
        assert value in text, (value, text)
    assert "snapshot saved" not in text

    data = json.loads(ok(turmeric("inspect", "snapshot.bin", "--json", cwd=tmp_path)))
    flat = list(_flatten(data))
    joined = "\n".join(flat)
    for sym in ("debugger_snapshot.price-with-tax", "debugger_snapshot.invoice"):
        assert sym in flat, joined
    for local in ("item", "qty", "unit", "subtotal", "customer", "items", "lines", "tea-cost"):
        assert local in flat, (local, joined)
    for name in ("price-with-tax", "invoice"):
        assert _mentions_line_in(joined, "debugger_snapshot.tm", spans[name]) or any(
            spans[name][0] <= int(v) <= spans[name][1] for v in flat if v.isdigit()
        ), (name, joined)
    assert any("debugger_snapshot.tm" in v for v in flat), joined

    # nothing ran: no new files, the blob unchanged
    assert blob.read_bytes() == saved
    assert sorted(os.listdir(tmp_path)) == files_before


def test_inspect_first_example_blob(tmp_path):
    copy_examples(tmp_path, "first_example.tm")
    ok(turmeric("run", "first_example.tm", cwd=tmp_path))
    text = ok(turmeric("inspect", "continuation.dat", cwd=tmp_path))
    assert "first_example" in text
    assert "first_example.tm:" in text
    data = json.loads(ok(turmeric("inspect", "continuation.dat", "--json", cwd=tmp_path)))
    assert any("first_example" in v for v in _flatten(data))


# --- corrupt and signed blobs --------------------------------------------------------------------


def test_blob_altered_by_one_byte_is_a_clean_corrupt_data_error(tmp_path):
    copy_examples(tmp_path, "first_example.tm")
    ok(turmeric("run", "first_example.tm", cwd=tmp_path))
    good = (tmp_path / "continuation.dat").read_bytes()

    # turmeric resume on a blob with one byte changed: exit 1, corrupt-data, no traceback
    for i in (0, len(good) // 2, len(good) - 1):
        (tmp_path / "bad.dat").write_bytes(flip_byte(good, i))
        r = turmeric("resume", "bad.dat", "--value", "42", cwd=tmp_path)
        clean_failure(r, "corrupt-data")
        assert r.stdout == "", (i, r.stdout)
        r = turmeric("inspect", "bad.dat", cwd=tmp_path)
        assert r.returncode == 1 and "Traceback" not in r.stderr and "corrupt-data" in r.stderr, (i, r.stderr)


def test_every_single_byte_change_or_truncation_is_corrupt_data(tmp_path):
    copy_examples(tmp_path, "first_example.tm")
    ok(turmeric("run", "first_example.tm", cwd=tmp_path))
    good = (tmp_path / "continuation.dat").read_bytes()
    # caught as a value in Turmeric, one process for all the variants
    variants = [flip_byte(good, i) for i in range(len(good))] + [good[:n] for n in range(len(good))]
    for n, v in enumerate(variants):
        (tmp_path / f"v{n}.dat").write_bytes(v)
    (tmp_path / "check.tm").write_text(
        "(defn check [n]\n"
        '  (try (do (deserialize (read-file (str "v" n ".dat"))) (str n " accepted"))\n'
        '       (catch [e] (match e (corrupt-data _) -> :corrupt-data _ -> (str n " other " e)))))\n'
        f"(for-each (range {len(variants)}) (fn [n] (println (check n))))\n"
    )
    out = ok(turmeric("run", "check.tm", cwd=tmp_path))
    bad = [ln for ln in out.splitlines() if ln != ":corrupt-data"]
    assert bad == [], f"{len(bad)} of {len(variants)} variants not rejected (blob is {len(good)} bytes): {bad[:20]}"
    assert len(out.splitlines()) == len(variants)


def test_signed_blob_rejects_tampering(tmp_path):
    copy_examples(tmp_path, "first_example.tm")
    ok(turmeric("run", "first_example.tm", cwd=tmp_path))
    (tmp_path / "sign.tm").write_text('(write-file "signed.dat" (sign (read-file "continuation.dat") "k3y-of-16-bytes!"))\n')
    (tmp_path / "load.tm").write_text(
        "(def key (first (command-line-args)))\n"
        '(println (try (resume (deserialize (verify (read-file "signed.dat") key)) 42)\n'
        '              (catch [e] (match e (corrupt-data r) -> (str "corrupt-data: " r)))))\n'
    )
    ok(turmeric("run", "sign.tm", cwd=tmp_path))
    signed = (tmp_path / "signed.dat").read_bytes()
    assert ok(turmeric("run", "load.tm", "k3y-of-16-bytes!", cwd=tmp_path)) == "43\n"
    assert ok(turmeric("run", "load.tm", "other-key-16-bytes", cwd=tmp_path)) == "corrupt-data: signature mismatch\n"

    for i in (0, 5, 20, len(signed) // 2, len(signed) - 1):
        (tmp_path / "signed.dat").write_bytes(flip_byte(signed, i))
        assert ok(turmeric("run", "load.tm", "k3y-of-16-bytes!", cwd=tmp_path)) == "corrupt-data: signature mismatch\n", i
    (tmp_path / "signed.dat").write_bytes(signed[:-1])
    assert ok(turmeric("run", "load.tm", "k3y-of-16-bytes!", cwd=tmp_path)) == "corrupt-data: signature mismatch\n"

    # uncaught, it is a clean error too
    (tmp_path / "signed.dat").write_bytes(flip_byte(signed, len(signed) // 2))
    (tmp_path / "load2.tm").write_text('(resume (deserialize (verify (read-file "signed.dat") "k3y-of-16-bytes!")) 42)\n')
    clean_failure(turmeric("run", "load2.tm", cwd=tmp_path), "corrupt-data", "signature mismatch")


# --- file handles in a saved continuation ---------------------------------------------------------


def test_file_handle_in_a_continuation_is_reopened_in_the_resuming_process(tmp_path):
    (tmp_path / "logjob.tm").write_text(
        ";; a job holding an open log file suspends; another process resumes it\n"
        "(defn job []\n"
        '  (let [log (open-file "job.log" "w")]\n'
        '    (write-line log "step 1")\n'
        "    (def n (cloneable-shift [k] k))\n"
        '    (write-line log (str "step 2 with " n))\n'
        "    (close log)\n"
        "    :done))\n"
        "(defn main []\n"
        '  (write-file "job.bin" (serialize (cloneable-reset (fn [] (job))))))\n'
    )
    ok(turmeric("run", "logjob.tm", cwd=tmp_path))
    assert (tmp_path / "job.log").read_text() == "step 1\n"  # flushed when serialized
    assert ok(turmeric("resume", "job.bin", "--value", "7", cwd=tmp_path)) == ":done\n"
    assert (tmp_path / "job.log").read_text() == "step 1\nstep 2 with 7\n"


def test_finally_runs_in_the_process_that_really_leaves_the_frame(tmp_path):
    (tmp_path / "fin.tm").write_text(
        "(defn job []\n"
        "  (try\n"
        '    (println "before")\n'
        "    (def v (suspend))\n"
        '    (println "after" v)\n'
        "    (* v 2)\n"
        '    (finally (println "cleanup"))))\n'
        "(defn main []\n"
        '  (write-file "fin.bin" (serialize (cloneable-reset (fn [] (job))))))\n'
    )
    # suspending does not run the finally block...
    assert ok(turmeric("run", "fin.tm", cwd=tmp_path)) == "before\n"
    # ...the resuming process, which leaves the frame, does
    assert ok(turmeric("resume", "fin.bin", "--value", "21", cwd=tmp_path)) == "after 21\ncleanup\n42\n"
