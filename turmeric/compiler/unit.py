"""Compiling one code unit: an `Fn` node -> its normal variant, resume variant and `FnInfo`.

Input: an `Fn` (core nodes) of one top-level form. Output: `ModuleCompiler.defs`
(module-level Python `ast` definitions: a plain def or a factory, plus the resume
variant, for the `Fn` and every function inside it) and `ModuleCompiler.infos`.
The passes, in order: `numeric` facts, `transient` (loop accumulators updated in place,
structs kept in locals), `lower` (core nodes -> IR), `emit_normal`,
`emit_resume`, `fingerprint`.
"""

from __future__ import annotations

import ast
import copy

from ..core import nodes as C
from ..core.registry import FAST_ENTRY, FnInfo
from .emit_normal import emit_normal
from .emit_resume import emit_resume
from .fastpath import STRUCT_PARAM_LOCAL, struct_layout_test
from .fingerprint import code_fingerprint
from .ir import LoopS
from .lower import FnCtx, Lowering
from .numeric import NumericFacts, children
from .pyast import FRAMES, RS, VALS, J, V, assign, at, call, const, name, store


class ModuleCompiler(Lowering):
    """Compiles the core nodes of one top-level form into one Python module AST.

    `host_builtin(name)` says whether a prelude name is a host (Python) function
    that never calls back into Turmeric: calls to those are not capture sites.
    """

    def __init__(self, module_name, file, host_builtin, consts, struct_fields=None, dispatch_index=None):
        self.module_name = module_name
        self.file = file
        self.host_builtin = host_builtin
        # name -> fields of an untyped struct, or None; name -> the argument index of the
        # type-class method that global holds, or None. What they answered is kept in
        # `assumed`: the generated code (so its fingerprint) depends on it, and a code record
        # carries it so another process compiles the same form to the same code.
        self.assumed = {"structs": {}, "methods": {}}
        self.struct_fields = _recording(struct_fields or _no_structs, self.assumed["structs"], list)
        self.dispatch_index = _recording(dispatch_index or _no_structs, self.assumed["methods"], int)
        self.consts = consts  # shared list of non-literal constants, referenced as #K<n>
        self.defs = []  # module-level ast statements (factories and resume variants)
        self.infos = []  # (FnInfo, normal-name, resume-name, is_factory)
        self.memo = {}
        self.memo_sites = {}
        self.numeric = NumericFacts()
        self.numeric_done = False
        self.tops = {}  # compiler/transient.py: id(node) -> its transient operation
        self.transient_inits = {}
        self.transient_typed = {}
        self.transient_stable = {}  # id(Loop) -> its transient variables whose every next value is an update of them
        self.tlist_vars = frozenset()  # while compiling a loop copy entered when these are lists
        self._stable_found = {}  # (Loop, index) -> the operations of a stable transient variable
        self._let_loops = {}  # let-bound Var -> the Loop it is bound to (transient.py)
        self.ttypes = {}  # transient Var -> the local holding its type this iteration
        self.transient_reduce = set()
        self.tfresh = set()  # ids of next values of a transient from elsewhere: inside %tbegin
        self.handoffs = {}  # id(Loop) -> its transient handed to the next loop (transient.py)
        self.handoff_out = set()  # while compiling: loop variables whose exits hand the transient over
        self.handoff_in = set()  # (id(Loop), index): initial values taken as they are
        self.handoff_reduce = set()  # ids of (reduce f init v) calls over a handed-over transient
        self.temp_nodes = []
        self.struct_loops = {}  # id(Loop) -> its struct variables kept in locals
        self.sra_active = {}
        self.sra_active_loops = frozenset()
        self.dict_accs = set()  # reduce accumulators known to be a TDict or TMap (fastpath.keeps_acc)
        self.counted = {}  # Loop -> index of its variable a `for` steps (Lowering.counted_loop)
        self.in_loop_copy = 0  # > 0 while compiling a copy of a loop (no copies inside it)
        self.unit_ctx = None  # the FnCtx of the function being compiled (SiteHOF asks it)

    def compile_unit(self, fn, toplevel=False):
        """Compile an Fn node; returns the FnInfo. Top-level units are plain defs, others factories."""
        info_name = f"#I:{fn.symbol}"
        if not self.numeric_done:  # once per compiled unit, nested functions included
            self.numeric.analyze(fn)
            self.transient_pass(fn)
            self.numeric_done = True
        ctx = FnCtx(fn, info_name)
        params = [v.py for v in fn.params]
        ctx.live = list(params)
        if fn.rest is not None:
            ctx.live.append(fn.rest.py)
        ctx.live += [v.py for v in fn.free]
        if fn.self_var is not None:
            ctx.live.append(fn.self_var.py)
        ctx.struct_param = self.struct_param(fn)
        outer, self.unit_ctx = self.unit_ctx, ctx
        try:
            body = self.compile_fn_body(fn, ctx)
        finally:
            self.unit_ctx = outer
        sp_entry = self.struct_param_entry(ctx) if ctx.sp_used and not ctx.sp_split else None
        if sp_entry is not None:
            body = [sp_entry, *body]  # on entry, and (a head `recur` rebinds it) each iteration
        if ctx.has_head_recur:
            body = [LoopS(body)]
        prologue = []
        for v in fn.params:
            if v.boxed:
                prologue.append(assign(v.py, call("#Box", name(v.py))))
        if fn.rest is not None:
            restval = call("#plist", name(fn.rest.py))
            prologue.append(assign(fn.rest.py, call("#Box", restval) if fn.rest.boxed else restval))
        state_read = [self.read_state()] if ctx.reads_state else []
        # the split copy alone, for dispatch to call on a struct of the class its layout test
        # learned (typeclasses.fast_entry): no head recur (each iteration tests its struct)
        fast_body = None
        if ctx.sp_split and not ctx.has_head_recur and not toplevel:
            fast_body = copy.deepcopy(prologue) + emit_normal(copy.deepcopy(ctx.sp_fast), ctx)
        normal_body = state_read + prologue + emit_normal(body, ctx)
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
            fact_body = [fdef]
            if fast_body is not None:
                # after fdef: the loader takes the factory's first code constant for fdef's
                fast_name = f"{pyname}#fast"
                fact_body.append(at(ast.FunctionDef(fast_name, copy.deepcopy(args), fast_body, [], None), fn.pos))
                # the index of the parameter its layout test is on: a class redefined later may
                # dispatch on another argument, whose class says nothing of this one's
                entry = ast.Tuple([name(fast_name), name(ctx.struct_param[2]), const(fn.instance_of[0])], ast.Load())
                fact_body.append(ast.Assign([ast.Attribute(name(pyname), FAST_ENTRY, ast.Store())], entry))
                # Python's arity errors name the function: the method's name, not the copy's
                for attr in ("__name__", "__qualname__"):
                    fact_body.append(
                        ast.Assign([ast.Attribute(name(fast_name), attr, ast.Store())], ast.Attribute(name(pyname), attr, ast.Load()))
                    )
            factory = ast.FunctionDef(normal_name, fact_args, [*fact_body, ast.Return(name(pyname))], [], None)
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
        rbody = [self.read_state()] if state_read else []  # the resume variant's own copy
        if restore:
            chain = None
            for n, stmt in reversed(restore):
                chain = ast.If(ast.Compare(name(RS), [ast.Eq()], [const(n)]), [stmt], [chain] if chain else [])
            rbody.append(chain)
            if sp_entry is not None:  # statements before the site don't run when resuming
                restored = all(ctx.struct_param[0] in names for names in ctx.sites.values())
                rbody.append(self.struct_param_entry(ctx) if restored else assign(STRUCT_PARAM_LOCAL, const(False)))
            rest = emit_resume(body, ctx, self.memo_sites)
            if not toplevel and fn.name is not None and fn.self_var is None and _reads_name(rest, pyname):
                # the normal variant's own name is its factory's local def, the function itself
                # (what `numeric.self_calls` knows the results of): here too, not the global,
                # which may hold another function since (the frame's FnInfo is its own)
                me = call(
                    ast.Attribute(
                        ast.Subscript(ast.Subscript(name(FRAMES), name(J), ast.Load()), const(0), ast.Load()), "factory", ast.Load()
                    )
                )
                me.args = [name(v.py) for v in fn.free]
                rbody.append(assign(pyname, me))
            rbody += rest
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
            code_fingerprint(fdef, fn, self.consts),
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
        info.site_pos = dict(ctx.site_pos)
        info.leaf = not ctx.sites and not ctx.tail_sites
        info.ctors = construction_only(fn, ctx) if not info.leaf else None
        # an inlined map's accumulator (fastpath.SiteHOF) is in a frame: freeze it at capture;
        # it and a loop over a map's items (`#kv`) have their locals' kinds checked at decode
        info.transient = any(display_name(x) in ("#acc", "#kv") for names in ctx.sites.values() for x in names)
        self.infos.append((info, normal_name, resume_name, not toplevel))
        return info

    def struct_param(self, fn):
        """For an instance method of a struct type known here (fields unchecked, `struct_fields`)
        whose dispatch parameter is never `set!`: (its Python name, the fields, the `#sp:` cache
        name). Its field reads then index the struct directly when the entry test passed."""
        if fn.instance_of is None:
            return None
        idx, sname = fn.instance_of
        if idx >= len(fn.params):
            return None
        v = fn.params[idx]
        if v.mutated or v.boxed:
            return None
        fields = self.struct_fields(sname)
        if fields is None:
            return None
        # the layout is in the cache's name: a redefinition of the struct and the instance
        # compiles the method again under the same symbol, and a cache shared by versions
        # of other layouts would pass one version's struct to the other (a resumed frame of
        # the old version runs beside the new one)
        return (v.py, tuple(fields), f"#sp:{sname}@{fn.symbol} {' '.join(fields)}")

    @staticmethod
    def struct_param_entry(ctx):
        """`~sp = <the layout test>` (fastpath.struct_layout_test), once on entry."""
        return assign(STRUCT_PARAM_LOCAL, struct_layout_test(ctx.struct_param))


