"""The compile cache: a replayed module behaves exactly as a compiled one.

Unit tests of the record format (constants, corruption, keys) and end-to-end tests that
run `python -m turmeric` in a temporary folder with cold and warm caches: same output,
same fingerprints, continuations serialized under one resumed under the other, imports
invalidating their importers, a folder that can't be written, the cache turned off.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from turmeric.core.values import EMPTY, NONE, Keyword, PList, Pos, Some, Symbol, plist, pmap, pset, pvector
from turmeric.loader import cache

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 120


# --- the record format -----------------------------------------------------------------------------


def test_constants_round_trip():
    s = Symbol("x", Pos("f.tm", 3, 4))
    values = [
        None,
        True,
        3,
        2.5,
        "s",
        b"b",
        Keyword("k"),
        s,
        EMPTY,
        plist([1, Symbol("y"), plist([Keyword("a")])], pos=Pos("f.tm", 1, 2)),
        pvector([1, "a", pvector([])]),
        pmap({Keyword("a"): 1, "b": pvector([2])}),
        pset([1, 2]),
        NONE,
        Some(Keyword("v")),
    ]
    for v in values:
        back = cache.decode_const(cache.encode_const(v))
        assert type(back) is type(v) or (isinstance(v, PList) and isinstance(back, PList)), v
        assert back == v or (v is NONE and back is NONE), v
    sym = cache.decode_const(cache.encode_const(s))
    assert (sym.pos.file, sym.pos.line, sym.pos.col) == ("f.tm", 3, 4)
    lst = cache.decode_const(cache.encode_const(values[9]))
    assert (lst.pos.line, lst.pos.col) == (1, 2)
    assert cache.decode_const(cache.encode_const(Keyword("k"))) is Keyword("k")


def test_a_value_the_format_cannot_hold_is_uncacheable():
    with pytest.raises(cache.Uncacheable):
        cache.encode_const(lambda x: x)
    with pytest.raises(cache.Uncacheable):
        cache.encode_const(pvector([object()]))


def test_a_damaged_or_stale_record_is_a_miss(tmp_path, monkeypatch):
    monkeypatch.setenv("TURMERIC_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.delenv("TURMERIC_CACHE", raising=False)
    src = tmp_path / "m.tm"
    src.write_text("(println 1)\n")
    h = cache.source_hash(src.read_text())
    rec = {"steps": (), "name": "m"}
    written = cache.write(str(src), h, "full", rec)
    assert written is not None and os.path.exists(written)
    assert cache.read(str(src), h, "full") == rec
    assert cache.read(str(src), cache.source_hash("(println 2)\n"), "full") is None  # source changed
    assert cache.read(str(src), h, "defs") is None  # other mode: another record
    data = Path(written).read_bytes()
    for bad in (data[:-1], data[:10], b"", b"XXXX" + data[4:], data[:40] + bytes([data[40] ^ 1]) + data[41:]):
        Path(written).write_bytes(bad)
        assert cache.read(str(src), h, "full") is None
    monkeypatch.setenv("TURMERIC_CACHE", "off")
    assert cache.read(str(src), h, "full") is None
    assert cache.write(str(src), h, "full", rec) is None


def test_prune_keeps_the_newest(tmp_path):
    for i in range(10):
        p = tmp_path / f"m{i}.tmc"
        p.write_bytes(b"x")
        os.utime(p, (1000 + i, 1000 + i))
    (tmp_path / "other.txt").write_text("not ours")
    cache.prune(str(tmp_path), max_entries=3, max_age=10**9, now=2000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m7.tmc", "m8.tmc", "m9.tmc", "other.txt"]
    cache.prune(str(tmp_path), max_entries=3, max_age=10, now=2000)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.txt"]


# --- end to end ---------------------------------------------------------------------------------

LIB = """(module lib)
(struct Point [x : int64 y : int64])
(defclass Describe [a] (describe [v : a] : string))
(instance Describe Point (describe [p] (str "P(" p.x "," p.y ")")))
(instance Describe int64 (describe [n] (str "int " n)))
(def tag 'lib-tag)
(def table {:a [1 2] :b '(x y)})
(defn norm1 [p] (match p (Point x y) -> (+ (abs x) (abs y))))
(println "lib loaded")
"""

MAIN = """(module main)
(import lib :as l)
(version "7")
(defmacro twice [x] `(+ ~x ~x))
(defmacro unless-zero [x & body] `(if (= ~x 0) :zero (do ~@body)))
(defn step [acc p] (+ acc (l.norm1 p)))
(def pts (map (fn [i] (l.Point i (- 0 i))) (range 4)))
(println (twice 21) (unless-zero 0 :no) (unless-zero 1 :yes))
(println (l.describe (l.Point 1 2)) (l.describe 5) l.tag l.table)
(println (reduce step 0 pts) (map (fn [p] p.x) pts) (current-version))
(println (list 'quoted [:v "s" 1.5] {:k 'sym}) (count (str (gensym) (gensym))))
(defn walk [xs] (map (fn [x] (+ x (if (= x 1) (cloneable-shift [k] k) 0))) xs))
(def k (cloneable-reset (fn [] (walk [1 2]))))
(write-file "k.dat" (serialize k))
(println :resumed (k 5) (k 7))
(defn main [] (println "main ran"))
"""


def turmeric(args, cwd, cache_dir, extra_env=None, check=True):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONIOENCODING", "utf-8")
    env.pop("TURMERIC_PATH", None)
    env.pop("TURMERIC_CACHE", None)
    if cache_dir is None:
        env.pop("TURMERIC_CACHE_DIR", None)
    else:
        env["TURMERIC_CACHE_DIR"] = str(cache_dir)
    env.update(extra_env or {})
    proc = subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    if check:
        assert proc.returncode == 0, f"{args}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def records(d):
    return sorted(p.name for p in Path(d).glob("*.tmc")) if Path(d).exists() else []


@pytest.fixture()
def project(tmp_path):
    work = tmp_path / "proj"
    work.mkdir()
    (work / "lib.tm").write_text(LIB)
    (work / "main.tm").write_text(MAIN)
    return work


def test_warm_run_replays_the_record_and_prints_the_same(project, tmp_path):
    c = tmp_path / "cache"
    cold = turmeric(["run", "main.tm"], project, c)
    names = records(c)
    assert [n.split("-")[0] for n in names] == ["lib", "main", "prelude"], names
    stamps = {n: (c / n).stat().st_mtime_ns for n in names}
    blob_cold = (project / "k.dat").read_bytes()
    warm = turmeric(["run", "main.tm"], project, c)
    assert warm.stdout == cold.stdout
    assert warm.stderr == cold.stderr == ""
    assert "lib loaded" in warm.stdout and "main ran" in warm.stdout
    assert ":resumed (6 2) (8 2)" in warm.stdout  # resume variants of a replayed unit load on first use
    assert {n: (c / n).stat().st_mtime_ns for n in records(c)} == stamps  # read, not rewritten
    # the same continuation bytes: same symbols, fingerprints, sites and values
    assert (project / "k.dat").read_bytes() == blob_cold


FINGERPRINTS = """
import sys
sys.setrecursionlimit(100000)
from turmeric import loader
from turmeric.core.registry import ROOT, current_state
loader.load_prelude()
loader.load_file("main.tm", main=True)
SYMBOLS = dict(ROOT.symbols)
SYMBOLS.update(current_state().symbols)
for sym in sorted(SYMBOLS):
    i = SYMBOLS[sym]
    print(sym, i.fingerprint, i.module, i.file, i.line, i.params, sorted(i.sites.items()), i.free, i.free_py, i.rest, i.leaf, i.transient)
print("compiler imported:", "turmeric.compiler" in sys.modules)
"""


def test_fingerprints_and_infos_are_identical_cold_and_warm(project, tmp_path):
    c = tmp_path / "cache"
    env = dict(os.environ, TURMERIC_CACHE_DIR=str(c), PYTHONPATH=str(REPO))
    env.pop("TURMERIC_CACHE", None)

    def run():
        p = subprocess.run([sys.executable, "-c", FINGERPRINTS], cwd=project, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        assert p.returncode == 0, p.stderr
        lines = p.stdout.strip().splitlines()
        return [ln for ln in lines if ln.startswith(("main.", "lib.", "prelude."))], lines[-1]

    cold, cold_flags = run()
    warm, warm_flags = run()
    assert cold == warm
    assert any(ln.startswith("main.walk/fn#1 ") for ln in cold)
    assert cold_flags == "compiler imported: True"
    # a warm load expands and compiles nothing: the compiler isn't even imported
    assert warm_flags == "compiler imported: False"


@pytest.mark.parametrize("make_cache, resume_cache", [("cold", "warm"), ("warm", "cold")])
def test_continuation_crosses_cold_and_warm_caches(project, tmp_path, make_cache, resume_cache):
    warm_dir = tmp_path / "warm"
    turmeric(["run", "main.tm"], project, warm_dir)  # fill the warm cache
    (project / "k.dat").unlink()
    turmeric(["run", "main.tm"], project, warm_dir if make_cache == "warm" else tmp_path / "cold-make")
    blob = project / "k.dat"
    assert blob.exists()
    # resuming loads main.tm in definitions mode in a fresh process
    out = turmeric(["resume", "k.dat", "--value", "10"], project, warm_dir if resume_cache == "warm" else tmp_path / "cold-resume")
    assert out.stdout == "lib loaded\n(11 2)\n"  # importing lib (in full) prints
    again = turmeric(["resume", "k.dat", "--value", "10"], project, warm_dir if resume_cache == "warm" else tmp_path / "cold-resume")
    assert again.stdout == out.stdout


def test_changing_an_imported_module_is_seen_by_its_importer(project, tmp_path):
    c = tmp_path / "cache"
    first = turmeric(["run", "main.tm"], project, c)
    assert first.stdout.splitlines()[3].startswith("12 ")
    (project / "lib.tm").write_text(LIB.replace("(+ (abs x) (abs y))", "(* 10 (+ (abs x) (abs y)))"))
    second = turmeric(["run", "main.tm"], project, c)
    assert second.stdout.splitlines()[3].startswith("120 "), second.stdout
    third = turmeric(["run", "main.tm"], project, c)
    assert third.stdout == second.stdout


def stored_key(p):
    """The key a record file was written under (the format's layout: magic, digest, payload)."""
    import marshal

    return marshal.loads(Path(p).read_bytes()[len(cache.MAGIC) + 32 :])[0]


def test_a_record_names_the_modules_it_imported(project, tmp_path, monkeypatch):
    # the importer's record lists lib with its source hash: editing lib makes the record stale
    monkeypatch.setenv("TURMERIC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("TURMERIC_CACHE", raising=False)
    turmeric(["run", "main.tm"], project, tmp_path / "cache")
    main = str(project / "main.tm")
    # the CLI installed other builtins than this process has: read under its environment
    (main_rec,) = (tmp_path / "cache").glob("main-*.tmc")
    monkeypatch.setattr(cache, "environment_tag", lambda: stored_key(main_rec)[2])
    rec = cache.read("main.tm", cache.source_hash(MAIN), "full")
    assert rec is None  # keyed by the path as given and the absolute path: from here it's another path
    os.chdir(project)
    rec = cache.read("main.tm", cache.source_hash(MAIN), "full")
    assert rec is not None and rec["name"] == "main", main
    ((name, from_dir, path, text_hash),) = rec["deps"]
    assert (name, from_dir, path, text_hash) == ("lib", str(project), str(project / "lib.tm"), cache.source_hash(LIB))


def test_changing_the_source_recompiles(tmp_path):
    c = tmp_path / "cache"
    (tmp_path / "p.tm").write_text("(println (+ 1 2))\n")
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "3\n"
    (tmp_path / "p.tm").write_text("(println (+ 1 3))\n")
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "4\n"
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "4\n"


def test_a_corrupt_record_is_rebuilt(tmp_path):
    c = tmp_path / "cache"
    (tmp_path / "p.tm").write_text("(defn f [x] (* x 2))\n(println (f 21))\n")
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "42\n"
    (rec,) = [p for p in c.glob("p-*.tmc")]
    data = bytearray(rec.read_bytes())
    data[len(data) // 2] ^= 0xFF
    rec.write_bytes(bytes(data))
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "42\n"
    assert rec.read_bytes() != bytes(data)  # rewritten
    rec.write_bytes(b"garbage")
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "42\n"


def test_unwritable_source_folder_falls_back_to_the_user_cache(tmp_path):
    src = tmp_path / "ro"
    src.mkdir()
    (src / "p.tm").write_text("(println :ok)\n")
    (src / "__pycache__").write_text("a file where the cache folder would go: the folder can't be made")
    xdg = tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(xdg), "PYTHONDONTWRITEBYTECODE": ""}
    os_env = dict(os.environ)
    os_env.pop("PYTHONDONTWRITEBYTECODE", None)
    p = subprocess.run(
        [sys.executable, "-m", "turmeric", "run", "p.tm"],
        cwd=src,
        env={**os_env, **env, "PYTHONPATH": str(REPO)} | {"TURMERIC_CACHE_DIR": ""},
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert p.returncode == 0 and p.stdout == ":ok\n", p.stderr
    assert [n.split("-")[0] for n in records(xdg / "turmeric")] == ["p"]


def test_writable_source_folder_gets_the_record_beside_the_source(tmp_path):
    src = tmp_path / "rw"
    src.mkdir()
    (src / "p.tm").write_text("(println :ok)\n")
    os_env = dict(os.environ)
    os_env.pop("PYTHONDONTWRITEBYTECODE", None)
    os_env.pop("TURMERIC_CACHE_DIR", None)
    os_env.pop("TURMERIC_CACHE", None)
    env = {**os_env, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for _ in range(2):
        p = subprocess.run(
            [sys.executable, "-m", "turmeric", "run", "p.tm"], cwd=src, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
        assert p.returncode == 0 and p.stdout == ":ok\n", p.stderr
    # p.ENV.turmeric.tmc: a record per environment (the builtins a command installs)
    (rec,) = (src / "__pycache__").iterdir()
    assert rec.name.startswith("p.") and rec.name.endswith(".turmeric.tmc") and len(rec.name) == len("p.12345678.turmeric.tmc")
    assert records(tmp_path / "xdg" / "turmeric") == []


def test_cache_off_writes_nothing(tmp_path):
    c = tmp_path / "cache"
    (tmp_path / "p.tm").write_text("(println :ok)\n")
    out = turmeric(["run", "p.tm"], tmp_path, c, {"TURMERIC_CACHE": "off"})
    assert out.stdout == ":ok\n"
    assert records(c) == []


def test_check_reports_the_same_cold_and_warm(tmp_path):
    c = tmp_path / "cache"
    (tmp_path / "p.tm").write_text("(defn f [x] (+ x (undefined-thing x)))\n(println (f 1))\n")
    cold = turmeric(["check", "p.tm"], tmp_path, c, check=False)
    warm = turmeric(["check", "p.tm"], tmp_path, c, check=False)
    assert cold.returncode == warm.returncode == 1
    assert "undefined-thing is not defined" in cold.stderr
    assert warm.stderr == cold.stderr
    assert cold.stdout == warm.stdout == ""  # check runs no top-level form


def test_import_python_forms_are_replayed(tmp_path):
    # import-python is handled by turmeric.interop: a record keeps the form and the replay
    # calls the handler again, which imports the Python module and binds its names
    c = tmp_path / "cache"
    (tmp_path / "p.tm").write_text(
        "(import-python math)\n(import-python os.path :as osp)\n(import-python json [dumps])\n"
        '(defn root [x] (math.sqrt x))\n(println (root 16.0) (osp.basename "/a/b.txt") (dumps "x"))\n'
    )
    cold = turmeric(["run", "p.tm"], tmp_path, c)
    assert cold.stdout == '4.0 b.txt "x"\n'
    warm = turmeric(["run", "p.tm"], tmp_path, c)
    assert warm.stdout == cold.stdout and warm.stderr == ""


RUN_IMPORTS = """
import sys
sys.argv = ["turmeric", sys.argv[1], "one.tm"]
from turmeric.cli import main
rc = main()
heavy = ["_hashlib", "json", "datetime", "secrets", "http.cookies", "turmeric.store.base", "turmeric.compiler"]
print("imported:", [m for m in heavy if m in sys.modules])
"""


@pytest.mark.parametrize("command, output", [("run", "hi"), ("check", "one.tm: ok")])
def test_warm_command_imports_only_what_it_needs(tmp_path, command, output):
    # `turmeric run` (or `check`) of a program that signs nothing and defines no workflows
    # imports neither OpenSSL (hashlib), json, datetime nor the store; with a warm cache, no compiler
    (tmp_path / "one.tm").write_text('(println "hi")\n')
    env = dict(os.environ, TURMERIC_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(REPO))
    env.pop("TURMERIC_CACHE", None)
    for _ in range(2):  # the first run fills the cache
        p = subprocess.run(
            [sys.executable, "-c", RUN_IMPORTS, command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )
        assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [output, "imported: []"]


# --- audit: what a compile takes from outside the file ------------------------------------------


def test_a_record_compiled_under_another_commands_builtins_is_not_replayed(tmp_path):
    # `check` installs the web vocabulary (redirect, response, defpage...), `run` doesn't:
    # lib.go calls the module's own redirect, defined after it; compiled under check the call
    # is to the web builtin. A record that check wrote must not be what run replays.
    c = tmp_path / "cache"
    (tmp_path / "lib.tm").write_text('(defn go [u] (redirect u))\n(defn redirect [u] (str "->" u))\n')
    (tmp_path / "p.tm").write_text('(import lib)\n(println (lib.go "x"))\n')
    assert turmeric(["check", "p.tm"], tmp_path, c).stdout == "p.tm: ok\n"
    run = turmeric(["run", "p.tm"], tmp_path, c, check=False)
    assert (run.returncode, run.stdout, run.stderr) == (0, "->x\n", "")
    again = turmeric(["run", "p.tm"], tmp_path, c)
    assert again.stdout == "->x\n"
    stamps = {n: (c / n).stat().st_mtime_ns for n in records(c)}
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "->x\n"
    assert {n: (c / n).stat().st_mtime_ns for n in records(c)} == stamps  # run after run: replayed


def test_check_then_resume_of_the_same_file_resumes(tmp_path):
    # check and resume both load the program in definitions mode, under other builtins
    c = tmp_path / "cache"
    (tmp_path / "p.tm").write_text(
        '(defn body [] (str (cloneable-shift [k] k) (redirect "x")))\n(defn redirect [u] (str "->" u))\n'
        '(def k (cloneable-reset body))\n(write-file "k.dat" (serialize k))\n(println (k "a"))\n'
    )
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "a->x\n"
    turmeric(["check", str(tmp_path / "p.tm")], tmp_path, c)  # the path resume finds it by
    out = turmeric(["resume", "k.dat", "--value", '"b"'], tmp_path, c, check=False)
    assert (out.returncode, out.stdout, out.stderr) == (0, '"b->x"\n', "")


def test_an_instance_compiled_against_another_modules_class_follows_the_class(tmp_path):
    # c.tm defines an instance of b's class without importing b (classes are found in the
    # registry): its record depends on the class's dispatch indexes all the same. When b's
    # class dispatches on the other parameter, c must compile as it would cold: same code,
    # so the same error at the same place
    c = tmp_path / "cache"
    (tmp_path / "b.tm").write_text("(defclass Tag [a] (tag [n : int64 v : a] : string))\n")
    (tmp_path / "c.tm").write_text('(struct Q [z])\n(instance Tag Q (tag [n q] (str n "q" q.z)))\n')
    (tmp_path / "a.tm").write_text("(import b)\n(import c)\n(println (b.tag 7 (c.Q 3)))\n")
    assert turmeric(["run", "a.tm"], tmp_path, c).stdout == "7q3\n"
    (tmp_path / "b.tm").write_text("(defclass Tag [a] (tag [v : a n : int64] : string))\n")
    (tmp_path / "a.tm").write_text("(import b)\n(import c)\n(println (b.tag (c.Q 3) 7))\n")
    warm = turmeric(["run", "a.tm"], tmp_path, c, check=False)
    cold = turmeric(["run", "a.tm"], tmp_path, c, {"TURMERIC_CACHE": "off"}, check=False)
    assert cold.returncode == 1 and "int64 has no field z" in cold.stderr
    assert "c.tm:2:39" in cold.stderr, cold.stderr  # at q.z
    assert (warm.returncode, warm.stderr) == (cold.returncode, cold.stderr)


def test_a_file_a_macro_read_is_checked_before_its_expansion_is_replayed(tmp_path):
    # the macro's expansion is what the file held when it ran: an edit of the file (even one
    # that keeps its size and modification time), its removal, or another file at that
    # relative path (another current folder) compiles the module again
    c = tmp_path / "cache"
    (tmp_path / "VERSION").write_text("1.0")
    main = tmp_path / "main.tm"
    main.write_text('(defmacro build-version [] (if (file-exists? "VERSION") (read-text "VERSION") "none"))\n(println (build-version))\n')
    assert turmeric(["run", "main.tm"], tmp_path, c).stdout == "1.0\n"
    stamps = {n: (c / n).stat().st_mtime_ns for n in records(c)}
    assert turmeric(["run", "main.tm"], tmp_path, c).stdout == "1.0\n"
    assert {n: (c / n).stat().st_mtime_ns for n in records(c)} == stamps  # unchanged: replayed
    st = (tmp_path / "VERSION").stat()
    (tmp_path / "VERSION").write_text("2.0")
    os.utime(tmp_path / "VERSION", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert turmeric(["run", "main.tm"], tmp_path, c).stdout == "2.0\n"
    assert turmeric(["run", "main.tm"], tmp_path, c).stdout == "2.0\n"
    (tmp_path / "VERSION").unlink()
    assert turmeric(["run", "main.tm"], tmp_path, c).stdout == "none\n"
    (tmp_path / "VERSION").write_text("3.0")
    assert turmeric(["run", str(main)], tmp_path, c).stdout == "3.0\n"
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "VERSION").write_text("4.0")
    assert turmeric(["run", str(main)], other, c).stdout == "4.0\n"
    assert turmeric(["run", str(main)], tmp_path, c).stdout == "3.0\n"


def test_a_module_found_in_the_main_files_folder_keeps_the_main_record_current(tmp_path):
    # lib (on -I libs) imports helper, found in the main file's folder: checking main's record
    # must look where its imports will look, the main file's folder among them, or the record
    # is never current and main is compiled on every run
    c = tmp_path / "cache"
    (tmp_path / "libs").mkdir()
    (tmp_path / "libs" / "lib.tm").write_text("(import helper)\n(defn v [] (helper.h))\n")
    (tmp_path / "helper.tm").write_text('(defn h [] "helped")\n')
    (tmp_path / "main.tm").write_text("(import lib)\n(println (lib.v))\n")
    assert turmeric(["run", "-I", "libs", "main.tm"], tmp_path, c).stdout == "helped\n"
    stamps = {n: (c / n).stat().st_mtime_ns for n in records(c)}
    assert [n.split("-")[0] for n in stamps] == ["helper", "lib", "main", "prelude"]
    assert turmeric(["run", "-I", "libs", "main.tm"], tmp_path, c).stdout == "helped\n"
    assert {n: (c / n).stat().st_mtime_ns for n in records(c)} == stamps
    # and a helper that now shadows it on the search path is seen
    (tmp_path / "libs" / "helper.tm").write_text('(defn h [] "shadowed")\n')
    assert turmeric(["run", "-I", "libs", "main.tm"], tmp_path, c).stdout == "shadowed\n"


def test_gensym_at_run_time_is_what_it_was_cold_never_a_macros_symbol(tmp_path):
    # the macro's gensym is compiled into the code; a replay runs no macro, so the counter
    # must be moved past it before the form after it runs, as compiling would have
    c = tmp_path / "cache"
    (tmp_path / "m.tm").write_text(
        '(defmacro fresh [] (def g (gensym "v")) `(quote ~g))\n(def a (fresh))\n(def b (gensym "v"))\n'
        '(def c (fresh))\n(println a b c (gensym "v") (= a b) (= b c))\n'
    )
    cold = turmeric(["run", "m.tm"], tmp_path, c)
    assert cold.stdout == "v__1 v__2 v__3 v__4 #f #f\n"
    assert turmeric(["run", "m.tm"], tmp_path, c).stdout == cold.stdout


def test_an_instance_of_a_python_class_follows_the_python_module(tmp_path):
    # the instance's type is the name of the class the Python module holds now: mymod.Thing
    # becomes another class, and the instance must be of that one, as it is cold
    c = tmp_path / "cache"
    (tmp_path / "mymod.py").write_text("class Thing:\n    pass\n")
    (tmp_path / "m.tm").write_text(
        "(import-python mymod [Thing])\n(defclass Show [a] (show [v : a] : string))\n"
        '(instance Show Thing (show [t] "a thing"))\n(println (show (Thing)))\n'
    )
    assert turmeric(["run", "m.tm"], tmp_path, c).stdout == "a thing\n"
    (tmp_path / "mymod.py").write_text("class Real:\n    pass\n\n\nThing = Real\n")
    out = turmeric(["run", "m.tm"], tmp_path, c, check=False)
    assert (out.returncode, out.stdout, out.stderr) == (0, "a thing\n", "")


def test_commands_used_in_turn_each_keep_their_records(tmp_path):
    # check and inspect install other builtins than run: their records are kept side by side,
    # so that going back to run replays (the prelude above all) instead of compiling again
    c = tmp_path / "cache"
    (tmp_path / "lib.tm").write_text("(defn f [x] (* x 2))\n")
    (tmp_path / "p.tm").write_text('(import lib)\n(println (lib.f 21))\n(write-file "v.dat" (serialize [1 2]))\n')
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "42\n"
    assert turmeric(["check", "p.tm"], tmp_path, c).stdout == "p.tm: ok\n"
    turmeric(["inspect", "v.dat"], tmp_path, c)
    stamps = {n: (c / n).stat().st_mtime_ns for n in records(c)}
    assert turmeric(["run", "p.tm"], tmp_path, c).stdout == "42\n"
    assert turmeric(["check", "p.tm"], tmp_path, c).stdout == "p.tm: ok\n"
    turmeric(["inspect", "v.dat"], tmp_path, c)
    assert {n: (c / n).stat().st_mtime_ns for n in records(c)} == stamps


@pytest.mark.xfail(
    strict=True,
    reason="known: a symbol a macro's gensym made is compiled into the cached code with the number it had in the "
    "process that compiled it; a replay moves the counter where that compile had it before each form, but a form "
    "that calls gensym more often than it did then (here once per argument), or a module loaded after others than "
    "when it was compiled, can reach that number at run time. A fix: macro-time gensyms that can't collide with "
    "run-time ones (another form of name), a language decision.",
)
def test_gensym_never_returns_a_macros_symbol_even_when_the_program_calls_it_more_than_cold(tmp_path):
    c = tmp_path / "cache"
    (tmp_path / "m.tm").write_text(
        '(defmacro fresh [] (def g (gensym "v")) `(quote ~g))\n'
        '(def made (map (fn [_] (gensym "v")) (command-line-args)))\n(def a (fresh))\n'
        "(println (count (filter (fn [s] (= s a)) made)))\n"
    )
    assert turmeric(["run", "m.tm"], tmp_path, c).stdout == "0\n"  # compiled with no argument
    assert turmeric(["run", "m.tm", "x", "y"], tmp_path, c, {"TURMERIC_CACHE": "off"}).stdout == "0\n"
    assert turmeric(["run", "m.tm", "x", "y"], tmp_path, c).stdout == "0\n"
