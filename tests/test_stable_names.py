"""Blobs resume in a fresh process whenever the code is unchanged (issue 6, part A).

Every test runs `python -m turmeric` the way a user does: in a temporary folder, with
relative paths, from other folders, through a symlinked folder, from a moved copy of the
project, with `turmeric resume` and with another program that deserializes the blob.
The fingerprints compared are the ones `turmeric inspect --json` reads from the blobs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120


def turmeric(*args, cwd, stdin=None, hashseed=None, repo=REPO):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(repo) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("TURMERIC_PATH", None)
    if hashseed is not None:
        env["PYTHONHASHSEED"] = str(hashseed)
    return subprocess.run(
        [sys.executable, "-m", "turmeric", *map(str, args)],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
    )


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr, r.stderr
    return r.stdout


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    p = folder / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


# --- A1: the issue's repro ------------------------------------------------------------------------

REPRO = """
(defn guarded [] (let [v (suspend)] (if v (throw 1) :fine)))
(write-file "x.bin" (serialize (cloneable-reset guarded)))
"""


def test_issue_repro_throw_in_resumed_function_with_relative_path(tmp_path):
    write(tmp_path, "x.tm", REPRO)
    ok(turmeric("run", "x.tm", cwd=tmp_path))
    assert ok(turmeric("resume", "x.bin", "--value", "#f", cwd=tmp_path)) == ":fine\n"
    # the other branch really throws, from the resumed frame, naming the file it ran from
    r = turmeric("resume", "x.bin", "--value", "#t", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "uncaught error: 1" in r.stderr
    assert "x.tm:1:" in r.stderr


def test_issue_repro_from_another_folder_and_resumed_from_a_third(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "x.tm", REPRO)
    (tmp_path / "elsewhere").mkdir()
    # started from the parent folder: x.bin is written to the current folder (tmp_path)
    ok(turmeric("run", "proj/x.tm", cwd=tmp_path))
    shutil.move(str(tmp_path / "x.bin"), str(proj / "x.bin"))
    assert ok(turmeric("resume", "../proj/x.bin", "--value", "#f", cwd=tmp_path / "elsewhere")) == ":fine\n"
    assert ok(turmeric("resume", "x.bin", "--value", "#f", cwd=proj)) == ":fine\n"
    assert ok(turmeric("resume", str(proj / "x.bin"), "--value", "#f", cwd=tmp_path)) == ":fine\n"


# --- A1: the same source gives the same fingerprints however it is named ---------------------------

# Every function with a frame in the blob has something that once leaked into its
# fingerprint: a throw (its position), a throw from a macro's expansion (`unless`, an
# auto-gensym), a closure produced by a macro (gensym numbering), a map a macro builds at
# expansion time (hash order), and the anonymous top-level form that starts it all.
PROG = r"""
(defmacro guard-positive [x]
  `(let [v# ~x] (unless (> v# 0) (throw (validation-error (str "not positive: " v#)))) v#))
(defmacro each [coll x & body]
  `(for-each ~coll (fn [item#] (let [~x item#] ~@body))))
(defmacro twice [e] (let [g (gensym "twice")] `(let [~g ~e] (+ ~g ~g))))
(defmacro table [] (hash-map "alpha" 1 "beta" 2 "gamma" 3 "delta" 4 "epsilon" 5 "zeta" 6 "eta" 7 "theta" 8))

(defn check-order [order]
  (unless (get order :id) (throw (validation-error "no id")))
  (guard-positive (get order :qty)))

(defn step [order]
  (let [n (check-order order)
        acc (ref 0)]
    (each [1 2] x
      (let [v (suspend)]
        (if v (throw v) (swap! acc (fn [a] (+ a x (count (table))))))))
    (twice (+ n (deref acc)))))

(defn run-order [order] (list :done (step order)))

(write-file (first (command-line-args))
            (serialize (cloneable-reset (fn [] (run-order {:id 1 :qty 2})))))
"""

# A program that resumes a blob of PROG after running macros of its own (which consume
# gensym numbers before PROG is loaded in definitions mode).
RESUMER = r"""
(defmacro noisy [] (let [a (gensym) b (gensym) c (gensym)] `(let [~a 1 ~b 2 ~c 3] (+ ~a ~b ~c))))
(println "resumer" (noisy))
(def k (deserialize (read-file (first (command-line-args)))))
(def k2 (k #f))
(prn (k2 #f))
"""

EXPECTED_RESULT = "(:done 42)\n"  # 2 * (2 + (1 + 8) + (2 + 8))


def frames_of(blob: Path, cwd: Path):
    info = json.loads(ok(turmeric("inspect", "--json", blob, cwd=cwd)))
    return [(f["symbol"], f["fingerprint"]) for f in info["frames"]]


@pytest.fixture
def project(tmp_path):
    proj = tmp_path / "proj"
    write(proj, "prog.tm", PROG)
    write(proj, "resumer.tm", RESUMER)
    (proj / "sub").mkdir()
    return proj


def test_fingerprints_do_not_depend_on_how_the_file_is_named(project, tmp_path):
    proj = project
    runs = {}
    # (label, cwd, program path as typed, blob path as typed, PYTHONHASHSEED)
    (tmp_path / "link").symlink_to(proj, target_is_directory=True)
    ways = [
        ("relative", proj, "prog.tm", "k-relative.bin", 1),
        ("dot-relative", proj, "./prog.tm", "k-dot.bin", 2),
        ("from-parent", tmp_path, "proj/prog.tm", "proj/k-parent.bin", 3),
        ("from-subfolder", proj / "sub", "../prog.tm", "../k-sub.bin", 4),
        ("absolute", tmp_path, proj / "prog.tm", proj / "k-abs.bin", 5),
        ("symlinked-folder", tmp_path, "link/prog.tm", "link/k-link.bin", 6),
        ("symlinked-cwd", tmp_path / "link", "prog.tm", "k-linkcwd.bin", 7),
    ]
    for label, cwd, prog, blob, seed in ways:
        ok(turmeric("run", prog, blob, cwd=cwd, hashseed=seed))
        runs[label] = proj / Path(blob).name
    # a copy of the whole project moved somewhere else
    moved = tmp_path / "moved" / "deeper" / "proj-copy"
    shutil.copytree(proj, moved, symlinks=True)
    shutil.move(str(moved), str(tmp_path / "moved" / "final"))
    final = tmp_path / "moved" / "final"
    ok(turmeric("run", "final/prog.tm", "final/k-moved.bin", cwd=tmp_path / "moved", hashseed=8))
    runs["moved-copy"] = final / "k-moved.bin"

    tables = {label: frames_of(blob, tmp_path) for label, blob in runs.items()}
    reference = tables["relative"]
    symbols = [s for s, _ in reference]
    assert "prog.step" in symbols and "prog.run-order" in symbols, symbols
    assert any(s.startswith("prog.step/") for s in symbols), symbols  # the macro's closure
    assert len(reference) >= 4, reference
    for label, table in tables.items():
        assert table == reference, f"{label} differs:\n{table}\n{reference}"

    # every blob resumes with `turmeric resume`, relative paths, from another folder
    # (each resume takes one step: the first returns the continuation of the second suspend)
    for label, blob in runs.items():
        rel = os.path.relpath(blob, tmp_path)
        r = turmeric("resume", rel, "--value", "#f", cwd=tmp_path)
        assert "Traceback" not in r.stderr, r.stderr
        assert r.returncode == 0, f"{label}: {r.stderr}"
        assert r.stdout.startswith("#<continuation"), f"{label}: {r.stdout}"


def test_fingerprints_do_not_depend_on_where_turmeric_is_installed(project, tmp_path):
    # the prelude's functions (here for-each) have frames in the blob too
    alt = tmp_path / "another-install"
    shutil.copytree(REPO / "turmeric", alt / "turmeric", ignore=shutil.ignore_patterns("__pycache__"))
    ok(turmeric("run", "prog.tm", "k-here.bin", cwd=project))
    ok(turmeric("run", "prog.tm", "k-there.bin", cwd=project, repo=alt))
    here = frames_of(project / "k-here.bin", project)
    assert any(s.startswith("prelude.") for s, _ in here), here
    assert frames_of(project / "k-there.bin", project) == here
    assert ok(turmeric("run", "resumer.tm", "k-there.bin", cwd=project)).endswith(EXPECTED_RESULT)
    assert ok(turmeric("run", "resumer.tm", "k-here.bin", cwd=project, repo=alt)).endswith(EXPECTED_RESULT)


def test_blob_resumes_in_a_program_that_ran_other_macros_first(project, tmp_path):
    ok(turmeric("run", "prog.tm", "k.bin", cwd=project, hashseed=11))
    out = ok(turmeric("run", "resumer.tm", "k.bin", cwd=project, hashseed=12))
    assert out == "resumer 6\n" + EXPECTED_RESULT
    # the same from the parent folder, the blob named relative to it
    out = ok(turmeric("run", "proj/resumer.tm", "proj/k.bin", cwd=tmp_path, hashseed=13))
    assert out == "resumer 6\n" + EXPECTED_RESULT


def test_the_resumed_throw_reports_the_position_in_the_resuming_process(project, tmp_path):
    ok(turmeric("run", "prog.tm", "k.bin", cwd=project))
    r = turmeric("resume", "proj/k.bin", "--value", ":boom", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "uncaught error: :boom" in r.stderr
    assert "prog.tm:17:" in r.stderr, r.stderr


# --- A2: names of top-level forms survive unrelated edits ------------------------------------------

TOPFORMS = """
(defn work [x] (+ x (suspend)))
(def saved nil)
(println "got" (+ 1 (cloneable-shift [k] (set! saved k) 0)))
(write-file "top.bin" (serialize saved))
(write-file "inner.bin" (serialize (cloneable-reset (fn [] (* 2 (work 1))))))
"""


def test_inserting_a_definition_at_the_top_keeps_blobs_of_later_anonymous_forms(tmp_path):
    src = write(tmp_path, "wf.tm", TOPFORMS)
    # the shift body's value (0) replaces the println form, which prints nothing yet
    assert ok(turmeric("run", "wf.tm", cwd=tmp_path)) == ""
    assert ok(turmeric("resume", "top.bin", "--value", "41", cwd=tmp_path)) == "got 42\n"
    assert ok(turmeric("resume", "inner.bin", "--value", "20", cwd=tmp_path)) == "42\n"

    # unrelated edits above and between the forms: a new defn, a new anonymous form
    original = src.read_text()
    edited = '(defn unrelated [] (throw "never"))\n(println "a new form")\n' + original.replace(
        "(def saved nil)\n", "(def saved nil)\n(defn another [] 2)\n(+ 1 2)\n"
    )
    src.write_text(edited)
    (tmp_path / "elsewhere").mkdir()
    assert ok(turmeric("resume", "../top.bin", "--value", "41", cwd=tmp_path / "elsewhere")) == "got 42\n"
    assert ok(turmeric("resume", "../inner.bin", "--value", "20", cwd=tmp_path / "elsewhere")) == "42\n"

    # editing the form itself invalidates its blobs, cleanly
    src.write_text(edited.replace('(println "got"', '(println "received"'))
    r = turmeric("resume", "top.bin", "--value", "41", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "missing-function" in r.stderr and "wf.top@" in r.stderr, r.stderr
    assert "was edited or removed" in r.stderr, r.stderr
    # ... and only its own: the other form's blob still resumes
    assert ok(turmeric("resume", "inner.bin", "--value", "20", cwd=tmp_path)) == "42\n"


def test_identical_anonymous_forms_get_distinct_names(tmp_path):
    write(
        tmp_path,
        "twins.tm",
        """
        (def saved [])
        (println "twin" (cloneable-shift [k] (set! saved (conj saved k)) 0))
        (println "twin" (cloneable-shift [k] (set! saved (conj saved k)) 0))
        (write-file "a.bin" (serialize (nth saved 0)))
        (write-file "b.bin" (serialize (nth saved 1)))
        """,
    )
    ok(turmeric("run", "twins.tm", cwd=tmp_path))
    a = frames_of(tmp_path / "a.bin", tmp_path)
    b = frames_of(tmp_path / "b.bin", tmp_path)
    assert a[0][0] != b[0][0], (a, b)
    assert ok(turmeric("resume", "b.bin", "--value", "7", cwd=tmp_path)) == "twin 7\n"


def test_repl_blob_resumes_with_the_definitions_loaded_from_a_file(tmp_path):
    session = tmp_path / "session"
    session.mkdir()
    typed = (
        "(defn helper [x] (let [v (suspend)] (if v (throw v) (+ x 1))))\n"
        "(+ 1 2)\n"
        '(def note "typed in the REPL")\n'
        '(write-file "k.bin" (serialize (cloneable-reset (fn [] (* 2 (helper 20))))))\n'
    )
    r = turmeric("repl", cwd=session, stdin=typed)
    ok(r)
    assert (session / "k.bin").exists()

    # the definitions, saved to a file in another order and among other forms
    app = tmp_path / "app"
    write(
        app,
        "user.tm",
        """
        (println "this top-level form does not run when a blob loads the module")
        (defn other [] :other)
        (write-file "k.bin" (serialize (cloneable-reset (fn [] (* 2 (helper 20))))))
        (defn helper [x] (let [v (suspend)] (if v (throw v) (+ x 1))))
        """,
    )
    shutil.copy(session / "k.bin", tmp_path / "k.bin")
    out = ok(turmeric("resume", "k.bin", "--value", "#f", "-I", "app", cwd=tmp_path))
    assert out == "42\n"
    r = turmeric("resume", "k.bin", "--value", ":stop", "-I", "app", cwd=tmp_path)
    assert r.returncode == 1 and "uncaught error: :stop" in r.stderr and "Traceback" not in r.stderr, r.stderr


# --- A3: a module that is not found is reported as such ---------------------------------------------


def test_module_not_on_the_search_path_says_where_it_was_looked_for(tmp_path):
    a = tmp_path / "a"
    write(a, "x.tm", REPRO)
    ok(turmeric("run", "x.tm", cwd=a))
    b = tmp_path / "b"
    b.mkdir()
    lib = tmp_path / "lib"
    lib.mkdir()
    shutil.copy(a / "x.bin", b / "x.bin")
    r = turmeric("resume", "x.bin", "--value", "#f", "-I", "../lib", cwd=b)
    assert r.returncode == 1, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr, r.stderr
    assert "missing-function" in r.stderr
    assert "no longer defines" not in r.stderr, r.stderr
    assert "module x" in r.stderr and "not found" in r.stderr, r.stderr
    assert "x.tm" in r.stderr
    assert str(b) in r.stderr and str(lib) in r.stderr, r.stderr  # the folders it looked in
    assert "-I" in r.stderr  # what to do about it


def test_function_gone_from_a_found_module_still_says_no_longer_defines(tmp_path):
    write(tmp_path, "x.tm", REPRO)
    ok(turmeric("run", "x.tm", cwd=tmp_path))
    (tmp_path / "x.tm").write_text(REPRO.replace("guarded", "renamed"))
    r = turmeric("resume", "x.bin", "--value", "#f", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "missing-function" in r.stderr and "x.guarded" in r.stderr
    assert "not found" not in r.stderr, r.stderr


# --- the seed guide's workflow (process-order throws from `unless`), the way a user runs it ------


def test_order_workflow_checkpoint_resumes_however_the_program_is_named(tmp_path):
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copy(REPO / "examples" / "order_workflow.tm", proj / "order_workflow.tm")
    ok(turmeric("run", "order_workflow.tm", cwd=proj))
    assert (proj / "checkpoint-payment-charged.bin").exists()

    # `turmeric resume` from another folder, the blob named relative to it
    other = tmp_path / "other"
    other.mkdir()
    out = ok(turmeric("resume", "../proj/checkpoint-payment-charged.bin", cwd=other))
    assert out == 'fulfilled order 1\n"shipped order 1 (green tea), receipt-card-4241"\n'
    assert (other / "fulfilled.log").read_text() == "order 1 receipt-card-4241\n"

    # the program itself, named from another folder, resuming a checkpoint it finds there
    third = tmp_path / "third"
    third.mkdir()
    shutil.copy(proj / "checkpoint-payment-charged.bin", third / "checkpoint-payment-charged.bin")
    out = ok(turmeric("run", "../proj/order_workflow.tm", "resume", "payment-charged", cwd=third))
    assert out == "fulfilled order 1\nresumed: shipped order 1 (green tea), receipt-card-4241\n"
    assert "charged card" not in out


def test_repl_blob_of_an_imported_module_resumes_from_the_file(tmp_path):
    write(
        tmp_path,
        "lib.tm",
        """
        (defn work [] (let [v (suspend)] (unless (int? v) (throw (validation-error "not a number"))) (* v 2)))
        """,
    )
    typed = '(import lib)\n(write-file "k.bin" (serialize (cloneable-reset lib.work)))\n'
    ok(turmeric("repl", cwd=tmp_path, stdin=typed))
    other = tmp_path / "other"
    other.mkdir()
    assert ok(turmeric("resume", "../k.bin", "--value", "21", cwd=other)) == "42\n"
    r = turmeric("resume", "../k.bin", "--value", ":x", cwd=other)
    assert r.returncode == 1 and "not a number" in r.stderr and "lib.tm:1:" in r.stderr, r.stderr
    # the library and the blob moved to another machine's folder
    moved = tmp_path / "moved"
    moved.mkdir()
    shutil.copy(tmp_path / "lib.tm", moved / "lib.tm")
    shutil.copy(tmp_path / "k.bin", moved / "k.bin")
    assert ok(turmeric("resume", "moved/k.bin", "--value", "5", cwd=tmp_path)) == "10\n"
