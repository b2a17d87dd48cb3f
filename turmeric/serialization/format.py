"""Turmeric's own versioned binary format for serialized values (docs/format.md).

Owns the public entry points of the format: `encode` (a value to a blob) and `decode`
(a blob to live values in this process), plus the live name resolution: symbols to
the running code (loading a blob's modules in definitions mode), fingerprints and
struct layouts checked (schema-mismatch), missing names reported (missing-function).
The layout's constants are in layout.py, the walk over values in encoder.py, the
checks and the reading in decoder.py.

Safety: decoding never runs code chosen by the bytes. It looks names up in the
registries of loaded (or loadable, definitions-mode) modules and calls the program's
own Serializable / Resource-Serializable methods; every malformed input is
(corrupt-data reason), never a Python exception, and the work is bounded by the
blob's size and the limits.
"""

from __future__ import annotations

import types
import zlib
from itertools import islice

from ..core.errors import make_error
from ..core.registry import current_state
from ..core.values import FrozenTransient, Thrown
from ..runtime import control
from . import names as N
from .decoder import FnEntry, Header, Hooks, HostEntry, ShapeEntry, StructEntry, TypeEntry, budget, parse, read_header
from .encoder import Encoder, find_path
from .layout import (
    CODE_MAGIC,
    COMPRESS_LEVEL,
    COMPRESS_THRESHOLD,
    DEFAULT_LIMITS,
    FLAG_ZLIB,
    FORMAT_VERSION,
    HEAD_LEN,
    INFLATE_BASE,
    INFLATE_MAX,
    MAGIC,
    MEM_BASE,
    MEM_PER_BYTE,
    SIGNED_MAGIC,
    Corrupt,
    Limits,
    NotSer,
    corrupt,
    wvarint,
)

__all__ = [
    "encode",
    "decode",
    "parse",
    "read_header",
    "Hooks",
    "LiveHooks",
    "Header",
    "FnEntry",
    "ShapeEntry",
    "StructEntry",
    "TypeEntry",
    "HostEntry",
    "Limits",
    "DEFAULT_LIMITS",
    "MAGIC",
    "SIGNED_MAGIC",
    "FORMAT_VERSION",
    "corrupt",
]


def encode(root, compress_threshold=COMPRESS_THRESHOLD, limits=DEFAULT_LIMITS):
    """The blob for `root`. Raises Thrown(not-serializable type-name path) for a bad value.

    The blob always decodes within the reader's memory budget for its size (layout.py): the
    compressed form is kept only when it is smaller, inflates at most INFLATE_MAX times and its
    decoding charge fits the budget of the compressed size; an uncompressed payload that would
    not fit is written again without sub-byte encodings."""
    parts, n, charge = _payload(root, limits, False)
    head_len = HEAD_LEN + 1  # at least: the length varint takes one byte or more
    if charge > MEM_PER_BYTE * (n + head_len) + MEM_BASE:
        parts, n, charge = _payload(root, limits, True)
        if charge > budget(n + head_len):
            raise Thrown(make_error("not-serializable", "value", "the value itself (too large to decode within the memory budget)"))
    lenb = _LEN_BYTES[n] if n < 128 else bytes(((n & 0x7F) | 0x80, n >> 7)) if n < 0x4000 else _varint_bytes(n)
    if compress_threshold is not None and n >= compress_threshold:
        z = zlib.compress(b"".join(parts), COMPRESS_LEVEL)
        zlen = len(z) + head_len
        if len(z) < n and n <= INFLATE_MAX * zlen + INFLATE_BASE and charge <= budget(zlen):
            head, head_crc = _HEADS[FLAG_ZLIB]
            return b"".join((head, zlib.crc32(z, zlib.crc32(lenb, head_crc)).to_bytes(4, "little"), lenb, z))
    head, head_crc = _HEADS[0]
    header, strtab, body = parts  # the CRC runs over the parts: no joined copy of the payload
    crc = zlib.crc32(body, zlib.crc32(strtab, zlib.crc32(header, zlib.crc32(lenb, head_crc))))
    return b"".join((head, crc.to_bytes(4, "little"), lenb, header, strtab, body))


def _varint_bytes(n):
    out = bytearray()
    wvarint(out, n)
    return bytes(out)


_LEN_BYTES = [bytes((i,)) for i in range(128)]  # the one-byte varints
_HEADS = {f: (h, zlib.crc32(h)) for f in (0, FLAG_ZLIB) for h in (MAGIC + bytes((FORMAT_VERSION, f)),)}


