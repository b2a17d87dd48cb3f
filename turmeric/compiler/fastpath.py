"""Fast paths: inline Python for the primitives ordinary code spends its time in.

Input: a `Prim` node, its already compiled argument expressions, the function's
`FnCtx` and the statement list being built. Output: one Python expression that
computes exactly what the library function would, or None (then the caller emits
the call to the builtin).

Each fast path keeps the spec's rules; where Python's operator would differ, a
type test sends the value to the library function instead:

- `=`/`not=`: Python's `==` would say `True == 1`; a boolean never equals a number.
  Against `#t`, `#f`, `nil` or a keyword (interned), `=` is identity. Against a
  string, or a number no boolean equals, or between two known numbers, it is `==`.
  Against one known number it is `==` plus a test that the other side isn't a
  boolean. Otherwise it is the call to structural equality (`#eq`).
- `mod`, `quot`, `inc`, `dec`, `zero?`, `pos?`, `neg?`, `even?`, `odd?`: the
  operator when the operands are known numbers (`numeric.py`), else the operator
  behind a `type(x) is int` test (Python's `%` would format a string, `+ 1` would
  accept a boolean), with the library function, which throws `type-error`, on
  the other branch. A zero divisor raises ZeroDivisionError, which `catch` and the
  error report see as `division-by-zero`, as the library function's own.
- `<`, `>`, `<=`, `>=` with more than two arguments: one chained comparison.
- `deref`: the ref's `value` behind a `type(r) is Ref` test.
- `int? float? string? bool? keyword? symbol?` are `type(x) is T`, `list? vector? map?`
  `isinstance(x, T)`, as in `lib/predicates.py`.
- `str`: an f-string; strings and integers are formatted by Python directly (the
  display form of an int is its decimal text), everything else through `#display`.
- `x.field`: an inline cache per site (`#ic:field@symbol/k`, a `DotCache` the
  loader creates): when `type(x)` is the struct class seen last, the value is
  `x[index]` (a struct is a tuple of its fields); anything else goes to `#dot_ic`, which does the full `#dot` lookup
  and, for a struct, remembers its class and the field's index.

None of these calls back into Turmeric, so none is a capture site.
"""

from __future__ import annotations

import ast
import copy

from ..core import nodes as C
from ..core.values import Keyword
from .numeric import children, is_known_ref
from .pyast import assign, at, call, const, name, store
from .transient import READS, STEPS

_COLL_FAST = frozenset({"conj", "assoc", "get", "nth", "%tconj", "%tassoc", "%tget", "%tnth", "%tcount", "%tcontains?"})

COMPARE_OPS = {"<": ast.Lt, ">": ast.Gt, "<=": ast.LtE, ">=": ast.GtE}

# match's helpers (expander/patterns.py) that return #t or #f
BOOLEAN_HELPERS = frozenset({"#struct-is?", "#seq-shape?", "#some?", "#none?"})

FAST_HELPERS = frozenset({"#struct-is?", "#field-at", "#some?", "#none?", "name", "%items", "%join-strs"})

# library functions that always return a string (`str` formats it as it is); `string/join`
# does when its separator is a string (`str.join`), checked at the call
STRING_RESULTS = frozenset({"name", "pr-str", "string/join"})

# prims whose value is always #t or #f (an `if` on them needs no truthiness test)
BOOLEAN_PRIMS = frozenset(
    {"<", ">", "<=", ">=", "=", "not=", "not", "nil?", "zero?", "pos?", "neg?", "even?", "odd?"}
    | {"int?", "float?", "string?", "bool?", "keyword?", "symbol?", "list?", "vector?", "map?"}
)

# type predicates as the library defines them (lib/predicates.py): exact type or isinstance
_TYPE_IS = {"int?": "#int", "float?": "#float", "string?": "#str", "bool?": "#bool", "keyword?": "#Keyword", "symbol?": "#Symbol"}
_INSTANCE_OF = {"list?": "#PList", "vector?": "#PVector", "map?": "#PMap"}


def _is_identity_literal(node):
    """`=` against these is `is`: #t, #f, nil and (interned) keywords."""
    if type(node) is not C.Const:
        return False
    v = node.value
    return v is None or v is True or v is False or type(v) is Keyword


def _plain_eq_literal(node):
    """A literal for which Python's `==` is Turmeric's `=`: a string, or a number no boolean equals."""
    if type(node) is not C.Const:
        return False
    v = node.value
    return type(v) is str or (type(v) in (int, float) and v != 0 and v != 1)


def _type_is(e, tname):
    return ast.Compare(call("#type", e), [ast.Is()], [name(tname)])


def _type_is_not(e, tname):
    return ast.Compare(call("#type", e), [ast.IsNot()], [name(tname)])


def _pos_int_const(node):
    return type(node) is C.Const and type(node.value) is int and node.value > 0


# does an instance method's dispatch parameter hold a struct of the layout compiled for?
# (compiler/unit.py `struct_param_entry`, FastPaths.fast_dot)
STRUCT_PARAM_LOCAL = "~sp"


def struct_layout_test(struct_param):
    """`type(p) is <cache>.t or #sp_learn(<cache>, p, fields)`: the dispatch selects the method
    by the value's type name, and a struct of that name may have been redefined with other
    fields since the method was compiled, so the layout is tested, once per call."""
    p, fields, cache = struct_param
    seen = ast.Compare(call("#type", name(p)), [ast.Is()], [ast.Attribute(name(cache), "t", ast.Load())])
    return ast.BoolOp(ast.Or(), [seen, call("#sp_learn", name(cache), name(p), const(fields))])


