"""Python interop across real processes: `turmeric run` programs that call Python,
an application script embedding Turmeric (`import turmeric`) in its own process, a
continuation serialized from Python and resumed by `turmeric resume`, Python values
with instances resumed in a fresh process, error reports at the boundary, the cost of
`import turmeric`, and that deserializing never imports a Python module named by a blob.

Every test works in a pytest tmp_path folder, runs from there with relative paths, and
every subprocess has a timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = str(REPO) + (os.pathsep + e["PYTHONPATH"] if e.get("PYTHONPATH") else "")
    e.pop("TURMERIC_PATH", None)
    e.setdefault("PYTHONIOENCODING", "utf-8")
    return e


def turmeric(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "turmeric", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env()
    )


def python(script, cwd):
    return subprocess.run([sys.executable, script], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT, env=env())


def write(folder, name, text):
    p = Path(folder) / name
    p.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return p


def ok(r):
    assert r.returncode == 0, f"exit {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    assert "Traceback" not in r.stderr
    return r.stdout


def test_run_a_program_that_calls_python(tmp_path):
    write(
        tmp_path,
        "report.tm",
        """
        (import-python json)
        (import-python datetime [date])
        (import-python pathlib [Path])
        (defn main []
          (let [p (Path "data.json")]
            (.write-text p (json.dumps (->py {:day (.isoformat (date 2024 5 6)) :n [1 2 3]})))
            (def back (->tm (json.loads (.read-text p)) :keywordize))
            (println (get back :day) (reduce + 0 (get back :n)))))
        """,
    )
    assert ok(turmeric("run", "report.tm", cwd=tmp_path)) == "2024-05-06 6\n"


def test_uncaught_python_error_names_position_and_python_name(tmp_path):
    write(
        tmp_path,
        "boom.tm",
        """
        (import-python json)
        (defn go []
          (json.dumpz 1))
        (go)
        """,
    )
    r = turmeric("run", "boom.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "python-error" in r.stderr
    assert "json.dumpz" in r.stderr
    assert "thrown at boom.tm:3:3" in r.stderr


def test_missing_python_module_is_a_compile_error(tmp_path):
    write(tmp_path, "nomod.tm", '(println "start")\n(import-python not_a_real_module_qq)\n')
    r = turmeric("run", "nomod.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "nomod.tm:2:1" in r.stderr and "not_a_real_module_qq" in r.stderr
    c = turmeric("check", "nomod.tm", cwd=tmp_path)
    assert c.returncode == 1 and "not_a_real_module_qq" in c.stderr


def test_embedding_from_a_python_application(tmp_path):
    write(
        tmp_path,
        "orders.tm",
        """
        (struct order [id : int64 qty : int64])
        (defn process-order [id] (let [o (order id 2)] (* o.id o.qty)))
        (defn valid? [n] (> n 0))
        (defn each-doubled [f xs] (map (fn [x] (f (* 2 x))) xs))
        (defn fail [] (throw (validation-error "no stock")))
        """,
    )
    write(
        tmp_path,
        "app.py",
        """
        import sys
        import turmeric
        assert "turmeric.runtime.library" not in sys.modules  # import turmeric is cheap
        m = turmeric.load("orders.tm")
        print(m.process_order(17), m.valid_p(0))
        print(turmeric.readable(m.each_doubled(lambda x: x + 1, turmeric.eval("[1 2 3]"))))
        print(turmeric.eval("(+ 1 2)"))
        try:
            m.fail()
        except turmeric.TurmericError as e:
            print(e.type, e.message, e.where)
        """,
    )
    out = ok(python("app.py", tmp_path))
    assert out.splitlines() == ["34 False", "(3 5 7)", "3", "validation-error no stock orders.tm:5:15"]


def test_continuation_serialized_from_python_resumed_by_turmeric_resume(tmp_path):
    write(
        tmp_path,
        "job.tm",
        """
        (defn ask [q] (cloneable-shift [k] k))
        (defn start [n] (cloneable-reset (fn [] (* n (+ 1 (ask "how many?"))))))
        """,
    )
    write(
        tmp_path,
        "save.py",
        """
        import turmeric
        k = turmeric.load("job.tm").start(6)
        with open("job.dat", "wb") as f:
            f.write(turmeric.serialize(k))
        print(type(k).__name__)
        """,
    )
    assert ok(python("save.py", tmp_path)) == "Continuation\n"
    assert ok(turmeric("resume", "job.dat", "--value", "6", cwd=tmp_path)) == "42\n"


def test_python_values_with_instances_resume_in_a_fresh_process(tmp_path):
    write(
        tmp_path,
        "due.tm",
        """
        (import-python datetime [date timedelta])
        (import-python operator)
        (instance Serializable date
          (serialize [d] (.isoformat d))
          (deserialize [s] (date.fromisoformat s)))
        (defn due [d] (let [days (suspend)] (.isoformat (operator.add d (timedelta :days days)))))
        (def k (cloneable-reset (fn [] (due (date 2024 2 27)))))
        (write-file "due.dat" (serialize k))
        (println "saved")
        """,
    )
    assert ok(turmeric("run", "due.tm", cwd=tmp_path)) == "saved\n"
    assert ok(turmeric("resume", "due.dat", "--value", "3", cwd=tmp_path)) == '"2024-03-01"\n'


def test_deserialize_never_imports_a_python_module_the_blob_names(tmp_path):
    write(
        tmp_path,
        "fr.tm",
        """
        (import-python fractions [Fraction])
        (instance Serializable Fraction
          (serialize [f] [f.numerator f.denominator])
          (deserialize [v] (Fraction (first v) (second v))))
        (write-file "half.dat" (serialize (Fraction 1 2)))
        """,
    )
    ok(turmeric("run", "fr.tm", cwd=tmp_path))
    write(
        tmp_path,
        "load.py",
        """
        import sys
        import turmeric
        assert "fractions" not in sys.modules
        try:
            v = turmeric.deserialize(open("half.dat", "rb").read())
            print("loaded", v, "fractions" in sys.modules)
        except turmeric.TurmericError as e:
            print("refused", turmeric.readable(e.value), "fractions" in sys.modules)
        """,
    )
    # with the module that declares the instance: it is loaded (definitions mode) and its
    # own import-python brings in fractions
    assert ok(python("load.py", tmp_path)) == "loaded 1/2 True\n"
    # without it: the blob's type name is only a key, nothing is imported on its say
    os.remove(tmp_path / "fr.tm")
    out = ok(python("load.py", tmp_path))
    assert out.startswith("refused (missing-function") and out.endswith("False\n")


def test_import_turmeric_is_cheap(tmp_path):
    code = "import sys, turmeric; print(sorted(m for m in sys.modules if m.startswith('turmeric')))"
    r = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT, env=env())
    assert ok(r) == "['turmeric']\n"


def test_python_function_bound_by_import_python_is_serialized_by_name(tmp_path):
    write(
        tmp_path,
        "named.tm",
        """
        (import-python json [dumps])
        (import-python os.path)
        (defn job [] (let [f dumps] (list (f (->py (suspend))) (os.path.basename "/a/b.txt"))))
        (def k (cloneable-reset job))
        (write-file "k.dat" (serialize k))
        (println (k [5]))
        """,
    )
    assert ok(turmeric("run", "named.tm", cwd=tmp_path)) == "([5] b.txt)\n"
    assert ok(turmeric("resume", "k.dat", "--value", "[1 2]", cwd=tmp_path)) == '("[1, 2]" "b.txt")\n'
    # a value json can't encode: the TypeError raised inside json (called through a local) is a python-error
    r = turmeric("resume", "k.dat", "--value", "(ref 1)", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert 'python-error "TypeError"' in r.stderr and "Ref is not JSON serializable" in r.stderr


def test_check_and_repl_know_import_python(tmp_path):
    write(tmp_path, "chk.tm", "(import-python json)\n(defn f [] (json.dumps [1] :indent 2))\n")
    r = turmeric("check", "chk.tm", cwd=tmp_path)
    assert r.returncode == 0 and "chk.tm: ok" in r.stdout, r.stderr
    p = subprocess.run(
        [sys.executable, "-m", "turmeric", "repl"],
        cwd=tmp_path,
        input='(import-python json)\n(json.dumps (->py [1 "a"]))\n(.upper "x")\n',
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env(),
    )
    assert p.returncode == 0 and p.stdout == '"[1, \\"a\\"]"\n"X"\n', p.stdout + p.stderr