def _payload(root, limits, no_cheap):
    """(the payload's parts, its length, the reader's memory charge for it)."""
    enc = Encoder(limits, None, no_cheap)
    try:
        body = enc.run(root)
        if enc.found is not None:  # an element reached its own list's tail (encoder.Encoder.__init__)
            enc, body = _split_lists(root, limits, no_cheap, enc)
    except NotSer as e:
        path = find_path(root, e.value, enc.reps)
        if e.detail:
            path = f"{path} ({e.detail})" if path else e.detail
        raise Thrown(make_error("not-serializable", e.tname, path)) from None
    finally:
        if enc.room is not None:
            enc.restore()
    header = enc.header()  # with its length
    strtab = enc.string_table()
    n = len(header) + len(strtab) + len(body)
    return (header, strtab, body), n, enc.charge(n, len(strtab))


def _split_lists(root, limits, no_cheap, enc):
    """Write the value again, each list that an element of it reaches split where the element
    reaches it, until no element reaches a cell of its own list: (the encoder, the body)."""
    splits = frozenset()
    while enc.found:
        new = splits | enc.found
        if len(new) == len(splits):  # cannot happen: a split cell starts a list of its own
            raise AssertionError("splitting the lists found no new cell")
        splits = new
        enc = Encoder(limits, enc.room, no_cheap, splits)
        try:
            body = enc.run(root)
        except BaseException:
            enc.restore()  # _payload's finally restores the first encoder's room only
            raise
    return enc, body


class LiveHooks(Hooks):
    """Resolve names against the running program, loading modules in definitions mode."""

    def __init__(self, base_dir=None, code=None):
        self.base_dir = base_dir
        self.code = code  # records of a code bundle: (symbol, fingerprint) -> (hash, bytes)
        self.version = "?"
        self.loaded = set()  # modules this decode loaded
        self.mods = None  # the session names() resolved against

    def bundled(self, symbol, fingerprint):
        return self.code.get((symbol, fingerprint))

    def load(self, name):
        if N.load_module(name, self.base_dir):
            self.loaded.add(name)

    def missing(self, sym, module):
        """(missing-function sym); when the module itself was not found, the error says so
        and names the folders it was looked for in."""
        t = _missing(sym)
        mods = N.runtime_modules()
        if module and module != "turmeric" and module not in mods.modules:
            dirs = N.module_search_dirs(self.base_dir)
            where = ", ".join(dirs) if dirs else "no folder"
            t.hint = (
                f"module {module} was not found: looked for {module.replace('.', '/')}.tm in {where}; "
                "put the module's file next to the blob, or add its folder with -I DIR or TURMERIC_PATH"
            )
        elif ".top@" in sym:
            form = sym.split("/", 1)[0]
            t.hint = (
                f"{form} is a top-level form named by its content: the form the blob was captured in "
                "was edited or removed; run the program version that wrote the blob"
            )
        return t

    def mismatch(self, what):
        return Thrown(make_error("schema-mismatch", what, self.version))

    def names(self, h):
        mods = self.mods = N.runtime_modules()
        mods.load_prelude()
        self.version = h.version
        out = []
        state = current_state()
        for e in h.names:
            t = type(e)
            if t is FnEntry:
                info = state.find(e.symbol, e.fingerprint)
                if info is None:
                    self.load(e.symbol.split(".", 1)[0])
                    info = state.find(e.symbol, e.fingerprint)
                if info is None or info.fingerprint != e.fingerprint:
                    # changed or gone since the blob was made: its own version, from a code record
                    srcs = (self.bundled,) if self.code else ()
                    old = N.old_version(e.symbol, e.fingerprint, srcs)
                    if old is not None:
                        info = old
                if info is None:
                    raise self.missing(e.symbol, e.symbol.split(".", 1)[0])
                if info.fingerprint != e.fingerprint or len(info.free) != len(e.free):
                    raise self.mismatch(e.symbol)
                for site, nm in e.sites.items():
                    cur = info.sites.get(site)
                    if cur is None or len(cur) != len(nm):
                        raise self.mismatch(e.symbol)
                out.append(info)
            elif t is ShapeEntry:
                out.append((out[e.fn_index], e.site))
            elif t is StructEntry:
                st = state.struct_type(e.name)
                if st is None:
                    self.load(e.module)
                    st = state.struct_type(e.name)
                if st is None:
                    raise self.missing(f"{e.module}.{e.name}", e.module)
                if st.layout() != e.layout or len(st.fields) != len(e.fields):
                    raise self.mismatch(e.name)
                out.append(st)
            elif t is TypeEntry:
                out.append(None)  # the instance is looked up when a value of the type appears
            else:  # HostEntry
                if N.internal_name(e.name):
                    raise _missing(e.name)
                if e.module == "":
                    from ..runtime.library import BUILTINS

                    if e.name not in BUILTINS:
                        raise _missing(e.name)
                    out.append(BUILTINS[e.name])
                else:
                    self.load(e.module)
                    m = mods.modules.get(e.module)
                    if m is None or e.name not in m.ns:
                        raise self.missing(f"{e.module}.{e.name}", e.module)
                    out.append(m.ns[e.name])
        if mods.main is None and h.program in self.loaded:
            # a fresh process resuming the blob: the blob's program is the one running now
            mods.main = mods.modules[h.program]
        return out

    def closure(self, entry, info, vals):
        if info.factory is None:
            raise Corrupt(f"{entry.symbol} is not a closure")
        return info.factory(*vals)

    def cont(self, frames, handler):
        if handler is not None and not handler_ok(handler):
            raise Corrupt("a continuation's handler is not a function of two arguments")
        if frames:
            check_frames(frames)
            mf = getattr(self.mods, "migrate_frames", None)  # N.migrate_frames, with the session at hand
            upgraded = frames if mf is None else mf(frames)  # frames of old versions a defmigration upgrades
            if upgraded is not frames:
                check_frames(upgraded)
                frames = upgraded
        return control.Continuation(frames, handler)

    def struct(self, entry, st, vals):
        try:
            return st.cls(*vals)
        except Thrown:
            raise Corrupt(f"a field of {entry.name} has the wrong type") from None

    def custom(self, entry, _, rep, resource):
        cls, meth = ("Resource-Serializable", "unmarshal") if resource else ("Serializable", "deserialize")
        inst = N.instance(cls, entry.name)
        if inst is None or meth not in inst.methods:
            self.load(entry.module)
            inst = N.instance(cls, entry.name)
        if inst is None or meth not in inst.methods:
            raise self.missing(f"{entry.module}.{cls}:{entry.name}/{meth}", entry.module)
        return N.call_user(inst.methods[meth], rep, meth)

    def host(self, entry, obj):
        return obj


