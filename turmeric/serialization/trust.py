"""The trust boundary: authenticated envelopes around blobs, verified before anything is decoded.

Bytes that crossed a trust boundary (a web token, a database row another machine wrote,
a message from another node, a file handed to `turmeric resume`) are checked here and
nowhere else. Every such reader calls ONE of these functions:

    seal(blob, key, purpose, ttl=None) -> bytes
        Wrap `blob` in a signed envelope (HMAC-SHA256) bound to `purpose`, optionally
        valid for `ttl` seconds from now.

    open_sealed(data, key, purpose, now=None) -> bytes
        The blob inside `data`, after checking the tag, the purpose and the expiry.
        Raises Thrown((corrupt-data reason)) on a wrong key, any change to the bytes, a
        different purpose, an expired envelope, an unsigned blob or a malformed one.
        Nothing is decoded before the tag is checked.

    decode_trusted(data, key, purpose, base_dir=None, limits=None, now=None,
                   continuation_only=False) -> value
        open_sealed, then deserialize. With continuation_only, a value that is not a
        continuation is refused with (corrupt-data ...) before it is returned.

    open_addressed(data, digest_hex, what="record") -> bytes
        For content-addressed bytes (a code record in the code store or a code bundle,
        named by the BLAKE2b-128 hash of its bytes): `data` if it hashes to `digest_hex`,
        else (corrupt-data "<what> <digest>: its content does not match its hash
        (altered or corrupt)"). Nothing is read from the bytes before the check.
    seal_row(blob, key, purpose) -> bytes / open_row(data, key, purpose) -> bytes
        The compact envelope for many small rows (a durable workflow's step rows): a
        version byte and a 16-byte tag (HMAC-SHA256 truncated to 128 bits), the purpose
        bound into the tag but not stored, no expiry. 17 bytes instead of 38 + purpose.

Keys are bytes or strings (UTF-8) of at least MIN_KEY_BYTES (16) bytes; shorter keys are
refused with (error ...). The purpose is a short label ("resume", "web-session",
"workflow-row", ...): an envelope sealed for one purpose never opens for another. The
Turmeric builtins `(sign b key purpose? ttl?)` and `(verify b key purpose?)` are this
module with the purpose DEFAULT_PURPOSE when none is given.

The envelope (docs/format.md, "Signed envelopes"):

    "TMRS"  02  flags(u8)  tag(32)  str purpose  [u64be expiry, ms since the epoch]  blob

flags bit 0: an expiry is present; other bits must be 0. The tag is HMAC-SHA256 with the
key over every byte of the envelope except the tag itself, so the purpose, the flags and
the expiry are all authenticated.

The compact row envelope (docs/format.md, "Row envelopes"):

    A1  tag(16)  blob        tag = HMAC-SHA256(key, "TMRW" 01 u8 len(purpose) purpose blob)[:16]
"""

from __future__ import annotations

import time

from ..core.digest import blake2b
from ..core.errors import make_error
from ..core.values import Thrown
from ..runtime.printer import type_name
from .layout import SIGNED_MAGIC, corrupt

# hashlib and hmac are imported in the functions that use them: hashlib loads OpenSSL
# (milliseconds), which a program that never signs anything should not pay at start-up;
# content addresses are BLAKE2b from core.digest, which doesn't

__all__ = [
    "seal",
    "open_sealed",
    "open_addressed",
    "decode_trusted",
    "is_sealed",
    "coerce_key",
    "MIN_KEY_BYTES",
    "DEFAULT_PURPOSE",
    "ENVELOPE_VERSION",
    "seal_row",
    "open_row",
    "ROW_MAGIC",
]

ENVELOPE_VERSION = 2
MIN_KEY_BYTES = 16
DEFAULT_PURPOSE = "blob"
MAX_PURPOSE_BYTES = 255
TAG_LEN = 32
FLAG_EXPIRY = 0x01
_HEAD = SIGNED_MAGIC + bytes([ENVELOPE_VERSION])


