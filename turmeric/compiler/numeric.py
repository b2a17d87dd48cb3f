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
NUMERIC_PRIMS = frozenset({"+", "-", "*", "/", "inc", "dec", "mod", "quot", "count", "%len"})


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


class NumericFacts:
    def __init__(self):
        self.vars = set()

    def analyze(self, root):
        """Find the numeric locals of a whole top-level unit (nested functions included)."""
        loops = []
        lets = []
        stack = [root]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.Loop:
                loops.append(n)
            elif t is C.Let:
                lets.append(n)
            stack.extend(children(n))
        # lets in source order, so a binding can use an earlier one; loops to a fixpoint
        changed = True
        while changed:
            changed = False
            for let in lets:
                for var, val in let.bindings:
                    if var not in self.vars and not var.mutated and self.is_num(val):
                        self.vars.add(var)
                        changed = True
            for loop in loops:
                if self.loop_pass(loop):
                    changed = True

    def loop_pass(self, loop):
        """Optimistically assume each candidate loop variable numeric, then drop those that
        a `recur` may bind to something else, until nothing changes."""
        recurs = []
        stack = [loop.body]
        while stack:
            n = stack.pop()
            if type(n) is C.Recur and n.target is loop:
                recurs.append(n)
            if type(n) is not C.Fn:  # recur can't cross a function
                stack.extend(children(n))
        cand = {v for v, init in zip(loop.vars, loop.inits, strict=True) if not v.mutated and self.is_num(init)}
        cand -= self.vars
        if not cand:
            return False
        self.vars |= cand
        while True:
            bad = {v for r in recurs for v, a in zip(loop.vars, r.args, strict=True) if v in cand and not self.is_num(a)}
            if not bad:
                return True
            cand -= bad
            self.vars -= bad
            if not cand:
                return False

    def is_num(self, n):
        t = type(n)
        if t is C.Const:
            return type(n.value) in (int, float)
        if t is C.Prim:
            return n.op in NUMERIC_PRIMS
        if t is C.LRef:
            return n.var in self.vars
        if t is C.If:
            return self.is_num(n.then) and self.is_num(n.else_)
        if t is C.Let:
            return self.is_num(n.body)
        if t is C.Do:
            return self.is_num(n.body[-1])
        return False

    def needs_check(self, op, args):
        """Does `(op a b)` compiled to a Python operator need its result checked?"""
        a, b = (self.is_num(x) for x in args)
        if a and b:
            return False
        if op == "*":  # a number times a string repeats it in Python
            return True
        # number +/- non-number raises TypeError in Python already (a boolean slips through)
        return not (a or b)
