"""The app key that signs continuation tokens.

From the environment (`TURMERIC_WEB_KEY`, else `TURMERIC_KEY`: at least 16 bytes of
text), else from a key file: created on first run with 32 random bytes (hex) and
permissions 0600, and refused if other users can read it. Every server process of
one app must use the same key.
"""

from __future__ import annotations

import os
import secrets
import stat

ENV_VARS = ("TURMERIC_WEB_KEY", "TURMERIC_KEY")
MIN_KEY = 16


class KeyError_(Exception):
    """The key can't be used; the message says what to do."""


def load_key(path: str, environ=None) -> tuple[bytes, str]:
    """(key, where it came from)."""
    env = os.environ if environ is None else environ
    for var in ENV_VARS:
        v = env.get(var)
        if v:
            if len(v.encode()) < MIN_KEY:
                raise KeyError_(f"{var} is shorter than {MIN_KEY} bytes: use a long random value (e.g. `openssl rand -hex 32`)")
            return v.encode(), f"${var}"
    if os.path.exists(path):
        st = os.stat(path)
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise KeyError_(f"{path} can be read by other users: run `chmod 600 {path}`")
        with open(path, "rb") as f:
            key = f.read().strip()
        if len(key) < MIN_KEY:
            raise KeyError_(f"{path} holds fewer than {MIN_KEY} bytes: delete it to have a new key made")
        return key, path
    key = secrets.token_hex(32).encode()
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key + b"\n")
    finally:
        os.close(fd)
    return key, path + " (new)"
