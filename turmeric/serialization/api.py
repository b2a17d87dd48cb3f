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

import hashlib
import hmac
import io
import os

from ..core.errors import make_error
from ..core.values import Keyword, PMap, Thrown, pmap
from ..runtime import control, typeclasses
from ..runtime.library import FileHandle
from ..runtime.printer import type_name

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


def serialize(v):
    """`(serialize v)`: the bytes of any serializable value, continuations included."""
    return fmt.encode(v)


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


# --- signing -------------------------------------------------------------------------------------

_TAG_LEN = 32


def _key(key, who):
    if type(key) is str:
        return key.encode("utf-8")
    if type(key) is bytes:
        return key
    raise Thrown(make_error("type-error", f"{who}: the key must be a string or bytes, got {type_name(key)}"))


def sign(b, key):
    """`(sign b key)`: `b` wrapped with an HMAC-SHA256 tag: "TMRS" 0x01 tag(32) b."""
    if type(b) is not bytes:
        raise Thrown(make_error("type-error", f"sign: expected bytes, got {type_name(b)}"))
    tag = hmac.new(_key(key, "sign"), fmt.SIGNED_MAGIC + bytes([1]) + b, hashlib.sha256).digest()
    return fmt.SIGNED_MAGIC + bytes([1]) + tag + b


def verify(b, key):
    """`(verify b key)`: the bytes inside a signed blob; throws (corrupt-data "signature mismatch")."""
    k = _key(key, "verify")
    if type(b) is not bytes:
        raise Thrown(make_error("type-error", f"verify: expected bytes, got {type_name(b)}"))
    head = fmt.SIGNED_MAGIC + bytes([1])
    if len(b) < len(head) + _TAG_LEN or b[: len(head)] != head:
        raise fmt.corrupt("signature mismatch")
    tag = b[len(head) : len(head) + _TAG_LEN]
    body = b[len(head) + _TAG_LEN :]
    good = hmac.new(k, head + body, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, good):
        raise fmt.corrupt("signature mismatch")
    return body


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
    """Reopen the file: readers seek back; writers reopen without truncating and seek back."""
    from ..runtime.library import MODES

    if not isinstance(token, PMap):
        raise Thrown(make_error("corrupt-data", "FileHandle token is not a map"))
    path, abspath, mode, pos = token.get(_KW_PATH), token.get(_KW_ABS), token.get(_KW_MODE), token.get(_KW_POS)
    closed = token.get(_KW_CLOSED)
    if type(path) is not str or mode not in MODES or type(pos) is not int or pos < 0:
        raise Thrown(make_error("corrupt-data", "FileHandle token is malformed"))
    if type(abspath) is not str:
        abspath = path
    if closed is True:
        f = io.BytesIO() if "b" in mode else io.StringIO()
        f.close()
        return FileHandle(path, mode, f)
    target = path if os.path.isabs(path) else abspath
    binary = "b" in mode
    enc = {} if binary else {"encoding": "utf-8", "newline": ""}
    try:
        if mode[0] == "r":
            f = open(target, mode, **enc)
            f.seek(pos)
        elif mode[0] == "w":
            if os.path.exists(target):
                f = open(target, "r+b" if binary else "r+", **enc)
                size = os.path.getsize(target)
                f.seek(min(pos, size))
            else:
                f = open(target, mode, **enc)
        else:  # append: writes go to the end, whatever it is now
            f = open(target, mode, **enc)
    except OSError as e:
        raise Thrown(make_error("error", f"FileHandle: can't reopen {path}: {e.strerror or e}")) from None
    return FileHandle(path, mode, f)


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