def check_frames(frames):
    """Each frame against its function's resume points, so that resuming can't fail in Python:
    the innermost frame stops where a capture happens (a shift or a throw) and every other
    frame at a call (a call site resumes the frame inside it); the runtime's own loops
    (the prelude) hold their private kinds of values where they expect them."""
    info, site, _ = frames[0]
    if info.suspends is not None and site not in info.suspends:
        raise Corrupt(f"the innermost frame ({info.symbol}, resume point {site}) stops at a call, not at a capture")
    transient = False
    last_info = last_site = None
    for info, site, _ in islice(frames, 1, None):
        if info is last_info and site == last_site:  # runs of one shape are the rule: checked once
            continue
        last_info, last_site = info, site
        if info.suspends and site in info.suspends:
            raise Corrupt(f"a frame of {info.symbol} that is not innermost stops at a capture (resume point {site})")
        transient = transient or info.transient or info is control.TRY_WITH_INFO
    if transient or frames[0][0].transient:
        for info, site, vals in frames:
            if info.transient:
                _check_kinds(info, site, vals)
            elif info is control.TRY_WITH_INFO and not handler_ok(vals[0]):
                raise Corrupt("a try-with frame's handler is not a function of two arguments")


def handler_ok(h):
    """Can `h` be a try-with handler, called as (h error k)? A Turmeric function must take two
    arguments (or fewer and a rest parameter); a host function only has to be callable."""
    if not callable(h):
        return False
    if type(h) is types.FunctionType:
        info = control.CODES.get(h.__code__)
        if info is not None:
            n = len(info.params)
            return n == 2 or (info.rest is not None and n <= 2)
    return True


_KIND = {"xs": (tuple, range), "n": (int,), "i": (int,)}
_ACC_FNS: dict = {}  # prelude source -> the prelude functions whose `acc` is a private accumulator


def _acc_fns():
    m = N.runtime_modules().modules.get("prelude")
    src = "\n".join(getattr(m, "lines", ()) or ())
    hit = _ACC_FNS.get(src)
    if hit is None:
        import re

        hit = set()
        for part in re.split(r"\(defn\s+", src)[1:]:
            name = part.split(None, 1)[0]
            if "acc (%transient)" in part:
                hit.add(f"prelude.{name}")
        _ACC_FNS.clear()
        _ACC_FNS[src] = hit
    return hit


