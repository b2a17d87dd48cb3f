"""The Turmeric-visible serialization API: serialize, deserialize, sign, verify.

Owns the builtins `serialize`, `deserialize`, `sign` and `verify`, the type classes
`Serializable` (serialize/deserialize) and `Resource-Serializable` (marshal/unmarshal),
and FileHandle's Resource-Serializable instance; `install` adds them to the builtins
(the loader calls it: importing this module registers nothing). The classes are registered from
Python so that the globals `serialize` / `deserialize` stay the blob functions:
user instances `(instance Serializable order)` and
`(instance Serializable Point (serialize [p] ...) (deserialize [r] ...))` attach to
them as usual. The byte layout lives in `format.py`.
"""

from __future__ import annotations

import io
import os

from ..core.errors import make_error
from ..core.values import Keyword, PMap, Thrown, pmap
from ..runtime import control, typeclasses
from ..runtime.library import FileHandle
from ..runtime.printer import type_name
from . import trust

__all__ = ["serialize", "deserialize", "sign", "verify"]  # and Limits, DEFAULT_LIMITS (module __getattr__)


class _LazyFormat:
    """`format` (the encoder and decoder) is imported on first use: a program that never
    serializes doesn't pay for it at start-up. The first access replaces this stand-in."""

    def __getattr__(self, name):
        global fmt
        from . import format as real

        fmt = real
        return getattr(real, name)


fmt = _LazyFormat()