class FastPaths:
    """Mixed into `Lowering`: needs `self.numeric` (NumericFacts)."""

    def simple(self, e, ctx, out):
        """A name or constant for e, so it can be read more than once (evaluated once, in order)."""
        if type(e) in (ast.Name, ast.Constant):
            return e
        t = ctx.tmp()
        out.append(assign(t, e))
        return name(t)

    def not_bool_tests(self, nodes, xs, ctx):
        """For each operand not known to be a number, `x is not True and x is not False`:
        Python's arithmetic and ordering take booleans as 1 and 0, Turmeric's don't."""
        tests = []
        for n, x in zip(nodes, xs, strict=True):
            if self.numeric.is_num(n) or (type(x) is ast.Constant and type(x.value) is not bool):
                continue
            if type(n) is C.LRef and n.var in ctx.not_bool:
                continue
            tests += [ast.Compare(x, [ast.IsNot()], [const(True)]), ast.Compare(x, [ast.IsNot()], [const(False)])]
        return tests

    def bool_guarded(self, e, op, nodes, xs, ctx):
        """e behind the `not_bool_tests` of its operands xs, with the library's `op` (which
        throws type-error on a boolean) the other branch; e alone when none is needed."""
        tests = self.not_bool_tests(nodes, xs, ctx)
        if not tests:
            return e
        return ast.IfExp(ast.BoolOp(ast.And(), tests) if len(tests) > 1 else tests[0], e, call("#b:" + op, *xs))

    def fast_prim(self, node, args, ctx, out):
        op = node.op
        n = len(args)
        if op in _COLL_FAST:
            return self.fast_coll(op, args, ctx, out, node.args)
        if op in ("=", "not=") and n == 2:
            return self.fast_eq(node.args, args, op == "not=", ctx, out)
        if op in COMPARE_OPS and n >= 2:  # Python's (chained) comparison; a boolean goes to the library
            xs = [self.simple(a, ctx, out) for a in args]
            return self.bool_guarded(ast.Compare(xs[0], [COMPARE_OPS[op]() for _ in xs[1:]], xs[1:]), op, node.args, xs, ctx)
        if op == "mod" and n == 2:
            return self.fast_mod(node.args, args, ctx, out)
        if op == "quot" and n == 2:
            return self.fast_quot(node.args, args, ctx, out)
        if op in ("inc", "dec") and n == 1:
            binop = ast.Add() if op == "inc" else ast.Sub()
            if self.numeric.is_num(node.args[0]):
                return ast.BinOp(args[0], binop, const(1))
            x = self.simple(args[0], ctx, out)
            return ast.IfExp(_type_is(x, "#int"), ast.BinOp(x, binop, const(1)), call("#b:" + op, x))
        if op == "-" and n == 1:
            # Python negates a boolean (`-True` is -1): anything but an int or a float goes to
            # the library, which throws type-error
            if self.numeric.is_num(node.args[0]):
                return ast.UnaryOp(ast.USub(), args[0])
            x = self.simple(args[0], ctx, out)
            t = ctx.tmp()
            test = ast.BoolOp(
                ast.Or(),
                [
                    ast.Compare(ast.NamedExpr(store(t), call("#type", x)), [ast.Is()], [name("#int")]),
                    ast.Compare(name(t), [ast.Is()], [name("#float")]),
                ],
            )
            return ast.IfExp(test, ast.UnaryOp(ast.USub(), x), call("#b:-", x))
        if op in ("zero?", "pos?", "neg?") and n == 1:
            cmp = {"zero?": ast.Eq, "pos?": ast.Gt, "neg?": ast.Lt}[op]
            if self.numeric.is_num(node.args[0]):
                return ast.Compare(args[0], [cmp()], [const(0)])
            x = self.simple(args[0], ctx, out)
            return ast.IfExp(_type_is(x, "#int"), ast.Compare(x, [cmp()], [const(0)]), call("#b:" + op, x))
        if op in ("even?", "odd?") and n == 1:
            want = 0 if op == "even?" else 1
            if self.numeric.is_num(node.args[0]):  # an int or a float: % agrees with the library
                return ast.Compare(ast.BinOp(args[0], ast.Mod(), const(2)), [ast.Eq()], [const(want)])
            x = self.simple(args[0], ctx, out)
            bit = ast.Compare(ast.BinOp(x, ast.BitAnd(), const(1)), [ast.Eq()], [const(want)])
            return ast.IfExp(_type_is(x, "#int"), bit, call("#b:" + op, x))
        if op == "str":
            return self.fast_str(node.args, args, ctx, out)
        if op in _TYPE_IS and n == 1:
            return _type_is(args[0], _TYPE_IS[op])
        if op == "vector?" and n == 1:
            # pyrsistent's PVector is an ABC (a Python-level isinstance): the C vector type
            # first, and no isinstance at all for the scalar types, which are never vectors
            x = self.simple(args[0], ctx, out)
            t = ctx.tmp()
            exact = ast.Compare(ast.NamedExpr(ast.Name(t, ast.Store()), call("#type", x)), [ast.Is()], [name("#PVec")])
            other = ast.BoolOp(
                ast.And(), [ast.Compare(name(t), [ast.NotIn()], [name("#SCALARS")]), call("#isinstance", x, name("#PVector"))]
            )
            return ast.BoolOp(ast.Or(), [exact, other])
        if op in _INSTANCE_OF and n == 1:
            return call("#isinstance", args[0], name(_INSTANCE_OF[op]))
        if op == "deref" and n == 1:
            if is_known_ref(self.numeric, node.args[0]):
                return ast.Attribute(args[0], "value", ast.Load())
            r = self.simple(args[0], ctx, out)
            return ast.IfExp(_type_is(r, "#Ref"), ast.Attribute(r, "value", ast.Load()), call("#b:deref", r))
        return None

    def ref_set_stmt(self, node, ctx, out, sink):
        """`(ref-set! r v)` as a statement: `r.value = v` (behind a `type(r) is Ref` test
        unless r is a local bound to `(ref x)`), then v to the sink. Returns False when
        this isn't the library's ref-set! with two plain arguments."""
        f = node.fn
        if not (type(f) is C.GRef and f.builtin and f.module is None and f.name == "ref-set!"):
            return False
        if len(node.args) != 2 or node.kwargs or not self.host_builtin("ref-set!"):
            return False
        n_live = len(ctx.live)
        args, _ = self.compile_args(node.args, ctx, out)
        del ctx.live[n_live:]
        r = self.simple(args[0], ctx, out)
        v = self.simple(args[1], ctx, out)
        store_ = ast.Assign([ast.Attribute(r, "value", ast.Store())], v)
        if is_known_ref(self.numeric, node.args[0]):
            out.append(at(store_, node.pos))
        else:
            slow = ast.Expr(call("#b:ref-set!", r, v))
            out.append(at(ast.If(_type_is(r, "#Ref"), [store_], [slow]), node.pos))
        self.emit_sink(v, sink, out, node.pos)
        return True

    # --- persistent and transient collections ----------------------------------------------------
    def fast_coll(self, op, args, ctx, out, nodes):
        """`conj` on a vector, `assoc`/`get` on a map, `nth` on a vector, and the transient
        operations of `compiler/transient.py`: the C method behind an exact type test, else
        the library function (which also throws the errors)."""
        n = len(args)
        if self.tlist_vars and type(nodes[0]) is C.LRef and nodes[0].var in self.tlist_vars and op[:2] == "%t":
            return self.fast_tlist(op, args, ctx, out, nodes)
        if op in ("%tconj", "%tassoc") and type(args[0]) is ast.Name:
            return self.fast_update(op, args, ctx, out, nodes)
        if op == "conj" and n == 2:
            v, x = (self.simple(a, ctx, out) for a in args)
            return ast.IfExp(_type_is(v, "#PVec"), call(ast.Attribute(v, "append", ast.Load()), x), call("#b:conj", v, x))
        if op == "assoc" and n == 3:
            m, k, x = (self.simple(a, ctx, out) for a in args)
            return ast.IfExp(_type_is(m, "#PMapT"), call(ast.Attribute(m, "set", ast.Load()), k, x), call("#b:assoc", m, k, x))
        if op == "get" and n in (2, 3):
            xs = [self.simple(a, ctx, out) for a in args]
            d = xs[2] if n == 3 else const(None)
            return ast.IfExp(_type_is(xs[0], "#PMapT"), call(ast.Attribute(xs[0], "get", ast.Load()), xs[1], d), call("#b:get", *xs))
        if op == "%tget" and n in (2, 3):
            xs = [self.simple(a, ctx, out) for a in args]
            d = xs[2] if n == 3 else const(None)
            if type(xs[0]) is ast.Name and xs[0].id in self.dict_accs:  # keeps_acc
                return call(ast.Attribute(xs[0], "get", ast.Load()), xs[1], d)
            tt = self._ttype(nodes[0])
            if tt is not None:
                test = ast.BoolOp(ast.Or(), [ast.Compare(name(tt), [ast.Is()], [name(x)]) for x in ("#TDict", "#TMap")])
            else:
                test = self._either_type(xs[0], "#TDict", "#TMap", ctx)
            return ast.IfExp(test, call(ast.Attribute(xs[0], "get", ast.Load()), xs[1], d), call("#b:%tget", *xs))
        if op in ("nth", "%tnth") and n == 2:
            v, i = (self.simple(a, ctx, out) for a in args)
            tt = self._ttype(nodes[0]) if op == "%tnth" else None
            if tt is not None:
                is_vec = ast.Compare(name(tt), [ast.Is()], [name("#TList")])
            else:
                is_vec = _type_is(v, "#PVec" if op == "nth" else "#TList")
            ok = ast.BoolOp(ast.And(), [is_vec, *self._index_tests(nodes[1], i, v)])
            return ast.IfExp(ok, ast.Subscript(v, i, ast.Load()), call("#b:" + op, v, i))
        return None

    def fast_tlist(self, op, args, ctx, out, nodes):
        """An operation on a transient variable known to be a list here (a loop copy entered
        when it is one, `Lowering.int_loop_copy`; every update keeps it that list): the list's
        own operation, the library's `%t` function for an index out of range (which appends
        at the length, or throws its error) and nothing else to test."""
        v = args[0]
        rest = [self.simple(a, ctx, out) for a in args[1:]]
        if op == "%tconj":
            out.append(ast.Expr(call(ast.Attribute(v, "append", ast.Load()), rest[0])))
            return name(v.id)
        if op == "%tcount":
            return call("#len", v)
        if op == "%tassoc":
            k, x = rest
            store_ = [ast.Assign([ast.Subscript(name(v.id), k, ast.Store())], x)]
            slow = [ast.Expr(call("#b:%tassoc", v, k, x))]  # the same list, appended to, or an error
            if self.numeric.is_nonneg(nodes[1]):
                out.append(ast.Try(store_, [ast.ExceptHandler(name("#IndexError"), None, slow)], [], []))
            else:
                tests = self._index_tests(nodes[1], k, v)
                out.append(ast.If(tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests), store_, slow))
            return name(v.id)
        tests = self._index_tests(nodes[1], rest[0], v)
        ok = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
        if op == "%tcontains?":
            return ok
        if op == "%tnth" and len(rest) == 1:
            if self.numeric.is_nonneg(nodes[1]):  # past the end: IndexError, the library's error
                t = ctx.tmp()
                slow = [assign(t, call("#b:%tnth", v, rest[0]))]
                out.append(
                    ast.Try(
                        [assign(t, ast.Subscript(v, rest[0], ast.Load()))], [ast.ExceptHandler(name("#IndexError"), None, slow)], [], []
                    )
                )
                return name(t)
            return ast.IfExp(ok, ast.Subscript(v, rest[0], ast.Load()), call("#b:%tnth", v, rest[0]))
        if op == "%tget":
            return ast.IfExp(ok, ast.Subscript(v, rest[0], ast.Load()), rest[1] if len(rest) == 2 else const(None))
        return None

    def _ttype(self, node):
        """The local holding the type of the transient variable node refers to in this
        iteration of its loop (`Lowering`, loops with several operations on it), or None."""
        if type(node) is C.LRef:
            return self.ttypes.get(node.var)
        return None

    def _index_tests(self, node, i, v):
        """The tests that the index i (compiled from node) is an int within the vector v: what
        the numeric facts don't already know (an int; at least 0)."""
        if self.numeric.is_nonneg(node):
            return [ast.Compare(i, [ast.Lt()], [call("#len", v)])]
        bounds = ast.Compare(const(0), [ast.LtE(), ast.Lt()], [i, call("#len", v)])
        return [bounds] if self.numeric.is_int(node) else [_type_is(i, "#int"), bounds]

    def _either_type(self, v, t1, t2, ctx):
        """`(t := type(v)) is t1 or t is t2`."""
        t = ctx.tmp()
        first = ast.Compare(ast.NamedExpr(store(t), call("#type", v)), [ast.Is()], [name(t1)])
        return ast.BoolOp(ast.Or(), [first, ast.Compare(name(t), [ast.Is()], [name(t2)])])

    def keeps_acc(self, node, v):
        """Is every value node can produce v itself or an `assoc`/`conj` on v (so a transient
        map accumulator stays the same dict)?"""
        t = type(node)
        if t is C.LRef:
            return node.var is v
        if t is C.If:
            return self.keeps_acc(node.then, v) and self.keeps_acc(node.else_, v)
        op = self.coll_op(node, STEPS)
        return op is not None and type(op[1][0]) is C.LRef and op[1][0].var is v

    def numeric_dict_gets(self, fn):
        """For a reduce function whose accumulator is a transient map (`keeps_acc`): the ids of
        its reads `(get acc k d)` with a number d, when every update `(assoc acc k x)` stores a
        number x assuming those reads are numbers. Then a map that starts empty only ever holds
        numbers, and the reads are numbers (by induction over the updates); else empty."""
        acc = fn.params[0]
        gets, updates = set(), []
        stack = [fn.body]
        while stack:
            n = stack.pop()
            op = self.tops.get(id(n))
            if op is not None and type(n) is not C.LRef:
                args = self.coll_op(n, {**READS, **STEPS})[1]
                if type(args[0]) is C.LRef and args[0].var is acc:
                    if op == "%tget" and len(args) == 3 and self.numeric.is_num(args[2]):
                        gets.add(id(n))
                    elif op == "%tassoc":
                        updates.append(args[2])
                    elif op not in ("%tcount", "%tcontains?"):
                        return set()
            stack.extend(children(n))
        if not gets:
            return set()
        self.numeric.extra |= gets
        try:
            ok = all(self.numeric.is_num(x) for x in updates)
        finally:
            self.numeric.extra -= gets
        return gets if ok else set()

    def fast_update(self, op, args, ctx, out, nodes):
        """An update of a transient accumulator `v` (compiler/transient.py) as statements: the
        list's or dict's `append` or item assignment, the map mutation's item assignment (its
        `set` method costs twice as much), else `v = slow path` (which may replace a `TVec`
        by a list); the value is `v`.
        The transient analysis makes sure no expression already compiled but not yet
        evaluated reads `v` (it is not mentioned in the other arguments of the `recur`), so
        running the update here keeps the order."""
        v = args[0]
        if op == "%tassoc" and v.id in self.dict_accs and len(args) == 3:  # a dict or map mutation: keeps_acc
            # `v[k] = x`: Python evaluates x before v and k, so k (evaluated before x here) is
            # held in a name first; x is used once and needs none
            k = self.simple(args[1], ctx, out)
            out.append(ast.Assign([ast.Subscript(name(v.id), k, ast.Store())], args[2]))
            return name(v.id)
        rest = [self.simple(a, ctx, out) for a in args[1:]]
        tt = self._ttype(nodes[0])

        def slow():
            # the library's path may change the variable's type (an evolver becomes a list)
            s = [assign(v.id, call("#b:" + op, v, *rest))]
            return s + [assign(tt, call("#type", name(v.id)))] if tt is not None else s

        def is_t(tname, first=False):
            if tt is not None:
                return ast.Compare(name(tt), [ast.Is()], [name(tname)])
            if first:
                return ast.Compare(ast.NamedExpr(store(t), call("#type", v)), [ast.Is()], [name(tname)])
            return ast.Compare(name(t), [ast.Is()], [name(tname)])

        if op == "%tconj":
            fast = [ast.Expr(call(ast.Attribute(v, "append", ast.Load()), rest[0]))]
            test = is_t("#TList") if tt is not None else _type_is(v, "#TList")
            out.append(ast.If(test, fast, slow()))
            return name(v.id)
        k, x = rest
        t = ctx.tmp() if tt is None else None

        def setitem():
            return [ast.Assign([ast.Subscript(name(v.id), k, ast.Store())], x)]

        if self.numeric.is_int(nodes[1]):
            # an int key: most likely a vector's index, tested first (a map with int keys
            # takes the second test)
            is_list = is_t("#TList", first=True)
            is_map = ast.BoolOp(ast.Or(), [is_t("#TDict"), is_t("#TMap")])
            if self.numeric.is_nonneg(nodes[1]):
                # an index past the end raises IndexError: appending at the length, or the
                # out-of-range error, is the slow path's
                vec = [ast.Try(setitem(), [ast.ExceptHandler(name("#IndexError"), None, slow())], [], [])]
            else:
                tests = self._index_tests(nodes[1], k, v)
                vec = [ast.If(tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests), setitem(), slow())]
            out.append(ast.If(is_list, vec, [ast.If(is_map, setitem(), slow())]))
            return name(v.id)
        is_map = ast.BoolOp(ast.Or(), [is_t("#TDict", first=True), is_t("#TMap")])
        # an index within the vector (appending at the length is the slow path's)
        in_vec = ast.BoolOp(ast.And(), [is_t("#TList"), *self._index_tests(nodes[1], k, v)])
        out.append(ast.If(is_map, setitem(), [ast.If(in_vec, setitem(), slow())]))
        return name(v.id)

    # --- and / or of booleans -----------------------------------------------------------------------
    def bool_andor(self, node):
        """`(and b x)` / `(or b x)` as the expander writes them (a Let of a fresh var and an If
        on it) where `b` is a boolean primitive: ("and" | "or", b, x), else None. Then Python's
        `b and x` / `b or x` has the same value: b is #t or #f, never nil."""
        if type(node) is not C.Let or len(node.bindings) != 1:
            return None
        v, b = node.bindings[0]
        body = node.body
        if type(body) is not C.If or v.boxed or v.mutated or v.captured:
            return None
        if type(body.test) is not C.LRef or body.test.var is not v:
            return None
        if type(b) is not C.Prim or b.op not in BOOLEAN_PRIMS:
            return None
        if v.name == "and" and type(body.else_) is C.LRef and body.else_.var is v:
            return ("and", b, body.then)
        if v.name == "or" and type(body.then) is C.LRef and body.then.var is v:
            return ("or", b, body.else_)
        return None

    def fast_andor(self, node, ctx, out, test):
        """The and/or above as one Python BoolOp (as an `if` test when `test`), or None when the
        second operand needs statements of its own (they would run unconditionally)."""
        ao = self.bool_andor(node)
        if ao is None or self.has_site(ao[2]):
            return None
        kind, b, x = ao
        b_out, x_out = [], []
        be = self.compile_expr(b, ctx, b_out)
        xe = self.compile_test(x, ctx, x_out) if test else self.compile_expr(x, ctx, x_out)
        if x_out:
            return None
        out += b_out
        return ast.BoolOp(ast.And() if kind == "and" else ast.Or(), [be, xe])

    # --- equality ------------------------------------------------------------------------------
    def fast_eq(self, nodes, args, negate, ctx, out):
        an, bn = nodes
        a, b = args
        if _is_identity_literal(an) or _is_identity_literal(bn):
            return ast.Compare(a, [ast.IsNot() if negate else ast.Is()], [b])
        num_a, num_b = self.numeric.is_num(an), self.numeric.is_num(bn)
        if _plain_eq_literal(an) or _plain_eq_literal(bn) or (num_a and num_b):
            return ast.Compare(a, [ast.NotEq() if negate else ast.Eq()], [b])
        if num_a or num_b:
            # one side is an int or a float: Python's == is right unless the other is a boolean
            a = self.simple(a, ctx, out)
            b = self.simple(b, ctx, out)
            other = b if num_a else a
            if negate:
                return ast.BoolOp(ast.Or(), [ast.Compare(a, [ast.NotEq()], [b]), _type_is(other, "#bool")])
            return ast.BoolOp(ast.And(), [ast.Compare(a, [ast.Eq()], [b]), _type_is_not(other, "#bool")])
        e = call("#eq", a, b)
        return ast.UnaryOp(ast.Not(), e) if negate else e

    # --- division ------------------------------------------------------------------------------
    def fast_mod(self, nodes, args, ctx, out):
        an, bn = nodes
        num_a, num_b = self.numeric.is_num(an), self.numeric.is_num(bn)
        a = self.simple(args[0], ctx, out)
        b = self.simple(args[1], ctx, out)
        direct = ast.BinOp(a, ast.Mod(), b)
        if num_a and num_b:
            return direct
        tests = []
        if not num_a:
            tests.append(_type_is(a, "#int"))
        if not num_b:
            tests.append(_type_is(b, "#int"))
        test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
        return ast.IfExp(test, direct, call("#b:mod", a, b))

    def fast_quot(self, nodes, args, ctx, out):
        an, bn = nodes
        if not _pos_int_const(bn):
            return None
        a = self.simple(args[0], ctx, out)
        b = args[1]
        nonneg = ast.Compare(a, [ast.GtE()], [const(0)])
        test = nonneg if self.numeric.is_num(an) else ast.BoolOp(ast.And(), [_type_is(a, "#int"), nonneg])
        # truncation and floor division agree for a non-negative dividend and a positive divisor
        return ast.IfExp(test, ast.BinOp(a, ast.FloorDiv(), b), call("#b:quot", a, b))

    # --- match's tests -----------------------------------------------------------------------------
    def fast_helper(self, node, ctx, out):
        """`#struct-is?`, `#field-at`, `#some?`, `#none?` (the tests and accessors `match` compiles
        to) inline, or None."""
        fname = node.fn.name
        a = node.args
        if fname == "#struct-is?" and len(a) == 3 and type(a[1]) is C.Const and type(a[2]) is C.Const:
            sname, n = a[1].value, a[2].value
            if type(sname) is not str or type(n) is not int or sname in ("Some", "None"):
                return None
            x = self.simple(self.compile_expr(a[0], ctx, out), ctx, out)
            ic = f"#sc:{sname}/{n}"
            t = ctx.tmp()
            hit = ast.Compare(
                ast.NamedExpr(ast.Name(t, ast.Store()), call("#type", x)), [ast.Is()], [ast.Attribute(name(ic), "t", ast.Load())]
            )
            known_miss = ast.Compare(name(t), [ast.IsNot()], [ast.Attribute(name(ic), "f", ast.Load())])
            slow = call("#struct_is_ic", name(ic), x, const(sname), const(n))
            return ast.BoolOp(ast.Or(), [hit, ast.BoolOp(ast.And(), [known_miss, slow])])
        if fname == "#field-at" and len(a) == 2 and type(a[1]) is C.Const and type(a[1].value) is int:
            # match binds a field only after its `#struct-is?` test passed (expander/patterns.py;
            # `(Some p)` has a test and accessor of its own): x is a struct instance here
            x = self.compile_expr(a[0], ctx, out)
            return ast.Subscript(x, const(a[1].value), ast.Load())
        if fname == "#some?" and len(a) == 1:
            return ast.Compare(call("#type", self.compile_expr(a[0], ctx, out)), [ast.Is()], [name("#Some")])
        if fname == "name" and len(a) == 1 and not node.kwargs:
            # a keyword's name is its `name` slot (as lib/strings.py has it), else the library's
            x = self.simple(self.compile_expr(a[0], ctx, out), ctx, out)
            if type(a[0]) is C.LRef and ctx.types.get(a[0].var) == "#Keyword":
                return ast.Attribute(x, "name", ast.Load())
            return ast.IfExp(_type_is(x, "#Keyword"), ast.Attribute(x, "name", ast.Load()), call("#b:name", x))
        if fname == "#none?" and len(a) == 1:
            return ast.Compare(self.compile_expr(a[0], ctx, out), [ast.Is()], [name("#None")])
        if fname == "%items" and len(a) == 1 and not node.kwargs:
            return self.items_expr(a[0], ctx, out)
        if fname == "%join-strs" and len(a) == 2 and not node.kwargs:
            # `_site_hof` chose it: the separator is a string and every element is a string
            sep = self.compile_expr(a[0], ctx, out)
            acc = self.compile_expr(a[1], ctx, out)
            return call(ast.Attribute(sep, "join", ast.Load()), acc)
        return None

    def items_source(self, node):
        """`(keys m)` or `(string/split s sep)` of the library, whose elements a loop can walk
        without the list or vector built: the function's name, else None."""
        if type(node) is not C.Call or node.kwargs or node.pyname is not None or not self.is_host_call(node):
            return None
        f, n = node.fn.name, len(node.args)
        return f if (f == "keys" and n == 1) or (f == "string/split" and n == 2) else None

    def items_of_source(self, op, parts, ctx, out, pos, as_tuple=True):
        """The elements of `(keys m)` / `(string/split s sep)` (parts: the compiled arguments)
        as `%items` gives them: a map's keys (what `keys` makes its list of), `str.split` with a
        non-empty string separator (what `string/split` makes its vector of; an empty one is
        the library's error), a list when `as_tuple` is false; anything else goes to the
        library's function (at pos, the call's position) and `%items`."""
        xs = [self.simple(p, ctx, out) for p in parts]
        slow = call("#b:%items", at(call("#b:" + op, *xs), pos))
        if op == "keys":
            return ast.IfExp(_type_is(xs[0], "#PMapT"), call("#tuple", call(ast.Attribute(xs[0], "keys", ast.Load()))), slow)
        fast = call(ast.Attribute(xs[0], "split", ast.Load()), xs[1])
        tests = [_type_is(x, "#str") for x in xs if not (type(x) is ast.Constant and type(x.value) is str)]
        if not (type(xs[1]) is ast.Constant and xs[1].value):
            tests.append(xs[1])  # (a string: not empty)
        if not tests:
            return call("#tuple", fast) if as_tuple else fast
        test = tests[0] if len(tests) == 1 else ast.BoolOp(ast.And(), tests)
        return ast.IfExp(test, call("#tuple", fast) if as_tuple else fast, slow)

    def items_expr(self, coll, ctx, out, coll_e=None):
        """`(%items coll)`, the tuple of elements the library's loops walk: `items_of_source`'s
        for `(keys m)` and `(string/split s sep)`; for a vector, the tuple of its elements;
        anything else the library's."""
        if coll_e is None:
            op = self.items_source(coll)
            if op is not None:
                parts, n_live = self.compile_args(coll.args, ctx, out)
                del ctx.live[n_live:]
                return self.items_of_source(op, parts, ctx, out, coll.pos)
        x = self.simple(coll_e if coll_e is not None else self.compile_expr(coll, ctx, out), ctx, out)
        return ast.IfExp(_type_is(x, "#PVec"), call("#tuple", x), call("#b:%items", x))

    # --- struct fields ---------------------------------------------------------------------------
    def fast_dot(self, obj, field, ctx, out):
        o = self.simple(obj, ctx, out)
        # one cache per site (`#ic:field@symbol/k`): a field name shared by several struct
        # types (`h` of Rect and Tri) stays a hit at each site that sees one type
        ctx.ndot = getattr(ctx, "ndot", 0) + 1
        ic = f"#ic:{field}@{ctx.fn.symbol}/{ctx.ndot}"
        hit = ast.Compare(call("#type", o), [ast.Is()], [ast.Attribute(name(ic), "t", ast.Load())])
        value = ast.Subscript(o, ast.Attribute(name(ic), "i", ast.Load()), ast.Load())
        cached = ast.IfExp(hit, value, call("#dot_ic", name(ic), o, const(field)))
        sp = ctx.struct_param
        if sp is not None and type(o) is ast.Name and o.id == sp[0] and field in sp[1]:
            # an instance method's own struct, tested once on entry: the field's index is known
            if ctx.sp_known is not None:  # the copy of the body that runs once the test passed
                local = ctx.sp_known.get(field)
                return name(local) if local is not None else ast.Subscript(o, const(sp[1].index(field)), ast.Load())
            ctx.sp_used = True
            return ast.IfExp(name(STRUCT_PARAM_LOCAL), ast.Subscript(o, const(sp[1].index(field)), ast.Load()), cached)
        return cached

    # --- strings -------------------------------------------------------------------------------
    @staticmethod
    def is_self_call(node, fn):
        """A call of fn's own name compiled in fn's body: the name is the local def of fn's
        factory there (`numeric.self_calls`), so it calls fn itself."""
        f = node.fn
        return (
            fn.name is not None
            and fn.self_var is None
            and type(f) is C.GRef
            and not f.builtin
            and f.module is None
            and f.name == fn.name
            and not node.kwargs
            and node.pyname is None
        )

    def returns_strings(self, fn):
        """Is every value fn returns a string? Its tails are strings, assuming its self-calls
        return strings (an optimistic answer checked by the tails alone)."""
        memo = self.__dict__.setdefault("_ret_str", {})
        hit = memo.get(id(fn))
        if hit is not None:
            return hit[1]
        memo[id(fn)] = (fn, True)  # the assumption for the self-calls below
        ok = self._tails_are_strings(fn.body, fn)
        memo[id(fn)] = (fn, ok)
        return ok

    def _tails_are_strings(self, n, fn):
        t = type(n)
        if t is C.If:
            return self._tails_are_strings(n.then, fn) and self._tails_are_strings(n.else_, fn)
        if t in (C.Let, C.Loop):
            return self._tails_are_strings(n.body, fn)
        if t is C.Do:
            return self._tails_are_strings(n.body[-1], fn)
        if t is C.Recur:
            return True  # another iteration's value
        # (a throw is not: under try-with, `(k v)` makes it return v, any value)
        if t is C.Call and self.is_self_call(n, fn):
            return True
        return self.is_string_result(n)

    def is_string_result(self, node, ctx=None):
        """Known to be a string: a string literal, `(str ...)`, a call of a library function in
        STRING_RESULTS, or (compiled in the function `ctx.fn`) a call of that function's own
        name when every value it returns is a string (`returns_strings`)."""
        t = type(node)
        if t is C.Const:
            return type(node.value) is str
        if t is C.Prim:
            return node.op == "str"
        if t is C.Call and ctx is not None and self.is_self_call(node, ctx.fn):
            return self.returns_strings(ctx.fn)
        if t is C.Call and not node.kwargs and node.pyname is None and self.is_host_call(node):
            f = node.fn.name
            if f == "string/join":
                a = node.args
                return len(a) == 1 or (len(a) == 2 and type(a[0]) is C.Const and type(a[0].value) is str)
            return node.fn.module is None and f in STRING_RESULTS
        return False

    def fast_str(self, nodes, args, ctx, out):
        if not args:
            return const("")
        parts = []
        for node, e in zip(nodes, args, strict=True):
            if type(node) is C.Const and type(node.value) is str:
                if node.value:
                    parts.append(const(node.value))
                continue
            known_str = type(node) is C.LRef and ctx.types.get(node.var) == "#str"
            if known_str or self.numeric.is_int(node) or self.is_string_result(node, ctx):  # as it displays
                parts.append(ast.FormattedValue(e, -1, None))
                continue
            x = self.simple(e, ctx, out)
            known = ctx.type_temps.get(node.var) if type(node) is C.LRef else None  # type(x), stored
            t = known or ctx.tmp()
            first = name(known) if known else ast.NamedExpr(ast.Name(t, ast.Store()), call("#type", x))
            is_plain = ast.BoolOp(
                ast.Or(),
                [ast.Compare(first, [ast.Is()], [name("#str")]), ast.Compare(name(t), [ast.Is()], [name("#int")])],
            )
            parts.append(ast.FormattedValue(ast.IfExp(is_plain, x, call("#display", x)), -1, None))
        if not parts:
            return const("")
        return ast.JoinedStr(parts)