# the loop state of a `map` inlined into a Turmeric function (compiler/fastpath.py, SiteHOF):
# names no program can write, so only the compiler's own locals are held to these kinds
_INLINE_KIND = {"#xs": (tuple, range), "#n": (int,), "#i": (int,), "#acc": (FrozenTransient,), "#kv": (bool,)}


def _is_pair(x):
    return type(x) is tuple and len(x) == 2


def _check_kinds(info, site, vals):
    names = info.sites.get(site, ())
    prelude = info.module == "prelude"
    acc = prelude and info.symbol in _acc_fns()
    for name, v in zip(names, vals, strict=False):
        t = type(v)
        want = _KIND.get(name) if prelude else _INLINE_KIND.get(name)
        if name == "acc" and acc:
            want = (FrozenTransient,)
        if want is not None and t not in want:
            raise Corrupt(f"a frame of {info.symbol} holds a {t.__name__} in {name}")
        if want is None and t is FrozenTransient:
            raise Corrupt(f"a frame of {info.symbol} holds an accumulator in {name}")
    if not prelude and "#kv" in names:
        # a loop over a map's items (fastpath.SiteHOF, `_kv_fusion`): when #kv says the map
        # is a persistent map, its elements (#xs) and the current one (#e) are (key, value) pairs
        held = dict(zip(names, vals, strict=False))
        if held.get("#kv") is True:
            xs = held.get("#xs", ())
            if not (type(xs) is tuple and all(_is_pair(x) for x in xs)) or ("#e" in held and not _is_pair(held["#e"])):
                raise Corrupt(f"a frame of {info.symbol} walks a map's items that are not (key, value) pairs")


def _missing(sym):
    return Thrown(make_error("missing-function", sym))


def decode(blob, base_dir=None, limits=DEFAULT_LIMITS):
    """The value in `blob` (or a code bundle), its code resolved in this process."""
    code = None
    if blob[:4] == CODE_MAGIC:
        code, blob = split_bundle(blob, limits)
    return parse(blob, LiveHooks(base_dir, code), limits)[1]


# --- code bundles --------------------------------------------------------------------------------


def encode_with_code(root, compress_threshold=COMPRESS_THRESHOLD, limits=DEFAULT_LIMITS):
    """A code bundle: the blob for `root` preceded by the code record of every function it
    names (docs/format.md, "Code bundles"), so it resumes where that code changed or is gone."""
    blob = encode(root, compress_threshold, limits)
    h = read_header(blob, limits)[0]
    state = current_state()
    records = {}
    for e in h.names:
        if type(e) is FnEntry:
            info = state.find(e.symbol, e.fingerprint)
            if info is None or info.fingerprint != e.fingerprint:
                continue
            rec = N.code_record(info)
            if rec is not None:
                records[rec[0]] = rec[1]
    out = bytearray(CODE_MAGIC + bytes((1,)))
    wvarint(out, len(records))
    for hx in sorted(records):
        out += bytes.fromhex(hx)
        wvarint(out, len(records[hx]))
        out += records[hx]
    return bytes(out) + blob


def split_bundle(b, limits=DEFAULT_LIMITS):
    """({(symbol, fingerprint): (hash, record bytes)}, inner blob) of a code bundle. The
    records are only indexed here (by the function list each one claims); their hashes
    and their code are checked when one is needed (loader/codes.py)."""
    import json

    from .decoder import _Reader

    if len(b) > limits.max_bytes:
        raise corrupt("code bundle larger than the limit")
    if b[4:5] != bytes((1,)):
        raise corrupt("unknown code bundle version")
    r = _Reader(b, 5)
    try:
        n = r.varint()
        if n > len(b):
            raise Corrupt("too many code records")
        index = {}
        for _ in range(n):
            hx = b[r.pos : r.pos + 16]
            if len(hx) != 16:
                raise Corrupt("truncated code record")
            r.pos += 16
            ln = r.varint()
            data = b[r.pos : r.pos + ln]
            if len(data) != ln:
                raise Corrupt("truncated code record")
            r.pos += ln
            try:
                fns = json.loads(data.decode("utf-8")).get("fns", [])
                for sym, fp in fns:
                    if type(sym) is str and type(fp) is str:
                        index[(sym, fp)] = (hx.hex(), data)
            except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
                pass  # reported as a bad record if a frame needs it (no function can be found in it)
    except Corrupt as e:
        raise corrupt(str(e)) from None
    except (IndexError, ValueError) as e:
        raise corrupt(f"malformed code bundle ({type(e).__name__})") from None
    return index, b[r.pos :]
