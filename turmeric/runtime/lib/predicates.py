"""Type predicates and `type-of`."""

from __future__ import annotations

from ...core.values import (
    Keyword,
    PList,
    PMap,
    PSet,
    PVector,
    Ref,
    Symbol,
    type_name,
)
from .. import control
from ..builtins import BOOL_PREDICATES, builtin
from .numbers import _num


def _pred(name, f):
    builtin(name)(f)
    BOOL_PREDICATES.add(f)


_pred("nil?", lambda x: x is None)
_pred("int?", lambda x: type(x) is int)
_pred("float?", lambda x: type(x) is float)
_pred("number?", lambda x: type(x) in (int, float))
_pred("string?", lambda x: type(x) is str)
_pred("bool?", lambda x: type(x) is bool)
_pred("keyword?", lambda x: type(x) is Keyword)
_pred("symbol?", lambda x: type(x) is Symbol)
_pred("bytes?", lambda x: type(x) is bytes)
_pred("list?", lambda x: isinstance(x, PList))
_pred("vector?", lambda x: isinstance(x, PVector))
_pred("map?", lambda x: isinstance(x, PMap))
_pred("set?", lambda x: isinstance(x, PSet))
_pred("fn?", lambda x: type_name(x) == "fn")
_pred("continuation?", lambda x: isinstance(x, control.Continuation))
_pred("ref?", lambda x: type(x) is Ref)
# numbers only: a boolean is not a number (Python's False == 0 must not leak through)
_pred("zero?", lambda x: _num(x, "zero?") == 0)
_pred("pos?", lambda x: _num(x, "pos?") > 0)
_pred("neg?", lambda x: _num(x, "neg?") < 0)
_pred("even?", lambda x: not x & 1 if type(x) is int else _num(x, "even?") % 2 == 0)
_pred("odd?", lambda x: x & 1 == 1 if type(x) is int else _num(x, "odd?") % 2 == 1)


@builtin("type-of")
def type_of(x):
    return type_name(x)
