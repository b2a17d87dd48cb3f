"""The serializer's fast paths and caches: each one is checked against what it must not break.

- The header of a blob is cached per session (encoder.Encoder.header), keyed by the name
  table's entries (FnInfo objects by identity) and the program version: a redefined
  function, another program version or another session must each get their own header.
- The reader takes short sequences of one-byte values in at once (decoder.short_column):
  small ints, string-table entries and back-references, each with its own checks; crafted
  bytes that look like those runs but are wrong must still be corrupt-data.
- The string table is read inline when it is short (decoder.read_header), else by
  _read_strings: both must agree, and a wrong count is corrupt-data.
"""

from __future__ import annotations

import itertools
import zlib

import pytest

from turmeric import loader as modules
from turmeric.core.values import EMPTY, NONE, PList, Struct, Thrown, plist, pmap, pset, pvector
from turmeric.serialization import api, layout
from turmeric.serialization import format as fmt

modules.load_prelude()

_names = itertools.count()
HEADER = bytes([5, 0, 1, 48, 0, 0])  # header length 5: program "", version "0", no modules, no names


def wrap(payload):
    """A blob around an arbitrary payload, with a correct checksum (to reach the parser)."""
    out = bytearray()
    layout.wvarint(out, len(payload))
    out += payload
    head = layout.MAGIC + bytes((layout.FORMAT_VERSION, 0))
    return head + zlib.crc32(out, zlib.crc32(head)).to_bytes(4, "little") + bytes(out)


def strings(*ss):
    """A string table in mode 0."""
    out = bytearray()
    layout.wvarint(out, len(ss))
    if ss:
        out.append(0)
        layout.wstr(out, "\0".join(ss))
    return bytes(out)


def corrupt(blob):
    with pytest.raises(Thrown) as ei:
        api.deserialize(blob)
    err = ei.value.value
    assert isinstance(err, Struct) and err.stype.name == "corrupt-data", err
    return err


def fingerprints(blob):
    return [e.fingerprint for e in fmt.read_header(blob)[0].names if type(e) is fmt.FnEntry]


PROG = "(defn f [n] (+ n (cloneable-shift [k] k)))\n(defn capture [] (cloneable-reset (fn [] (f 1))))\n"
PROG2 = "(defn f [n] (* n (cloneable-shift [k] k)))\n(defn capture [] (cloneable-reset (fn [] (f 1))))\n"


def load(session, src, tmp_path, name):
    path = tmp_path / f"{name}.tm"
    path.write_text(src, encoding="utf-8")
    return session.load_file(str(path), expected_name=name)


# --- the header cache ------------------------------------------------------------------------------


def test_header_cache_follows_a_redefined_function(tmp_path):
    name = f"fast{next(_names)}"
    s = modules.current_session()
    m = load(s, PROG, tmp_path, name)
    b1 = api.serialize(m.ns["capture"]())
    assert api.serialize(m.ns["capture"]()) == b1  # the same shape: the cached header
    fp1 = s.state.lookup(f"{name}.f").fingerprint
    m = load(s, PROG2, tmp_path, name)  # f redefined: a new FnInfo, a new fingerprint
    fp2 = s.state.lookup(f"{name}.f").fingerprint
    assert fp1 != fp2
    b2 = api.serialize(m.ns["capture"]())
    assert fp1 in fingerprints(b1) and fp2 in fingerprints(b2) and fp1 not in fingerprints(b2)
    assert api.deserialize(b2)(10) == 10  # (* 1 10), the new definition
    with pytest.raises(Thrown) as ei:
        api.deserialize(b1)  # the old blob names the old fingerprint
    assert ei.value.value.stype.name == "schema-mismatch"


def test_header_cache_follows_the_program_version(tmp_path):
    s = modules.Session()
    with s.activate():
        m = load(s, '(version "1")\n' + PROG, tmp_path, "verprog")
        s.main = m
        b1 = api.serialize(m.ns["capture"]())
        m.version = "2"
        b2 = api.serialize(m.ns["capture"]())
    assert fmt.read_header(b1)[0].version == "1" and fmt.read_header(b2)[0].version == "2"


