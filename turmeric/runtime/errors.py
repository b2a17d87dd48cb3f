"""The mapping from Python failures to Turmeric values (the error structs are in core).

Every error a user can see is a Turmeric value (a struct) so that `catch` and
`try-with` handle runtime failures exactly like thrown values.
"""

from __future__ import annotations

import re

from ..core.errors import InternalError, make_error
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
    if not isinstance(e, Exception) or isinstance(e, InternalError):
        raise e  # exit requests, interrupts, Turmeric's own bugs: never a catchable value
    if not isinstance(e, (BarrierError, RecursionError, ArityMismatch)) and raised_in_python(e):
        return python_error(e)
    if isinstance(e, ZeroDivisionError):
        return make_error("division-by-zero")
    if isinstance(e, OverflowError) and raised_by_operator(e):
        # compiled arithmetic (an int too large for a float): the library's operator's error
        return make_error("error", str(e))
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
    if raised_in_runtime(e):
        return make_error("error", str(e) or type(e).__name__)
    return python_error(e)


# --- Python exceptions ---------------------------------------------------------------------------


_TURMERIC_COLLECTIONS = ("PVector", "PMap", "PSet", "PList", "ArraySeq")


def python_exception_name(t):
    """An exception class as Python's traceback names it: `KeyError`, `json.decoder.JSONDecodeError`."""
    mod = t.__module__
    return t.__qualname__ if mod in (None, "builtins") else f"{mod}.{t.__qualname__}"


def python_error(e, label=None):
    """`(python-error type message exception)` for a Python exception. `label` names the Python
    callee of the call that raised it; a boundary error (a missing attribute, wrong arguments)
    raised by that call itself gets it as a prefix of the message."""
    msg = str(e)
    if isinstance(e, TypeError) and any(t in msg for t in _TURMERIC_COLLECTIONS):
        msg += " (Turmeric collections reach Python as themselves: convert them with (->py v))"
    if label and isinstance(e, (TypeError, AttributeError)) and e.__traceback__ is not None and e.__traceback__.tb_next is None:
        msg = f"{label}: {msg}"
    return make_error("python-error", python_exception_name(type(e)), msg, e)


def _innermost_tb(e):
    """The innermost entry of e's traceback (where it was raised) and the traceback's depth."""
    tb = e.__traceback__
    if tb is None:
        return None, 0
    n = 1
    while tb.tb_next is not None:
        tb = tb.tb_next
        n += 1
    return tb, n


def _innermost_frame(e):
    tb, n = _innermost_tb(e)
    return (tb.tb_frame if tb is not None else None), n


_COMPREHENSIONS = frozenset({"<listcomp>", "<setcomp>", "<dictcomp>", "<genexpr>"})


def _generated_info(frame):
    """The FnInfo of the generated function frame is, or is a comprehension inside (a `map`
    or `filter` compiled inline as a list comprehension, compiler/fastpath.py); else None."""
    from ..core.registry import CODES

    while frame.f_code.co_name in _COMPREHENSIONS and frame.f_code not in CODES and frame.f_back is not None:
        frame = frame.f_back
    return CODES.get(frame.f_code)


def _in_generated(frame):
    """Is frame one of Turmeric's generated functions, or a comprehension inside one?"""
    return _generated_info(frame) is not None


def raised_in_python(e):
    """Was `e` raised inside Python code that Turmeric called (not by Turmeric code or its runtime)?"""
    frame, _ = _innermost_frame(e)
    if frame is None:
        return False
    return not _in_generated(frame) and not str(frame.f_globals.get("__name__", "")).startswith("turmeric.")


def raised_by_operator(e):
    """Was `e` raised by an operator of generated code itself (`a + b` compiled inline), not
    by a function it called (a Python function value called from Turmeric code)?"""
    tb, _ = _innermost_tb(e)
    if tb is None:
        return False
    code = tb.tb_frame.f_code
    if not _in_generated(tb.tb_frame):
        return False
    import opcode  # (only on this error's path: not at start-up)

    return 0 <= tb.tb_lasti < len(code.co_code) and code.co_code[tb.tb_lasti] == opcode.opmap["BINARY_OP"]


def raised_in_runtime(e):
    """Was `e` raised by Turmeric's own runtime library (not by Python code it called)?"""
    frame, _ = _innermost_frame(e)
    return frame is not None and str(frame.f_globals.get("__name__", "")).startswith("turmeric.")


def raised_below(e):
    """Was `e` raised by Turmeric code (generated or runtime) called back from Python, below the
    frame that caught it? Then it is a Turmeric error, not the Python callee's."""
    frame, depth = _innermost_frame(e)
    if frame is None or depth < 2:
        return False
    return _in_generated(frame) or str(frame.f_globals.get("__name__", "")).startswith("turmeric.")


def python_call_error(e, label):
    """What a call site to a Python callee raises for the exception `e` that the call raised
    (generated code: `except Exception as #e: raise #pyerr(#e, label)`): a Python exception
    becomes a thrown `python-error` at the call's position (the frame that caught it);
    Turmeric values and errors from Turmeric code called back by Python pass through."""
    from ..core.errors import InternalError
    from .control import BarrierError

    if isinstance(e, (Thrown, BarrierError, InternalError, RecursionError, ArityMismatch)) or raised_below(e):
        return e
    stack = turmeric_stack(e.__traceback__)
    where = f"{stack[0][1]}:{stack[0][2]}:{stack[0][3] or 1}" if stack else None
    t = Thrown(python_error(e, label), where)
    t.__cause__ = e
    return t


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


# --- reporting -----------------------------------------------------------------------------------


def turmeric_stack(tb):
    """[(symbol, file, line, col)] for each Turmeric frame of a traceback, outermost first."""
    from ..core.registry import CODES

    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        info = CODES.get(code)
        if info is None and out and code.co_name in _COMPREHENSIONS:
            # a comprehension compiled inline in the frame before it (a map or filter): the
            # position inside it is that frame's, one entry
            info = _generated_info(tb.tb_frame)
            if info is not None:
                out.pop()
        if info is not None:
            line, col = tb.tb_lineno, None
            try:
                positions = list(code.co_positions())
                p = positions[tb.tb_lasti // 2]
                if p[0] is not None:
                    line = p[0]
                if p[2] is not None:
                    col = p[2] + 1
            except (IndexError, ValueError):
                pass
            out.append((info.symbol, code.co_filename, line, col))
        tb = tb.tb_next
    return out


def thrown_at(e, stack):
    """Where an exception that left Turmeric code was thrown: its `pos` if it has one, else
    the innermost frame of `stack` (`turmeric_stack` of its traceback) as file:line:col;
    None when neither says."""
    where = getattr(e, "pos", None)
    if where is None and stack:
        _, f, line, col = stack[-1]
        where = f"{f}:{line}:{col or 1}"
    return where


def message_of(value):
    """The message an error report shows for a thrown value."""
    from ..core.values import Struct
    from .printer import display

    if isinstance(value, Struct) and not value.vals:
        return value.stype.name.replace("-", " ")  # (division-by-zero) -> "division by zero"
    if isinstance(value, Struct):
        for field in ("message", "reason", "fn-symbol", "name", "fn-name", "what"):
            idx = value.stype.index.get(field)
            if idx is not None:
                return display(value.vals[idx])
        return display(value)
    return display(value)
