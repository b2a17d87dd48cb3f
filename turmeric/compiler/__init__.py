"""Compiler: core nodes -> Python `ast`, with resume points for capture.

Owns code generation. Expressions are put in A-normal form only where a call
may capture: each such call is a *site*, a statement wrapped in a try whose
handler records `(FnInfo, site, live values)` when a capture unwinds through it.
Every function gets two Python functions: the normal one, which runs at plain
Python speed, and a resume variant that restores the saved values and jumps to a
site by guarding the statements before it. Generated nodes carry the Turmeric
file, line and column, so Python's own positions are Turmeric positions.
"""

from __future__ import annotations

import ast
import hashlib

from ..expander import core as C
from ..runtime.control import FnInfo
from .numeric import NumericFacts

RS, VALS, FRAMES, J, V = "#rs", "#vals", "#frames", "#j", "#v"

# part of every fingerprint: bump it when code generation changes how sites are numbered
COMPILER_VERSION = "turmeric-compiler-2"


# --- statement IR ----------------------------------------------------------


class SiteS:
    __slots__ = ("n", "target", "call", "callee", "kind", "live", "pos")

    def __init__(self, n, target, call, callee, kind, live, pos):
        self.n = n  # resume point number (None for a tail call)
        self.target = target  # Python name receiving the value (None for a tail call)
        self.call = call  # ast.expr performing the call
        self.callee = callee  # ast.expr naming the callee (for the barrier check) or None
        self.kind = kind  # "call" | "shift" | "throw" | "tail"
        self.live = live  # tuple of Python names saved in the frame
        self.pos = pos


class IfS:
    __slots__ = ("test", "body", "orelse")

    def __init__(self, test, body, orelse):
        self.test, self.body, self.orelse = test, body, orelse


class LoopS:
    __slots__ = ("body",)

    def __init__(self, body):
        self.body = body


class CatchS:
    __slots__ = ("body", "evar", "handler")

    def __init__(self, body, evar, handler):
        self.body, self.evar, self.handler = body, evar, handler


class FinallyS:
    __slots__ = ("body", "exc", "fin")

    def __init__(self, body, exc, fin):
        self.body, self.exc, self.fin = body, exc, fin


def site_set(s, memo):
    key = id(s)
    hit = memo.get(key)
    if hit is not None:
        return hit[1]
    t = type(s)
    if t is SiteS:
        r = frozenset() if s.n is None else frozenset([s.n])
    elif t is IfS:
        r = block_sites(s.body, memo) | block_sites(s.orelse, memo)
    elif t is LoopS:
        r = block_sites(s.body, memo)
    elif t is CatchS:
        r = block_sites(s.body, memo) | block_sites(s.handler, memo)
    elif t is FinallyS:
        r = block_sites(s.body, memo) | block_sites(s.fin, memo)
    else:
        r = frozenset()
    memo[key] = (s, r)  # holding s keeps its id from being reused by a later object
    return r


def block_sites(stmts, memo):
    out = frozenset()
    for s in stmts:
        out |= site_set(s, memo)
    return out


# --- AST helpers -------------------------------------------------------------


def name(n, ctx=None):
    return ast.Name(n, ctx or ast.Load())


def store(n):
    return ast.Name(n, ast.Store())


def const(v):
    return ast.Constant(v)


def call(f, *args):
    return ast.Call(f if isinstance(f, ast.expr) else name(f), list(args), [])


def assign(target, value):
    return ast.Assign([store(target)], value)


def at(node, pos):
    if pos is not None and node is not None:
        node.lineno = pos.line
        node.col_offset = max(pos.col - 1, 0)
        node.end_lineno = pos.line
        node.end_col_offset = max(pos.col, 1)
    return node


def rs_is_zero():
    return ast.UnaryOp(ast.Not(), name(RS))


def rs_in(sites):
    sites = sorted(sites)
    if len(sites) == 1:
        return ast.Compare(name(RS), [ast.Eq()], [const(sites[0])])
    return ast.Compare(name(RS), [ast.In()], [ast.Constant(frozenset(sites))])


def is_plain_eq_literal(e):
    """A literal for which Python's `==` already is Turmeric's `=`: a string, or a number
    that no boolean equals (Python has `True == 1` and `False == 0`)."""
    if type(e) is not ast.Constant:
        return False
    v = e.value
    return type(v) is str or (type(v) in (int, float) and v != 0 and v != 1)


