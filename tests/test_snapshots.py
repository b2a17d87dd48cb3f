"""Debugger snapshots end to end: each test runs real `python -m turmeric` processes in a
temporary folder, with relative paths; resuming always happens in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def turmeric(*args, cwd, env=None):
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    for k in ("TURMERIC_SNAPSHOT_ON_ERROR", "TURMERIC_SNAPSHOT_DIR", "TURMERIC_KEY", "TURMERIC_PATH"):
        e.pop(k, None)
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=cwd, env=e, capture_output=True, text=True, timeout=120)


def write(folder, name, text):
    p = Path(folder) / name
    p.write_text(textwrap.dedent(text))
    return p


def snapshot_path(stderr):
    for line in stderr.splitlines():
        if line.startswith("snapshot: "):
            return line[len("snapshot: ") :].strip()
    raise AssertionError(f"no snapshot line in:\n{stderr}")


ORDER = """\
    (def stock {"tea" 10 "teapot" 1})
    (defn reserve [item qty]
      (let [have (get stock item)]
        (if (< have qty)
          (throw (str "only " have " " item " left, " qty " wanted"))
          (do (println "reserved" qty item) qty))))
    (defn order-total [lines]
      (loop [ls lines total 0]
        (if (empty? ls)
          total
          (let [l (first ls)
                got (reserve (nth l 0) (nth l 1))]
            (recur (rest ls) (+ total (* got (nth l 2))))))))
    (defn main []
      (try
        (println "total" (order-total [["tea" 2 6] ["teapot" 2 25] ["tea" 1 6]]))
        (finally (println "cleanup"))))
