"""Reading a blob: the envelope, the header, the string table and the value graph.

Owns every check a blob must pass: magic, version, flags, CRC-32, lengths, decode
limits (bytes, values, nesting, values per byte), table indexes and back-references.
Any failure raises (corrupt-data reason); no Python exception escapes and the work is
bounded by the blob's size. What names become is up to the hooks: live values
(format.LiveHooks) or inert descriptions (inspect.InertHooks).
"""

from __future__ import annotations

import struct as _struct
import zlib
from collections import Counter
from itertools import accumulate, chain, islice, repeat
from operator import is_

from ..core.values import (
    EMPTY,
    NEW_NODE,
    NONE,
    ArraySeq,
    Box,
    FrozenTransient,
    Keyword,
    OptionNone,
    PList,
    PMap,
    PSet,
    PVector,
    Ref,
    Some,
    Struct,
    Symbol,
    pmap,
    pset,
    pvector,
)
from .layout import (
    C_GENERAL,
    C_INT,
    C_RANGE,
    C_REF,
    C_STR,
    C_STRRUN,
    COLUMN_MIN,
    COST_CELL,
    COST_CLOSURE,
    COST_ENTRY,
    COST_FRAME,
    COST_FREE,
    COST_HASHED,
    COST_OBJECT,
    COST_PAYLOAD_BYTE,
    COST_SLOT,
    COST_STRING,
    COST_STRING_BYTE,
    DEFAULT_LIMITS,
    DEPTH_CHECK,
    FLAG_ZLIB,
    FLOAT,
    FORMAT_VERSION,
    HEAD_LEN,
    INFLATE_BASE,
    INFLATE_MAX,
    K_FN,
    K_HOST,
    K_SHAPE,
    K_STRUCT,
    K_TYPE,
    KEY_WORK_BASE,
    KEY_WORK_PER_BYTE,
    MAGIC,
    MAX_COLLISIONS,
    MEM_BASE,
    MEM_PER_BYTE,
    PENDING,
    PRESEEDED,
    SFMT,
    SIGNED_MAGIC,
    T_ARRAYSEQ,
    T_BACKREF,
    T_BIGINT,
    T_BOX,
    T_BYTES,
    T_CLOSURE,
    T_CONT,
    T_CUSTOM,
    T_EMPTY,
    T_FALSE,
    T_FLOAT,
    T_FROZEN,
    T_HOST,
    T_KEYWORD,
    T_LIST,
    T_MAP,
    T_NIL,
    T_NINT,
    T_NONE,
    T_REF,
    T_RESOURCE,
    T_SBYTES,
    T_SET,
    T_SOME,
    T_STRREF,
    T_STRUCT,
    T_SYMBOL,
    T_TRUE,
    T_TUPLE,
    T_UINT,
    T_VECTOR,
    UFMT,
    WIDTH,
    Corrupt,
    StackRoom,
    corrupt,
    unzigzag,
)

# --- the name table's entries, as read ------------------------------------------------------------


class FnEntry:
    __slots__ = ("symbol", "fingerprint", "line", "nparams", "free", "sites")

    def __init__(self, symbol, fingerprint, line, nparams, free, sites):
        self.symbol, self.fingerprint, self.line, self.nparams, self.free, self.sites = symbol, fingerprint, line, nparams, free, sites


class StructEntry:
    __slots__ = ("module", "name", "layout", "fields")

    def __init__(self, module, name, layout, fields):
        self.module, self.name, self.layout, self.fields = module, name, layout, fields


class TypeEntry:
    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name


class HostEntry:
    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name


class ShapeEntry:
    __slots__ = ("fn", "fn_index", "site", "names")

    def __init__(self, fn, fn_index, site, names):
        self.fn, self.fn_index, self.site, self.names = fn, fn_index, site, names


class Header:
    """What a blob says before its value: versions, modules and the name table."""

    __slots__ = ("format_version", "compressed", "size", "stored", "program", "version", "modules", "names", "nstrings", "charged")

    def __init__(self):
        self.format_version = None
        self.compressed = False
        self.size = 0
        self.program = ""
        self.version = ""
        self.modules = {}  # name -> (version, file)
        self.names = []
        self.nstrings = 0
        self.stored = 0  # the blob's length: every limit is based on it
        self.charged = 0  # memory charged before the value stream (payload and strings)


class _Reader:
    __slots__ = ("data", "pos", "end")

    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos
        self.end = len(data)

    def byte(self):
        if self.pos >= self.end:
            raise Corrupt("truncated")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self):
        data, pos, end = self.data, self.pos, self.end
        r = 0
        shift = 0
        while True:
            if pos >= end:
                raise Corrupt("truncated")
            b = data[pos]
            pos += 1
            r |= (b & 0x7F) << shift
            if b < 0x80:
                self.pos = pos
                return r
            shift += 7
            if shift > 63:
                raise Corrupt("varint too long")

    def count(self, what):
        n = self.varint()
        if n > self.end - self.pos:
            raise Corrupt(f"{what} count {n} exceeds the remaining bytes")
        return n

    def string(self):
        n = self.varint()
        e = self.pos + n
        if e > self.end:
            raise Corrupt("truncated string")
        s = self.data[self.pos : e].decode("utf-8", "surrogatepass")
        self.pos = e
        return s