def fingerprint(text):
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class _Normalise(ast.NodeVisitor):
    """Writes a compact text of generated code with local names numbered by first use,
    so the fingerprint ignores positions, comments and gensym/counter numbering."""

    def __init__(self):
        self.names = {}
        self.out = []

    def generic_visit(self, node):
        self.out.append(type(node).__name__)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                self.out.append("[")
                for v in value:
                    if isinstance(v, ast.AST):
                        self.visit(v)
                    else:
                        self.out.append(repr(v))
                self.out.append("]")
            elif isinstance(value, ast.AST):
                self.visit(value)
            elif field in ("id", "arg", "name") and isinstance(value, str) and ("~" in value or value.startswith("#K")):
                self.out.append(self.names.setdefault(value, f"v{len(self.names)}"))
            else:
                self.out.append(repr(value))


def code_fingerprint(fdef, fn):
    """Hash of the function's normalised source, its generated code (so a changed macro
    expansion counts) and its parameter types. Comments, whitespace and positions don't count."""
    norm = _Normalise()
    norm.visit(fdef)
    text = COMPILER_VERSION + "|" + fn.form_text + "|" + " ".join(norm.out) + "|" + " ".join(t or "" for t in fn.ptypes)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


SIMPLE_PRIMS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult}
COMPARE_PRIMS = {"<": ast.Lt, ">": ast.Gt, "<=": ast.LtE, ">=": ast.GtE}


class FnCtx:
    def __init__(self, fn, info_name):
        self.fn = fn
        self.info_name = info_name
        self.nsite = 0
        self.sites = {}  # n -> tuple of Python names
        self.suspends = set()  # sites where the frame itself captures (shift, throw): innermost frames
        self.live = []
        self.ntmp = 0
        self.has_head_recur = False
        self.tail_sites = 0
        self.shift_body = fn.is_shift_body

    def tmp(self):
        self.ntmp += 1
        return f"~t{self.ntmp}"


