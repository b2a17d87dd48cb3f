"""Serialization (spec section 5): round trips, sharing, closures, continuations, structs,
resources, errors, limits, inspect and the byte format's safety properties.

Most tests run Turmeric source in this process (each in a module of its own, in a
temporary folder); the ones about another process (schema-mismatch against a changed
program, resume) run `python -m turmeric`.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from turmeric import loader as modules
from turmeric.core.errors import make_error
from turmeric.core.values import (
    EMPTY,
    NONE,
    ArraySeq,
    Box,
    FrozenTransient,
    Keyword,
    PList,
    Ref,
    Some,
    Struct,
    Symbol,
    Thrown,
    plist,
    pmap,
    pset,
    pvector,
)
from turmeric.runtime import control
from turmeric.runtime.library import BUILTINS
from turmeric.runtime.printer import readable
from turmeric.serialization import api, layout
from turmeric.serialization import format as fmt
from turmeric.serialization import inspect as sinspect
from turmeric.serialization.decoder import _unwrap

sys.setrecursionlimit(100000)
modules.load_prelude()

REPO = Path(__file__).resolve().parent.parent

# the `deep` program of the Racket peer (shared/peers/racket/README.md)
DEEP_SRC = """
(defn deep [n acc]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "frame-" n)]
      (+ x (count s) (deep (- n 1) (cons n acc))))))
