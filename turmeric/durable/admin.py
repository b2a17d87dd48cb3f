"""What an operator does to stored workflows: read a checkpoint, cancel, resume, fork.

The one implementation behind `turmeric workflows cancel | resume | fork | show` and
the buttons of `turmeric ui`: each function takes an open store and the deployment
secret (`seal.load_key`), checks every row it reads against its seal before using
it, runs no workflow code, and either returns what it did (a message for the user)
or raises `AdminError` with a message saying what is wrong and what to do.
"""

from __future__ import annotations

import os
import uuid

from ..store import TERMINAL, open_store, resolve_url
from . import checkpoint as ck
from .seal import Tampered, load_key, seal, unseal

# what each kind of checkpoint row (tm_steps.kind) stands for
KINDS = {
    "s": "step",
    "z": "sleep-for",
    "r": "recv",
    "wr": "recv (waiting)",
    "e": "set-event",
    "m": "send",
    "c": "start-workflow",
    "a": "await-workflow",
    "wa": "await (waiting)",
    "g": "get-event",
    "wg": "get-event (waiting)",
    # a cluster task's checkpoints (turmeric/cluster/node.py)
    "tc": "task-checkpoint",
    "tm": "migrate-to",
    "tw": "receive-bytes (waiting)",
    "ta": "await-workflow (waiting)",
    "tr": "receive-bytes",
}
CANCELLABLE = ("pending", "running", "sleeping", "waiting", "blocked")
RESUMABLE = ("cancelled", "failed", "blocked")


class AdminError(Exception):
    """A request that can't be done: `message` says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def open_db(url):
    """(store, key) for the database `url` (None: $TURMERIC_DB or ./turmeric.db). A SQLite
    file that doesn't exist is an AdminError, not a new empty database."""
    url = resolve_url(url)
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///") :]):
        raise AdminError(
            f"no workflow database at {url[len('sqlite:///') :]} (nothing has run here yet; --db URL or TURMERIC_DB names another)"
        )
    st = open_store(url)
    return st, load_key(st.backend, st.describe())


def get_workflow(st, wf_id):
    row = st.get_workflow(wf_id)
    if row is None:
        raise AdminError(f"no workflow has the id {wf_id!r} in {st.describe()} (turmeric workflows list shows them)")
    return row


def checkpoint_main(st, key, wf_id, n, data=None):
    """(main, refs, base_n) of checkpoint `n` of `wf_id` (`main` as in checkpoint.py: the
    continuation's blob and the resume value's blob). Raises Tampered for an altered row,
    checkpoint.BadRecord for a malformed one, AdminError when there is no such checkpoint."""
    if data is None:
        got = st.get_step(wf_id, n)
        if got is None:
            raise step_out_of_range(st, wf_id, n)
        data = got[2]
    rec = unseal(key, f"step:{wf_id}:{n}", data)
    kind, base_n, refs, payload = ck.parse(rec)
    if kind == ck.DELTA:
        b = st.get_step(wf_id, base_n)
        if b is None:
            raise ck.BadRecord(f"checkpoint {n} refers to checkpoint {base_n}, which is gone")
        _, _, _, bmain = ck.parse(unseal(key, f"step:{wf_id}:{base_n}", b[2]))
        return ck.inflate(payload, bmain), refs, base_n
    return payload, refs, None


def step_out_of_range(st, wf_id, n):
    count = st.step_count(wf_id)
    if count == 0:
        return AdminError(f"workflow {wf_id} has no checkpoint {n}: it has none yet (it has not finished a step)")
    numbers = "only checkpoint 1" if count == 1 else f"{count}, numbered 1 to {count}"
    return AdminError(f"workflow {wf_id} has no checkpoint {n}: it has {numbers} (turmeric workflows show {wf_id} lists them)")


def cancel(st, wf_id):
    was = st.set_status(wf_id, "cancelled", only_from=CANCELLABLE)
    if was is None:
        raise AdminError(f"no workflow has the id {wf_id!r}")
    if was in TERMINAL:
        raise AdminError(f"workflow {wf_id} is already {was}: nothing to cancel")
    return f"cancelled {wf_id} (was {was}); its worker stops it at its next checkpoint"


def resume(st, wf_id):
    was = st.set_status(wf_id, "running", only_from=RESUMABLE)
    if was is None:
        raise AdminError(f"no workflow has the id {wf_id!r}")
    if was not in RESUMABLE:
        raise AdminError(f"workflow {wf_id} is {was}: only a cancelled, failed or blocked workflow can be resumed")
    n = st.step_count(wf_id)
    return f"{wf_id} resumes from checkpoint {n} with the next worker (or turmeric run) for its program"


def fork(st, key, wf_id, n, new_id=None):
    """(new id, message): a new workflow continuing from checkpoint `n` of `wf_id`."""
    src = st.get_workflow(wf_id)
    if src is None:
        raise AdminError(f"no workflow has the id {wf_id!r}")
    got = st.get_step(wf_id, n)
    if got is None:
        raise AdminError(f"workflow {wf_id} has no checkpoint {n} (it has {st.step_count(wf_id)}; turmeric workflows show {wf_id})")
    new_id = new_id or f"{wf_id}-fork-{uuid.uuid4().hex[:6]}"
    try:
        rec = unseal(key, f"step:{wf_id}:{n}", got[2])
        _, base_n, _, _ = ck.parse(rec)
        wanted = [n] if base_n is None else [base_n, n]
        all_rows = {r[0]: r for r in st.steps(wf_id) if r[0] in wanted}
        rows = []
        for m in wanted:
            r = all_rows[m]
            data = seal(key, f"step:{new_id}:{m}", unseal(key, f"step:{wf_id}:{m}", r[5]))
            rows.append((m, r[1], r[2], r[3], r[4], data))
        inp = seal(key, f"input:{new_id}", unseal(key, f"input:{wf_id}", src["input"])) if src["input"] else None
    except Tampered as e:
        raise AdminError(
            f"workflow {wf_id}: the row {e} does not match its seal (altered, or another deployment's secret): not forked"
        ) from None
    wait = None
    if got[1].startswith("w"):  # a checkpoint that waits (recv, await, get-event): the fork waits for the same again
        wait = waited_for(st, src, n, rows[-1])
    if not st.fork(wf_id, new_id, inp, rows, wait=wait):
        raise AdminError(f"a workflow with the id {new_id!r} exists already")
    return new_id, f"forked {wf_id} at checkpoint {n} as {new_id}; the next worker (or turmeric run) for its program continues it"


def waited_for(st, src, n, row):
    """(wait_kind, wait_a, wait_b, timeout) of waiting checkpoint `n` of workflow row `src`:
    as the checkpoint recorded it, else (a checkpoint written before the store kept it) from
    the workflow row while it still waits there."""
    wait = st.step_wait(src["id"], n)
    if wait is not None:
        return wait
    if src["status"] == "waiting" and src["wait_kind"] and st.step_count(src["id"]) == n:
        timeout = None if src["wake_at"] is None else max(0.0, src["wake_at"] - row[3] / 1000)
        return src["wait_kind"], src["wait_a"], src["wait_b"], timeout
    raise AdminError(
        f"workflow {src['id']}: checkpoint {n} waits ({KINDS.get(row[1], row[1])}), but it was written before the store "
        "recorded what a checkpoint waits for, so a fork would not know what to wait for: fork from the checkpoint after it"
    )