_HEAD_CRCS = {bytes(MAGIC + bytes((FORMAT_VERSION, f))): zlib.crc32(MAGIC + bytes((FORMAT_VERSION, f))) for f in (0, FLAG_ZLIB)}


def _varint_at(data, pos):
    """(the varint at data[pos], the position after it): one and two bytes inline."""
    n = data[pos]
    if n < 0x80:
        return n, pos + 1
    b = data[pos + 1]
    if b < 0x80:
        return (n & 0x7F) | b << 7, pos + 2
    r = _Reader(data, pos)
    return r.varint(), r.pos


def _unwrap(blob, limits):
    """Check magic, version, flags and checksum; return (Header with those fields, payload)."""
    if type(blob) is not bytes:
        blob = bytes(blob)
    n = len(blob)
    if n > limits.max_bytes:
        raise Corrupt(f"blob of {n} bytes exceeds the limit of {limits.max_bytes}")
    if n < HEAD_LEN + 1:
        raise Corrupt("too short to be a Turmeric blob")
    head = blob[:6]
    head_crc = _HEAD_CRCS.get(head)  # magic, this version and known flags: the common case
    if head_crc is None:
        if blob[:4] != MAGIC:
            if blob[:4] == SIGNED_MAGIC:
                raise Corrupt("this blob is signed: check it with verify first")
            raise Corrupt("not a Turmeric blob (bad magic bytes)")
        if blob[4] != FORMAT_VERSION:
            raise Corrupt(f"unsupported format version {blob[4]} (this runtime reads version {FORMAT_VERSION})")
        raise Corrupt(f"unknown flags 0x{blob[5]:02x}")
    if int.from_bytes(blob[6:10], "little") != zlib.crc32(memoryview(blob)[HEAD_LEN:], head_crc):
        raise Corrupt("checksum mismatch: the blob was altered or truncated")
    h = Header()
    h.format_version = FORMAT_VERSION
    h.compressed = compressed = bool(blob[5] & FLAG_ZLIB)
    size, pos = _varint_at(blob, HEAD_LEN)
    h.size = size
    h.stored = n
    if size > limits.max_bytes:
        raise Corrupt(f"payload of {size} bytes exceeds the limit of {limits.max_bytes}")
    # checked before inflating: the inflation ratio, and the memory the payload alone would take
    if compressed and size > INFLATE_MAX * n + INFLATE_BASE:
        raise Corrupt(f"the payload would inflate to {size} bytes, more than {INFLATE_MAX} times the blob's {n} bytes")
    if COST_PAYLOAD_BYTE * size > MEM_PER_BYTE * n + MEM_BASE:
        raise Corrupt(f"a payload of {size} bytes needs more memory than a {n}-byte blob is allowed")
    rest = blob[pos:]
    if compressed:
        try:
            d = zlib.decompressobj()
            payload = d.decompress(rest, size + 1)
        except zlib.error:
            raise Corrupt("compressed payload is damaged") from None
        if len(payload) != size or not d.eof or d.unused_data or d.unconsumed_tail:
            raise Corrupt("compressed payload has the wrong length")
    else:
        payload = rest
        if len(payload) != size:
            raise Corrupt(f"payload is {len(payload)} bytes, the header says {size}")
    return h, payload


def budget(stored):
    """The memory (bytes) decoding a blob of `stored` bytes may take: MEM_PER_BYTE * n + MEM_BASE."""
    return MEM_PER_BYTE * stored + MEM_BASE


def _read_header(h, r):
    h.program = r.string()
    h.version = r.string()
    for _ in range(r.count("module")):
        name = r.string()
        h.modules[name] = (r.string(), r.string())
    names = h.names
    for _ in range(r.count("name")):
        k = r.byte()
        if k == K_FN:
            sym = r.string()
            fp = r.string()
            line = r.varint()
            nparams = r.varint()
            free = tuple(r.string() for _ in range(r.count("free variable")))
            sites = {}
            for _ in range(r.count("site")):
                site = r.varint()
                sites[site] = tuple(r.string() for _ in range(r.count("local")))
            if "." not in sym:
                raise Corrupt(f"malformed function symbol {sym!r}")
            names.append(FnEntry(sym, fp, line, nparams, free, sites))
        elif k == K_SHAPE:
            fi = r.varint()
            site = r.varint()
            if fi >= len(names) or type(names[fi]) is not FnEntry:
                raise Corrupt("a frame shape names no function")
            fn = names[fi]
            if site not in fn.sites:
                raise Corrupt(f"a frame shape names an unrecorded resume point of {fn.symbol}")
            names.append(ShapeEntry(fn, fi, site, fn.sites[site]))
        elif k == K_STRUCT:
            mod = r.string()
            name = r.string()
            layout = r.string()
            fields = tuple(r.string() for _ in range(r.count("field")))
            names.append(StructEntry(mod, name, layout, fields))
        elif k == K_TYPE:
            names.append(TypeEntry(r.string(), r.string()))
        elif k == K_HOST:
            names.append(HostEntry(r.string(), r.string()))
        else:
            raise Corrupt(f"unknown name-table entry kind {k}")