def test_header_cache_is_per_session(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    s1, s2 = modules.Session(), modules.Session()
    with s1.activate():
        m1 = load(s1, PROG, tmp_path / "a", "same")
        b1 = api.serialize(m1.ns["capture"]())
    with s2.activate():
        m2 = load(s2, PROG2, tmp_path / "b", "same")
        b2 = api.serialize(m2.ns["capture"]())
    assert s1.caches["headers"] is not s2.caches["headers"]
    fp1 = s1.state.lookup("same.f").fingerprint
    fp2 = s2.state.lookup("same.f").fingerprint
    assert fp1 != fp2 and fingerprints(b1) == [fp1] and fingerprints(b2) == [fp2]
    with s1.activate():
        assert api.deserialize(b1)(10) == 11
    with s2.activate():
        assert api.deserialize(b2)(10) == 10


# --- short sequences read at once ------------------------------------------------------------------


SHORT = [
    pvector(range(31)),  # one-byte ints, the longest short sequence
    pvector(range(32)),  # a column
    pvector([0, 63]),
    pvector([63, 64, 8255, 8256, -1]),  # not all one-byte: tagged values
    pvector(["a", "b", "a", "c"]),  # string-table entries
    pvector([str(i) for i in range(40)][:31]),
    pvector([True, False, None, 1]),  # 1 must not be read as #t, nor #t as 1
    pvector([1.0, 1, 0.0]),
    pvector([]),
    plist(range(10)),
    plist(["x", "y"]),
    (0, 1, 2),
    pset(range(20)),
    pmap({i: str(i) for i in range(20)}),
]


@pytest.mark.parametrize("v", SHORT, ids=lambda v: repr(v)[:40])
def test_short_sequences_round_trip_with_their_types(v):
    got = api.deserialize(api.serialize(v))
    assert got == v
    assert [type(x) for x in got] == [type(x) for x in v]


def test_short_sequence_of_back_references_keeps_sharing():
    shared = [plist([i]) for i in range(5)]
    v = pvector([pvector(shared), pvector(shared[::-1]), pvector([EMPTY, shared[0]])])
    got = api.deserialize(api.serialize(v))
    assert got == v
    assert [id(x) for x in got[0]] == [id(x) for x in got[1]][::-1]
    assert got[2][0] is EMPTY and got[2][1] is got[0][0]
    assert all(type(x) is PList for x in got[0])


def test_deep_continuation_frames_and_lists_round_trip(tmp_path):
    s = modules.current_session()
    name = f"fast{next(_names)}"
    src = (
        "(defn deep [n acc]\n  (if (= n 0)\n    (cloneable-shift [k] k)\n"
        '    (let [x (* n 2) s (str "frame-" n)]\n      (+ x (count s) (deep (- n 1) (cons n acc))))))\n'
        "(defn job [n] (cloneable-reset (fn [] (deep n '()))))\n"
    )
    m = load(s, src, tmp_path, name)
    for n in (1, 10, 31, 32, 40):
        k = m.ns["job"](n)
        k2 = api.deserialize(api.serialize(k))
        want = sum(2 * i + len(f"frame-{i}") for i in range(1, n + 1))
        assert k2(0) == want and k2(5) == want + 5
        assert k2.frames[0][2][1] == plist(range(1, n + 1))


def test_crafted_short_sequences_are_corrupt_data():
    V = layout.T_VECTOR
    BR = layout.T_BACKREF
    cases = {
        # string-table entries beyond the table (2 strings)
        "string past the table": strings("a", "b") + bytes([V, 3, 0, 0x40, 0x41, 0x42]),
        "string, no table": strings() + bytes([V, 2, 0, 0x40, 0x40]),
        # back-references: to the vector being read (index 5), past every value, to a list node
        # still being read
        "backref to itself": strings() + bytes([V, 2, 0, BR, 5, BR, 5]),
        "backref forward": strings() + bytes([V, 2, 0, BR, 1, BR, 6]),
        "backref to an unfinished list": strings() + bytes([layout.T_LIST, 2, 0, BR, 5, BR, 6, layout.T_EMPTY]),
        "short sequence without its code": strings() + bytes([V, 2, 1, 1, 2]),
        "truncated ints": strings() + bytes([V, 5, 0, 1, 2]),
        "truncated backrefs": strings() + bytes([V, 3, 0, BR, 1, BR]),
    }
    for what, body in cases.items():
        err = corrupt(wrap(HEADER + body))
        assert err is not None, what
    # and the same bytes made right decode
    assert api.deserialize(wrap(HEADER + strings("a", "b") + bytes([V, 3, 0, 0x40, 0x41, 0x40]))) == pvector(["a", "b", "a"])
    assert api.deserialize(wrap(HEADER + strings() + bytes([V, 3, 0, BR, 1, BR, 2, BR, 4]))) == pvector([None, True, NONE])


# --- the string table ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ss",
    [
        [],
        ["one"],
        [f"s{i}" for i in range(127)],  # inline: fewer than 128 strings...
        [f"s{i}" for i in range(200)],  # ...else _read_strings
        ["x" * 200],  # a joined length of 128 bytes or more
        ["nul\0inside", "b"],  # mode 1
        ["λ", "☃", ""],
    ],
    ids=lambda ss: f"{len(ss)} strings",
)
def test_string_tables_short_and_long(ss):
    v = pvector(ss)
    assert api.deserialize(api.serialize(v)) == v


def test_string_table_with_the_wrong_count_is_corrupt_data():
    vec = bytes([layout.T_VECTOR, 1, 0, 0x40])
    good = HEADER + strings("a", "b") + vec
    assert api.deserialize(wrap(good)) == pvector(["a"])
    for n in (1, 3, 100):
        table = bytearray([n, 0])
        layout.wstr(table, "a\0b")
        corrupt(wrap(HEADER + bytes(table) + vec))
    corrupt(wrap(HEADER + bytes([2, 0, 9]) + b"a\0b"))  # the joined text is shorter than its length
    corrupt(wrap(HEADER + bytes([2, 7, 3]) + b"a\0b" + vec))  # no such mode


