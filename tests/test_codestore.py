"""The code store: a frame whose function changed since its blob was made runs its own
old version, compiled from the stored code record (turmeric/loader/codes.py,
turmeric/cluster/codestore.py); code bundles; checks on records; collection."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from turmeric.cluster import codestore
from turmeric.core.values import Thrown
from turmeric.loader import Session
from turmeric.loader.codes import record_hash
from turmeric.serialization import api
from turmeric.store import open_store

V1 = """
(defn ask [] (cloneable-shift [k] k))
(defn helper [x] (* x 10))
(defn job [x] (let [a (ask)] (str "v1 " x " " a " " (helper a))))
(def k (cloneable-reset (fn [] (job 7))))
"""
V2 = V1.replace('"v1 "', '"v2 "').replace("(* x 10)", "(* x 100)")


def load(tmp_path, src, name="prog"):
    d = tmp_path / src[:0]  # same folder for every version: the deploy replaces the file
    (d / f"{name}.tm").write_text(src)
    s = Session(search_path=[str(d)])
    m = s.load_file(str(d / f"{name}.tm"))
    return s, m


def err_kind(e):
    return type(e.value).__name__ if not hasattr(e.value, "_stype") else e.value._stype.name


def thrown_text(exc):
    from turmeric.runtime.printer import display

    return display(exc.value.value)


@pytest.fixture
def store(db_url):
    st = open_store(db_url)
    yield st
    st.close()


def test_changed_function_resumes_on_its_stored_version(tmp_path, store):
    s1, m1 = load(tmp_path, V1)
    with s1.activate():
        blob = api.serialize(m1.ns["k"])
        assert codestore.keep_code(store, blob, "wf:one") >= 2
    s2, m2 = load(tmp_path, V2)
    with s2.activate():
        # without the store: the changed function is a schema mismatch
        with pytest.raises(Thrown) as e:
            api.deserialize(blob)
        assert "schema-mismatch" in thrown_text(e)
        codestore.attach(s2, store)
        k = api.deserialize(blob)
        # the old frame runs v1's job; the function it calls by name is today's helper
        assert k(3) == "v1 7 3 300"
        # new work runs the new code
        k2 = m2.eval_source("(cloneable-reset (fn [] (job 1)))")
        assert k2(2) == "v2 1 2 200"
        # the current definition was not replaced by the old version
        assert s2.state.lookup("prog.job").fingerprint != s1.state.lookup("prog.job").fingerprint


def test_versions_listed_and_collected(tmp_path, store):
    s1, m1 = load(tmp_path, V1)
    with s1.activate():
        blob = api.serialize(m1.ns["k"])
        codestore.keep_code(store, blob, "wf:one")
        codestore.keep_code(store, blob, "wf:two")
    syms = {v[0] for v in codestore.versions(store)}
    assert {"prog.job", "prog.ask"} <= syms
    store.chunk_release("wf:one")
    assert codestore.collect(store) == 0  # wf:two still refers to them
    store.chunk_release("wf:two")
    assert codestore.collect(store) > 0
    assert codestore.versions(store) == []
    s2, _ = load(tmp_path, V2)
    codestore.attach(s2, store)
    with s2.activate(), pytest.raises(Thrown) as e:
        api.deserialize(blob)
    assert "schema-mismatch" in thrown_text(e)


def test_altered_record_in_store_is_refused(tmp_path, store):
    s1, m1 = load(tmp_path, V1)
    with s1.activate():
        blob = api.serialize(m1.ns["k"])
        codestore.keep_code(store, blob, "wf:one")
    # a row altered by hand: the data no longer matches its hash
    h = store.code_find("prog.job", s1.state.lookup("prog.job").fingerprint)[0]
    data = store.chunk_get(h).replace(b"v1 ", b"XX ")
    store.run(lambda tx: tx.execute("UPDATE tm_chunks SET data = ? WHERE hash = ?", (data, h)))
    s2, _ = load(tmp_path, V2)
    codestore.attach(s2, store)
    with s2.activate(), pytest.raises(Thrown) as e:
        api.deserialize(blob)
    assert "code-error" in thrown_text(e) and "does not match its hash" in thrown_text(e)


def test_record_with_altered_text_but_honest_hash_is_refused(tmp_path, store):
    """The hash covers the bytes, the fingerprints cover the code: a record rewritten
    with a fresh hash still claims the old fingerprints, which recompiling refutes."""
    s1, m1 = load(tmp_path, V1)
    fp = s1.state.lookup("prog.job").fingerprint
    with s1.activate():
        blob = api.serialize(m1.ns["k"])
    h, data = s1.code_record(s1.state.lookup("prog.job"))
    obj = json.loads(data)
    obj["form"] = obj["form"].replace('"v1 "', '"evil "')
    bad = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    store.code_put("wf:x", [(bytes.fromhex(record_hash(bad)), bad, "prog", [tuple(p) for p in obj["fns"]])])
    s2, _ = load(tmp_path, V2)
    codestore.attach(s2, store)
    with s2.activate(), pytest.raises(Thrown) as e:
        api.deserialize(blob)
    assert "code-error" in thrown_text(e) and "other fingerprints" in thrown_text(e)
    assert ("prog.job", fp) not in s2.state.versions


def test_forbidden_globals_checked_before_running(tmp_path):
    s1, m1 = load(tmp_path, V1)
    with s1.activate():
        bundle = api.serialize(m1.ns["k"], *_with_code())
    s2, _ = load(tmp_path, V2)
    s2.forbidden_globals = frozenset({"helper"})
    with s2.activate(), pytest.raises(Thrown) as e:
        api.deserialize(bundle)
    assert "forbids" in thrown_text(e) and "helper" in thrown_text(e)


def test_forbidding_import_python_refuses_stored_code_reaching_python(tmp_path):
    """A capability list naming import-python refuses a record whose code calls a Python
    method (`(.upper s)`), though it names no global of an import-python."""
    v1 = V1.replace('(str "v1 " x', '(str (.upper "v1 ") x')
    s1, m1 = load(tmp_path, v1)
    with s1.activate():
        bundle = api.serialize(m1.ns["k"], *_with_code())
    s2, _ = load(tmp_path, V2)
    s2.forbidden_globals = frozenset({"import-python"})
    with s2.activate(), pytest.raises(Thrown) as e:
        api.deserialize(bundle)
    assert "prog.top:job calls import-python, which this node forbids" in thrown_text(e), thrown_text(e)
    s3, _ = load(tmp_path, V2)  # without the capability list the same bundle resumes on its code
    with s3.activate():
        assert api.deserialize(bundle) is not None


def _with_code():
    from turmeric.core.values import Keyword

    return (Keyword("with-code"), True)


def test_code_bundle_resumes_in_a_fresh_process_after_a_deploy(tmp_path):
    """`(serialize k :with-code #t)`: the blob carries its code; a fresh process running
    the new version resumes the old frames on their own code, with no store."""
    (tmp_path / "prog.tm").write_text(V1 + '(write-file "k.dat" (serialize k :with-code #t))\n(write-file "p.dat" (serialize k))\n')
    env_run = [sys.executable, "-m", "turmeric"]
    r = subprocess.run(env_run + ["run", "prog.tm"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    (tmp_path / "prog.tm").write_text(V2)
    r = subprocess.run(env_run + ["resume", "k.dat", "--value", "5"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "v1 7 5 500" in r.stdout
    r = subprocess.run(env_run + ["resume", "p.dat", "--value", "5"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1 and "schema-mismatch" in r.stderr


def test_code_bundle_with_altered_record_is_refused(tmp_path):
    s1, m1 = load(tmp_path, V1)
    with s1.activate():
        bundle = api.serialize(m1.ns["k"], *_with_code())
    bad = bundle.replace(b'"v1 ', b'"v9 ')
    assert bad != bundle
    s2, _ = load(tmp_path, V2)
    with s2.activate(), pytest.raises(Thrown) as e:
        api.deserialize(bad)
    assert "does not match its hash" in thrown_text(e)
    with s2.activate():
        assert api.deserialize(bundle)(1) == "v1 7 1 100"


LIB = """
(struct Sq [side])
(defn double [x] (* 2 x))
"""
CLIENT = """
(import lib)
(struct P [x y])
(defclass Size [a] (size [s : a] : int64))
(instance Size P (size [p] (+ p.x p.y)))
(defn use [n] (+ (size (P n 1)) (lib.double n) (get-side (lib.Sq n))))
(defn get-side [s] s.side)
"""


def test_record_compiles_to_the_same_code_where_its_module_is_unknown(tmp_path):
    """The generated code depends on the module's imports (`lib.double`), on which globals
    are structs (construction sites) and type-class methods (method call sites): the record
    carries them, so a node that knows only `lib` compiles the form to the same fingerprints."""
    from turmeric.loader.codes import compile_record, parse_record

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for d in (a, b):
        (d / "lib.tm").write_text(LIB)
    (a / "client.tm").write_text(CLIENT)
    s1 = Session(search_path=[str(a)])
    m1 = s1.load_file(str(a / "client.tm"))
    with s1.activate():
        assert m1.ns["use"](3) == 4 + 6 + 3
    info = s1.state.lookup("client.use")
    _, data = s1.code_record(info)
    obj = parse_record(data)
    assert obj["assume"]["imports"] == {"lib": "lib"}
    assert obj["assume"]["structs"] == {"P": ["x", "y"]} and obj["assume"]["methods"] == {"size": 0}
    s2 = Session(search_path=[str(b)])  # no client.tm here
    with s2.activate():
        got = compile_record(s2, obj)
    assert ("client.use", info.fingerprint) in got
    # without each part of what the record assumed, the same text compiles to other code
    for part in ("imports", "structs", "methods"):
        bare = dict(obj, assume={k: v for k, v in obj["assume"].items() if k != part})
        s3 = Session(search_path=[str(b)])
        with s3.activate(), pytest.raises(Exception, match="other fingerprints"):
            compile_record(s3, bare)


@pytest.mark.parametrize(
    "assume",
    [
        {"imports": {"x": "../evil"}},
        {"imports": {"x": 3}},
        {"structs": {"P": "xy"}},
        {"methods": {"size": -1}},
        {"methods": {"size": True}},
        {"other": {}},
        [],
    ],
)
def test_record_with_a_malformed_assume_is_refused(tmp_path, assume):
    from turmeric.loader.codes import CodeError, parse_record

    s1, m1 = load(tmp_path, V1)
    _, data = s1.code_record(s1.state.lookup("prog.job"))
    obj = json.loads(data)
    obj["assume"] = assume
    with pytest.raises(CodeError, match="malformed"):
        parse_record(json.dumps(obj).encode())
