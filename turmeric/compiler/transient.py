"""Transient accumulators: in-place updates of collections that no one else can see.

Input: the `Fn` of a compiled unit (core nodes), before lowering. Output: the same
nodes, where a `loop` variable or the accumulator of an inlined `reduce` is proved
private to its loop, rewritten to the `%t` primitives (`%tbegin`, `%tend`,
`%tconj`, `%tassoc`, `%tget`, `%tnth`, `%tcount`, `%tcontains?`, in
`runtime/lib/collections.py`).

A variable `v` qualifies when:

- the loop (its body, and the initial values after `v`'s) has no capture site, so no
  continuation, snapshot or durable step can record a frame while the transient lives,
  and no Python code (a call to Python is a site) can be handed it;
- `v` is not captured by a closure nor `set!`;
- every occurrence of `v` in the body is one of
  - the collection argument of a read (`get nth count contains?`), whose value is an
    element or a number, never `v`;
  - the collection argument of an update (`conj v x`, `assoc v k x`) that is itself `v`'s
    next value: the argument at `v`'s place of a `recur` to this loop (or the `reduce`
    function's body), possibly under `if` branches; such a `recur`'s other arguments
    don't mention `v` (the update is a statement run before the recur's new values are
    assigned, so they would see it);
  - `v` itself as its own next value, or as the loop's result (an exit in tail
    position, where it becomes `(%tend v)`);
  - or a next value that doesn't mention `v` at all: it is compiled inside `%tbegin`,
    which wraps a Python list (the loop's own transient list is a plain `list`: no value
    that could be someone else's list may become the transient as it is).

While the loop runs, `v` then holds a transient (runtime/lib/collections.py: a private
list or dict when the loop starts from an empty vector or map, else an evolver or an
`immutables.MapMutation`): updates change it in place. None of them changes the
persistent value the loop started from, whoever else holds it (an older version kept
in a vector, a map passed to Python, a frame of a captured continuation). If the loop
is left by an exception the transient is simply dropped. Any other value (nil, a list, a set) stays persistent and
the `%t` helpers apply the ordinary operation.
"""

from __future__ import annotations

from ..core import nodes as C
from .numeric import children

# op -> (min args, max args, transient op)
READS = {"get": (2, 3, "%tget"), "nth": (2, 3, "%tnth"), "count": (1, 1, "%tcount"), "contains?": (2, 2, "%tcontains?")}
STEPS = {"conj": (2, 2, "%tconj"), "assoc": (3, 3, "%tassoc")}


