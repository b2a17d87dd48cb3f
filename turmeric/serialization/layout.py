"""The byte layout's constants: magic, tags, column kinds, limits, and the internal errors.

docs/format.md is the prose version of this file; keep the two in step.
"""

from __future__ import annotations

import struct as _struct
import sys

from ..core.errors import make_error
from ..core.values import EMPTY, NONE, Keyword, OptionNone, Symbol, Thrown

MAGIC = b"TMRC"
SIGNED_MAGIC = b"TMRS"
CODE_MAGIC = b"TMRK"  # a blob with the code records of its functions (format.md, "Code bundles")
FORMAT_VERSION = 1
FLAG_ZLIB = 0x01
HEAD_LEN = 10  # magic, version, flags, CRC-32

COMPRESS_THRESHOLD = 64 * 1024  # payloads at least this long are zlib-compressed (when that helps)
COMPRESS_LEVEL = 1
COLUMN_MIN = 32  # a shape seen this often, or a sequence this long, is stored as packed columns

# --- bounds on what decoding may cost, all based on the STORED size of the blob ----------------------
#
# Decoding a blob of n stored bytes (after the signature is removed) charges an estimate of every
# allocation against a memory budget of MEM_PER_BYTE * n + MEM_BASE bytes and refuses the blob
# (corrupt-data) the moment the budget would be exceeded, before allocating. The estimates are
# deliberate over-estimates of CPython's real sizes (measured with tracemalloc), so the real peak
# stays below the budget; `python -m benchmarks.fuzz` checks that on every input it decodes.
# The writer computes the same charge and never writes a blob its own reader would refuse.
MEM_PER_BYTE = 256
MEM_BASE = 4 * 1024 * 1024
COST_PAYLOAD_BYTE = 32  # each payload byte: the inflated buffer, and any int/float/keyword/Some/bytes it holds
COST_STRING = 80  # each string in the table (object header), plus...
COST_STRING_BYTE = 8  # ...per byte of the string table (the joined text and its parts, up to 4 bytes a char)
COST_OBJECT = 128  # each value that gets an object index (list node, ref, box, vector, closure, ...)
COST_SLOT = 16  # each element of a collection, field, free variable, frame or saved value
COST_HASHED = 384  # a non-empty map or set (pyrsistent's bucket vector), plus per entry:
COST_ENTRY = 256  # a map entry or set element (its bucket, pair and the dict it is built from)
COST_CLOSURE = 64  # a closure's function object beyond COST_OBJECT, plus per free variable:
COST_CELL = 48
COST_FRAME = 128  # a continuation frame: its (function, site, values) record and values tuple
COST_FREE = 32  # a value that costs less than a byte (progression, string run, frame run)
# The inflation ratio is capped too: a compressed payload may inflate to at most INFLATE_MAX
# times the blob's size (+ INFLATE_BASE), checked before inflating.
INFLATE_MAX = MEM_PER_BYTE // COST_PAYLOAD_BYTE
INFLATE_BASE = MEM_BASE // COST_PAYLOAD_BYTE
# The writer stores at most one value per FREE_DIVISOR payload bytes (+ FREE_BASE) in less than a
# byte each, which keeps an uncompressed blob within its budget whatever it holds.
FREE_DIVISOR = 4
FREE_BASE = 4096
# Map keys and set elements are hashed and compared while the collection is built. Python hashes
# of ints, floats and tuples are predictable, so a crafted blob could make every key collide, and
# a shared (DAG) value can be exponentially larger as a tree than as bytes. So: at most
# MAX_COLLISIONS keys of one collection may share a hash, and the keys' total size as trees
# (what hashing and comparing them may walk) is at most KEY_WORK_PER_BYTE * n + KEY_WORK_BASE.
MAX_COLLISIONS = 64
KEY_WORK_PER_BYTE = 64
KEY_WORK_BASE = 1_000_000


class StackRoom:
    """Raises the recursion limit (once, lazily) so that `max_depth` levels of nesting fit."""

    __slots__ = ("old", "max_depth")

    def __init__(self, max_depth):
        self.old = None
        self.max_depth = max_depth

    def ensure(self):
        if self.old is None:
            f, n = sys._getframe(1), 0
            while f is not None:
                n += 1
                f = f.f_back
            need = n + 6 * self.max_depth + 1000  # the encoder and decoder take up to 5 frames per level
            self.old = sys.getrecursionlimit()
            if need > self.old:
                sys.setrecursionlimit(need)

    def restore(self):
        if self.old is not None and sys.getrecursionlimit() != self.old:
            sys.setrecursionlimit(self.old)


class Limits:
    """Decode limits; exceeding one raises corrupt-data. The encoder enforces `max_depth` too,
    so a blob this runtime writes decodes under the same limits unless it is huge."""

    __slots__ = ("max_bytes", "max_elements", "max_depth")

    def __init__(self, max_bytes=256 * 1024 * 1024, max_elements=16_000_000, max_depth=10_000):
        self.max_bytes = max_bytes  # blob length, and payload length after decompression
        self.max_elements = max_elements  # values in collections, frames, closures, structs, strings
        self.max_depth = max_depth  # nesting of values


