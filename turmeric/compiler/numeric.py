"""Which core expressions are known to produce numbers.

Two-argument `+ - *` compile to Python operators; when an operand may be a string or a
collection, Python would concatenate (or repeat) instead of throwing `type-error`, so
the compiler adds a check on the result. This pass finds the operands that are known
to be numbers (literals, results of arithmetic, and locals and loop variables only ever
bound to such values), where the check is unnecessary.
"""

from __future__ import annotations

from ..core import nodes as C

# results of these primitives are numbers whenever they return
NUMERIC_PRIMS = frozenset({"+", "-", "*", "/", "inc", "dec", "mod", "quot", "count", "%len", "%range-lo", "%range-hi"})


def children(n):
    t = type(n)
    if t in (C.Const, C.LRef, C.GRef):
        return ()
    if t is C.Call:
        return (n.fn, *n.args, *(v for _, v in n.kwargs))
    if t is C.Attr:
        return (n.obj,)
    if t in (C.Prim, C.Recur):
        return n.args
    if t is C.If:
        return (n.test, n.then, n.else_)
    if t is C.Do:
        return n.body
    if t is C.Let:
        return (*(v for _, v in n.bindings), n.body)
    if t is C.Loop:
        return (*n.inits, n.body)
    if t is C.Try:
        return tuple(x for x in (n.body, n.handler, n.finally_) if x is not None)
    if t in (C.SetL, C.SetG, C.DefG, C.Throw):
        return (n.expr,)
    if t is C.Dot:
        return (n.obj,)
    if t in (C.VecLit, C.MapLit):
        return n.items
    if t is C.Fn:
        return (n.body,)
    if t is C.Shift:
        return (n.body_fn,)
    return ()


def loop_recurs(node, loop):
    """The recurs to `loop` under node (a recur can't cross a function)."""
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is C.Recur and n.target is loop:
            yield n
        if type(n) is not C.Fn:
            stack.extend(children(n))


def is_ref_call(n):
    """`(ref x)`, the library's."""
    if type(n) is not C.Call or n.kwargs or len(n.args) != 1:
        return False
    f = n.fn
    return type(f) is C.GRef and f.builtin and f.module is None and f.name == "ref"


def is_known_ref(facts, n):
    return type(n) is C.LRef and n.var in facts.refs