class TransientPass:
    """Mixed into the compiler (`Lowering`): needs `has_site`, `host_builtin`, `inline_hof_fn`.

    The result is a side table, `self.tops`: id(node) -> the `%t` primitive that node
    compiles to (a read or update call, or an exit `LRef`), `self.transient_inits`: id(Loop)
    -> indices of its transient variables, `self.transient_typed`: id(Loop) -> those with
    more than one operation (their type is read once per iteration), and `self.transient_reduce`: ids of inlined
    reduce functions whose accumulator is transient. The nodes themselves are unchanged.
    """

    def transient_pass(self, root):
        """Find every qualifying loop variable and reduce accumulator under root (nested
        functions included)."""
        stack = [root]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.Loop:
                self._transient_loop(n)
                self.struct_loop(n)
            elif t is C.Call and type(n.fn) is C.GRef and n.fn.name == "reduce" and self.inline_hof_fn(n) is not None:
                self._transient_reduce_fn(n.args[0])
            stack.extend(x for x in children(n) if x is not None)
        self._handoff_pass(root)
        self._number_vectors()

    # --- recognising the operations ----------------------------------------------------------
    def coll_op(self, node, table):
        """(name, args) when node is a call of a library collection function in table with an
        accepted argument count, as a `Prim` or a call of the builtin itself; else None."""
        t = type(node)
        if t is C.Prim:
            opname, args = node.op, node.args
        elif t is C.Call and type(node.fn) is C.GRef and node.fn.builtin and node.fn.module is None and not node.kwargs:
            opname, args = node.fn.name, node.args
            if node.pyname is not None or not self.host_builtin(opname):
                return None
        else:
            return None
        spec = table.get(opname)
        if spec is None or not spec[0] <= len(args) <= spec[1]:
            return None
        return opname, args

    # --- the check ---------------------------------------------------------------------------
    def _reads_only(self, node, v, loop, pos, tail, found):
        """Every occurrence of v under node is legal (see the module docstring); collects in
        found the reads, updates and exits (LRef v in tail position). False on an illegal one."""
        t = type(node)
        if t is C.LRef:
            if node.var is not v:
                return True
            if tail:
                found.append(("%tend", node))
                return True
            return False
        if t is C.Fn:
            return not _mentions(node, v)
        if t is C.Recur and node.target is loop:
            for i, a in enumerate(node.args):
                if i == pos:
                    if not self._step(a, v, loop, pos, found):
                        return False
                elif _mentions(a, v):  # the update runs before the recur's tuple is built
                    return False
            return True
        op = self.coll_op(node, READS)
        if op is not None and _is_v(op[1][0], v):
            found.append((READS[op[0]][2], node))
            return all(self._reads_only(a, v, loop, pos, False, found) for a in op[1][1:])
        return self._scan_parts(self._reads_only, node, v, loop, pos, tail, found)

    @staticmethod
    def _scan_parts(scan, node, v, loop, pos, tail, found):
        """The common end of the tail-aware scans (`_reads_only`, `_sra_scan`): `scan` each
        part of node; an `if`'s branches, a `do`'s last form and a `let`'s body stay in tail
        position when node is, every other part is not."""
        t = type(node)
        if t is C.If:
            return (
                scan(node.test, v, loop, pos, False, found)
                and scan(node.then, v, loop, pos, tail, found)
                and scan(node.else_, v, loop, pos, tail, found)
            )
        if t is C.Do:
            last = len(node.body) - 1
            return all(scan(x, v, loop, pos, tail and i == last, found) for i, x in enumerate(node.body))
        if t is C.Let:
            return all(scan(x, v, loop, pos, False, found) for _, x in node.bindings) and scan(node.body, v, loop, pos, tail, found)
        return all(scan(x, v, loop, pos, False, found) for x in children(node) if x is not None)

    def _step(self, node, v, loop, pos, found):
        """node is a legal next value of v: v itself, an update of v, an `if` of those, or an
        expression that doesn't mention v."""
        if _is_v(node, v):
            return True
        op = self.coll_op(node, STEPS)
        if op is not None and _is_v(op[1][0], v):
            found.append((STEPS[op[0]][2], node))
            return all(self._reads_only(a, v, loop, pos, False, found) for a in op[1][1:])
        if type(node) is C.If:
            return (
                self._reads_only(node.test, v, loop, pos, False, found)
                and self._step(node.then, v, loop, pos, found)
                and self._step(node.else_, v, loop, pos, found)
            )
        if _mentions(node, v):
            return False
        found.append(("%tfresh", node))
        return True

    # --- loops and reduce --------------------------------------------------------------------
    def _transient_loop(self, loop):
        if self.has_site(loop.body):
            return
        for i, v in enumerate(loop.vars):
            if v.captured or v.mutated:
                continue
            # the transient is made once the initial values are computed; a site in a later
            # initial value would hold it in a frame
            if any(self.has_site(x) for x in loop.inits[i + 1 :]):
                continue
            found = []
            if not self._reads_only(loop.body, v, loop, i, True, found):
                continue
            if not any(op in UPDATES for op, _ in found):
                continue  # nothing to gain
            self._record(found)
            self.transient_inits.setdefault(id(loop), set()).add(i)
            if not any(op == "%tfresh" for op, _ in found):
                # every next value is v or an update of v: a list stays the same list
                self.transient_stable.setdefault(id(loop), set()).add(i)
                self._stable_found[(loop, i)] = found
            if sum(op not in ("%tend", "%tfresh") for op, _ in found) > 1:
                # several operations per iteration: they share one type test (`Lowering`)
                self.transient_typed.setdefault(id(loop), set()).add(i)

    def _transient_reduce_fn(self, fn):
        acc = fn.params[0]
        if acc.captured or acc.mutated:
            return
        found = []
        # the body is the accumulator's next value; there is no exit inside the function
        if not self._step(fn.body, acc, None, -1, found) or not any(op in UPDATES for op, _ in found):
            return
        self._record(found)
        self.transient_reduce.add(id(fn))

    def _record(self, found):
        for op, node in found:
            if op == "%tfresh":  # a next value from elsewhere: compiled inside `%tbegin` (Lowering)
                if type(node) not in (C.Const, C.VecLit, C.MapLit):  # (these are never Python lists)
                    self.tfresh.add(id(node))
            else:
                self.tops[id(node)] = op

    # --- one loop's transient handed to the next ---------------------------------------------
    #
    # `(let [v (loop [... a [] ...] ... a) w (loop [... b v ...] ...)] ...)`: when every exit
    # of the first loop is its transient variable `a`, and `v` is used once, as the start
    # value of the next loop's transient variable `b`, the first loop's transient goes to the
    # second as it is: no `%tend` (a persistent copy) at the first loop's exits and no
    # `%tbegin` at the second's entry. Nothing can see the value in between: `v` is read
    # nowhere else, the second loop's initial values have no capture site, and the lowering
    # (`Lowering.bind_let`) takes the handoff only when nothing after the second loop in the
    # `let` can record a frame holding `v` (no capture site there but a tail call). A value
    # that is not a transient passes as `%tend` then `%tbegin` would leave it.

    def _handoff_pass(self, root):
        stack = [root]
        while stack:
            n = stack.pop()
            if type(n) is C.Let:
                self._handoff_let(n)
            stack.extend(x for x in children(n) if x is not None)

    def _handoff_let(self, let):
        bs = let.bindings
        for v, val in bs:
            if type(val) is C.Loop and not v.mutated:
                self._let_loops[v] = val
        for j, (v, val) in enumerate(bs):
            if type(val) is not C.Loop or v.captured or v.mutated:
                continue
            a = self._exit_var(val)
            if a is None:
                continue
            # the next thing evaluated, and what follows it in v's scope
            if j + 1 < len(bs):
                nxt, after = bs[j + 1][1], [x for _, x in bs[j + 2 :]] + [let.body]
            elif type(let.body) is C.Let and let.body.bindings:  # (let [v ...] (let [w ...] ...))
                inner = let.body
                nxt, after = inner.bindings[0][1], [x for _, x in inner.bindings[1:]] + [inner.body]
            else:
                nxt, after = let.body, []
            if sum(_count(x, v) for x in [nxt, *after]) != 1:
                continue
            if self._host_reduce_of(nxt, v):
                # (reduce f init v) with a host function f (it never sees v): over the transient
                self.handoffs[id(val)] = (a, nxt, None, after)
                continue
            if type(nxt) is not C.Loop or any(self.has_site(x) for x in nxt.inits):
                continue
            ks = [k for k in self.transient_inits.get(id(nxt), ()) if _is_v(nxt.inits[k], v)]
            if len(ks) != 1:
                continue
            # (the variable handed over, the receiving loop, its variable's index, what follows it)
            self.handoffs[id(val)] = (a, nxt, ks[0], after)

    def _host_reduce_of(self, node, v):
        """Is node `(reduce f init v)` of the library's reduce, f a host builtin and init
        free of capture sites?"""
        if type(node) is not C.Call or node.kwargs or node.pyname is not None or len(node.args) != 3:
            return False
        g, f = node.fn, node.args[0]
        if not (type(g) is C.GRef and g.builtin and g.module is None and g.name == "reduce"):
            return False
        if not (type(f) is C.GRef and f.builtin and f.module is None and self.host_builtin(f.name)):
            return False
        return _is_v(node.args[2], v) and not self.has_site(node.args[1])

    # --- vectors of numbers ---------------------------------------------------------------------
    #
    # A transient variable that starts as the empty vector `[]` (or as the result of a loop
    # whose variable is such a vector: every exit of that loop is the variable), whose every
    # next value is its own update, and whose every update stores a number (`conj v x`,
    # `assoc v k x` with x a number, assuming what its reads return are numbers) only ever
    # holds numbers, whatever its representation (a list, an evolver, the persistent vector
    # it ends as): by induction over its updates. Its reads `(nth v i)` (an element, or an
    # error) and `(get v k d)` with a number d are then numbers, so arithmetic on them
    # needs no check: `(* 2 (nth w i))` is `2 * w[i]`. The reads' ids go to `numeric.extra`.

    def _number_vectors(self):
        cand = {}
        for (loop, i), found in self._stable_found.items():
            init = loop.inits[i]
            if type(init) is C.VecLit and not init.items:
                cand[(loop, i)] = (None, found)
            elif type(init) is C.LRef and init.var in self._let_loops:
                src = self._let_loops[init.var]
                a = self._exit_var(src)
                if a is not None:
                    cand[(loop, i)] = ((src, src.vars.index(a)), found)
        reads = {}
        for key, (_, found) in cand.items():
            ids = set()
            for op, node in found:
                if op in ("%tnth", "%tget"):
                    args = self.coll_op(node, READS)[1]
                    # an element (or an error), or an element or a number default
                    if (op == "%tnth" and len(args) == 2) or (op == "%tget" and len(args) == 3 and self.numeric.is_num(args[2])):
                        ids.add(id(node))
            reads[key] = ids
        nums = self.numeric
        while cand:
            assumed = set().union(*(reads[k] for k in cand))
            nums.extra |= assumed
            try:
                bad = {k for k, (src, found) in cand.items() if (src is not None and src not in cand) or not self._stores_numbers(found)}
            finally:
                nums.extra -= assumed
            if not bad:
                break
            for k in bad:
                del cand[k]
        for k in cand:
            nums.extra |= reads[k]

    def _stores_numbers(self, found):
        for op, node in found:
            if op in UPDATES:
                args = self.coll_op(node, STEPS)[1]
                if not self.numeric.is_num(args[-1]):
                    return False
        return True

    def _exit_var(self, loop):
        """The loop's transient variable when every value the loop can produce is that
        variable (each tail position is it or a recur to the loop), else None."""
        found = set()
        stack = [loop.body]
        while stack:
            n = stack.pop()
            t = type(n)
            if t is C.If:
                stack += [n.then, n.else_]
            elif t is C.Do:
                stack.append(n.body[-1])
            elif t is C.Let:
                stack.append(n.body)
            elif t is C.Recur and n.target is loop:
                continue
            elif t is C.LRef and n.var in loop.vars and self.tops.get(id(n)) == "%tend":
                found.add(n.var)
            else:
                return None
        if len(found) != 1:
            return None
        (a,) = found
        return a if loop.vars.index(a) in self.transient_inits.get(id(loop), ()) else None


