"""Numbers: arithmetic, comparison and equality (`=` is structural)."""

from __future__ import annotations

from math import copysign

from ...core.values import (
    Keyword,
    PList,
    PMap,
    PVector,
    Some,
    Struct,
    Symbol,
    type_name,
)
from ..builtins import BUILTINS, HOST, builtin, err, type_err
from ..printer import readable


def _num(x, op):
    t = type(x)
    if t is int or t is float:
        return x
    raise type_err(f"{op}: expected a number, got {type_name(x)} {readable(x)}")


@builtin("+")
def add(a=0, b=0, *more):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float) and not more:
        return a + b
    r = _num(a, "+") + _num(b, "+")
    for x in more:
        r = r + _num(x, "+")
    return r


def arith_check(op, a, b, r):
    """The slow path of a compiled two-argument `+ - *` whose result is not a number."""
    _num(a, op)
    _num(b, op)
    return r


@builtin("-")
def sub(x, *xs):
    _num(x, "-")
    if not xs:
        return -x
    for y in xs:
        x = x - _num(y, "-")
    return x


@builtin("*")
def mul(*xs):
    r = 1
    for x in xs:
        r = r * _num(x, "*")
    return r


@builtin("/")
def div(x, *ys):
    _num(x, "/")
    if not ys:
        ys, x = (x,), 1
    for y in ys:
        _num(y, "/")
        if y == 0:
            raise err("division-by-zero")
        if type(x) is int and type(y) is int and x % y == 0:
            x = x // y
        else:
            x = x / y
    return x


@builtin("mod")
def mod(a, b):
    _num(a, "mod")
    _num(b, "mod")
    if b == 0:
        raise err("division-by-zero")
    return a % b


@builtin("quot")
def quot(a, b):
    _num(a, "quot")
    _num(b, "quot")
    if b == 0:
        raise err("division-by-zero")
    q = abs(a) // abs(b)
    if type(q) is float:
        # the sign of a / b, a zero's included: (quot -0.0 3) is -0.0, as the compiled quot
        # (a // b for a dividend >= 0 and a positive int divisor) says
        q = copysign(q, a)
        return q if copysign(1.0, b) > 0 else -q
    return q if (a >= 0) == (b >= 0) else -q


BUILTINS["inc"] = lambda x: _num(x, "inc") + 1
BUILTINS["dec"] = lambda x: _num(x, "dec") - 1
BUILTINS["abs"] = lambda x: abs(_num(x, "abs"))
HOST.update({"inc", "dec", "abs"})


@builtin("min")
def tmin(x, *xs):
    # numbers only: Python would order a boolean as 0 or 1, and strings or vectors among themselves
    for v in (x, *xs):
        _num(v, "min")
    return min((x, *xs))


@builtin("max")
def tmax(x, *xs):
    for v in (x, *xs):
        _num(v, "max")
    return max((x, *xs))


_SCALARS = frozenset({int, float, str, bytes, type(None), Keyword, Symbol})


def eq(a, b):
    """Turmeric equality: structural, a list equals a vector with equal elements, and a
    boolean never equals a number (Python's `True == 1` does not leak through, at any depth).
    NaN equals nothing, itself included, as Python's `==` on floats says (and the compiled
    `=` on numbers, which is `==`)."""
    if a is b:
        return type(a) is not float or a == a
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return False
    if ta in _SCALARS and tb in _SCALARS:  # the common case, before any isinstance
        return a == b
    if isinstance(a, (PList, PVector)) and isinstance(b, (PList, PVector)):
        return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, PMap) and isinstance(b, PMap):
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if k not in b or not eq(v, b[k]):
                return False
        return True
    if ta is Some and tb is Some:
        return eq(a.value, b.value)
    if isinstance(a, Struct) and isinstance(b, Struct):
        return ta is tb and all(eq(x, y) for x, y in zip(a.vals, b.vals, strict=True))
    return a == b


BUILTINS["#eq"] = eq


@builtin("=")
def teq(a, *xs):
    return all(eq(a, x) for x in xs)


@builtin("not=")
def tneq(a, *xs):
    return not teq(a, *xs)


def _cmp(name, op):
    def f(a, *xs):
        if a is True or a is False:
            _num(a, name)  # Python would order a boolean as 1 or 0
        for b in xs:
            if b is True or b is False:
                _num(b, name)
            if not op(a, b):
                return False
            a = b
        return True

    f.__name__ = name
    builtin(name)(f)


_cmp("<", lambda a, b: a < b)
_cmp(">", lambda a, b: a > b)
_cmp("<=", lambda a, b: a <= b)
_cmp(">=", lambda a, b: a >= b)


@builtin("not")
def tnot(x):
    return x is None or x is False
