"""Sealing: every blob the durable runtime writes for another process is signed.

`seal(key, context, data)` prefixes a 16-byte HMAC-SHA256 tag over a context string
(which row the bytes belong to: `step:ID:N`, `input:ID`, `msg:DEST:TOPIC`, ...), the
purpose and the data, so a row written by hand, or copied from another workflow or
position, fails `unseal` before any byte of it is decoded. `unseal` raises `Tampered`.

The key is the deployment's secret: `$TURMERIC_SECRET`, else the file named by
`$TURMERIC_SECRET_FILE`, else a key file created once with mode 0600: next to the
SQLite database (`turmeric.db.key`), or `~/.config/turmeric/secret` for PostgreSQL.
Workers on several machines must share `TURMERIC_SECRET`.

The envelope is the serialization package's trust boundary: its compact row
envelope (`trust.seal_row` / `trust.open_row`, purpose "workflow-row": one version
byte and the 16-byte tag, 17 bytes a row; other systems keeping rows in the same
store pass their own purpose, e.g. the cluster's "cluster-message"), keyed per row:
the key is an HMAC of the deployment secret and the row's context, so neither the
context nor the purpose costs a byte. Rows written before (the full `TMRS`
envelope, 51 bytes) still open, through `trust.open_sealed` with the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets

from ..core.values import Thrown
from ..serialization import trust

PURPOSE = "workflow-row"


class Tampered(Exception):
    """A sealed blob whose tag doesn't match: written by hand, altered, or moved from another row."""


def _row_key(key: bytes, context: str) -> bytes:
    # the row's identity is bound through the key: a blob copied to another row fails to open
    return hmac.new(key, b"turmeric-durable\0" + context.encode(), hashlib.sha256).digest()


def seal(key: bytes, context: str, data: bytes, purpose: str = PURPOSE) -> bytes:
    return trust.seal_row(data, _row_key(key, context), purpose)


def unseal(key: bytes, context: str, blob: bytes, purpose: str = PURPOSE) -> bytes:
    try:
        if trust.is_sealed(blob):  # a row written before the compact envelope
            return trust.open_sealed(blob, _row_key(key, context), purpose)
        return trust.open_row(blob, _row_key(key, context), purpose)
    except Thrown:
        raise Tampered(context) from None


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