(defn job [n] (cloneable-reset (fn [] (deep n '()))))
"""
_names = itertools.count()


def load(src, tmp_path, name=None):
    """Run Turmeric source as module `name` (a fresh one by default), from a file in tmp_path."""
    name = name or f"sertest{next(_names)}"
    path = tmp_path / f"{name}.tm"
    path.write_text(src, encoding="utf-8")
    return modules.load_file(str(path), expected_name=name)


def rt(v, **kw):
    return api.deserialize(api.serialize(v), **kw)


def thrown(f, *args, **kw):
    """The Turmeric error value `f(*args)` throws."""
    with pytest.raises(Thrown) as ei:
        f(*args, **kw)
    return ei.value.value


def kind(err):
    return err.stype.name if isinstance(err, Struct) else type(err).__name__


def field(err, name):
    return err.vals[err.stype.index[name]]


def run_tm(cwd, *args, check=True):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("TURMERIC_PATH", None)
    r = subprocess.run([sys.executable, "-m", "turmeric", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def wrap(payload, flags=0):
    """A blob around an arbitrary payload, with a correct checksum (to reach the parser)."""
    out = bytearray()
    layout.wvarint(out, len(payload))
    out += payload
    head = layout.MAGIC + bytes((layout.FORMAT_VERSION, flags))
    return head + zlib.crc32(out, zlib.crc32(head)).to_bytes(4, "little") + bytes(out)


def payload_of(blob):
    """The (uncompressed) payload of a blob."""
    return _unwrap(blob, layout.DEFAULT_LIMITS)[1]


EMPTY_HEADER = bytes([5, 0, 1, 48, 0, 0, 0])  # header length 5: program "", version "0", no modules, no names; no strings


# --- plain values ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "v",
    [
        None,
        True,
        False,
        0,
        63,
        64,
        8255,
        8256,
        -1,
        -300,
        2**63 - 1,
        2**63,
        -(2**63),
        -(2**63) - 1,
        123456789012345678901234567890,
        -(10**40),
        3.5,
        -0.0,
        1e300,
        float("inf"),
        "",
        'text "quoted"\n',
        "unicode λ ☃ \U0001f600",
        "nul\0inside",
        "x" * 1000,
        Keyword("kw"),
        Symbol("sym"),
        b"",
        b"\x00\xffbytes",
        EMPTY,
        NONE,
        Some(5),
        Some(None),
    ],
)
def test_round_trip_scalars(v):
    r = rt(v)
    assert type(r) is type(v)
    assert r == v or (isinstance(v, float) and math.isnan(v))


def test_round_trip_nan():
    assert math.isnan(rt(float("nan")))


def test_round_trip_collections():
    values = [
        plist([1, plist([2, 3]), "s"]),
        pvector([1, pvector([2]), "s", None, True]),
        pmap({Keyword("a"): pvector([1, 2]), "k": "v", 1: None}),
        pmap(),
        pset([1, 2, "x", Keyword("k")]),
        pset(),
        plist(range(100)),  # long: packed columns
        pvector(range(0, 1000, 7)),
        pvector([f"s{i}" for i in range(100)]),
        pvector(["same"] * 100),
        pvector([i * i for i in range(100)]),
        pvector([(-1) ** i * 10**i for i in range(40)]),
        pmap({i: str(i) for i in range(100)}),
        pset(range(100)),
        pvector([None, 1, "a", Keyword("b"), 2.5, b"c"] * 10),
    ]
    for v in values:
        r = rt(v)
        assert r == v, v
        assert type(r) is type(v)


def test_round_trip_runtime_sequences():
    a = ArraySeq(tuple(range(50)))
    r = rt(a)
    assert list(r) == list(range(50)) and isinstance(r, PList)
    tail = ArraySeq((1, 2, 3), 1)
    assert list(rt(tail)) == [2, 3]
    cons = PList(0, ArraySeq((1, 2)), 3)  # a cons cell onto an array-backed list
    assert list(rt(cons)) == [0, 1, 2]
    t = (1, "two", (3,))
    assert rt(t) == t
    ft = rt(FrozenTransient((1, 2)))
    assert type(ft) is FrozenTransient and ft.items == (1, 2)


def test_round_trip_builtin_structs():
    pair = make_error("Pair", 1, "b")
    r = rt(pair)
    assert readable(r) == '(Pair 1 "b")'
    cf = make_error("continuation-frame", "m.f", plist([1]), pmap({Symbol("x"): 2}))
    assert rt(cf) == cf
    err = make_error("corrupt-data", "why")
    assert rt(err) == err


def test_blob_is_bytes_and_versioned():
    b = api.serialize(pvector([1, 2]))
    assert type(b) is bytes
    assert b[:4] == b"TMRC" and b[4] == fmt.FORMAT_VERSION


def test_sharing_and_cycles_are_kept_inside_one_blob():
    shared = Ref(0)
    v = pvector([shared, shared, pvector([shared])])
    r = rt(v)
    assert r[0] is r[1] is r[2][0]
    assert r[0] is not shared
    sub = pvector([1, 2])
    r = rt(pvector([sub, sub]))
    assert r[0] is r[1]
    cyc = Ref(None)
    cyc.value = pvector([1, cyc])
    r = rt(cyc)
    assert r.value[1] is r
    box = Box(5)
    r = rt(plist([box, pmap({1: box})]))
    assert r[0] is r[1][1]
    # a list whose tails are shared
    tail = plist([3, 4])
    r = rt(pvector([PList(1, tail, 3), PList(2, tail, 3), tail]))
    assert r[0].rest is r[1].rest is r[2]


def test_two_blobs_and_two_loads_never_share():
    r = Ref(1)
    b = api.serialize(r)
    a1, a2 = api.deserialize(b), api.deserialize(b)
    assert a1 is not a2 and a1 is not r
    a1.value = 2
    assert a2.value == 1 and r.value == 1


def test_deep_nesting_round_trips_within_the_limit():
    v = EMPTY
    for i in range(3000):
        v = pvector([i, v])
    r = rt(v)
    for i in reversed(range(3000)):
        assert r[0] == i
        r = r[1]


def test_nesting_beyond_the_limit_is_not_serializable():
    v = None
    for _ in range(layout.DEFAULT_LIMITS.max_depth + 5):
        v = Some(v)
    err = thrown(api.serialize, v)
    assert kind(err) == "not-serializable"
    assert "deeper" in field(err, "path")


# --- code: closures and continuations ------------------------------------------------------------------


def test_closures_keep_captured_values_and_shared_boxes(tmp_path):
    m = load(
        """
(defn make-adder [n] (fn [x] (+ x n)))
(defn make-account []
  (let [bal 0]
    [(fn [n] (set! bal (+ bal n)) bal) (fn [] bal)]))
(defn countdown [n] (fn loop1 [i] (if (= i 0) n (loop1 (- i 1)))))
(def add5 (make-adder 5))
(def acct (make-account))
(def cd (countdown 7))
""",
        tmp_path,
    )
    add5 = rt(m.ns["add5"])
    assert add5(10) == 15
    deposit, balance = rt(m.ns["acct"])
    deposit(10)
    deposit(5)
    assert balance() == 15
    assert m.ns["acct"][1]() == 0  # the original is untouched
    assert rt(m.ns["cd"])(50) == 7  # a named fn calls itself
    assert rt(m.ns["make-adder"])(2)(3) == 5  # a global function value


def test_host_builtins_and_struct_constructors_serialize_by_name(tmp_path):
    m = load("(struct Pt [x y])\n(def things [+ map Pt Pt? Some])\n", tmp_path)
    plus, tmap, pt, ptq, some = rt(m.ns["things"])
    assert plus(1, 2) == 3
    assert list(tmap(lambda x: x + 1, pvector([1, 2]))) == [2, 3]
    assert ptq(pt(1, 2))
    assert some(1) == Some(1)


def test_continuation_round_trip_and_multi_shot(tmp_path):
    m = load(
        DEEP_SRC,
        tmp_path,
    )
    for depth, expected in ((1, 9), (10, 181), (100, 10892), (1000, 1009893)):
        k = m.ns["job"](depth)
        k2 = rt(k)
        assert isinstance(k2, control.Continuation) and len(k2.frames) == len(k.frames)
        assert k2(0) == expected
        assert k2(1) == expected + 1  # multi-shot after deserialize
        assert k(0) == expected  # the original stays usable


def test_continuation_with_state_refs_and_boxes(tmp_path):
    m = load(
        """
(def log (ref []))
(defn job-body [n]
  (let [seen (ref 0) total 0]
    (loop [i 0]
      (if (= i n)
        (list total (deref seen))
        (let [v (if (= i 2) (suspend) i)]
          (swap! log conj i)
          (ref-set! seen (inc (deref seen)))
          (set! total (+ total v))
          (recur (inc i)))))))
(def job (cloneable-reset (fn [] (job-body 5))))
""",
        tmp_path,
    )
    blob = api.serialize(m.ns["job"])
    a, b = api.deserialize(blob), api.deserialize(blob)
    assert list(a(100)) == [108, 5]
    assert list(b(1000)) == [1008, 5]  # each load has its own copy of the ref
    # runs of one load share its ref (multi-shot semantics); the frame's locals restart each time
    assert list(a(100)) == [108, 8]


def test_continuation_through_prelude_loops(tmp_path):
    m = load(
        """
(defn visit [xs]
  (map (fn [x] (if (= x 3) (+ x (cloneable-shift [k] k)) x)) xs))
(def k (cloneable-reset (fn [] (visit [1 2 3 4 5]))))
(def r (reduce (fn [acc x] (+ acc (if (= x 2) (cloneable-shift [k] k) x))) 0 (range 5)))
""",
        tmp_path,
    )
    k2 = rt(m.ns["k"])
    assert list(k2(10)) == [1, 2, 13, 4, 5]
    assert list(k2(20)) == [1, 2, 23, 4, 5]
    r2 = rt(m.ns["r"])
    assert r2(100) == 0 + 1 + 100 + 3 + 4


def visit_frame(k):
    """The frame of continuation k in a function named visit: (index, FnInfo, held values, their names)."""
    (j,) = [j for j, (info, _, _) in enumerate(k.frames) if info.symbol.endswith(".visit")]
    info, site, vals = k.frames[j]
    return j, info, vals, info.sites[site]


def assert_forged_refused(k, j, forgeries):
    """Frame j of continuation k with one held value replaced by each (name, bad value) is
    refused at decode (`fmt.check_frames`)."""
    info, site, vals = k.frames[j]
    names = info.sites[site]
    for bad_name, bad in forgeries:
        forged = list(vals)
        forged[names.index(bad_name)] = bad
        frames = list(k.frames)
        frames[j] = (info, site, tuple(forged))
        with pytest.raises(fmt.Corrupt):
            fmt.check_frames(tuple(frames))


def test_inlined_map_frames_hold_their_loop_state_in_kinds_checked_at_decode(tmp_path):
    # map whose function may capture runs inline in its caller (compiler/fastpath.py,
    # SiteHOF): the caller's frame holds #xs #n #i and the accumulator #acc, frozen at
    # capture; the program's own locals named n or acc are not held to those kinds
    m = load(
        """
(defn ask [] (cloneable-shift [k] k))
(defn visit [xs]
  (let [n 1.5 acc :a]
    (map (fn [x] (if (= x 3) (+ x n (ask)) x)) xs)))
(def k (cloneable-reset (fn [] (visit [1 2 3 4]))))
""",
        tmp_path,
    )
    k = m.ns["k"]
    j, info, vals, names = visit_frame(k)
    assert info.transient
    assert {"#xs", "#n", "#i", "#acc", "n", "acc"} <= set(names)
    assert type(vals[names.index("#acc")]) is FrozenTransient
    k2 = rt(k)
    assert list(k2(10)) == [1, 2, 14.5, 4] and list(k2(20)) == [1, 2, 24.5, 4]
    fmt.check_frames(k.frames)
    assert_forged_refused(k, j, (("#acc", (1, 2)), ("#i", "1"), ("#xs", [1, 2, 3, 4])))


def test_frames_of_a_map_over_a_range_hold_its_int_checked_at_decode(tmp_path):
    # (map f (range a b)) with f that may capture: the loop's #i is the range's int itself
    # and #n its stop (compiler/fastpath.py, SiteHOF), both held to be ints at decode
    m = load(
        """
(defn ask [x] (if (= x 5) (cloneable-shift [k] k) x))
(def k (cloneable-reset (fn [] (map ask (range 3 8)))))
""",
        tmp_path,
    )
    k = m.ns["k"]
    (j,) = [j for j, (info, _, _) in enumerate(k.frames) if info.module == m.name and info.transient]
    info, site, vals = k.frames[j]
    names = info.sites[site]
    held = dict(zip(names, vals, strict=False))
    assert held["#i"] == 5 and held["#n"] == 8 and held["#xs"] == range(3, 8)
    assert list(rt(k)("X")) == [3, 4, "X", 6, 7] and list(rt(k)("Y")) == [3, 4, "Y", 6, 7]
    fmt.check_frames(k.frames)
    assert_forged_refused(k, j, (("#i", 5.0), ("#n", "8"), ("#i", True)))


def test_frames_of_a_loop_over_a_maps_items_hold_pairs_checked_at_decode(tmp_path):
    # (map (fn [k] ... (get m k) ...) (keys m)) walks m's (key, value) pairs when m is exactly
    # a persistent map (compiler/fastpath.py, `_kv_fusion`): the frame holds #kv (whether it
    # is), #xs (the pairs) and #e (the current pair), held to those kinds at decode
    m = load(
        """
(defn ask [x] (if (= x :hole) (cloneable-shift [k] k) x))
(defn visit [m] (sort (map (fn [k] (str k "=" (ask (get m k)))) (keys m))))
(def k (cloneable-reset (fn [] (visit {:a 1 :b :hole :c nil}))))
""",
        tmp_path,
    )
    k = m.ns["k"]
    j, info, vals, names = visit_frame(k)
    assert info.transient
    held = dict(zip(names, vals, strict=False))
    assert held["#kv"] is True and all(type(x) is tuple and len(x) == 2 for x in held["#xs"])
    assert held["#e"] == (Keyword("b"), Keyword("hole"))
    k2 = rt(k)
    assert list(k2("X")) == [":a=1", ":b=X", ":c=nil"] and list(k2("Y")) == [":a=1", ":b=Y", ":c=nil"]
    fmt.check_frames(k.frames)
    assert_forged_refused(k, j, (("#kv", 1), ("#xs", (Keyword("a"), Keyword("b"))), ("#xs", ((1, 2, 3),)), ("#e", Keyword("b"))))
    # reduce's loop over the items: its locals are #-named and checked the same way
    m = load(
        """
(defn ask [x] (if (= x :hole) (cloneable-shift [k] k) x))
(defn visit [m] (reduce (fn [a k] (+ a (ask (get m k)))) 0 (keys m)))
(def k (cloneable-reset (fn [] (visit {:a 1 :b :hole :c 100}))))
""",
        tmp_path,
    )
    k = m.ns["k"]
    j, info, vals, names = visit_frame(k)
    assert info.transient and {"#kv", "#xs", "#n", "#i", "#e"} <= set(names)
    assert rt(k)(10) == 111 and rt(k)(20) == 121
    fmt.check_frames(k.frames)
    assert_forged_refused(k, j, (("#xs", (1, 2, 3)), ("#i", 1.5), ("#e", None)))


def test_try_with_continuation_round_trip(tmp_path):
    m = load(
        """
(def got (ref nil))
(defn risky [x] (+ 1 (throw (error "boom"))))
(def k (try-with (fn [] (risky 1)) (fn [e k] k)))
""",
        tmp_path,
    )
    k = m.ns["k"]
    assert isinstance(k, control.Continuation)
    k2 = rt(k)
    assert k2(41) == 42


def test_mutual_recursion_frames(tmp_path):
    m = load(
        """
(defn ping [n] (if (= n 0) (cloneable-shift [k] k) (+ 1 (pong (- n 1)))))
(defn pong [n] (if (= n 0) (cloneable-shift [k] k) (+ 2 (ping (- n 1)))))
""",
        tmp_path,
    )
    k = control.reset(lambda: m.ns["ping"](300))
    assert rt(k)(0) == k(0) == 150 * 3


def test_continuation_frames_struct(tmp_path):
    m = load(
        """
(defn f [a] (let [b (* a 2)] (+ b (cloneable-shift [k] k))))
(def frames (continuation-frames (cloneable-reset (fn [] (f 5)))))
""",
        tmp_path,
    )
    frames = m.ns["frames"]
    assert rt(frames) == frames


# --- structs and instances ------------------------------------------------------------------------


def test_structs_derived_custom_and_resource(tmp_path):
    m = load(
        """
(struct Order [id : int64 items])
(instance Serializable Order)
(struct Temp [c : int64])
(instance Serializable Temp
  (serialize [t] [:temp t.c])
  (deserialize [rep] (Temp (+ 1000 (nth rep 1)))))
(struct Conn [host : string])
(instance Serializable Conn
  (serialize [c] "plain")
  (deserialize [r] (Conn "from-serializable")))
(instance Resource-Serializable Conn
  (marshal [c] c.host)
  (unmarshal [h] (Conn (str "reconnected-" h))))
(struct Secret [v])
(def o (Order 7 ["x" "y"]))
(def t (Temp 5))
(def c (Conn "db"))
(def s (Secret 1))
(def shared-t [t t])
""",
        tmp_path,
    )
    o = rt(m.ns["o"])
    assert readable(o) == '(Order 7 ["x" "y"])' and o is not m.ns["o"]
    assert readable(rt(m.ns["t"])) == "(Temp 1005)"
    assert readable(rt(m.ns["c"])) == '(Conn "reconnected-db")'
    a, b = rt(m.ns["shared-t"])
    assert a is b  # a custom value is deserialized once per blob
    err = thrown(api.serialize, m.ns["s"])
    assert kind(err) == "not-serializable" and field(err, "type-name") == "Secret"


def test_struct_layout_change_is_schema_mismatch(tmp_path):
    name = f"sertest{next(_names)}"
    m = load("(struct Shape [a b])\n(instance Serializable Shape)\n(def v (Shape 1 2))\n", tmp_path, name)
    blob = api.serialize(m.ns["v"])
    load("(struct Shape [a b c])\n(instance Serializable Shape)\n", tmp_path, name)
    err = thrown(api.deserialize, blob)
    assert kind(err) == "schema-mismatch" and field(err, "what") == "Shape"
    assert field(err, "old-version") == fmt.read_header(blob)[0].version


def test_filehandle_reader_and_writer(tmp_path):
    inp = tmp_path / "in.txt"
    inp.write_text("one\ntwo\nthree\n")
    out = tmp_path / "out.txt"
    m = load(
        f"""
(def r (open-file {json.dumps(str(inp))} "r"))
(read-line r)
(def w (open-file {json.dumps(str(out))} "w"))
(write-line w "first")
""",
        tmp_path,
    )
    lib = BUILTINS
    r2 = rt(m.ns["r"])
    assert lib["read-line"](r2) == "two"
    blob = api.serialize(m.ns["w"])
    assert out.read_text() == "first\n"  # flushed when serialized
    lib["write-line"](m.ns["w"], "lost")
    lib["close"](m.ns["w"])
    w2 = api.deserialize(blob)
    lib["write-line"](w2, "second")
    lib["close"](w2)
    assert out.read_text() == "first\nsecond\n"  # reopened without truncating, at the snapshot's position
    lib["close"](m.ns["r"])
    lib["close"](r2)


# --- errors ----------------------------------------------------------------------------------------


def test_not_serializable_names_the_path(tmp_path):
    m = load(
        """
(struct Secret [v])
(defn holder [conn] (let [y 1] (+ y (cloneable-shift [k] k))))
(def k (cloneable-reset (fn [] (holder (Secret 2)))))
(defn mk [x] (fn [] x))
(def f (mk (Secret 3)))
(def v [1 {:key (Secret 4)}])
""",
        tmp_path,
    )
    name = m.name
    err = thrown(api.serialize, m.ns["k"])
    assert kind(err) == "not-serializable" and field(err, "type-name") == "Secret"
    assert field(err, "path") == f"frame 0 {name}.holder, local conn"
    err = thrown(api.serialize, m.ns["f"])
    assert field(err, "path") == f"closure {name}.mk/fn#1, free x"
    err = thrown(api.serialize, m.ns["v"])
    assert field(err, "path") == "element 1, value of key :key"
    err = thrown(api.serialize, object())
    assert kind(err) == "not-serializable" and field(err, "path") == "the value itself"


def test_missing_function(tmp_path):
    name = f"sertest{next(_names)}"
    m = load("(defn f [n] (+ n (cloneable-shift [k] k)))\n(def k (cloneable-reset (fn [] (f 1))))\n", tmp_path, name)
    blob = api.serialize(m.ns["k"])
    # the module is gone from this process and from disk
    modules.current_session().unload(name)
    (tmp_path / f"{name}.tm").unlink()
    err = thrown(api.deserialize, blob, base_dir=str(tmp_path))
    assert kind(err) == "missing-function" and field(err, "fn-symbol") == f"{name}.f"


def test_module_is_loaded_in_definitions_mode(tmp_path):
    name = f"sertest{next(_names)}"
    src = '(def started (ref 0))\n(println "top-level side effect")\n(defn f [n] (+ n (cloneable-shift [k] k)))\n(def k (cloneable-reset (fn [] (f 1))))\n'
    m = load(src, tmp_path, name)
    blob = api.serialize(m.ns["k"])
    modules.current_session().unload(name)
    k = api.deserialize(blob, base_dir=str(tmp_path))
    assert k(41) == 42
    assert modules.MODULES[name].definitions_only


def test_fingerprint_change_is_schema_mismatch_in_process(tmp_path):
    name = f"sertest{next(_names)}"
    m = load("(defn f [n] (+ n (cloneable-shift [k] k)))\n(def k (cloneable-reset (fn [] (f 1))))\n", tmp_path, name)
    blob = api.serialize(m.ns["k"])
    load("(defn f [n] (* n (cloneable-shift [k] k)))\n", tmp_path, name)
    err = thrown(api.deserialize, blob)
    assert kind(err) == "schema-mismatch" and field(err, "what") == f"{name}.f"


def test_schema_mismatch_across_processes_reports_the_old_version(tmp_path):
    prog = tmp_path / "prog.tm"
    prog.write_text(
        '(version "1")\n(defn step [n] (let [x (* n 10)] (+ x (cloneable-shift [k] k))))\n(write-file "k.bin" (serialize (cloneable-reset (fn [] (step 4)))))\n'
    )
    run_tm(tmp_path, "run", "prog.tm")
    assert run_tm(tmp_path, "resume", "k.bin", "--value", "2").stdout == "42\n"
    # the program changes: a new version, a different step
    prog.write_text(
        '(version "2")\n(defn step [n] (let [x (* n 100)] (+ x (cloneable-shift [k] k))))\n(defn load-it []\n  (try (deserialize (read-file "k.bin"))\n    (catch [e] (match e (schema-mismatch what old) -> (println what old (current-version)) _ -> (println "other" e)))))\n(when (file-exists? "go") (load-it))\n'
    )
    (tmp_path / "go").write_text("")
    out = run_tm(tmp_path, "run", "prog.tm").stdout
    assert out == "prog.step 1 2\n"


def test_corrupt_data():
    good = api.serialize(pvector([1, "two", Keyword("three"), plist([4.0])]))
    cases = [
        b"",
        b"garbage that is not a blob",
        good[:-1],
        good[:11],
        good + b"\x00",
        good[:20] + bytes([good[20] ^ 0x40]) + good[21:],
        b"TMRC" + bytes([99]) + good[5:],  # another format version
        api.sign(good, "a key of 16+ bytes"),  # signed: verify first
    ]
    for b in cases:
        err = thrown(api.deserialize, b)
        assert kind(err) == "corrupt-data", (b, err)
        assert isinstance(field(err, "reason"), str)
    assert "signed" in field(thrown(api.deserialize, api.sign(good, "a key of 16+ bytes")), "reason")
    assert kind(thrown(api.deserialize, "not bytes")) == "type-error"


def test_crafted_payloads_are_corrupt_data_not_crashes():
    hdr = EMPTY_HEADER
    cases = {
        "unknown tag": hdr + bytes([0xFF]),
        "trailing bytes": hdr + bytes([1, 2]),
        "truncated value": hdr + bytes([layout.T_VECTOR, 5, 0, 1]),
        "huge count": hdr + bytes([layout.T_VECTOR, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        "backref forward": hdr + bytes([layout.T_BACKREF, 99]),
        "backref to itself": hdr + bytes([layout.T_VECTOR, 1, 0, layout.T_BACKREF, 5]),
        "string not in table": hdr + bytes([0x41]),
        "name not in table": hdr + bytes([layout.T_CLOSURE, 0]),
        "varint too long": hdr + bytes([layout.T_UINT] + [0xFF] * 12 + [1]),
        "nesting bomb": hdr + bytes([layout.T_SOME] * 20000 + [layout.T_NIL]),
        "progression bomb": hdr + bytes([layout.T_VECTOR, 0xFF, 0xFF, 0xFF, 0x7F, layout.C_RANGE << 4, 0, 2]),
        "bad column": hdr + bytes([layout.T_VECTOR, 40, 0x3F]),
        "list tail not a list": hdr + bytes([layout.T_LIST, 1, 0, 1, 7]),
    }
    for what, payload in cases.items():
        err = thrown(api.deserialize, wrap(payload))
        assert kind(err) == "corrupt-data", (what, err)
    # a zip bomb: the header claims a small payload
    z = zlib.compress(b"\0" * 10_000_000)
    out = bytearray()
    layout.wvarint(out, 100)
    out += z
    head = layout.MAGIC + bytes((layout.FORMAT_VERSION, layout.FLAG_ZLIB))
    bomb = head + zlib.crc32(out, zlib.crc32(head)).to_bytes(4, "little") + bytes(out)
    assert kind(thrown(api.deserialize, bomb)) == "corrupt-data"


def test_limits_are_configurable():
    b = api.serialize(pvector(range(100)))
    err = thrown(api.deserialize, b, limits=layout.Limits(max_elements=50))
    assert kind(err) == "corrupt-data"
    err = thrown(api.deserialize, b, limits=layout.Limits(max_bytes=10))
    assert kind(err) == "corrupt-data"
    v = EMPTY
    for _ in range(30):
        v = pvector([v])
    err = thrown(api.deserialize, api.serialize(v), limits=layout.Limits(max_depth=10))
    assert kind(err) == "corrupt-data"


def test_large_payloads_are_compressed():
    v = pvector(["the same long string, repeated"] * 5000 + [str(i) for i in range(20000)])
    b = api.serialize(v)
    assert b[5] & layout.FLAG_ZLIB
    assert api.deserialize(b) == v


def test_sign_and_verify():
    b = api.serialize(pvector([1, 2, 3]))
    s = api.sign(b, "secret-of-16-bytes")
    assert api.verify(s, "secret-of-16-bytes") == b
    assert api.verify(api.sign(b, b"raw key, 16 bytes"), b"raw key, 16 bytes") == b
    for bad in (api.verify, lambda x, k: api.verify(x[:-1], k), lambda x, k: api.verify(x[:10] + bytes([x[10] ^ 1]) + x[11:], k)):
        err = thrown(bad, s, "wrong-key-16-bytes" if bad is api.verify else "secret-of-16-bytes")
        assert kind(err) == "corrupt-data" and field(err, "reason") == "signature mismatch"
    assert field(thrown(api.verify, b, "secret-of-16-bytes"), "reason").startswith("signature mismatch")


# --- inspect ---------------------------------------------------------------------------------------


def test_inspect_describes_without_running(tmp_path):
    prog = tmp_path / "shop.tm"
    prog.write_text(
        "(defn price [item qty]\n"
        "  (let [unit 25]\n"
        "    (* qty (+ unit (cloneable-shift [k] k)))))\n"
        '(defn invoice [customer] (str customer " owes " (price "teapot" 2)))\n'
        '(write-file "snap.bin" (serialize (cloneable-reset (fn [] (invoice "ann")))))\n'
    )
    run_tm(tmp_path, "run", "shop.tm")
    blob = (tmp_path / "snap.bin").read_bytes()
    before = set(modules.MODULES)
    text = sinspect.describe(blob)
    assert set(modules.MODULES) == before  # nothing was loaded
    assert "shop.price" in text and "shop.invoice" in text
    assert text.index("shop.price") < text.index("shop.invoice")
    assert f"{prog}:1" in text and f"{prog}:4" in text
    for piece in ('arg item = "teapot"', "arg qty = 2", "local unit = 25", 'arg customer = "ann"'):
        assert piece in text, text
    data = json.loads(sinspect.describe(blob, as_json=True))
    assert data["type"] == "continuation" and data["format"] == fmt.FORMAT_VERSION
    assert [f["symbol"] for f in data["frames"]] == ["shop.price", "shop.invoice"]
    assert {"name": "unit", "value": "25"} in data["frames"][0]["locals"]
    # a signed blob is described too (the signature is not checked)
    assert "signed" in sinspect.describe(api.sign(blob, "a key of 16+ bytes"))
    # corrupt input is corrupt-data
    assert kind(thrown(sinspect.describe, blob[:-3])) == "corrupt-data"


def test_inspect_plain_values_and_cycles():
    cyc = Ref(None)
    cyc.value = pvector([1, cyc])
    text = sinspect.describe(api.serialize(cyc))
    assert "#<cycle>" in text
    text = sinspect.describe(api.serialize(pvector(range(1000))))
    assert "more" in text and len(text) < 2000
    assert "(Pair 1 2)" in sinspect.describe(api.serialize(make_error("Pair", 1, 2)))


def test_cli_resume_and_inspect(tmp_path):
    (tmp_path / "main.tm").write_text(
        '(def saved #f)\n(def result (+ 1 (cloneable-shift [k] (set! saved k) 10)))\n(println result)\n(write-file "c.dat" (serialize saved))\n'
    )
    assert run_tm(tmp_path, "run", "main.tm").stdout == "10\n"
    assert run_tm(tmp_path, "resume", "c.dat", "--value", "42").stdout == "43\n"
    out = run_tm(tmp_path, "inspect", "c.dat").stdout
    assert "main.top:result" in out and "main.tm:2" in out
    json.loads(run_tm(tmp_path, "inspect", "c.dat", "--json").stdout)
    (tmp_path / "bad.dat").write_bytes(b"TMRC\x01\x00garbage")
    r = run_tm(tmp_path, "resume", "bad.dat", check=False)
    assert r.returncode == 1 and "corrupt-data" in r.stderr and "Traceback" not in r.stderr


# --- the format's size and shape ----------------------------------------------------------------------


def test_deep_continuation_is_compact_and_linear(tmp_path):
    m = load(
        DEEP_SRC,
        tmp_path,
    )
    sizes = {d: len(api.serialize(m.ns["job"](d))) for d in (10, 100, 1000)}
    assert sizes[1000] <= 23644  # the Racket peer's bytes at depth 1000
    assert sizes[1000] < 12 * sizes[100]


def test_code_symbols_and_strings_are_stored_once(tmp_path):
    m = load(
        """
(defn deep [n] (if (= n 0) (cloneable-shift [k] k) (+ 1 (deep (- n 1)))))
(def k (cloneable-reset (fn [] (deep 200))))
""",
        tmp_path,
    )
    b = payload_of(api.serialize(m.ns["k"]))
    assert b.count(f"{m.name}.deep".encode()) == 1
    b = payload_of(api.serialize(pvector(["a long repeated string"] * 50)))
    assert b.count(b"a long repeated string") == 1


def test_a_frame_stopped_at_a_capture_must_be_innermost(tmp_path):
    # a blob whose frames put the capturing frame (a shift's resume point) anywhere but first is
    # refused before any of it runs: among runs of one shape, in short (rows) and long (columns) lists
    from turmeric.runtime.control import Continuation

    m = load(DEEP_SRC, tmp_path)
    for depth in (3, 40):
        k = m.ns["job"](depth)
        inner, rest = k.frames[0], list(k.frames[1:])
        assert api.deserialize(api.serialize(Continuation(tuple([inner, *rest]), k.handler))) is not None
        for at in (1, 2, len(rest) // 2, len(rest)):
            frames = [inner, *rest[:at], inner, *rest[at:]]
            err = thrown(api.deserialize, api.serialize(Continuation(tuple(frames), k.handler)))
            assert kind(err) == "corrupt-data", (depth, at, err)
            assert "not innermost stops at a capture" in field(err, "reason"), err