# --- higher-order functions with a literal leaf lambda -------------------------------------------
#
# `(map (fn [x] body) coll)`, `(filter ...)`, `(reduce (fn [acc x] body) init coll)` and
# `(for-each coll (fn [x] body))`, where the builtin is the library's and the `fn` is a
# literal whose body has no capture site (so nothing can be captured inside it), compile
# to a Python loop or comprehension over the same `%items` tuple the library walks, with
# the body inline: no Python call per element at all. The lambda must bind plain locals:
# no rest parameter, no self name, no `recur` to its head, no closure inside it (a closure
# would capture the loop variable, which Python rebinds in place), no type annotations.

_HOF_SHAPES = {
    # name: (number of arguments, index of the fn, number of fn parameters)
    "map": (2, 0, 1),
    "filter": (2, 0, 1),
    "reduce": (3, 0, 2),
    "for-each": (2, 1, 1),
}


def _walk(node):
    from .numeric import children

    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        if type(n) is not C.Fn:
            stack.extend(x for x in children(n) if x is not None)


class InlineHOF:
    """Mixed into `Lowering`: needs `has_site`, `compile_expr`, `compile_test`, `compile_args`."""

    def inline_hof_fn(self, n):
        """The literal lambda of an inlinable higher-order call, or None."""
        f = n.fn
        if type(f) is not C.GRef or not f.builtin or f.module is not None:
            return None
        shape = _HOF_SHAPES.get(f.name)
        if shape is None or len(n.args) != shape[0]:
            return None
        fn = n.args[shape[1]]
        if type(fn) is not C.Fn or fn.rest is not None or fn.self_var is not None or len(fn.params) != shape[2]:
            return None
        if fn.is_shift_body or any(fn.ptypes) or any(v.boxed for v in fn.params):
            return None
        memo = getattr(self, "_hof_memo", None)
        if memo is None:
            memo = self._hof_memo = {}
        hit = memo.get(id(fn))
        if hit is not None:
            return fn if hit[1] else None
        ok = not self.has_site(fn.body)
        if ok:
            for x in _walk(fn.body):
                if type(x) is C.Fn or (type(x) is C.Recur and x.target is fn):
                    ok = False
                    break
        memo[id(fn)] = (fn, ok)
        return fn if ok else None

    def compile_inline_hof(self, node, fn, ctx, out):
        from .emit_normal import emit_normal

        op = node.fn.name
        pos = node.pos
        others = [a for a in node.args if a is not fn]
        source = self.items_source(others[-1])
        kvf = None
        if source == "keys":  # a lambda reading (get m k) of its key: over m's items (`_kv_fusion`)
            self._site_hof_k = getattr(self, "_site_hof_k", 0) + 1
            kvf = self._kv_fusion(fn, others[-1], self._site_hof_k)
        if source is not None:  # (keys m), (string/split s sep): their arguments, evaluated in order
            vals, n_live = self.compile_args(others[:-1] + others[-1].args, ctx, out)
            del ctx.live[n_live:]
            nargs = len(others[-1].args)
            if kvf is not None:
                m = self.simple(vals[-1], ctx, out)
                kv = kvf[0].py
                out.append(assign(kv, ast.Compare(call("#type", m), [ast.Is()], [name("#PMapT")])))
                slow = call("#b:%items", at(call("#b:keys", copy.deepcopy(m)), others[-1].pos))
                items = ast.IfExp(name(kv), call(ast.Attribute(m, "items", ast.Load())), slow)
            else:
                items = self.items_of_source(source, vals[-nargs:], ctx, out, others[-1].pos, as_tuple=False)
            vals = vals[:-nargs] + [None]
        else:
            vals, n_live = self.compile_args(others, ctx, out)
            del ctx.live[n_live:]
            coll = vals[-1]
            items = call("#b:%items", coll) if _is_range_call(others[-1]) else self.items_expr(others[-1], ctx, out, coll_e=coll)
        if _is_range_call(others[-1]):
            # Python's range yields ints only (it raises on anything else): the element
            # parameter is a number in the body, and the loop walks the range itself
            self.numeric.assume([fn.params[-1]], fn.body, ints=True)
            items = ast.Call(name("#range"), coll.args, []) if _plain_range_expr(coll) else items
        if _has_walrus(items):
            # Python forbids `:=` in a comprehension's iterable: the elements are computed
            # first (as the comprehension would: its iterable is evaluated before any element)
            items = self.simple(items, ctx, out)

        def key_of():  # over m's items (kvf): the element is a pair when m is exactly a map
            e = name(kvf[1].py)
            return ast.IfExp(name(kvf[0].py), ast.Subscript(e, const(0), ast.Load()), copy.deepcopy(e))

        def walk(x, ifs=()):
            """The comprehension clauses binding the parameter x to each element."""
            if kvf is None:
                return [ast.comprehension(ast.Name(x, ast.Store()), items, list(ifs), 0)]
            # (`for x in [e]` in a comprehension is a plain assignment to CPython)
            pair = ast.comprehension(ast.Name(kvf[1].py, ast.Store()), items, [], 0)
            return [pair, ast.comprehension(ast.Name(x, ast.Store()), ast.List([key_of()], ast.Load()), list(ifs), 0)]

        def for_loop(x, items, stmts):
            if kvf is None:
                return ast.For(ast.Name(x, ast.Store()), items, stmts, [])
            return ast.For(ast.Name(kvf[1].py, ast.Store()), items, [assign(x, key_of())] + stmts, [])

        body = []
        if op == "filter":
            x = fn.params[0].py
            test = self.compile_test(fn.body, ctx, body)
            if not body and not _has_walrus(test):
                comp = ast.ListComp(name(x), walk(x, [test]))
                return at_(call("#b:%seal", comp), pos)
            acc = ctx.tmp()
            out.append(assign(acc, ast.List([], ast.Load())))
            keep = ast.If(test, [ast.Expr(call(ast.Attribute(name(acc), "append", ast.Load()), name(x)))], [])
            loop = for_loop(x, items, emit_normal(body, ctx) + [keep])
            out.append(at_(loop, pos))
            return at_(call("#b:%seal", name(acc)), pos)
        if op == "map":
            x = fn.params[0].py
            e = self.compile_expr(fn.body, ctx, body)
            if not body and not _has_walrus(e):
                comp = ast.ListComp(e, walk(x))
                return at_(call("#b:%seal", comp), pos)
            acc = ctx.tmp()
            out.append(assign(acc, ast.List([], ast.Load())))
            push = ast.Expr(call(ast.Attribute(name(acc), "append", ast.Load()), e))
            out.append(at_(for_loop(x, items, emit_normal(body, ctx) + [push]), pos))
            return at_(call("#b:%seal", name(acc)), pos)
        if op == "for-each":
            x = fn.params[0].py
            self.compile_to(fn.body, ctx, body, ("none",))
            stmts = emit_normal(body, ctx)
            out.append(at_(for_loop(x, items, stmts or [ast.Pass()]), pos))
            return const(None)
        # reduce
        a, x = fn.params[0].py, fn.params[1].py
        transient = id(fn) in self.transient_reduce  # compiler/transient.py
        out.append(assign(a, call("#b:%tbegin", vals[0]) if transient else vals[0]))

        def loop():
            body = []
            e = self.compile_expr(fn.body, ctx, body)
            step = [] if type(e) is ast.Name and e.id == a else [assign(a, e)]
            return at_(for_loop(x, copy.deepcopy(items), emit_normal(body, ctx) + step or [ast.Pass()]), pos)

        generic = loop()
        if transient and self.keeps_acc(fn.body, fn.params[0]):
            # a map accumulator stays the dict (or map mutation) it starts as: every update
            # is an item assignment; a copy of the loop reads and writes it directly
            self.dict_accs.add(a)
            try:
                fast = ast.If(self._either_type(name(a), "#TDict", "#TMap", ctx), [loop()], [generic])
                gets = self.numeric_dict_gets(fn)
                if gets:  # and one for a dict of numbers (it starts empty: a TDict)
                    self.numeric.extra |= gets
                    try:
                        fast = ast.If(_type_is(name(a), "#TDict"), [loop()], [fast])
                    finally:
                        self.numeric.extra -= gets
            finally:
                self.dict_accs.discard(a)
            out.append(fast)
        else:
            out.append(generic)
        r = ctx.tmp()
        out.append(assign(r, call("#b:%tend", name(a)) if transient else name(a)))
        return name(r)


