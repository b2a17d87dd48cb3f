"""The language surface of durable workflows: the builtins and the three macros.

`defworkflow`, `step` and `await-workflow` are macros every module sees (a module
that defines its own function of that name keeps it); `sleep-for`, `recv`,
`set-event`, `get-event`, `send`, `start-workflow`, `workflow-status` and
`workflow-id` are builtins. Inside a running workflow each durable operation raises
a capture whose body is a `DurableOp` (so they are not host builtins: a call to one
is a capture site); the engine's prompt commits it. Outside a workflow they act
directly on the store (start a workflow, send a message, wait for a result while
running the workflows this process can run).
"""

from __future__ import annotations

import contextvars
import time

from ..core.errors import make_error
from ..core.registry import ROOT, FnInfo
from ..core.values import Keyword, PVector, Symbol, Thrown, plist, pvector
from ..runtime import control
from ..runtime.builtins import BUILTINS, HOST, MACROS
from ..runtime.printer import display, type_name
from .ops import MARKER, DurableOp, current_frame_line

_ENGINE = contextvars.ContextVar("turmeric_engine", default=None)


class LazyEngine:
    """An engine made the first time Turmeric code needs one (`make()`), so that `turmeric run`
    of a program without workflows never imports the engine nor the store."""

    __slots__ = ("make", "engine")

    def __init__(self, make):
        self.make = make
        self.engine = None

    def get(self):
        if self.engine is None:
            self.engine = self.make()
        return self.engine


def use_engine(engine):
    """Make `engine` (an Engine, or a LazyEngine) the one this thread's Turmeric code talks to."""
    _ENGINE.set(engine)
    return engine


def current_engine():
    e = _ENGINE.get()
    if type(e) is LazyEngine:
        return e.get()
    if e is None:
        from .engine import Engine

        e = use_engine(Engine())
    return e


def _run():
    e = _ENGINE.get()
    if type(e) is LazyEngine:
        e = e.engine
    return e.current if e is not None else None


def _err(msg, kind="error"):
    return Thrown(make_error(kind, msg))


def _opts(who, opts, allowed):
    if len(opts) % 2:
        raise _err(f"{who}: options come in pairs like :timeout 10")
    out = {}
    for i in range(0, len(opts), 2):
        k, v = opts[i], opts[i + 1]
        if type(k) is not Keyword or k.name not in allowed:
            raise _err(f"{who}: unknown option {display(k)} (known: {', '.join(':' + a for a in allowed)})")
        out[k.name] = v
    return out


def _number(who, what, v, allow_none=False):
    if v is None and allow_none:
        return None
    if type(v) not in (int, float) or v < 0:
        raise _err(f"{who}: {what} must be a number of seconds >= 0, got {display(v)}", "type-error")
    return float(v)


def _string(who, what, v):
    if type(v) is not str:
        raise _err(f"{who}: {what} must be a string, got {type_name(v)}", "type-error")
    return v


def _return_resume(vals, site, frames, j, v):
    return v


# The innermost frame of a durable operation's continuation: resuming it returns the
# value to the call site of the builtin (a shift site would take it itself; a call
# site expects an inner frame). Registered like the runtime's try-with frame.
RETURN_INFO = FnInfo("turmeric.durable-return", "runtime", "turmeric", "<runtime>", 0, (), {0: ()})
RETURN_INFO.resume = _return_resume
ROOT.register(RETURN_INFO)


def _suspend(op):
    c = control.Capture(op)
    c.frames.append((RETURN_INFO, 0, ()))
    return c


def _in_workflow(who):
    run = _run()
    if run is None:
        return None
    if run.in_step:
        raise _err(f"{who} inside a step: a step runs once as a whole; call {who} from the workflow between steps")
    return run


# --- step ------------------------------------------------------------------------------------


def durable_step(thunk, *opts):
    o = _opts("step", opts, ("retries", "backoff"))
    retries = o.get("retries", 0)
    if type(retries) is not int or retries < 0:
        raise _err(f"step: :retries must be an integer >= 0, got {display(retries)}", "type-error")
    backoff = _number("step", ":backoff", o.get("backoff", 1.0))
    run = _run()
    if run is None:
        raise _err("step: not inside a workflow (start one with start-workflow); a step only has a meaning there")
    if run.in_step:
        return control.reset(thunk)  # a step inside a step is part of it
    line = current_frame_line()
    t0 = time.perf_counter()
    attempt = 0
    while True:
        run.in_step = True
        try:
            v = control.reset(thunk)
            break
        except Exception:
            if attempt >= retries:
                raise
        finally:
            run.in_step = False
        time.sleep(min(backoff * (2**attempt), 3600.0))
        attempt += 1
    raise _suspend(DurableOp("s", v, line, t0))


def sleep_for(seconds):
    secs = _number("sleep-for", "the duration", seconds)
    run = _run()
    if run is None or run.in_step:  # outside a workflow, or part of a step: just wait
        time.sleep(secs)
        return None
    raise _suspend(DurableOp("z", secs, current_frame_line()))


def recv(topic, *opts):
    _string("recv", "the topic", topic)
    o = _opts("recv", opts, ("timeout",))
    timeout = _number("recv", ":timeout", o.get("timeout"), allow_none=True)
    run = _in_workflow("recv")
    if run is None:
        raise _err("recv: only a workflow receives messages (send them to its id with send)")
    deadline = None if timeout is None else time.time() + timeout
    raise _suspend(DurableOp("r", None, current_frame_line(), args=(topic, deadline)))


def set_event(key, value):
    _string("set-event", "the key", key)
    run = _in_workflow("set-event")
    if run is None:
        raise _err("set-event: only a workflow sets events (others read them with get-event)")
    raise _suspend(DurableOp("e", None, current_frame_line(), args=(key, value)))