def _read_strings(r):
    n = r.count("string")
    if not n:
        return []
    mode = r.byte()
    if mode == 0:
        strs = r.string().split("\0")
        if len(strs) != n:
            raise Corrupt("string table has the wrong number of strings")
        return strs
    if mode != 1:
        raise Corrupt(f"bad string table mode {mode}")
    w = r.byte()
    if w > 3:
        raise Corrupt(f"bad width code {w}")
    e = r.pos + n * WIDTH[w]
    if e > r.end:
        raise Corrupt("truncated string table")
    lens = _struct.unpack_from(f"<{n}{UFMT[w]}", r.data, r.pos)
    r.pos = e
    big = r.string()
    ends = list(accumulate(lens))
    if ends[-1] != len(big):
        raise Corrupt("string table lengths don't add up")
    return list(map(big.__getitem__, map(slice, chain((0,), ends), ends)))


_HEADERS: dict = {}  # header bytes -> (program, version, modules, names): blobs of one program share these
_HEADERS_MAX = 64


def read_header(blob, limits=DEFAULT_LIMITS):
    """(Header, payload, strings, body offset). Raises Thrown(corrupt-data) on malformed bytes."""
    try:
        h, payload = _unwrap(blob, limits)
        r = _Reader(payload)
        hlen, pos = _varint_at(payload, 0)
        if hlen > r.end - pos:
            raise Corrupt(f"header count {hlen} exceeds the remaining bytes")
        e = pos + hlen
        key = payload[pos:e]
        cached = _HEADERS.get(key)
        if cached is None:
            hr = _Reader(key)
            _read_header(h, hr)
            if hr.pos != hlen:
                raise Corrupt("header has unexpected bytes")
            if len(_HEADERS) >= _HEADERS_MAX:
                _HEADERS.clear()
            _HEADERS[key] = (h.program, h.version, h.modules, h.names)
        else:
            h.program, h.version, h.modules, h.names = cached
        # the string table; the common case (fewer than 128 strings joined by U+0000, in fewer
        # than 128 bytes) read inline, the rest by _read_strings
        n = payload[e] if e < r.end else 0x80
        if n == 0:
            strs = []
            r.pos = e + 1
        elif n < 0x80 and payload[e + 1 : e + 2] == b"\0" and e + 2 < r.end and payload[e + 2] < 0x80:
            ln = payload[e + 2]
            pos = e + 3
            r.pos = pos + ln
            if n > r.end - e - 1 or r.pos > r.end:
                raise Corrupt("truncated string table")
            strs = payload[pos : r.pos].decode("utf-8", "surrogatepass").split("\0")
            if len(strs) != n:
                raise Corrupt("string table has the wrong number of strings")
        else:
            r.pos = e
            strs = _read_strings(r)
        h.nstrings = ns = len(strs)
        if ns > limits.max_elements:
            raise Corrupt(f"more than {limits.max_elements} strings")
        h.charged = COST_PAYLOAD_BYTE * len(payload) + COST_STRING * ns + COST_STRING_BYTE * (r.pos - e)
        if h.charged > MEM_PER_BYTE * h.stored + MEM_BASE:
            raise Corrupt("the strings need more memory than the blob's size allows")
        return h, payload, strs, r.pos
    except Corrupt as e:
        raise corrupt(str(e)) from None
    except (IndexError, ValueError, TypeError, OverflowError, MemoryError, _struct.error) as e:
        raise corrupt(f"malformed header ({type(e).__name__})") from None


def header_names(blob, limits=DEFAULT_LIMITS):
    """The name table of `blob` (FnEntry, ShapeEntry, ...) without its strings or values."""
    return read_header(blob, limits)[0].names


def local_header_names(blob):
    """The name table of a blob THIS process just encoded (trusted bytes: no checksum is
    checked), cheaply: the code store asks it of every durable checkpoint. Bytes from
    anywhere else go through `header_names`."""
    try:
        if type(blob) is bytes and len(blob) > HEAD_LEN and blob[:4] == MAGIC and not blob[5] & FLAG_ZLIB:
            r = _Reader(blob, HEAD_LEN)
            r.varint()
            hlen = r.count("header")
            cached = _HEADERS.get(blob[r.pos : r.pos + hlen])
            if cached is not None:
                return cached[3]
    except Corrupt:
        pass
    return header_names(blob)


