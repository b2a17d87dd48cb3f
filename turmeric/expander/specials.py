"""The special forms: one table, each form declared with its shape.

`@special(name, *shape, usage=...)` on an `Expander` method declares the form `name`:
the arguments must match `shape` (else the expander reports `usage` at the form), and
the method then analyzes it. Handlers may check more (scope, tail position, what a
binding vector binds), but the shape of the form is here, in one place.

Input: the declarations. Output: `SPECIAL_FORMS`, name -> `Special`, which the
expander consults before macros and globals (a macro or global can't shadow them).

A shape is a sequence of element kinds, matched against the form's arguments:
FORM (any form), SYM (a symbol), PAIRS (a vector of even length), BINDINGS (a
non-empty vector of even length), ONE_SYM_VEC (a vector holding one symbol), OPT (an optional last form), BODY (any number of
remaining forms) and EVEN_BODY (an even number of remaining forms). A shape of None
means the handler takes any arguments and checks them itself.
"""

from __future__ import annotations

from ..core.values import PVector, Symbol

FORM, SYM, PAIRS, BINDINGS, ONE_SYM_VEC, OPT, BODY, EVEN_BODY = (
    "form",
    "symbol",
    "pairs",
    "bindings",
    "one-symbol-vector",
    "optional",
    "body",
    "even-body",
)


class Special:
    __slots__ = ("name", "shape", "usage", "handler")

    def __init__(self, name, shape, usage, handler):
        self.name = name
        self.shape = shape
        self.usage = usage
        self.handler = handler

    def __repr__(self):
        return f"<special {self.name} {self.shape}>"


SPECIAL_FORMS: dict = {}  # name -> Special


def special(*names, shape=None, usage=None):
    """Declare the special forms `names` (aliases share a handler) with their shape."""
    if shape is not None and usage is None:
        raise ValueError(f"special form {names[0]}: a shape needs a usage message")

    def deco(f):
        for n in names:
            SPECIAL_FORMS[n] = Special(n, shape, usage, f)
        return f

    return deco


def _element_ok(kind, x):
    if kind is FORM or kind is OPT:
        return True
    if kind is SYM:
        return type(x) is Symbol
    if kind is PAIRS:
        return isinstance(x, PVector) and len(x) % 2 == 0
    if kind is BINDINGS:
        return isinstance(x, PVector) and len(x) > 0 and len(x) % 2 == 0
    if kind is ONE_SYM_VEC:
        return isinstance(x, PVector) and len(x) == 1 and type(x[0]) is Symbol
    raise ValueError(f"unknown shape element {kind!r}")


def matches(shape, args):
    """Do the arguments `args` (a list) have the shape `shape`?"""
    i = 0
    for kind in shape:
        if kind is BODY:
            return True
        if kind is EVEN_BODY:
            return (len(args) - i) % 2 == 0
        if i >= len(args):
            return kind is OPT
        if not _element_ok(kind, args[i]):
            return False
        i += 1
    return i == len(args)
