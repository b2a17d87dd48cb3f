"""Delimited control: capture by unwinding, resume by re-entering generated code.

This is the generalized stack inspection technique (Pettyjohn et al., ICFP 2005).
`cloneable-shift` raises `Capture`; every generated function catches it at the
call site that was active, appends a frame record `(FnInfo, site, values)` and
re-raises; the prompt (`reset`) turns the records into a `Continuation`. Resuming
calls each function's resume variant, which restores its locals and jumps to the
recorded site. Python 3.11 try blocks cost nothing until something is raised, so
code that never captures pays nothing.
"""

from __future__ import annotations

import contextvars
import types

from ..core.registry import CODES, ROOT, FnInfo
from ..core.values import FrozenTransient, Thrown, Transient


class Unwind(BaseException):
    """Unwinds the stack while each frame records itself. Never caught by user `catch`."""

    __slots__ = ("frames",)


class Capture(Unwind):
    """Raised by `cloneable-shift`; `body` is the shift body, a function of k."""

    def __init__(self, body):
        self.body = body
        self.frames = []


class ThrowCapture(Unwind):
    """A `throw` under `try-with`: resumable, so the frames up to `try-with` are recorded."""

    def __init__(self, value, pos=None):
        self.value = value
        self.pos = pos
        self.frames = []


class SnapThrow(Thrown):
    """A `throw` while snapshots on error are on (and no try-with is active): an ordinary
    thrown value to everything that catches it (`catch`, `finally`, host code), but the
    sites it passes also record their frames, so that if nothing catches it the top level
    can save the continuation from the throw (the k a try-with would have given).
    At a host function that called back into Turmeric the record is dropped (`lost` names
    it) and the value keeps propagating unchanged."""

    def __init__(self, value, pos=None, frames=None):
        super().__init__(value, pos)
        self.frames = [] if frames is None else frames
        self.lost = None


class _Dropped(list):
    """The frame list of a SnapThrow that crossed a barrier: records are discarded."""

    __slots__ = ()

    def append(self, x):
        pass


def _drop(st, name):
    st.lost = name
    st.frames = _Dropped()


# Site handlers catch RECORDED (`#Unwind` in generated code): the captures, and a SnapThrow.
# finally blocks skip only the captures (`#Suspension`): a SnapThrow runs them.
RECORDED = (Unwind, SnapThrow)

# Snapshots on error: when true, an uncaught `throw` can be saved with its continuation.
# Per thread and per asyncio task. Off by default: then `throw` is exactly as before.
SNAPSHOT_ON_ERROR: contextvars.ContextVar = contextvars.ContextVar("turmeric_snapshot_on_error", default=False)

TRANSPARENT: set = set()  # runtime functions that capture correctly when called from Turmeric


def is_capturable(f):
    """True if a capture may pass through a call to `f` (a Turmeric function or a runtime helper)."""
    if type(f) is types.FunctionType:
        return f.__code__ in CODES or f in TRANSPARENT
    return isinstance(f, Continuation) or f in TRANSPARENT


class BarrierError(Exception):
    """Capture reached a host function that called back into Turmeric."""

    def __init__(self, fname):
        super().__init__(fname)
        self.fname = fname


def cap(c, callee, info, site, vals, label=None):
    """Called from a site's handler while `c` unwinds: record this frame (or refuse, at a barrier).
    `label` is how the program wrote a Python callee (`functools.reduce`), for the barrier's name."""
    if callee is not None and not is_capturable(callee):
        if type(c) is SnapThrow:
            _drop(c, label or callable_name(callee))
            return
        raise BarrierError(label or callable_name(callee))
    if info.transient:
        vals = tuple(FrozenTransient(tuple(v)) if type(v) is Transient else v for v in vals)
    c.frames.append((info, site, vals))


def check_tail(callee, label=None):
    """A capture passed through a call to `callee`: a host function there is a barrier.
    (A tail call's handler calls this alone: a tail call records no frame.)"""
    if not is_capturable(callee):
        import sys

        c = sys.exc_info()[1]  # the exception this handler is running for
        if type(c) is SnapThrow:
            _drop(c, label or callable_name(callee))
            return
        raise BarrierError(label or callable_name(callee))


def callable_name(f):
    """A host callable's name for a barrier: a builtin's Turmeric name (`sort`); a Python
    function or method as `module.qualname` or `Class.method` (`list.sort`)."""
    mod = getattr(f, "__module__", None)
    qual = getattr(f, "__qualname__", None)
    if qual and not (mod or "").startswith("turmeric"):
        return f"{mod}.{qual}" if mod and mod != "builtins" else qual
    return getattr(f, "__name__", None) or type(f).__name__


