"""The code store: function versions by fingerprint, in the store, for continuations that outlive a deploy.

`keep_code(store, blob, owner)` reads a blob's header (never its values), finds the
code record (`loader/codes.py`) of every function it names in the current session,
and keeps the records in the store for `owner` (a workflow is `wf:ID`, so the
durable store's gc releases them with the workflow); `tm_code` indexes each
(symbol, fingerprint) to its record's hash. `attach(session, store)` adds the store
as a source of old versions to a session: a frame whose function's fingerprint is
not the current one is compiled from its stored record (hash checked against
content, fingerprints checked against the recompiled code) and runs its own code.
`collect(store)` drops the versions no owner refers to any more.
"""

from __future__ import annotations

from ..loader import current_session
from ..serialization import format as fmt
from ..store import StoreError


def records_for(blob, session=None):
    """{hash bytes: (data, module, [(symbol, fingerprint)])} for the functions `blob` names."""
    session = session or current_session()
    if blob[:4] == fmt.CODE_MAGIC:
        blob = fmt.split_bundle(blob)[1]
    h = fmt.read_header(blob)[0]
    out = {}
    state = session.state
    for e in h.names:
        if type(e) is not fmt.FnEntry:
            continue
        info = state.find(e.symbol, e.fingerprint)
        if info is None or info.fingerprint != e.fingerprint:
            continue
        rec = session.code_record(info)
        if rec is None:
            continue
        hx, data = rec
        hb = bytes.fromhex(hx)
        if hb not in out:
            import json

            obj = json.loads(data)
            out[hb] = (data, obj["module"], [tuple(p) for p in obj["fns"]])
    return out


def keep_code(store, blob, owner, session=None, known=None):
    """Keep in `store`, for `owner`, the code of every function `blob` names. `known` (a set,
    optional) remembers hashes already kept for this owner, to skip them next time."""
    recs = records_for(blob, session)
    if known is not None:
        recs = {h: r for h, r in recs.items() if h not in known}
    if recs:
        store.code_put(owner, [(h, d, m, fns) for h, (d, m, fns) in recs.items()])
        if known is not None:
            known.update(recs)
    return len(recs)


def source(store):
    """A code source for `Session.code_sources`: (symbol, fingerprint) -> (hash hex, data) or None."""

    def find(symbol, fingerprint):
        try:
            got = store.code_find(symbol, fingerprint)
        except StoreError as e:
            from ..loader.codes import code_error

            raise code_error(str(e)) from None
        if got is None:
            return None
        return got[0].hex(), got[1]

    return find


def attach(session, store):
    """Resume frames of changed functions in `session` on their own code from `store`."""
    src = source(store)
    session.code_sources.append(src)
    return src


def collect(store):
    """Drop code no stored continuation refers to; returns how many versions went."""
    return store.code_gc()


def versions(store):
    """[(symbol, fingerprint, hash hex, module, owners)] in the code store."""
    return [(s, f, h.hex(), m, n) for s, f, h, m, n in store.code_list()]