def _is_range_call(node):
    f = node.fn if type(node) is C.Call else None
    return type(f) is C.GRef and f.builtin and f.module is None and f.name == "range" and not node.kwargs and 1 <= len(node.args) <= 2


def _plain_range_expr(e):
    """`#b:range(a)` / `#b:range(a, b)` with name or constant arguments: `range(a, b)` itself
    walks the same ints (the library's range only wraps it), raising TypeError on a
    non-int, which becomes the same type-error."""
    return type(e) is ast.Call and not e.keywords and all(type(a) in (ast.Name, ast.Constant) for a in e.args)


# --- reduce and for-each over any function: the prelude's loop, inline ----------------------------
#
# `(reduce f init coll)` and `(for-each coll f)` whose function may capture (a lambda with a
# capture site, a named function, any value) become the prelude's own indexed loop in the
# calling function, as core nodes: `(let [xs (%items coll) n (%len xs)] (loop [i 0 acc
# init] (if (< i n) (recur (inc i) (f acc (%at xs i))) acc)))`. A capture inside f then
# records the caller's frame with the loop's state (i, acc, xs, n), exactly what the
# prelude's frame would hold; no accumulator is involved, so multi-shot resumption needs
# nothing more. A literal lambda's body is inlined with its parameters bound by `let`
# (or as the loop's accumulator), so no closure is made and no Python call is paid.