class ModuleCompiler:
    """Compiles the core nodes of one top-level form into one Python module AST.

    `host_builtin(name)` says whether a prelude name is a host (Python) function
    that never calls back into Turmeric: calls to those are not capture sites.
    """

    def __init__(self, module_name, file, host_builtin, consts):
        self.module_name = module_name
        self.file = file
        self.host_builtin = host_builtin
        self.consts = consts  # shared list of non-literal constants, referenced as #K<n>
        self.defs = []  # module-level ast statements (factories and resume variants)
        self.infos = []  # (FnInfo, normal-name, resume-name, is_factory)
        self.memo = {}
        self.memo_sites = {}
        self.numeric = NumericFacts()
        self.numeric_done = False

    # --- has_site analysis --------------------------------------------------
    def has_site(self, node):
        key = id(node)
        hit = self.memo.get(key)
        if hit is not None:
            return hit[1]
        r = self._has_site(node)
        self.memo[key] = (node, r)  # holding node keeps its id from being reused
        return r

    def _has_site(self, n):
        t = type(n)
        if t in (C.Const, C.LRef, C.GRef, C.Fn):
            return False
        if t is C.Call:
            if self.is_host_call(n):
                return any(self.has_site(a) for a in n.args)
            return True
        if t in (C.Shift, C.Throw):
            return True
        if t is C.Prim:
            return any(self.has_site(a) for a in n.args)
        if t is C.If:
            return self.has_site(n.test) or self.has_site(n.then) or self.has_site(n.else_)
        if t is C.Do:
            return any(self.has_site(a) for a in n.body)
        if t is C.Let:
            return any(self.has_site(v) for _, v in n.bindings) or self.has_site(n.body)
        if t is C.Loop:
            return any(self.has_site(v) for v in n.inits) or self.has_site(n.body)
        if t is C.Recur:
            return any(self.has_site(a) for a in n.args)
        if t is C.Try:
            return (
                self.has_site(n.body)
                or (n.handler is not None and self.has_site(n.handler))
                or (n.finally_ is not None and self.has_site(n.finally_))
            )
        if t in (C.SetL, C.SetG, C.DefG):
            return self.has_site(n.expr)
        if t is C.Dot:
            return self.has_site(n.obj)
        if t in (C.VecLit, C.MapLit):
            return any(self.has_site(a) for a in n.items)
        raise TypeError(t)

    def is_host_call(self, n):
        f = n.fn
        return type(f) is C.GRef and f.builtin and self.host_builtin(f.name)

    # --- functions ----------------------------------------------------------------
    def compile_unit(self, fn, toplevel=False):
        """Compile an Fn node; returns the FnInfo. Top-level units are plain defs, others factories."""
        info_name = f"#I:{fn.symbol}"
        if not self.numeric_done:  # once per compiled unit, nested functions included
            self.numeric.analyze(fn)
            self.numeric_done = True
        ctx = FnCtx(fn, info_name)
        params = [v.py for v in fn.params]
        ctx.live = list(params)
        if fn.rest is not None:
            ctx.live.append(fn.rest.py)
        ctx.live += [v.py for v in fn.free]
        if fn.self_var is not None:
            ctx.live.append(fn.self_var.py)
        body = []
        self.compile_to(fn.body, ctx, body, ("ret",))
        if ctx.has_head_recur:
            body = [LoopS(body)]
        prologue = []
        for v in fn.params:
            if v.boxed:
                prologue.append(assign(v.py, call("#Box", name(v.py))))
        if fn.rest is not None:
            restval = call("#plist", name(fn.rest.py))
            prologue.append(assign(fn.rest.py, call("#Box", restval) if fn.rest.boxed else restval))
        normal_body = prologue + self.emit_normal(body, ctx)
        args = ast.arguments(
            posonlyargs=[],
            args=[ast.arg(p) for p in params],
            vararg=ast.arg(fn.rest.py) if fn.rest else None,
            kwonlyargs=[],
            kw_defaults=[],
            defaults=[],
        )
        pyname = fn.self_var.py if fn.self_var is not None else (fn.name or "fn")
        fdef = ast.FunctionDef(pyname, args, normal_body or [ast.Pass()], [], None)
        at(fdef, fn.pos)
        if toplevel:
            normal_name = f"#f:{fn.symbol}"
            fdef.name = normal_name
            self.defs.append(fdef)
        else:
            normal_name = f"#mk:{fn.symbol}"
            fact_args = ast.arguments(posonlyargs=[], args=[ast.arg(v.py) for v in fn.free], kwonlyargs=[], kw_defaults=[], defaults=[])
            factory = ast.FunctionDef(normal_name, fact_args, [fdef, ast.Return(name(pyname))], [], None)
            at(factory, fn.pos)
            self.defs.append(factory)
        # resume variant
        resume_name = f"#r:{fn.symbol}"
        restore = []
        for n in sorted(ctx.sites):
            names = ctx.sites[n]
            tgt = ast.Tuple([store(x) for x in names], ast.Store()) if names else None
            stmt = ast.Assign([tgt], name(VALS)) if names else ast.Pass()
            restore.append((n, stmt))
        rbody = []
        if restore:
            chain = None
            for n, stmt in reversed(restore):
                chain = ast.If(ast.Compare(name(RS), [ast.Eq()], [const(n)]), [stmt], [chain] if chain else [])
            rbody.append(chain)
            rbody += self.emit_resume(body, ctx)
        else:
            rbody.append(ast.Raise(call("#NoSite", const(fn.symbol)), None))
        rargs = ast.arguments(
            posonlyargs=[], args=[ast.arg(x) for x in (VALS, RS, FRAMES, J, V)], kwonlyargs=[], kw_defaults=[], defaults=[]
        )
        rdef = ast.FunctionDef(resume_name, rargs, rbody, [], None)
        at(rdef, fn.pos)
        self.defs.append(rdef)
        pretty = {}
        for n, names in ctx.sites.items():
            pretty[n] = tuple(display_name(x) for x in names)
        info = FnInfo(
            fn.symbol,
            code_fingerprint(fdef, fn),
            self.module_name,
            self.file,
            fn.pos.line if fn.pos else 0,
            tuple(v.name for v in fn.params),
            pretty,
            free=tuple(v.name for v in fn.free),
            rest=fn.rest.name if fn.rest else None,
        )
        info.free_py = tuple(v.py for v in fn.free)
        info.suspends = frozenset(ctx.suspends)
        info.leaf = not ctx.sites and not ctx.tail_sites
        self.infos.append((info, normal_name, resume_name, not toplevel))
        return info

    # --- expressions -----------------------------------------------------------------
    def new_site(self, ctx, target, callexpr, callee, kind, out, pos):
        ctx.nsite += 1
        n = ctx.nsite
        live = tuple(ctx.live)
        ctx.sites[n] = live
        if kind in ("shift", "throw"):
            ctx.suspends.add(n)
        out.append(SiteS(n, target, callexpr, callee, kind, live, pos))
        return n

    def hold(self, expr, ctx, out):
        """Keep an already evaluated value alive across later sites: it must be a live name."""
        if type(expr) is ast.Constant:
            return expr
        if type(expr) is ast.Name and expr.id in ctx.live:
            return expr
        if type(expr) is ast.Name and expr.id.startswith("~t"):
            ctx.live.append(expr.id)
            return expr
        t = ctx.tmp()
        out.append(assign(t, expr))
        ctx.live.append(t)
        return name(t)

    def compile_args(self, nodes, ctx, out):
        """Evaluate nodes left to right; values computed before a later site are held in live names."""
        n_live = len(ctx.live)
        exprs = []
        for i, node in enumerate(nodes):
            e = self.compile_expr(node, ctx, out)
            if any(self.has_site(m) for m in nodes[i + 1 :]):
                e = self.hold(e, ctx, out)
            exprs.append(e)
        return exprs, n_live

    def const_expr(self, v):
        if v is None or type(v) in (bool, int, float, str, bytes):
            return const(v)
        self.consts.append(v)
        return name(f"#K{len(self.consts) - 1}")

    def ref(self, var):
        if var.boxed:
            return ast.Attribute(name(var.py), "v", ast.Load())
        return name(var.py)

    def compile_expr(self, node, ctx, out):
        t = type(node)
        pos = node.pos
        if t is C.Const:
            return self.const_expr(node.value)
        if t is C.LRef:
            return self.ref(node.var)
        if t is C.GRef:
            return at(self.gref(node), pos)
        if t is C.Call:
            return self.compile_call(node, ctx, out, tail=False)
        if t is C.Prim:
            args, n_live = self.compile_args(node.args, ctx, out)
            del ctx.live[n_live:]
            if node.op in SIMPLE_PRIMS and len(args) == 2 and self.numeric.needs_check(node.op, node.args):
                return at(self.checked_arith(node.op, args, ctx, out), pos)
            return at(self.prim(node.op, args), pos)
        if t is C.Fn:
            self.compile_unit(node)
            return at(call(f"#mk:{node.symbol}", *[name(v.py) for v in node.free]), pos)
        if t is C.Shift:
            body = self.compile_expr(node.body_fn, ctx, out)
            tgt = ctx.tmp()
            self.new_site(ctx, tgt, at(call("#shift", body), pos), None, "shift", out, pos)
            return name(tgt)
        if t is C.Throw:
            v = self.compile_expr(node.expr, ctx, out)
            tgt = ctx.tmp()
            self.new_site(
                ctx, tgt, at(call("#throw", v, const(f"{pos.file}:{pos.line}:{pos.col}" if pos else "?")), pos), None, "throw", out, pos
            )
            return name(tgt)
        if t is C.If:
            if not self.has_site(node.then) and not self.has_site(node.else_) and self.is_pure(node.then) and self.is_pure(node.else_):
                test = self.compile_test(node.test, ctx, out)
                return ast.IfExp(test, self.compile_expr(node.then, ctx, out), self.compile_expr(node.else_, ctx, out))
            tgt = ctx.tmp()
            self.compile_to(node, ctx, out, ("set", tgt))
            return name(tgt)
        if t is C.Do:
            for x in node.body[:-1]:
                self.compile_to(x, ctx, out, ("none",))
            return self.compile_expr(node.body[-1], ctx, out)
        if t is C.Let:
            n_live = len(ctx.live)
            self.bind_let(node, ctx, out)
            r = self.compile_expr(node.body, ctx, out)
            if type(r) is not ast.Constant:
                if self.has_site(node.body) or type(r) is not ast.Name:
                    tgt = ctx.tmp()
                    out.append(assign(tgt, r))
                    r = name(tgt)
            del ctx.live[n_live:]
            return r
        if t in (C.Loop, C.Try):
            tgt = ctx.tmp()
            self.compile_to(node, ctx, out, ("set", tgt))
            return name(tgt)
        if t is C.SetL:
            v = self.compile_expr(node.expr, ctx, out)
            tgt = ctx.tmp()
            out.append(at(assign(tgt, v), pos))
            if node.var.boxed:
                out.append(ast.Assign([ast.Attribute(name(node.var.py), "v", ast.Store())], name(tgt)))
            else:
                out.append(assign(node.var.py, name(tgt)))
            return name(tgt)
        if t in (C.SetG, C.DefG):
            v = self.compile_expr(node.expr, ctx, out)
            mod = getattr(node, "module", None)
            ns = name("#G") if mod is None else name(f"#mod:{mod}")
            tgt = ctx.tmp()
            out.append(at(assign(tgt, v), pos))
            out.append(at(ast.Assign([ast.Subscript(ns, const(node.name), ast.Store())], name(tgt)), pos))
            if t is C.DefG:
                return const(None)
            return name(tgt)
        if t is C.Dot:
            obj = self.compile_expr(node.obj, ctx, out)
            for f in node.fields:
                obj = at(call("#dot", obj, const(f)), pos)
            return obj
        if t is C.VecLit:
            items, n_live = self.compile_args(node.items, ctx, out)
            del ctx.live[n_live:]
            return at(call("#vec", ast.List(items, ast.Load())), pos)
        if t is C.MapLit:
            items, n_live = self.compile_args(node.items, ctx, out)
            del ctx.live[n_live:]
            return at(call("#hmap", *items), pos)
        if t is C.Recur:
            raise AssertionError("recur outside tail position")
        raise TypeError(t)

    def is_pure(self, node):
        return type(node) in (C.Const, C.LRef, C.GRef) or (type(node) is C.Prim and all(self.is_pure(a) for a in node.args))

    def compile_test(self, node, ctx, out):
        e = self.compile_expr(node, ctx, out)
        # only #f and nil are false; known boolean primitives need no check
        if type(node) is C.Prim and node.op in ("<", ">", "<=", ">=", "=", "not=", "not", "nil?"):
            return e
        if type(e) is ast.Constant:
            return const(e.value is not None and e.value is not False)
        if type(e) is not ast.Name:
            t = ctx.tmp()
            out.append(assign(t, e))
            e = name(t)
        return ast.BoolOp(ast.And(), [ast.Compare(e, [ast.IsNot()], [const(False)]), ast.Compare(name(e.id), [ast.IsNot()], [const(None)])])

    def gref(self, node):
        if node.module is not None:
            return call("#modget", name(f"#mod:{node.module}"), const(node.name))
        if node.name in ("None", "True", "False"):  # not valid as Python names
            return name("#" + node.name)
        if node.builtin and self.host_builtin(node.name):
            # bound at compile time: a later user definition of this name must not turn a
            # call that was compiled as "not a capture site" into one that captures
            return name("#b:" + node.name)
        return name(node.name)

    def compile_call(self, node, ctx, out, tail):
        pos = node.pos
        n_live = len(ctx.live)
        fexpr = self.compile_expr(node.fn, ctx, out)
        host = self.is_host_call(node)
        args_have_sites = any(self.has_site(a) for a in node.args)
        if not host:
            if type(fexpr) is not ast.Name or args_have_sites:
                fexpr = self.hold(fexpr, ctx, out)
        args, _ = self.compile_args(node.args, ctx, out)
        callexpr = at(ast.Call(fexpr, args, []), pos)
        del ctx.live[n_live:]
        if host:
            return callexpr
        callee = fexpr if type(fexpr) is ast.Name else None
        if tail:
            ctx.tail_sites += 1
            out.append(SiteS(None, None, callexpr, callee, "tail", (), pos))
            return None
        tgt = ctx.tmp()
        self.new_site(ctx, tgt, callexpr, callee, "call", out, pos)
        return name(tgt)

    def checked_arith(self, op, args, ctx, out):
        """`a + b`, then a class test on the result: an int or a float goes straight on;
        anything else goes to `#arith-check`, which throws type-error (Python would have
        concatenated strings or vectors, or repeated a string)."""
        names = []
        for a in args:
            if type(a) not in (ast.Name, ast.Constant):
                t = ctx.tmp()
                out.append(assign(t, a))
                a = name(t)
            names.append(a)
        r, rt = ctx.tmp(), ctx.tmp()
        computed = ast.NamedExpr(store(r), ast.BinOp(names[0], SIMPLE_PRIMS[op](), names[1]))
        result_type = ast.NamedExpr(store(rt), call("#type", computed))
        test = ast.BoolOp(
            ast.Or(),
            [ast.Compare(result_type, [ast.Is()], [name("#int")]), ast.Compare(name(rt), [ast.Is()], [name("#float")])],
        )
        return ast.IfExp(test, name(r), call("#arith-check", const(op), names[0], names[1], name(r)))

    def prim(self, op, a):
        if op in SIMPLE_PRIMS and len(a) == 2:
            return ast.BinOp(a[0], SIMPLE_PRIMS[op](), a[1])
        if op in COMPARE_PRIMS and len(a) == 2:
            return ast.Compare(a[0], [COMPARE_PRIMS[op]()], [a[1]])
        if op == "=" and len(a) == 2:
            if any(is_plain_eq_literal(x) for x in a):
                return ast.Compare(a[0], [ast.Eq()], [a[1]])
            return call("#eq", a[0], a[1])
        if op == "not=" and len(a) == 2:
            return ast.UnaryOp(ast.Not(), call("#eq", a[0], a[1]))
        if op == "inc":
            return ast.BinOp(a[0], ast.Add(), const(1))
        if op == "dec":
            return ast.BinOp(a[0], ast.Sub(), const(1))
        if op == "not":
            return ast.BoolOp(ast.Or(), [ast.Compare(a[0], [ast.Is()], [const(False)]), ast.Compare(a[0], [ast.Is()], [const(None)])])
        if op == "%at":
            return ast.Subscript(a[0], a[1], ast.Load())
        if op == "%push!":
            return ast.Call(ast.Attribute(a[0], "append", ast.Load()), [a[1]], [])
        if op == "%len":
            return call("#len", a[0])
        if op == "nil?":
            return ast.Compare(a[0], [ast.Is()], [const(None)])
        if op == "-" and len(a) == 1:
            return ast.UnaryOp(ast.USub(), a[0])
        return call("#b:" + op, *a)  # the builtin itself, whatever is defined later

    # --- statements with a destination ("sink") --------------------------------------
    def emit_sink(self, expr, sink, out, pos=None):
        kind = sink[0]
        if kind == "ret":
            out.append(at(ast.Return(expr), pos))
        elif kind == "set":
            out.append(at(assign(sink[1], expr), pos))
        elif kind == "setbrk":
            out.append(at(assign(sink[1], expr), pos))
            out.append(ast.Break())
        elif kind == "none":
            if type(expr) not in (ast.Constant, ast.Name):
                out.append(at(ast.Expr(expr), pos))

    def bind_let(self, node, ctx, out):
        for var, val in node.bindings:
            e = self.compile_expr(val, ctx, out)
            if var.boxed:
                e = call("#Box", e)
            out.append(at(assign(var.py, e), val.pos or node.pos))
            ctx.live.append(var.py)

    def compile_to(self, node, ctx, out, sink):
        t = type(node)
        pos = node.pos
        if t is C.If:
            test = self.compile_test(node.test, ctx, out)
            a, b = [], []
            self.compile_to(node.then, ctx, a, sink)
            self.compile_to(node.else_, ctx, b, sink)
            out.append(IfS(test, a, b))
            return
        if t is C.Do:
            for x in node.body[:-1]:
                self.compile_to(x, ctx, out, ("none",))
            self.compile_to(node.body[-1], ctx, out, sink)
            return
        if t is C.Let:
            n_live = len(ctx.live)
            self.bind_let(node, ctx, out)
            self.compile_to(node.body, ctx, out, sink)
            del ctx.live[n_live:]
            return
        if t is C.Loop:
            n_live = len(ctx.live)
            inits, _ = self.compile_args(node.inits, ctx, out)
            del ctx.live[n_live:]
            for v, e in zip(node.vars, inits, strict=False):
                out.append(at(assign(v.py, call("#Box", e) if v.boxed else e), pos))
                ctx.live.append(v.py)
            if sink[0] == "ret":
                inner = sink
            elif sink[0] in ("set", "setbrk"):
                inner = ("setbrk", sink[1])
            else:
                inner = ("setbrk", ctx.tmp())
            body = []
            self.compile_to(node.body, ctx, body, inner)
            out.append(LoopS(body))
            del ctx.live[n_live:]
            if sink[0] == "setbrk":
                out.append(ast.Break())
            return
        if t is C.Recur:
            n_live = len(ctx.live)
            args, _ = self.compile_args(node.args, ctx, out)
            del ctx.live[n_live:]
            target = node.target
            if isinstance(target, C.Loop):
                vars_ = target.vars
            else:
                vars_ = list(target.params) + ([target.rest] if target.rest else [])
                ctx.has_head_recur = True
            vals = [call("#Box", e) if v.boxed else e for v, e in zip(vars_, args, strict=False)]
            if len(vars_) == 1:
                out.append(at(assign(vars_[0].py, vals[0]), pos))
            elif vars_:
                out.append(at(ast.Assign([ast.Tuple([store(v.py) for v in vars_], ast.Store())], ast.Tuple(vals, ast.Load())), pos))
            out.append(ast.Continue())
            return
        if t is C.Call and sink[0] == "ret" and ctx.shift_body and self.is_continue(node, ctx):
            parts = node.args if type(node.fn) is C.GRef else [node.fn] + node.args
            n_live = len(ctx.live)
            args, _ = self.compile_args(parts, ctx, out)
            del ctx.live[n_live:]
            k, v = args[0], (args[1] if len(args) > 1 else const(None))
            out.append(at(ast.Return(call("#TailContinue", k, v)), pos))
            return
        if t is C.Call and sink[0] == "ret" and not self.is_host_call(node):
            self.compile_call(node, ctx, out, tail=True)
            return
        if t is C.Try:
            self.compile_try(node, ctx, out, sink)
            return
        e = self.compile_expr(node, ctx, out)
        self.emit_sink(e, sink, out, pos)

    def is_continue(self, node, ctx):
        """`(continue k v)`, `(resume k v)` or `(k v)` for this shift body's own k."""
        f = node.fn
        if type(f) is C.GRef and f.builtin and f.name in ("continue", "resume"):
            return 1 <= len(node.args) <= 2
        return type(f) is C.LRef and f.var is ctx.fn.params[0] and not f.var.boxed and len(node.args) <= 1

    def compile_try(self, node, ctx, out, sink):
        r = ctx.tmp()
        out.append(assign(r, const(None)))
        body = []
        self.compile_to(node.body, ctx, body, ("set", r))
        if node.handler is not None:
            handler = []
            n_live = len(ctx.live)
            ev = node.catch_var
            ctx.live.append(ev.py)
            pre = [assign(ev.py, call("#Box", name(ev.py)))] if ev.boxed else []
            self.compile_to(node.handler, ctx, handler, ("set", r))
            del ctx.live[n_live:]
            body = [CatchS(body, ev.py, pre + handler)]
        if node.finally_ is not None:
            exc = ctx.tmp()
            fin = []
            n_live = len(ctx.live)
            ctx.live += [r, exc]
            self.compile_to(node.finally_, ctx, fin, ("none",))
            del ctx.live[n_live:]
            body = [FinallyS(body, exc, fin)]
        out += body
        self.emit_sink(name(r), sink, out, node.pos)

    # --- emission: normal variant ---------------------------------------------------
    def emit_normal(self, stmts, ctx):
        out = []
        for s in stmts:
            t = type(s)
            if t is SiteS:
                out.append(self.site_stmt(s, ctx))
            elif t is IfS:
                out.append(ast.If(s.test, self.emit_normal(s.body, ctx) or [ast.Pass()], self.emit_normal(s.orelse, ctx)))
            elif t is LoopS:
                out.append(ast.While(const(True), self.emit_normal(s.body, ctx) or [ast.Pass()], []))
            elif t is CatchS:
                out.append(self.catch_stmt(s, self.emit_normal(s.body, ctx), ctx))
            elif t is FinallyS:
                out += self.finally_stmts(s, self.emit_normal(s.body, ctx), self.emit_normal(s.fin, ctx))
            else:
                out.append(s)
        return out

    def handler_for(self, s, ctx, resumed=False):
        if s.kind == "tail":
            body = [ast.Expr(call("#check_tail", s.callee))] if s.callee is not None else []
            return ast.ExceptHandler(name("#Unwind"), None, body + [ast.Raise()])
        vals = ast.Tuple([name(x) for x in s.live], ast.Load())
        callee = s.callee if (s.callee is not None and not resumed) else const(None)
        return ast.ExceptHandler(
            name("#Unwind"), "#c", [ast.Expr(call("#cap", name("#c"), callee, name(ctx.info_name), const(s.n), vals)), ast.Raise()]
        )

    def site_stmt(self, s, ctx, resumed_value=None):
        if s.kind == "tail":
            inner = at(ast.Return(s.call), s.pos)
        else:
            inner = at(assign(s.target, resumed_value if resumed_value is not None else s.call), s.pos)
        if s.kind in ("shift", "throw") and resumed_value is not None:
            return inner
        return at(ast.Try([inner], [self.handler_for(s, ctx, resumed_value is not None)], [], []), s.pos)

    def catch_stmt(self, s, body, ctx, handler=None):
        handler = handler if handler is not None else self.emit_normal(s.handler, ctx)
        h1 = ast.ExceptHandler(name("#Capture"), None, [ast.Raise()])
        h2 = ast.ExceptHandler(name("BaseException"), "#e", [assign(s.evar, call("#caught", name("#e")))] + (handler or [ast.Pass()]))
        return ast.Try(body or [ast.Pass()], [h1, h2], [], [])

    def finally_stmts(self, s, body, fin, guard=None):
        h1 = ast.ExceptHandler(name("#Unwind"), None, [ast.Raise()])
        h2 = ast.ExceptHandler(name("BaseException"), "#e", [assign(s.exc, name("#e"))])
        protected = [assign(s.exc, const(None)), ast.Try(body or [ast.Pass()], [h1, h2], [], [])]
        if guard is not None:
            protected = [ast.If(guard, protected, [])]
        reraise = ast.If(ast.Compare(name(s.exc), [ast.IsNot()], [const(None)]), [ast.Raise(name(s.exc), None)], [])
        return protected + fin + [reraise]

    # --- emission: resume variant ------------------------------------------------------
    def emit_resume(self, stmts, ctx):
        out = []
        plain = []

        def flush():
            if plain:
                out.append(ast.If(rs_is_zero(), self.emit_normal(plain, ctx), []))
                plain.clear()

        for s in stmts:
            sites = site_set(s, self.memo_sites)
            if not sites:
                plain.append(s)
                continue
            flush()
            out += self.resume_stmt(s, sites, ctx)
        flush()
        return out

    def resume_stmt(self, s, sites, ctx):
        t = type(s)
        guard = ast.BoolOp(ast.Or(), [rs_is_zero(), rs_in(sites)])
        if t is SiteS:
            if s.kind in ("shift", "throw"):
                val = name(V)
            else:
                val = call("#resume_frames", name(FRAMES), ast.BinOp(name(J), ast.Sub(), const(1)), name(V))
            resumed = [assign(RS, const(0)), self.site_stmt(s, ctx, resumed_value=val)]
            return [ast.If(ast.Compare(name(RS), [ast.Eq()], [const(s.n)]), resumed, [ast.If(rs_is_zero(), [self.site_stmt(s, ctx)], [])])]
        if t is IfS:
            a_sites = block_sites(s.body, self.memo_sites)
            test = ast.IfExp(name(RS), rs_in(a_sites) if a_sites else const(False), s.test)
            inner = ast.If(test, self.emit_resume(s.body, ctx) or [ast.Pass()], self.emit_resume(s.orelse, ctx))
            return [ast.If(guard, [inner], [])]
        if t is LoopS:
            return [ast.If(guard, [ast.While(const(True), self.emit_resume(s.body, ctx) or [ast.Pass()], [])], [])]
        if t is CatchS:
            h_sites = block_sites(s.handler, self.memo_sites)
            normal = self.catch_stmt(s, self.emit_resume(s.body, ctx), ctx)
            if h_sites:
                inner = ast.If(rs_in(h_sites), self.emit_resume(s.handler, ctx), [normal])
                return [ast.If(guard, [inner], [])]
            return [ast.If(guard, [normal], [])]
        if t is FinallyS:
            f_sites = block_sites(s.fin, self.memo_sites)
            enter_body = ast.UnaryOp(ast.Not(), rs_in(f_sites)) if f_sites else None
            stmts = self.finally_stmts(s, self.emit_resume(s.body, ctx), self.emit_resume(s.fin, ctx), guard=enter_body)
            return [ast.If(guard, stmts, [])]
        raise TypeError(t)


def display_name(py):
    if py.startswith("~"):
        return py
    return py.rsplit("~", 1)[0]