DEFAULT_LIMITS = Limits()

# --- value tags ----------------------------------------------------------------------------------
# 0x00-0x3F  int 0..63
# 0x40-0x5F  string-table entry 0..31
# 0x60-0x7F  int 64..8255: ((tag & 0x1F) << 8 | next byte) + 64
T_NIL = 0x80
T_TRUE = 0x81
T_FALSE = 0x82
T_UINT = 0x83  # varint n: n (n < 2**63)
T_NINT = 0x84  # varint n: -1 - n (n < 2**63)
T_BIGINT = 0x85  # varint len, len bytes of two's complement big-endian
T_FLOAT = 0x86  # 8 bytes IEEE 754 big-endian
T_ARRAYSEQ = 0x87  # a list backed by a tuple: varint offset, the tuple (T_TUPLE or a back-reference)
T_STRREF = 0x88  # varint string-table index
T_BYTES = 0x89  # varint len, bytes
T_KEYWORD = 0x8A  # varint string-table index of the name
T_SYMBOL = 0x8B  # varint string-table index of the name
T_EMPTY = 0x8C  # the empty list
T_LIST = 0x8D  # varint k>=1 new nodes, k elements (a sequence), tail (T_EMPTY, T_ARRAYSEQ or a back-reference)
T_VECTOR = 0x8E  # varint n, n elements (a sequence)
T_MAP = 0x8F  # varint n, n keys (a sequence), n values (a sequence)
T_SET = 0x90  # varint n, n elements (a sequence)
T_NONE = 0x91  # Option None
T_SOME = 0x92  # value
T_REF = 0x93  # contents come after the root value, in order of first appearance
T_BOX = 0x94  # same
T_CLOSURE = 0x95  # varint FN name index, its free values (tagged)
T_CONT = 0x96  # varint nframes, handler, shapes, frame order, columns (docs/format.md)
T_STRUCT = 0x97  # varint STRUCT name index, field values (tagged): derived Serializable
T_CUSTOM = 0x98  # varint TYPE name index, representation: custom Serializable
T_RESOURCE = 0x99  # varint TYPE name index, representation: Resource-Serializable
T_HOST = 0x9A  # varint HOST name index
T_BACKREF = 0x9B  # varint object index
T_TUPLE = 0x9C  # a runtime tuple (the prelude's loops hold one): varint n, n elements (a sequence)
T_FROZEN = 0x9D  # a captured loop accumulator (FrozenTransient): varint n, n elements (a sequence)
T_SBYTES = 0x9E  # bytes that get an object index (shared by reference): varint len, bytes
SHARE_BYTES_MIN = 32  # bytes at least this long are written as T_SBYTES, so a second reference is a back-reference

# --- name-table entry kinds ----------------------------------------------------------------------
K_FN = 1
K_STRUCT = 2
K_TYPE = 3
K_HOST = 4
K_SHAPE = 5

# --- column kinds: the high nibble of a column's code byte; the low nibble is a width code ---------
C_GENERAL = 0  # tagged values
C_INT = 1  # signed little-endian ints
C_STR = 2  # unsigned string-table indexes
C_REF = 3  # unsigned object indexes (back-references)
C_RANGE = 4  # arithmetic progression: zigzag varint start, zigzag varint step (width code 0)
C_STRRUN = 5  # strings consecutive in the string table: varint first index (width code 0)

UFMT = "BHIQ"  # struct codes by width code
SFMT = "bhiq"
WIDTH = (1, 2, 4, 8)

FLOAT = _struct.Struct(">d")
PENDING = object()  # an object slot whose value is still being decoded
DEPTH_CHECK = 100  # beyond this nesting, check the depth limit and make room on the Python stack (up to 5 Python frames a level: 200 levels overflowed the default limit of 1000)
NO_MEMO = frozenset({int, str, float, bool, type(None), bytes, Keyword, Symbol, OptionNone})
PRESEEDED = (EMPTY, None, True, False, NONE)  # objects 0..4 of every blob


def uwidth(hi):
    return 0 if hi < 0x100 else 1 if hi < 0x10000 else 2 if hi < 0x100000000 else 3


def swidth(lo, hi):
    if -0x80 <= lo and hi < 0x80:
        return 0
    if -0x8000 <= lo and hi < 0x8000:
        return 1
    if -0x80000000 <= lo and hi < 0x80000000:
        return 2
    return 3


def zigzag(n):
    return (n << 1) if n >= 0 else ((-n) << 1) - 1


def unzigzag(z):
    return (z >> 1) if not z & 1 else -((z + 1) >> 1)


def wvarint(out, n):
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)


def wstr(out, s):
    b = s.encode("utf-8", "surrogatepass")
    wvarint(out, len(b))
    out += b


# --- errors --------------------------------------------------------------------------------------


def corrupt(reason):
    return Thrown(make_error("corrupt-data", reason))


class Corrupt(Exception):
    """Internal: malformed bytes, turned into (corrupt-data reason) at the top."""


class NotSer(Exception):
    """Internal: a value that can't be serialized; its path is found afterwards."""

    def __init__(self, value, tname, detail=""):
        super().__init__(tname)
        self.value = value
        self.tname = tname
        self.detail = detail
