"""Property tests: damaged, forged and random blobs give Turmeric errors, never crashes or hangs.

`deserialize` must either return a value or throw a Turmeric error value whose type is
corrupt-data, missing-function or schema-mismatch; no other Python exception may escape,
and each call must finish quickly (the work is bounded by the blob's size). Most
single-byte damage is caught by the checksum, so the strongest properties re-seal the
damaged payload with a correct checksum to reach the parser itself.
"""

from __future__ import annotations

import sys
import time
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from turmeric import loader as modules
from turmeric.core.values import (
    ArraySeq,
    Box,
    Keyword,
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
from turmeric.serialization import api, layout
from turmeric.serialization.decoder import _unwrap

sys.setrecursionlimit(100000)
modules.load_prelude()

ALLOWED = {"corrupt-data", "missing-function", "schema-mismatch"}
PER_CALL_SECONDS = 2.0
SETTINGS = settings(
    max_examples=600,
    deadline=None,  # timed explicitly below, with room for a slow machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=True,
)

_SRC = """
(struct Order [id : int64 items])
(instance Serializable Order)
(defn deep [n acc]
  (if (= n 0)
    (cloneable-shift [k] k)
    (let [x (* n 2) s (str "frame-" n)]
      (+ x (count s) (deep (- n 1) (cons n acc))))))
(defn make-account []
  (let [bal 0]
    [(fn [n] (set! bal (+ bal n)) bal) (fn [] bal)]))
(defn visit [xs] (map (fn [x] (if (= x 3) (+ x (cloneable-shift [k] k)) x)) xs))
(defn risky [x] (+ 1 (throw (error "boom"))))
(def twk (try-with (fn [] (risky 1)) (fn [e k] k)))
"""

_CORPUS = []
_DIR = []


def corpus(tmp_dir):
    """Blobs of every kind the runtime writes (built once)."""
    if _CORPUS:
        return _CORPUS
    name = "fuzzcorpus"
    path = tmp_dir / f"{name}.tm"
    path.write_text(_SRC, encoding="utf-8")
    m = modules.load_file(str(path), expected_name=name)
    ns = m.ns
    cyc = Ref(None)
    cyc.value = pvector([1, cyc, Box(cyc)])
    values = [
        control.reset(lambda: ns["deep"](5, plist([]))),
        control.reset(lambda: ns["deep"](60, plist([]))),
        ns["make-account"](),
        control.reset(lambda: ns["visit"](pvector([1, 2, 3, 4]))),
        ns["twk"],
        ns["Order"](7, pvector(["x", Keyword("k"), 2.5])),
        pvector([None, True, False, 0, 70, 9000, -5, 2**70, -(2**70), 1.5, "s", "nul\0s", b"by", Symbol("y")]),
        pmap({Keyword("a"): plist([1, 2]), "b": pset([1, 2]), 3: Some(None)}),
        plist(range(100)),
        pvector([f"s{i}" for i in range(40)] + ["same"] * 40),
        ArraySeq(tuple(range(10)), 2),
        cyc,
        pvector(["long text " * 20] * 3000),  # compressed
    ]
    for v in values:
        _CORPUS.append(api.serialize(v))
    _DIR.append(str(tmp_dir))
    return _CORPUS


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    return corpus(tmp_path_factory.mktemp("fuzz"))


def reseal(payload, flags=0):
    """A blob around `payload` with a correct length and checksum."""
    if flags & layout.FLAG_ZLIB:
        stored = zlib.compress(payload)
    else:
        stored = payload
    out = bytearray()
    layout.wvarint(out, len(payload))
    out += stored
    head = layout.MAGIC + bytes((layout.FORMAT_VERSION, flags))
    return head + zlib.crc32(out, zlib.crc32(head)).to_bytes(4, "little") + bytes(out)


def check(blob):
    t = time.perf_counter()
    try:
        api.deserialize(blob, base_dir=_DIR[0] if _DIR else None)
    except Thrown as e:
        v = e.value
        assert isinstance(v, Struct) and v.stype.name in ALLOWED, (v, blob[:64])
    elapsed = time.perf_counter() - t
    assert elapsed < PER_CALL_SECONDS, f"took {elapsed:.2f}s"


def test_corpus_round_trips(blobs):
    for b in blobs:
        api.deserialize(b)


@SETTINGS
@given(data=st.data())
def test_truncated_blobs(blobs, data):
    b = data.draw(st.sampled_from(blobs))
    n = data.draw(st.integers(0, len(b) - 1))
    check(b[:n])


@SETTINGS
@given(data=st.data())
def test_bit_flipped_blobs(blobs, data):
    b = bytearray(data.draw(st.sampled_from(blobs)))
    for _ in range(data.draw(st.integers(1, 4))):
        i = data.draw(st.integers(0, len(b) - 1))
        b[i] ^= 1 << data.draw(st.integers(0, 7))
    check(bytes(b))


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(raw):
    check(raw)
    check(layout.MAGIC + bytes([layout.FORMAT_VERSION]) + raw)


_EDITS = st.lists(
    st.tuples(st.sampled_from(["flip", "set", "insert", "delete", "truncate", "dup"]), st.integers(0, 1 << 20), st.integers(0, 255)),
    min_size=1,
    max_size=6,
)


def _edit(payload, edits):
    p = bytearray(payload)
    for op, i, x in edits:
        if not p:
            break
        i %= len(p)
        if op == "flip":
            p[i] ^= 1 << (x % 8)
        elif op == "set":
            p[i] = x
        elif op == "insert":
            p[i:i] = bytes([x])
        elif op == "delete":
            del p[i]
        elif op == "truncate":
            del p[i:]
        else:
            p[i:i] = p[i : i + 1 + x % 16]
    return bytes(p)


@SETTINGS
@given(data=st.data(), edits=_EDITS)
def test_resealed_damaged_payloads(blobs, data, edits):
    """Damage past the checksum: the parser itself must reject or survive every edit."""
    b = data.draw(st.sampled_from(blobs))
    payload = _unwrap(b, layout.DEFAULT_LIMITS)[1]
    damaged = _edit(payload, edits)
    check(reseal(damaged))
    if len(damaged) < 4000:
        check(reseal(damaged, layout.FLAG_ZLIB))


@SETTINGS
@given(body=st.binary(max_size=400))
def test_resealed_random_payloads(body):
    check(reseal(body))
    check(reseal(bytes([3, 0, 1, 48, 0, 0, 0]) + body))  # a valid empty header, random strings and value
    check(reseal(bytes([3, 0, 1, 48, 0, 0, 0, 0]) + body))  # no strings, random value


_TAGS = st.sampled_from(
    [0, 5, 0x41, 0x61, 1, 2]
    + list(range(0x80, 0x9E))
    + [layout.C_RANGE << 4, layout.C_STRRUN << 4, layout.C_INT << 4 | 1, layout.C_REF << 4, 0xFF, 0x7F]
)


@SETTINGS
@given(tags=st.lists(_TAGS, max_size=200))
def test_resealed_tag_soup(tags):
    """Payloads made of plausible tags and small numbers, to exercise every decoder path."""
    check(reseal(bytes([3, 0, 1, 48, 0, 0, 2, 0, 3]) + b"a\0b" + bytes(tags)))


def test_resealed_damage_reaches_the_parser():
    # the properties above would pass vacuously if nothing got past the envelope: resealed
    # damage must fail inside, for a reason other than the checksum
    b = api.serialize(pvector(range(50)))
    payload = _unwrap(b, layout.DEFAULT_LIMITS)[1]
    with pytest.raises(Thrown) as ei:
        api.deserialize(reseal(payload[:-3]))
    assert "checksum" not in ei.value.value.vals[0]