class Hooks:
    """How the named things in a body become values: live ones for `deserialize`, inert ones
    for `inspect`."""

    def names(self, header):
        """Resolve the name table: a list parallel to header.names. A ShapeEntry resolves to a
        pair (a, b); each frame of a continuation is then the tuple (a, b, values)."""
        raise NotImplementedError

    def closure(self, entry, resolved, vals):
        raise NotImplementedError

    def cont(self, frames, handler):
        raise NotImplementedError

    def struct(self, entry, resolved, vals):
        raise NotImplementedError

    def custom(self, entry, resolved, rep, resource):
        raise NotImplementedError

    def host(self, entry, resolved):
        raise NotImplementedError


def parse(blob, hooks, limits=DEFAULT_LIMITS, stats=None):
    """Decode `blob` with `hooks`; returns (Header, value). With a dict `stats`, records the
    memory charged ("charged") and the budget ("budget"), for tests and the fuzzer."""
    h, payload, strs, start = read_header(blob, limits)
    resolved = hooks.names(h)
    dec = Decoder(payload, start, strs, h, resolved, hooks, limits)
    try:
        v = dec.run()
        if stats is not None:
            stats["budget"] = budget(h.stored)
            stats["charged"] = stats["budget"] - dec.mem
        return h, v
    except Corrupt as e:
        raise corrupt(str(e)) from None
    except (IndexError, ValueError, TypeError, KeyError, OverflowError, RecursionError, MemoryError, _struct.error) as e:
        raise corrupt("truncated" if type(e) is IndexError else f"malformed value ({type(e).__name__})") from None
    finally:
        if dec.room is not None:
            dec.room.restore()


_BACKREF_RUNS = [bytes((T_BACKREF,)) * m for m in range(COLUMN_MIN)]  # m back-reference tags, for short_column
_FLAT = frozenset({int, str, float, bool, type(None), bytes, Keyword, Symbol, OptionNone})


