"""The code store: function versions by fingerprint, kept in the store for the continuations that name them.

This is the core that durable workflows, cluster tasks and agents share (it sits in
the loader so that `durable` may use it; `turmeric.cluster.codestore` re-exports it).
It talks to a store object through five methods (`code_put`, `code_find`,
`code_release`, `code_gc`, `code_list`, see `turmeric/store/base.py`) and never
imports the store package.

- `records_for(blob)` reads a blob's header (never its values) and returns the code
  record (`codes.py`) of every function it names that the current session can
  describe; `keep_code(store, blob, owner)` keeps them for `owner`.
- Owners are keys that keep versions alive, reference-counted in `tm_chunk_refs`: a
  durable workflow is `workflow_owner(id)` (`wf:ID/code`), a cluster task `wf:ID`; a
  version goes when its last owner lets go (`release`, a finished workflow, `gc`).
- `attach(session, store)` adds the store as a source of old versions: a frame whose
  function's fingerprint is not the current one is compiled from its stored record
  (the bytes checked against their hash by `serialization.trust.open_addressed`, the
  fingerprints against the recompiled code) and runs its own code.
- `collect(store)` drops the versions no owner refers to any more.
"""

from __future__ import annotations

import json

from ..serialization import format as fmt
from ..serialization.decoder import header_names, local_header_names
from .session import current_session


def workflow_owner(wf_id):
    """The owner key under which a durable workflow keeps the code its checkpoints name."""
    return f"wf:{wf_id}/code"


def fn_entries(blob, local=False):
    """[(symbol, fingerprint)] of every function a blob (or a code bundle) names; reads the header
    only. `local`: the blob was encoded by this process just now (its checksum is not checked)."""
    if blob[:4] == fmt.CODE_MAGIC:
        blob = fmt.split_bundle(blob)[1]
    names = local_header_names(blob) if local else header_names(blob)
    return [(e.symbol, e.fingerprint) for e in names if type(e) is fmt.FnEntry]


def records_for(blob, session=None, names=None):
    """{hash bytes: (data, module, [(symbol, fingerprint)])} for the functions `blob` names
    (or the (symbol, fingerprint) pairs in `names`) that have a record in `session`."""
    session = session or current_session()
    state = session.state
    out = {}
    for sym, fp in fn_entries(blob) if names is None else names:
        info = state.find(sym, fp)
        if info is None or info.fingerprint != fp:
            continue
        rec = session.code_record(info)
        if rec is None:
            continue
        hx, data = rec
        hb = bytes.fromhex(hx)
        if hb not in out:
            obj = json.loads(data)
            out[hb] = (data, obj["module"], [tuple(p) for p in obj["fns"]])
    return out


def as_rows(recs):
    """The rows `Store.code_put` takes, from `records_for`'s result."""
    return [(h, d, m, fns) for h, (d, m, fns) in recs.items()]


def keep_code(store, blob, owner, session=None, known=None):
    """Keep in `store`, for `owner`, the code of every function `blob` names. `known` (a set,
    optional) remembers hashes already kept for this owner, to skip them next time."""
    recs = records_for(blob, session)
    if known is not None:
        recs = {h: r for h, r in recs.items() if h not in known}
    if recs:
        store.code_put(owner, as_rows(recs))
        if known is not None:
            known.update(recs)
    return len(recs)


def source(store):
    """A code source for `Session.code_sources`: (symbol, fingerprint) -> (hash hex, data) or None.
    `store` is a store or a callable returning the store to use now. The data is NOT checked
    here: `Session.load_version` checks it against its hash before reading it."""

    def find(symbol, fingerprint):
        st = store() if callable(store) and not hasattr(store, "code_find") else store
        got = st.code_find(symbol, fingerprint)
        if got is None:
            return None
        return got[0].hex(), got[1]

    find.store = store
    return find


def attach(session, store):
    """Resume frames of changed functions in `session` on their own code from `store`
    (once per session and store: attaching the same store again changes nothing)."""
    for src in session.code_sources:
        if getattr(src, "store", None) is store:
            return src
    src = source(store)
    session.code_sources.append(src)
    return src


def stored(store, symbol, fingerprint):
    """Hash (hex) of the record the store keeps for (symbol, fingerprint), or None."""
    got = store.code_find(symbol, fingerprint)
    return None if got is None else got[0].hex()


def release(store, owner):
    """`owner` lets go of its versions; those no other owner refers to are deleted. Returns how many went."""
    return store.code_release(owner)


def collect(store):
    """Drop code no stored continuation refers to; returns how many versions went."""
    return store.code_gc()


def versions(store):
    """[(symbol, fingerprint, hash hex, module, owners)] in the code store."""
    return [(s, f, h.hex(), m, n) for s, f, h, m, n in store.code_list()]
