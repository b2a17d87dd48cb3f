"""Continuation tokens: the text after `/_k/` in a continuation URL.

Two kinds, told apart by the first character:

- `p...`: in the page. A random nonce, the use limit and the serialized continuation,
  compressed, sealed with the app key for one purpose (the app and the route) with an
  expiry time, base64url. Signed, not encrypted: the client can read what it holds.

Sealing is the serialization package's trust boundary (`serialization.trust`: an
HMAC-SHA256 envelope that carries its purpose and expiry), the one function every
reader of bytes from outside goes through.
- `s...`: in the store. 16 random bytes (128 bits) naming a store row, sealed with the
  app key for the purpose and with the expiry, base64url. A token nobody issued, or
  one past its time, is refused without a store lookup.

Every token is checked (signature, purpose, expiry) before a single byte of it is
decoded; a bad one raises `Forged`, an old one `Expired`, a malformed one `Unknown`.
`short(token)` is what logs show.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import zlib

from ..core.values import Thrown
from ..serialization import trust

ID_BYTES = 16


class TokenError(Exception):
    status = 400


class Unknown(TokenError):
    """Not a token of ours at all (shape, encoding), or a store row that is gone."""

    status = 404


class Forged(TokenError):
    """The signature or the purpose doesn't check: refused, nothing decoded."""

    status = 403


class Expired(TokenError):
    """Past its time to live or its use limit."""

    status = 410


def b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode("ascii")


def b64d(s: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except (binascii.Error, ValueError):
        raise Unknown("not base64url") from None


def short(token: str) -> str:
    """The first characters of a token, for logs: never the whole token."""
    return token[:8] + "…" if len(token) > 8 else token


# --- sealing -------------------------------------------------------------------------------------
# Through the serialization package's trust boundary (the one verify-before-decode
# function): an HMAC-SHA256 envelope bound to a purpose, with an expiry.


def seal(blob: bytes, key: bytes, purpose: str, ttl: float | None) -> bytes:
    return trust.seal(blob, key, purpose, ttl)


def open_sealed(data: bytes, key: bytes, purpose: str) -> bytes:
    """The blob inside, verified; Expired past its expiry, Forged for anything else."""
    try:
        return trust.open_sealed(data, key, purpose)
    except Thrown as e:
        reason = e.value.get_field("reason") if hasattr(e.value, "get_field") else None
        if reason == "signature expired":
            raise Expired("expired") from None
        raise Forged(str(reason or "signature mismatch")) from None


# --- in-page tokens ------------------------------------------------------------------------------


# Raw deflate with a 4 KB window (a continuation is small; a smaller window costs less to
# set up) and a preset dictionary of what every web continuation names.
ZDICT = (
    b"<runtime>\x08turmeric\x07runtime\tturmeric.web.send/suspend/dispatch\x10"
    b"turmeric.web.send/suspend\x10\x00method\x00headers\x00query\x00form\x00cookies\x00path\x00GET\x00POST"
    b"\x00host\x00user-agent\x00accept\x00accept-encoding\x00accept-language\x00connection\x00content-type"
    b"\x00content-length\x00application/x-www-form-urlencoded\x00keep-alive\x00origin\x00referer\x00http://"
    b"\x00127.0.0.1\x00localhost\x00make-page\x00req\x00TMRC\x01\x00"
)


NONCE_BYTES = 12  # makes every in-page token unique (two identical visits are two pages)


def page_token(blob: bytes, key: bytes, purpose: str, ttl: float | None, max_uses: int | None = None) -> str:
    """Sealed: nonce, the use limit (u32, 0: none), the compressed blob."""
    c = zlib.compressobj(6, zlib.DEFLATED, -12, 4, zlib.Z_DEFAULT_STRATEGY, ZDICT)
    uses = (max_uses or 0).to_bytes(4, "big")
    return "p" + b64e(seal(os.urandom(NONCE_BYTES) + uses + c.compress(blob) + c.flush(), key, purpose, ttl))


MAX_INFLATE = 8 * 1024 * 1024


def open_page_token(token: str, key: bytes, purpose: str) -> tuple[bytes, int | None]:
    """(blob, use limit or None)."""
    body = open_sealed(b64d(token[1:]), key, purpose)
    uses = int.from_bytes(body[NONCE_BYTES : NONCE_BYTES + 4], "big") or None
    body = body[NONCE_BYTES + 4 :]
    d = zlib.decompressobj(-12, ZDICT)
    try:
        out = d.decompress(body, MAX_INFLATE)
    except zlib.error:
        raise Forged("bad compression") from None
    if d.unconsumed_tail:
        raise Forged("too large")
    return out, uses


# --- store tokens --------------------------------------------------------------------------------


def new_id() -> bytes:
    return os.urandom(ID_BYTES)


def store_token(ident: bytes, key: bytes, purpose: str, ttl: float | None = None) -> str:
    return "s" + b64e(trust.seal(ident, key, "id/" + purpose, ttl))


def open_store_token(token: str, key: bytes, purpose: str) -> bytes:
    ident = open_sealed(b64d(token[1:]), key, "id/" + purpose)
    if len(ident) != ID_BYTES:
        raise Forged("bad id")
    return ident


def row_purpose(purpose: str, ident: bytes) -> str:
    """A stored blob is sealed for its own row: a row copied under another id doesn't open."""
    return purpose + "#" + ident.hex()


def kind(token: str) -> str:
    if not token or token[0] not in "ps" or len(token) > 1_000_000:
        raise Unknown("not a continuation token")
    return token[0]


def page_id(token: str) -> bytes:
    """A stable id for an in-page token (for use counts and `resume-token`)."""
    return hashlib.sha256(token.encode("ascii", "replace")).digest()[:ID_BYTES]
