"""Printing values: the display form (`str`, `println`) and the readable form (`prn`, REPL)."""

from __future__ import annotations

import types

from ..core.values import Box, Keyword, OptionNone, PList, PMap, PSet, PVector, Ref, Some, Struct, Symbol
from ..core.values import type_name as type_name  # re-exported: the name of a value's type


def escape(s):
    out = []
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\0":
            out.append("\\0")
        elif ord(ch) < 32:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def fmt_float(x):
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Inf" if x > 0 else "-Inf"
    return repr(x)


def show(v, readable=False, depth=0):
    """Text of a value. Iterative enough for long lists; deep nesting stops at 10,000 levels."""
    t = type(v)
    if t is str:
        return escape(v) if readable else v
    if v is None:
        return "nil"
    if v is True:
        return "#t"
    if v is False:
        return "#f"
    if t is int:
        return str(v)
    if t is float:
        return fmt_float(v)
    if t is Keyword:
        return ":" + v.name
    if t is Symbol:
        return v.name
    if depth > 10000:
        return "..."
    d = depth + 1
    if isinstance(v, PList):
        return "(" + " ".join(show(x, readable, d) for x in v) + ")"
    if isinstance(v, PVector):
        return "[" + " ".join(show(x, readable, d) for x in v) + "]"
    if isinstance(v, PMap):
        # hash order differs between processes; print in a stable order
        items = sorted(((show(k, readable, d), k, x) for k, x in v.items()), key=lambda e: order_key(e[1], e[0]))
        return "{" + " ".join(ks + " " + show(x, readable, d) for ks, _, x in items) + "}"
    if isinstance(v, PSet):
        items = sorted(((show(x, readable, d), x) for x in v), key=lambda e: order_key(e[1], e[0]))
        return "#{" + " ".join(t for t, _ in items) + "}"
    if t is OptionNone:
        return "None"
    if t is Some:
        return "(Some " + show(v.value, readable, d) + ")"
    if isinstance(v, Struct):
        if not v.vals:
            return "(" + v.stype.name + ")"
        return "(" + v.stype.name + " " + " ".join(show(x, readable, d) for x in v.vals) + ")"
    if t is bytes:
        return f"#bytes[{len(v)}]"
    if t is Ref:
        return "#<ref " + show(v.value, readable, d) + ">"
    if t is Box:
        return show(v.v, readable, d)
    if t is types.FunctionType:
        from .control import CODES

        info = CODES.get(v.__code__)
        if info is not None:
            return "#<fn " + info.symbol.rsplit(".", 1)[-1].rsplit("/", 1)[-1] + ">"
        return "#<fn " + getattr(v, "__name__", "?") + ">"
    from .control import Continuation

    if isinstance(v, Continuation):
        return f"#<continuation {len(v.frames)} frames>"
    custom = getattr(v, "turmeric_show", None)
    if custom is not None:
        return custom()
    if callable(v) and type_name(v) == "fn":
        return "#<fn " + getattr(v, "__name__", type(v).__name__) + ">"
    return python_text(v, readable)


def python_text(v, readable):
    """A Python object: `str(v)` in the display form, `#<py repr(v)>` in the readable form."""
    try:
        text = repr(v) if readable else str(v)
    except Exception:
        text = f"<{type_name(v)}>"
    return f"#<py {text}>" if readable else text


def order_key(v, text):
    if type(v) in (int, float):
        return (0, v, "")
    return (1, 0, text)


def display(v):
    return show(v, False)


def readable(v):
    return show(v, True)
