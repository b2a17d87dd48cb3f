"""The compile cache: what loading a module compiled, kept on disk and replayed.

Loading a module reads, expands and compiles its forms one at a time, running each
as it goes. The first load records every step as data: the code object of each
compiled unit with the constants and `FnInfo` records it needs, and each effect a
top-level form has on the module (run a thunk, define a macro, a struct, a class,
an instance, an import, a version). A later load of the same source replays the
record instead of reading, expanding and compiling: it executes the same code
objects and performs the same effects in the same order, so the module ends up as
it would have (same functions, same fingerprints, same top-level side effects).

This is the compiler's own cache, in the spirit of CPython's `.pyc` files, and the
only place Turmeric uses `marshal`: the file holds our own code objects and plain
data, never values from a program's run. A record is used only if everything that
went into it is unchanged:

- the source text (BLAKE2b), its absolute path and the loading mode;
- the compiler: a hash over the Turmeric implementation's own source files (name,
  size, modification time), the prelude among them, and the cache format;
- the Python version (`sys.implementation.cache_tag`, `sys.version`);
- what the compile took from the process rather than the file: the names of the builtins,
  host builtins and shared macros installed (commands differ: `check` and `serve` install
  the web vocabulary, `run` doesn't, so `(redirect u)` compiles to another call);
- every module this one imported, directly or not: found at the same path from the
  same folder, with the same source hash;
- every type class of another module that an instance here was compiled against (found
  in the registry, not imported): the same methods with the same dispatch indexes;
- every file a macro read while it expanded (`read-text`, `read-file`, `file-exists?`,
  `open-file` to read; here or in an imported module): the same absolute path from the
  current folder, the same bytes. What else a macro consults (the time, Python through
  `import-python`) is not checked: its expansion is kept, as a build would keep it.

Anything else, or a file that doesn't check out (wrong magic, bad checksum,
truncated, unreadable), is a miss: the module is compiled and the record rewritten.
Writes are atomic (a temporary file in the same folder, then `os.replace`).

Where: `TURMERIC_CACHE_DIR` if set; else `__pycache__/` beside the source file
(unless Python is told not to write bytecode there, `PYTHONDONTWRITEBYTECODE`);
else, or when that folder can't be written (a read-only install), the user cache
folder `$XDG_CACHE_HOME/turmeric` (default `~/.cache/turmeric`). Each environment
(`environment_tag`) has a file of its own.
`TURMERIC_CACHE=off` turns the cache off.
"""

from __future__ import annotations

import marshal
import os
import sys

from ..core.digest import blake2b

MAGIC = b"TMC\x01"
FORMAT = 3

# FnInfo slots that are rebuilt from the executed code rather than stored
_INFO_RUNTIME = frozenset({"resume", "factory", "code"})


class Uncacheable(Exception):
    """A compiled constant or record that the cache format can't hold: don't write a record."""


def enabled():
    return os.environ.get("TURMERIC_CACHE", "").lower() not in ("off", "0", "no", "false")


# --- the compiler's identity -------------------------------------------------------------------

_TAG = None


def compiler_tag():
    """A hash identifying this compiler: Turmeric's own source files (by name, size and
    mtime) and the Python that runs them. Computed once per process."""
    global _TAG
    if _TAG is None:
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        h = blake2b(digest_size=16)
        h.update(f"{FORMAT}|{sys.implementation.cache_tag}|{sys.version}|{root}".encode())
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
            for f in sorted(filenames):
                if f.endswith((".py", ".tm")):
                    p = os.path.join(dirpath, f)
                    try:
                        st = os.stat(p)
                    except OSError:
                        continue
                    h.update(f"{os.path.relpath(p, root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
        _TAG = h.hexdigest()
    return _TAG


_ENV: list = [None, None]  # [the sizes it was computed for, the tag]


def environment_tag():
    """A hash of the names the compiler looks up outside the module: `BUILTINS` (a global the
    module hasn't defined yet may be a builtin), `HOST` (a call to one is no capture site) and
    the shared macros (`defpage`, `step`...). They only grow (a command installs a vocabulary),
    so the tag is recomputed only when their sizes change."""
    from ..runtime.builtins import BUILTINS, HOST, MACROS

    sizes = (len(BUILTINS), len(HOST), len(MACROS))
    if _ENV[0] != sizes:
        h = blake2b(digest_size=16)
        for names in (BUILTINS, HOST, MACROS):
            h.update("\0".join(sorted(n for n in names if not n.startswith("#b:"))).encode())
            h.update(b"\1")
        _ENV[:] = [sizes, h.hexdigest()]
    return _ENV[1]


def source_hash(text):
    return blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


# --- where ---------------------------------------------------------------------------------------


def user_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "turmeric")