class NumericFacts:
    def __init__(self):
        self.vars = set()
        # self-calls: id(Call) -> (Call, Fn) for a call of a named function's own name made
        # directly in its body (generated code calls the function itself there: the name
        # is the local def of its factory, whatever the global is later rebound to)
        self.self_calls = {}
        self.ret_any = set()  # functions whose every return value is a number
        self.ret_num = set()  # ... whenever every argument is a number
        self.params_assumed = None
        self.refs = set()  # locals bound once to `(ref x)`: a Ref, whatever happens to its value
        self.ints = set()  # numeric locals known to be ints (not floats): elements of a range
        self.nonneg = set()  # int locals known to be at least 0 (a loop's counter from 0 up)
        # (struct variable, field) pairs known to be numbers while the fields live in locals
        # (the copy of a struct loop compiled for an entry whose fields were tested numeric)
        self.dot_nums = frozenset()
        self.extra = set()  # ids of other nodes known to be numbers where they are compiled now

    def analyze(self, root):
        """Find the numeric locals of a whole top-level unit (nested functions included),
        then the functions whose results are numbers, then the locals again with those."""
        loops = []
        lets = []
        fns = []
        stack = [root]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.Loop:
                loops.append(n)
            elif t is C.Let:
                lets.append(n)
            elif t is C.Fn and n.name and n.self_var is None and n is not root:
                fns.append(n)
            stack.extend(children(n))
        for let in lets:
            for var, val in let.bindings:
                if not var.mutated and is_ref_call(val):
                    self.refs.add(var)
        self.local_pass(lets, loops)
        if fns:
            self.returns_pass(fns)
            if self.ret_any or self.ret_num:
                self.local_pass(lets, loops)

    def assume(self, vs, body, ints=False):
        """The variables `vs` (a lambda's parameters that an inlined loop binds to numbers only,
        ints when `ints`) are numbers: add them, then the locals of `body` that follow."""
        new = {v for v in vs if not v.mutated}
        self.vars |= new
        if ints:
            self.ints |= new
        lets, loops = [], []
        stack = [body]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.Loop:
                loops.append(n)
            elif t is C.Let:
                lets.append(n)
            stack.extend(children(n))
        self.local_pass(lets, loops)

    def assume_loop_entry(self, loop, outside, used):
        """For a copy of `loop` entered only when the locals `outside` (bound before the loop)
        and some loop variables are ints: add those to the facts, with the loop variables that
        every `recur` then keeps numeric and the locals of the body that follow. The loop
        variables considered are those in `used` (operands of arithmetic in the body) and
        those whose initial value then is a number. Returns (the loop variables to test at
        entry, the facts before); `restore` puts the facts back."""
        saved = self.snapshot()
        lets, loops, recurs = [], [], []
        stack = [loop.body]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.Loop:
                loops.append(n)
            elif t is C.Let:
                lets.append(n)
            elif t is C.Recur and n.target is loop:
                recurs.append(n)
            stack.extend(children(n))
        self.vars |= outside
        cand = {
            v
            for v, init in zip(loop.vars, loop.inits, strict=True)
            if not v.mutated and v not in self.vars and (v in used or self.is_num(init))
        }
        while True:
            self.vars |= outside | cand
            self.ints |= outside
            self.local_pass(lets, loops)
            bad = {v for r in recurs for v, a in zip(loop.vars, r.args, strict=True) if v in cand and not self.is_num(a)}
            if not bad:
                break
            self.restore(saved)
            cand -= bad
        tested = {v for v, init in zip(loop.vars, loop.inits, strict=True) if v in cand and not self.is_num(init)}
        return tested, saved

    def snapshot(self):
        """The facts that assumptions add to, for `restore`."""
        return (set(self.vars), set(self.ints), set(self.nonneg))

    def restore(self, saved):
        self.vars, self.ints, self.nonneg = set(saved[0]), set(saved[1]), set(saved[2])

    def returns_pass(self, fns):
        """Optimistically assume each named function returns numbers (unconditionally, and
        when its arguments are numbers), then drop what a return path contradicts. The
        locals found so far are a subset of the final ones, so what survives is sound."""
        for f in fns:
            stack = [f.body]
            while stack:
                n = stack.pop()
                if type(n) is C.Fn:
                    continue  # a nested function's factory is module-level: the name is global there
                if type(n) is C.Call and type(n.fn) is C.GRef and n.fn.name == f.name and n.fn.module is None and not n.fn.builtin:
                    self.self_calls[id(n)] = (n, f)
                stack.extend(children(n))
        cands = fns
        self.ret_any = set(cands)
        self.ret_num = set(cands)
        changed = True
        while changed:
            changed = False
            for f in cands:
                if f in self.ret_any and not self.returns_num(f.body, f, False):
                    self.ret_any.discard(f)
                    changed = True
                if f in self.ret_num:
                    params = {v for v in f.params if not v.mutated} if f.rest is None else set()
                    self.params_assumed = params
                    try:
                        ok = self.returns_num(f.body, f, True)
                    finally:
                        self.params_assumed = None
                    if not ok:
                        self.ret_num.discard(f)
                        changed = True

    def returns_num(self, n, f, cond):
        """Is every value the body `n` of `f` returns a number?"""
        t = type(n)
        if t is C.If:
            return self.returns_num(n.then, f, cond) and self.returns_num(n.else_, f, cond)
        if t in (C.Let, C.Loop):
            return self.returns_num(n.body, f, cond)
        if t is C.Do:
            return self.returns_num(n.body[-1], f, cond)
        if t is C.Recur:
            # to a loop: that loop's tails decide; to the function's head: new arguments
            return not (cond and n.target is f) or all(self.is_num(a) for a in n.args)
        if t is C.Throw:
            # under try-with, `(k v)` makes the throw return v, whatever it is
            return False
        return self.is_num(n)

    def local_pass(self, lets, loops):
        # lets in source order, so a binding can use an earlier one; loops to a fixpoint
        changed = True
        while changed:
            changed = False
            for let in lets:
                for var, val in let.bindings:
                    if var not in self.vars and not var.mutated and self.is_num(val):
                        self.vars.add(var)
                        changed = True
                    if var not in self.ints and var in self.vars and self.is_int(val):
                        self.ints.add(var)
                        changed = True
            for loop in loops:
                if self.loop_pass(loop):
                    changed = True
                if self.loop_int_pass(loop, self.ints, self.is_int):
                    changed = True
                if self.loop_int_pass(loop, self.nonneg, self.is_nonneg):
                    changed = True

    def loop_pass(self, loop):
        """Optimistically assume each candidate loop variable numeric, then drop those that
        a `recur` may bind to something else, until nothing changes."""
        cand = {v for v, init in zip(loop.vars, loop.inits, strict=True) if not v.mutated and self.is_num(init)}
        return self._fixpoint(loop, cand - self.vars, self.vars, self.is_num)

    def loop_int_pass(self, loop, known, test):
        """The same optimistic fixpoint for a narrower fact (`ints`, `nonneg`: a subset of
        the numeric variables): a loop variable has it when its initial value and the value
        every `recur` binds it to have it."""
        cand = {v for v, init in zip(loop.vars, loop.inits, strict=True) if v in self.vars and v not in known and test(init)}
        return self._fixpoint(loop, cand, known, test)

    @staticmethod
    def _fixpoint(loop, cand, known, test):
        """Add `cand` to `known`, then take back those some `recur` binds to a value `test`
        rejects, until none is; whether any candidate stayed."""
        if not cand:
            return False
        recurs = list(loop_recurs(loop.body, loop))
        known |= cand
        while True:
            bad = {v for r in recurs for v, a in zip(loop.vars, r.args, strict=True) if v in cand and not test(a)}
            if not bad:
                return True
            cand -= bad
            known -= bad
            if not cand:
                return False

    def is_nonneg(self, n):
        """Known to be an int at least 0 (an index that needs no test against negatives)."""
        t = type(n)
        if t is C.Const:
            return type(n.value) is int and n.value >= 0
        if t is C.LRef:
            return n.var in self.nonneg
        if t is C.Prim:
            if n.op in ("count", "%len"):
                return True
            return n.op in ("+", "*", "inc", "quot") and all(self.is_nonneg(a) for a in n.args)
        return False

    def is_num(self, n):
        t = type(n)
        if self.extra and id(n) in self.extra:
            return True
        if t is C.Const:
            return type(n.value) in (int, float)
        if t is C.Prim:
            return n.op in NUMERIC_PRIMS
        if t is C.LRef:
            return n.var in self.vars or (self.params_assumed is not None and n.var in self.params_assumed)
        if t is C.Call:
            hit = self.self_calls.get(id(n))
            if hit is None or n.kwargs:
                return False
            f = hit[1]
            if f in self.ret_any:
                return True
            return f in self.ret_num and len(n.args) == len(f.params) and all(self.is_num(a) for a in n.args)
        if t is C.Loop:
            return self._loop_num(n)
        if t is C.Throw:
            return False  # a try-with handler's `(k v)` makes it return v, any value
        if t is C.Dot:
            return bool(self.dot_nums) and type(n.obj) is C.LRef and len(n.fields) == 1 and (n.obj.var, n.fields[0]) in self.dot_nums
        if t is C.If:
            return self.is_num(n.then) and self.is_num(n.else_)
        if t is C.Let:
            return self.is_num(n.body)
        if t is C.Do:
            return self.is_num(n.body[-1])
        return False

    def is_int(self, n):
        """Known to be an int (so its display form is its decimal text)."""
        t = type(n)
        if t is C.Const:
            return type(n.value) is int
        if t is C.LRef:
            return n.var in self.ints
        if t is C.Prim:
            if n.op in ("count", "%len", "%range-lo", "%range-hi"):
                return True
            return n.op in ("+", "-", "*", "inc", "dec", "mod", "quot") and all(self.is_int(a) for a in n.args)
        if t is C.If:
            return self.is_int(n.then) and self.is_int(n.else_)
        if t is C.Let:
            return self.is_int(n.body)
        return False

    def _loop_num(self, loop):
        """A loop's value is one of its tails that is not a `recur`."""
        stack = [loop.body]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.If:
                stack += (n.then, n.else_)
            elif t in (C.Let, C.Loop):
                stack.append(n.body)
            elif t is C.Do:
                stack.append(n.body[-1])
            elif t is C.Recur:
                continue
            elif not self.is_num(n):
                return False
        return True
