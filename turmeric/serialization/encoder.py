"""Encoding a value graph into a blob's payload (the layout is in docs/format.md).

Owns the walk over a value: object identity (back-references keep sharing and cycles),
the string table, the name table (functions, structs, types, host names, frame shapes),
and the packed columns that make deep continuations cheap. Code is named, never copied.
"""

from __future__ import annotations

import struct as _struct
import types
from collections import Counter, defaultdict
from itertools import chain, count, groupby, repeat

from ..core.errors import STRUCTS
from ..core.values import (
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
from ..runtime import control
from ..runtime.printer import type_name
from . import names as N
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
    DEPTH_CHECK,
    FLOAT,
    FREE_BASE,
    FREE_DIVISOR,
    K_FN,
    K_HOST,
    K_SHAPE,
    K_STRUCT,
    K_TYPE,
    NO_MEMO,
    PRESEEDED,
    SFMT,
    SHARE_BYTES_MIN,
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
    NotSer,
    StackRoom,
    swidth,
    uwidth,
    wstr,
    wvarint,
    zigzag,
)


def _with_length(b):
    """bytes: the varint length of b, then b."""
    out = bytearray()
    wvarint(out, len(b))
    return bytes(out + b)


_PRESEED_MEMO = {id(x): i for i, x in enumerate(PRESEEDED)}
_FN_STATIC: dict = {}  # id(FnInfo) -> (FnInfo, encoded static part of its FN entry)
_SITE_BYTES: dict = {}  # a resume point's names (a tuple of strings) -> their encoding
_I64 = 0x8000000000000000
_NO_RUN = 0x3FFFFFFF  # Encoder.open_lo when no list's elements are being written (a one-digit int: comparisons stay specialized; a larger index is only checked in vain)