def _flat_name(path, mode, env):
    """A file name for `path` in a shared folder: its stem and a hash of its absolute path,
    the mode and the environment."""
    stem = os.path.splitext(os.path.basename(path))[0]
    h = blake2b(f"{os.path.abspath(path)}|{mode}|{env}".encode(), digest_size=8).hexdigest()
    return f"{stem}-{h}.tmc"


def candidates(path, mode, env=None):
    """Cache file paths for a source file, most preferred first. Each environment
    (`environment_tag`: `run`, `check`, `inspect` and a program using the Python API install
    different builtins) has its own file, so that commands used in turn don't compile the
    prelude and the modules again each time, as CPython keeps a .pyc per optimisation level."""
    env = env or environment_tag()
    override = os.environ.get("TURMERIC_CACHE_DIR")
    if override:
        return [os.path.join(override, _flat_name(path, mode, env))]
    out = []
    if not sys.dont_write_bytecode:
        stem = os.path.splitext(os.path.basename(path))[0]
        suffix = "" if mode == "full" else "." + mode
        out.append(os.path.join(os.path.dirname(os.path.abspath(path)), "__pycache__", f"{stem}{suffix}.{env[:8]}.turmeric.tmc"))
    out.append(os.path.join(user_cache_dir(), _flat_name(path, mode, env)))
    return out


# --- reading and writing ----------------------------------------------------------------------


def _key(path, text_hash, mode, env=None):
    return (FORMAT, compiler_tag(), env or environment_tag(), os.path.abspath(path), text_hash, mode)


def read(path, text_hash, mode, env=None):
    """The record cached for this source, or None (missing, stale, corrupt or turned off).
    `env` is the `environment_tag()` the load starts under (default: now)."""
    if not enabled():
        return None
    key = _key(path, text_hash, mode, env)
    for p in candidates(path, mode, env):
        try:
            with open(p, "rb") as f:
                data = f.read()
        except OSError:
            continue
        rec = _decode(data, key)
        if rec is not None:
            return rec
    return None


def _decode(data, key):
    if len(data) < len(MAGIC) + 32 or not data.startswith(MAGIC):
        return None
    digest, payload = data[len(MAGIC) : len(MAGIC) + 32], data[len(MAGIC) + 32 :]
    if blake2b(payload, digest_size=32).digest() != digest:
        return None
    try:
        stored_key, rec = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if stored_key != key or type(rec) is not dict:
        return None
    return rec


def write(path, text_hash, mode, rec, env=None):
    """Store the record atomically in the first folder that takes it; errors are ignored
    (the cache is an optimisation: a module that can't be cached is compiled every time).
    `env`: the `environment_tag()` the load started under, which the next load is read by
    (a form the load ran may have installed more builtins since)."""
    if not enabled():
        return None
    try:
        payload = marshal.dumps((_key(path, text_hash, mode, env), rec))
    except ValueError:  # something in the record marshal can't hold
        return None
    data = MAGIC + blake2b(payload, digest_size=32).digest() + payload
    for p in candidates(path, mode, env):
        d = os.path.dirname(p)
        tmp = os.path.join(d, f".{os.path.basename(p)}.{os.getpid()}.{id(data):x}.tmp")
        try:
            os.makedirs(d, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError:
            continue
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, p)  # atomic: a reader sees the old file or the new one, never a part
            if d == user_cache_dir() and os.urandom(1)[0] < 8:  # now and then (1 write in 32)
                prune(d)
            return p
        except OSError:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return None


MAX_ENTRIES = 2000  # in the shared user cache folder, which sees every temporary folder's files
MAX_AGE = 30 * 24 * 3600


def prune(d, max_entries=MAX_ENTRIES, max_age=MAX_AGE, now=None):
    """Delete records from a shared cache folder that haven't been written for max_age
    seconds, then the oldest beyond max_entries (their sources are often long gone)."""
    import time

    now = time.time() if now is None else now
    try:
        entries = []
        with os.scandir(d) as it:
            for e in it:
                if e.name.endswith(".tmc") and e.is_file():
                    entries.append((e.stat().st_mtime, e.path))
    except OSError:
        return
    entries.sort()
    keep = []
    for mtime, path in entries:
        if now - mtime > max_age:
            _unlink(path)
        else:
            keep.append(path)
    for path in keep[: max(0, len(keep) - max_entries)]:
        _unlink(path)


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


