"""Lowering: core nodes -> statement IR, in A-normal form only around capture sites.

Input: the `Fn` body (core nodes) and its `FnCtx`. Output: a list of Python `ast`
statements and IR nodes (`ir.py`) appended to `out`: expressions without sites stay
single Python expressions; a site's value goes to a temporary, and values computed
before a later site are held in live names so a resume can restore them.
"""

from __future__ import annotations

import ast
import operator

from ..core import nodes as C
from ..core.errors import InternalError
from .analysis import SiteAnalysis
from .emit_normal import emit_normal
from .fastpath import (
    _TYPE_IS,
    BOOLEAN_HELPERS,
    BOOLEAN_PRIMS,
    COMPARE_OPS,
    FAST_HELPERS,
    STRUCT_PARAM_LOCAL,
    FastPaths,
    InlineHOF,
    SiteHOF,
    SiteJoin,
    struct_layout_test,
)
from .ir import CatchS, FinallyS, IfS, LoopS, SiteS
from .numeric import children, loop_recurs
from .pyast import assign, at, call, const, name, store
from .transient import STEPS, StructLoops, TransientPass


def is_plain_eq_literal(e):
    """A literal for which Python's `==` already is Turmeric's `=`: a string, or a number
    that no boolean equals (Python has `True == 1` and `False == 0`)."""
    if type(e) is not ast.Constant:
        return False
    v = e.value
    return type(v) is str or (type(v) in (int, float) and v != 0 and v != 1)


def _assignment_order(targets, values):
    """An order of the assignments `targets[j] = values[j]` equal to assigning them all at
    once: a value that reads another target is assigned before that target changes. None
    when there is a cycle."""
    index = {t: j for j, t in enumerate(targets)}
    before = {j: set() for j in range(len(targets))}  # k in before[j]: j must wait for k
    for j, e in enumerate(values):
        for n in ast.walk(e):
            if type(n) is ast.Name:
                k = index.get(n.id)
                if k is not None and k != j:
                    before[k].add(j)  # values[j] reads targets[k]: assign j before k
    order, done = [], set()
    while len(order) < len(targets):
        ready = [j for j in range(len(targets)) if j not in done and before[j] <= done]
        if not ready:
            return None
        for j in ready:
            order.append(j)
            done.add(j)
    return order


def _type_is_name(py, tname):
    return ast.Compare(call("#type", name(py)), [ast.Is()], [name(tname)])


def _type_tests(stmts):
    """How many type tests generated code makes: `type(x)` calls and `x is (not) True` tests."""
    n = 0
    for s in stmts:
        for x in _walk_ir(s):
            if type(x) is ast.Call and type(x.func) is ast.Name and x.func.id == "#type":
                n += 1
            elif type(x) is ast.Compare and type(x.comparators[0]) is ast.Constant and x.comparators[0].value is True:
                n += 1
    return n


class _DropSpReads(ast.NodeTransformer):
    """`<indexed read> if ~sp else <read by name>` -> the read by name."""

    def visit_IfExp(self, node):
        self.generic_visit(node)
        if type(node.test) is ast.Name and node.test.id == STRUCT_PARAM_LOCAL:
            return node.orelse
        return node


def _without_sp_reads(stmts):
    """IR statements (no capture site among them) with each field read behind `~sp` replaced
    by its read by name, for code that runs only when the layout test failed."""
    drop = _DropSpReads()
    out = []
    for s in stmts:
        t = type(s)
        if t is IfS:
            out.append(IfS(drop.visit(s.test), _without_sp_reads(s.body), _without_sp_reads(s.orelse)))
        elif t is LoopS:
            out.append(LoopS(_without_sp_reads(s.body)))
        elif t is CatchS:
            out.append(CatchS(_without_sp_reads(s.body), s.evar, _without_sp_reads(s.handler)))
        elif t is FinallyS:
            out.append(FinallyS(_without_sp_reads(s.body), s.exc, _without_sp_reads(s.fin)))
        elif t is SiteS:
            raise InternalError("struct_split: a capture site in a split body", s.pos)
        else:
            out.append(drop.visit(s))
    return out


def _walk_ir(s):
    """The Python nodes of an IR statement (ir.py) or a Python statement."""
    t = type(s)
    if t is IfS:
        yield from ast.walk(s.test)
        for x in s.body + s.orelse:
            yield from _walk_ir(x)
    elif t is LoopS:
        for x in s.body:
            yield from _walk_ir(x)
    elif t is SiteS:
        yield from ast.walk(s.call)
    elif t is CatchS:
        for x in s.body + s.handler:
            yield from _walk_ir(x)
    elif t is FinallyS:
        for x in s.body + s.fin:
            yield from _walk_ir(x)
    else:
        yield from ast.walk(s)


def _has_fn(node):
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is C.Fn:
            return True
        stack.extend(children(n))
    return False


def copy_expr(e):
    import copy

    return copy.deepcopy(e)


def is_attribute_path(e):
    """`a.b.c` over a plain name: cheap and side-effect free to evaluate again."""
    while type(e) is ast.Attribute:
        e = e.value
    return type(e) is ast.Name


def copy_path(e):
    if type(e) is ast.Attribute:
        return ast.Attribute(copy_path(e.value), e.attr, ast.Load())
    return ast.Name(e.id, ast.Load())


# library collection functions that are calls, not primitives, but have fast paths
# (`fastpath.fast_coll`): name -> the argument counts they apply to
_COLL_CALLS = {"assoc": {"assoc": STEPS["assoc"]}}

SIMPLE_PRIMS = {"+": ast.Add, "-": ast.Sub, "*": ast.Mult}

# the current state (session), read once on entry by a function with a method call site: a
# frame runs in one state from its entry (or its resumption) to its exit, as `activate` resets it
STATE_LOCAL = "~st"

_TYPE_FACTS = {"string?": "#str", "keyword?": "#Keyword"}

# the type predicates chain_type_test reads type(x) once for: the exact-type ones, and
# vector? and map? as (exact type, the library's isinstance class)
_CHAIN_TYPE_OPS = {**dict.fromkeys(_TYPE_IS), "vector?": ("#PVec", "#PVector"), "map?": ("#PMapT", "#PMap")}

