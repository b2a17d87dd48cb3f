"""Turning failures into messages: uncaught values, syntax errors, internal errors."""

from __future__ import annotations

import sys
import traceback

from ..core.values import Struct, Thrown
from ..reader import TurmericSyntaxError
from ..runtime.control import CODES
from ..runtime.errors import thrown_value
from ..runtime.library import ExitRequest
from ..runtime.printer import display, readable, type_name
from ..store import StoreError


def turmeric_stack(tb):
    """[(symbol, file, line, col)] for each Turmeric frame of a traceback, outermost first."""
    out = []
    while tb is not None:
        code = tb.tb_frame.f_code
        info = CODES.get(code)
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


def message_of(value):
    if isinstance(value, Struct) and not value.vals:
        return value.stype.name.replace("-", " ")  # (division-by-zero) -> "division by zero"
    if isinstance(value, Struct):
        for field in ("message", "reason", "fn-symbol", "name", "fn-name", "what"):
            idx = value.stype.index.get(field)
            if idx is not None:
                return display(value.vals[idx])
        return display(value)
    return display(value)


HINTS = {
    "unbound-global": "define {msg} before it is used, or import the module that defines it (a module is found next to the importing file or with -I DIR)",
    "no-instance": "add an (instance ...) of that class for that type, or call the method with a value of a type that has one",
    "continuation-barrier": "a continuation can't be captured through a Python function that calls back into Turmeric ({msg}); capture outside the callback, or use a library function written in Turmeric",
    "arity-error": "check the number of arguments passed against the function's parameter vector",
    "missing-function": "the blob names code that this program no longer defines; run the program version that wrote it",
    "schema-mismatch": "the code changed since the blob was written; resume it with the program version that wrote it",
    "corrupt-data": "the bytes are not an intact Turmeric blob; use sign/verify for blobs that travel",
}


def render_uncaught(e):
    value = thrown_value(e)
    stack = turmeric_stack(e.__traceback__)
    where = getattr(e, "pos", None)
    if where is None and stack:
        sym, f, line, col = stack[-1]
        where = f"{f}:{line}:{col or 1}"
    lines = [f"uncaught error: {readable(value)}", f"  type: {type_name(value)}", f"  message: {message_of(value)}"]
    if where:
        lines.append(f"  thrown at {where}")
    hint = HINTS.get(type_name(value))
    if hint:
        lines.append(f"  hint: {hint.format(msg=message_of(value))}")
    if stack:
        lines.append("Turmeric call stack (most recent call last):")
        shown = stack if len(stack) <= 40 else stack[:20] + [None] + stack[-20:]
        for item in shown:
            if item is None:
                lines.append(f"  ... {len(stack) - 40} more frames ...")
                continue
            sym, f, line, col = item
            lines.append(f"  {f}:{line}:{col or 1} in {sym}")
    return "\n".join(lines)


def guarded(thunk, debug=False):
    """Run a command; map every failure to an exit status and a message without a traceback."""
    try:
        rc = thunk()
        sys.stdout.flush()
        return rc or 0
    except ExitRequest as e:
        sys.stdout.flush()
        code = e.code
        return code if type(code) is int else 0
    except TurmericSyntaxError as e:
        sys.stdout.flush()
        print(e.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except StoreError as e:
        sys.stdout.flush()
        if debug:
            traceback.print_exc()
        print(f"turmeric: {e}", file=sys.stderr)
        return 1
    except BaseException as e:  # every other failure is a thrown value or an internal error
        sys.stdout.flush()
        if isinstance(e, SystemExit):
            raise
        if debug:
            traceback.print_exc()
        if isinstance(e, (Thrown, Exception)) or type(e).__name__ in ("Capture", "ThrowCapture"):
            print(render_uncaught(e), file=sys.stderr)
            return 1
        raise