def construction_only(fn, ctx):
    """The struct names of fn's constructions when they are all its capture sites (their slow
    paths) and fn assigns no global (`set!`, `def`): while each of those globals holds a
    struct class, a call of fn can't capture (`%host?`). Else None. Sites of a copy of the
    body that was dropped (`compile_fn_body`) are not counted: numbers past the last kept."""
    if not ctx.ctor_sites and not ctx.ctor_tails:
        return None
    sites = {n: s for n, s in ctx.ctor_sites.items() if n in ctx.sites}
    tails = [s for k, s in ctx.ctor_tails if k <= ctx.tail_sites]
    if len(sites) != len(ctx.sites) or len(tails) != ctx.tail_sites:
        return None
    stack = [fn.body]
    while stack:
        x = stack.pop()
        t = type(x)
        if t is C.SetG or t is C.DefG:
            return None
        if t is not C.Fn:  # a function made inside runs only when called: a site of fn
            stack.extend(children(x))
    return tuple(sorted(set(sites.values()) | set(tails)))


def _no_structs(name):
    return None


def _recording(ask, seen, as_json):
    """`ask`, noting each answer other than None in `seen` (name -> the answer as JSON data)."""

    def answer(name):
        got = ask(name)
        if got is not None:
            seen[name] = as_json(got)
        return got

    return answer


def assumptions(mc, imports=None):
    """What a compile's environment answered (`ModuleCompiler.assumed`) and the module's
    import aliases (alias -> module name, which `alias.name` resolves through), as JSON data,
    or None when there is nothing."""
    out = {k: dict(sorted(v.items())) for k, v in mc.assumed.items() if v}
    if imports:
        out["imports"] = dict(sorted(imports.items()))
    return out or None


def display_name(py):
    if py.startswith("~"):
        return py
    return py.rsplit("~", 1)[0]


def _reads_name(stmts, ident):
    """Does any of the statements read the Python name `ident`?"""
    return any(type(n) is ast.Name and n.id == ident and type(n.ctx) is ast.Load for s in stmts for n in ast.walk(s))
