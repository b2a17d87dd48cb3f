"""Statement IR: what lowering produces and the two emitters consume.

Input: built by `lower.py` (a function body as a list of Python `ast` statements mixed
with these nodes). Output: the emitters turn each node into Python statements:
`SiteS` is a capture site, `IfS`/`LoopS`/`CatchS`/`FinallyS` are compound statements
that may contain sites. `site_set`/`block_sites` give the site numbers inside a node.
"""

from __future__ import annotations


class SiteS:
    __slots__ = ("n", "target", "call", "callee", "kind", "live", "pos", "label", "py")

    def __init__(self, n, target, call, callee, kind, live, pos, label=None, py=False):
        self.n = n  # resume point number (None for a tail call)
        self.target = target  # Python name receiving the value (None for a tail call)
        self.call = call  # ast.expr performing the call
        self.callee = callee  # ast.expr naming the callee (for the barrier check) or None
        self.kind = kind  # "call" | "shift" | "throw" | "tail"
        self.live = live  # tuple of Python names saved in the frame
        self.pos = pos
        self.label = label  # how the program wrote a Python callee (`json.dumps`), for barriers
        self.py = py  # a call to Python: its exceptions become a python-error thrown at the call


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