def __getattr__(name):  # api.Limits, api.DEFAULT_LIMITS
    if name in ("Limits", "DEFAULT_LIMITS"):
        return getattr(fmt, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_KW_WITH_CODE = Keyword("with-code")


def serialize(v, *opts):
    """`(serialize v)`: the bytes of any serializable value, continuations included.
    `(serialize v :with-code #t)`: a code bundle, with the code of every function it names."""
    if not opts:
        return fmt.encode(v)
    if len(opts) != 2 or opts[0] != _KW_WITH_CODE:
        raise Thrown(make_error("arity-error", "serialize takes a value and optionally :with-code #t"))
    return fmt.encode_with_code(v) if opts[1] is True else fmt.encode(v)


def deserialize(b, base_dir=None, limits=None):
    """`(deserialize b)`: the value in the blob `b`, its code resolved in this process.

    `base_dir` is searched first for modules the blob names that are not loaded
    (default: the main module's folder, then the search path).
    """
    if type(b) is not bytes:
        if isinstance(b, (bytearray, memoryview)):
            b = bytes(b)
        else:
            raise Thrown(make_error("type-error", f"deserialize: expected bytes, got {type_name(b)}"))
    return fmt.decode(b, base_dir, limits or fmt.DEFAULT_LIMITS)


# --- signing (the envelope and its checks live in trust.py) -------------------------------------


def sign(b, key, purpose=None, ttl=None):
    """`(sign b key purpose? ttl?)`: `b` in a signed envelope bound to `purpose` (trust.seal)."""
    return trust.seal(b, key, trust.DEFAULT_PURPOSE if purpose is None else purpose, ttl)


def verify(b, key, purpose=None):
    """`(verify b key purpose?)`: the bytes inside a signed envelope (trust.open_sealed); throws
    (corrupt-data "signature mismatch...") on a wrong key, any change, another purpose or expiry."""
    return trust.open_sealed(b, key, trust.DEFAULT_PURPOSE if purpose is None else purpose)


# --- FileHandle is Resource-Serializable ---------------------------------------------------------

_KW_PATH, _KW_ABS, _KW_MODE, _KW_POS, _KW_CLOSED = (Keyword(n) for n in ("path", "abs-path", "mode", "position", "closed"))


def marshal_file_handle(fh):
    """A FileHandle's token: path, absolute path, mode, position (a writer is flushed first)."""
    f = fh.f
    closed = bool(getattr(f, "closed", False))
    pos = 0
    if not closed:
        if fh.mode[0] in "wa":
            f.flush()
        pos = f.tell()
    return pmap({_KW_PATH: fh.path, _KW_ABS: os.path.abspath(fh.path), _KW_MODE: fh.mode, _KW_POS: pos, _KW_CLOSED: closed})


def unmarshal_file_handle(token):
    """A FileHandle that reopens its file at first use, never at deserialize (docs/format.md).

    Deserializing touches no file: the token is only checked. The first read, write, seek,
    tell or close opens the file through `reopen_existing`, which never creates or truncates
    a file and opens only an existing regular file."""
    from ..runtime.library import MODES

    if not isinstance(token, PMap):
        raise Thrown(make_error("corrupt-data", "FileHandle token is not a map"))
    path, abspath, mode, pos = token.get(_KW_PATH), token.get(_KW_ABS), token.get(_KW_MODE), token.get(_KW_POS)
    closed = token.get(_KW_CLOSED)
    if type(path) is not str or mode not in MODES or type(pos) is not int or pos < 0 or "\0" in path:
        raise Thrown(make_error("corrupt-data", "FileHandle token is malformed"))
    if type(abspath) is not str or "\0" in abspath:
        abspath = path
    if closed is True:
        f = io.BytesIO() if "b" in mode else io.StringIO()
        f.close()
        return FileHandle(path, mode, f)
    target = path if os.path.isabs(path) else abspath
    return FileHandle(path, mode, LazyReopen(path, target, mode, pos))


_FORBIDDEN_ROOTS = ("/proc", "/sys", "/dev")


def reopen_existing(path, target, mode, pos):
    """Open `target` again for a FileHandle token: only an existing regular file outside /proc,
    /sys and /dev, checked before opening (and again on the open descriptor), opened
    non-blocking, never created or truncated. A `w` writer reopens read-write at `pos` (or
    the end, if the file is now shorter), an `a` writer appends, a reader seeks to `pos`.
    Failure: (file-error message path)."""
    import fcntl
    import stat

    def fail(why):
        raise Thrown(make_error("file-error", f"FileHandle: can't reopen {path}: {why}", path))

    try:
        real = os.path.realpath(target)
    except (OSError, ValueError) as e:
        fail(str(e))
    if any(real == r or real.startswith(r + "/") for r in _FORBIDDEN_ROOTS):
        fail(f"{real} is a system file, not a regular file")
    try:
        st = os.stat(real)
    except FileNotFoundError:
        fail("the file no longer exists (a saved FileHandle never creates a file)")
    except OSError as e:
        fail(e.strerror or str(e))
    if not stat.S_ISREG(st.st_mode):
        fail("not a regular file")
    flags = {"r": os.O_RDONLY, "w": os.O_RDWR, "a": os.O_WRONLY | os.O_APPEND}[mode[0]]
    flags |= os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(real, flags)  # no O_CREAT, no O_TRUNC
    except OSError as e:
        fail(e.strerror or str(e))
    try:
        fst = os.fstat(fd)
        if not stat.S_ISREG(fst.st_mode) or (fst.st_dev, fst.st_ino) != (st.st_dev, st.st_ino):
            fail("the file changed while it was being opened")
        fl = fcntl.fcntl(fd, fcntl.F_GETFL)
        fcntl.fcntl(fd, fcntl.F_SETFL, fl & ~os.O_NONBLOCK)
        binary = "b" in mode
        enc = {} if binary else {"encoding": "utf-8", "newline": ""}
        pymode = {"r": "r", "w": "r+", "a": "a"}[mode[0]] + ("b" if binary else "")
        f = os.fdopen(fd, pymode, **enc)
    except BaseException:
        os.close(fd)
        raise
    try:
        if mode[0] == "r":
            f.seek(pos)
        elif mode[0] == "w":
            f.seek(min(pos, fst.st_size))
    except (OSError, ValueError) as e:
        f.close()
        fail(str(e))
    return f


class LazyReopen:
    """Stands in for a FileHandle's file until first use, then opens it (reopen_existing)."""

    __slots__ = ("path", "target", "mode", "pos", "f", "was_closed")

    def __init__(self, path, target, mode, pos):
        self.path, self.target, self.mode, self.pos = path, target, mode, pos
        self.f = None
        self.was_closed = False

    @property
    def closed(self):
        return self.was_closed if self.f is None else self.f.closed

    def opened(self):
        if self.f is None:
            if self.was_closed:
                raise ValueError("I/O operation on closed file.")
            self.f = reopen_existing(self.path, self.target, self.mode, self.pos)
        return self.f

    def close(self):
        if self.f is None:
            self.was_closed = True
        else:
            self.f.close()

    def flush(self):
        if self.f is not None:
            self.f.flush()

    def tell(self):
        return self.pos if self.f is None else self.f.tell()

    def __iter__(self):
        return iter(self.opened())

    def __getattr__(self, name):
        return getattr(self.opened(), name)


# --- registration --------------------------------------------------------------------------------


def install(builtins, host):
    """Define the classes and add this module's builtins to `builtins` (the loader calls this)."""
    typeclasses.defclass("Serializable", "a", [("serialize", 0), ("deserialize", 0)])
    res = typeclasses.defclass("Resource-Serializable", "a", [("marshal", 0), ("unmarshal", 0)])
    if typeclasses.find_instance("Resource-Serializable", "FileHandle") is None:
        typeclasses.definstance(
            "Resource-Serializable", "FileHandle", [], [], {"marshal": marshal_file_handle, "unmarshal": unmarshal_file_handle}
        )
    for name, f in (("serialize", serialize), ("deserialize", deserialize), ("sign", sign), ("verify", verify)):
        builtins[name] = f
        host.add(name)
    # marshal / unmarshal dispatch to user methods (Turmeric code), so they are not host calls
    for name, d in res.items():
        builtins[name] = d
        control.TRANSPARENT.add(d)
