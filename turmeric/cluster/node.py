"""Nodes: named workers sharing one database, running tasks that move between them.

A *node* is a process (`turmeric worker --name NODE --db URL FILE`) that loads a
program's definitions and runs *tasks*: rows of `tm_workflows` (name
`cluster-task`, module `node:NAME`, the node that must run it) whose steps are
sealed checkpoints `[k v]` (a continuation and the value to resume it with). Every
checkpoint's code is kept in the code store (`codestore.keep_code`, owner
`wf:ID`), so a node running another version of the program resumes the frames on
their own code.

Inside a task:

- `(migrate-to "node-b")` commits the continuation as a checkpoint and, in the same
  transaction, reassigns the task to node-b and drops the lease; node-b claims it and
  continues from there. Unknown node, or node down (no heartbeat for a lease): a
  thrown error at the call, the task stays where it is.
- `(task-checkpoint)` commits a checkpoint and continues: after a crash the task
  restarts from its last checkpoint, on another node if this one is down.
- `(receive-bytes)` takes the oldest `send-to-node` message for this node, in the
  same transaction as the checkpoint that resumes with it (never lost, never twice).
- `(current-node)` is the node's name (`"local"` outside a node).
- `(await-workflow id)` parks the task (a checkpoint, status waiting on that workflow,
  like a durable workflow's await); the claim wakes it once that workflow finished.

Anywhere (with `TURMERIC_DB` naming the database): `(spawn-on "node-b" thunk)`
starts a workflow that runs `(thunk)` on node-b and returns its workflow id, for
`await-workflow`, `workflow-status` and `turmeric workflows list/show`
(`(await-task id seconds)` is await-workflow with a time limit); `(send-to-node
"node-b" bytes)` queues bytes for node-b's `receive-bytes`; `(cluster-nodes)`
lists live nodes. Inside a task, `spawn-on` names the new workflow after the task
and its last checkpoint, so a task resumed after a crash that spawns again starts
nothing new.

Take-over: each node renews its liveness row (`tm_kv`, namespace `tm-node`, with a
time to live of one lease) and its task leases. A node whose liveness row expired is
down: any node claims the down node's tasks, moves them to itself and resumes each
from its last checkpoint. A commit after the lease was lost writes nothing ('lost'),
so a step committed by one node is never committed again by another.

A task is a workflow: its input (the thunk), checkpoints (durable checkpoint
records, `durable/checkpoint.py`) and output are workflow rows sealed like a durable
workflow's (`durable/seal.py` over `serialization/trust.py`, purpose
"workflow-row", keyed by the row's context); node messages and agent manifests have
purposes of their own ("cluster-message", "cluster-agent"). Every blob a node reads
is opened (verified) by `Client.open` before a byte of it is decoded.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time

from ..core.errors import make_error
from ..core.registry import ROOT, FnInfo
from ..core.values import Thrown, pvector
from ..durable import checkpoint as ck
from ..durable import seal as rows
from ..runtime import control
from ..runtime.printer import display, type_name
from ..serialization import format as fmt
from ..store import TERMINAL, StoreError, open_store
from . import agents, codestore

TASK = "cluster-task"
NODE_NS = "tm-node"  # liveness rows: name -> "host/pid", expiring after a lease
KNOWN_NS = "tm-node-known"  # every node that ever joined: name -> first seen
PARKED = "node-bytes"  # wait_kind of a task parked in (receive-bytes) until bytes arrive for its node

# the purposes of the sealed rows a node reads (serialization/trust.py): one per row kind
ROW = rows.PURPOSE  # a task's input, checkpoints and output: workflow rows ("workflow-row")
MESSAGE = "cluster-message"  # bytes sent to a node (send-to-node)
MANIFEST = "cluster-agent"  # an agent's signed manifest (agents.py)

# the kinds of a task's checkpoint rows (tm_steps.kind; `turmeric workflows show` names them)
K_CHECKPOINT, K_MIGRATE, K_PARKED, K_RECEIVED, K_AWAIT = "tc", "tm", "tw", "tr", "ta"
CHILD = "child"  # wait_kind of a task parked in (await-workflow id): claimable once that workflow finished

_NODE = contextvars.ContextVar("turmeric_node", default=None)  # the Node running this code
_TASK = contextvars.ContextVar("turmeric_task", default=None)  # the TaskRun being run


def _err(msg, kind="error"):
    return Thrown(make_error(kind, msg))


class TaskRun:
    """A task executing on this node: its id, its last committed checkpoint, spawns since."""

    __slots__ = ("id", "n", "spawned")

    def __init__(self, wf_id, n=0):
        self.id = wf_id
        self.n = n
        self.spawned = 0


def step_record(k, v):
    """The checkpoint record of (k, v): a durable FULL record (durable/checkpoint.py)."""
    return ck.record(ck.main_bytes(k, v), [], None)[0]


def step_blobs(context, rec):
    """(k blob, v blob) of a checkpoint record, or (corrupt-data ...)."""
    try:
        kind, _, refs, payload = ck.parse(rec)
        if kind != ck.FULL or refs:
            raise ck.BadRecord("a task checkpoint is a full record without chunks")
        return ck.split_main(payload)
    except ck.BadRecord as e:
        raise _err(f"{context} is malformed: {e}", "corrupt-data") from None


# --- the innermost frame of an operation's continuation ------------------------------------------


def _return_resume(vals, site, frames, j, v):
    return v


RETURN_INFO = FnInfo("turmeric.cluster-return", "runtime", "turmeric", "<runtime>", 0, (), {0: ()})
RETURN_INFO.resume = _return_resume
ROOT.register(RETURN_INFO)


class Op:
    __slots__ = ("kind", "arg")

    def __init__(self, kind, arg=None):
        self.kind = kind
        self.arg = arg

    def __call__(self, k):  # reached an ordinary prompt: not inside a task
        raise _err(f"{self.kind}: not inside a cluster task (start one with spawn-on)")


class _AwaitOp(Op):
    """await-workflow's operation: the task's prompt parks the task; a prompt in between
    (a cloneable-reset inside the task) gets the old behaviour, a wait on the node's thread,
    resuming the captured part with the outcome."""

    __slots__ = ("wait",)

    def __init__(self, wf_id, wait):
        super().__init__("await-workflow", wf_id)
        self.wait = wait

    def __call__(self, k):
        return k(self.wait())


def _suspend(kind, arg=None, op=None):
    c = control.Capture(op if op is not None else Op(kind, arg))
    c.frames.append((RETURN_INFO, 0, ()))
    raise c


# --- client side: the database and the nodes ------------------------------------------------------


class Client:
    """What any process needs to talk to the cluster: the store and the secret."""

    def __init__(self, db=None, lease=None):
        self.db = db
        self.lease = float(lease if lease is not None else os.environ.get("TURMERIC_LEASE", 5))
        self._store = None
        self.key = None

    @property
    def store(self):
        if self._store is None:
            st = open_store(self.db)
            self.key = rows.load_key(st.backend, st.describe())  # the deployment secret, as durable's
            self._store = st
        return self._store

    def seal(self, context, data, purpose=ROW):
        """`data` sealed for the row `context` (trust.seal with `purpose`, keyed by the row)."""
        self.store  # noqa: B018 - opens the store, which loads the key
        return rows.seal(self.key, context, data, purpose)

    def open(self, context, blob, purpose=ROW):
        """The bytes sealed in `blob` for row `context`, verified; nothing is decoded before this."""
        try:
            return rows.unseal(self.key, context, bytes(blob), purpose)
        except rows.Tampered:
            raise _err(
                f"signature mismatch in {context} (a row written by hand, altered, copied from another row, "
                "or sealed with another TURMERIC_SECRET: every node and client must share it)",
                "corrupt-data",
            ) from None

    def close(self):
        if self._store is not None:
            self._store.close()
            self._store = None

    def node_alive(self, name):
        return self.store.kv_get(NODE_NS, name) is not None

    def node_known(self, name):
        return self.store.kv_get(KNOWN_NS, name) is not None

    def live_nodes(self):
        rows = self.store.run(lambda tx: tx.all("SELECT key, expires FROM tm_kv WHERE ns = ? ORDER BY key", (NODE_NS,)), write=False)
        t = time.time()
        return [r[0] for r in rows if r[1] is None or r[1] > t]

    def known_nodes(self):
        return [
            r[0] for r in self.store.run(lambda tx: tx.all("SELECT key FROM tm_kv WHERE ns = ? ORDER BY key", (KNOWN_NS,)), write=False)
        ]

    def check_target(self, who, name):
        if type(name) is not str:
            raise _err(f"{who}: the node name must be a string, got {type_name(name)}", "type-error")
        if not self.node_known(name):
            known = ", ".join(self.known_nodes()) or "none yet"
            raise _err(f"{who}: unknown node {name!r} (known nodes: {known}); start it with turmeric worker --name {name} --db URL FILE")
        if not self.node_alive(name):
            raise _err(f"{who}: node {name!r} is down (no heartbeat for {self.lease:g} s); start it again, or choose another node")

    def new_id(self):
        """A new workflow id; inside a task, named after the task and its last checkpoint, so
        the same spawn after a resume from that checkpoint starts nothing new."""
        run = _TASK.get()
        if run is None or _NODE.get() is not self:
            return os.urandom(16).hex(), None
        i = run.spawned
        run.spawned += 1
        return f"{run.id}/{run.n}.{i}", run.id

    def spawn(self, node, thunk, who="spawn-on"):
        self.check_target(who, node)
        if not callable(thunk):
            raise _err(f"{who}: expected a function of no arguments, got {type_name(thunk)}", "type-error")
        wf_id, parent = self.new_id()
        try:
            blob = fmt.encode(thunk)
        except Thrown as e:
            raise _err(f"{who}: the thunk can't travel: {display(e.value)}", "not-serializable") from None
        codestore.keep_code(self.store, blob, "wf:" + wf_id)
        self.store.create_workflow(wf_id, TASK, "node:" + node, self.seal(f"input:{wf_id}", blob), parent=parent)
        return wf_id

    def result(self, wf_id, timeout=None, who="await-task"):
        """Wait for workflow `wf_id` to finish: its value, or its error re-thrown."""
        if type(wf_id) is not str:
            raise _err(f"{who}: expected a workflow id (a string), got {type_name(wf_id)}", "type-error")
        if timeout is not None and (type(timeout) not in (int, float) or timeout < 0):
            raise _err(f"{who}: the time limit is a number of seconds, got {type_name(timeout)}", "type-error")
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.01
        while True:
            row = self.store.get_workflow(wf_id)
            if row is None:
                raise _err(f"{who}: no workflow has the id {wf_id!r}")
            if row["status"] in TERMINAL:
                break
            if deadline is not None and time.monotonic() > deadline:
                where = f" (assigned to node {row['module'][5:]})" if row["module"].startswith("node:") else ""
                raise _err(
                    f"{who}: workflow {wf_id} did not finish within {timeout:g} s (status {row['status']}{where}); "
                    f"turmeric workflows show {wf_id} says where it is"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 0.2)
        if row["status"] in ("succeeded", "failed") and row["output"]:
            v = fmt.decode(self.open(f"output:{wf_id}", row["output"]))
            if row["status"] == "failed":
                raise _remote(Thrown(v), row)
            return v
        raise _err(f"{who}: workflow {wf_id} was {row['status']}" + (f": {row['error']}" if row["error"] else ""))

    def send_bytes(self, node, data):
        if type(data) is not bytes:
            raise _err(f"send-to-node: expected bytes, got {type_name(data)}", "type-error")
        self.check_target("send-to-node", node)
        mid = os.urandom(16).hex()
        self.store.send("node:" + node, "bytes", self.seal(f"msg:node:{node}:bytes", data, MESSAGE))
        return mid


# --- the node ----------------------------------------------------------------------------------------


class Node(Client):
    """A named worker: claims the tasks of its name (and of down nodes) and runs them."""

    def __init__(self, name, db=None, session=None, lease=None, poll=None, log=None):
        super().__init__(db, lease)
        if not name or "/" in name or len(name) > 100:
            raise _err(f"bad node name {name!r}: a short name without '/'")
        self.name = name
        self.worker = f"{name}/{os.uname().nodename}/{os.getpid()}/{os.urandom(3).hex()}"
        self.poll = float(poll if poll is not None else os.environ.get("TURMERIC_POLL", 0.05))
        self.session = session
        self.trusted = frozenset()  # hex Ed25519 public keys whose agents this node runs (agents.py)
        self.log = log
        self._stop = threading.Event()
        self._hb = None
        self._engine = None
        self.ran = 0

    def say(self, msg):
        if self.log is not None:
            self.log(f"[{self.name}] {msg}")

    def join(self):
        st = self.store
        if not self.node_known(self.name):
            st.kv_put(KNOWN_NS, self.name, str(time.time()).encode())
        st.kv_put(NODE_NS, self.name, self.worker.encode(), ttl=self.lease)
        if self.session is not None:
            codestore.attach(self.session, st)
        from .. import durable

        # await-workflow / workflow-status inside a task talk to this database; the engine
        # only waits and reads here: a node runs its tasks, no durable workflow
        self._engine = durable.use_engine(durable.Engine(db=self.db, lease=self.lease))
        self._engine.modules_fn = frozenset
        hb = st.clone()

        def beat():
            while not self._stop.wait(self.lease / 4):
                try:
                    hb.kv_put(NODE_NS, self.name, self.worker.encode(), ttl=self.lease)
                    hb.heartbeat(self.worker, self.lease)
                except StoreError:
                    pass  # the database is restarting: the next beat or commit tries again
            hb.close()

        self._hb = threading.Thread(target=beat, name=f"turmeric-node-{self.name}", daemon=True)
        self._hb.start()
        self.say(f"joined as {self.worker}")

    def leave(self):
        self._stop.set()
        if self._hb is not None:
            self._hb.join(timeout=5)
        try:
            self.store.release(self.worker)
            self.store.kv_delete(NODE_NS, self.name)
        except StoreError:
            pass
        if self._engine is not None:
            self._engine.close()
        self.close()

    # --- claiming --------------------------------------------------------------------------------
    def down_nodes(self):
        live = set(self.live_nodes())
        return [n for n in self.known_nodes() if n not in live and n != self.name]

    def wake_parked(self):
        """Make runnable as many of this node's parked tasks as there are bytes waiting for it."""
        me = "node:" + self.name

        def q(tx):
            n = tx.one("SELECT COUNT(*) FROM tm_messages WHERE dest = ? AND topic = 'bytes'", (me,))[0]
            if not n:
                return 0
            busy = tx.one("SELECT COUNT(*) FROM tm_workflows WHERE module = ? AND status = 'running' AND wait_kind = ?", (me, PARKED))[0]
            want = n - busy
            if want <= 0:
                return 0
            ids = [
                r[0]
                for r in tx.all(
                    "SELECT id FROM tm_workflows WHERE module = ? AND status = 'waiting' AND wait_kind = ? ORDER BY updated LIMIT ?",
                    (me, PARKED, want),
                )
            ]
            for i in ids:
                tx.execute("UPDATE tm_workflows SET status = 'running' WHERE id = ? AND status = 'waiting'", (i,))
            return len(ids)

        return self.store.run(q)

    def claim(self):
        self.wake_parked()
        mods = {"node:" + self.name} | {"node:" + n for n in self.down_nodes()}
        rows = self.store.claim(self.worker, modules=mods, lease=self.lease, limit=4)
        for r in rows:
            if r["module"] != "node:" + self.name:
                # a down node's task: it is ours now
                self.store.run(
                    lambda tx, r=r: tx.execute(
                        "UPDATE tm_workflows SET module = ? WHERE id = ? AND owner = ?", ("node:" + self.name, r["id"], self.worker)
                    )
                )
                self.say(f"took over task {_short(r['id'])} from {r['module'][5:]} (down)")
                r["module"] = "node:" + self.name
        return rows

    def run_once(self):
        """Claim and run what is runnable now; returns how many tasks ran."""
        n = 0
        for row in self.claim():
            self.execute(row)
            n += 1
        return n

    def serve(self, until=None):
        """Run tasks until stopped (`until()` true, or SIGTERM via `stop`)."""
        while not self._stop.is_set() and not (until is not None and until()):
            try:
                if self.run_once() == 0:
                    time.sleep(self.poll)
            except StoreError as e:
                self.say(f"database unavailable, retrying: {e}")
                time.sleep(min(1.0, self.lease / 2))

    def stop(self):
        self._stop.set()

    # --- running a task ----------------------------------------------------------------------------
    def execute(self, row):
        wf_id = row["id"]
        st = self.store
        last = st.last_step(wf_id)
        run = TaskRun(wf_id)
        t_node = _NODE.set(self)
        t_task = _TASK.set(run)
        try:
            ctx = self.session.activate() if self.session is not None else _null()
            with ctx:
                try:
                    allowed = None
                    if row["name"] == agents.AGENT:
                        allowed = agents.allowed_code(self, wf_id)
                    if last is None:
                        blob = self.open(f"input:{wf_id}", row["input"])
                        if allowed is not None:
                            agents.check_blob(self, wf_id, blob, allowed)
                        f = fmt.decode(blob)
                    else:
                        run.n = last[0]
                        context = f"step:{wf_id}:{run.n}"
                        kb, vb = step_blobs(context, self.open(context, last[2]))
                        if allowed is not None:
                            agents.check_blob(self, wf_id, kb, allowed)
                            agents.check_blob(self, wf_id, vb, allowed)
                        k, v = fmt.decode(kb), fmt.decode(vb)
                        if not isinstance(k, control.Continuation):
                            raise _err(f"{context} does not hold a continuation", "corrupt-data")
                        if last[1] == K_AWAIT:  # parked in await-workflow: v is the awaited id
                            out = self._awaited(v)
                            if out is None:  # claimed early (a take-over, a restart): wait again
                                self.store.commit(wf_id, self.worker, status="waiting", wait=(CHILD, v, None), release=True)
                                return
                            self._checkpoint(run, k, out)
                            v = out
                        if last[1] == K_PARKED:  # parked in receive-bytes: take the bytes now
                            got = self._take()
                            if got is None:
                                self.store.commit(wf_id, self.worker, status="waiting", wait=(PARKED, None, None), release=True)
                                return
                            self._checkpoint(run, k, got[1], consume=got[0])
                            v = got[1]
                        f = k.entry(v)
                    result = self._prompt(f, run)
                except Thrown as e:
                    self._finish(wf_id, "failed", e.value, self._where(e))
                    return
                except agents.AgentRefused as e:
                    self.say(f"refused agent: {e}")
                    self._finish(wf_id, "failed", make_error("error", str(e)))
                    return
                except control.BarrierError as e:
                    self._finish(wf_id, "failed", make_error("continuation-barrier", e.fname))
                    return
                except _Stop as s:
                    self.say(f"task {_short(wf_id)}: {s.why}")
                    return
                except RecursionError:
                    self._finish(wf_id, "failed", make_error("error", "stack overflow"))
                    return
                except StoreError:
                    raise  # the database is away: serve() retries; the task resumes from its last checkpoint
                except Exception as e:  # a runtime error in the task's code
                    from ..runtime.errors import thrown_value

                    self._finish(wf_id, "failed", thrown_value(e), self._where(e))
                    return
            if result is not _MOVED:
                self._finish(wf_id, "succeeded", result)
        finally:
            _TASK.reset(t_task)
            _NODE.reset(t_node)
            self.ran += 1

    def _where(self, e):
        """Where on this node a task's error was thrown, and why if the reason is the node's:
        "thrown at FILE:LINE:COL on node N[; hint]" (the row's error says it after a newline;
        await-workflow and await-task show it as the error's hint)."""
        from ..runtime.errors import message_of, thrown_at, thrown_value, turmeric_stack

        where = thrown_at(e, turmeric_stack(e.__traceback__))
        note = (f"thrown at {where}" if where else "thrown") + f" on node {self.name}"
        v = thrown_value(e)
        if type_name(v) == "unbound-global" and self.session is not None:
            name = message_of(v)
            for m in list(self.session.modules.values()):
                skipped = getattr(m, "skipped", {})
                if name in skipped:
                    pos = skipped[name]
                    at = f"at {pos.file}:{pos.line}:{pos.col}" if pos is not None else f"in {m.file or m.name}"
                    note += (
                        f"; {name} is defined {at} by a def whose value a worker does not "
                        "compute (a worker loads its file's definitions only: defn, and defs of literals or fns): "
                        "compute it in a function, or make it a literal"
                    )
                    break
            else:
                note += (
                    f"; node {self.name} defines no {name}: start it with the program that does (turmeric worker --name {self.name} FILE)"
                )
        return note

    def _finish(self, wf_id, status, value, where=None):
        try:
            out = self.seal(f"output:{wf_id}", fmt.encode(value))
        except Thrown as e:
            status = "failed"
            value = e.value
            out = self.seal(f"output:{wf_id}", fmt.encode(e.value))
        err = (display(value) + (f"\n{where}" if where else "")) if status == "failed" else None
        r = self.store.commit(wf_id, self.worker, status=status, output=out, error=err, release=True)
        self.say(f"task {_short(wf_id)} {status if r == 'ok' else 'lost: ' + r}")

    def _checkpoint(self, run, k, v, move_to=None, consume=None, park=False, awaiting=None):
        wf_id = run.id
        n = run.n + 1
        rec = step_record(k, v)
        data = self.seal(f"step:{wf_id}:{n}", rec)
        kb, vb = ck.split_main(ck.parse(rec)[3])
        recs = codestore.records_for(kb, self.session)
        recs.update(codestore.records_for(vb, self.session))
        st = self.store
        worker = self.worker
        at = int(time.time() * 1000)
        if move_to is None:
            if recs:
                st.code_put("wf:" + wf_id, [(h, d, m, fns) for h, (d, m, fns) in recs.items()])
            if park:
                kw = {"status": "waiting", "wait": (PARKED, None, None), "release": True}
                kind = K_PARKED
            elif awaiting is not None:  # v is the awaited id: the claim wakes the task when it finished
                kw = {"status": "waiting", "wait": (CHILD, awaiting, None), "release": True}
                kind = K_AWAIT
            else:
                kw = {"status": "running", "consume": consume}
                kind = K_RECEIVED if consume is not None else K_CHECKPOINT
            r = st.commit(wf_id, worker, step=(n, kind, None, at, None, data), lease=self.lease, **kw)
            if r != "ok":
                raise _Stop(f"checkpoint {n} refused ({r}): another node holds the task, or it was cancelled")
            run.n = n
            run.spawned = 0
            return

        def q(tx):
            row = tx.one("SELECT status, owner FROM tm_workflows WHERE id = ?" + st.dialect["for_update"], (wf_id,))
            if row is None or row[1] != worker or row[0] == "cancelled":
                return "lost" if row is None or row[0] != "cancelled" else "cancelled"
            st.put_chunks_tx(tx, "wf:" + wf_id, {h: d for h, (d, _, _) in recs.items()})
            for h, (_, m, fns) in recs.items():
                for sym, fp in fns:
                    tx.execute(
                        "INSERT INTO tm_code (symbol, fingerprint, hash, module, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT (symbol, fingerprint) DO NOTHING",
                        (sym, fp, h, m, time.time()),
                    )
            tx.execute(
                "INSERT INTO tm_steps (workflow, n, kind, line, at, us, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (wf_id, n, K_MIGRATE, None, at, None, data),
            )
            tx.execute(
                "UPDATE tm_workflows SET module = ?, owner = NULL, lease_until = NULL, status = 'running', updated = ? WHERE id = ?",
                ("node:" + move_to, time.time(), wf_id),
            )
            return "ok"

        r = st.run(q)
        if r != "ok":
            # 'lost' after a commit whose answer the database lost (a restart): the task moved already
            raise _Stop(f"migration to {move_to} not committed here ({r}): another node holds the task, or it moved already")
        run.n = n
        run.spawned = 0
        self.say(f"task {_short(wf_id)} -> {move_to}")

    def _prompt(self, thunk, run):
        f = thunk
        while True:
            try:
                r = f()
            except control.Capture as c:
                k = control.Continuation(tuple(c.frames))
                body = c.body
                if not isinstance(body, Op):
                    f = _bind1(body, k)
                    continue
                if body.kind == "migrate-to":
                    if body.arg == self.name:
                        f = k.entry(None)
                        continue
                    self._checkpoint(run, k, None, move_to=body.arg)
                    return _MOVED
                if body.kind == "task-checkpoint":
                    self._checkpoint(run, k, None)
                    f = k.entry(None)
                    continue
                if body.kind == "receive-bytes":
                    if body.arg is None:
                        got = self._take()
                        if got is None:  # nothing yet: park the task (a checkpoint) and run others
                            self._checkpoint(run, k, None, park=True)
                            return _MOVED
                    else:
                        got = self._receive(body.arg)
                    mid, data = got
                    self._checkpoint(run, k, data, consume=mid)
                    f = k.entry(data)
                    continue
                if body.kind == "await-workflow":
                    out = self._awaited(body.arg)
                    if out is None:  # not finished: park the task (a checkpoint) and run others
                        self._checkpoint(run, k, body.arg, awaiting=body.arg)
                        return _MOVED
                    f = k.entry(out)
                    continue
                raise _err(f"unknown cluster operation {body.kind}")
            except control.ThrowCapture as tc:
                raise Thrown(tc.value, tc.pos) from None
            if type(r) is control.TailContinue:
                f = r.k.entry(r.v)
                continue
            return r

    def _awaited(self, wf_id):
        """The outcome `[ok value]` of workflow `wf_id` (what await-workflow unwraps) once it
        finished, else None."""
        row = self.store.get_workflow(wf_id)
        if row is None:
            return pvector([False, make_error("error", f"await-workflow: no workflow has the id {wf_id!r}")])
        status = row["status"]
        if status not in TERMINAL:
            return None
        if status in ("succeeded", "failed") and row["output"]:
            return pvector([status == "succeeded", fmt.decode(self.open(f"output:{wf_id}", row["output"]))])
        if status == "succeeded":
            return pvector([True, None])
        return pvector([False, make_error("error", f"workflow {wf_id} was {status}" + (f": {row['error']}" if row["error"] else ""))])

    def _take(self):
        got = self.store.peek_message("node:" + self.name, "bytes")
        if got is None:
            return None
        mid, blob = got
        return mid, self.open(f"msg:node:{self.name}:bytes", blob, MESSAGE)

    def _receive(self, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            got = self._take()
            if got is not None:
                return got
            if self._stop.is_set():
                raise _Stop("stopping while waiting for bytes")
            if deadline is not None and time.monotonic() > deadline:
                raise _err(f"receive-bytes: nothing arrived for node {self.name} within {timeout:g} s; send it with send-to-node")
            time.sleep(self.poll)


class _Stop(Exception):
    def __init__(self, why):
        super().__init__(why)
        self.why = why


_MOVED = object()


class _null:
    def __enter__(self):
        return None

    def __exit__(self, *a):
        return False


def _short(wf_id):
    """A task id for the node's log: 8 hex digits, and a spawned task's `/N.I` suffix (its
    parent's id is its prefix, so 8 digits alone would name the parent)."""
    i = wf_id.find("/")
    return wf_id[:8] if i < 0 else wf_id[: min(i, 8)] + wf_id[i:]


def _bind1(f, x):
    return lambda: f(x)


# --- the builtins --------------------------------------------------------------------------------------

_CLIENTS: dict = {}  # database URL -> Client, per process (a node uses itself)


def client():
    node = _NODE.get()
    if node is not None:
        return node
    url = os.environ.get("TURMERIC_DB")
    c = _CLIENTS.get(url)
    if c is None:
        c = _CLIENTS[url] = Client(url)
    return c


def migrate_to(node):
    """`(migrate-to "node-b")`: continue this task on node-b."""
    if _TASK.get() is None:
        raise _err("migrate-to: not inside a cluster task (start one with spawn-on, on a node started with turmeric worker --name)")
    me = _NODE.get()
    if node != me.name:
        me.check_target("migrate-to", node)
    _suspend("migrate-to", node)


def task_checkpoint():
    """`(task-checkpoint)`: commit this task's continuation; a crash restarts it from here."""
    if _TASK.get() is None:
        return None
    _suspend("task-checkpoint")


def receive_bytes(timeout=None):
    """`(receive-bytes)` / `(receive-bytes seconds)`: the next bytes sent to this node."""
    if _TASK.get() is None:
        raise _err("receive-bytes: not inside a cluster task; a node receives bytes for the tasks it runs")
    if timeout is not None and (type(timeout) not in (int, float) or timeout < 0):
        raise _err("receive-bytes: the timeout is a number of seconds", "type-error")
    _suspend("receive-bytes", timeout)


def current_node():
    """`(current-node)`: the name of the node running this code, "local" outside a node."""
    n = _NODE.get()
    return n.name if n is not None and _TASK.get() is not None else "local"


def spawn_on(node, thunk):
    """`(spawn-on "node-b" thunk)`: start (thunk) as a workflow on node-b; its id, for await-workflow."""
    return client().spawn(node, thunk)


def spawn_agent(node, thunk):
    """`(spawn-agent "node-a" thunk)`: like spawn-on, the code signed with $TURMERIC_AGENT_KEY."""
    return agents.spawn_agent(client(), node, thunk)


def await_task(wf_id, timeout=None):
    """`(await-task id seconds)`: await-workflow with a time limit (its error is thrown here)."""
    return client().result(wf_id, timeout)


def _remote(thrown, row):
    """`thrown` (a task's error, thrown again where it is awaited) with the node's note on it
    as its hint: where on which node it was thrown (the row's error, after its first line)."""
    err = row.get("error") or ""
    if "\n" in err:
        thrown.hint = err.split("\n", 1)[1]
    return thrown


def _await_result(durable_result):
    """#await-result: durable's, and a failed task's node note as the thrown error's hint."""

    def await_result(outcome):
        if len(outcome) == 3 and outcome[0] is False:
            t = Thrown(outcome[1])
            t.hint = outcome[2]
            raise t
        return durable_result(outcome)

    await_result.__name__ = durable_result.__name__
    return await_result


def _task_await(durable_await):
    """`(await-workflow id)` inside a task parks the task (a checkpoint, status waiting, like
    a durable workflow's await) instead of holding the node's thread; the node's claim wakes
    it once that workflow finished. Elsewhere it is durable's await-workflow."""

    def await_workflow(wf_id, *opts):
        node = _NODE.get()
        if _TASK.get() is None or node is None:
            out = durable_await(wf_id, *opts)
            if out[0] is False and type(wf_id) is str:  # where on which node it failed, as its hint
                from ..durable import current_engine

                row = current_engine().store.get_workflow(wf_id)  # the store durable's await just read
                err = (row or {}).get("error") or ""
                if "\n" in err:
                    return pvector([False, out[1], err.split("\n", 1)[1]])
            return out
        if type(wf_id) is not str:
            raise _err(f"await-workflow: the workflow id must be a string, got {type_name(wf_id)}", "type-error")
        if opts:
            raise _err("await-workflow takes a workflow id and no options (await-task id seconds bounds the wait)")
        if node.store.get_workflow(wf_id) is None:
            raise _err(f"await-workflow: no workflow has the id {wf_id!r}")
        _suspend("await-workflow", op=_AwaitOp(wf_id, lambda: durable_await(wf_id)))

    await_workflow.__name__ = durable_await.__name__
    return await_workflow


def _task_workflow_id(durable_workflow_id):
    def workflow_id():
        """`(workflow-id)`: the id of the workflow (or cluster task) running this code."""
        run = _TASK.get()
        if run is not None and _NODE.get() is not None:
            return run.id
        return durable_workflow_id()

    workflow_id.__name__ = "workflow-id"
    return workflow_id


def send_to_node(node, data):
    """`(send-to-node "node-b" bytes)`: queue bytes for node-b's receive-bytes."""
    client().send_bytes(node, data)
    return None


def cluster_nodes():
    """`(cluster-nodes)`: the names of the live nodes."""
    from ..core.values import plist

    return plist(client().live_nodes())


def install():
    """Add the cluster builtins (`builtins.install`: this module is imported at their first call)."""
    from .builtins import install as install_builtins

    install_builtins()
