"""Checkpoint records: a continuation and the value to resume it with, as few bytes as possible.

A record is what one row of `tm_steps` holds (sealed, see seal.py):

    FULL : 0x01 refs main
    DELTA: 0x02 varint(base_n) refs deflate(main, dictionary = main of step base_n)
    refs : varint(count) then per ref varint(slot) varint(index) hash(16)
    main : varint(len(kblob)) kblob vblob       kblob = encode(k), vblob = encode(v)

*Incremental.* Consecutive checkpoints of a workflow differ in a few locals, so a
record is a raw-deflate delta against the main part of an earlier FULL record of
the same workflow (its *base*); the function table, names and unchanged values cost
back-references only. When a delta stops paying (over half the full size), the
record is FULL and becomes the new base. Recovery reads at most two rows: the latest
step and its base.

*Large values* held directly in a frame (a local, an argument, a saved temporary)
or as the resume value are stored once as content-addressed chunks (`tm_chunks`,
BLAKE2b-128 of their blob) and replaced in the record by (slot, index, hash): slot
0 is the resume value, slot j > 0 frame j - 1. Only plain immutable data is chunked
(numbers, strings, keywords, symbols, persistent collections of them), so splitting
it out can't break the sharing of a ref or a box. A value seen in an earlier
checkpoint of the same run is recognised by identity and costs nothing to store
again.
"""

from __future__ import annotations

import zlib

from ..core.values import ArraySeq, Keyword, PList, PMap, PSet, PVector, Symbol
from ..runtime import control
from ..serialization import format as fmt
from ..store import chunk_hash

FULL, DELTA = 1, 2
BIG_STR = 4096  # a string or bytes value this long is a chunk candidate
BIG_COLL = 256  # a collection with this many elements is a chunk candidate
MAX_MAIN = 256 * 1024 * 1024  # inflating a delta never produces more than this


class BadRecord(Exception):
    pass


def _wvarint(out, n):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def _rvarint(b, i):
    n = shift = 0
    while True:
        if i >= len(b) or shift > 63:
            raise BadRecord("truncated varint")
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        if c < 0x80:
            return n, i
        shift += 7


_LEAF = (int, float, str, bytes, bool, type(None), Keyword, Symbol)


def _plain(v, budget):
    """Is v plain immutable data (no refs, boxes, functions, structs)? Iterative, bounded."""
    stack = [v]
    while stack:
        x = stack.pop()
        budget -= 1
        if budget < 0:
            return False
        if isinstance(x, _LEAF):
            continue
        if isinstance(x, PMap):
            for k, val in x.items():
                stack.append(k)
                stack.append(val)
        elif isinstance(x, (PVector, PSet, ArraySeq)) or type(x) in (tuple, PList):
            stack.extend(x)
        else:
            return False
    return True


def _big(v):
    t = type(v)
    if t is str or t is bytes:
        return len(v) >= BIG_STR
    if isinstance(v, (PVector, PMap, PSet)):
        return len(v) >= BIG_COLL
    if t is ArraySeq or t is PList:
        return v.count >= BIG_COLL
    return False


class Chunker:
    """Per-run cache: large values by identity -> (value, hash, blob or None once stored)."""

    def __init__(self):
        self.known = {}  # id(v) -> (v, hash)
        self.stored = set()  # hashes already in the store (or written in this run)
        self.rejected = {}  # id(v) -> v : large but not plain

    def ref(self, v, new_chunks):
        e = self.known.get(id(v))
        if e is not None and e[0] is v:
            h = e[1]
        else:
            if id(v) in self.rejected and self.rejected[id(v)] is v:
                return None
            if not _plain(v, 50_000_000):
                self.rejected[id(v)] = v
                return None
            blob = fmt.encode(v)
            h = chunk_hash(blob)
            self.known[id(v)] = (v, h)
            if h not in self.stored:
                new_chunks[h] = blob
        return h

    def keep_only(self, live_ids):
        self.known = {i: e for i, e in self.known.items() if i in live_ids}
        self.rejected = {i: v for i, v in self.rejected.items() if i in live_ids}


