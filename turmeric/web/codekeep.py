"""The code web continuation tokens name, kept in the app's store until the tokens expire.

A token (in the page or in the store) holds a serialized continuation, which names
each function of its frames by (symbol, fingerprint). So that a page opened before a
deploy resumes after it on the code that made it (docs/versioning.md), the app keeps
the code record of every such function in the code store (`loader.codestore`, the
`tm_code` table shared with durable workflows and cluster tasks) when it makes the
token; the code itself never goes into the token.

Owners. Records are kept for owners named after the app and an expiry time:
`web:APP/code@UNTIL` keeps the code of tokens that expire by UNTIL (Unix seconds,
rounded up to a granule of a sixteenth of the token's time to live, between 1 s and
an hour), `web:APP/code` that of tokens that never expire. `gc` releases the owners
whose UNTIL has passed (plus a few seconds for clocks that disagree): the versions no
other owner (a live token's, a workflow's) refers to go with them.

Writes. Each process remembers, per owner, which versions it has kept already, so a
page view writes to the store only the first time a version appears in a granule
(once an hour per process and version with the default :ttl of a day), not per
request.
"""

from __future__ import annotations

import math
import time

from ..loader import codestore
from ..serialization import format as fmt
from ..serialization.decoder import local_header_names

PREFIX = "web:"
GRACE = 5.0  # seconds past UNTIL before an owner is released (clocks of processes sharing a store)
MAX_GRANULE = 3600


def granule(ttl):
    """Seconds an owner's expiry is rounded up to, for tokens living `ttl` seconds."""
    return int(min(MAX_GRANULE, max(1, ttl // 16)))


def owner_prefix(app):
    return f"{PREFIX}{app}/code"


def owner_for(app, ttl, t):
    """The owner that keeps the code of a token of `app` made at `t` that lives `ttl` seconds."""
    if ttl is None:
        return owner_prefix(app)
    g = granule(ttl)
    return f"{owner_prefix(app)}@{math.ceil((t + ttl) / g) * g}"


def until_of(owner, app):
    """The expiry an owner of `app` is named with; None for the no-expiry owner or a foreign name."""
    head = owner_prefix(app) + "@"
    if not owner.startswith(head):
        return None
    try:
        return int(owner[len(head) :])
    except ValueError:
        return None


class CodeKeeper:
    """Keeps, for one app, the code its tokens name in `store` (a `turmeric.store` Store)."""

    def __init__(self, store, app):
        self.store = store
        self.app = app
        self.kept = {}  # owner -> {(symbol, fingerprint)} this process has kept (or found to have no record)
        self.writes = 0  # code_put calls made (for tests and benchmarks)
        self._owner = (None, -1.0, None)  # (ttl, until when it is the owner of a new token, owner)
        self._tables = {}  # id(name table) -> (table, owner): blob headers whose code is kept for owner

    def owner(self, ttl, t):
        """`owner_for(app, ttl, t)`, remembered while it stays the same (a granule)."""
        c_ttl, c_until, c_owner = self._owner
        if ttl == c_ttl and t < c_until:
            return c_owner
        owner = owner_for(self.app, ttl, t)
        until = until_of(owner, self.app)
        self._owner = (ttl, math.inf if until is None else until - ttl, owner)
        return owner

    def keep(self, blob, ttl, t=None):
        """Keep the code of the functions `blob` (just serialized here) names for as long as a
        token living `ttl` seconds from `t` can be resumed; returns how many records were written.

        The steady state (a page view whose code is kept for this owner already) costs the
        blob's header lookup (`local_header_names`, cached by the header's bytes) and one
        dict lookup: the blobs of one resume point share one name table."""
        t = time.time() if t is None else t
        owner = self.owner(ttl, t)
        table = local_header_names(blob)
        hit = self._tables.get(id(table))
        if hit is not None and hit[0] is table and hit[1] == owner:
            return 0
        known = self.kept.get(owner)
        if known is None:
            self._prune(t)
            known = self.kept[owner] = set()
        names = [(e.symbol, e.fingerprint) for e in table if type(e) is fmt.FnEntry]
        names = [p for p in names if p not in known]
        n = 0
        if names:
            recs = codestore.records_for(None, names=names)
            if recs:
                self.store.code_put(owner, codestore.as_rows(recs))
                self.writes += 1
                n = len(recs)
            known.update(names)  # runtime and prelude functions have no record: never asked again
        if len(self._tables) >= 256:
            self._tables.clear()
        self._tables[id(table)] = (table, owner)  # holding the table keeps its id from being reused
        return n

    def forget(self):
        """Forget what this process has kept (the next tokens write their code again)."""
        self.kept.clear()
        self._tables.clear()

    def _prune(self, t):
        for o in [o for o in self.kept if (u := until_of(o, self.app)) is not None and u < t]:
            del self.kept[o]

    def gc(self, t=None):
        """Release the owners of this app whose tokens have all expired; how many code records went."""
        t = time.time() if t is None else t
        gone = 0
        for o in self.store.code_owners(owner_prefix(self.app) + "@"):
            u = until_of(o, self.app)
            if u is not None and u + GRACE < t:
                gone += self.store.code_release(o)
                self.kept.pop(o, None)
                self._tables = {k: v for k, v in self._tables.items() if v[1] != o}
        return gone
