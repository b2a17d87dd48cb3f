"""The normal variant: statement IR -> the Python statements that run at full speed.

Input: IR from `lower.py` and the function's `FnCtx` (for its `#I:` info name). Output:
Python `ast` statements; each site becomes a `try` whose `except #Unwind` handler
records `(FnInfo, site, live values)` with `#cap` and re-raises.
"""

from __future__ import annotations

import ast

from .ir import CatchS, FinallyS, IfS, LoopS, SiteS
from .pyast import assign, at, call, const, name


def emit_normal(stmts, ctx):
    out = []
    for s in stmts:
        t = type(s)
        if t is SiteS:
            out.append(site_stmt(s, ctx))
        elif t is IfS:
            out.append(ast.If(s.test, emit_normal(s.body, ctx) or [ast.Pass()], emit_normal(s.orelse, ctx)))
        elif t is LoopS:
            out.append(ast.While(const(True), emit_normal(s.body, ctx) or [ast.Pass()], []))
        elif t is CatchS:
            out.append(catch_stmt(s, emit_normal(s.body, ctx), ctx))
        elif t is FinallyS:
            out += finally_stmts(s, emit_normal(s.body, ctx), emit_normal(s.fin, ctx))
        else:
            out.append(s)
    return out


def handler_for(s, ctx, resumed=False):
    label = [const(s.label)] if s.label is not None else []
    if s.kind == "tail":
        body = [ast.Expr(call("#check_tail", s.callee, *label))] if s.callee is not None else []
        return ast.ExceptHandler(name("#Unwind"), None, body + [ast.Raise()])
    vals = ast.Tuple([name(x) for x in s.live], ast.Load())
    callee = s.callee if (s.callee is not None and not resumed) else const(None)
    return ast.ExceptHandler(
        name("#Unwind"), "#c", [ast.Expr(call("#cap", name("#c"), callee, name(ctx.info_name), const(s.n), vals, *label)), ast.Raise()]
    )


def python_error_handler(s):
    """A call to Python: its exception becomes a thrown python-error at the call's position."""
    exc = call("#pyerr", name("#e"), const(s.label))
    return ast.ExceptHandler(name("#Exception"), "#e", [ast.Raise(exc, None)])


def site_stmt(s, ctx, resumed_value=None):
    if s.kind == "tail":
        inner = at(ast.Return(s.call), s.pos)
    else:
        inner = at(assign(s.target, resumed_value if resumed_value is not None else s.call), s.pos)
    if s.kind in ("shift", "throw") and resumed_value is not None:
        return inner
    handlers = [handler_for(s, ctx, resumed_value is not None)]
    if s.py and resumed_value is None:
        handlers.append(python_error_handler(s))
    return at(ast.Try([inner], handlers, [], []), s.pos)


def catch_stmt(s, body, ctx, handler=None):
    handler = handler if handler is not None else emit_normal(s.handler, ctx)
    h1 = ast.ExceptHandler(name("#Capture"), None, [ast.Raise()])
    h2 = ast.ExceptHandler(name("BaseException"), "#e", [assign(s.evar, call("#caught", name("#e")))] + (handler or [ast.Pass()]))
    return ast.Try(body or [ast.Pass()], [h1, h2], [], [])


def finally_stmts(s, body, fin, guard=None):
    # a suspension leaves without running the finally block; a SnapThrow (a thrown value
    # whose frames are being recorded) runs it like any thrown value
    h1 = ast.ExceptHandler(name("#Suspension"), None, [ast.Raise()])
    h2 = ast.ExceptHandler(name("BaseException"), "#e", [assign(s.exc, name("#e"))])
    protected = [assign(s.exc, const(None)), ast.Try(body or [ast.Pass()], [h1, h2], [], [])]
    if guard is not None:
        protected = [ast.If(guard, protected, [])]
    reraise = ast.If(ast.Compare(name(s.exc), [ast.IsNot()], [const(None)]), [ast.Raise(name(s.exc), None)], [])
    return protected + fin + [reraise]