_SITE_HOF = {"reduce": (3, 0, 2), "for-each": (2, 1, 1), "map": (2, 0, 1)}

# `(map f coll)` inline builds its result in a plain Python list (`%acc`: CPython's
# specialised `list.append` applies to the exact type only, a Transient pays a method call),
# held by the caller's frame at a capture: its locals have names no program can write
# (`#acc`...), which serialization checks the kinds of (serialization/format.py,
# `_check_kinds`). A site's handler hands the accumulator to `#cap` frozen
# (`#freeze`, emit_normal.py), the caller's FnInfo is `transient` and each resumption
# thaws a copy of its own (a Transient, which `#freeze` takes as well).
#
# A lambda over `(keys m)` that reads `(get m k)` of its key k (m a local never `set!`)
# walks the map's items once instead (`_kv_fusion`): `#kv` is whether m is exactly a
# persistent map, `#xs` then the tuple of its (key, value) pairs, the element `#e` a pair,
# k its key and each `(get m k)` its value. Any other m walks its keys and calls `get` as
# the library does (m can't change: the value is the same either way).


class SiteHOF:
    """Mixed into `Lowering`: needs `numeric`, `inline_hof_fn`."""

    def site_hof(self, n):
        """The core nodes replacing a site-having reduce/for-each call, or None."""
        memo = getattr(self, "_site_hof_memo", None)
        if memo is None:
            memo = self._site_hof_memo = {}
        hit = memo.get(id(n))
        if hit is not None:
            return hit[1]
        r = self._site_hof(n, self.unit_ctx)
        memo[id(n)] = (n, r)
        return r

    def _site_hof(self, n, ctx, join=None):
        f = n.fn
        if type(f) is not C.GRef or not f.builtin or f.module is not None or n.kwargs:
            return None
        if f.name == "string/join" and join is None:
            return self._site_join(n, ctx)
        shape = _SITE_HOF.get(f.name)
        if shape is None or len(n.args) != shape[0] or self.inline_hof_fn(n) is not None:
            return None
        nargs, fidx, nparams = shape
        fnode = n.args[fidx]
        if f.name == "reduce" and type(fnode) is C.GRef and fnode.builtin and fnode.module is None and self.host_builtin(fnode.name):
            # `(reduce + 0 xs)`: a host function can't capture; the library's call hands the
            # whole loop to Python (`%host-reduce`), much faster than a loop of calls here
            return None
        lam = None
        if type(fnode) is C.Fn:
            if (
                fnode.rest is not None
                or fnode.self_var is not None
                or len(fnode.params) != nparams
                or fnode.is_shift_body
                or any(fnode.ptypes)
                or any(v.boxed for v in fnode.params)
            ):
                return None
            for x in _walk(fnode.body):
                if type(x) is C.Fn or (type(x) is C.Recur and x.target is fnode):
                    return None
            lam = fnode
        pos = n.pos
        self._site_hof_k = k = getattr(self, "_site_hof_k", 0) + 1

        coll = n.args[2] if f.name == "reduce" else n.args[1] if f.name == "map" else n.args[0]
        kvf = self._kv_fusion(lam, coll, k) if lam is not None else None
        # a map's loop locals, and those of a loop over a map's items, have names no program
        # can write, whose kinds decoding checks (serialization/format.py, `_INLINE_KIND`)
        prefix = "#" if f.name == "map" or kvf is not None else ""

        def var(label):
            label = prefix + label
            return C.Var(label, f"{label}~h{k}", None)

        def ref(v):
            return C.LRef(v, pos)

        binds = []
        fv = None
        # the function being compiled, by its own name (compiled as its factory's local def):
        # a Turmeric function with this call as a capture site, never a host function or a leaf
        fn = ctx.fn
        self_ref = (
            lam is None
            and type(fnode) is C.GRef
            and not fnode.builtin
            and fnode.module is None
            and fn.name is not None
            and fn.self_var is None
            and fnode.name == fn.name
        )
        self_strs = self_ref and join is not None and join[1] and self.returns_strings(fn)
        if f.name == "reduce":
            init, coll = n.args[1], n.args[2]
        elif f.name == "map":
            init, coll = None, n.args[1]
        else:
            init, coll = None, n.args[0]
        if lam is None and f.name == "for-each" and not (self._effect_free(coll) and type(fnode) in (C.Const, C.LRef, C.GRef)):
            # `(for-each coll f)`: the collection is evaluated first, as a call's arguments are
            cv = var("coll")
            binds.append((cv, coll))
            coll = ref(cv)
        if lam is None:
            fv = var("f")
            binds.append((fv, fnode))
        initv = None
        if init is not None:
            initv = var("init")
            binds.append((initv, init))
        xs, cnt, i = var("xs"), var("n"), var("i")
        if kvf is not None:
            kv, e = kvf
            binds.append((kv, C.Prim("%kv?", [coll.args[0]], coll.pos)))
            binds.append((xs, C.Prim("%kv-items", [ref(kv), coll.args[0]], coll.pos)))
        else:
            binds.append((xs, C.Call(C.GRef("%items", None, pos, builtin=True), [coll], pos)))
        if _is_range_call(coll):
            # `(range a)` / `(range a b)`: a step-1 range (or, empty, no elements at all);
            # i walks its ints themselves, from its start below its stop (#n): no index
            # into the range (which costs a multiplication and an addition of Python ints)
            binds.append((cnt, C.Prim("%range-hi", [ref(xs)], pos)))
            start = C.Prim("%range-lo", [ref(xs)], pos)
            elem = ref(i)
        else:
            binds.append((cnt, C.Prim("%len", [ref(xs)], pos)))
            start = C.Const(0, pos)
            elem = C.Prim("%at", [ref(xs), ref(i)], pos)

        def bind_elem(param, body):
            if kvf is None:
                return C.Let([(param, elem)], body, pos)
            return C.Let([(kvf[1], elem), (param, C.Prim("%kv-key", [ref(kvf[0]), ref(kvf[1])], pos))], body, pos)

        more = C.Prim("<", [ref(i), ref(cnt)], pos)
        step_i = C.Prim("inc", [ref(i)], pos)
        if f.name == "map":
            acc = var("acc")
            binds.append((acc, C.Prim("%acc", [], pos)))
            loop = C.Loop([i], [start], None, pos)
            if lam is not None:
                step = bind_elem(lam.params[0], lam.body)
            else:
                step = C.Call(ref(fv), [elem], pos)
            push = C.Prim("%push!", [ref(acc), step], pos)
            if join is None:
                seal = C.Call(C.GRef("%seal", None, pos, builtin=True), [ref(acc)], pos)
            else:  # `(string/join sep (map ...))`: the accumulator joined as it is
                # (by str.join itself when the separator is a literal string and every
                # element is known to be a string: a lambda whose value is, or the function
                # being compiled when all it returns is)
                sep_v, sep_str = join
                strs = sep_str and (self.is_string_result(lam.body, ctx) if lam is not None else self_strs)
                joiner = "%join-strs" if strs else "%join-acc"
                seal = C.Call(C.GRef(joiner, None, pos, builtin=True), [C.LRef(sep_v, pos), ref(acc)], pos)
            loop.body = C.If(more, C.Do([push, C.Recur([step_i], loop, pos)], pos), seal, pos)
        elif f.name == "reduce":
            acc = lam.params[0] if lam is not None else var("acc")
            loop = C.Loop([i, acc], [start, ref(initv)], None, pos)
            if lam is not None:
                step = bind_elem(lam.params[1], lam.body)
            else:
                step = C.Call(ref(fv), [ref(acc), elem], pos)
            loop.body = C.If(more, C.Recur([step_i, step], loop, pos), ref(acc), pos)
        else:
            loop = C.Loop([i], [start], None, pos)
            if lam is not None:
                step = bind_elem(lam.params[0], lam.body)
            else:
                step = C.Call(ref(fv), [elem], pos)
            loop.body = C.If(more, C.Do([step, C.Recur([step_i], loop, pos)], pos), C.Const(None, pos), pos)
        node = C.Let(binds, loop, pos)
        if f.name == "map" and lam is None and not self_ref:
            # a host function (or a leaf) maps in C, as the prelude's map does: `%host?` first,
            # the collection bound before either branch (evaluated once, after f)
            cv = var("coll")
            binds[1] = (xs, C.Call(C.GRef("%items", None, pos, builtin=True), [ref(cv)], pos))
            host = C.Call(C.GRef("%host?", None, pos, builtin=True), [ref(fv)], pos)
            items = C.Call(C.GRef("%items", None, pos, builtin=True), [ref(cv)], pos)
            in_c = C.Call(C.GRef("%host-map", None, pos, builtin=True), [ref(fv), items], pos)
            if join is not None:
                in_c = C.Call(C.GRef("string/join", None, pos, builtin=True), [C.LRef(join[0], pos), in_c], pos)
            node = C.Let([(fv, fnode), (cv, coll)], C.If(host, in_c, C.Let(binds[1:], loop, pos), pos), pos)
        if lam is not None and _is_range_call(coll):
            self.numeric.assume([lam.params[-1]], lam.body, ints=True)
        self.numeric.assume([], node)
        return node

    def _effect_free(self, node):
        """A constant, a variable, or `(range ...)`, `(keys m)`, `(string/split s sep)` of
        those: evaluating it changes nothing another argument could see."""
        t = type(node)
        if t in (C.Const, C.LRef, C.GRef):
            return True
        if _is_range_call(node) or self.items_source(node) is not None:
            return all(type(a) in (C.Const, C.LRef, C.GRef) for a in node.args)
        return False

    def _kv_fusion(self, lam, coll, k):
        """For a lambda inlined over `(keys m)`, m a local never `set!`, whose body reads
        `(get m x)` of its element parameter x (never `set!`): the locals `#kv` and `#e`
        (see above), with each such `get` turned into `(%kv-val #kv #e m x)` in place;
        else None. Decided once per lambda (a join and its map may build the loop twice:
        both then share the lambda's body and these locals)."""
        memo = self.__dict__.setdefault("_kv_memo", {})
        hit = memo.get(id(lam))
        if hit is not None:
            return hit[1]
        r = None
        if self.items_source(coll) == "keys" and type(coll.args[0]) is C.LRef:
            m, x = coll.args[0].var, lam.params[-1]
            if not m.mutated and not x.mutated:
                gets = [
                    g
                    for g in _walk(lam.body)
                    if type(g) is C.Prim
                    and g.op == "get"
                    and len(g.args) == 2
                    and type(g.args[0]) is C.LRef
                    and g.args[0].var is m
                    and type(g.args[1]) is C.LRef
                    and g.args[1].var is x
                    and not (self.tops and id(g) in self.tops)
                ]
                if gets:
                    kv, e = C.Var("#kv", f"#kv~h{k}", None), C.Var("#e", f"#e~h{k}", None)
                    for g in gets:
                        g.op = "%kv-val"
                        g.args = [C.LRef(kv, g.pos), C.LRef(e, g.pos), g.args[0], g.args[1]]
                    r = (kv, e)
        memo[id(lam)] = (lam, r)
        return r


