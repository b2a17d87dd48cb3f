"""Sealing: every blob the durable runtime writes for another process is signed.

`seal(key, context, data)` prefixes a 16-byte HMAC-SHA256 tag over a context string
(which row the bytes belong to: `step:ID:N`, `input:ID`, `msg:DEST:TOPIC`, ...) and
the data, so a row written by hand, or copied from another workflow or position,
fails `unseal` before any byte of it is decoded. `unseal` raises `Tampered`.

The key is the deployment's secret: `$TURMERIC_SECRET`, else the file named by
`$TURMERIC_SECRET_FILE`, else a key file created once with mode 0600: next to the
SQLite database (`turmeric.db.key`), or `~/.config/turmeric/secret` for PostgreSQL.
Workers on several machines must share `TURMERIC_SECRET`.

TODO(sec): switch to the serialization package's verify-before-decode function
once it lands in main (it will own the tag format); the context binding stays.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

TAG = 16


class Tampered(Exception):
    """A sealed blob whose tag doesn't match: written by hand, altered, or moved from another row."""


def seal(key: bytes, context: str, data: bytes) -> bytes:
    tag = hmac.new(key, context.encode() + b"\0" + data, hashlib.sha256).digest()[:TAG]
    return tag + data


def unseal(key: bytes, context: str, blob: bytes) -> bytes:
    if len(blob) < TAG:
        raise Tampered(context)
    data = blob[TAG:]
    good = hmac.new(key, context.encode() + b"\0" + data, hashlib.sha256).digest()[:TAG]
    if not hmac.compare_digest(good, blob[:TAG]):
        raise Tampered(context)
    return data


def load_key(store_backend: str, store_where: str) -> bytes:
    """The deployment secret (see the module docstring)."""
    env = os.environ.get("TURMERIC_SECRET")
    if env:
        return env.encode()
    path = os.environ.get("TURMERIC_SECRET_FILE")
    if not path:
        if store_backend == "sqlite":
            path = store_where + ".key"
        else:
            path = os.path.join(os.path.expanduser("~"), ".config", "turmeric", "secret")
    try:
        with open(path, "rb") as f:
            return f.read().strip()
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    key = secrets.token_hex(32).encode()
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)  # atomic: the first process to link wins, the others read its key
    except FileExistsError:
        with open(path, "rb") as f:
            key = f.read().strip()
    finally:
        os.unlink(tmp)
    return key