"""


def test_uncaught_throw_writes_a_snapshot_and_resume_returns_the_value_from_the_throw(tmp_path):
    write(tmp_path, "order.tm", ORDER)
    r = turmeric("run", "--snapshot-on-error", "order.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout == "reserved 2 tea\ncleanup\n"  # the finally block ran on the way out
    assert "uncaught error" in r.stderr and "order.tm:5:" in r.stderr and "Traceback" not in r.stderr
    snap = snapshot_path(r.stderr)
    assert (tmp_path / snap).exists()
    # a fresh process: the throw returns 1, so one teapot is reserved and the order completes
    r2 = turmeric("resume", snap, "--value", "1", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout == "reserved 1 tea\ntotal 43\ncleanup\n"


def test_without_the_flag_nothing_is_written(tmp_path):
    write(tmp_path, "order.tm", ORDER)
    r = turmeric("run", "order.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "snapshot" not in r.stderr
    assert list(tmp_path.glob("*.snap")) == []


def test_environment_variable_names_the_folder(tmp_path):
    write(tmp_path, "order.tm", ORDER)
    r = turmeric("run", "order.tm", cwd=tmp_path, env={"TURMERIC_SNAPSHOT_ON_ERROR": "snaps"})
    assert r.returncode == 1
    files = list((tmp_path / "snaps").glob("error-order-*.snap"))
    assert len(files) == 1 and snapshot_path(r.stderr) == os.path.join("snaps", files[0].name)
    r = turmeric("run", "order.tm", cwd=tmp_path, env={"TURMERIC_SNAPSHOT_ON_ERROR": "1", "TURMERIC_SNAPSHOT_DIR": "other"})
    assert len(list((tmp_path / "other").glob("*.snap"))) == 1
    r = turmeric("run", "order.tm", cwd=tmp_path, env={"TURMERIC_SNAPSHOT_ON_ERROR": "0"})
    assert "snapshot" not in r.stderr


def test_inspect_shows_the_error_frames_locals_and_source_lines(tmp_path):
    write(tmp_path, "order.tm", ORDER)
    snap = snapshot_path(turmeric("run", "--snapshot-on-error", "order.tm", cwd=tmp_path).stderr)
    r = turmeric("inspect", snap, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "snapshot (error)" in r.stderr + r.stdout
    assert '"only 1 teapot left, 2 wanted"' in r.stdout
    assert "| (throw (str" in r.stdout
    assert "| got (reserve (nth l 0) (nth l 1))]" in r.stdout
    s = json.loads(turmeric("inspect", snap, "--json", cwd=tmp_path).stdout)
    assert s["type"] == "snapshot" and s["snapshot"]["kind"] == "error"
    assert s["snapshot"]["at"].endswith("order.tm:5:7")
    syms = [f["symbol"] for f in s["frames"]]
    assert syms == ["order.reserve", "order.order-total", "order.main"]
    f0, f1 = s["frames"][0], s["frames"][1]
    assert {"name": "item", "value": '"teapot"'} in f0["args"] and {"name": "have", "value": "1"} in f0["locals"]
    assert {"name": "total", "value": "12"} in f1["locals"] and (f1["line"], f1["col"]) == (12, 17)


def test_semantics_of_catch_and_finally_are_unchanged(tmp_path):
    write(
        tmp_path,
        "p.tm",
        """\
        (defn f [x] (try (throw x) (finally (println "inner finally"))))
        (defn g [x] (try (f x) (catch [e] (str "caught " e))))
        (println (g 1))
        (println (try-with (fn [] (+ 1 (f 2))) (fn [e k] (k 40))))
        (println (cloneable-reset (fn [] (try (f 3) (catch [e] e)))))
        (println (try (sort (fn [a b] (throw "in comparator")) [3 1 2]) (catch [e] e)))
    """,
    )
    plain = turmeric("run", "p.tm", cwd=tmp_path)
    snap = turmeric("run", "--snapshot-on-error", "p.tm", cwd=tmp_path)
    assert plain.returncode == snap.returncode == 0, plain.stderr + snap.stderr
    assert plain.stdout == snap.stdout
    assert "inner finally\ncaught 1\n" in snap.stdout
    assert list(tmp_path.glob("*.snap")) == []


def test_a_throw_inside_a_nested_prompt_resumes_through_it(tmp_path):
    write(
        tmp_path,
        "nest.tm",
        """\
        (defn risky [n] (if (> n 2) (throw "too big") n))
        (defn main []
          (let [a (cloneable-reset (fn [] (* 10 (risky 3))))]
            (println "after the prompt" a)))
    """,
    )
    r = turmeric("run", "--snapshot-on-error", "nest.tm", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    r2 = turmeric("resume", snapshot_path(r.stderr), "--value", "7", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout == "after the prompt 70\n"


def test_a_throw_through_a_host_callback_keeps_its_error_and_says_why_there_is_no_snapshot(tmp_path):
    write(tmp_path, "cb.tm", '(defn main [] (sort (fn [a b] (throw "bad compare")) [2 1]))')
    plain = turmeric("run", "cb.tm", cwd=tmp_path)
    r = turmeric("run", "--snapshot-on-error", "cb.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert '"bad compare"' in r.stderr and '"bad compare"' in plain.stderr
    assert "no snapshot: the stack passes through a Python function that called back into Turmeric (sort)" in r.stderr
    assert list(tmp_path.glob("*.snap")) == []


def test_runtime_errors_say_why_there_is_no_snapshot(tmp_path):
    write(tmp_path, "z.tm", "(defn main [] (/ 1 0))")
    r = turmeric("run", "--snapshot-on-error", "z.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "no snapshot: this error (division-by-zero) was raised by the runtime" in r.stderr


def test_a_throw_handled_by_try_with_writes_nothing_and_a_rethrow_is_saved(tmp_path):
    write(
        tmp_path,
        "tw.tm",
        """\
        (defn f [x] (+ 1 (throw x)))
        (println "handled" (try-with (fn [] (f 1)) (fn [e k] (k 10))))
        (defn main [] (println "main" (try-with (fn [] (f 2)) (fn [e k] (throw (str "rethrown " e))))))
    """,
    )
    r = turmeric("run", "--snapshot-on-error", "tw.tm", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == "handled 11\n"
    assert "rethrown 2" in r.stderr
    r2 = turmeric("resume", snapshot_path(r.stderr), "--value", '"fixed"', cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout == "main fixed\n"


def test_snapshot_writes_and_continues_breakpoint_writes_and_stops(tmp_path):
    write(
        tmp_path,
        "bp.tm",
        """\
        (defn step [i acc]
          (when (= i 2) (snapshot "at-two"))
          (when (= i 3) (breakpoint "at-three"))
          (+ acc i))
        (defn main []
          (loop [i 0 acc 0]
            (if (< i 5)
              (do (println "i" i) (recur (inc i) (step i acc)))
              (println "done" acc))))
    """,
    )
    r = turmeric("run", "bp.tm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "i 0\ni 1\ni 2\ni 3\n"
    assert "breakpoint: the computation is saved in" in r.stderr and "turmeric resume" in r.stderr
    assert (tmp_path / "at-two.snap").exists() and (tmp_path / "at-three.snap").exists()
    s = json.loads(turmeric("inspect", "at-three.snap", "--json", cwd=tmp_path).stdout)
    assert s["snapshot"]["kind"] == "breakpoint" and s["snapshot"]["name"] == "at-three"
    assert [f["symbol"] for f in s["frames"]] == ["turmeric.breakpoint", "bp.step", "bp.main"]
    # carry on from the breakpoint in a fresh process
    r = turmeric("resume", "at-three.snap", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "i 4\ndone 10\n"
    # replay from the earlier snapshot: it runs into the breakpoint again
    r = turmeric("resume", "at-two.snap", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "i 3\n" and "breakpoint:" in r.stderr


def test_snapshot_names_are_checked(tmp_path):
    write(tmp_path, "n.tm", '(defn main [] (snapshot "../escape"))')
    r = turmeric("run", "n.tm", cwd=tmp_path)
    assert r.returncode == 1 and "must be letters, digits" in r.stderr
    assert not (tmp_path.parent / "escape.snap").exists()


def test_signed_snapshots(tmp_path):
    write(tmp_path, "order.tm", ORDER)
    (tmp_path / "key").write_text("s3cret-of-16-bytes\n")
    r = turmeric("run", "--snapshot-on-error", "--key-file", "key", "order.tm", cwd=tmp_path)
    snap = snapshot_path(r.stderr)
    assert "(signed" in turmeric("inspect", snap, cwd=tmp_path).stdout
    ok = turmeric("resume", snap, "--value", "1", "--key-file", "key", cwd=tmp_path)
    assert ok.returncode == 0 and ok.stdout.endswith("total 43\ncleanup\n"), ok.stderr
    ok = turmeric("resume", snap, "--value", "1", cwd=tmp_path, env={"TURMERIC_KEY": "s3cret-of-16-bytes"})
    assert ok.returncode == 0, ok.stderr
    no_key = turmeric("resume", snap, "--value", "1", cwd=tmp_path)
    assert no_key.returncode == 1 and no_key.stdout == "" and "is signed: give the key" in no_key.stderr
    wrong = turmeric("resume", snap, "--value", "1", cwd=tmp_path, env={"TURMERIC_KEY": "another-key-of-16-bytes"})
    assert wrong.returncode == 1 and wrong.stdout == "" and "signature mismatch" in wrong.stderr
    # a snapshot without a signature where a key is required
    plain = snapshot_path(turmeric("run", "--snapshot-on-error", "order.tm", cwd=tmp_path).stderr)
    r = turmeric("resume", plain, "--value", "1", "--key-file", "key", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == "" and "is not signed, but a key is configured" in r.stderr
    # a blob signed with the same key for another purpose is not a snapshot
    write(tmp_path, "other.tm", '(defn main [] (write-file "x.bin" (sign (serialize 1) "s3cret-of-16-bytes")))')
    turmeric("run", "other.tm", cwd=tmp_path)
    r = turmeric("resume", "x.bin", "--key-file", "key", cwd=tmp_path)
    assert r.returncode == 1 and "signature mismatch" in r.stderr


def test_bad_input_is_refused_and_nothing_runs(tmp_path):
    write(tmp_path, "order.tm", ORDER)
    snap = snapshot_path(turmeric("run", "--snapshot-on-error", "order.tm", cwd=tmp_path).stderr)
    data = (tmp_path / snap).read_bytes()
    # a --value that doesn't parse
    r = turmeric("resume", snap, "--value", "(+ 1", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert "--value '(+ 1' is not a Turmeric expression; nothing was run" in r.stderr and "Traceback" not in r.stderr
    r = turmeric("resume", snap, "--value", "1 2", cwd=tmp_path)
    assert r.returncode == 1 and "must be one expression" in r.stderr
    # truncated
    (tmp_path / "cut.snap").write_bytes(data[: len(data) // 2])
    r = turmeric("resume", "cut.snap", "--value", "1", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == "" and "not an intact Turmeric blob" in r.stderr
    # the code moved on: reserve was edited since the snapshot was taken. The snapshot
    # carries its frames' code, so it resumes on its own version; one without its code
    # (as an older version wrote them: the bundle taken off) is refused
    from turmeric.serialization import format as fmt

    assert data[:4] == fmt.CODE_MAGIC
    (tmp_path / "nocode.snap").write_bytes(fmt.split_bundle(data)[1])
    (tmp_path / "order.tm").write_text(textwrap.dedent(ORDER).replace("(< have qty)", "(<= have qty)"))
    r = turmeric("resume", snap, "--value", "1", cwd=tmp_path)
    assert r.returncode == 0 and "order.reserve changed since the snapshot was taken: resuming on the snapshot's own version" in r.stderr
    r = turmeric("resume", "nocode.snap", "--value", "1", cwd=tmp_path)
    assert r.returncode == 1 and r.stdout == ""
    assert "the code of order.reserve (" in r.stderr and "changed since it was written; nothing was run" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_deep_failure_is_saved_and_resumed(tmp_path):
    write(
        tmp_path,
        "deep.tm",
        """\
        (defn down [n] (if (= n 0) (throw "bottom") (+ 1 (down (- n 1)))))
        (defn main [] (println "sum" (down 1000)))
    """,
    )
    r = turmeric("run", "--snapshot-on-error", "deep.tm", cwd=tmp_path)
    assert r.returncode == 1
    s = json.loads(turmeric("inspect", snapshot_path(r.stderr), "--json", cwd=tmp_path).stdout)
    assert len(s["frames"]) == 1002  # 1,001 frames of down, and main
    r2 = turmeric("resume", snapshot_path(r.stderr), "--value", "5", cwd=tmp_path)
    assert r2.returncode == 0 and r2.stdout == "sum 1005\n", r2.stderr


def test_resume_with_snapshots_on_saves_a_new_failure(tmp_path):
    write(
        tmp_path,
        "again.tm",
        """\
        (defn checked [n] (if (> n 3) (throw n) n))
        (defn main [] (let [x (checked 5)] (println "result" (checked (* x 10)))))
    """,
    )
    first = snapshot_path(turmeric("run", "--snapshot-on-error", "again.tm", cwd=tmp_path).stderr)
    r = turmeric("resume", first, "--value", "2", "--snapshot-on-error", cwd=tmp_path)
    assert r.returncode == 1 and "uncaught error: 20" in r.stderr
    second = snapshot_path(r.stderr)
    assert second != first
    r = turmeric("resume", second, "--value", "3", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == "result 3\n", r.stderr


def test_the_resume_value_may_use_the_programs_structs_and_functions(tmp_path):
    write(
        tmp_path,
        "q.tm",
        """\
        (struct quote-line [item : string price : int64])
        (def prices {"tea" (quote-line "tea" 6)})
        (defn discounted [p] (- p 5))
        (defn quote-for [item] (or (get prices item) (throw (str "no price for " item))))
        (defn main [] (let [q (quote-for "teapot")] (println q.item q.price)))
    """,
    )
    r = turmeric("run", "--snapshot-on-error", "q.tm", cwd=tmp_path)
    assert r.returncode == 1 and "no price for teapot" in r.stderr
    r2 = turmeric("resume", snapshot_path(r.stderr), "--value", '(quote-line "teapot" (discounted 30))', cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout == "teapot 25\n"


def test_globals_are_saved_with_the_snapshot_and_put_back(tmp_path):
    write(
        tmp_path,
        "g.tm",
        """\
        (def table (into {} (map (fn [i] [i (* i i)]) (range 5))))   ; not a literal: definitions mode skips it
        (def hits (ref 0))
        (defn lookup [i] (ref-set! hits (inc (deref hits))) (or (get table i) (throw (str "no square for " i))))
        (defn main [] (println (+ (lookup 2) (lookup 9)) "hits" (deref hits)))
    """,
    )
    r = turmeric("run", "--snapshot-on-error", "g.tm", cwd=tmp_path)
    assert r.returncode == 1
    snap = snapshot_path(r.stderr)
    text = turmeric("inspect", snap, cwd=tmp_path).stdout
    assert "g.table = {" in text and "g.hits = #<ref 2>" in text
    r2 = turmeric("resume", snap, "--value", "81", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout == "85 hits 2\n"


def test_the_worked_example_of_docs_debugging(tmp_path):
    (tmp_path / "order_failure.tm").write_text((REPO / "examples" / "order_failure.tm").read_text())
    r = turmeric("run", "--snapshot-on-error", "order_failure.tm", cwd=tmp_path)
    assert r.returncode == 1 and "out of stock: 2 teapot wanted, 1 left" in r.stderr
    snap = snapshot_path(r.stderr)
    text = turmeric("inspect", snap, cwd=tmp_path).stdout
    assert 'local shipped = [["tea" 2]]' in text and "order_failure.stock = {" in text
    r2 = turmeric("resume", snap, "--value", "1", cwd=tmp_path)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout == "order: {:customer ann :shipped [[tea 2] [teapot 1] [cup 4]] :total 53}\n"