class Decoder:
    __slots__ = (
        "data",
        "pos",
        "end",
        "strs",
        "nstrs",
        "objs",
        "cells",
        "names",
        "nnames",
        "resolved",
        "hooks",
        "budget",
        "mem",
        "key_work",
        "weights",
        "max_depth",
        "room",
        "shape_info",
        "check_at",
    )

    def __init__(self, data, pos, strs, header, resolved, hooks, limits, room=None):
        self.data = data
        self.pos = pos
        self.end = len(data)
        self.strs = strs
        self.nstrs = len(strs)
        self.objs = list(PRESEEDED)
        self.cells = []
        self.names = header.names
        self.nnames = len(header.names)
        self.resolved = resolved
        self.hooks = hooks
        self.budget = limits.max_elements - len(strs)  # values still allowed
        self.mem = budget(header.stored) - header.charged  # bytes of memory still allowed (layout.py)
        self.key_work = KEY_WORK_PER_BYTE * header.stored + KEY_WORK_BASE  # hashing/comparing keys
        self.weights = {}  # id(value) -> its size as a tree (for map keys and set elements)
        self.max_depth = limits.max_depth
        self.check_at = min(DEPTH_CHECK, limits.max_depth)  # nesting beyond which deep() checks
        self.room = room  # a StackRoom, made when nesting first passes check_at
        self.shape_info = None

    def run(self):
        root = self.dec(0)
        cells = self.cells
        i = 0
        while i < len(cells):
            c = cells[i]
            v = self.dec(0)
            if type(c) is Ref:
                c.value = v
            else:
                c.v = v
            i += 1
        if self.pos != self.end:
            raise Corrupt(f"{self.end - self.pos} unexpected bytes after the value")
        return root

    # --- primitives -------------------------------------------------------------------------------
    def rv(self):
        data = self.data
        pos = self.pos
        b = data[pos]
        pos += 1
        if b < 0x80:
            self.pos = pos
            return b
        r = b & 0x7F
        shift = 7
        while True:
            b = data[pos]
            pos += 1
            r |= (b & 0x7F) << shift
            if b < 0x80:
                self.pos = pos
                return r
            shift += 7
            if shift > 63:
                raise Corrupt("varint too long")

    def count(self, what):
        pos = self.pos
        n = self.data[pos]
        if n < 0x80:
            self.pos = pos = pos + 1
        else:
            n = self.rv()
            pos = self.pos
        if n > self.end - pos + self.mem // COST_SLOT:
            raise Corrupt(f"{what} of {n} elements is longer than the remaining bytes allow")
        self.budget -= n
        if self.budget < 0:
            raise Corrupt("too many values")
        return n

    def charge(self, n):
        """Account for n bytes about to be allocated; refuse the blob beyond its memory budget."""
        self.mem -= n
        if self.mem < 0:
            raise Corrupt("decoding would take more memory than the blob's size allows")

    def spend(self, n):
        self.budget -= n
        if self.budget < 0:
            raise Corrupt("too many values")

    def spend_free(self, n):
        self.mem -= n * COST_FREE
        if self.mem < 0:
            raise Corrupt("too many values for the size of the blob")

    def check_keys(self, ks):
        """Map keys / set elements about to be hashed: bounded work, bounded collisions."""
        work = 0
        weight = self.weight
        for k in ks:
            if type(k) not in _FLAT:
                work += weight(k, 0)
        self.key_work -= work
        if self.key_work < 0:
            raise Corrupt("map keys or set elements too large to hash for the size of the blob")
        if len(ks) > MAX_COLLISIONS:
            c = Counter(map(hash, ks))
            if max(c.values()) > MAX_COLLISIONS:
                raise Corrupt(f"more than {MAX_COLLISIONS} keys of one map or set share a hash")

    def weight(self, v, depth):
        """v's size as a tree (what hashing or comparing it may walk), memoized per object."""
        t = type(v)
        if t in _FLAT:
            return 1
        key = id(v)
        w = self.weights.get(key)
        if w is not None:
            return w
        if depth > self.check_at:
            self.deep(depth)
        depth += 1
        weight = self.weight
        if t is PList:
            nodes = []
            node = v
            while type(node) is PList and node.count and id(node) not in self.weights:
                nodes.append(node)
                node = node.rest
            w = 1 if not node.count else weight(node, depth)
            for nd in reversed(nodes):
                w += 1 + weight(nd.first, depth)
                self.weights[id(nd)] = w
            return w
        if t is ArraySeq:
            w = 1 + weight(v.items, depth)
        elif t is tuple or isinstance(v, (PVector, PSet)):
            w = 1
            for x in v:
                w += weight(x, depth)
        elif isinstance(v, PMap):
            w = 1
            for k, x in v.items():
                w += weight(k, depth) + weight(x, depth)
        elif t is Some:
            w = 1 + weight(v.value, depth)
        elif isinstance(v, Struct):
            w = 1 + weight(v.vals, depth)
        else:  # refs, boxes, closures, continuations, inert values: hashed by identity
            w = 1
        self.weights[key] = w
        if w > self.key_work:
            raise Corrupt("map keys or set elements too large to hash for the size of the blob")
        return w

    def deep(self, d):
        if d > self.max_depth:
            raise Corrupt(f"values nested deeper than {self.max_depth} levels")
        if self.room is None:
            self.room = StackRoom(self.max_depth)
        self.room.ensure()

    def name(self, kind):
        i = self.rv()
        if i >= self.nnames or type(self.names[i]) is not kind:
            raise Corrupt(f"bad name-table index {i}")
        return i

    def dec(self, d):
        data = self.data
        pos = self.pos
        t = data[pos]
        if t < 0x40:
            self.pos = pos + 1
            return t
        if t < 0x60:
            self.pos = pos + 1
            return self.strs[t - 0x40]
        if t < 0x80:
            self.pos = pos + 2
            return ((t & 0x1F) << 8 | data[pos + 1]) + 64
        self.pos = pos + 1
        return _DEC[t](self, d)

    def read_n(self, n, d):
        """Decode n tagged values; the common kinds are inlined."""
        data = self.data
        strs = self.strs
        objs = self.objs
        p = self.pos
        out = []
        for _ in range(n):
            t = data[p]
            p += 1
            if t < 0x40:
                out.append(t)
            elif t < 0x60:
                out.append(strs[t - 0x40])
            elif t < 0x80:
                out.append(((t & 0x1F) << 8 | data[p]) + 64)
                p += 1
            elif t == T_BACKREF and data[p] < 0x80:
                o = objs[data[p]]
                p += 1
                if o is PENDING:
                    raise Corrupt("back-reference to an unfinished value")
                out.append(o)
            else:
                self.pos = p - 1
                out.append(self.dec(d))
                p = self.pos
        self.pos = p
        return out

    def column(self, m, d):
        """A column of m values: a progression, packed ints, strings or back-references, or m
        tagged values. Returns a sequence."""
        data = self.data
        pos = self.pos
        code = data[pos]
        self.pos = pos = pos + 1
        kind, w = code >> 4, code & 0x0F
        if w == 0:
            if kind == C_GENERAL:
                return self.read_n(m, d)
            if kind == C_RANGE:
                self.spend_free(m)
                a = unzigzag(self.rv())
                step = unzigzag(self.rv())
                return range(a, a + step * m, step) if step else (a,) * m
            if kind == C_STRRUN:
                self.spend_free(m)
                b = self.rv()
                if b + m > self.nstrs:
                    raise Corrupt("string index out of range")
                return self.strs[b : b + m]
        if w > 3 or not C_INT <= kind <= C_REF:
            raise Corrupt(f"bad column code 0x{code:02x}")
        e = pos + m * WIDTH[w]
        if e > self.end:
            raise Corrupt("truncated column")
        if kind == C_INT:
            col = _struct.unpack_from(f"<{m}{SFMT[w]}", data, pos)
        else:
            idx = _struct.unpack_from(f"<{m}{UFMT[w]}", data, pos)
            if kind == C_STR:
                if max(idx) >= self.nstrs:
                    raise Corrupt("string index out of range")
                col = tuple(map(self.strs.__getitem__, idx))
            else:
                objs = self.objs
                if max(idx) >= len(objs):
                    raise Corrupt("back-reference to a value not yet seen")
                col = tuple(map(objs.__getitem__, idx))
                if any(map(is_, col, repeat(PENDING))):
                    raise Corrupt("back-reference to an unfinished value")
        self.pos = e
        return col

    def seq(self, n, d):
        """The n elements of a sequence: a column when long, else tagged values."""
        if n >= COLUMN_MIN:
            return self.column(n, d)
        return self.short_column(n, d)

    def frames(self, n, d):
        """A continuation's n frames (docs/format.md): shapes, frame order, then columns."""
        data = self.data
        nshapes = self.count("shape list")
        if nshapes == 0:
            raise Corrupt("a continuation with frames has no shapes")
        info = self.shape_info
        if info is None:
            info = self.shape_info = [(self.resolved[i], len(e.names)) if type(e) is ShapeEntry else None for i, e in enumerate(self.names)]
        shapes = []
        nnames = self.nnames
        for _ in range(nshapes):
            i = data[self.pos]
            if i < 0x80:
                self.pos += 1
            else:
                i = self.rv()
            si = info[i] if i < nnames else None
            if si is None:
                raise Corrupt(f"bad frame shape {i}")
            shapes.append(si)
        mode = data[self.pos]
        self.pos += 1
        if mode == 5:  # rows: each frame's shape number, then its values (tagged)
            return self.rows(n, shapes, d)
        if mode == 0:  # runs: (shape number, length)
            self.spend_free(n)
            nruns = self.count("frame runs")
            rshapes = []
            rlens = []
            rv = self.rv
            for _ in range(nruns):
                rshapes.append(rv())
                rlens.append(rv())
            if sum(rlens) != n or min(rlens) < 1 or max(rshapes) >= nshapes:
                raise Corrupt("frame runs don't match the frames")
            counts = Counter()
            for sn, length in zip(rshapes, rlens, strict=False):
                counts[sn] += length
        elif mode <= 4:  # one packed shape number per frame
            w = mode - 1
            e = self.pos + n * WIDTH[w]
            if e > self.end:
                raise Corrupt("truncated frame list")
            seqn = _struct.unpack_from(f"<{n}{UFMT[w]}", data, self.pos)
            self.pos = e
            counts = Counter(seqn)
        else:
            raise Corrupt(f"bad frame order mode {mode}")
        if len(counts) != nshapes or max(counts) >= nshapes:
            raise Corrupt("frame order doesn't match the shapes")
        its = []
        for s, ((a, b), nv) in enumerate(shapes):
            m = counts[s]
            self.spend(m * nv)
            self.charge(m * nv * COST_SLOT)
            if not nv:
                its.append(repeat((a, b, ()), m))
                continue
            if m >= COLUMN_MIN:
                cols = [self.column(m, d) for _ in range(nv)]
            else:
                cols = []
                for _ in range(nv):
                    if data[self.pos] != 0:
                        raise Corrupt("a short column must be stored as tagged values")
                    self.pos += 1
                    cols.append(self.read_n(m, d))
            its.append(zip(repeat(a), repeat(b), zip(*cols, strict=False), strict=False))
        if mode == 0:
            return tuple(chain.from_iterable(map(islice, map(its.__getitem__, rshapes), rlens)))
        return tuple(map(next, map(its.__getitem__, seqn)))

    def short_column(self, m, d):
        """A column (or sequence) of m < COLUMN_MIN values: the code 00, then m tagged values. All
        one-byte ints, all one-byte strings or all one-byte back-references are taken in at once
        (a sequence of small ints is returned as the bytes themselves)."""
        data = self.data
        p = self.pos
        if data[p] != 0:
            raise Corrupt("a short column must be stored as tagged values")
        p += 1
        chunk = data[p : p + m]
        if m and len(chunk) == m:
            hi = max(chunk)
            if hi < 0x40:  # ints 0-63
                self.pos = p + m
                return chunk
            if hi < 0x60 and min(chunk) >= 0x40:  # string-table entries 0-31
                strs = self.strs
                if hi - 0x40 >= len(strs):
                    raise Corrupt("string index out of range")
                self.pos = p + m
                return [strs[t - 0x40] for t in chunk]
            if chunk[0] == T_BACKREF:
                pairs = data[p : p + 2 * m]
                if pairs[0::2] == _BACKREF_RUNS[m]:
                    idx = pairs[1::2]
                    objs = self.objs
                    if max(idx) < min(0x80, len(objs)):  # one-byte varints, to values already seen
                        col = list(map(objs.__getitem__, idx))
                        if any(map(is_, col, repeat(PENDING))):
                            raise Corrupt("back-reference to an unfinished value")
                        self.pos = p + 2 * m
                        return col
        self.pos = p
        return self.read_n(m, d)

    def rows(self, n, shapes, d):
        """n frames stored one after the other: shape number (< 128), values (tagged)."""
        data = self.data
        strs = self.strs
        objs = self.objs
        p = self.pos
        out = []
        used = 0
        for _ in range(n):
            sn = data[p]
            p += 1
            (a, b), nv = shapes[sn] if sn < 0x80 else shapes[1 << 30]
            used += nv
            vals = []
            for _ in _RANGES[nv] if nv < 64 else range(nv):
                t = data[p]
                p += 1
                if t < 0x40:
                    vals.append(t)
                elif t < 0x60:
                    vals.append(strs[t - 0x40])
                elif t < 0x80:
                    vals.append(((t & 0x1F) << 8 | data[p]) + 64)
                    p += 1
                elif t == T_BACKREF and (i := data[p]) < 0x80:
                    o = objs[i]
                    p += 1
                    if o is PENDING:
                        raise Corrupt("back-reference to an unfinished value")
                    vals.append(o)
                else:
                    self.pos = p - 1
                    vals.append(self.dec(d))
                    p = self.pos
            out.append((a, b, tuple(vals)))
        self.pos = p
        self.spend(used)
        self.charge(used * COST_SLOT)
        return tuple(out)

    def reserve(self):
        self.mem -= COST_OBJECT
        if self.mem < 0:
            raise Corrupt("decoding would take more memory than the blob's size allows")
        objs = self.objs
        objs.append(PENDING)
        return len(objs) - 1


