"""Explicit conversions at the Python boundary: `(->py v)`, `(->tm v)`, `(apply-kw f args kwargs)`.

Nothing crosses the boundary converted implicitly (docs/python.md, "Values at the
boundary"); these are the deep conversions a program asks for.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from ..core.values import NONE, Keyword, PList, PMap, PSet, PVector, Some, Struct, Symbol, Thrown, plist, pmap, pset, pvector
from ..runtime.errors import make_error, python_call_error
from ..runtime.lib.collections import _seq_items

_SCALARS = frozenset({int, float, str, bytes, bool, type(None)})
_KEYWORDIZE = Keyword("keywordize")


def to_py(v):
    """`(->py v)`: vectors and lists to `list`, maps to `dict`, sets to `set`, keywords and
    symbols to their names, Option to its value or None, structs to a dict of fields."""
    t = type(v)
    if t in _SCALARS:
        return v
    if t is Keyword or t is Symbol:
        return v.name
    if isinstance(v, PMap):
        return {_py_key(k): to_py(x) for k, x in v.items()}
    if isinstance(v, (PVector, PList)):
        return [to_py(x) for x in v]
    if isinstance(v, PSet):
        return {_py_key(x) for x in v}
    if v is NONE:
        return None
    if t is Some:
        return to_py(v.value)
    if isinstance(v, Struct):
        return {f: to_py(x) for f, x in zip(v.stype.fields, v.vals, strict=True)}
    return v


def _py_key(k):
    """A converted dict key or set element: hashable (a vector becomes a tuple, a set a frozenset)."""
    if isinstance(k, (PVector, PList)):
        return tuple(_py_key(x) for x in k)
    if isinstance(k, PSet):
        return frozenset(_py_key(x) for x in k)
    return to_py(k)


def to_tm(v, *options):
    """`(->tm v)`, `(->tm v :keywordize)`: sequences to vectors, mappings to maps, sets to sets,
    deep; with :keywordize, string keys of maps become keywords."""
    keywordize = False
    for o in options:
        if o is not _KEYWORDIZE:
            raise Thrown(make_error("type-error", f"->tm: unknown option {o!r} (the one option is :keywordize)"))
        keywordize = True
    return _tm(v, keywordize)


def _tm(v, kw):
    t = type(v)
    if t in _SCALARS:
        return v
    if isinstance(v, PMap) or isinstance(v, Mapping):
        return pmap({_tm_key(k, kw): _tm(x, kw) for k, x in v.items()})
    if isinstance(v, PList):
        return plist([_tm(x, kw) for x in v])
    if isinstance(v, (PSet, set, frozenset)):
        return pset(_tm(x, kw) for x in v)
    if isinstance(v, (PVector, Sequence, Iterator)) and not isinstance(v, (str, bytes, bytearray, memoryview, Struct)):
        return pvector([_tm(x, kw) for x in v])
    return v


def _tm_key(k, kw):
    if kw and type(k) is str:
        return Keyword(k)
    return _tm(k, kw)


def apply_kw(f, args, kwargs):
    """`(apply-kw f args kwargs)`: `f(*args, **kwargs)` for any callable; kwargs is a map with
    keyword or string keys (`-` in a keyword's name becomes `_`)."""
    if not isinstance(kwargs, (PMap, Mapping)) and kwargs is not None:
        raise Thrown(make_error("type-error", f"apply-kw: the keyword arguments must be a map, got {type(kwargs).__name__}"))
    kw = {}
    for k, x in (kwargs or {}).items():
        if type(k) is Keyword:
            kw[k.name.replace("-", "_")] = x
        elif type(k) is str:
            kw[k] = x
        else:
            raise Thrown(make_error("type-error", "apply-kw: keyword argument names are keywords or strings"))
    try:
        return f(*_seq_items(args), **kw)
    except Exception as e:
        raise python_call_error(e, getattr(f, "__qualname__", None)) from None
