"""Expander: read forms -> core nodes (`core.nodes`).

Owns macro expansion (`defmacro`, quasiquote with splicing and auto-gensym), the
core macros (`when`, `unless`, `cond`, `and`, `or`, `suspend`, `match`, body-level
`def`/`defn`), scope resolution (locals become `Var`s, dotted symbols become field
access or module-qualified globals) and the stable symbol of every function.
"""

from __future__ import annotations

import itertools
import re

from ..core import nodes as C
from ..core.values import EMPTY, Keyword, PList, PMap, Pos, PSet, PVector, Symbol, plist, pmap, pvector
from ..reader import MapLiteral, TurmericSyntaxError
from .specials import BINDINGS, BODY, EVEN_BODY, FORM, ONE_SYM_VEC, OPT, PAIRS, SPECIAL_FORMS, SYM, matches, special

_gensym_counter = itertools.count(1)


def gensym(prefix="G"):
    return Symbol(f"{prefix}__{next(_gensym_counter)}")


def gensym_state():
    """The next gensym number (the compile cache records it, so a replayed load leaves
    the counter where compiling would have)."""
    global _gensym_counter
    n = next(_gensym_counter)
    _gensym_counter = itertools.count(n)
    return n


def advance_gensym(n):
    """Make the next gensym number at least n."""
    global _gensym_counter
    cur = next(_gensym_counter)
    _gensym_counter = itertools.count(max(cur, n))


class CompileError(TurmericSyntaxError):
    """A form that reads but makes no sense (bad `let`, `recur` not in tail position, ...)."""

    kind = "compile error"


def sym(x, name=None):
    return type(x) is Symbol and (name is None or x.name == name)


def form_pos(form, default=None):
    p = getattr(form, "pos", None)
    return p if p is not None else default


# inline primitives: name -> (min args, max args or None)
PRIMS = {
    "+": (0, None),
    "-": (1, None),
    "*": (0, None),
    "<": (1, None),
    ">": (1, None),
    "<=": (1, None),
    ">=": (1, None),
    "=": (1, None),
    "not=": (1, None),
    "not": (1, 1),
    "inc": (1, 1),
    "dec": (1, 1),
    "mod": (2, 2),
    "quot": (2, 2),
    "/": (1, None),
    "nil?": (1, 1),
    "first": (1, 1),
    "rest": (1, 1),
    "empty?": (1, 1),
    "count": (1, 1),
    "nth": (2, 2),
    "cons": (2, 2),
    "conj": (2, None),
    "get": (2, 3),
    "%at": (2, 2),
    "%push!": (2, 2),
    "%len": (1, 1),
    "zero?": (1, 1),
    "pos?": (1, 1),
    "neg?": (1, 1),
    "even?": (1, 1),
    "odd?": (1, 1),
    "str": (0, None),
    "deref": (1, 1),
    "int?": (1, 1),
    "float?": (1, 1),
    "string?": (1, 1),
    "bool?": (1, 1),
    "keyword?": (1, 1),
    "symbol?": (1, 1),
    "list?": (1, 1),
    "vector?": (1, 1),
    "map?": (1, 1),
}


class FnScope:
    """Per-function naming state: symbol, anonymous fn counters, the Fn node."""

    def __init__(self, fn, parent):
        self.fn = fn
        self.parent = parent
        self.anon = 0
        self.shifts = 0


class Scope:
    def __init__(self, parent=None, fnscope=None):
        self.vars = {}
        self.parent = parent
        self.fnscope = fnscope if fnscope is not None else (parent.fnscope if parent else None)

    def lookup(self, name):
        s = self
        while s is not None:
            v = s.vars.get(name)
            if v is not None:
                return v
            s = s.parent
        return None


