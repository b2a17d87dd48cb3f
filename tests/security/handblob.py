"""Write Turmeric blobs by hand, byte by byte, from docs/format.md (not from the encoder).

The security tests craft hostile blobs with this: whatever an attacker could write. Only
the constants on the format page are used; nothing is imported from turmeric.serialization,
so a bug in the encoder can't hide a bug in the decoder.
"""

from __future__ import annotations

import struct
import zlib

# value tags (docs/format.md, "Values")
NIL, TRUE, FALSE, UINT, NINT, BIGINT, FLOAT = 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86
ARRAYSEQ, STRREF, BYTES, KEYWORD, SYMBOL, EMPTY, LIST = 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D
VECTOR, MAP, SET, NONE, SOME, REF, BOX = 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94
CLOSURE, CONT, STRUCT, CUSTOM, RESOURCE, HOST, BACKREF = 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B
TUPLE, FROZEN, SBYTES = 0x9C, 0x9D, 0x9E
# name-table kinds
K_FN, K_STRUCT, K_TYPE, K_HOST, K_SHAPE = 1, 2, 3, 4, 5


def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def zigzag(n):
    return varint((n << 1) if n >= 0 else ((-n) << 1) - 1)


def s(text):
    b = text.encode("utf-8", "surrogatepass")
    return varint(len(b)) + b


def envelope(payload, compress=False, declared=None):
    """magic, version 1, flags, CRC-32, varint L, payload (zlib when compress)."""
    stored = zlib.compress(payload, 9) if compress else payload
    body = varint(len(payload) if declared is None else declared) + stored
    head = b"TMRC" + bytes([1, 1 if compress else 0])
    return head + zlib.crc32(body, zlib.crc32(head)).to_bytes(4, "little") + body


class Blob:
    """A header (program, modules, name table), a string table, then the value bytes."""

    def __init__(self, program="", version="0"):
        self.program = program
        self.version = version
        self.modules = []  # (name, version, file)
        self.names = []  # encoded name-table entries
        self.strings = []
        self.body = bytearray()

    # --- the name table ---
    def fn(self, symbol, fingerprint, line=1, nparams=0, free=(), sites=None):
        """An FN entry; `sites` maps a site number to the names saved there."""
        e = bytes([K_FN]) + s(symbol) + s(fingerprint) + varint(line) + varint(nparams)
        e += varint(len(free)) + b"".join(map(s, free))
        sites = sites or {}
        e += varint(len(sites))
        for site, names in sites.items():
            e += varint(site) + varint(len(names)) + b"".join(map(s, names))
        self.names.append(e)
        return len(self.names) - 1

    def shape(self, fn_index, site):
        self.names.append(bytes([K_SHAPE]) + varint(fn_index) + varint(site))
        return len(self.names) - 1

    def struct(self, module, name, layout, fields):
        self.names.append(bytes([K_STRUCT]) + s(module) + s(name) + s(layout) + varint(len(fields)) + b"".join(map(s, fields)))
        return len(self.names) - 1

    def type(self, module, name):
        self.names.append(bytes([K_TYPE]) + s(module) + s(name))
        return len(self.names) - 1

    def host(self, module, name):
        self.names.append(bytes([K_HOST]) + s(module) + s(name))
        return len(self.names) - 1

    def string(self, text):
        """The string-table index of `text` (added once)."""
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    # --- the bytes ---
    def header(self):
        h = s(self.program) + s(self.version) + varint(len(self.modules))
        for name, version, file in self.modules:
            h += s(name) + s(version) + s(file)
        return h + varint(len(self.names)) + b"".join(self.names)

    def string_table(self):
        if not self.strings:
            return varint(0)
        joined = "\0".join(self.strings)
        assert joined.count("\0") == len(self.strings) - 1, "use mode 1 for strings holding U+0000"
        return varint(len(self.strings)) + bytes([0]) + s(joined)

    def payload(self):
        h = self.header()
        return varint(len(h)) + h + self.string_table() + bytes(self.body)

    def blob(self, compress=False):
        return envelope(self.payload(), compress)


# --- values (each returns bytes) ------------------------------------------------------------------


def uint(n):
    if n < 64:
        return bytes([n])
    return bytes([UINT]) + varint(n)


def bigint(n):
    b = n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True)
    return bytes([BIGINT]) + varint(len(b)) + b


def strref(i):
    return bytes([0x40 | i]) if i < 32 else bytes([STRREF]) + varint(i)


def tagged(*values):
    """A short sequence (< 32): the byte 00, then the tagged values."""
    assert len(values) < 32
    return b"\x00" + b"".join(values)


def general_column(values):
    """A column of tagged values (any length)."""
    return b"\x00" + b"".join(values)


def range_column(start, step):
    return bytes([0x40]) + zigzag(start) + zigzag(step)


def vector(n, seq):
    return bytes([VECTOR]) + varint(n) + seq


def map_(n, keys_seq, vals_seq):
    return bytes([MAP]) + varint(n) + keys_seq + vals_seq


def set_(n, seq):
    return bytes([SET]) + varint(n) + seq


def tuple_(n, seq):
    return bytes([TUPLE]) + varint(n) + seq


def bytes_(data):
    return bytes([BYTES]) + varint(len(data)) + data


def keyword(i):
    return bytes([KEYWORD]) + varint(i)


def host(i):
    return bytes([HOST]) + varint(i)


def backref(i):
    return bytes([BACKREF]) + varint(i)


def rows_continuation(handler, shapes, frames):
    """A continuation in mode 5: `shapes` are SHAPE name indexes, `frames` (innermost first)
    are (shape number, [tagged values])."""
    out = bytes([CONT]) + varint(len(frames)) + handler + varint(len(shapes)) + b"".join(map(varint, shapes)) + b"\x05"
    for sn, vals in frames:
        out += bytes([sn]) + b"".join(vals)
    return out


def runs_continuation(handler, shapes, runs, columns):
    """A continuation in mode 0: `runs` is [(shape number, length)], `columns` the bytes of
    every shape's value columns, in order."""
    n = sum(length for _, length in runs)
    out = bytes([CONT]) + varint(n) + handler + varint(len(shapes)) + b"".join(map(varint, shapes)) + b"\x00"
    out += varint(len(runs)) + b"".join(varint(a) + varint(b) for a, b in runs)
    return out + columns


def u64(n):
    return struct.pack("<Q", n)
