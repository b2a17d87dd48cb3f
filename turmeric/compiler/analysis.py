"""Site analysis: which core-node subtrees contain a capture site.

Input: core nodes (`core.nodes`) and a predicate naming host builtins. Output:
`has_site(node)`, true when evaluating the node may unwind a capture through the
enclosing function (a call that is not a host builtin, a shift or a throw).
Lowering uses it to decide where A-normal form is needed.
"""

from __future__ import annotations

from ..core import nodes as C
from ..core.errors import InternalError


class SiteAnalysis:
    """Memoised `has_site` over the nodes of one compiled unit."""

    def __init__(self, host_builtin):
        self.host_builtin = host_builtin
        self.memo = {}

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
            if self.is_host_call(n) or self.inline_hof_fn(n) is not None:
                return any(self.has_site(a) for a in n.args)
            return True
        if t is C.Attr:
            return self.has_site(n.obj)
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
        raise InternalError(f"site analysis: unknown core node {t.__name__}", getattr(n, "pos", None))

    def inline_hof_fn(self, n):
        """Overridden by the lowering (`fastpath.InlineHOF`): the literal lambda of a
        higher-order call compiled inline, which is then no capture site."""
        return None

    def is_host_call(self, n):
        f = n.fn
        return type(f) is C.GRef and f.builtin and self.host_builtin(f.name)