def shift(body):
    raise Capture(body)


class TailContinue:
    """Returned by `(continue k v)` in tail position of a shift body: the prompt resumes k itself."""

    __slots__ = ("k", "v")

    def __init__(self, k, v):
        self.k = k
        self.v = v


def resume_frames(frames, j, v):
    """Resume frame j (0 is innermost) and, through it, every frame inside it."""
    info, site, vals = frames[j]
    if info.transient:
        vals = tuple(Transient(x.items) if type(x) is FrozenTransient else x for x in vals)
    return info.resume(vals, site, frames, j, v)


def reset(thunk):
    """The prompt: run thunk; a capture below ends up here and the shift body runs in its place."""
    f = thunk
    while True:
        try:
            r = f()
        except Capture as c:
            k = Continuation(tuple(c.frames))
            body = c.body
            f = _bind1(body, k)
            continue
        except ThrowCapture as tc:
            if SNAPSHOT_ON_ERROR.get():
                tc.frames.append(RESET_FRAME)
                raise SnapThrow(tc.value, tc.pos, tc.frames) from None
            raise Thrown(tc.value, tc.pos) from None
        except SnapThrow as st:
            st.frames.append(RESET_FRAME)  # resuming re-installs this prompt around the inner frames
            raise
        if type(r) is TailContinue:
            f = r.k.entry(r.v)
            continue
        return r


def _bind1(f, x):
    return lambda: f(x)


class Continuation:
    """A captured continuation: plain data, the frame records innermost first."""

    __slots__ = ("frames", "handler")
    turmeric_type = "continuation"

    def __init__(self, frames, handler=None):
        self.frames = frames
        self.handler = handler  # set for a try-with continuation: resuming re-installs it

    def entry(self, v):
        frames = self.frames
        n = len(frames)
        if self.handler is not None:
            h = self.handler
            return lambda: try_with(lambda: resume_frames(frames, n - 1, v), h)
        return lambda: resume_frames(frames, n - 1, v)

    def __call__(self, v=None):
        if self.handler is not None:
            return self.entry(v)()
        return reset(self.entry(v))

    def __repr__(self):
        return f"#<continuation {len(self.frames)} frames>"


# how many try-with handlers are active: per thread and per asyncio task
TRY_WITH_DEPTH: contextvars.ContextVar = contextvars.ContextVar("turmeric_try_with_depth", default=0)


class NotResumable:
    """The k given to a try-with handler for a runtime error: there is no throw to return from."""

    def __call__(self, v=None):
        raise Thrown(_make_error("try-with: this error came from the runtime, not from a throw, so k cannot resume it"))


def _make_error(msg):
    from ..core.errors import make_error

    return make_error("error", msg)


def _try_with_resume(vals, site, frames, j, v):
    return try_with(lambda: resume_frames(frames, j - 1, v), vals[0])


TRY_WITH_INFO = FnInfo("turmeric.try-with", "runtime", "turmeric", "<runtime>", 0, ("handler",), {0: ("handler",)})
TRY_WITH_INFO.resume = _try_with_resume
TRY_WITH_INFO.suspends = frozenset()
ROOT.register(TRY_WITH_INFO)


def try_with(thunk, handler):
    from .errors import thrown_value

    token = TRY_WITH_DEPTH.set(TRY_WITH_DEPTH.get() + 1)
    try:
        return thunk()
    except ThrowCapture as tc:
        value, k = tc.value, Continuation(tuple(tc.frames), handler)
    except Capture as c:
        c.frames.append((TRY_WITH_INFO, 0, (handler,)))
        raise
    except Exception as e:
        value, k = thrown_value(e), NotResumable()
    finally:
        TRY_WITH_DEPTH.reset(token)
    return handler(value, k)


def throw(value, pos=None):
    if TRY_WITH_DEPTH.get():
        raise ThrowCapture(value, pos)
    if SNAPSHOT_ON_ERROR.get():
        raise SnapThrow(value, pos)
    raise Thrown(value, pos)


def _reset_resume(vals, site, frames, j, v):
    return reset(lambda: resume_frames(frames, j - 1, v))


# A prompt that a SnapThrow crossed: a frame of the runtime, like try-with's
RESET_INFO = FnInfo("turmeric.reset", "runtime", "turmeric", "<runtime>", 0, (), {0: ()})
RESET_INFO.resume = _reset_resume
ROOT.register(RESET_INFO)
RESET_FRAME = (RESET_INFO, 0, ())


TRANSPARENT.update({reset, try_with})
