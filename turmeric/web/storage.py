"""Web continuations in the store (`turmeric.store`): rows of the key/value table.

Namespaces: `web.k` holds sealed continuation blobs under the hex of their 128-bit
id, with an expiry and an optional use limit; `web.uses` counts the uses of in-page
tokens that have a use limit; `web.once` keeps the values of `(once key thunk)` for the
app's `:ttl` (as long as a page that ran it can be submitted again).
Every value is sealed by the app before it gets here, and checked after it is read,
so a row another machine wrote is verified before it is decoded.
The store object is not shared between threads: the server uses it from its one
Turmeric thread.
"""

from __future__ import annotations

NS_K = "web.k"
NS_USES = "web.uses"
NS_ONCE = "web.once"


class ContinuationStore:
    def __init__(self, store):
        self.store = store

    def describe(self):
        return self.store.describe()

    def put(self, ident: bytes, sealed: bytes, ttl: float | None, max_uses: int | None):
        self.store.kv_put(NS_K, ident.hex(), sealed, ttl=ttl, uses=max_uses)

    def take(self, ident: bytes):
        """The sealed blob, counting one use; None if gone, expired or used up."""
        return self.store.kv_take(NS_K, ident.hex())

    def count_use(self, ident: bytes, max_uses: int, ttl: float | None) -> bool:
        """Count one use of an in-page token; False once it has had `max_uses`."""
        key = ident.hex()
        self.store.kv_add(NS_USES, key, b"", ttl=ttl, uses=max_uses)
        return self.store.kv_take(NS_USES, key) is not None

    def once_get(self, app: str, key: str):
        return self.store.kv_get(NS_ONCE, app + "\0" + key)

    def once_put(self, app: str, key: str, sealed: bytes, ttl: float | None):
        """Keep the first value stored under key (two racing first runs agree on one)."""
        self.store.kv_add(NS_ONCE, app + "\0" + key, sealed, ttl=ttl)

    def gc(self) -> int:
        return self.store.kv_gc(NS_K) + self.store.kv_gc(NS_USES) + self.store.kv_gc(NS_ONCE)


def open_store(url=None):
    """The app's ContinuationStore on `url` (default $TURMERIC_DB or turmeric.db)."""
    from .. import store

    return ContinuationStore(store.open_store(url))