_RANGES = tuple(map(range, range(64)))  # a frame's values: range(nv), made once, not once per frame


# --- handlers: (decoder, depth) -> value ---------------------------------------------------------


def _bad(self, d):
    raise Corrupt(f"unknown tag 0x{self.data[self.pos - 1]:02x}")


def _d_nil(self, d):
    return None


def _d_true(self, d):
    return True


def _d_false(self, d):
    return False


def _d_uint(self, d):
    return self.rv()


def _d_nint(self, d):
    return -1 - self.rv()


def _d_bigint(self, d):
    n = self.count("integer")
    pos = self.pos
    e = pos + n
    v = int.from_bytes(self.data[pos:e], "big", signed=True)
    self.pos = e
    return v


def _d_float(self, d):
    pos = self.pos
    e = pos + 8
    if e > self.end:
        raise Corrupt("truncated float")
    v = FLOAT.unpack_from(self.data, pos)[0]
    self.pos = e
    return v


def _d_strref(self, d):
    i = self.rv()
    if i >= self.nstrs:
        raise Corrupt(f"string {i} is not in the table")
    return self.strs[i]


def _d_bytes(self, d):
    n = self.rv()
    pos = self.pos
    e = pos + n
    if e > self.end:
        raise Corrupt("truncated bytes")
    self.pos = e
    return self.data[pos:e]