def split(k, v, chunker):
    """(k', v', refs, new_chunks): large plain values taken out of the frames and v."""
    refs = []
    new_chunks = {}
    live = set()
    if _big(v):
        h = chunker.ref(v, new_chunks)
        if h is not None:
            refs.append((0, 0, h))
            live.add(id(v))
            v = None
    frames = k.frames
    out = None
    for j, (info, site, vals) in enumerate(frames):
        nv = None
        for i, x in enumerate(vals):
            if _big(x):
                h = chunker.ref(x, new_chunks)
                if h is not None:
                    refs.append((j + 1, i, h))
                    live.add(id(x))
                    if nv is None:
                        nv = list(vals)
                    nv[i] = None
        if nv is not None:
            if out is None:
                out = list(frames)
            out[j] = (info, site, tuple(nv))
    chunker.keep_only(live)
    if out is not None:
        k = control.Continuation(tuple(out), k.handler)
    return k, v, refs, new_chunks


def main_bytes(k, v):
    kb = fmt.encode(k)
    vb = fmt.encode(v)
    out = bytearray()
    _wvarint(out, len(kb))
    return bytes(out) + kb + vb


def _refs_bytes(refs):
    out = bytearray()
    _wvarint(out, len(refs))
    for slot, i, h in refs:
        _wvarint(out, slot)
        _wvarint(out, i)
        out += h
    return bytes(out)


def _wbits(n):
    w = 9
    while (1 << w) < n + 300 and w < 15:
        w += 1
    return w


def record(main, refs, base):
    """The record for `main`; `base` is (n, base_main) or None. Returns (record, is_full)."""
    rb = _refs_bytes(refs)
    if base is not None:
        bn, bmain = base
        w = _wbits(len(bmain) + len(main))
        c = zlib.compressobj(6, zlib.DEFLATED, -w, 8, zlib.Z_DEFAULT_STRATEGY, bmain)
        delta = c.compress(main) + c.flush()
        if len(delta) <= len(main) // 2:
            head = bytearray([DELTA])
            _wvarint(head, bn)
            return bytes(head) + rb + delta, False
    return bytes([FULL]) + rb + main, True


def parse(rec):
    """(kind, base_n or None, refs, payload) of a record."""
    if not rec:
        raise BadRecord("empty record")
    kind = rec[0]
    i = 1
    base_n = None
    if kind == DELTA:
        base_n, i = _rvarint(rec, i)
    elif kind != FULL:
        raise BadRecord(f"unknown record kind {kind}")
    count, i = _rvarint(rec, i)
    if count > 1_000_000:
        raise BadRecord("too many chunk references")
    refs = []
    for _ in range(count):
        slot, i = _rvarint(rec, i)
        idx, i = _rvarint(rec, i)
        if i + 16 > len(rec):
            raise BadRecord("truncated chunk reference")
        refs.append((slot, idx, bytes(rec[i : i + 16])))
        i += 16
    return kind, base_n, refs, rec[i:]


def inflate(payload, base_main):
    w = _wbits(len(base_main))
    d = zlib.decompressobj(-15 if w < 15 else -15, base_main)
    try:
        out = d.decompress(payload, MAX_MAIN)
    except zlib.error as e:
        raise BadRecord(f"bad delta: {e}") from None
    if d.unconsumed_tail:
        raise BadRecord("delta inflates beyond the limit")
    return out


def split_main(main):
    n, i = _rvarint(main, 0)
    if i + n > len(main):
        raise BadRecord("truncated main part")
    return main[i : i + n], main[i + n :]


def restore(k, v, refs, chunk_values):
    """Put chunk values (hash -> value) back at their places."""
    if not refs:
        return k, v
    frames = list(k.frames)
    for slot, i, h in refs:
        x = chunk_values[h]
        if slot == 0:
            v = x
            continue
        j = slot - 1
        if j >= len(frames) or i >= len(frames[j][2]):
            raise BadRecord("chunk reference outside the continuation")
        info, site, vals = frames[j]
        vals = list(vals)
        vals[i] = x
        frames[j] = (info, site, tuple(vals))
    return control.Continuation(tuple(frames), k.handler), v
