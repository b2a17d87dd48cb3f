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
    fused = None
    for i, s in enumerate(stmts):
        t = type(s)
        if s is fused:
            continue
        if t is SiteS:
            nxt = stmts[i + 1] if i + 1 < len(stmts) else None
            ret = fused_return(s, nxt)
            if ret is not None:  # `try: return <expr with the call in place>`
                fused = nxt
                out.append(at(ast.Try([ret], [handler_for(s, ctx)], [], []), s.pos))
                continue
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


# --- a site whose value is returned at once -------------------------------------------------------
#
# `try: t = f(x) except #Unwind: ...` then `return t + a` is `try: return t2 + f(x)`, without
# the store, the load and the jump over the handler, when nothing but locals and constants
# is evaluated before the call in the returned expression (so everything runs in the same
# order) and t is used there once. The rest of the expression has no site (lowering puts every
# site in a statement of its own), so nothing it raises is a capture the handler would record
# as this site's; a Python call's site (which also turns Python exceptions into python-error)
# stays as it is. The resume variant is unchanged.

_FOUND, _BLOCKED, _CLEAR = 1, 2, 3


def _scan(e, t):
    """Walk e's unconditionally evaluated parts in evaluation order: _FOUND when the load of t
    comes before anything but loads of names and constants, _BLOCKED when something else
    is evaluated first (or t sits in a part that may not run), _CLEAR when e has no t."""
    k = type(e)
    if k is ast.Name:
        return _FOUND if e.id == t else _CLEAR
    if k is ast.Constant:
        return _CLEAR
    if k is ast.BinOp:
        parts = [e.left, e.right]
    elif k is ast.UnaryOp:
        parts = [e.operand]
    elif k is ast.Compare:
        parts = [e.left, e.comparators[0]]
    elif k is ast.Call and not e.keywords:
        parts = [e.func, *e.args]
    elif k is ast.BoolOp:
        parts = [e.values[0]]
    elif k is ast.IfExp:
        parts = [e.test]
    elif k in (ast.Tuple, ast.List):
        parts = list(e.elts)
    else:
        return _BLOCKED
    for x in parts:
        if type(x) is ast.Starred:
            return _BLOCKED
        r = _scan(x, t)
        if r != _CLEAR:
            return r
    return _BLOCKED  # the operation itself runs before anything after e


def fused_return(s, nxt):
    """For a call site s followed by `return <expr>`: `return <expr>` with the call in place of
    its target, or None."""
    if s.kind != "call" or s.py or s.target is None or type(nxt) is not ast.Return or nxt.value is None:
        return None
    uses = [x for x in ast.walk(nxt.value) if type(x) is ast.Name and x.id == s.target]
    if len(uses) != 1 or _scan(nxt.value, s.target) != _FOUND:
        return None
    callexpr = s.call if getattr(s.call, "lineno", None) is not None else at(s.call, s.pos)
    ret = ast.Return(_replace(nxt.value, uses[0], callexpr))
    return ast.copy_location(ret, nxt) if getattr(nxt, "lineno", None) is not None else at(ret, s.pos)


def _replace(e, old, new):
    """e with the node `old` replaced by `new` (e itself is left unchanged)."""
    if e is old:
        return new
    if not isinstance(e, ast.AST):
        return e
    fields = {}
    for f, v in ast.iter_fields(e):
        if isinstance(v, list):
            fields[f] = [_replace(x, old, new) for x in v]
        else:
            fields[f] = _replace(v, old, new)
    r = type(e)(**fields)
    return ast.copy_location(r, e) if hasattr(e, "lineno") else r


def handler_for(s, ctx, resumed=False):
    label = [const(s.label)] if s.label is not None else []
    if s.kind == "tail":
        body = [ast.Expr(call("#check_tail", s.callee, *label))] if s.callee is not None else []
        return ast.ExceptHandler(name("#Unwind"), None, body + [ast.Raise()])
    vals = ast.Tuple([frozen(x) for x in s.live], ast.Load())
    callee = s.callee if (s.callee is not None and not resumed) else const(None)
    return ast.ExceptHandler(
        name("#Unwind"), "#c", [ast.Expr(call("#cap", name("#c"), callee, name(ctx.info_name), const(s.n), vals, *label)), ast.Raise()]
    )


def frozen(py):
    """A live local as the frame holds it: an inlined map's accumulator (`#acc~h<k>`, a Python
    list, fastpath.SiteHOF) as a snapshot of its elements (`#freeze`)."""
    if py.startswith("#acc~"):
        return call("#freeze", name(py))
    return name(py)


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