UPDATES = frozenset(spec[2] for spec in STEPS.values())


def _count(node, v):
    """How many times node reads v (a closure over v counts as many)."""
    k = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is C.LRef and n.var is v:
            k += 1
        elif type(n) is C.Fn and v in n.free:
            k += 2
        stack.extend(x for x in children(n) if x is not None)
    return k


def _is_v(node, v):
    return type(node) is C.LRef and node.var is v


def _mentions(node, v):
    stack = [node]
    while stack:
        n = stack.pop()
        if type(n) is C.LRef and n.var is v:
            return True
        if type(n) is C.Fn and v in n.free:
            return True
        stack.extend(x for x in children(n) if x is not None)
    return False


# --- structs rebuilt in a loop: their fields as locals ----------------------------------------
#
# `(loop [... p (S ...) ...] ... p.x ... (recur ... (S a b c) ...) ... p)`: when every
# update of the loop variable `p` is a call of the constructor of one struct type `S`
# (untyped fields: nothing to check) with all its fields, every other use reads a field
# (`p.x`) or is an exit, and the loop has no other capture site and no function inside,
# the loop is compiled twice. The copy used when, at loop entry, `p` is an `S` and the
# global `S` still is that struct with the layout seen at compile time (`S._tm_layout`)
# keeps the fields in locals: a read is a local, an update assigns them, and an exit
# builds the one `S` the loop returns. No object is changed in place, so nothing can be
# shared wrongly; any other value at entry runs the ordinary copy.