class SiteJoin:
    """Mixed into `Lowering` with SiteHOF."""

    def _site_join(self, n, ctx):
        """`(string/join sep (map f coll))` with the map inlined (`_site_hof`): sep is bound
        first (it is evaluated first), and the loop's exit joins the accumulator itself
        (`%join-acc`, the library's string/join of the sealed list) instead of sealing it."""
        if len(n.args) != 2 or not self.host_builtin("string/join"):
            return None
        inner = n.args[1]
        if type(inner) is not C.Call or inner.pyname is not None:
            return None
        f = inner.fn
        if type(f) is not C.GRef or not f.builtin or f.module is not None or f.name != "map":
            return None
        pos = n.pos
        self._site_hof_k = k = getattr(self, "_site_hof_k", 0) + 1
        sep = C.Var("#sep", f"#sep~h{k}", None)
        loop = self._site_hof(inner, ctx, join=(sep, type(n.args[0]) is C.Const and type(n.args[0].value) is str))
        if loop is None:
            return None
        return C.Let([(sep, n.args[0])], loop, pos)


def _has_walrus(e):
    """Python forbids `:=` in parts of a comprehension: use a plain loop then."""
    return any(type(x) is ast.NamedExpr for x in ast.walk(e))


def at_(node, pos):
    from .pyast import at

    return at(node, pos)