def coerce_key(key, who="sign"):
    """The key as bytes; refuses non-bytes/strings and keys shorter than MIN_KEY_BYTES."""
    if type(key) is str:
        k = key.encode("utf-8")
    elif isinstance(key, (bytes, bytearray, memoryview)):
        k = bytes(key)
    else:
        raise Thrown(make_error("type-error", f"{who}: the key must be a string or bytes, got {type_name(key)}"))
    if len(k) < MIN_KEY_BYTES:
        raise Thrown(
            make_error(
                "error",
                f"{who}: the key is {len(k)} bytes; a key must be at least {MIN_KEY_BYTES} bytes (use a long random secret)",
            )
        )
    return k


def _purpose_bytes(purpose, who):
    if purpose is None:
        purpose = DEFAULT_PURPOSE
    if type(purpose) is not str:
        raise Thrown(make_error("type-error", f"{who}: the purpose must be a string, got {type_name(purpose)}"))
    p = purpose.encode("utf-8")
    if not p or len(p) > MAX_PURPOSE_BYTES:
        raise Thrown(make_error("error", f"{who}: the purpose must be 1 to {MAX_PURPOSE_BYTES} bytes of text"))
    return p


def _as_bytes(b, who):
    if type(b) is bytes:
        return b
    if isinstance(b, (bytearray, memoryview)):
        return bytes(b)
    raise Thrown(make_error("type-error", f"{who}: expected bytes, got {type_name(b)}"))


def is_sealed(data):
    """Does `data` look like a signed envelope (of any version)? Says nothing about validity."""
    return isinstance(data, (bytes, bytearray, memoryview)) and bytes(data[:4]) == SIGNED_MAGIC


def seal(blob, key, purpose=DEFAULT_PURPOSE, ttl=None, now=None):
    """`blob` in a signed envelope bound to `purpose`; with `ttl` (seconds), it expires then."""
    import hashlib
    import hmac

    blob = _as_bytes(blob, "sign")
    k = coerce_key(key, "sign")
    p = _purpose_bytes(purpose, "sign")
    flags = 0
    tail = bytes([len(p)]) + p
    if ttl is not None:
        if type(ttl) not in (int, float) or ttl != ttl or ttl <= 0:
            raise Thrown(make_error("type-error", f"sign: the time to live must be a positive number of seconds, got {type_name(ttl)}"))
        t = time.time() if now is None else now
        expiry = int((t + ttl) * 1000)
        if expiry >= 1 << 64:
            raise Thrown(make_error("error", "sign: the time to live is too long"))
        flags |= FLAG_EXPIRY
        tail += expiry.to_bytes(8, "big")
    head = _HEAD + bytes([flags])
    tag = hmac.new(k, head + tail + blob, hashlib.sha256).digest()
    return head + tag + tail + blob


def open_sealed(data, key, purpose=DEFAULT_PURPOSE, now=None):
    """The blob inside the envelope `data`, verified; raises (corrupt-data reason) otherwise."""
    import hashlib
    import hmac

    k = coerce_key(key, "verify")
    p = _purpose_bytes(purpose, "verify")
    data = _as_bytes(data, "verify")
    # Before the tag is checked nothing in the bytes is trusted, so every failure says the same.
    if data[:4] != SIGNED_MAGIC or len(data) < 6 + TAG_LEN + 2 or data[4] != ENVELOPE_VERSION:
        raise corrupt("signature mismatch")
    flags = data[5]
    head = data[:6]
    tag = data[6 : 6 + TAG_LEN]
    rest = data[6 + TAG_LEN :]
    good = hmac.new(k, head + rest, hashlib.sha256).digest()
    if not hmac.compare_digest(tag, good):
        raise corrupt("signature mismatch")
    # authenticated from here on: these bytes were written by `seal` with this key
    if flags & ~FLAG_EXPIRY:
        raise corrupt("signature mismatch: unknown envelope flags")
    plen = rest[0]
    stored = rest[1 : 1 + plen]
    pos = 1 + plen
    if stored != p:
        raise corrupt(f"signature mismatch: signed for purpose {stored.decode('utf-8', 'replace')!r}, not {p.decode('utf-8', 'replace')!r}")
    if flags & FLAG_EXPIRY:
        if len(rest) < pos + 8:
            raise corrupt("signature mismatch")
        expiry = int.from_bytes(rest[pos : pos + 8], "big")
        pos += 8
        t = time.time() if now is None else now
        if t * 1000 >= expiry:
            raise corrupt("signature expired")
    return rest[pos:]


