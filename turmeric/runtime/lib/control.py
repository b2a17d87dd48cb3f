"""Control builtins: prompts, `continue`, `try-with`, `apply`, `continuation-frames`."""

from __future__ import annotations

from ...core.errors import STRUCTS
from ...core.values import (
    Box,
    Symbol,
    plist,
    pmap,
    type_name,
)
from .. import control
from ..builtins import BUILTINS, builtin, type_err
from .collections import _seq_items


# Prompts and `continue` call back into Turmeric, so calls to them are sites (not host
# calls): a capture stops at the prompt, but a thrown value whose frames are recorded
# for a snapshot (control.SnapThrow) passes through, and the caller's frame must record.
@builtin("cloneable-reset", host=False)
def cloneable_reset(thunk):
    return control.reset(thunk)


BUILTINS["reset"] = cloneable_reset
control.TRANSPARENT.add(cloneable_reset)


@builtin("continue", host=False)
def tcontinue(k, v=None):
    if isinstance(k, control.Continuation):
        return k(v)
    if callable(k):
        return k(v)
    raise type_err(f"continue: expected a continuation, got {type_name(k)}")


BUILTINS["resume"] = tcontinue
control.TRANSPARENT.add(tcontinue)


@builtin("try-with", host=False)
def try_with(thunk, handler):
    return control.try_with(thunk, handler)


control.TRANSPARENT.add(try_with)


@builtin("apply", host=False)
def apply(f, *args):
    if not args:
        return f()
    *fixed, last = args
    return f(*fixed, *_seq_items(last))


control.TRANSPARENT.add(apply)


@builtin("continuation-frames")
def continuation_frames(k):
    if not isinstance(k, control.Continuation):
        raise type_err(f"continuation-frames: expected a continuation, got {type_name(k)}")
    out = []
    for info, site, vals in k.frames:
        names = info.sites.get(site, ())
        nparams = len(info.params) + (1 if info.rest else 0)
        args = []
        caps = {}
        for i, (n, v) in enumerate(zip(names, vals, strict=False)):
            if type(v) is Box:
                v = v.v
            if i < nparams:
                args.append(v)
            elif not n.startswith("~"):
                caps[Symbol(n)] = v
        out.append(STRUCTS["continuation-frame"].cls(info.symbol, plist(args), pmap(caps)))
    return plist(out)