_PY_COMPARE = {"<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}

# primitives whose operands cost a type test unless known to be numbers
INT_USE = frozenset(
    {"+", "-", "*", "<", ">", "<=", ">=", "=", "not=", "mod", "quot", "inc", "dec", "zero?", "pos?", "neg?", "even?", "odd?"}
)


class FnCtx:
    def __init__(self, fn, info_name):
        self.fn = fn
        self.info_name = info_name
        self.nsite = 0
        self.sites = {}  # n -> tuple of Python names
        self.suspends = set()  # sites where the frame itself captures (shift, throw): innermost frames
        self.site_pos = {}  # n -> (line, col) of the site in the Turmeric source
        self.live = []
        self.ntmp = 0
        self.has_head_recur = False
        self.not_bool = set()  # locals known not to be booleans here (Lowering.enter_not_bool)
        self.types = {}  # locals known to be of one exact type here: var -> "#str" (enter_type)
        self.chain = None  # (If node, {var: temp}): the else-if that may reuse type(var) (chain_type_test)
        self.type_temps = {}  # var -> temp holding type(var), in a chain's last else without sites
        self.tail_sites = 0
        self.shift_body = fn.is_shift_body
        self.ctor_sites = {}  # site number -> struct name of a construction's slow path (Lowering.construct)
        self.ctor_tails = []  # (tail site count, struct name) of those in tail position
        # an instance method's dispatch parameter, when its type is a struct known here:
        # (Python name, the struct's fields, its `#sp:` cache); `sp_used` once a field read uses it
        self.struct_param = None
        self.sp_used = False
        # compiling the copy of the body that runs once the entry test passed (`struct_split`):
        # field reads of the parameter index it with no test (or read the local named here for
        # the field: {field: local}); `sp_split` once the body is split
        self.sp_known = None
        self.sp_split = False
        self.sp_fast = None  # that copy's IR, also compiled as the method's fast entry (unit.py)
        self.reads_state = False  # has a method call site: `~st` is read on entry (compiler/unit.py)

    def tmp(self):
        self.ntmp += 1
        return f"~t{self.ntmp}"


class Lowering(FastPaths, InlineHOF, SiteHOF, SiteJoin, TransientPass, StructLoops, SiteAnalysis):
    """The expression and statement compilers; `compile_unit` (in `unit.py`) drives them."""

    def new_site(self, ctx, target, callexpr, callee, kind, out, pos, label=None, py=False):
        ctx.nsite += 1
        n = ctx.nsite
        live = tuple(ctx.live)
        ctx.sites[n] = live
        if kind in ("shift", "throw"):
            ctx.suspends.add(n)
        if pos is not None:
            ctx.site_pos[n] = (pos.line, pos.col)
        out.append(SiteS(n, target, callexpr, callee, kind, live, pos, label, py))
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
        """Evaluate nodes left to right; values computed before a later site are held in live names,
        and before a later assignment (`(+ x (do (set! x 5) 1))`) in temporaries: a later
        node's statements run before the expressions returned for the earlier ones."""
        n_live = len(ctx.live)
        exprs = []
        for i, node in enumerate(nodes):
            e = self.compile_expr(node, ctx, out)
            if type(e) is not ast.Constant and any(self.assigns(m) for m in nodes[i + 1 :]):
                t = ctx.tmp()
                out.append(assign(t, e))
                e = name(t)
            if any(self.has_site(m) for m in nodes[i + 1 :]):
                e = self.hold(e, ctx, out)
            exprs.append(e)
        return exprs, n_live

    def assigns(self, node):
        """Does evaluating node assign a variable (`set!`, `def`) outside a closure's body?"""
        memo = self.__dict__.setdefault("_assigns_memo", {})
        hit = memo.get(id(node))
        if hit is not None:
            return hit[1]
        r = False
        stack = [node]
        while stack:
            n = stack.pop()
            if type(n) in (C.SetL, C.SetG, C.DefG):
                r = True
                break
            if type(n) is not C.Fn:
                stack.extend(x for x in children(n) if x is not None)
        memo[id(node)] = (node, r)  # holding node keeps its id from being reused
        return r

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
        if self.tfresh and id(node) in self.tfresh:
            return self.compile_fresh(node, ctx, out)
        if self.tops and id(node) in self.tops:
            return self.compile_transient_op(node, self.tops[id(node)], ctx, out)
        if t is C.Const:
            return self.const_expr(node.value)
        if t is C.LRef:
            if self.sra_active and node.var in self.sra_active:  # an exit: build the struct
                sname, locs = self.sra_active[node.var]
                return at(call(name(sname), *[name(x) for x in locs.values()]), pos)
            return self.ref(node.var)
        if t is C.GRef:
            return at(self.gref(node), pos)
        if t is C.Call:
            if self.handoff_reduce and id(node) in self.handoff_reduce:
                return self.compile_treduce(node, ctx, out)
            if self.is_host_call(node) and node.fn.name in FAST_HELPERS:
                fast = self.fast_helper(node, ctx, out)
                if fast is not None:
                    return at(fast, pos)
            fn = self.inline_hof_fn(node)
            if fn is not None:
                return self.compile_inline_hof(node, fn, ctx, out)
            loop = self.site_hof(node)
            if loop is not None:
                return self.compile_expr(loop, ctx, out)
            if type(node.fn) is C.GRef and node.fn.name in _COLL_CALLS:
                op = self.coll_op(node, _COLL_CALLS[node.fn.name])
                if op is not None:  # `assoc`, `contains?`... of the library: as a primitive
                    return self.compile_expr(self.temp_prim(op[0], op[1], pos), ctx, out)
            return self.compile_call(node, ctx, out, tail=False)
        if t is C.Prim:
            args, n_live = self.compile_args(node.args, ctx, out)
            del ctx.live[n_live:]
            if node.op in SIMPLE_PRIMS and len(args) == 2 and not all(self.numeric.is_num(a) for a in node.args):
                return at(self.checked_arith(node, args, ctx, out), pos)
            if node.op in SIMPLE_PRIMS and len(args) > 2:
                return at(self.nary_arith(node, args, ctx, out), pos)
            fast = self.fast_prim(node, args, ctx, out)
            if fast is not None:
                return at(fast, pos)
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
                test_out, then_out, else_out = [], [], []
                test = self.compile_test(node.test, ctx, test_out)
                added = self.enter_not_bool(node.test, ctx)
                typed = self.enter_type(node.test, ctx)
                then = self.compile_expr(node.then, ctx, then_out)
                ctx.types.pop(typed, None)
                else_ = self.compile_expr(node.else_, ctx, else_out)
                ctx.not_bool -= added
                if not then_out and not else_out:  # a branch's statements would run unconditionally
                    out += test_out
                    return ast.IfExp(test, then, else_)
            tgt = ctx.tmp()
            self.compile_to(node, ctx, out, ("set", tgt))
            return name(tgt)
        if t is C.Do:
            for x in node.body[:-1]:
                self.compile_to(x, ctx, out, ("none",))
            return self.compile_expr(node.body[-1], ctx, out)
        if t is C.Let:
            r = self.fast_andor(node, ctx, out, test=False)
            if r is not None:
                return at(r, pos)
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
        if t is C.Attr:
            return at(ast.Attribute(self.compile_expr(node.obj, ctx, out), node.name, ast.Load()), pos)
        if t is C.Dot:
            fields = node.fields
            if self.sra_active and type(node.obj) is C.LRef and node.obj.var in self.sra_active:
                obj = name(self.sra_active[node.obj.var][1][fields[0]])
                fields = fields[1:]
            else:
                obj = self.compile_expr(node.obj, ctx, out)
            for f in fields:
                obj = at(self.fast_dot(obj, f, ctx, out), pos)
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
            raise InternalError("lowering: recur outside tail position", pos)
        raise InternalError(f"lowering: unknown core node {t.__name__}", pos)

    def temp_prim(self, op, args, pos):
        """A Prim node made while compiling; kept alive, since memos are keyed by node id."""
        p = C.Prim(op, list(args), pos)
        self.temp_nodes.append(p)
        return p

    def compile_fresh(self, node, ctx, out):
        """A transient variable's next value that is not its own update: `(%tbegin value)`,
        so that a Python list never becomes the loop's list (compiler/transient.py)."""
        self.tfresh.discard(id(node))
        try:
            e = self.compile_expr(node, ctx, out)
        finally:
            self.tfresh.add(id(node))
        return at(call("#b:%tbegin", e), node.pos)

    def compile_transient_op(self, node, op, ctx, out):
        """A read, update or exit of a transient accumulator (`compiler/transient.py`)."""
        if op == "%tend":
            if node.var in self.handoff_out:  # the next loop takes the transient as it is
                return self.ref(node.var)
            return at(call("#b:%tend", self.ref(node.var)), node.pos)
        return self.compile_expr(self.temp_prim(op, node.args, node.pos), ctx, out)

    # --- structs rebuilt in a loop (compiler/transient.py, StructLoops) --------------------------
    def struct_loop_copy(self, sra, node, ctx, inner, generic, prefix=()):
        """`if <each struct variable is its struct, of the layout seen here>: <unpack the fields
        into locals> <the loop over locals> else: <the ordinary loop>`."""
        tests, unpack, active = [], [], {}
        dot_nums = set(self.numeric.dot_nums)
        for _, v, sname, fields, nums in sra:
            locs = {f: f"{v.py}:{f}" for f in fields}
            active[v] = (sname, locs)
            tests.append(_type_is_name(v.py, sname))
            layout = call("#b:%struct-layout", name(sname))
            tests.append(ast.Compare(layout, [ast.Eq()], [const(" ".join(fields))]))
            targets = ast.Tuple([store(x) for x in locs.values()], ast.Store())
            unpack.append(ast.Assign([targets], ast.Attribute(name(v.py), "vals", ast.Load())))
            # the fields that stay numbers when they start as numbers (not booleans): tested
            # once here, so their arithmetic in the loop needs no checks
            for f in nums:
                val = ast.Subscript(name(v.py), const(fields.index(f)), ast.Load())
                t = ctx.tmp()
                first = ast.Compare(ast.NamedExpr(store(t), call("#type", val)), [ast.Is()], [name("#int")])
                tests.append(ast.BoolOp(ast.Or(), [first, ast.Compare(name(t), [ast.Is()], [name("#float")])]))
                dot_nums.add((v, f))
        saved, saved_loops, saved_nums = self.sra_active, self.sra_active_loops, self.numeric.dot_nums
        self.sra_active = {**saved, **active}
        self.sra_active_loops = saved_loops | {node}
        self.numeric.dot_nums = frozenset(dot_nums)
        try:
            body = list(prefix)
            self.compile_to(node.body, ctx, body, inner)
        finally:
            self.sra_active, self.sra_active_loops, self.numeric.dot_nums = saved, saved_loops, saved_nums
        return IfS(ast.BoolOp(ast.And(), tests), unpack + [LoopS(body)], [generic])

    # --- functions of ints: a copy of the body without the type tests --------------------------
    def compile_fn_body(self, fn, ctx):
        """The body of fn as IR (`int_body_copy`), split on an instance method's struct layout
        test (`struct_split`)."""
        return self.struct_split(fn, ctx, self.int_body_copy(fn, ctx))

    def struct_split(self, fn, ctx, body):
        """`if <the dispatch parameter has the layout compiled for>: <body reading its fields by
        index> else: <body>` for an instance method whose field reads use the layout
        (`ctx.sp_used`), when the body has no capture site (a frame resumed in another process
        would skip the test, and the struct it holds may have another layout there) and no
        function inside (it would be compiled twice). Otherwise each field read tests `~sp`,
        set on entry (compiler/unit.py)."""
        if not ctx.sp_used or ctx.sites or ctx.tail_sites or ctx.nsite:
            return body
        # a field the body reads more than once is read once, into a local, on entering the
        # copy: the struct is immutable and of the layout tested, so each read gives the same
        p, fields, _ = ctx.struct_param
        reads = {}
        stack = [fn.body]
        while stack:
            x = stack.pop()
            if type(x) is C.Fn or type(x) is C.Shift:
                return body
            if type(x) is C.Dot and type(x.obj) is C.LRef and x.obj.var.py == p and x.fields[0] in fields:
                reads[x.fields[0]] = reads.get(x.fields[0], 0) + 1
            stack.extend(children(x))
        ctx.sp_known = {f: ctx.tmp() for f in fields if reads.get(f, 0) > 1}
        try:
            fast = [assign(t, ast.Subscript(name(p), const(fields.index(f)), ast.Load())) for f, t in ctx.sp_known.items()]
            fast += self.int_body_copy(fn, ctx)
        finally:
            ctx.sp_known = None
        if ctx.sites or ctx.tail_sites or ctx.nsite:  # compiled the same way: can't differ, but be sure
            raise InternalError("struct_split: a site appeared in the copy", fn.pos)
        ctx.sp_split = True
        ctx.sp_fast = fast
        # the other copy runs when the test failed: its reads' `~sp` tests are dead
        return [IfS(struct_layout_test(ctx.struct_param), fast, _without_sp_reads(body))]

    def int_body_copy(self, fn, ctx):
        """The body of fn as IR. When parameters that its arithmetic and comparisons take are
        ints at entry (never `set!` nor rebound by a `recur`), a copy of the body compiled
        knowing it runs; the ordinary body runs otherwise. Kept only when the copy has at
        least two type tests fewer than the ordinary body per parameter tested at entry.
        Both copies may hold capture sites: they are numbered apart, and the resume variant
        enters the copy holding the site it resumes at (emit_resume's `IfS`)."""
        generic = []
        self.compile_to(fn.body, ctx, generic, ("ret",))
        params = self.int_param_candidates(fn)
        if not params:
            return generic
        tests = _type_tests(generic)
        if tests < 2 * len(params):  # the copy can't save enough
            return generic
        saved = self.numeric.snapshot()
        state = (ctx.nsite, dict(ctx.sites), set(ctx.suspends), dict(ctx.site_pos), ctx.tail_sites, ctx.has_head_recur)
        try:
            self.numeric.assume(params, fn.body, ints=True)
            fast = []
            self.compile_to(fn.body, ctx, fast, ("ret",))
        finally:
            self.numeric.restore(saved)
        if tests - _type_tests(fast) < 2 * len(params):  # not worth it: forget the copy's sites
            ctx.nsite, ctx.sites, ctx.suspends, ctx.site_pos, ctx.tail_sites, ctx.has_head_recur = state
            return generic
        test = [_type_is_name(v.py, "#int") for v in sorted(params, key=lambda v: v.py)]
        return [IfS(test[0] if len(test) == 1 else ast.BoolOp(ast.And(), test), fast, generic)]

    def int_param_candidates(self, fn):
        """The parameters of fn that arithmetic, comparisons and the numeric predicates in its
        body take as operands not known to be numbers, never `set!`; none when the body has a
        function inside (it would be compiled twice) or a `recur` to fn's head."""
        if fn.is_shift_body:
            return set()
        params = {v for v in fn.params if not v.mutated}
        used = set()
        stack = [fn.body]
        while stack:
            x = stack.pop()
            t = type(x)
            if t is C.Fn or t is C.Shift or (t is C.Recur and x.target is fn):
                return set()
            if t is C.Prim and x.op in INT_USE:
                used.update(a.var for a in x.args if type(a) is C.LRef and a.var in params and not self.numeric.is_num(a))
            stack.extend(children(x))
        return used

    # --- loops over ints: a copy without the type tests (numeric.assume_loop_entry) ----------
    def int_loop_candidates(self, node, in_scope):
        """(outside, used) for a loop worth a copy that runs when some locals are ints: the loop
        has no capture site (nothing can resume inside either copy) and no function inside
        (it would be compiled twice); `used` are the locals that arithmetic, comparisons and
        the numeric predicates in its body take as operands not known to be numbers,
        `outside` those of them bound before the loop and never `set!`. None if there are none."""
        if self.has_site(node.body):
            return None
        used = set()
        stack = [node.body]
        while stack:
            x = stack.pop()
            t = type(x)
            if t is C.Fn:
                return None
            if t is C.Prim and x.op in INT_USE:
                used.update(a.var for a in x.args if type(a) is C.LRef and not self.numeric.is_num(a))
            stack.extend(children(x))
        if not used:
            return None
        loop_vars = set(node.vars)
        outside = {v for v in used if v not in loop_vars and not v.mutated and v.py in in_scope}
        if not outside and not (used & loop_vars):
            return None
        return outside, used

    def int_loop_copy(self, node, cands, ctx, inner, prefix=list):
        """`if <the locals are ints>: <loop compiled knowing it> else: <the ordinary loop>`.
        `prefix()`: fresh statements each copy's body starts with."""
        outside, used = cands
        self.in_loop_copy += 1
        try:
            generic = prefix()
            self.compile_to(node.body, ctx, generic, inner)
            tested, saved = self.numeric.assume_loop_entry(node, outside, used)
            try:
                if not outside and not tested:
                    return LoopS(generic)
                fast = prefix()
                self.compile_to(node.body, ctx, fast, inner)
            finally:
                self.numeric.restore(saved)
        finally:
            self.in_loop_copy -= 1
        test = [_type_is_name(v.py, "#int") for v in sorted(outside | tested, key=lambda v: v.py)]
        counted = self.counted_loop(node, ctx, inner, outside, tested, prefix)
        if counted is not None:
            entry, fast_stmt = counted
            test += entry
        else:
            fast_stmt = LoopS(fast)
        return IfS(test[0] if len(test) == 1 else ast.BoolOp(ast.And(), test), [fast_stmt], [LoopS(generic)])

    def list_loop_copy(self, node, cands, ctx, inner, prefix, lists, otherwise):
        """`if <the transient variables lists are lists> (and the int tests of int_loop_copy):
        <the loop compiled knowing it> else: otherwise`. Those variables stay the same list
        through the loop once they are one (`transient_stable`: every next value is an update
        of them), so the copy updates and reads them with no type test
        (`FastPaths.fast_tlist`); any other start value runs otherwise (the ordinary copies)."""
        outside, used = cands or (frozenset(), frozenset())
        saved_lists = self.tlist_vars
        self.tlist_vars = saved_lists | lists
        try:
            tested, saved = self.numeric.assume_loop_entry(node, outside, used)
            self.numeric.restore(saved)
            counted = self.counted_loop(node, ctx, inner, outside, tested, prefix)
            if counted is not None:
                entry, fast_stmt = counted
            else:
                entry = []
                self.in_loop_copy += 1
                tested, saved = self.numeric.assume_loop_entry(node, outside, used)
                try:
                    fast = prefix()
                    self.compile_to(node.body, ctx, fast, inner)
                finally:
                    self.numeric.restore(saved)
                    self.in_loop_copy -= 1
                fast_stmt = LoopS(fast)
        finally:
            self.tlist_vars = saved_lists
        test = [_type_is_name(v.py, "#TList") for v in sorted(lists, key=lambda v: v.py)]
        test += [_type_is_name(v.py, "#int") for v in sorted(outside | tested, key=lambda v: v.py)] + entry
        return IfS(test[0] if len(test) == 1 else ast.BoolOp(ast.And(), test), [fast_stmt], otherwise)

    def counted_loop(self, node, ctx, inner, outside=frozenset(), tested=frozenset(), prefix=list):
        """The int copy of `(loop [i a ...] (if (< i b) (... (recur (inc i) ...)) exit))` as
        `for i in range(i, b): ... else: exit`, when b is an int literal or a local tested at
        entry, i an int at entry, and every recur steps i by one (`inc`, or `dec` for `>`
        and `>=`) in the branch that continues. `=`/`not=` count too, entered only when i is
        on b's side (`i <= b` stepping up, `i >= b` down; else the while copy runs, as long
        as the ordinary loop would). Entry tests and the statement, or None."""
        body = node.body
        if type(body) is not C.If or type(body.test) is not C.Prim or len(body.test.args) != 2:
            return None
        op, (a, b) = body.test.op, body.test.args
        if type(b) is C.LRef and b.var in node.vars and not (type(a) is C.LRef and a.var in node.vars):
            a, b = b, a
            op = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        if type(a) is not C.LRef or a.var not in node.vars or op not in ("<", "<=", ">", ">=", "=", "not="):
            return None
        i = a.var
        k = node.vars.index(i)
        init = node.inits[k]
        if self.has_site(body):  # nothing may resume inside the for (nor in another copy)
            return None
        saved = self.numeric.assume_loop_entry(node, outside, {i})[1] if outside or tested else None
        try:
            if not (i in tested or self.numeric.is_int(init)):
                return None
            if type(b) is C.Const:
                if type(b.value) is not int:
                    return None
            elif type(b) is not C.LRef or b.var in node.vars or b.var.mutated or not self.numeric.is_int(b):
                return None
        finally:
            if saved is not None:
                self.numeric.restore(saved)
        go, stop = (body.else_, body.then) if op == "=" else (body.then, body.else_)
        if op in ("<", "<=", ">", ">=") and not any(True for _ in loop_recurs(go, node)):
            # `(if (> k n) exit (recur ...))` continues while (<= k n)
            go, stop, op = stop, go, {"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[op]
        recurs = list(loop_recurs(go, node))
        if not recurs or any(True for _ in loop_recurs(stop, node)) or any(True for _ in loop_recurs(body.test, node)):
            return None
        steps = {x.args[k].op for x in recurs if type(x.args[k]) is C.Prim and x.args[k].op in ("inc", "dec")}
        if len(steps) != 1 or any(not (type(x.args[k].args[0]) is C.LRef and x.args[k].args[0].var is i) for x in recurs):
            return None
        step = 1 if steps == {"inc"} else -1
        iv, bv = name(i.py), (const(b.value) if type(b) is C.Const else name(b.var.py))
        entry = []
        if op in ("<", "<="):
            if step != 1:
                return None
            end = bv if op == "<" else ast.BinOp(bv, ast.Add(), const(1))
        elif op in (">", ">="):
            if step != -1:
                return None
            end = bv if op == ">" else ast.BinOp(bv, ast.Sub(), const(1))
        else:
            entry = [ast.Compare(iv, [ast.LtE() if step == 1 else ast.GtE()], [bv])]
            end = bv
        # compiled again under the same facts as the while copy
        saved = self.numeric.assume_loop_entry(node, outside, {i})[1] if outside or tested else None
        self.counted[node] = k
        try:
            loop_body, exit_ = prefix(), prefix()  # each iteration, and the exit, read the transient types
            self.compile_to(go, ctx, loop_body, inner)
            out_sink = ("set", inner[1]) if inner[0] == "setbrk" else inner
            self.compile_to(stop, ctx, exit_, out_sink)
        finally:
            del self.counted[node]
            if saved is not None:
                self.numeric.restore(saved)
        fix = ast.If(ast.Compare(name(i.py), [ast.Lt() if step == 1 else ast.Gt()], [copy_expr(end)]), [assign(i.py, copy_expr(end))], [])
        args = [name(i.py), end] + ([] if step == 1 else [const(-1)])
        loop = ast.For(
            store(i.py), ast.Call(name("#range"), args, []), emit_normal(loop_body, ctx) or [ast.Pass()], [fix] + emit_normal(exit_, ctx)
        )
        return entry, at(loop, node.pos)

    def compile_struct_recur(self, node, ctx, out):
        """A recur to a loop whose struct variables live in locals: a constructor call at such
        a variable's place assigns its arguments to the field locals, in one tuple with the
        other new values (all computed first, as recur does)."""
        nodes, targets = [], []
        for v, a in zip(node.target.vars, node.args, strict=False):
            if v in self.sra_active:
                if type(a) is C.LRef and a.var is v:
                    continue
                nodes += a.args
                targets += list(self.sra_active[v][1].values())
            else:
                nodes.append(a)
                targets.append(v.py)
        n_live = len(ctx.live)
        args, _ = self.compile_args(nodes, ctx, out)
        del ctx.live[n_live:]
        order = _assignment_order(targets, args)
        if order is None:  # the new values read each other's targets in a cycle: one tuple
            out.append(at(ast.Assign([ast.Tuple([store(x) for x in targets], ast.Store())], ast.Tuple(args, ast.Load())), node.pos))
        else:  # a tuple of 4 or more would be built and unpacked on every iteration
            for j in order:
                if not (type(args[j]) is ast.Name and args[j].id == targets[j]):
                    out.append(at(assign(targets[j], args[j]), node.pos))
        out.append(ast.Continue())

    def is_pure(self, node):
        return type(node) in (C.Const, C.LRef, C.GRef) or (type(node) is C.Prim and all(self.is_pure(a) for a in node.args))

    def compile_test(self, node, ctx, out):
        if type(node) is C.Let:
            r = self.fast_andor(node, ctx, out, test=True)
            if r is not None:
                return r
        e = self.compile_expr(node, ctx, out)
        # only #f and nil are false; known boolean primitives need no check
        if type(node) is C.Prim and node.op in BOOLEAN_PRIMS:
            return e
        if type(node) is C.Call and self.is_host_call(node) and node.fn.name in BOOLEAN_HELPERS:
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
        kw_nodes = [v for _, v in node.kwargs]
        args_have_sites = any(self.has_site(a) for a in node.args) or any(self.has_site(v) for v in kw_nodes)
        # a Python attribute path (`json.dumps`, `s.upper`) is called in place, as Python
        # would: re-evaluated only by the barrier check, and only while a capture unwinds
        stable = type(fexpr) is ast.Name or (type(node.fn) is C.Attr and is_attribute_path(fexpr))
        if not host:
            if type(fexpr) is not ast.Constant and any(self.assigns(a) for a in [*node.args, *kw_nodes]):
                t = ctx.tmp()  # the operator is evaluated first, before an argument assigns it
                out.append(assign(t, fexpr))
                fexpr = name(t)
            if not stable or args_have_sites:
                fexpr = self.hold(fexpr, ctx, out)
        exprs, _ = self.compile_args(list(node.args) + kw_nodes, ctx, out)
        args, kwvals = exprs[: len(node.args)], exprs[len(node.args) :]
        keywords = [ast.keyword(k, v) for (k, _), v in zip(node.kwargs, kwvals, strict=True)]
        callexpr = at(ast.Call(fexpr, args, keywords), pos)
        del ctx.live[n_live:]
        if host:
            return callexpr
        callee = fexpr if type(fexpr) is ast.Name else (copy_path(fexpr) if type(node.fn) is C.Attr and is_attribute_path(fexpr) else None)
        if not keywords and type(fexpr) is ast.Name:
            sname = self._sra_ctor(node)
            if sname is not None and len(self.struct_fields(sname)) == len(args):
                return self.construct(sname, fexpr, args, ctx, out, pos, tail)
            idx = self.method_site(node)
            if idx is not None and idx < len(args):
                args = [self.simple(a, ctx, out) for a in args]
                callexpr = self.cached_method_call(node.fn.name, idx, fexpr, args, ctx, pos)
        py = {}
        if node.pyname is not None:
            # method calls name their callee at run time (`list.sort`); paths as written
            py = {"label": None if node.pyname.startswith(".") else node.pyname, "py": True}
        if tail:
            ctx.tail_sites += 1
            out.append(SiteS(None, None, callexpr, callee, "tail", (), pos, **py))
            return None
        tgt = ctx.tmp()
        self.new_site(ctx, tgt, callexpr, callee, "call", out, pos, **py)
        return name(tgt)

    def construct(self, sname, fexpr, args, ctx, out, pos, tail):
        """`(S a b)` where the global `S` is, at compile time, a struct class without checked
        fields and this many fields: while the global still holds the class a site cache
        (`#nc:S@symbol/k`) learned, the value is built here, `tuple.__new__(S, (a, b))`
        (`#tnew`: no Python frame); anything else (first call, a redefined `S`) is the ordinary call
        site, through `#new_miss`, which learns the class when it is such a struct."""
        ctx.nnew = getattr(ctx, "nnew", 0) + 1
        nc = f"#nc:{sname}@{ctx.fn.symbol}/{ctx.nnew}"
        test = ast.Compare(fexpr, [ast.Is()], [ast.Attribute(name(nc), "t", ast.Load())])
        tgt = ctx.tmp()
        value = call("#tnew", copy_expr(fexpr), ast.Tuple(args, ast.Load()))
        fast = [at(ast.Return(value) if tail else assign(tgt, value), pos)]
        slow_call = at(call("#new_miss", name(nc), copy_expr(fexpr), *[copy_expr(a) for a in args]), pos)
        slow = []
        if tail:
            ctx.tail_sites += 1
            ctx.ctor_tails.append((ctx.tail_sites, sname))
            slow.append(SiteS(None, None, slow_call, copy_expr(fexpr), "tail", (), pos))
        else:
            ctx.ctor_sites[self.new_site(ctx, tgt, slow_call, copy_expr(fexpr), "call", slow, pos)] = sname
        out.append(IfS(test, fast, slow))
        return None if tail else name(tgt)

    def method_site(self, node):
        """The index of the argument a call dispatches on, when it calls a global (of this
        module) that holds a type-class method at compile time; else None."""
        f = node.fn
        if node.pyname is not None or type(f) is not C.GRef or f.module is not None or f.builtin:
            return None
        return self.dispatch_index(f.name)

    @staticmethod
    def read_state():
        """`~st = ` the current state (session): on entry of a function with a method call
        site (compiler/unit.py), and again after what may change it inside the frame."""
        return assign(STATE_LOCAL, call("#tc_state", name("#tc_default")))

    def cached_method_call(self, mname, idx, fexpr, args, ctx, pos):
        """A type-class method call with an inline cache (`#dc:m@symbol/k`, a SiteCache whose
        `h` is one tuple: dispatcher, state, `get` of a dict from Python type to method):
        when the global called and the current state (session, `~st`: read once on entry)
        are the entry's and the dispatch argument's type is in it, the method is called
        directly (no dispatcher frame); otherwise `#tc_miss` dispatches (with the
        dispatcher's own errors) and adds the type to the entry. `args` are names or constants."""
        ctx.nmeth = getattr(ctx, "nmeth", 0) + 1
        ctx.reads_state = True
        dc = f"#dc:{mname}@{ctx.fn.symbol}/{ctx.nmeth}"
        h, f = f"~dc{ctx.nmeth}", f"~dm{ctx.nmeth}"

        def hv(i):
            return ast.Subscript(name(h), const(i), ast.Load())

        entry = ast.NamedExpr(store(h), ast.Attribute(name(dc), "h", ast.Load()))
        method = ast.NamedExpr(store(f), ast.Call(hv(2), [call("#type", copy_expr(args[idx]))], []))
        test = ast.BoolOp(
            ast.And(),
            [
                ast.Compare(ast.Subscript(entry, const(0), ast.Load()), [ast.Is()], [copy_expr(fexpr)]),
                ast.Compare(hv(1), [ast.Is()], [name(STATE_LOCAL)]),
                ast.Compare(method, [ast.IsNot()], [const(None)]),
            ],
        )
        hit = ast.Call(name(f), [copy_expr(a) for a in args], [])
        miss = call("#tc_miss", name(dc), copy_expr(fexpr), const(idx), *args)
        return at(ast.IfExp(test, hit, miss), pos)

    def checked_arith(self, node, args, ctx, out):
        """`a + b` where an operand is not known to be a number. Python's operator would
        take a boolean as 1 or 0, so each such operand is first tested not to be `True` or
        `False` (two identity tests); where Python could also produce a non-number
        (concatenated strings or vectors, a repeated string), a class test on the result
        follows. Anything that fails goes to `#arith-check`, which throws type-error."""
        op = node.op
        names = [self.simple(a, ctx, out) for a in args]
        known = [self.numeric.is_num(a) for a in node.args]
        if all(known):
            return self.bool_guarded(ast.BinOp(names[0], SIMPLE_PRIMS[op](), names[1]), op, node.args, names, ctx)
        if any(known):
            if op != "*" and not self.not_bool_tests(node.args, names, ctx):
                # number +/- what an earlier ordering showed is not a boolean (`(< n 2)`):
                # Python raises TypeError on what it can't add to a number. (A Fraction or a
                # Decimal, which the library's `<` orders, is added: a class test here
                # would cost a self-recursive fib ~15%, so that hole is left.)
                return ast.BinOp(names[0], SIMPLE_PRIMS[op](), names[1])
            # `(* 2 x)`, `(+ x 1)`: one class test on the other operand (an int or a float, so
            # not a boolean nor a string) instead of the result's class and two identity
            # tests; for + and - as well, where identity tests alone would let through what
            # Python adds to a number and the library refuses (a Fraction, a Decimal, a
            # complex, an IntEnum: tests/programs/audit_python_numbers.tm)
            x = names[known.index(False)]
            t = ctx.tmp()
            test = ast.BoolOp(
                ast.Or(),
                [
                    ast.Compare(ast.NamedExpr(store(t), call("#type", x)), [ast.Is()], [name("#int")]),
                    ast.Compare(name(t), [ast.Is()], [name("#float")]),
                ],
            )
            return ast.IfExp(test, ast.BinOp(names[0], SIMPLE_PRIMS[op](), names[1]), call("#b:" + op, *names))
        tests = self.not_bool_tests(node.args, names, ctx)
        if len(tests) == 4:
            # neither operand known: a class test on each (int or float, so no boolean nor
            # string) is fewer steps than the result's class and four identity tests, and
            # nothing else is computed before the library's `op` throws type-error
            # (`type(x)` twice for a float: two steps fewer for an int than keeping it)
            checks = [
                ast.BoolOp(
                    ast.Or(),
                    [
                        ast.Compare(call("#type", x), [ast.Is()], [name("#int")]),
                        ast.Compare(call("#type", copy_expr(x)), [ast.Is()], [name("#float")]),
                    ],
                )
                for x in names
            ]
            if type(names[0]) is ast.Name and type(names[1]) is ast.Name and names[0].id == names[1].id:
                checks = checks[:1]  # `(* x x)`: one local, tested once
            test = ast.BoolOp(ast.And(), checks) if len(checks) > 1 else checks[0]
            return ast.IfExp(test, ast.BinOp(names[0], SIMPLE_PRIMS[op](), names[1]), call("#b:" + op, *names))
        r, rt = ctx.tmp(), ctx.tmp()
        computed = ast.NamedExpr(store(r), ast.BinOp(names[0], SIMPLE_PRIMS[op](), names[1]))
        result_type = ast.NamedExpr(store(rt), call("#type", computed))
        test = ast.BoolOp(
            ast.Or(),
            [ast.Compare(result_type, [ast.Is()], [name("#int")]), ast.Compare(name(rt), [ast.Is()], [name("#float")])],
        )
        if tests:
            test = ast.BoolOp(ast.And(), [test, *tests])
        return ast.IfExp(test, name(r), call("#arith-check", const(op), names[0], names[1], name(r)))

    def enter_not_bool(self, test, ctx):
        """An `if` whose test is a comparison has tested each local it compares not to be a
        boolean (`FastPaths.fast_prim`: a boolean throws), so within both branches those locals
        need no such test again; returns the locals added, to be removed after the branches.
        Only locals never `set!`: their value in the branches is the one the test saw."""
        if type(test) is not C.Prim or test.op not in COMPARE_OPS or len(test.args) < 2:
            return set()
        added = {a.var for a in test.args if type(a) is C.LRef and not a.var.mutated} - ctx.not_bool
        ctx.not_bool |= added
        return added

    def moved_guard(self, test, ctx):
        """(var, branch) when the `if` test compares a local not known to be a number with a
        number literal, and the comparison has the same outcome for #t and #f taken as 1 and
        0 (as Python takes them): Python's comparison is then the test, and only the branch it
        sends a boolean to (True: then, False: else) tests for one (`moved_guard_stmt`).
        `(< n 2)` is true for 1 and 0: fib's recursive branch pays no boolean test."""
        if type(test) is not C.Prim or test.op not in COMPARE_OPS or len(test.args) != 2:
            return None
        a, b = test.args
        if type(a) is C.LRef and type(b) is C.Const:
            var, c, left = a.var, b.value, True
        elif type(b) is C.LRef and type(a) is C.Const:
            var, c, left = b.var, a.value, False
        else:
            return None
        if (
            type(c) not in (int, float)
            or var.boxed
            or var.mutated
            or var in ctx.not_bool
            or self.numeric.is_num(test.args[0 if left else 1])
        ):
            return None
        cmp = _PY_COMPARE[test.op]
        outcomes = {cmp(x, c) if left else cmp(c, x) for x in (1, 0)}
        if len(outcomes) != 1:
            return None
        return var, outcomes.pop()

    def moved_guard_stmt(self, test, var, ctx):
        """`if x is True or x is False: <the library's comparison>` (which throws type-error)."""
        x = self.ref(var)
        is_bool = ast.BoolOp(ast.Or(), [ast.Compare(x, [ast.Is()], [const(True)]), ast.Compare(self.ref(var), [ast.Is()], [const(False)])])
        args = [self.ref(var) if type(a) is C.LRef else self.const_expr(a.value) for a in test.args]
        return at(ast.If(is_bool, [at(ast.Expr(call("#b:" + test.op, *args)), test.pos)], []), test.pos)

    def chain_type_test(self, test, chain, ctx):
        """The test of an `if` that is a type predicate (`string?`, `keyword?`, `int?`, ...,
        `vector?`, `map?`) of a local never `set!`, reading `type(x)` once per chain of
        else-ifs: the first such test of x stores it (`(t := type(x)) is str`), the tests of
        the else-ifs after it read t. Only tests reach them (an else-if's test runs only after
        the tests before it, none of which has a site), so t is always set there, also in the
        resume variant, which routes to a site without running the tests. `vector?` and `map?`
        are the exact type first, then the library's isinstance unless t is a scalar type.
        None for any other test (compiled as usual)."""
        if type(test) is not C.Prim or len(test.args) != 1 or test.op not in _CHAIN_TYPE_OPS:
            return None
        x = test.args[0]
        if type(x) is not C.LRef or x.var.mutated or x.var.boxed:
            return None
        t = chain.get(x.var)
        if t is None:
            t = chain[x.var] = ctx.tmp()
            first = ast.NamedExpr(store(t), call("#type", self.ref(x.var)))
        else:
            first = name(t)
        op = test.op
        if op in _TYPE_IS:
            return at(ast.Compare(first, [ast.Is()], [name(_TYPE_IS[op])]), test.pos)
        exact, abc = _CHAIN_TYPE_OPS[op]
        other = ast.BoolOp(
            ast.And(), [ast.Compare(name(t), [ast.NotIn()], [name("#SCALARS")]), call("#isinstance", self.ref(x.var), name(abc))]
        )
        return at(ast.BoolOp(ast.Or(), [ast.Compare(first, [ast.Is()], [name(exact)]), other]), test.pos)

    def enter_type(self, test, ctx):
        """An `if` testing `(string? x)` or `(keyword? x)` of a local never `set!`: x has that
        exact type in the then branch (`ctx.types`, read by `str` and `name`). Returns the
        local added, for the caller to remove before the else branch, or None."""
        if type(test) is not C.Prim or test.op not in _TYPE_FACTS or len(test.args) != 1:
            return None
        x = test.args[0]
        if type(x) is not C.LRef or x.var.mutated or x.var in ctx.types:
            return None
        ctx.types[x.var] = _TYPE_FACTS[test.op]
        return x.var

    def nary_arith(self, node, args, ctx, out):
        """`(+ a b c ...)`: the operators left to right, as the library folds them, behind a
        test that each operand not known to be a number is an int or a float (so a boolean
        or a string goes to the library function, which throws type-error)."""
        tests = []
        xs = []
        for n, a in zip(node.args, args, strict=True):
            if not self.numeric.is_num(n):
                a = self.simple(a, ctx, out)
                t = ctx.tmp()
                tests.append(
                    ast.BoolOp(
                        ast.Or(),
                        [
                            ast.Compare(ast.NamedExpr(store(t), call("#type", a)), [ast.Is()], [name("#int")]),
                            ast.Compare(name(t), [ast.Is()], [name("#float")]),
                        ],
                    )
                )
            xs.append(a)
        e = xs[0]
        for x in xs[1:]:
            e = ast.BinOp(e, SIMPLE_PRIMS[node.op](), x)
        if not tests:
            return e
        test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
        return ast.IfExp(test, e, call("#b:" + node.op, *xs))

    def prim(self, op, a):
        if op in SIMPLE_PRIMS and len(a) == 2:
            return ast.BinOp(a[0], SIMPLE_PRIMS[op](), a[1])
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
        if op == "%transient":  # the prelude's accumulator
            return call("#Transient")
        if op == "%acc":  # an inlined map's accumulator (fastpath.SiteHOF)
            return ast.List([], ast.Load())
        if op in ("%range-lo", "%range-hi"):  # a loop over a (range ...) (fastpath.SiteHOF)
            attr = ast.Attribute(a[0], "start" if op == "%range-lo" else "stop", ast.Load())
            return ast.IfExp(ast.Compare(call("#type", a[0]), [ast.Is()], [name("#range")]), attr, const(0))
        if op == "%kv?":  # a loop over a map's items (fastpath.SiteHOF, `_kv_fusion`)
            return ast.Compare(call("#type", a[0]), [ast.Is()], [name("#PMapT")])
        if op == "%kv-items":
            items = call("#tuple", call(ast.Attribute(a[1], "items", ast.Load())))
            return ast.IfExp(a[0], items, call("#b:%items", call("#b:keys", a[1])))
        if op == "%kv-key":
            return ast.IfExp(a[0], ast.Subscript(a[1], const(0), ast.Load()), a[1])
        if op == "%kv-val":
            return ast.IfExp(a[0], ast.Subscript(a[1], const(1), ast.Load()), call("#b:get", a[2], a[3]))
        if op == "nil?":
            return ast.Compare(a[0], [ast.Is()], [const(None)])
        if op == "-" and len(a) == 1:
            return ast.UnaryOp(ast.USub(), a[0])
        return call("#b:" + op, *a)  # the builtin itself, whatever is defined later

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

    def bind_let(self, node, ctx, out, sink=None):
        """The let's bindings, in order; sink is the let's (None for a let in an expression)."""
        for var, val in node.bindings:
            if self.handoffs:
                self.take_handoff(val, sink)
            if var.boxed and type(val) is C.Fn and var in val.free:
                # a local defn whose name is set!: the closure holds the box it is stored in
                out.append(at(assign(var.py, call("#Box", const(None))), val.pos or node.pos))
                e = self.compile_expr(val, ctx, out)
                out.append(at(ast.Assign([ast.Attribute(name(var.py), "v", ast.Store())], e), val.pos or node.pos))
                ctx.live.append(var.py)
                continue
            e = self.compile_expr(val, ctx, out)
            if var.boxed:
                e = call("#Box", e)
            out.append(at(assign(var.py, e), val.pos or node.pos))
            ctx.live.append(var.py)

    def take_handoff(self, val, sink):
        """Hand a loop's transient to the next loop (`compiler/transient.py`) when nothing after
        the second loop in the let can record a frame holding the first one's variable: no
        capture site there but the let body as a tail call (its frame holds nothing)."""
        h = self.handoffs.get(id(val))
        if h is None:
            return
        var, receiver, k, after = h
        ok = all(
            not self.has_site(x) or (i == len(after) - 1 and sink is not None and sink[0] == "ret" and self.plain_tail_call(x))
            for i, x in enumerate(after)
        )
        into = self.handoff_in if k is not None else self.handoff_reduce
        key = (id(receiver), k) if k is not None else id(receiver)
        if ok:
            self.handoff_out.add(var)
            into.add(key)
        else:
            self.handoff_out.discard(var)
            into.discard(key)

    def compile_treduce(self, node, ctx, out):
        """`(reduce f init v)` of a host function over a handed-over transient v: `%treduce`."""
        args, n_live = self.compile_args(node.args, ctx, out)
        del ctx.live[n_live:]
        return at(call("#b:%treduce", *args), node.pos)

    def plain_tail_call(self, node):
        """A call compiled as a tail call (no frame of this function) whose parts have no site."""
        return (
            type(node) is C.Call
            and not self.is_host_call(node)
            and self.inline_hof_fn(node) is None
            and self.site_hof(node) is None
            and not self.has_site(node.fn)
            and not any(self.has_site(a) for a in node.args)
            and not any(self.has_site(v) for _, v in node.kwargs)
        )

    def compile_to(self, node, ctx, out, sink):
        t = type(node)
        pos = node.pos
        if self.tfresh and id(node) in self.tfresh:
            self.emit_sink(self.compile_fresh(node, ctx, out), sink, out, pos)
            return
        if self.handoff_reduce and id(node) in self.handoff_reduce:
            self.emit_sink(self.compile_treduce(node, ctx, out), sink, out, pos)
            return
        if t is C.If:
            chain = ctx.chain[1] if ctx.chain is not None and ctx.chain[0] is node else {}
            ctx.chain = None
            moved = self.moved_guard(node.test, ctx)
            if moved is not None:  # the test's boolean test runs in one branch only
                ctx.not_bool.add(moved[0])
            test = self.chain_type_test(node.test, chain, ctx)
            if test is None:
                test = self.compile_test(node.test, ctx, out)
            a, b = [], []
            added = self.enter_not_bool(node.test, ctx)
            if moved is not None:
                added.add(moved[0])
                (a if moved[1] else b).append(self.moved_guard_stmt(node.test, moved[0], ctx))
            typed = self.enter_type(node.test, ctx)
            self.compile_to(node.then, ctx, a, sink)
            ctx.types.pop(typed, None)
            saved_temps = ctx.type_temps
            if type(node.else_) is C.If and not self.has_site(node.test):
                ctx.chain = (node.else_, chain)
            elif chain and not self.has_site(node.test) and not self.has_site(node.else_):
                ctx.type_temps = chain  # the chain's last else: `str` reads the type stored
            self.compile_to(node.else_, ctx, b, sink)
            ctx.chain = None
            ctx.type_temps = saved_temps
            ctx.not_bool -= added
            out.append(IfS(test, a, b))
            return
        if t is C.Do:
            for x in node.body[:-1]:
                self.compile_to(x, ctx, out, ("none",))
            self.compile_to(node.body[-1], ctx, out, sink)
            return
        if t is C.Let:
            n_live = len(ctx.live)
            self.bind_let(node, ctx, out, sink)
            self.compile_to(node.body, ctx, out, sink)
            del ctx.live[n_live:]
            return
        if t is C.Loop:
            n_live = len(ctx.live)
            inits, _ = self.compile_args(node.inits, ctx, out)
            del ctx.live[n_live:]
            for i in self.transient_inits.get(id(node), ()):
                if (id(node), i) not in self.handoff_in:  # else the previous loop's transient, as it is
                    inits[i] = call("#b:%tbegin", inits[i])
            for v, e in zip(node.vars, inits, strict=False):
                out.append(at(assign(v.py, call("#Box", e) if v.boxed else e), pos))
                ctx.live.append(v.py)
            if sink[0] == "ret":
                inner = sink
            elif sink[0] in ("set", "setbrk"):
                inner = ("setbrk", sink[1])
            else:
                inner = ("setbrk", ctx.tmp())
            # a transient variable with several operations: its type, read once at the top
            # of each iteration (and again after a slow path, which may change it)
            typed = {node.vars[i]: ctx.tmp() for i in sorted(self.transient_typed.get(id(node), ()))}
            saved_ttypes = self.ttypes
            self.ttypes = {**saved_ttypes, **typed}

            def type_reads():
                # (none for a list in a copy entered when it is one: it stays that list)
                return [assign(tt, call("#type", name(v.py))) for v, tt in typed.items() if v not in self.tlist_vars]

            try:
                sra = self.struct_loops.get(id(node))
                copy = self.int_loop_candidates(node, set(ctx.live[:n_live])) if sra is None and not self.in_loop_copy else None
                lists = frozenset()
                if sra is None and not self.in_loop_copy and not _has_fn(node.body):
                    lists = frozenset(node.vars[i] for i in self.transient_stable.get(id(node), ()))
                if lists:  # a copy for the lists in front of the loop's other copies
                    whole, out = out, []
                body = type_reads()
                if copy is not None:
                    out.append(self.int_loop_copy(node, copy, ctx, inner, type_reads))
                elif sra is None:
                    self.compile_to(node.body, ctx, body, inner)
                    counted = None if self.in_loop_copy or _has_fn(node.body) else self.counted_loop(node, ctx, inner, prefix=type_reads)
                    if counted is None:
                        out.append(LoopS(body))
                    elif counted[0]:
                        out.append(IfS(counted[0][0], [counted[1]], [LoopS(body)]))
                    else:
                        out.append(counted[1])
                else:
                    self.compile_to(node.body, ctx, body, inner)
                    out.append(self.struct_loop_copy(sra, node, ctx, inner, LoopS(body), type_reads()))
                if lists:
                    whole.append(self.list_loop_copy(node, copy, ctx, inner, type_reads, lists, out))
                    out = whole
            finally:
                self.ttypes = saved_ttypes
            del ctx.live[n_live:]
            if sink[0] == "setbrk":
                out.append(ast.Break())
            return
        if t is C.Recur and self.sra_active and node.target in self.sra_active_loops:
            self.compile_struct_recur(node, ctx, out)
            return
        if t is C.Recur:
            n_live = len(ctx.live)
            args, _ = self.compile_args(node.args, ctx, out)
            del ctx.live[n_live:]
            target = node.target
            if isinstance(target, C.Loop):
                vars_ = target.vars
                skip = self.counted.get(target)
                if skip is not None:  # a counted loop: the for statement steps this one
                    keep = [j for j in range(len(vars_)) if j != skip]
                    vars_, args = [vars_[j] for j in keep], [args[j] for j in keep]
            else:
                vars_ = list(target.params) + ([target.rest] if target.rest else [])
                ctx.has_head_recur = True
            vals = [call("#Box", e) if v.boxed else e for v, e in zip(vars_, args, strict=False)]
            # a variable that is its own next value needs no assignment
            keep = [j for j, (v, e) in enumerate(zip(vars_, vals, strict=False)) if not (type(e) is ast.Name and e.id == v.py)]
            if len(keep) < len(vars_):
                vars_, vals = [vars_[j] for j in keep], [vals[j] for j in keep]
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
        if t is C.Call and not self.is_host_call(node):
            loop = self.site_hof(node)
            if loop is not None:
                self.compile_to(loop, ctx, out, sink)
                return
        if t is C.Call and sink[0] == "ret" and not self.is_host_call(node) and self.inline_hof_fn(node) is None:
            self.compile_call(node, ctx, out, tail=True)
            return
        if t is C.Try:
            self.compile_try(node, ctx, out, sink)
            return
        if t is C.Call and self.is_host_call(node) and self.ref_set_stmt(node, ctx, out, sink):
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
        if node.exit_var is not None:
            # `with`: its __enter__ (and below, its __exit__) may make another session current
            # (Session.activate), so a frame's state (`~st`, read on entry) is read again
            body.append(self.read_state())
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
        if node.finally_ is not None or node.exit_var is not None:
            exc = ctx.tmp()
            fin = []
            n_live = len(ctx.live)
            ctx.live += [r, exc]
            if node.finally_ is not None:
                self.compile_to(node.finally_, ctx, fin, ("none",))
            if node.exit_var is not None:  # `with`: __exit__ sees the exception and may clear it
                fin.append(at(assign(exc, call("#with-exit", self.ref(node.exit_var), name(exc))), node.pos))
                fin.append(self.read_state())
            del ctx.live[n_live:]
            body = [FinallyS(body, exc, fin)]
        out += body
        self.emit_sink(name(r), sink, out, node.pos)