class Expander:
    """Expands and resolves the forms of one module.

    `env` is the module being compiled: it supplies `name`, `file`, `macros`,
    `aliases` (import alias -> module name), `py_names` (names bound by `import-python`;
    optional), `defined(name)` and `is_builtin(name)`,
    and `call_macro(fn, args)`.
    """

    def __init__(self, env):
        self.env = env
        self.counter = itertools.count(1)

    # --- errors ----------------------------------------------------------
    def error(self, msg, form, pos=None):
        pos = pos or form_pos(form) or self.cur_pos
        src = self.env.source_line(pos.line) if pos else ""
        raise CompileError(msg, pos or Pos(self.env.file, 1, 1), src)

    # --- entry points ----------------------------------------------------
    def new_var(self, name, fnscope):
        v = C.Var(name, f"{name}~{next(self.counter)}", fnscope.fn)
        return v

    def expand_top(self, form, symbol):
        """Analyze a top-level expression as the body of a zero-argument code unit."""
        self.cur_pos = form_pos(form) or Pos(self.env.file, 1, 1)
        fn = C.Fn(None, symbol, self.cur_pos)
        fs = FnScope(fn, None)
        scope = Scope(None, fs)
        self.loop_stack = [None]
        fn.body = self.analyze(form, scope, tail=True)
        fn.form_text = canonical(form)
        return fn

    def expand_fn_form(self, form, symbol, scope=None):
        """Analyze an `(fn ...)`-shaped form (params vector first) into an Fn node."""
        self.cur_pos = form_pos(form) or Pos(self.env.file, 1, 1)
        self.loop_stack = [None]
        return self.analyze_fn(None, form, scope or Scope(None, None), symbol=symbol)

    def macroexpand1(self, form):
        if type(form) is PList and form.count and sym(form.first):
            head = form.first.name
            if head not in SPECIAL_FORMS:
                m = self.env.macros.get(head)
                if m is not None:
                    return self.expand_macro(m, form), True
        return form, False

    def expand_macro(self, macro, form):
        pos = form_pos(form) or self.cur_pos
        try:
            out = self.env.call_macro(macro, list(form.rest), pos)
        except CompileError:
            raise
        return attach_pos(out, pos)

    # --- analysis ----------------------------------------------------------
    def analyze(self, form, scope, tail=False):
        t = type(form)
        if t is Symbol:
            return self.analyze_symbol(form, scope)
        if t is PList:
            if form.count == 0:
                return C.Const(EMPTY)
            pos = form.pos or self.cur_pos
            old = self.cur_pos
            self.cur_pos = pos
            try:
                return self.analyze_list(form, scope, tail, pos)
            finally:
                self.cur_pos = old
        if t is PVector or isinstance(form, PVector):
            return C.VecLit([self.analyze(x, scope) for x in form], self.cur_pos)
        if t is MapLiteral:
            return C.MapLit([self.analyze(x, scope) for x in form.items], form.pos)
        if isinstance(form, PMap):
            # a map a macro built: its iteration order follows hashes, which differ between
            # processes, so the code is generated in the order of the keys' texts
            items = []
            for k, v in sorted(form.items(), key=lambda kv: canonical(kv[0])):
                items += [self.analyze(k, scope), self.analyze(v, scope)]
            return C.MapLit(items, self.cur_pos)
        return C.Const(form, self.cur_pos)

    def analyze_symbol(self, s, scope):
        name = s.name
        pos = s.pos or self.cur_pos
        v = scope.lookup(name)
        if v is not None:
            return self.ref_var(v, scope, pos)
        if "." in name and not name.startswith(".") and not name.endswith(".") and ".." not in name:
            parts = name.split(".")
            head = parts[0]
            v = scope.lookup(head)
            if v is not None:
                return C.Dot(self.ref_var(v, scope, pos), parts[1:], pos)
            if head in getattr(self.env, "py_names", ()):  # a name bound by import-python: Python attributes
                node = C.GRef(head, None, pos)
                for p in parts[1:]:
                    node = C.Attr(node, py_identifier(p), pos)
                return node
            mod = self.env.aliases.get(head)
            if mod is not None:
                node = C.GRef(parts[1], mod, pos)
                return C.Dot(node, parts[2:], pos) if len(parts) > 2 else node
            if self.env.defined(head):
                return C.Dot(C.GRef(head, None, pos), parts[1:], pos)
        if name in SPECIAL_FORMS:
            self.error(f"'{name}' is a special form and can't be used as a value", s, pos)
        if self.env.is_builtin(name) and not self.env.defined(name):
            return C.GRef(name, None, pos, builtin=True)
        if not self.env.defined(name):
            self.env.unresolved.append((name, pos))  # may be defined later: `check` looks again at the end
        return C.GRef(name, None, pos)

    def ref_var(self, v, scope, pos):
        fn = scope.fnscope.fn
        if v.owner is not fn:
            v.captured = True
            # every function between the use and the binder gets v as a free variable
            fs = scope.fnscope
            while fs is not None and fs.fn is not v.owner:
                if v not in fs.fn.free:
                    fs.fn.free.append(v)
                fs = fs.parent
        return C.LRef(v, pos)

    def analyze_body(self, forms, scope, tail, pos):
        """A body: a sequence of forms where `def`/`defn` introduce locals for the rest."""
        forms = list(forms)
        if not forms:
            return C.Const(None, pos)
        out = []
        for i, f in enumerate(forms):
            f, _ = self.expand_head(f)
            is_last = i == len(forms) - 1
            if type(f) is PList and f.count and sym(f.first) and f.first.name in ("def", "defn"):
                kind = f.first.name
                items = list(f)
                if len(items) < 3 or not sym(items[1]):
                    self.error(f"({kind} name ...) needs a name", f)
                name = items[1].name
                inner = Scope(scope)
                var = self.new_var(name, scope.fnscope)
                fpos = f.pos or pos
                if kind == "def":
                    if len(items) != 3:
                        self.error("(def name expr) takes exactly one expression", f)
                    val = self.analyze(items[2], scope)
                    inner.vars[name] = var
                    rest = self.analyze_body(forms[i + 1 :], inner, tail, pos) if not is_last else C.Const(None, fpos)
                else:
                    # letrec: the function, its closures and the rest of the body all see one
                    # binding, so a set! of the name anywhere is seen everywhere
                    inner.vars[name] = var
                    val = self.analyze_fn(items[1], plist(items[2:], fpos), inner, local_name=name)
                    rest = self.analyze_body(forms[i + 1 :], inner, tail, pos) if not is_last else C.Const(None, fpos)
                    if not var.mutated:
                        # never assigned: inside the function the name is the function itself
                        # (the compiled def's own name), not a value passed in
                        if var in val.free:
                            val.free.remove(var)
                        val.self_var = var
                    # else the compiler makes the box before the closure that holds it
                out.append(C.Let([(var, val)], rest, fpos))
                return C.Do(out, pos) if len(out) > 1 else out[0]
            out.append(self.analyze(f, scope, tail and is_last))
        return C.Do(out, pos) if len(out) > 1 else out[0]

    def expand_head(self, form):
        while True:
            form, did = self.macroexpand1(form)
            if not did:
                return form, None

    def analyze_list(self, form, scope, tail, pos):
        head = form.first
        if sym(head):
            hname = head.name
            if scope.lookup(hname) is None:
                sf = SPECIAL_FORMS.get(hname)
                if sf is not None:
                    if sf.shape is not None and not matches(sf.shape, list(form.rest)):
                        self.error(sf.usage, form)
                    return sf.handler(self, form, scope, tail, pos)
                if hname[0] == "." and hname[1:2] != ".":
                    return self.method_call(form, scope, pos)
                if self.python_callee(hname, scope):
                    fnode = self.analyze(head, scope)
                    a = fnode
                    while type(a) is C.Attr:  # a missing attribute is reported at the call
                        a.pos, a = pos, a.obj
                    args, kwargs = self.split_kwargs(list(form.rest), scope, form)
                    return C.Call(fnode, args, pos, kwargs=kwargs, pyname=hname)
                m = self.env.macros.get(hname)
                if m is not None:
                    return self.analyze(self.expand_macro(m, form), scope, tail)
                if hname in PRIMS and self.env.is_builtin(hname) and not self.env.defined(hname):
                    lo, hi = PRIMS[hname]
                    n = form.count - 1
                    if n >= lo and (hi is None or n <= hi):
                        return C.Prim(hname, [self.analyze(a, scope) for a in form.rest], pos)
        fnode = self.analyze(head, scope)
        args = [self.analyze(a, scope) for a in form.rest]
        return C.Call(fnode, args, pos)

    # --- Python calls ---------------------------------------------------------
    def python_callee(self, name, scope):
        """Is `name` (not a local) a name bound by import-python, or a dotted path rooted in one?"""
        py = getattr(self.env, "py_names", ())
        head = name.split(".", 1)[0]
        return head in py and scope.lookup(head) is None

    def method_call(self, form, scope, pos):
        """`(.name obj args...)` and `(. obj name args...)`: `obj.name(args...)`."""
        items = list(form)
        hname = items[0].name
        if hname == ".":
            if len(items) < 3 or not sym(items[2]):
                self.error("(. obj method args...) needs an object and a method name", form)
            obj, mname, rest = items[1], items[2].name, items[3:]
        else:
            if len(items) < 2:
                self.error(f"({hname} obj args...) needs an object", form)
            obj, mname, rest = items[1], hname[1:], items[2:]
        target = C.Attr(self.analyze(obj, scope), py_identifier(mname), pos)
        args, kwargs = self.split_kwargs(rest, scope, form)
        return C.Call(target, args, pos, kwargs=kwargs, pyname="." + mname)

    def split_kwargs(self, forms, scope, form):
        """Positional arguments, then `:name value` keyword arguments (`-` in a name becomes `_`)."""
        args, kwargs = [], []
        i = 0
        while i < len(forms):
            f = forms[i]
            if type(f) is Keyword:
                if i + 1 >= len(forms):
                    self.error(f"keyword argument :{f.name} needs a value (to pass the keyword itself, quote it: ':{f.name})", form)
                kwargs.append((py_identifier(f.name), self.analyze(forms[i + 1], scope)))
                i += 2
                continue
            if kwargs:
                self.error("a positional argument can't follow keyword arguments in a Python call", form)
            args.append(self.analyze(f, scope))
            i += 1
        return args, kwargs

    # --- special forms ------------------------------------------------------
    @special("quote", shape=(FORM,), usage="(quote x) takes one form")
    def sf_quote(self, form, scope, tail, pos):
        return C.Const(to_data(form.rest.first), pos)

    @special("quasiquote", shape=(FORM,), usage="(quasiquote x) takes one form")
    def sf_quasiquote(self, form, scope, tail, pos):
        return self.analyze(quasi(form.rest.first, {}), scope, tail)

    @special("if", shape=(FORM, FORM, OPT), usage="(if test then else?) takes two or three forms")
    def sf_if(self, form, scope, tail, pos):
        items = list(form)
        test = self.analyze(items[1], scope)
        then = self.analyze(items[2], scope, tail)
        else_ = self.analyze(items[3], scope, tail) if len(items) == 4 else C.Const(None, pos)
        return C.If(test, then, else_, pos)

    @special("do", shape=(BODY,), usage="(do body...)")
    def sf_do(self, form, scope, tail, pos):
        return self.analyze_body(list(form.rest), Scope(scope), tail, pos)

    @special("when", shape=(FORM, BODY), usage="(when test body...) needs a test")
    def sf_when(self, form, scope, tail, pos):
        return C.If(
            self.analyze(form.rest.first, scope), self.analyze_body(list(form.rest.rest), Scope(scope), tail, pos), C.Const(None, pos), pos
        )

    @special("unless", shape=(FORM, BODY), usage="(unless test body...) needs a test")
    def sf_unless(self, form, scope, tail, pos):
        return C.If(
            self.analyze(form.rest.first, scope), C.Const(None, pos), self.analyze_body(list(form.rest.rest), Scope(scope), tail, pos), pos
        )

    @special("cond", shape=(EVEN_BODY,), usage="cond needs test/expression pairs")
    def sf_cond(self, form, scope, tail, pos):
        items = list(form.rest)
        node = C.Const(None, pos)
        for i in range(len(items) - 2, -1, -2):
            t, e = items[i], items[i + 1]
            if type(t) is Keyword and t.name == "else" or t is True:
                node = self.analyze(e, scope, tail)
            else:
                node = C.If(self.analyze(t, scope), self.analyze(e, scope, tail), node, pos)
        return node

    @special("and", shape=(BODY,), usage="(and x...)")
    def sf_and(self, form, scope, tail, pos):
        items = list(form.rest)
        if not items:
            return C.Const(True, pos)
        node = self.analyze(items[-1], scope, tail)
        for f in reversed(items[:-1]):
            v = self.new_var("and", scope.fnscope)
            node = C.Let([(v, self.analyze(f, scope))], C.If(C.LRef(v, pos), node, C.LRef(v, pos), pos), pos)
        return node

    @special("or", shape=(BODY,), usage="(or x...)")
    def sf_or(self, form, scope, tail, pos):
        items = list(form.rest)
        if not items:
            return C.Const(None, pos)
        node = self.analyze(items[-1], scope, tail)
        for f in reversed(items[:-1]):
            v = self.new_var("or", scope.fnscope)
            node = C.Let([(v, self.analyze(f, scope))], C.If(C.LRef(v, pos), C.LRef(v, pos), node, pos), pos)
        return node

    @special("def", shape=(SYM, FORM), usage="(def name expr) needs a name and one expression")
    def sf_def(self, form, scope, tail, pos):
        items = list(form)
        self.env.declared.add(items[1].name)  # a def not directly in a body defines a global
        return C.DefG(items[1].name, self.analyze(items[2], scope), pos)

    @special("defn", shape=(SYM, FORM, BODY), usage="(defn name [params] body...) needs a name and a parameter vector")
    def sf_defn(self, form, scope, tail, pos):
        items = list(form)
        fn = self.analyze_fn(items[1], plist(items[2:], pos), scope, local_name=items[1].name, global_name=items[1].name)
        return C.DefG(items[1].name, fn, pos)

    @special("fn", shape=None)
    def sf_fn(self, form, scope, tail, pos):
        items = list(form.rest)
        name = None
        if items and sym(items[0]):
            name = items[0]
            items = items[1:]
        if not items:
            self.error("(fn [params] body...) needs a parameter vector", form)
        if name is not None:
            return self.analyze_fn(name, plist(items, pos), scope, self_name=name.name, local_name=name.name)
        return self.analyze_fn(None, plist(items, pos), scope)

    def fn_symbol(self, scope, local_name):
        """Stable symbol for a function defined inside `scope`'s function."""
        fs = scope.fnscope
        if fs is None:
            return f"{self.env.name}.{local_name}"
        outer = fs.fn.symbol
        if local_name is None:
            fs.anon += 1
            return f"{outer}/fn#{fs.anon}"
        return f"{outer}/{local_name}"

    def analyze_fn(self, name, form, scope, self_name=None, local_name=None, symbol=None, global_name=None):
        """`form` is `([params] : T? body...)`."""
        items = list(form)
        params_form = items[0] if items else None
        if not isinstance(params_form, PVector):
            self.error("a function needs a parameter vector [a b ...]", form)
        body_forms = items[1:]
        if len(body_forms) >= 2 and sym(body_forms[0], ":"):
            body_forms = body_forms[2:]  # return type annotation
        pos = form_pos(form) or self.cur_pos
        if symbol is None:
            if global_name is not None and (scope.fnscope is None or scope.fnscope.parent is None):
                symbol = f"{self.env.name}.{global_name}"
            else:
                symbol = self.fn_symbol(scope, local_name)
        fn = C.Fn(name.name if name is not None else local_name, symbol, pos)
        fn.form_text = canonical(form)
        fs = FnScope(fn, scope.fnscope)
        inner = Scope(scope, fs)
        if self_name is not None:
            sv = self.new_var(self_name, fs)
            inner.vars[self_name] = sv
            fn.self_var = sv
            inner = Scope(inner, fs)
        params, rest, ptypes = parse_params(params_form, self)
        for pname, _ptype in zip(params, ptypes, strict=False):
            v = self.new_var(pname, fs)
            inner.vars[pname] = v
            fn.params.append(v)
        fn.ptypes = ptypes
        if rest is not None:
            v = self.new_var(rest, fs)
            inner.vars[rest] = v
            fn.rest = v
        self.loop_stack.append(fn)
        try:
            fn.body = self.analyze_body(body_forms, inner, True, pos)
        finally:
            self.loop_stack.pop()
        return fn

    @special("let", shape=(PAIRS, BODY), usage="(let [name value ...] body...) needs a binding vector with pairs")
    def sf_let(self, form, scope, tail, pos):
        items = list(form)
        bvec = list(items[1])
        inner = scope
        bindings = []
        for i in range(0, len(bvec), 2):
            target, vform = bvec[i], bvec[i + 1]
            val = self.analyze(vform, inner)
            inner = Scope(inner)
            if sym(target):
                v = self.new_var(target.name, scope.fnscope)
                inner.vars[target.name] = v
                bindings.append((v, val))
            else:
                self.error("let can only bind symbols", form)
        body = self.analyze_body(items[2:], Scope(inner), tail, pos)
        return C.Let(bindings, body, pos)

    @special("loop", shape=(PAIRS, BODY), usage="(loop [name init ...] body...) needs a binding vector with pairs")
    def sf_loop(self, form, scope, tail, pos):
        items = list(form)
        bvec = list(items[1])
        inner = Scope(scope)
        vars_, inits = [], []
        for i in range(0, len(bvec), 2):
            if not sym(bvec[i]):
                self.error("loop can only bind symbols", form)
            inits.append(self.analyze(bvec[i + 1], inner))
            v = self.new_var(bvec[i].name, scope.fnscope)
            inner = Scope(inner)
            inner.vars[bvec[i].name] = v
            vars_.append(v)
        node = C.Loop(vars_, inits, None, pos)
        self.loop_stack.append(node)
        try:
            node.body = self.analyze_body(items[2:], Scope(inner), True, pos)
        finally:
            self.loop_stack.pop()
        return node

    @special("recur", shape=None)
    def sf_recur(self, form, scope, tail, pos):
        target = self.loop_stack[-1]
        if target is None:
            self.error("recur outside of loop or fn", form)
        if not tail:
            self.error("recur must be in tail position", form)
        args = [self.analyze(a, scope) for a in form.rest]
        n = len(target.vars) if isinstance(target, C.Loop) else len(target.params) + (1 if target.rest else 0)
        if len(args) != n:
            self.error(f"recur takes {n} argument(s) here, got {len(args)}", form)
        return C.Recur(args, target, pos)

    @special("set!", shape=(SYM, FORM), usage="(set! name expr) needs a name and one expression")
    def sf_set_bang(self, form, scope, tail, pos):
        items = list(form)
        name = items[1].name
        val = self.analyze(items[2], scope)
        v = scope.lookup(name)
        if v is not None:
            v.mutated = True
            self.ref_var(v, scope, pos)
            return C.SetL(v, val, pos)
        if "." in name:
            head, rest = name.split(".", 1)
            mod = self.env.aliases.get(head)
            if mod is not None:
                return C.SetG(rest, val, pos, module=mod)
        return C.SetG(name, val, pos)

    @special("throw", shape=(FORM,), usage="(throw value) takes one value")
    def sf_throw(self, form, scope, tail, pos):
        return C.Throw(self.analyze(form.rest.first, scope), pos)

    @special("try", shape=None)
    def sf_try(self, form, scope, tail, pos):
        body_forms, catch, fin = [], None, None
        for f in form.rest:
            if type(f) is PList and f.count and sym(f.first, "catch"):
                c = list(f)
                if len(c) < 2 or not isinstance(c[1], PVector) or len(c[1]) != 1 or not sym(c[1][0]):
                    self.error("(catch [e] handler...) needs one name in a vector", f)
                catch = c
            elif type(f) is PList and f.count and sym(f.first, "finally"):
                fin = list(f)[1:]
            else:
                if catch is not None or fin is not None:
                    self.error("catch and finally must come last in try", f)
                body_forms.append(f)
        saved = self.loop_stack
        self.loop_stack = saved + [None]  # no recur across try
        try:
            body = self.analyze_body(body_forms, Scope(scope), False, pos)
        finally:
            self.loop_stack = saved
        cvar = handler = None
        if catch is not None:
            inner = Scope(scope)
            cvar = self.new_var(catch[1][0].name, scope.fnscope)
            inner.vars[catch[1][0].name] = cvar
            handler = self.analyze_body(catch[2:], inner, False, pos)
        fnode = self.analyze_body(fin, Scope(scope), False, pos) if fin is not None else None
        return C.Try(body, cvar, handler, fnode, pos)

    @special("cloneable-shift", "shift", shape=(ONE_SYM_VEC, BODY), usage="(cloneable-shift [k] body...) needs one name in a vector")
    def sf_cloneable_shift(self, form, scope, tail, pos):
        items = list(form)
        fs = scope.fnscope
        fs.shifts += 1
        symbol = f"{fs.fn.symbol}/shift#{fs.shifts}"
        fn = self.analyze_fn(None, plist(items[1:], pos), scope, symbol=symbol)
        fn.is_shift_body = True
        return C.Shift(fn, pos)

    @special("with", shape=(BINDINGS, BODY), usage="(with [name expr ...] body...) needs a binding vector with pairs")
    def sf_with(self, form, scope, tail, pos):
        """`(with [x mgr] body...)`: Python's `with`; `[x a y b]` nests."""
        items = list(form)
        bvec = list(items[1])
        if not sym(bvec[0]):
            self.error("with can only bind symbols", form)
        body_forms = items[2:]
        if len(bvec) > 2:
            body_forms = [plist([Symbol("with", pos), pvector(bvec[2:]), *body_forms], pos)]
        mvar = self.new_var("with", scope.fnscope)
        mexpr = self.analyze(bvec[1], scope)
        xvar = self.new_var(bvec[0].name, scope.fnscope)
        enter = C.Call(C.GRef("#with-enter", None, pos), [C.LRef(mvar, pos)], pos)
        inner = Scope(scope)
        inner.vars[bvec[0].name] = xvar
        saved = self.loop_stack
        self.loop_stack = saved + [None]  # no recur across with (its body is a try)
        try:
            body = self.analyze_body(body_forms, Scope(inner), False, pos)
        finally:
            self.loop_stack = saved
        return C.Let([(mvar, mexpr), (xvar, enter)], C.Try(body, None, None, None, pos, exit_var=mvar), pos)

    @special("suspend", shape=None)
    def sf_suspend(self, form, scope, tail, pos):
        k = gensym("k")
        return self.sf_cloneable_shift(plist([Symbol("cloneable-shift"), pvector([k]), k], pos), scope, tail, pos)

    @special("match", shape=None)
    def sf_match(self, form, scope, tail, pos):
        from .patterns import analyze_match

        return analyze_match(self, form, scope, tail, pos)

    # top-level only forms: the loader handles them before analysis
    @special("defmacro", "struct", "defclass", "instance", "version", "module", "import", "import-python")
    def _toplevel_only(self, form, scope, tail, pos):
        self.error(f"({form.first.name} ...) is only allowed at the top level of a module", form)


