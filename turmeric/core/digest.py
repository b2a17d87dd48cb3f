"""BLAKE2b, the hash of fingerprints, compile-cache keys and store chunks.

Taken from CPython's `_blake2` module when it is there (it always is in a standard
build): `import hashlib` also loads OpenSSL, which costs a start-up milliseconds that
a program computing only BLAKE2b hashes never needs. `hashlib.blake2b` is the same type.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

__all__ = ["blake2b"]