def address(data):
    """The content address of `data`: BLAKE2b-128, hex."""
    return blake2b(data, digest_size=16).hexdigest()


def open_addressed(data, digest_hex, what="record"):
    """`data`, once it is known to hash to `digest_hex` (content-addressed bytes from a store or a bundle)."""
    import hmac

    data = _as_bytes(data, "open")
    if type(digest_hex) is not str or not hmac.compare_digest(address(data), digest_hex):
        raise corrupt(f"{what} {digest_hex}: its content does not match its hash (altered or corrupt)")
    return data


ROW_MAGIC = 0xA1  # the first byte of a compact row envelope (a full envelope starts with "TMRS")
ROW_TAG_LEN = 16
_ROW_DOMAIN = b"TMRW\x01"


def _row_tag(k, p, blob):
    import hashlib
    import hmac

    return hmac.new(k, _ROW_DOMAIN + bytes([len(p)]) + p + blob, hashlib.sha256).digest()[:ROW_TAG_LEN]


def seal_row(blob, key, purpose):
    """`blob` in a compact envelope: A1, a 16-byte tag over the purpose and the blob, the blob."""
    blob = _as_bytes(blob, "sign")
    k = coerce_key(key, "sign")
    p = _purpose_bytes(purpose, "sign")
    return bytes([ROW_MAGIC]) + _row_tag(k, p, blob) + blob


def open_row(data, key, purpose):
    """The blob inside a compact envelope, verified (tag, and so key and purpose); raises
    (corrupt-data "signature mismatch") otherwise. Nothing is read before the tag is checked."""
    import hmac

    k = coerce_key(key, "verify")
    p = _purpose_bytes(purpose, "verify")
    data = _as_bytes(data, "verify")
    if len(data) < 1 + ROW_TAG_LEN or data[0] != ROW_MAGIC:
        raise corrupt("signature mismatch")
    blob = data[1 + ROW_TAG_LEN :]
    if not hmac.compare_digest(data[1 : 1 + ROW_TAG_LEN], _row_tag(k, p, blob)):
        raise corrupt("signature mismatch")
    return blob


def decode_trusted(data, key, purpose=DEFAULT_PURPOSE, base_dir=None, limits=None, now=None, continuation_only=False):
    """Verify `data` (open_sealed) and only then deserialize the blob inside it."""
    from . import api

    blob = open_sealed(data, key, purpose, now)
    v = api.deserialize(blob, base_dir=base_dir, limits=limits)
    if continuation_only:
        from ..runtime.control import Continuation

        if not isinstance(v, Continuation):
            raise corrupt(f"expected a continuation, the blob holds a {type_name(v)}")
    return v


def peek_unverified(data):
    """For `inspect` only: (purpose, expiry in ms or None, blob) of an envelope WITHOUT checking
    its tag. Never use the result to decide anything; raises (corrupt-data) if malformed."""
    data = _as_bytes(data, "inspect")
    if data[:4] != SIGNED_MAGIC or len(data) < 6 + TAG_LEN + 2 or data[4] != ENVELOPE_VERSION:
        raise corrupt("malformed signed envelope")
    flags = data[5]
    rest = data[6 + TAG_LEN :]
    plen = rest[0]
    purpose = rest[1 : 1 + plen].decode("utf-8", "replace")
    pos = 1 + plen
    expiry = None
    if flags & FLAG_EXPIRY:
        expiry = int.from_bytes(rest[pos : pos + 8], "big")
        pos += 8
    if pos > len(rest):
        raise corrupt("malformed signed envelope")
    return purpose, expiry, rest[pos:]