# --- constants -----------------------------------------------------------------------------------
#
# A compiled unit refers to its non-literal constants (quoted data: symbols, keywords,
# lists, vectors, maps, sets) as `#K<n>` globals. They are stored as tagged tuples of
# plain data; anything else (a value a macro put into its expansion, say) makes the
# module uncacheable.


def encode_const(v):
    from ..core.values import EMPTY, NONE, ArraySeq, Keyword, PList, PMap, Pos, PSet, PVector, Some, Symbol

    t = type(v)
    if v is None or t in (bool, int, float, str, bytes, complex):
        return ("v", v)
    if t is Keyword:
        return ("k", v.name)
    if t is Symbol:
        p = v.pos
        return ("s", v.name, None if p is None else (p.file, p.line, p.col))
    if v is EMPTY:
        return ("()",)
    if t is PList:
        items = []
        node = v
        while node.count:
            if type(node) is not PList:
                raise Uncacheable(repr(type(node)))
            items.append(encode_const(node.first))
            node = node.rest
        p = v.pos
        return ("l", tuple(items), None if p is None else (p.file, p.line, p.col))
    if t is ArraySeq:
        return ("a", tuple(encode_const(x) for x in v))
    if v is NONE:
        return ("N",)
    if t is Some:
        return ("S", encode_const(v.value))
    if t is Pos:
        return ("p", v.file, v.line, v.col)
    if isinstance(v, PVector):
        return ("[", tuple(encode_const(x) for x in v))
    if isinstance(v, PMap):
        return ("{", tuple((encode_const(k), encode_const(x)) for k, x in v.items()))
    if isinstance(v, PSet):
        return ("#", tuple(encode_const(x) for x in v))
    if t is tuple:
        return ("t", tuple(encode_const(x) for x in v))
    raise Uncacheable(t.__name__)


def decode_const(e):
    from ..core.values import EMPTY, NONE, Keyword, PList, Pos, Some, Symbol, array_seq, pmap, pset, pvector

    tag = e[0]
    if tag == "v":
        return e[1]
    if tag == "k":
        return Keyword(e[1])
    if tag == "s":
        return Symbol(e[1], None if e[2] is None else Pos(*e[2]))
    if tag == "()":
        return EMPTY
    if tag == "l":
        out = EMPTY
        for x in reversed(e[1]):
            out = PList(decode_const(x), out, out.count + 1)
        if e[2] is not None:
            out.pos = Pos(*e[2])
        return out
    if tag == "a":
        return array_seq(tuple(decode_const(x) for x in e[1]))
    if tag == "N":
        return NONE
    if tag == "S":
        return Some(decode_const(e[1]))
    if tag == "p":
        return Pos(e[1], e[2], e[3])
    if tag == "[":
        return pvector([decode_const(x) for x in e[1]])
    if tag == "{":
        return pmap({decode_const(k): decode_const(x) for k, x in e[1]})
    if tag == "#":
        return pset([decode_const(x) for x in e[1]])
    if tag == "t":
        return tuple(decode_const(x) for x in e[1])
    raise ValueError(f"bad constant tag {tag!r}")


# --- FnInfo records ------------------------------------------------------------------------------


def info_slots():
    from ..core.registry import FnInfo

    return tuple(slot for slot in FnInfo.__slots__ if slot not in _INFO_RUNTIME)


def encode_info(info):
    """The stored part of an FnInfo: every slot except the runtime objects, in slot order."""
    return tuple(getattr(info, slot, None) for slot in info_slots())


_DECODER = []


def info_decoder():
    """A function from an encoded FnInfo back to an FnInfo (one assignment of all slots)."""
    if not _DECODER:
        from ..core.registry import FnInfo

        slots = info_slots()
        targets = ", ".join(f"i.{s}" for s in slots)
        runtime = " = ".join(f"i.{s}" for s in sorted(_INFO_RUNTIME))
        src = f"def decode(v, new=object.__new__, cls=FnInfo):\n    i = new(cls)\n    {targets}, = v\n    {runtime} = None\n    return i\n"
        ns = {"FnInfo": FnInfo}
        exec(src, ns)
        _DECODER.append(ns["decode"])
    return _DECODER[0]


def decode_info(fields):
    return info_decoder()(fields)
