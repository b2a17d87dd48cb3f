"""The normal variant: statement IR -> the Python statements that run at full speed.

Input: IR from `lower.py` and the function's `FnCtx` (for its `#I:` info name). Output:
Python `ast` statements; each site becomes a `try` whose `except #Unwind` handler
records `(FnInfo, site, live values)` with `#cap` and re-raises.
"""

from __future__ import annotations

import ast
import copy

from .ir import CatchS, FinallyS, IfS, LoopS, SiteS
from .pyast import assign, at, call, const, name, store


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
            loop = ast.While(const(True), emit_normal(s.body, ctx) or [ast.Pass()], [])
            out.append(counted_for(loop, out) or loop)
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


# --- a counted loop with capture sites as a `for` ----------------------------------------------
#
# The prelude's loops over a tuple of elements (map, reduce, filter, for-each, ...) lower to
#     i = 0; n = #len(xs)
#     while True:
#         if i < n:  ...; i = i + 1; continue                       (one loop variable)
#         if i < n:  ~t = i + 1; ...; i, acc = (~t, ...); continue  (the step computed before
#         else: <exit>                                               a later argument's site)
# Lowering's own `for` (Lowering.counted_loop) is for loops without a site, since the body is
# compiled twice there. This rewrite works on the emitted statements instead, so each site
# stays one site: `for i in range(i, n): ... else: <exit>` steps i in C and drops the test,
# the increment and its store. Where the while loop held `~t` (a capture handler saves it as a
# live value), `i + 1` stands: neither i nor ~t is assigned anywhere else in the body, so the
# two are equal wherever ~t was readable. It applies only when i and n are ints at entry, seen
# from the statements just before the loop (so `range` means what `<` did). The resume variant
# keeps the while loop: a frame resumed inside it goes on from the saved i.


def counted_for(loop, before):
    """`loop` (an emitted `while True`) as the equivalent `for`, or None."""
    if len(loop.body) != 1 or type(loop.body[0]) is not ast.If:
        return None
    test, body, exit_ = loop.body[0].test, loop.body[0].body, loop.body[0].orelse
    if not (type(test) is ast.Compare and len(test.ops) == 1 and type(test.ops[0]) is ast.Lt):
        return None
    i, n = test.left, test.comparators[0]
    if type(i) is not ast.Name or not (type(n) is ast.Name or _is_int_const(n)):
        return None
    if not body or type(body[-1]) is not ast.Continue or not exit_:
        return None
    last = exit_[-1]
    if type(last) is ast.Break:
        exit_ = exit_[:-1]
    elif type(last) not in (ast.Return, ast.Raise):
        return None
    if _loop_jumps(body[:-1]) or _loop_jumps(exit_):
        return None
    # the recur's store into i, once, at the top level: of the step `~t = i + 1` (computed
    # before a later argument's site, also once at the top level), or of `i + 1` itself
    at_i = [k for k, x in enumerate(body[:-1]) if i.id in _stores(x)]
    if len(at_i) != 1:
        return None
    r = at_i[0]
    steps = [k for k, x in enumerate(body[:r]) if _is_step(x, i.id)]
    step = body[steps[0]].targets[0].id if len(steps) == 1 else None
    k = _recur_index(body[r], i.id, step)
    if k is None or any(_loads(x, i.id) for x in body[r + 1 : -1]):
        return None  # (a statement after the recur would read the new i)
    kept = [x for j, x in enumerate(body[:-1]) if j != r and not (step is not None and j == steps[0])]
    recur = _without_target(body[r], k)
    at_recur = r - (1 if step is not None else 0)
    if len(recur) == 1 and at_recur > 0 and _merges(kept[at_recur - 1], recur[0], kept):
        # `~t8 = <e>; acc = ~t8` (no other read of ~t8): `acc = <e>`
        kept[at_recur - 1] = ast.copy_location(ast.Assign([recur[0].targets[0]], kept[at_recur - 1].value), kept[at_recur - 1])
        recur = []
    kept[at_recur:at_recur] = recur
    watched = {i.id} | ({step} if step is not None else set()) | ({n.id} if type(n) is ast.Name else set())
    if any(_stores(x) & watched for x in kept):
        return None
    if not (_int_at_entry(i.id, before) and (type(n) is not ast.Name or _int_at_entry(n.id, before))):
        return None
    if step is not None:
        kept = [_ReplaceLoads(step, i.id).visit(x) for x in copy.deepcopy(kept)]  # the resume variant shares nodes
    # after a loop that ran, the while loop's i was n; after none, i is as it was
    fix = ast.If(ast.Compare(name(i.id), [ast.Lt()], [copy.deepcopy(n)]), [assign(i.id, copy.deepcopy(n))], [])
    args = [name(i.id), copy.deepcopy(n)]
    out = ast.For(store(i.id), call("#range", *args), kept or [ast.Pass()], [fix, *exit_])
    return ast.copy_location(out, loop) if hasattr(loop, "lineno") else out


def _merges(prev, recur, stmts):
    """Whether `prev` is `~t = <e>` and `recur` is `v = ~t`, ~t read nowhere else in stmts."""
    if type(recur.targets[0]) is not ast.Name or type(recur.value) is not ast.Name:
        return False
    t = recur.value.id
    if not (type(prev) is ast.Assign and len(prev.targets) == 1 and type(prev.targets[0]) is ast.Name and prev.targets[0].id == t):
        return False
    return t.startswith("~t") and not any(_loads(x, t) for x in stmts)