def py_identifier(name):
    """A Turmeric name as a Python identifier: `-` becomes `_` (`is-dir` is `is_dir`)."""
    return name.replace("-", "_")


def parse_params(vec, ex):
    """`[a b]`, `[a : int64, b : string]`, `[a & rest]` -> (names, rest, types)."""
    items = list(vec)
    names, types, rest = [], [], None
    i = 0
    while i < len(items):
        x = items[i]
        if sym(x, "&"):
            if i + 1 >= len(items) or not sym(items[i + 1]):
                ex.error("& must be followed by one name", x if hasattr(x, "pos") else None)
            rest = items[i + 1].name
            i += 2
            continue
        if not sym(x):
            ex.error("parameters must be names", x if hasattr(x, "pos") else None)
        names.append(x.name)
        t = None
        if i + 2 < len(items) + 1 and i + 1 < len(items) and sym(items[i + 1], ":"):
            if i + 2 >= len(items):
                ex.error("':' must be followed by a type", x)
            t = type_text(items[i + 2])
            i += 3
        else:
            i += 1
        types.append(t)
    return names, rest, types


def type_text(t):
    return canonical(t)


# --- quasiquote ------------------------------------------------------------


def quasi(x, gensyms):
    """Turn a quasiquoted form into code that builds it."""
    t = type(x)
    if t is Symbol:
        if x.name.endswith("#") and len(x.name) > 1:
            g = gensyms.get(x.name)
            if g is None:
                g = gensyms[x.name] = gensym(x.name[:-1])
            return plist([Symbol("quote"), g])
        return plist([Symbol("quote"), x])
    if t is PList and x.count:
        if sym(x.first, "unquote"):
            return x.rest.first
        if sym(x.first, "unquote-splicing"):
            raise CompileError("~@ is only valid inside a list or vector", x.pos or Pos("?", 1, 1))
        return plist([Symbol("#qq-list"), *quasi_parts(x, gensyms)], x.pos)
    if isinstance(x, PVector):
        return plist([Symbol("#qq-vec"), *quasi_parts(x, gensyms)])
    if t is MapLiteral:
        return plist([Symbol("hash-map"), *[quasi(i, gensyms) for i in x.items]], x.pos)
    if isinstance(x, PMap):
        parts = []
        for k, v in x.items():
            parts += [quasi(k, gensyms), quasi(v, gensyms)]
        return plist([Symbol("hash-map"), *parts])
    if t is PList:
        return plist([Symbol("quote"), x])
    return x


