"""End-to-end tests of the `turmeric` command: each runs a real process in a temporary folder."""

import subprocess
import sys
import textwrap


def turmeric(*args, cwd, stdin=None):
    return subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def test_run_calls_main_and_passes_args(tmp_path):
    write(
        tmp_path,
        "prog.tm",
        """
        (println "top")
        (defn main [] (println "main" (command-line-args)))
    """,
    )
    r = turmeric("run", "prog.tm", "a", "b", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "top\nmain (a b)\n"


def test_exit_status(tmp_path):
    write(tmp_path, "prog.tm", "(println 1) (exit 7) (println 2)")
    r = turmeric("run", "prog.tm", cwd=tmp_path)
    assert r.returncode == 7
    assert r.stdout == "1\n"


def test_uncaught_error_names_type_message_position_and_stack(tmp_path):
    write(
        tmp_path,
        "prog.tm",
        """\
        (defn inner [x]
          (throw (validation-error (str "bad " x))))
        (defn outer [x] (+ 1 (inner x)))
        (outer 5)
    """,
    )
    r = turmeric("run", "prog.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "validation-error" in r.stderr
    assert "bad 5" in r.stderr
    assert "prog.tm:2:3" in r.stderr
    assert "prog.outer" in r.stderr and "prog.inner" in r.stderr
    assert "Traceback" not in r.stderr


def test_debug_shows_python_traceback(tmp_path):
    write(tmp_path, "prog.tm", "(/ 1 0)")
    r = turmeric("--debug", "run", "prog.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "Traceback" in r.stderr and "division-by-zero" in r.stderr


def test_syntax_error_has_caret(tmp_path):
    write(tmp_path, "prog.tm", '(println "ok")\n(println (+ 1 2)))\n')
    r = turmeric("run", "prog.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "prog.tm:2:18: syntax error" in r.stderr
    assert "(println (+ 1 2)))" in r.stderr
    assert r.stderr.rstrip().endswith("^")
    assert "Traceback" not in r.stderr


def test_check_compiles_without_running(tmp_path):
    write(tmp_path, "prog.tm", '(defn f [x] (* x 2))\n(println "side effect")\n')
    r = turmeric("check", "prog.tm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "side effect" not in r.stdout
    write(tmp_path, "bad.tm", "(defn f [x] (recur x) 1)")
    r = turmeric("check", "bad.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.tm:1:" in r.stderr and "recur" in r.stderr


def test_include_dir_for_imports(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    write(lib, "shapes.tm", "(defn area [w h] (* w h))")
    write(tmp_path, "prog.tm", "(import shapes :as s)\n(println (s.area 3 4))")
    r = turmeric("run", "prog.tm", cwd=tmp_path)
    assert r.returncode == 1 and "module shapes not found" in r.stderr
    r = turmeric("-I", "lib", "run", "prog.tm", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "12\n"


def test_repl_multiline_and_readable_values(tmp_path):
    r = turmeric("repl", cwd=tmp_path, stdin='(def x 5)\n(+ x\n   1)\n["a" :k]\n(/ 1 0)\n(* x 2)\n')
    assert r.returncode == 0
    assert r.stdout == '6\n["a" :k]\n10\n'
    assert "division-by-zero" in r.stderr


def test_check_reports_globals_defined_nowhere(tmp_path):
    write(
        tmp_path,
        "prog.tm",
        """\
        (defn f [x] (g x))
        (defn g [x] (helper x))
        (def table [1 2 three])
        (println (f 1))
    """,
    )
    r = turmeric("check", "prog.tm", cwd=tmp_path)
    assert r.returncode == 1
    assert "prog.tm:2:14: error: helper is not defined" in r.stderr
    assert "prog.tm:3:17: error: three is not defined" in r.stderr
    assert "g is not defined" not in r.stderr  # defined further down: fine
    assert "Traceback" not in r.stderr


# a compiler bug, simulated: lowering a primitive fails with a Python TypeError
BROKEN_COMPILER = """
import sys
from turmeric.compiler import lower

real_compile_expr = lower.Lowering.compile_expr

def broken(self, node, ctx, out):
    if self.module_name == "prog" and type(node).__name__ == "Prim" and node.op == "inc":
        raise TypeError("simulated compiler bug")
    return real_compile_expr(self, node, ctx, out)

lower.Lowering.compile_expr = broken
from turmeric.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_compiler_bug_is_an_internal_error_not_the_users_type_error(tmp_path):
    write(tmp_path, "prog.tm", '(println "start")\n(defn f [x]\n  (inc x))\n(println (f 1))\n')
    r = subprocess.run([sys.executable, "-c", BROKEN_COMPILER, "run", "prog.tm"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 70, r.stderr
    assert r.stdout == "start\n"
    assert r.stderr.startswith("internal error (rerun with --debug): compiler: TypeError: simulated compiler bug\n")
    assert "  at prog.tm:2:1\n" in r.stderr
    assert "type-error" not in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run(
        [sys.executable, "-c", BROKEN_COMPILER, "run", "--debug", "prog.tm"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 70
    assert "Traceback" in r.stderr and "internal error (rerun with --debug)" in r.stderr


def test_an_internal_error_is_not_caught_by_catch(tmp_path):
    # a program's catch handles the program's errors, never Turmeric's own bugs
    write(tmp_path, "prog.tm", '(println (try (eval-me) (catch [e] "caught")))\n')
    src = BROKEN_COMPILER.replace("lower.Lowering.prim = broken", "")
    src = src.replace(
        "from turmeric.cli import main",
        "from turmeric.core.errors import InternalError\n"
        "from turmeric.runtime.builtins import builtin\n"
        "def eval_me():\n    raise InternalError('simulated runtime bug')\n"
        "builtin('eval-me')(eval_me)\n"
        "from turmeric.cli import main",
    )
    r = subprocess.run([sys.executable, "-c", src, "run", "prog.tm"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 70, r.stderr
    assert "caught" not in r.stdout
    assert r.stderr.startswith("internal error (rerun with --debug): simulated runtime bug\n")
    assert "prog.tm:1:" in r.stderr


def test_parser_builds_only_the_named_command_and_everything_for_help():
    from turmeric.cli import COMMANDS, _command_of, build_parser

    assert _command_of(["run", "x.tm"]) == "run"
    assert _command_of(["-I", "lib", "--debug", "-Iother", "workflows", "list"]) == "workflows"
    assert _command_of(["--help"]) is None and _command_of([]) is None and _command_of(["nosuch"]) is None
    only_run = build_parser(["run", "x.tm"])
    args = only_run.parse_args(["run", "--db", "t.db", "x.tm", "a", "b"])
    assert (args.command, args.db, args.file, args.args) == ("run", "t.db", "x.tm", ["a", "b"])
    full = build_parser(["--help"]).format_help()
    assert all(name in full for name in COMMANDS)


def test_help_lists_every_command_and_a_wrong_command_is_a_usage_error(tmp_path):
    out = subprocess.run([sys.executable, "-m", "turmeric", "--help"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0
    for name in ("run", "check", "repl", "resume", "inspect", "ui", "worker", "workflows", "serve"):
        assert f"    {name}" in out.stdout
    bad = subprocess.run([sys.executable, "-m", "turmeric", "rnu", "x.tm"], capture_output=True, text=True, cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice: 'rnu'" in bad.stderr and "choose from" in bad.stderr
