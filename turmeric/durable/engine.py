"""The engine: runs workflows from the store, commits their checkpoints, recovers them.

One `Engine` per process (or per worker thread of a server): it owns a store
connection, a worker id and the leases it holds (renewed by a heartbeat thread with
its own connection). It runs each workflow on one thread (the calling one, or one
of its lanes: threads with a connection each, so several workflows' commits
overlap; see `run_once`), under a prompt of its own (`_prompt`): each durable operation (a step, a sleep, a receive,
...) raises a capture whose body is a `DurableOp`; when the capture reaches the
prompt, the frames of the whole workflow are the continuation `k`, and the engine
commits `k` with the value to resume it with in one transaction, then either
continues `k` at once (a step) or returns, leaving the workflow suspended in the
store (a sleep, a wait).

Recovery reads the latest step row (and the base row its delta refers to): never the
history. See docs/workflows.md for the guarantees.
"""

from __future__ import annotations

import os
import threading
import time

from ..core.errors import make_error
from ..core.registry import CODES
from ..core.values import PVector, Struct, Thrown, pvector
from ..loader import codestore
from ..runtime import control
from ..runtime.printer import display
from ..serialization import format as fmt
from ..store import TERMINAL, StoreError, open_store
from . import checkpoint as ck
from .ops import MARKER, OP_NAMES, STOP, DurableOp, current_frame_line  # noqa: F401  (re-exported)
from .seal import Tampered, load_key, seal, unseal


class StopRun(Exception):
    """The run can't go on here: the lease was lost, the workflow cancelled, or the worker stops."""

    def __init__(self, why):
        super().__init__(why)
        self.why = why


