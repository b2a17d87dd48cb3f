"""The mapping from Python failures to Turmeric values (the error structs are in core).

Every error a user can see is a Turmeric value (a struct) so that `catch` and
`try-with` handle runtime failures exactly like thrown values.
"""

from __future__ import annotations

import re

from ..core.errors import make_error
from ..core.values import ArityMismatch, Thrown

_ARITY_RE = re.compile(r"takes|positional argument|required positional|arguments? but")


def thrown_value(e):
    """The Turmeric value for an exception caught by `catch` or `try-with`."""
    from .control import BarrierError, ThrowCapture

    t = type(e)
    if t is Thrown or isinstance(e, Thrown):
        return e.value
    if t is ThrowCapture:
        return e.value
    if not isinstance(e, Exception):  # exit requests, interrupts: never a catchable value
        raise e
    if isinstance(e, ZeroDivisionError):
        return make_error("division-by-zero")
    if isinstance(e, BarrierError):
        return make_error("continuation-barrier", e.fname)
    if isinstance(e, RecursionError):
        return make_error("error", "stack overflow: recursion too deep")
    if isinstance(e, ArityMismatch):
        return make_error("arity-error", str(e))
    if isinstance(e, NameError):
        return make_error("unbound-global", getattr(e, "name", None) or str(e))
    if isinstance(e, TypeError):
        msg = str(e)
        if _ARITY_RE.search(msg) and ("argument" in msg):
            return make_error("arity-error", clean_arity_message(msg))
        return make_error("type-error", clean_type_message(msg))
    if isinstance(e, (IndexError, KeyError)):
        return make_error("error", f"index out of range: {e}")
    if isinstance(e, OSError):
        return make_error("error", f"{e.strerror or e}: {e.filename}" if e.filename else str(e))
    if isinstance(e, MemoryError):
        return make_error("error", "out of memory")
    return make_error("error", str(e) or type(e).__name__)


def clean_arity_message(msg):
    msg = re.sub(r"~\d+", "", msg)  # generated local names -> Turmeric names
    m = re.match(r"(?:[\w#:.<>/?!*+=-]+\.)?([^\s(]+)\(\) (.*)", msg)
    if m:
        return f"{m.group(1)}: {m.group(2)}"
    return msg


_PYTYPES = {
    "int": "int64",
    "float": "float64",
    "str": "string",
    "NoneType": "nil",
    "bool": "bool",
    "bytes": "bytes",
    "PList": "list",
    "PVector": "vector",
    "PMap": "map",
    "PSet": "set",
    "pvectorc.PVector": "vector",
}


def clean_type_message(msg):
    def sub(m):
        return "'" + _PYTYPES.get(m.group(1), m.group(1)) + "'"

    msg = re.sub(r"'([\w.]+)'", sub, msg)
    msg = msg.replace("unsupported operand type(s) for", "arithmetic on non-numbers:")
    msg = msg.replace("can only concatenate", "arithmetic on non-numbers: can only add")
    return msg


def as_thrown(e):
    if isinstance(e, Thrown):
        return e
    return Thrown(thrown_value(e))