def _is_int_const(e):
    return type(e) is ast.Constant and type(e.value) is int


def _is_step(x, i):
    """`~t = i + 1`."""
    return (
        type(x) is ast.Assign
        and len(x.targets) == 1
        and type(x.targets[0]) is ast.Name
        and x.targets[0].id.startswith("~t")
        and _is_increment(x.value, i)
    )


def _is_increment(e, i):
    """`i + 1`."""
    return (
        type(e) is ast.BinOp
        and type(e.op) is ast.Add
        and type(e.left) is ast.Name
        and e.left.id == i
        and type(e.right) is ast.Constant
        and type(e.right.value) is int
        and e.right.value == 1
    )


def _loads(stmt, v):
    """Whether the statement reads the local v anywhere inside it."""
    return any(type(x) is ast.Name and x.id == v and type(x.ctx) is ast.Load for x in ast.walk(stmt))


def _recur_index(x, i, step):
    """Where `x` (a top-level statement) stores the step into i (the temp `step`, or `i + 1`
    itself when step is None): -1 for `i = <step>`, k for the k-th of a tuple assignment,
    None when it doesn't."""
    if type(x) is not ast.Assign or len(x.targets) != 1:
        return None
    tgt, val = x.targets[0], x.value

    def is_step(v):
        if step is None:
            return _is_increment(v, i)
        return type(v) is ast.Name and v.id == step

    if type(tgt) is ast.Name:
        return -1 if tgt.id == i and is_step(val) else None
    if type(tgt) is ast.Tuple and type(val) is ast.Tuple and len(tgt.elts) == len(val.elts):
        for k, (a, b) in enumerate(zip(tgt.elts, val.elts, strict=True)):
            if type(a) is ast.Name and a.id == i:
                return k if is_step(b) else None
    return None


def _without_target(x, k):
    """The recur's assignment without its store into i (k from `_recur_index`)."""
    if k == -1:
        return []
    tgts = [t for j, t in enumerate(x.targets[0].elts) if j != k]
    vals = [v for j, v in enumerate(x.value.elts) if j != k]
    if len(tgts) == 1:
        new = ast.Assign([tgts[0]], vals[0])
    else:
        new = ast.Assign([ast.Tuple(tgts, ast.Store())], ast.Tuple(vals, ast.Load()))
    return [ast.copy_location(new, x)]


def _stores(stmt):
    """The names a statement (anywhere inside it) assigns or deletes."""
    out = set()
    for x in ast.walk(stmt):
        if type(x) is ast.Name and type(x.ctx) is not ast.Load:
            out.add(x.id)
        elif type(x) is ast.ExceptHandler and x.name:
            out.add(x.name)
    return out


def _loop_jumps(stmts):
    """Whether a `break` or `continue` of the enclosing loop is among these statements."""
    for x in stmts:
        t = type(x)
        if t in (ast.Break, ast.Continue):
            return True
        if t in (ast.While, ast.For):
            if _loop_jumps(x.orelse):
                return True
        elif t in (ast.If,):
            if _loop_jumps(x.body) or _loop_jumps(x.orelse):
                return True
        elif t is ast.Try:
            if _loop_jumps(x.body) or _loop_jumps(x.orelse) or _loop_jumps(x.finalbody):
                return True
            if any(_loop_jumps(h.body) for h in x.handlers):
                return True
        elif t is ast.With:
            if _loop_jumps(x.body):
                return True
        elif t not in (ast.FunctionDef, ast.ClassDef) and any(type(y) in (ast.Break, ast.Continue) for y in ast.walk(x)):
            return True  # a statement kind this walk doesn't know: assume it may jump
    return False


_COUNTS = ("#len", "#b:count")  # Python's len and the library's count (a program's own `count` is not #b:)


def _int_at_entry(v, before):
    """Whether the statements just before a loop leave the local v an int: the last of them
    that assigns v is `v = <int literal>`, `v = #len(...)` or `#b:count(...)`, or `v = x.start`/`x.stop` when x
    is a range, else the int literal."""
    for x in reversed(before):
        if v not in _stores(x):
            continue
        if type(x) is not ast.Assign or len(x.targets) != 1 or type(x.targets[0]) is not ast.Name:
            return False
        e = x.value
        if _is_int_const(e):
            return True
        if type(e) is ast.Call and type(e.func) is ast.Name and e.func.id in _COUNTS and len(e.args) == 1 and not e.keywords:
            return True
        if type(e) is ast.IfExp and _is_int_const(e.orelse) and type(e.body) is ast.Attribute and e.body.attr in ("start", "stop"):
            t = e.test
            return (
                type(t) is ast.Compare
                and len(t.ops) == 1
                and type(t.ops[0]) is ast.Is
                and type(t.comparators[0]) is ast.Name
                and t.comparators[0].id == "#range"
                and type(t.left) is ast.Call
                and type(t.left.func) is ast.Name
                and t.left.func.id == "#type"
                and len(t.left.args) == 1
                and type(t.left.args[0]) is ast.Name
                and type(e.body.value) is ast.Name
                and e.body.value.id == t.left.args[0].id
            )
        return False
    return False


class _ReplaceLoads(ast.NodeTransformer):
    """Each load of `step` becomes `i + 1`."""

    def __init__(self, step, i):
        self.step, self.i = step, i

    def visit_Name(self, node):
        if node.id == self.step and type(node.ctx) is ast.Load:
            return ast.copy_location(ast.BinOp(name(self.i), ast.Add(), const(1)), node)
        return node