class Blocked(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


SUSPENDED = object()  # what the prompt returns when the workflow waits in the store


def workflow_info(f):
    """The FnInfo of a defworkflow function value, or None."""
    code = getattr(f, "__code__", None)
    info = CODES.get(code) if code is not None else None
    if info is None or info.code is None:
        return None
    if not any(MARKER in n for n in info.code.co_names):
        return None
    return info


class Run:
    """One workflow executing in this process."""

    __slots__ = ("id", "row", "n", "base", "chunker", "in_step", "status", "code_seen")

    def __init__(self, row):
        self.id = row["id"]
        self.row = row
        self.n = 0
        self.base = None
        self.chunker = ck.Chunker()
        self.in_step = False
        self.status = row["status"]
        self.code_seen = set()  # (symbol, fingerprint) whose code this run already kept


def _proc_start(pid):
    """When process `pid` started (clock ticks since boot, from /proc), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2 :].split()[19].decode()
    except (OSError, ValueError, IndexError):
        return None


def _owner_alive(pid, start):
    """Is the process that wrote an owner `host/pid/start-token` (this host) still running?
    A pid now used by a process that started at another time is a dead owner's."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if start:
        now_start = _proc_start(pid)
        if now_start is not None and now_start != start:
            return False
    return True


class Engine:
    def __init__(self, db=None, lease=None, poll=None, base_dir=None, lanes=None):
        self.db = db
        self._store = None
        # how many claimed workflows run at once (each on its own thread and connection,
        # so their commits overlap); None: TURMERIC_LANES, else 8 on PostgreSQL, 1 on SQLite
        # (whose writers take turns on one lock anyway)
        self._lanes_wanted = lanes
        self._lanes = []  # the lane engines, made on first use
        self.key = None
        self.host = os.uname().nodename
        # host/pid/start-token: a process on this host that finds the lease of a dead owner
        # (its pid gone, or reused by a process started at another time) takes it at once
        pid = os.getpid()
        self.worker = f"{self.host}/{pid}/{_proc_start(pid) or 0}-{os.urandom(4).hex()}"
        self.lease = float(lease if lease is not None else os.environ.get("TURMERIC_LEASE", 15))
        self.poll = float(poll if poll is not None else os.environ.get("TURMERIC_POLL", 0.05))
        self.base_dir = base_dir
        self.current = None
        self._hb = None
        self._hb_stop = threading.Event()
        self._last_sweep = 0.0
        self.modules_fn = None  # () -> set of module names whose workflows this engine runs
        self.log = None  # callable(str) for progress lines (worker), or None

    # --- store ---------------------------------------------------------------------------
    @property
    def opened(self):
        return self._store is not None

    @property
    def store(self):
        if self._store is None:
            st = open_store(self.db)
            self.key = load_key(st.backend, st.describe())
            self._store = st
            self._start_heartbeat()
            self.sweep_dead(force=True)
        return self._store

    def _start_heartbeat(self):
        main = self._store

        def beat():
            # the heartbeat's own connection is opened here, off the path to the first step
            hb_store = None
            while not self._hb_stop.wait(self.lease / 3):
                try:
                    if hb_store is None:
                        hb_store = main.clone()
                    hb_store.heartbeat(self.worker, self.lease)
                except StoreError:
                    pass  # the next commit reports a lasting problem
            if hb_store is not None:
                hb_store.close()

        self._hb = threading.Thread(target=beat, name="turmeric-heartbeat", daemon=True)
        self._hb.start()

    def close(self):
        """Hand over every lease at once (another worker may take them now) and disconnect."""
        if self._store is None:
            return
        for lane in self._lanes:
            lane._store.close()
        self._lanes = []
        self._hb_stop.set()
        if self._hb is not None:
            self._hb.join(timeout=10)
        try:
            self._store.release(self.worker)
        except StoreError:
            pass
        self._store.close()
        self._store = None

    def sweep_dead(self, force=False):
        """Clear the leases of owners on this host whose process is gone (a crash or a kill)."""
        t = time.monotonic()
        if not force and t - self._last_sweep < 1.0:
            return
        self._last_sweep = t
        for owner in self._store.owners():
            parts = owner.split("/")
            if len(parts) == 3 and parts[0] == self.host and owner != self.worker and parts[1].isdigit():
                start = parts[2].split("-")[0] if "-" in parts[2] else None
                if not _owner_alive(int(parts[1]), None if start == "0" else start):
                    self._store.clear_owner(owner)

    def code_id(self):
        from .. import loader
        from ..core.digest import blake2b

        text = "|".join(f"{n}:{m.current_version()}" for n, m in sorted(loader.MODULES.items()))
        return blake2b(text.encode(), digest_size=8).hexdigest()

    def modules(self):
        if self.modules_fn is not None:
            return self.modules_fn()
        from .. import loader

        return {n for n in loader.MODULES if n != "prelude"}

    # --- encoding ------------------------------------------------------------------------
    def sealed_value(self, context, v):
        return seal(self.key, context, fmt.encode(v))

    def open_value(self, context, blob):
        try:
            data = unseal(self.key, context, blob)
        except Tampered:
            raise Thrown(make_error("corrupt-data", f"signature mismatch in {context} (a row written by hand or altered)")) from None
        return fmt.decode(data, self.base_dir)

    # --- starting -------------------------------------------------------------------------
    def check_workflow(self, f, args, who="start-workflow"):
        info = workflow_info(f)
        if info is None:
            if isinstance(f, str):
                raise Thrown(make_error("error", f"{who}: expected a workflow (a defworkflow function), got the string {f!r}"))
            raise Thrown(make_error("error", f"{who}: {display(f)} is not a workflow: define it with defworkflow"))
        np = len(info.params)
        if (info.rest is None and len(args) != np) or (info.rest is not None and len(args) < np):
            want = f"{np}" if info.rest is None else f"at least {np}"
            raise Thrown(
                make_error("arity-error", f"{who}: workflow {info.symbol} takes {want} argument{'s' * (np != 1)}, got {len(args)}")
            )
        return info

    def new_input(self, wf_id, args):
        return self.sealed_value(f"input:{wf_id}", pvector(args))

    def start(self, f, args, wf_id=None):
        """Start a workflow from outside any workflow; the same id again starts nothing."""
        args = list(args)
        info = self.check_workflow(f, args)
        wf_id = wf_id or os.urandom(16).hex()
        st = self.store
        try:
            inp = self.new_input(wf_id, args)
        except Thrown as e:
            raise _not_serializable_args(e, info) from None
        st.create_workflow(wf_id, info.symbol, info.module, inp)
        return wf_id

    # --- the prompt -------------------------------------------------------------------------
    def _prompt(self, thunk, run):
        f = thunk
        while True:
            try:
                r = f()
            except control.Capture as c:
                k = control.Continuation(tuple(c.frames))
                body = c.body
                if type(body) is DurableOp:
                    r = self.at_root(run, body, k)
                else:
                    f = _bind1(body, k)
                    continue
            except control.ThrowCapture as tc:
                raise Thrown(tc.value, tc.pos) from None
            if type(r) is control.TailContinue:
                f = r.k.entry(r.v)
                continue
            return r

    # --- commits ------------------------------------------------------------------------------
    def commit_point(self, run, k, v, kind, line=None, t0=None, **extra):
        """Commit (k, v) as step n+1 of the run, with `extra` effects, in one transaction."""
        try:
            k2, v2, refs, chunks = ck.split(k, v, run.chunker)
            main = ck.main_bytes(k2, v2)
        except Thrown as e:
            raise _not_serializable_checkpoint(e, kind, line) from None
        rec, full = ck.record(main, refs, run.base)
        code = self.code_rows(run, main)
        n = run.n + 1
        data = seal(self.key, f"step:{run.id}:{n}", rec)
        t = time.time()
        us = int((time.perf_counter() - t0) * 1e6) if t0 is not None else None
        if "status" not in extra and run.status != "running":
            extra["status"] = "running"
        r = self._store.commit(
            run.id, self.worker, step=(n, kind, line, int(t * 1000), us, data), chunks=chunks, lease=self.lease, code=code, **extra
        )
        if r != "ok":
            raise StopRun(r)
        if code:
            run.code_seen.update(p for _, _, _, fns in code for p in fns)
        run.chunker.stored.update(chunks)
        run.n = n
        if full:
            run.base = (n, main)
        if "status" in extra:
            run.status = extra["status"]
        if STOP.is_set():
            raise StopRun("stopping")

    def code_rows(self, run, main):
        """The code records of the functions checkpoint `main` names that this run has not kept
        yet (docs/versioning.md): committed with the checkpoint, so a deploy never strands it."""
        kb, vb = ck.split_main(main)
        seen = run.code_seen
        names = [p for p in codestore.fn_entries(kb, True) + codestore.fn_entries(vb, True) if p not in seen]
        if not names:
            return None
        recs = codestore.records_for(None, names=names)
        seen.update(names)  # runtime and prelude functions have no record: never asked again
        return codestore.as_rows(recs) or None

    def code_find(self, symbol, fingerprint):
        """The code store, as a source of old versions for the sessions this engine resumes in."""
        return self.store.code_find(symbol, fingerprint)

    def at_root(self, run, op, k):
        kind = op.kind
        st = self._store
        if kind == "s":
            self.commit_point(run, k, op.value, "s", op.line, op.t0)
            return control.TailContinue(k, op.value)
        if kind == "z":
            secs = op.value
            self.commit_point(run, k, None, "z", op.line, status="sleeping", wake_at=time.time() + secs, release=True)
            return SUSPENDED
        if kind == "e":
            key, value = op.args
            blob = self.sealed_value(f"event:{run.id}:{key}", value)
            self.commit_point(run, k, None, "e", op.line, events=[(key, blob)])
            return control.TailContinue(k, None)
        if kind == "m":
            dest, topic, value = op.args
            blob = self.sealed_value(f"msg:{dest}:{topic}", value)
            self.commit_point(run, k, None, "m", op.line, messages=[(dest, topic, blob)])
            return control.TailContinue(k, None)
        if kind == "c":
            info, args, cid = op.args
            if st.get_workflow(cid) is not None:
                # the same id again starts nothing (it may be this workflow's own earlier child)
                self.commit_point(run, k, cid, "c", op.line)
            else:
                self.commit_point(run, k, cid, "c", op.line, children=[(cid, info.symbol, info.module, self.new_input(cid, args))])
            return control.TailContinue(k, cid)
        # the waiting kinds: receive, await a child, get an event
        deadline = op.args[-1]
        got = self.poll_wait(run, kind, op.args)
        if got is not None:
            value, consume = got
            self.commit_point(run, k, value, kind, op.line, consume=consume)
            return control.TailContinue(k, value)
        if deadline is not None and deadline <= time.time():
            self.commit_point(run, k, None, kind, op.line)
            return control.TailContinue(k, None)
        wait = {"r": ("msg", op.args[0], None), "a": ("child", op.args[0], None), "g": ("event", op.args[0], op.args[1])}[kind]
        self.commit_point(run, k, None, "w" + kind, op.line, status="waiting", wait=wait, wake_at=deadline, release=True)
        return SUSPENDED

    def poll_wait(self, run, kind, args):
        """(value, message id to consume) if what the workflow waits for is there, else None."""
        st = self._store
        if kind == "r":
            m = st.peek_message(run.id, args[0])
            if m is None:
                return None
            return self.open_value(f"msg:{run.id}:{args[0]}", m[1]), m[0]
        if kind == "a":
            row = st.get_workflow(args[0])
            if row is None or row["status"] not in TERMINAL:
                return None
            return self.outcome(row), None
        if kind == "g":
            blob = st.get_event(args[0], args[1])
            if blob is None:
                return None
            return self.open_value(f"event:{args[0]}:{args[1]}", blob), None
        raise AssertionError(kind)

    def outcome(self, row):
        """[#t result] or [#f error] of a finished workflow (what await-workflow unwraps)."""
        if row["status"] == "succeeded":
            return pvector([True, self.open_value(f"output:{row['id']}", row["output"]) if row["output"] else None])
        if row["status"] == "failed" and row["output"]:
            return pvector([False, self.open_value(f"output:{row['id']}", row["output"])])
        return pvector(
            [False, make_error("error", f"workflow {row['id']} was {row['status']}" + (f": {row['error']}" if row["error"] else ""))]
        )

    # --- executing ------------------------------------------------------------------------------
    def prepare(self, run):
        """The thunk that continues the run from its latest checkpoint (or starts it)."""
        st = self._store
        row = run.row
        # a pending workflow has committed no step (its first commit makes it running, in the
        # same transaction): no need to look for a checkpoint
        last = None if row["status"] == "pending" else st.last_step(run.id)
        if last is None:
            f = self._workflow_fn(row["name"], row["module"])
            args = self.open_value(f"input:{run.id}", row["input"]) if row["input"] else pvector([])
            args = list(args)
            return lambda: f(*args)
        n, kind, data = last
        k, v = self.load_checkpoint(run, n, data)
        run.n = n
        if kind.startswith("w"):  # the latest checkpoint waits for a value (a message, a child, an event)
            wk = kind[1:]
            wargs = (row["wait_a"], row["wait_b"])
            got = self.poll_wait(run, wk, wargs)
            if got is None:
                if row["wake_at"] is None or row["wake_at"] > time.time():
                    if row["status"] != "waiting":  # e.g. unblocked by compatible code: wait again
                        wait = (row["wait_kind"], row["wait_a"], row["wait_b"])
                        st.commit(run.id, self.worker, status="waiting", wait=wait, wake_at=row["wake_at"], release=True)
                    return None  # nothing arrived yet
                got = (None, None)
            value, consume = got
            self.commit_point(run, k, value, wk, None, consume=consume, status="running")
            v = value
        elif row["status"] in ("sleeping", "waiting", "blocked", "pending"):
            st.commit(run.id, self.worker, status="running", lease=self.lease)
            run.status = "running"
        return k.entry(v)

    def load_checkpoint(self, run, n, data):
        try:
            rec = unseal(self.key, f"step:{run.id}:{n}", data)
            kind, base_n, refs, payload = ck.parse(rec)
            if kind == ck.DELTA:
                b = self._store.get_step(run.id, base_n)
                if b is None:
                    raise ck.BadRecord(f"the base checkpoint {base_n} is missing")
                brec = unseal(self.key, f"step:{run.id}:{base_n}", b[2])
                bkind, _, _, bmain = ck.parse(brec)
                if bkind != ck.FULL:
                    raise ck.BadRecord("a delta's base is not a full checkpoint")
                main = ck.inflate(payload, bmain)
                run.base = (base_n, bmain)
            else:
                main = payload
                run.base = (n, main)
            kb, vb = ck.split_main(main)
            from .. import loader

            codestore.attach(loader.current_session(), self)  # frames of changed functions run their stored code
            k = fmt.decode(kb, self.base_dir)
            v = fmt.decode(vb, self.base_dir)
            if refs:
                blobs = self._store.chunks_get([h for _, _, h in refs])
                vals = {}
                for h in {h for _, _, h in refs}:
                    if h not in blobs:
                        raise ck.BadRecord(f"chunk {h.hex()} is missing")
                    vals[h] = fmt.decode(blobs[h], self.base_dir)
                k, v = ck.restore(k, v, refs, vals)
                for _, _, h in refs:
                    run.chunker.stored.add(h)
                for slot, i, h in refs:
                    x = v if slot == 0 else k.frames[slot - 1][2][i]
                    run.chunker.known[id(x)] = (x, h)
        except Tampered:
            raise Blocked(f"checkpoint {n} fails its signature check (the row was altered or written by hand)") from None
        except ck.BadRecord as e:
            raise Blocked(f"checkpoint {n} is malformed: {e}") from None
        except Thrown as e:
            raise Blocked(_unavailable(e.value)) from None
        if not isinstance(k, control.Continuation):
            raise Blocked(f"checkpoint {n} does not hold a continuation")
        return k, v

    def _workflow_fn(self, symbol, module):
        from .. import loader

        mod = loader.MODULES.get(module)
        if mod is None:
            try:
                mod = loader.import_module(module, self.base_dir, definitions_only=True)
            except Exception:
                raise Blocked(display(make_error("missing-function", symbol))) from None
        short = symbol[len(module) + 1 :] if symbol.startswith(module + ".") else symbol
        f = mod.ns.get(short)
        if f is None or workflow_info(f) is None:
            raise Blocked(display(make_error("missing-function", symbol)))
        return f

    def execute(self, row):
        """Run one claimed workflow until it finishes, fails, suspends or can't go on here."""
        st = self._store
        run = Run(row)
        prev = self.current
        self.current = run
        try:
            try:
                try:
                    thunk = self.prepare(run)
                except (Blocked, StopRun, StoreError):
                    raise
                except Exception as e:  # never drop a workflow over a checkpoint this code can't load
                    raise Blocked(f"its checkpoint can't be loaded: {type(e).__name__}: {e}") from None
            except Blocked as b:
                st.block(run.id, self.worker, b.reason, self.code_id())
                self._say(f"{run.id}: blocked: {b.reason}")
                return "blocked"
            except StopRun as s:
                return s.why
            if thunk is None:
                st.release(self.worker, run.id)
                return "waiting"
            try:
                r = self._prompt(thunk, run)
            except StopRun as s:
                if s.why in ("stopping",):
                    st.release(self.worker, run.id)
                return s.why
            except Thrown as e:
                return self._fail(run, e.value)
            except StoreError:
                raise
            except Exception as e:  # a runtime error in the workflow's code
                from ..runtime.errors import thrown_value

                return self._fail(run, thrown_value(e))
            if r is SUSPENDED:
                return "suspended"
            try:
                out = self.sealed_value(f"output:{run.id}", r)
            except Thrown as e:
                return self._fail(run, make_error("error", f"the workflow's result can't be saved: {display(e.value)}"))
            # a finished workflow lets go of its code: versions no one else refers to go now
            if st.commit(run.id, self.worker, status="succeeded", output=out, release=True, drop_code=True) == "ok":
                self._say(f"{run.id}: succeeded")
                return "succeeded"
            return "lost"
        finally:
            self.current = prev

    def _fail(self, run, err):
        try:
            out = self.sealed_value(f"output:{run.id}", err)
        except Thrown:
            out = None
        text = display(err)
        r = self._store.commit(run.id, self.worker, status="failed", output=out, error=text, release=True)
        self._say(f"{run.id}: failed: {text}")
        return "failed" if r == "ok" else r

    def _say(self, msg):
        if self.log is not None:
            self.log(msg)

    # --- scheduling ---------------------------------------------------------------------------
    def run_once(self, only=None):
        """Claim and run what is runnable now; returns how many workflows ran."""
        st = self.store
        if STOP.is_set():  # stopping: claim nothing (a claim released at once would loop)
            return 0
        self.sweep_dead()
        lanes = self.lanes()
        rows = st.claim(self.worker, self.modules(), self.lease, limit=max(4, lanes), code_id=self.code_id(), only=only)
        if lanes > 1 and len(rows) > 1:
            self._run_lanes(rows, lanes)
            return len(rows)
        self._run_rows(self, rows)
        return len(rows)

    def _run_rows(self, eng, rows):
        for i, row in enumerate(rows):
            if STOP.is_set():
                for rest in rows[i:]:
                    eng._store.release(self.worker, rest["id"])
                break
            eng.execute(row)

    def lanes(self):
        if self._lanes_wanted is None:
            env = os.environ.get("TURMERIC_LANES")
            self._lanes_wanted = max(1, int(env)) if env else (8 if self.store.backend == "postgres" else 1)
        return self._lanes_wanted

    def _lane(self, i):
        """Lane i: an engine with this one's worker id, key and settings and a connection of
        its own. It holds no leases of its own: this engine's heartbeat renews them all (they
        are all this worker's), and the next claim waits until every lane is done, so each
        claimed workflow runs on exactly one lane."""
        while len(self._lanes) <= i:
            lane = Engine.__new__(Engine)
            lane.__dict__.update(self.__dict__)
            lane._lanes = []
            lane._lanes_wanted = 1
            lane._hb = None
            lane.current = None
            lane._store = self._store.clone()
            self._lanes.append(lane)
        return self._lanes[i]

    def _run_lanes(self, rows, lanes):
        """Run the claimed rows on up to `lanes` threads at once, each its own connection."""
        import contextvars

        from .lang import use_engine

        groups = [rows[i::lanes] for i in range(min(lanes, len(rows)))]
        errors = []

        def work(lane, group):
            use_engine(lane)
            try:
                self._run_rows(lane, group)
            except BaseException as e:  # reported on the calling thread
                errors.append(e)

        threads = []
        for i, group in enumerate(groups):
            lane = self._lane(i)
            ctx = contextvars.copy_context()  # the caller's settings; the lane's engine in its own copy
            t = threading.Thread(target=ctx.run, args=(work, lane, group), name=f"turmeric-lane-{i}", daemon=True)
            threads.append(t)
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    def run_until(self, done, only=None, deadline=None):
        """Run workflows of the loaded modules until `done()` (or the deadline passes)."""
        while not done():
            if STOP.is_set():
                raise KeyboardInterrupt
            if deadline is not None and time.time() >= deadline:
                return False
            if self.run_once(only) == 0:
                time.sleep(self.poll)
        return True

    def unfinished(self):
        """Workflows of the loaded modules that are neither finished nor blocked."""
        mods = self.modules()
        return [
            r
            for r in self.store.list_workflows(limit=100000)
            if r["module"] in mods and r["status"] not in TERMINAL and r["status"] != "blocked"
        ]

    def drain(self, say=None):
        """Run until every workflow of the loaded modules is finished or blocked (turmeric run)."""
        told = set()
        while True:
            left = self.unfinished()
            if not left:
                return
            if self.run_once() == 0:
                for r in left:
                    if say and r["status"] == "waiting" and r["id"] not in told:
                        told.add(r["id"])
                        say(_waiting_text(r))
                if STOP.is_set():
                    raise KeyboardInterrupt
                time.sleep(self.poll)

    def serve(self, idle=None):
        """Run workflows until STOP is set (turmeric worker)."""
        while not STOP.is_set():
            try:
                n = self.run_once()
            except StoreError as e:
                self._say(f"store error: {e}; retrying")
                time.sleep(1.0)
                continue
            if n == 0:
                if idle is not None:
                    idle()
                time.sleep(self.poll)


def _unavailable(err):
    """The reason a checkpoint can't be loaded; for code that changed, says the code store lacks it."""
    text = display(err)
    kind = err.stype.name if isinstance(err, Struct) else None
    if kind in ("schema-mismatch", "missing-function"):
        text += (
            ": the checkpoint names a version of that code which the code store does not hold (a checkpoint written "
            "before the code store, or code collected since); run the program version that wrote it, or declare a "
            "migration (docs/versioning.md), then turmeric workflows resume ID"
        )
    return text


def _waiting_text(r):
    if r["wait_kind"] == "msg":
        return f"workflow {r['id']} waits for a message on {r['wait_a']!r}: turmeric workflows send {r['id']} {r['wait_a']} VALUE"
    if r["wait_kind"] == "child":
        return f"workflow {r['id']} waits for workflow {r['wait_a']}"
    return f"workflow {r['id']} waits for event {r['wait_b']!r} of {r['wait_a']}"


def _bind1(f, x):
    return lambda: f(x)


def _not_serializable_checkpoint(e, kind, line):
    v = e.value
    if not (isinstance(v, Struct) and v.stype.name == "not-serializable"):
        return e
    tname, path = v.vals
    what = OP_NAMES.get(kind, kind)
    where = f" at line {line}" if line else ""
    msg = (
        f"{what}{where}: the checkpoint after it can't be saved: {path or 'a value'} holds a {tname}, which is not "
        f"serializable; make the type Serializable, or don't keep the value in a local across the {what}"
    )
    return Thrown(make_error("not-serializable", tname, msg), e.pos)


def _not_serializable_args(e, info):
    return Thrown(make_error("error", f"start-workflow: the arguments of {info.symbol} can't be saved: {display(e.value)}"))


_ = PVector
