"""B2 and B3: decoding n stored bytes takes memory and work proportional to n, for any input."""

from __future__ import annotations

import zlib

import handblob as H
import pytest
from sechelp import isolated

M61 = (1 << 61) - 1  # Python's hash modulus for ints: multiples of it all hash to 0


def range_vector(n):
    """A vector of n ints written as one progression column: a few bytes for n values."""
    return H.vector(n, H.range_column(1000, 1))


def test_progression_column_cannot_allocate_out_of_proportion(tmp_path):
    b = H.Blob()
    b.body += range_vector(3_000_000)
    blob = b.blob()
    assert len(blob) < 100
    out = isolated(tmp_path, blob)
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out


def test_compression_does_not_raise_the_allowance(tmp_path):
    # zeros that inflate ~1000 times, beside a progression column that the old
    # per-inflated-byte allowance let through (3 million ints from a 4 KB blob)
    pad = 4_000_000
    b = H.Blob()
    b.body += H.vector(2, H.tagged(range_vector(3_000_000), H.bytes_(bytes(pad))))
    blob = b.blob(compress=True)
    assert len(blob) < 10_000
    out = isolated(tmp_path, blob)
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out
    assert "inflate" in out["message"]


def _zlib_bomb(n_zero_bytes):
    """A blob whose payload is a header and one bytes value of n zeros, compressed in pieces."""
    b = H.Blob()
    head = H.varint(len(b.header())) + b.header() + b.string_table() + bytes([H.BYTES]) + H.varint(n_zero_bytes)
    z = zlib.compressobj(9)
    parts = [z.compress(head)]
    chunk = bytes(1 << 20)
    left = n_zero_bytes
    while left:
        k = min(left, len(chunk))
        parts.append(z.compress(chunk[:k]))
        left -= k
    parts.append(z.flush())
    size = len(head) + n_zero_bytes
    body = H.varint(size) + b"".join(parts)
    head10 = b"TMRC" + bytes([1, 1])
    return head10 + zlib.crc32(body, zlib.crc32(head10)).to_bytes(4, "little") + body


def test_zlib_bomb_is_refused_before_inflating(tmp_path):
    blob = _zlib_bomb(100_000_000)
    assert len(blob) < 200_000
    out = isolated(tmp_path, blob)
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out
    assert out["peak"] < 8 * len(blob) + (1 << 20)  # nothing was inflated


def _colliding_keys(n):
    return [H.bigint(k * M61) for k in range(1, n + 1)]


def test_hash_collision_map_is_refused_quickly(tmp_path):
    n = 32_000
    b = H.Blob()
    b.body += H.map_(n, H.general_column(_colliding_keys(n)), H.general_column([bytes([H.NIL])] * n))
    for mode in ("deserialize", "inspect"):
        out = isolated(tmp_path, b.blob(), mode=mode)
        assert out["outcome"] == "thrown" and out["type"] == "corrupt-data" and "share a hash" in out["message"], out


def test_hash_collision_set_is_refused_quickly(tmp_path):
    n = 32_000
    b = H.Blob()
    b.body += H.set_(n, H.general_column(_colliding_keys(n)))
    out = isolated(tmp_path, b.blob())
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data" and "share a hash" in out["message"], out


def test_control_a_large_ordinary_map_decodes(tmp_path):
    n = 32_000
    b = H.Blob()
    b.body += H.map_(n, H.general_column([H.bigint(k * 1_000_003 + 7) for k in range(n)]), H.range_column(0, 1))
    out = isolated(tmp_path, b.blob())
    assert out["outcome"] == "ok", out


def test_a_few_colliding_keys_are_fine(tmp_path):
    b = H.Blob()
    b.body += H.set_(40, H.general_column(_colliding_keys(40)))
    assert isolated(tmp_path, b.blob())["outcome"] == "ok"


def _dag_chain(depth, first_index):
    """x0 = [0]; x(i+1) = [x(i) x(i)] (a back-reference): `depth` levels in O(depth) bytes,
    2**depth leaves as a tree. The outermost vector gets object index first_index."""
    if depth == 0:
        return H.vector(1, H.tagged(H.uint(0)))
    inner = _dag_chain(depth - 1, first_index + 1)
    return H.vector(2, H.tagged(inner, H.backref(first_index + 1)))


@pytest.mark.parametrize("kind", ["set", "map"])
def test_shared_structure_keys_cannot_take_exponential_time(tmp_path, kind):
    depth = 60
    b = H.Blob()
    a = _dag_chain(depth, 6)  # the collection is object 5
    c = _dag_chain(depth, 6 + depth + 1)  # equal to a, but other objects: comparing walks 2**60 leaves
    if kind == "set":
        b.body += H.set_(2, H.tagged(a, c))
    else:
        b.body += H.map_(2, H.tagged(a, c), H.tagged(bytes([H.NIL]), bytes([H.NIL])))
    out = isolated(tmp_path, b.blob())
    assert out["outcome"] == "thrown" and out["type"] == "corrupt-data", out


def test_control_honest_big_values_decode_within_budget(tmp_path):
    from sechelp import values

    pmap, pvector = values().pmap, values().pvector
    from sechelp import loader

    load_prelude = loader().load_prelude
    from turmeric.serialization import api

    load_prelude()

    v = pvector([pvector(range(i, i + 50)) for i in range(2000)] + [pmap({i: str(i) for i in range(5000)}), bytes(300_000)])
    out = isolated(tmp_path, api.serialize(v))
    assert out["outcome"] == "ok", out