class StructLoops:
    """Mixed into the compiler with TransientPass: needs `struct_fields(name)` (the field
    names of a struct without field types, or None), `has_site`, `is_host_call`."""

    def struct_loop(self, loop):
        out = []
        for i, v in enumerate(loop.vars):
            if v.captured or v.mutated:
                continue
            found = {"ctors": [], "reads": [], "exits": [], "sname": None}
            if not self._sra_scan(loop.body, v, loop, i, True, found):
                continue
            if not found["ctors"] or found["sname"] is None:
                continue
            fields = self.struct_fields(found["sname"])
            if fields is None or any(len(c.args) != len(fields) for c in found["ctors"]):
                continue
            if any(d.fields[0] not in fields for d in found["reads"]):
                continue
            out.append((i, v, found["sname"], tuple(fields), found["ctors"]))
        if not out:
            return
        ctor_ids = {id(c) for *_, ctors in out for c in ctors}
        if self._sra_blocked(loop.body, ctor_ids):
            return
        self.struct_loops[id(loop)] = [(i, v, s, f, self._sra_numeric(v, f, c, out)) for i, v, s, f, c in out]

    def _sra_numeric(self, v, fields, ctors, out):
        """The fields of v that stay numbers through the loop when they are numbers at entry:
        every constructor call puts a number there, assuming (optimistically, to a fixpoint)
        that the numeric fields of the loop's struct variables are numbers."""
        nums = self.numeric
        cand = {(w, f) for _, w, _, fs, _ in out for f in fs}
        saved = nums.dot_nums
        try:
            while True:
                nums.dot_nums = frozenset(cand)
                bad = {
                    (w, f)
                    for _, w, _, fs, cs in out
                    for c in cs
                    for f, a in zip(fs, c.args, strict=True)
                    if (w, f) in cand and not nums.is_num(a)
                }
                if not bad:
                    break
                cand -= bad
        finally:
            nums.dot_nums = saved
        return tuple(f for f in fields if (v, f) in cand)

    def _sra_ctor(self, node):
        """The struct name when node is a call of a global (of this module) that names a
        struct, else None."""
        if type(node) is not C.Call or node.kwargs or node.pyname is not None:
            return None
        f = node.fn
        if type(f) is not C.GRef or f.module is not None or f.builtin:
            return None
        return f.name if self.struct_fields(f.name) is not None else None

    def _sra_scan(self, node, v, loop, pos, tail, found):
        t = type(node)
        if t is C.LRef:
            if node.var is not v:
                return True
            if tail:
                found["exits"].append(node)
                return True
            return False
        if t is C.Dot and type(node.obj) is C.LRef and node.obj.var is v:
            found["reads"].append(node)
            return True
        if t is C.Fn:
            return False  # compiled twice: no function inside
        if t is C.Recur and node.target is loop:
            for i, a in enumerate(node.args):
                if i == pos:
                    if type(a) is C.LRef and a.var is v:
                        continue
                    s = self._sra_ctor(a)
                    if s is None or (found["sname"] not in (None, s)):
                        return False
                    found["sname"] = s
                    found["ctors"].append(a)
                    if not all(self._sra_scan(x, v, loop, pos, False, found) for x in a.args):
                        return False
                elif not self._sra_scan(a, v, loop, pos, False, found):
                    return False
            return True
        return self._scan_parts(self._sra_scan, node, v, loop, pos, tail, found)

    def _sra_blocked(self, node, ctor_ids):
        """A capture site (other than the constructor calls), a function, or an assignment to
        a global in the loop body."""
        stack = [node]
        while stack:
            n = stack.pop()
            t = type(n)
            if id(n) in ctor_ids:
                stack.extend(n.args)
                continue
            if t in (C.Fn, C.SetG, C.DefG):
                return True
            if t is C.Call and not self.is_host_call(n):
                return True
            if t in (C.Shift, C.Throw):
                return True
            stack.extend(x for x in children(n) if x is not None)
        return False