def _d_sbytes(self, d):
    v = _d_bytes(self, d)
    self.charge(COST_OBJECT)
    self.objs.append(v)
    return v


def _d_keyword(self, d):
    return Keyword(_d_strref(self, d))


def _d_symbol(self, d):
    return Symbol(_d_strref(self, d))


def _d_empty(self, d):
    return EMPTY


def _d_list(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    k = self.count("list")
    if k == 0:
        raise Corrupt("list with no elements")
    self.mem -= k * (COST_OBJECT + COST_SLOT)
    if self.mem < 0:
        raise Corrupt("decoding would take more memory than the blob's size allows")
    objs = self.objs
    base = len(objs)
    objs.extend(repeat(PENDING, k))
    firsts = self.column(k, d) if k >= COLUMN_MIN else self.short_column(k, d)
    if self.data[self.pos] == T_EMPTY:
        self.pos += 1
        node = EMPTY
    else:
        node = self.dec(d)
        if not isinstance(node, PList):
            raise Corrupt("list tail is not a list")
    nodes = []
    push = nodes.append
    n = node.count
    for x in reversed(firsts):
        n += 1
        cell = NEW_NODE(PList)  # PList(x, node, n) without its __init__ frame
        cell.first = x
        cell.rest = node
        cell.count = n
        cell.pos = None
        node = cell
        push(cell)
    nodes.reverse()
    objs[base : base + k] = nodes
    return node


def _d_arrayseq(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    off = self.rv()
    slot = self.reserve()
    items = self.dec(d)
    if type(items) is not tuple or off > len(items):
        raise Corrupt("a list's items are not a tuple")
    v = ArraySeq(items, off) if off < len(items) else EMPTY
    self.objs[slot] = v
    return v


def _d_tuple(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    n = self.count("tuple")
    self.charge(n * COST_SLOT)
    slot = self.reserve()
    v = tuple(self.seq(n, d))
    self.objs[slot] = v
    return v


def _d_frozen(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    n = self.count("accumulator")
    self.charge(n * COST_SLOT)
    slot = self.reserve()
    v = FrozenTransient(tuple(self.seq(n, d)))
    self.objs[slot] = v
    return v


def _d_vector(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    n = self.count("vector")
    self.charge(n * COST_SLOT)
    slot = self.reserve()
    v = pvector(self.seq(n, d))
    self.objs[slot] = v
    return v


def _d_set(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    n = self.count("set")
    if n:
        self.charge(n * (COST_SLOT + COST_ENTRY) + COST_HASHED)
    slot = self.reserve()
    xs = self.seq(n, d)
    self.check_keys(xs)
    v = pset(xs)
    self.objs[slot] = v
    return v


def _d_map(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    n = self.count("map")
    self.spend(n)
    if n:
        self.charge(n * (2 * COST_SLOT + COST_ENTRY) + COST_HASHED)
    slot = self.reserve()
    ks = self.seq(n, d)
    self.check_keys(ks)
    vs = self.seq(n, d)
    v = pmap(dict(zip(ks, vs, strict=False)))
    self.objs[slot] = v
    return v


def _d_none(self, d):
    return NONE


def _d_some(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    return Some(self.dec(d))


def _d_ref(self, d):
    self.charge(COST_OBJECT)
    r = Ref(None)
    self.objs.append(r)
    self.cells.append(r)
    return r


def _d_box(self, d):
    self.charge(COST_OBJECT)
    b = Box(None)
    self.objs.append(b)
    self.cells.append(b)
    return b


def _d_closure(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    i = self.name(FnEntry)
    e = self.names[i]
    self.spend(len(e.free))
    self.charge(COST_CLOSURE + len(e.free) * (COST_SLOT + COST_CELL))
    slot = self.reserve()
    f = self.hooks.closure(e, self.resolved[i], self.read_n(len(e.free), d))
    self.objs[slot] = f
    return f


def _d_cont(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    n = self.count("continuation")
    self.mem -= n * (COST_FRAME + COST_SLOT) + COST_OBJECT  # its frames, and its object (reserve)
    if self.mem < 0:
        raise Corrupt("decoding would take more memory than the blob's size allows")
    objs = self.objs
    slot = len(objs)
    objs.append(PENDING)
    if self.data[self.pos] == T_NIL:
        self.pos += 1
        handler = None
    else:
        handler = self.dec(d)
    if n:
        frames = self.frames(n, d)
    else:
        if self.data[self.pos] != 0:
            raise Corrupt("an empty continuation has shapes")
        self.pos += 1
        frames = ()
    k = self.hooks.cont(frames, handler)
    self.objs[slot] = k
    return k


def _d_struct(self, d):
    d += 1
    if d > self.check_at:
        self.deep(d)
    i = self.name(StructEntry)
    e = self.names[i]
    self.spend(len(e.fields))
    self.charge(len(e.fields) * COST_SLOT)
    slot = self.reserve()
    v = self.hooks.struct(e, self.resolved[i], self.read_n(len(e.fields), d))
    self.objs[slot] = v
    return v


def _custom(self, d, resource):
    d += 1
    if d > self.check_at:
        self.deep(d)
    i = self.name(TypeEntry)
    slot = self.reserve()
    rep = self.dec(d)
    v = self.hooks.custom(self.names[i], self.resolved[i], rep, resource)
    self.objs[slot] = v
    return v


def _d_custom(self, d):
    return _custom(self, d, False)


def _d_resource(self, d):
    return _custom(self, d, True)


def _d_host(self, d):
    i = self.name(HostEntry)
    return self.hooks.host(self.names[i], self.resolved[i])


def _d_backref(self, d):
    i = self.rv()
    objs = self.objs
    if i >= len(objs):
        raise Corrupt(f"back-reference {i} to a value not yet seen")
    o = objs[i]
    if o is PENDING:
        raise Corrupt(f"back-reference {i} to an unfinished value")
    return o


_DEC = [_bad] * 256
for _tag, _f in (
    (T_NIL, _d_nil),
    (T_TRUE, _d_true),
    (T_FALSE, _d_false),
    (T_UINT, _d_uint),
    (T_NINT, _d_nint),
    (T_BIGINT, _d_bigint),
    (T_FLOAT, _d_float),
    (T_STRREF, _d_strref),
    (T_BYTES, _d_bytes),
    (T_SBYTES, _d_sbytes),
    (T_KEYWORD, _d_keyword),
    (T_SYMBOL, _d_symbol),
    (T_EMPTY, _d_empty),
    (T_LIST, _d_list),
    (T_ARRAYSEQ, _d_arrayseq),
    (T_TUPLE, _d_tuple),
    (T_FROZEN, _d_frozen),
    (T_VECTOR, _d_vector),
    (T_MAP, _d_map),
    (T_SET, _d_set),
    (T_NONE, _d_none),
    (T_SOME, _d_some),
    (T_REF, _d_ref),
    (T_BOX, _d_box),
    (T_CLOSURE, _d_closure),
    (T_CONT, _d_cont),
    (T_STRUCT, _d_struct),
    (T_CUSTOM, _d_custom),
    (T_RESOURCE, _d_resource),
    (T_HOST, _d_host),
    (T_BACKREF, _d_backref),
):
    _DEC[_tag] = _f
del _tag, _f