def get_event(wf_id, key, *opts):
    _string("get-event", "the workflow id", wf_id)
    _string("get-event", "the key", key)
    o = _opts("get-event", opts, ("timeout",))
    timeout = _number("get-event", ":timeout", o.get("timeout", 60))
    deadline = time.time() + timeout
    run = _in_workflow("get-event")
    if run is not None:
        raise _suspend(DurableOp("g", None, current_frame_line(), args=(wf_id, key, deadline)))
    eng = current_engine()
    st = eng.store
    box = []

    def done():
        b = st.get_event(wf_id, key)
        if b is not None:
            box.append(eng.open_value(f"event:{wf_id}:{key}", b))
            return True
        return False

    eng.run_until(done, deadline=deadline)
    return box[0] if box else None


def send(dest, topic, value):
    _string("send", "the workflow id", dest)
    _string("send", "the topic", topic)
    run = _in_workflow("send")
    eng = current_engine()
    if eng.store.get_workflow(dest) is None:
        raise _err(f"send: no workflow has the id {dest!r}")
    if run is not None:
        raise _suspend(DurableOp("m", None, current_frame_line(), args=(dest, topic, value)))
    eng.store.send(dest, topic, eng.sealed_value(f"msg:{dest}:{topic}", value))
    return None


def start_workflow(f, args=None, *opts):
    if args is None:
        args = pvector([])
    if not (isinstance(args, (PVector, list)) or type(args) is tuple) and type(args).__name__ not in ("PList", "ArraySeq"):
        raise _err(f"start-workflow: the arguments go in a vector, like (start-workflow f [1 2]); got {type_name(args)}", "type-error")
    o = _opts("start-workflow", opts, ("id",))
    wf_id = o.get("id")
    if wf_id is not None:
        _string("start-workflow", ":id", wf_id)
    eng = current_engine()
    args = list(args)
    run = _in_workflow("start-workflow")
    if run is None:
        return eng.start(f, args, wf_id)
    info = eng.check_workflow(f, args)
    cid = wf_id or f"{run.id}/{run.n + 1}"
    raise _suspend(DurableOp("c", None, current_frame_line(), args=(info, args, cid)))


def await_workflow(wf_id, *opts):
    _string("await-workflow", "the workflow id", wf_id)
    _opts("await-workflow", opts, ())
    run = _in_workflow("await-workflow")
    eng = current_engine()
    st = eng.store
    first = st.get_workflow(wf_id)
    if first is None:
        raise _err(f"await-workflow: no workflow has the id {wf_id!r}")
    if run is not None:
        raise _suspend(DurableOp("a", None, current_frame_line(), args=(wf_id, None)))
    box = []
    seen = [first]  # the row just read serves the first check

    def done():
        row = seen.pop() if seen else st.get_workflow(wf_id)
        if row["status"] in _terminal():
            box.append(row)
            return True
        if row["status"] == "blocked" and row["blocked_code"] in (None, eng.code_id()):  # retried with this code already
            raise _err(
                f"await-workflow: workflow {wf_id} is blocked: {row['error']} (bring back compatible code, then "
                f"turmeric workflows resume {wf_id})"
            )
        return False

    eng.run_until(done)
    return eng.outcome(box[0])


def await_result(outcome):
    ok, v = outcome[0], outcome[1]
    if ok is True:
        return v
    raise Thrown(v)


_STATUS = {s: Keyword(s) for s in ("pending", "running", "sleeping", "waiting", "succeeded", "failed", "cancelled", "blocked")}


def workflow_status(wf_id):
    _string("workflow-status", "the workflow id", wf_id)
    s = current_engine().store.status_of(wf_id)
    return None if s is None else _STATUS[s]


def workflow_id():
    run = _run()
    if run is None:
        raise _err("workflow-id: not inside a workflow")
    return run.id


def workflow_marker():
    return None


# --- macros -----------------------------------------------------------------------------------


def m_defworkflow(name=None, params=None, *body):
    if type(name) is not Symbol or not isinstance(params, PVector):
        raise _err("(defworkflow name [params] body...) needs a name and a parameter vector")
    return plist([Symbol("defn"), name, params, plist([Symbol(MARKER)]), *body])


def m_step(*args):
    if not args:
        raise _err("(step expr) or (step expr :retries N :backoff SECONDS) needs an expression")
    expr, opts = args[0], args[1:]
    return plist([Symbol("#durable-step"), plist([Symbol("fn"), pvector([]), expr]), *opts])


def m_await_workflow(*args):
    if not args:
        raise _err("(await-workflow id) needs a workflow id")
    return plist([Symbol("#await-result"), plist([Symbol("#await-workflow"), *args])])


_INSTALLED = False


def install():
    """Add the workflow builtins and macros (idempotent; the CLI calls it before loading code)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    ops = {
        "#durable-step": durable_step,
        "sleep-for": sleep_for,
        "recv": recv,
        "set-event": set_event,
        "get-event": get_event,
        "send": send,
        "start-workflow": start_workflow,
        "#await-workflow": await_workflow,
    }
    for name, f in ops.items():
        f.__name__ = name
        BUILTINS[name] = f
        control.TRANSPARENT.add(f)
    host = {"#await-result": await_result, "workflow-status": workflow_status, "workflow-id": workflow_id, MARKER: workflow_marker}
    for name, f in host.items():
        f.__name__ = name
        BUILTINS[name] = f
        HOST.add(name)
        BUILTINS["#b:" + name] = f
    MACROS.update({"defworkflow": m_defworkflow, "step": m_step, "await-workflow": m_await_workflow})


def _terminal():
    from ..store import TERMINAL  # imported when a workflow is awaited, not at start

    return TERMINAL