def quasi_parts(coll, gensyms):
    parts = []
    for item in coll:
        if type(item) is PList and item.count and sym(item.first, "unquote-splicing"):
            parts.append(item.rest.first)
        else:
            parts.append(plist([Symbol("list"), quasi(item, gensyms)]))
    return parts


def to_data(x):
    """Quoted forms become runtime data: map literals become maps."""
    t = type(x)
    if t is MapLiteral:
        return pmap({to_data(x.items[i]): to_data(x.items[i + 1]) for i in range(0, len(x.items), 2)})
    if t is PList and x.count:
        return plist([to_data(i) for i in x], x.pos)
    if isinstance(x, PVector):
        return pvector([to_data(i) for i in x])
    return x


def attach_pos(form, pos):
    """Give a macro's output list the macro call's position when it has none."""
    if type(form) is PList and form.count and form.pos is None:
        form.pos = pos
    return form


_GENSYM_RE = re.compile(r".+__\d+\Z")


def is_gensym_name(name):
    """Is this a generated name (`prefix__N`, from auto-gensym `x#` or `(gensym)`)? N is a
    process-wide counter, so it depends on what ran before: fingerprints renumber them."""
    return "__" in name and _GENSYM_RE.match(name) is not None


def canonical(x, gensyms=None):
    """A normalised text of a form, for fingerprints and the names of top-level forms: no
    comments, single spaces, no positions; generated names numbered by first appearance;
    maps and sets built by macros written in a fixed order."""
    if gensyms is None:
        gensyms = {}
    t = type(x)
    if t is Symbol:
        n = x.name
        if is_gensym_name(n):
            return gensyms.setdefault(n, f"{n.rsplit('__', 1)[0]}__#{len(gensyms) + 1}")
        return n
    if t is PList:
        return "(" + " ".join(canonical(i, gensyms) for i in x) + ")"
    if isinstance(x, PVector):
        return "[" + " ".join(canonical(i, gensyms) for i in x) + "]"
    if t is MapLiteral:
        return "{" + " ".join(canonical(i, gensyms) for i in x.items) + "}"
    if isinstance(x, PMap):
        return "{" + " ".join(sorted(canonical(k, gensyms) + " " + canonical(v, gensyms) for k, v in x.items())) + "}"
    if isinstance(x, PSet):
        return "#{" + " ".join(sorted(canonical(i, gensyms) for i in x)) + "}"
    if t is Keyword:
        return ":" + x.name
    if t is str:
        return '"' + x.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if x is None:
        return "nil"
    if x is True:
        return "#t"
    if x is False:
        return "#f"
    if t in (int, float, bytes):
        return repr(x)
    return "#<" + type(x).__name__ + ">"  # never an address: the text must be the same in every process


def stable_text(v):
    """The text of a constant for a fingerprint: `canonical` (data only, never an address)."""
    return canonical(v)