class Encoder:
    __slots__ = (
        "buf",
        "memo",
        "strtab",
        "cells",
        "reps",
        "names",
        "name_idx",
        "max_depth",
        "room",
        "free",
        "closures",
        "struct_kinds",
        "check_at",
        "cost",
        "no_cheap",
        "runs",
        "open_lo",
        "splits",
        "found",
    )

    def __init__(self, limits, room=None, no_cheap=False, splits=frozenset()):
        self.buf = bytearray()
        self.memo = _PRESEED_MEMO.copy()  # id(object) -> object index
        self.strtab = {}  # string -> table index, in order of first use (setdefault(s, len): no defaultdict, whose misses cost twice as much)
        self.cells = []  # refs and boxes whose contents follow the root value
        self.reps = {}  # id(value) -> representation from a custom method; ("keep", id) -> kept object
        self.names = []  # name-table entries, as tuples
        self.name_idx = {}  # FnInfo, or a key naming a struct, type or host -> name-table index
        self.max_depth = m = limits.max_depth
        self.check_at = DEPTH_CHECK if DEPTH_CHECK < m else m  # nesting beyond which deep() checks
        self.room = room  # a StackRoom, made when nesting first passes check_at (see restore)
        self.free = 0  # values stored in less than a byte each, so far
        self.closures = {}  # code -> (FN name index, cell indexes)
        self.struct_kinds = {}  # StructType -> (tag, name index, method)
        self.cost = 0  # the reader's memory charge for slots, entries, frames and closures (layout.py)
        self.no_cheap = no_cheap  # never store a value in less than a byte (see format.encode)
        # A list's fresh cells are numbered before their elements are written, and the reader
        # builds them only after reading the elements: a back-reference from an element to one
        # of those cells (an element that reaches the list's own tail, as in (cons xs xs)) would
        # be to an unfinished value. While a list's elements are written, `runs` holds its cells'
        # (first index, end index, first cell) and `open_lo` the lowest such index; a
        # back-reference at or above open_lo is checked (pending), and a cell found pending is
        # put in `found`: format._payload writes the blob again with `splits` (ids of cells
        # that start a list of their own) holding it, so the element writes that cell itself.
        self.runs = []
        self.open_lo = _NO_RUN
        self.splits = splits
        self.found = None

    def restore(self):
        """Put back the recursion limit if deep nesting raised it."""
        if self.room is not None:
            self.room.restore()

    # --- the name table --------------------------------------------------------------------------
    def keep(self, x):
        self.reps[("keep", id(x))] = x

    def fn_entry(self, info):
        i = self.name_idx.get(info)  # FnInfo is hashed by identity (the name table keeps it alive)
        if i is None:
            i = self.name_idx[info] = len(self.names)
            self.names.append((K_FN, info))
        return i

    def shape_entry(self, info, site):
        names = info.sites.get(site)
        if names is None:
            raise NotSer(None, "continuation", f"a frame of {info.symbol} at unknown resume point {site}")
        name_idx, entries = self.name_idx, self.names
        fi = name_idx.get(info)
        if fi is None:  # fn_entry, inline
            fi = name_idx[info] = len(entries)
            entries.append((K_FN, info))
        i = len(entries)
        entries.append((K_SHAPE, fi, site))
        return i, len(names)

    def struct_entry(self, st):
        key = ("struct", id(st))
        i = self.name_idx.get(key)
        if i is None:
            i = self.name_idx[key] = len(self.names)
            self.names.append((K_STRUCT, st))  # which keeps st alive while its id is a key
        return i

    def type_entry(self, module, tname):
        key = ("type", module, tname)
        i = self.name_idx.get(key)
        if i is None:
            i = self.name_idx[key] = len(self.names)
            self.names.append((K_TYPE, module, tname))
        return i

    def host_entry(self, module, name):
        key = ("host", module, name)
        i = self.name_idx.get(key)
        if i is None:
            i = self.name_idx[key] = len(self.names)
            self.names.append((K_HOST, module, name))
        return i

    def header(self):
        """The header's length (a varint) and bytes. Blobs of the same shape (same functions,
        resume points, structs and program version) share one header, so it is built once per
        session and then reused."""
        mods = N.runtime_modules()
        m = mods.main
        prog_version = (m.name, str(m.current_version())) if m is not None else ("", str(mods.current_version()))
        caches = mods.caches
        headers = caches.get("headers")  # header key -> header bytes
        if headers is None:
            headers = caches["headers"] = {}
        # a resume point's names are its FnInfo's (fixed when compiled), and each FN entry's sites
        # are those of the SHAPE entries naming it, in order: the name entries say the whole header
        key = (prog_version, *self.names)
        try:
            hit = headers.get(key)
        except TypeError:  # an unhashable name entry: build it every time
            return _with_length(self.build_header(prog_version))
        if hit is None:
            if len(headers) > 512:
                headers.clear()
            hit = headers[key] = _with_length(self.build_header(prog_version))
        return hit

    def build_header(self, prog_version):
        out = bytearray()
        prog, version = prog_version
        wstr(out, prog)
        wstr(out, version)
        mods = {}
        if prog:
            mods[prog] = N.module_entry(prog)
        for e in self.names:
            k = e[0]
            if k == K_FN:
                name = e[1].symbol.split(".", 1)[0]
                file = e[1].file
            elif k == K_STRUCT:
                name, file = e[1].module or "turmeric", ""
            elif k in (K_TYPE, K_HOST):
                name, file = e[1] or "turmeric", ""
            else:
                continue
            if name not in mods:
                mods[name] = N.module_entry(name, file)
        wvarint(out, len(mods))
        for name, (ver, file) in mods.items():
            wstr(out, name)
            wstr(out, ver)
            wstr(out, file)
        fn_sites = {}  # FN name index -> {site: names}: the sites of the SHAPE entries naming it
        for e in self.names:
            if e[0] == K_SHAPE:
                fn_sites.setdefault(e[1], {})[e[2]] = self.names[e[1]][1].sites[e[2]]
        wvarint(out, len(self.names))
        for i, e in enumerate(self.names):
            k = e[0]
            out.append(k)
            if k == K_FN:
                info = e[1]
                st = _FN_STATIC.get(id(info))
                if st is None or st[0] is not info:
                    b = bytearray()
                    wstr(b, info.symbol)
                    wstr(b, str(info.fingerprint))
                    wvarint(b, max(int(info.line or 0), 0))
                    wvarint(b, len(info.params) + (1 if info.rest else 0))
                    wvarint(b, len(info.free))
                    for n in info.free:
                        wstr(b, n)
                    st = _FN_STATIC[id(info)] = (info, bytes(b))
                out += st[1]
                sites = fn_sites.get(i, {})
                wvarint(out, len(sites))
                for site, names in sites.items():
                    sb = _SITE_BYTES.get(names)
                    if sb is None:
                        b = bytearray()
                        wvarint(b, len(names))
                        for n in names:
                            wstr(b, n)
                        sb = _SITE_BYTES[names] = bytes(b)
                    wvarint(out, site)
                    out += sb
            elif k == K_SHAPE:
                wvarint(out, e[1])
                wvarint(out, e[2])
            elif k == K_STRUCT:
                st = e[1]
                wstr(out, st.module or "turmeric")
                wstr(out, st.name)
                wstr(out, st.layout())
                wvarint(out, len(st.fields))
                for f in st.fields:
                    wstr(out, f)
            else:  # K_TYPE, K_HOST
                wstr(out, e[1])
                wstr(out, e[2])
        return out

    def string_table(self):
        """varint n; if n: mode 0, varint byte length, the UTF-8 of the strings joined by U+0000;
        or (when a string contains U+0000) mode 1, width code, n lengths in code points, varint
        byte length, the UTF-8 of the strings joined."""
        strtab = self.strtab
        n = len(strtab)
        if not n:
            return b"\0"
        joined = "\0".join(strtab)
        if n < 0x80:  # the common case: one-byte varints, and no string holds U+0000 (its only UTF-8 is a 0 byte)
            b = joined.encode("utf-8", "surrogatepass")
            if len(b) < 0x80 and b.count(0) == n - 1:
                return bytes((n, 0, len(b))) + b
        items = list(strtab)
        plain = joined.count("\0") == n - 1
        out = bytearray()
        wvarint(out, n)
        if items:
            if plain:
                out.append(0)
            else:
                out.append(1)
                lens = list(map(len, items))
                w = uwidth(max(lens))
                out.append(w)
                out += _struct.pack(f"<{len(lens)}{UFMT[w]}", *lens)
                joined = "".join(items)
            b = joined.encode("utf-8", "surrogatepass")
            wvarint(out, len(b))
            out += b
        return out

    # --- the value graph ---------------------------------------------------------------------------
    def run(self, root):
        self.enc(root, 0)
        cells = self.cells
        i = 0
        while i < len(cells):
            c = cells[i]
            self.enc(c.value if type(c) is Ref else c.v, 0)
            i += 1
        return self.buf

    def cheap(self, m):
        """May m more values be stored in less than a byte each?"""
        if not self.no_cheap and self.free + m <= len(self.buf) // FREE_DIVISOR + FREE_BASE:
            self.free += m
            return True
        return False

    def charge(self, payload_len, strtab_len):
        """What the reader will charge against the memory budget to decode this payload
        (decoder.Decoder.charge, layout.py): the same quantities, counted while writing."""
        objects = len(self.memo) - len(PRESEEDED)
        return (
            COST_PAYLOAD_BYTE * payload_len
            + COST_STRING * len(self.strtab)
            + COST_STRING_BYTE * strtab_len
            + COST_OBJECT * objects
            + COST_FREE * self.free
            + self.cost
        )

    def pending(self, i):
        """A back-reference to object i is being written: if i is a list cell whose list's
        elements are being written, note that cell in `found` (see __init__)."""
        for lo, hi, start in self.runs:
            if lo <= i < hi:
                node = start
                for _ in range(i - lo):
                    node = node.rest
                if self.found is None:
                    self.found = set()
                self.found.add(id(node))
                return

    def deep(self, v, d):
        if d > self.max_depth:
            raise NotSer(v, type_name(v), f"nested deeper than {self.max_depth} levels")
        if self.room is None:
            self.room = StackRoom(self.max_depth)
        self.room.ensure()

    def memo_hit(self, v):
        """Emit a back-reference if v was seen; else give it the next object index."""
        memo = self.memo
        i = memo.get(id(v))
        if i is not None:
            buf = self.buf
            buf.append(T_BACKREF)
            wvarint(buf, i)
            return True
        memo[id(v)] = len(memo)
        return False

    def enc(self, v, d):
        t = type(v)
        if t is int:
            buf = self.buf
            if 0 <= v < 64:
                buf.append(v)
            elif 64 <= v < 8256:
                v -= 64
                buf.append(0x60 | (v >> 8))
                buf.append(v & 0xFF)
            elif 0 <= v < _I64:
                buf.append(T_UINT)
                wvarint(buf, v)
            elif -_I64 <= v < 0:
                buf.append(T_NINT)
                wvarint(buf, -1 - v)
            else:
                b = v.to_bytes((v.bit_length() + 8) // 8, "big", signed=True)
                buf.append(T_BIGINT)
                wvarint(buf, len(b))
                buf += b
            return
        if t is str:
            strtab = self.strtab
            i = strtab.setdefault(v, len(strtab))
            if i < 32:
                self.buf.append(0x40 | i)
            else:
                self.buf.append(T_STRREF)
                wvarint(self.buf, i)
            return
        h = _ENC.get(t)
        if h is None:
            h = self.classify(v, t)
        h(self, v, d)

    def enc_seq(self, xs, d):
        """Encode each of xs as a tagged value; the common kinds are inlined."""
        buf = self.buf
        ap = buf.append
        strtab = self.strtab
        string_index = strtab.setdefault
        memo_get = self.memo.get
        enc = self.enc
        open_lo = self.open_lo  # the same after each enc(x): a list's run is closed when it returns
        for x in xs:
            t = type(x)
            if t is int:
                if 0 <= x < 64:
                    ap(x)
                    continue
                if 64 <= x < 8256:
                    x -= 64
                    ap(0x60 | (x >> 8))
                    ap(x & 0xFF)
                    continue
            elif t is str:
                i = string_index(x, len(strtab))
                if i < 32:
                    ap(0x40 | i)
                else:
                    ap(T_STRREF)
                    wvarint(buf, i)
                continue
            elif t is PList:
                if not x.count:
                    ap(T_EMPTY)
                    continue
                i = memo_get(id(x))
                if i is not None:
                    if i >= open_lo:
                        self.pending(i)
                    ap(T_BACKREF)
                    if i < 0x80:
                        ap(i)
                    else:
                        wvarint(buf, i)
                    continue
            elif x is None:
                ap(T_NIL)
                continue
            enc(x, d)

    def enc_column(self, col, d):
        """One column (a tuple): a progression, packed ints, strings or back-references, else
        tagged values."""
        buf = self.buf
        kinds = set(map(type, col))
        m = len(col)
        if len(kinds) == 1:
            t = next(iter(kinds))
            if t is int:
                a = col[0]
                step = col[1] - a
                last = a + step * (m - 1)
                if (
                    col[-1] == last
                    and -_I64 <= min(a, last)
                    and max(a, last) < _I64
                    and -(_I64 >> 1) < step < (_I64 >> 1)
                    and (col == tuple(range(a, last + (1 if step > 0 else -1), step)) if step else col.count(a) == m)
                    and self.cheap(m)
                ):
                    buf.append(C_RANGE << 4)
                    wvarint(buf, zigzag(a))
                    wvarint(buf, zigzag(step))
                    return
                lo, hi = min(col), max(col)
                if -_I64 <= lo and hi < _I64:
                    w = swidth(lo, hi)
                    buf.append(C_INT << 4 | w)
                    buf += _struct.pack(f"<{m}{SFMT[w]}", *col)
                    return
            elif t is str:
                strtab = self.strtab
                base = len(strtab)
                if len(dict.fromkeys(col)) == m and strtab.keys().isdisjoint(col) and self.cheap(m):
                    strtab.update(zip(col, range(base, base + m), strict=False))
                    buf.append(C_STRRUN << 4)
                    wvarint(buf, base)
                    return
                new = [x for x in dict.fromkeys(col) if x not in strtab]  # in order of first use
                strtab.update(zip(new, range(base, base + len(new)), strict=False))
                idx = list(map(strtab.__getitem__, col))
                w = uwidth(max(idx))
                buf.append(C_STR << 4 | w)
                buf += _struct.pack(f"<{m}{UFMT[w]}", *idx)
                return
            elif t in NO_MEMO:
                kinds = None
        if kinds is not None:
            idx = list(map(self.memo.get, map(id, col)))
            if None not in idx:
                top = max(idx)
                if top >= self.open_lo:
                    for i in idx:
                        self.pending(i)
                w = uwidth(top)
                buf.append(C_REF << 4 | w)
                buf += _struct.pack(f"<{m}{UFMT[w]}", *idx)
                return
        buf.append(C_GENERAL << 4)
        self.enc_seq(col, d)

    def enc_elements(self, xs, d):
        """The elements of a list, vector, set or tuple (or a map's keys or values)."""
        if len(xs) >= COLUMN_MIN:
            self.enc_column(xs if type(xs) is tuple else tuple(xs), d)
        else:
            self.buf.append(C_GENERAL << 4)
            self.enc_seq(xs, d)

    def enc_frames(self, k, d):
        """A continuation's COLUMN_MIN or more frames: shapes, frame order, then the values as
        columns (docs/format.md; _e_cont writes fewer frames in order, mode 5)."""
        buf = self.buf
        frames = k.frames
        n = len(frames)
        local = defaultdict(count().__next__)  # shape key -> shape number in this continuation
        infos, sites, valss = zip(*frames, strict=False)
        self.cost += COST_SLOT * sum(map(len, valss))
        one_fn = infos.count(infos[0]) == n  # plain recursion: the sites tell the shapes apart
        keys = sites if one_fn else tuple(zip(infos, sites, strict=False))
        runs = []  # long runs of one shape: the frame order as (shape, length) runs
        most = n // 8
        for key, g in groupby(keys):
            if len(runs) >= most:
                runs = None
                break
            runs.append((key, len(list(g))))
        if runs is not None and self.cheap(n):
            runs = [(local[key], length) for key, length in runs]
            seq = None
        else:
            local.clear()
            runs = None
            seq = list(map(local.__getitem__, keys))
        wvarint(buf, len(local))
        shapes = []
        for key in local:
            info, site = (infos[0], key) if one_fn else key
            si, nv = self.shape_entry(info, site)
            wvarint(buf, si)
            shapes.append(nv)
        if runs is not None:
            buf.append(0)
            wvarint(buf, len(runs))
            for sn, length in runs:
                wvarint(buf, sn)
                wvarint(buf, length)
        else:
            w = uwidth(len(local) - 1)
            buf.append(1 + w)
            buf += _struct.pack(f"<{n}{UFMT[w]}", *seq)
        if len(local) == 1:
            groups = [valss]
        elif runs is not None and len(runs) == len(local):
            groups = []
            start = 0
            for _, length in runs:
                groups.append(valss[start : start + length])
                start += length
        else:
            if seq is None:
                seq = list(chain.from_iterable(repeat(sn, length) for sn, length in runs))
            order = sorted(range(n), key=seq.__getitem__)
            ordered = list(map(valss.__getitem__, order))
            counts = Counter(seq)
            groups = []
            start = 0
            for sn in range(len(local)):
                m = counts[sn]
                groups.append(ordered[start : start + m])
                start += m
        for nv, rows in zip(shapes, groups, strict=False):
            if len(rows[0]) != nv or len(rows[-1]) != nv:  # the compiler keeps a site's frames alike
                raise NotSer(k, "continuation", "a frame has the wrong number of values for its resume point")
            if not nv:
                continue
            if len(rows) >= COLUMN_MIN:
                for col in zip(*rows, strict=False):
                    self.enc_column(col, d)
            else:
                for col in zip(*rows, strict=False):
                    buf.append(C_GENERAL << 4)
                    self.enc_seq(col, d)

    def rows(self, frames, local, body, d):
        ap = body.append
        strtab = self.strtab
        string_index = strtab.setdefault
        memo_get = self.memo.get
        enc = self.enc
        last_info = last_site = sn = None
        used = 0  # values saved, charged COST_SLOT each
        for info, site, vals in frames:
            if info is not last_info or site != last_site:  # runs of one shape are the rule
                key = (info, site)
                sn = local.get(key)
                if sn is None:
                    if len(vals) != len(info.sites.get(site, ())):
                        raise NotSer((info, site, vals), "continuation", "a frame has the wrong number of values for its resume point")
                    sn = local[key] = len(local)
                last_info, last_site = info, site
                nv = len(vals)
            used += nv
            ap(sn)
            for x in vals:
                t = type(x)
                if t is int:
                    if 0 <= x < 64:
                        ap(x)
                        continue
                    if 64 <= x < 8256:
                        x -= 64
                        ap(0x60 | (x >> 8))
                        ap(x & 0xFF)
                        continue
                elif t is str:
                    i = string_index(x, len(strtab))
                    if i < 32:
                        ap(0x40 | i)
                    elif i < 0x80:
                        ap(T_STRREF)
                        ap(i)
                    else:
                        ap(T_STRREF)
                        wvarint(body, i)
                    continue
                elif t is PList:
                    if not x.count:
                        ap(T_EMPTY)
                        continue
                    i = memo_get(id(x))
                    if i is not None:
                        ap(T_BACKREF)
                        if i < 0x80:
                            ap(i)
                        else:
                            wvarint(body, i)
                        continue
                elif x is None:
                    ap(T_NIL)
                    continue
                enc(x, d)
        self.cost += COST_SLOT * used
        if self.runs:  # inside a list's elements: the back-references above, checked (see __init__)
            open_lo = self.open_lo
            for _, _, vals in frames:
                for x in vals:
                    if type(x) is PList:
                        i = memo_get(id(x))
                        if i is not None and i >= open_lo:
                            self.pending(i)

    def classify(self, v, t):
        """The handler for a type not in the table (structs, subclasses, instance types, hosts)."""
        if isinstance(v, Struct):
            _ENC[t] = _e_struct
            return _e_struct
        if isinstance(v, PList):
            return _e_other_list
        if isinstance(v, PVector):
            return _e_vector
        if isinstance(v, PMap):
            return _e_map
        if isinstance(v, PSet):
            return _e_set
        if isinstance(v, control.Continuation):
            return _e_cont
        if isinstance(v, int) and not isinstance(v, bool):
            return _e_int_subclass
        if isinstance(v, str):
            return _e_str_subclass
        tname = type_name(v)
        if N.instance("Resource-Serializable", tname) is not None or N.instance("Serializable", tname) is not None:
            return _e_instance_type
        if callable(v):
            return _e_host
        raise NotSer(v, tname, "")

    def classify_struct(self, v, st):
        tname = st.name
        inst = N.instance("Resource-Serializable", tname)
        if inst is not None and "marshal" in inst.methods:
            f = inst.methods["marshal"]
            return (T_RESOURCE, self.type_entry(N.method_module(inst.methods.get("unmarshal", f)), tname), f)
        inst = N.instance("Serializable", tname)
        if inst is not None and "serialize" in inst.methods:
            f = inst.methods["serialize"]
            return (T_CUSTOM, self.type_entry(N.method_module(inst.methods.get("deserialize", f)), tname), f)
        if inst is not None or STRUCTS.get(tname) is st:
            return (T_STRUCT, self.struct_entry(st), None)
        raise NotSer(v, tname, "")

    def custom(self, v, tag, ni, f, d):
        rep = N.call_user(f, v, "serialize" if tag == T_CUSTOM else "marshal")
        self.reps[id(v)] = rep
        self.keep(rep)
        self.buf.append(tag)
        wvarint(self.buf, ni)
        self.enc(rep, d)


# --- handlers: (encoder, value, depth) ------------------------------------------------------------


def _e_none(e, v, d):
    e.buf.append(T_NIL)


def _e_bool(e, v, d):
    e.buf.append(T_TRUE if v else T_FALSE)


def _e_float(e, v, d):
    e.buf.append(T_FLOAT)
    e.buf += FLOAT.pack(v)


def _e_bytes(e, v, d):
    if len(v) >= SHARE_BYTES_MIN:  # shared by reference: a second path to it is a back-reference
        if e.memo_hit(v):
            return
        e.buf.append(T_SBYTES)
        wvarint(e.buf, len(v))
        e.buf += v
        return
    e.buf.append(T_BYTES)
    wvarint(e.buf, len(v))
    e.buf += v


def _e_keyword(e, v, d):
    e.buf.append(T_KEYWORD)
    wvarint(e.buf, e.strtab.setdefault(v.name, len(e.strtab)))


def _e_symbol(e, v, d):
    e.buf.append(T_SYMBOL)
    wvarint(e.buf, e.strtab.setdefault(v.name, len(e.strtab)))


def _e_option_none(e, v, d):
    e.buf.append(T_NONE)


def _e_int_subclass(e, v, d):
    e.enc(int(v), d)


def _e_str_subclass(e, v, d):
    e.enc(str(v), d)


def _e_some(e, v, d):
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    e.buf.append(T_SOME)
    e.enc(v.value, d)


def _e_list(e, v, d):
    if not v.count:
        e.buf.append(T_EMPTY)
        return
    memo = e.memo
    i = memo.get(id(v))
    if i is not None:
        if i >= e.open_lo:
            e.pending(i)
        e.buf.append(T_BACKREF)
        wvarint(e.buf, i)
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    firsts = []
    node = v
    n = base = len(memo)
    # A cell that an element of this list writes (see Encoder.__init__) ends the run. Only a
    # retried write has such cells: the plain loop below keeps that test out of every other
    # walk (one loop with the test costs 1-2% of a depth-10 to 100 serialize, callgrind).
    if e.splits:
        splits = e.splits
        while node.count and type(node) is PList:
            k = id(node)
            if k in memo or (k in splits and node is not v):
                break
            memo[k] = n
            n += 1
            firsts.append(node.first)
            node = node.rest
    else:
        while node.count and type(node) is PList:  # an ArraySeq tail is encoded as one value
            k = id(node)
            if k in memo:
                break
            memo[k] = n
            n += 1
            firsts.append(node.first)
            node = node.rest
    buf = e.buf
    k = len(firsts)
    e.cost += k * COST_SLOT
    buf.append(T_LIST)
    if k == 1:  # the common cons onto a list already written: its element cannot reach its own cell
        buf.append(1)
        buf.append(C_GENERAL << 4)
        e.enc_seq(firsts, d)
    else:
        runs = e.runs
        runs.append((base, n, v))  # these cells are unfinished for the reader while their elements are read
        lo = e.open_lo
        if base < lo:
            e.open_lo = base
        if k < COLUMN_MIN:  # and so a one-byte varint
            buf.append(k)
            buf.append(C_GENERAL << 4)
            e.enc_seq(firsts, d)
        else:
            wvarint(buf, k)
            e.enc_column(tuple(firsts), d)
        runs.pop()
        e.open_lo = lo
    if type(node) is PList and not node.count:
        buf.append(T_EMPTY)
    else:
        e.enc(node, d)


def _e_arrayseq(e, v, d):
    if not v.count:
        e.buf.append(T_EMPTY)
        return
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    e.buf.append(T_ARRAYSEQ)
    wvarint(e.buf, v.off)
    e.enc(v.items, d)


def _e_other_list(e, v, d):
    """Any other kind of list: stored like an ArraySeq over a tuple of its elements."""
    if not v.count:
        e.buf.append(T_EMPTY)
        return
    if e.memo_hit(v):
        return
    items = tuple(v)
    e.keep(items)
    e.buf.append(T_ARRAYSEQ)
    e.buf.append(0)
    e.enc(items, d + 1)


def _e_tuple(e, v, d):
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    e.cost += len(v) * COST_SLOT
    e.buf.append(T_TUPLE)
    wvarint(e.buf, len(v))
    e.enc_elements(v, d)


def _e_frozen(e, v, d):
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    items = tuple(v.items)
    e.cost += len(items) * COST_SLOT
    e.buf.append(T_FROZEN)
    wvarint(e.buf, len(items))
    e.enc_elements(items, d)


def _e_vector(e, v, d):
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    e.cost += len(v) * COST_SLOT
    e.buf.append(T_VECTOR)
    wvarint(e.buf, len(v))
    e.enc_elements(v, d)


def _e_set(e, v, d):
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    if len(v):
        e.cost += len(v) * (COST_SLOT + COST_ENTRY) + COST_HASHED
    e.buf.append(T_SET)
    wvarint(e.buf, len(v))
    e.enc_elements(tuple(v), d)


def _e_map(e, v, d):
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    items = list(v.items())
    if items:
        e.cost += len(items) * (2 * COST_SLOT + COST_ENTRY) + COST_HASHED
    e.buf.append(T_MAP)
    wvarint(e.buf, len(items))
    e.enc_elements(tuple([kv[0] for kv in items]), d)
    e.enc_elements(tuple([kv[1] for kv in items]), d)


def _e_ref(e, v, d):
    if e.memo_hit(v):
        return
    e.buf.append(T_REF)
    e.cells.append(v)


def _e_box(e, v, d):
    if e.memo_hit(v):
        return
    e.buf.append(T_BOX)
    e.cells.append(v)


def _e_fn(e, f, d):
    code = f.__code__
    c = e.closures.get(code)
    if c is None:
        info = control.CODES.get(code)
        if info is None:
            _e_host(e, f, d)
            return
        if info.factory is None:
            raise NotSer(f, "fn", f"{info.symbol} is not a closure")
        fv = code.co_freevars
        try:
            cidx = tuple(fv.index(n) for n in info.free_py)
        except ValueError:
            raise NotSer(f, "fn", f"{info.symbol}: its free variables don't match its code") from None
        c = e.closures[code] = (e.fn_entry(info), cidx)
    if e.memo_hit(f):
        return
    d += 1
    if d > e.check_at:
        e.deep(f, d)
    e.cost += COST_CLOSURE + len(c[1]) * (COST_SLOT + COST_CELL)
    e.buf.append(T_CLOSURE)
    wvarint(e.buf, c[0])
    cl = f.__closure__
    vals = []
    for ci in c[1]:
        try:
            vals.append(cl[ci].cell_contents)
        except ValueError:
            raise NotSer(f, "fn", "a free variable is not bound yet") from None
    e.enc_seq(vals, d)


def _e_cont(e, k, d):
    memo = e.memo
    i = memo.get(id(k))
    if i is not None:
        e.buf.append(T_BACKREF)
        wvarint(e.buf, i)
        return
    memo[id(k)] = len(memo)
    d += 1
    if d > e.check_at:
        e.deep(k, d)
    buf = e.buf
    frames = k.frames
    n = len(frames)
    e.cost += n * (COST_FRAME + COST_SLOT)  # and COST_SLOT per saved value: rows / enc_frames add it
    buf.append(T_CONT)
    if n < 0x80:
        buf.append(n)
    else:
        wvarint(buf, n)
    if k.handler is None:
        buf.append(T_NIL)
    else:
        e.enc(k.handler, d)
    if not n:
        buf.append(0)
    elif n >= COLUMN_MIN:
        e.enc_frames(k, d)
    else:  # few frames: in order, each its shape number (< 128) and tagged values
        local = {}
        body = e.buf = bytearray()
        try:
            e.rows(frames, local, body, d)
        finally:
            e.buf = buf
        buf.append(len(local))  # fewer than 32 shapes: a one-byte varint
        shape_entry = e.shape_entry
        for info, site in local:
            si = shape_entry(info, site)[0]
            if si < 0x80:
                buf.append(si)
            else:
                wvarint(buf, si)
        buf.append(5)
        buf += body


def _e_struct(e, v, d):
    st = v.stype
    kind = e.struct_kinds.get(st)
    if kind is None:
        kind = e.struct_kinds[st] = e.classify_struct(v, st)
    tag, ni, f = kind
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    if tag == T_STRUCT:
        e.cost += len(v.vals) * COST_SLOT
        e.buf.append(T_STRUCT)
        wvarint(e.buf, ni)
        e.enc_seq(v.vals, d)
    else:
        e.custom(v, tag, ni, f, d)


def _e_instance_type(e, v, d):
    """A non-struct value whose type has a Serializable or Resource-Serializable instance."""
    tname = type_name(v)
    inst = N.instance("Resource-Serializable", tname)
    if inst is not None and "marshal" in inst.methods:
        tag, f = T_RESOURCE, inst.methods["marshal"]
        ni = e.type_entry(N.method_module(inst.methods.get("unmarshal", f)), tname)
    else:
        inst = N.instance("Serializable", tname)
        if inst is None or "serialize" not in inst.methods:
            raise NotSer(v, tname, "")
        tag, f = T_CUSTOM, inst.methods["serialize"]
        ni = e.type_entry(N.method_module(inst.methods.get("deserialize", f)), tname)
    if e.memo_hit(v):
        return
    d += 1
    if d > e.check_at:
        e.deep(v, d)
    e.custom(v, tag, ni, f, d)


def _e_host(e, v, d):
    hn = N.host_name(v)
    if hn is None:
        raise NotSer(v, type_name(v), "a host value that is not a named builtin")
    e.buf.append(T_HOST)
    wvarint(e.buf, e.host_entry(hn[0], hn[1]))


_ENC = {
    type(None): _e_none,
    bool: _e_bool,
    float: _e_float,
    bytes: _e_bytes,
    Keyword: _e_keyword,
    Symbol: _e_symbol,
    OptionNone: _e_option_none,
    Some: _e_some,
    PList: _e_list,
    ArraySeq: _e_arrayseq,
    tuple: _e_tuple,
    range: _e_tuple,  # the items of a `range` list: stored as the tuple it stands for
    FrozenTransient: _e_frozen,
    type(pvector()): _e_vector,
    type(pmap()): _e_map,
    type(pset()): _e_set,
    Ref: _e_ref,
    Box: _e_box,
    types.FunctionType: _e_fn,
    control.Continuation: _e_cont,
}


# --- the path to a value that can't be serialized ------------------------------------------------


def _children(v, reps, seen_nodes):
    t = type(v)
    if isinstance(v, control.Continuation):
        if v.handler is not None:
            yield "try-with handler", v.handler
        for i, (info, site, vals) in enumerate(v.frames):
            names = info.sites.get(site, ())
            for j, x in enumerate(vals):
                n = names[j] if j < len(names) else f"#{j}"
                what = f"temporary {n}" if n.startswith("~") else f"local {n}"
                yield f"frame {i} {info.symbol}, {what}", x
    elif t is types.FunctionType:
        info = control.CODES.get(v.__code__)
        if info is not None and v.__closure__:
            fv = v.__code__.co_freevars
            for name, py in zip(info.free, info.free_py, strict=False):
                if py in fv:
                    try:
                        yield f"closure {info.symbol}, free {name}", v.__closure__[fv.index(py)].cell_contents
                    except ValueError:
                        pass
    elif t is PList:
        node, i = v, 0
        while node.count and type(node) is PList and id(node) not in seen_nodes:
            seen_nodes.add(id(node))
            yield f"element {i}", node.first
            node, i = node.rest, i + 1
        if node.count and type(node) is not PList:
            yield f"elements from {i}", node
    elif isinstance(v, (PVector, PSet, PList)) or t is tuple:
        for i, x in enumerate(v):
            yield f"element {i}", x
    elif t is FrozenTransient:
        for i, x in enumerate(v.items):
            yield f"element {i}", x
    elif isinstance(v, PMap):
        from ..runtime.printer import readable

        for k, x in v.items():
            ks = readable(k)
            if len(ks) > 40:
                ks = ks[:37] + "..."
            yield f"key {ks}", k
            yield f"value of key {ks}", x
    elif t is Some:
        yield "Some value", v.value
    elif t is Ref:
        yield "ref", v.value
    elif t is Box:
        yield None, v.v
    elif id(v) in reps:
        yield f"{type_name(v)} representation", reps[id(v)]
    elif isinstance(v, Struct):
        for f, x in zip(v.stype.fields, v.vals, strict=False):
            yield f"field {f} of {v.stype.name}", x


def find_path(root, target, reps):
    """How `target` is reached from `root`, as text like `frame 2 orders.f, local conn`."""
    if target is None:
        return ""
    if target is root:
        return "the value itself"
    from collections import deque

    seen = {id(root)}
    seen_nodes = set()
    q = deque([(root, ())])
    while q:
        v, path = q.popleft()
        for label, x in _children(v, reps, seen_nodes):
            p = path + (label,) if label else path
            if x is target:
                return ", ".join(p)
            if id(x) in seen or type(x) in NO_MEMO:
                continue
            seen.add(id(x))
            q.append((x, p))
    return ""