# --- a list whose elements reach its own tail --------------------------------------------------------
# The encoder numbers all of a list's fresh cells before writing their elements, and the reader
# builds the cells only after reading the elements: an element that reaches a later cell of the
# same list (e.g. (cons xs xs)) must not become a back-reference to a cell still being read.


def _own_tail_cases():
    xs = plist([1, 2])
    long = plist(range(40))
    yield "cons xs xs", xs.cons(xs)
    yield "element holds the tail", xs.cons(pvector([xs, "a"])).cons(0)
    yield "tail reached twice", xs.cons(xs).cons(xs.rest)
    tails, node = [], long
    while node.count:
        tails.append(node)
        node = node.rest
    yield "column of back-references to its tails", long.cons(pvector(tails))
    yield "long list, element deep inside", long.cons(pmap({"k": pvector([long.rest.rest])}))
    yield "a list in the element reaches the tail", long.cons(plist([long.rest]))
    yield "other lists' tails (no split needed)", plist([long.rest, long.rest.rest] + list(long))


@pytest.mark.parametrize("v", [v for _, v in _own_tail_cases()], ids=[w for w, _ in _own_tail_cases()])
def test_lists_whose_elements_reach_their_own_tail_round_trip(v):
    got = api.deserialize(api.serialize(v))
    assert got == v


def test_cons_xs_xs_keeps_sharing():
    xs = plist([1, 2, 3])
    got = api.deserialize(api.serialize(xs.cons(xs)))
    assert got == xs.cons(xs)
    assert got.first is got.rest  # the element and the tail are one list, as written


def test_lists_without_such_elements_keep_their_bytes():
    """Only lists that need it are split: shared tails, elements that reach lists written before,
    are written as before (these bytes are those of 25507f0, before lists were ever split)."""
    xs = plist([1, 2])
    long = plist(range(40))
    v = pvector(
        [
            xs,
            xs.cons(0),
            plist([pvector([1]), pvector([2])]),
            long.cons(xs),
            long.rest.cons(pmap({"k": long.rest.rest})),
            plist(["a", "b", "a"]),
        ]
    )
    # the string table and the values (the header names the running program and its version)
    want = (
        "0300056b006100628e06008d020001028c8d0100009b068d02008e0100018e0100028c8d29009b0600010203040506"
        "0708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526278c8d01008f010040009b109b0f8d"
        "03004142418c"
    )
    b = api.serialize(v)
    assert not b[5] & layout.FLAG_ZLIB

    def varint(pos):
        n = shift = 0
        while True:
            n |= (b[pos] & 0x7F) << shift
            pos += 1
            if b[pos - 1] < 0x80:
                return n, pos
            shift += 7

    n, pos = varint(len(layout.MAGIC) + 2 + 4)
    assert len(b) == pos + n
    h, pos = varint(pos)
    assert b[pos + h :].hex() == want
    assert api.deserialize(b) == v


def test_a_continuation_in_a_list_holding_the_lists_tail_round_trips(tmp_path):
    name = f"fast{next(_names)}"
    src = (
        "(defn hold [v n] (if (= n 0) (cloneable-shift [k] k) (+ n (hold v (- n 1)))))\n"
        "(defn job [v n] (cloneable-reset (fn [] (hold v n))))\n"
    )
    m = load(modules.current_session(), src, tmp_path, name)
    xs = plist([1, 2, 3])
    for n in (1, 40):  # frames written in order (rows) or as columns
        v = xs.cons(m.ns["job"](xs, n))  # the frames hold xs, the list's own tail
        got = api.deserialize(api.serialize(v))
        assert got.rest == xs and got.first(0) == n * (n + 1) // 2
        assert got.first.frames[-1][2][0] is got.rest


# --- deep nesting within the default recursion limit ------------------------------------------------
# Writing or reading one level of a vector, tuple or map takes up to 5 Python frames; the
# encoder and decoder made room on the stack only past 200 levels, which overflowed CPython's
# default limit of 1000 first (a raw RecursionError from serialize, corrupt-data from deserialize).


def _nest(kind, depth):
    v = 1
    for _ in range(depth):
        if kind == "vector":
            v = pvector([v])
        elif kind == "tuple":
            v = (v,)
        elif kind == "wide vector":  # a column of 40 elements at each level
            v = pvector([v, *range(39)])
        else:
            v = pmap({"k": v})
    return v


@pytest.mark.parametrize("depth", [150, 200, 3000])
@pytest.mark.parametrize("kind", ["vector", "tuple", "wide vector", "map"])
def test_deep_nesting_round_trips_under_the_default_recursion_limit(kind, depth):
    import sys

    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # CPython's default, what a program calling the API has
    try:
        v = _nest(kind, depth)
        b = api.serialize(v)
        got = api.deserialize(b)
    finally:
        sys.setrecursionlimit(old)
    for _ in range(depth):
        got = got["k"] if kind == "map" else got[0]
    assert got == 1
    assert sys.getrecursionlimit() == old
