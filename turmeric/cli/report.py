"""Turning failures into messages: uncaught values, syntax errors, internal errors."""

from __future__ import annotations

import sys

from ..core.errors import InternalError
from ..core.values import Thrown
from ..reader import TurmericSyntaxError
from ..runtime.errors import message_of, thrown_at, thrown_value, turmeric_stack
from ..runtime.library import ExitRequest
from ..runtime.printer import readable, type_name

INTERNAL_ERROR_STATUS = 70  # EX_SOFTWARE: distinct from a program's uncaught error (1)

HINTS = {
    "unbound-global": "define {msg} before it is used, or import the module that defines it (a module is found next to the importing file or with -I DIR)",
    "no-instance": "add an (instance ...) of that class for that type, or call the method with a value of a type that has one",
    "continuation-barrier": "a continuation can't be captured through a Python function that calls back into Turmeric ({msg}); capture outside the callback, or use a library function written in Turmeric",
    "arity-error": "check the number of arguments passed against the function's parameter vector",
    "missing-function": "the blob names code that this program no longer defines; run the program version that wrote it",
    "schema-mismatch": "the code changed since the blob was written; resume it with the program version that wrote it",
    "corrupt-data": "the bytes are not an intact Turmeric blob; use sign/verify for blobs that travel",
    "python-error": "a Python call raised this exception; catch it with (try ... (catch [e] ...)) and match on (python-error type message _), or fix the call",
}


def render_uncaught(e):
    value = thrown_value(e)
    stack = turmeric_stack(e.__traceback__)
    where = thrown_at(e, stack)
    lines = [f"uncaught error: {readable(value)}", f"  type: {type_name(value)}", f"  message: {message_of(value)}"]
    if where:
        lines.append(f"  thrown at {where}")
    hint = getattr(e, "hint", None)  # a hint for this failure (e.g. which module was not found)
    if hint is None and type_name(value) in HINTS:
        hint = HINTS[type_name(value)].format(msg=message_of(value))
    if hint:
        lines.append(f"  hint: {hint}")
    if stack:
        lines.append("Turmeric call stack (most recent call last):")
        shown = stack if len(stack) <= 40 else stack[:20] + [None] + stack[-20:]
        for item in shown:
            if item is None:
                lines.append(f"  ... {len(stack) - 40} more frames ...")
                continue
            sym, f, line, col = item
            lines.append(f"  {f}:{line}:{col or 1} in {sym}")
    lines += getattr(e, "snapshot_note", None) or []
    return "\n".join(lines)


def render_internal(e):
    """An internal error: Turmeric's bug, reported with the Turmeric position, never as the user's error."""
    lines = [f"internal error (rerun with --debug): {e.message}"]
    pos = e.pos
    if pos is not None:
        lines.append(f"  at {pos.file}:{pos.line}:{pos.col}")
    else:
        stack = turmeric_stack(e.__traceback__)
        if stack:
            sym, f, line, col = stack[-1]
            lines.append(f"  at {f}:{line}:{col or 1} in {sym}")
    lines.append("  this is a bug in Turmeric, not in the program; please report it with the program and the --debug output")
    return "\n".join(lines)


def guarded(thunk, debug=False):
    """Run a command; map every failure to an exit status and a message without a traceback."""
    try:
        rc = thunk()
        sys.stdout.flush()
        return rc or 0
    except ExitRequest as e:
        sys.stdout.flush()
        path = getattr(e, "path", None)  # a breakpoint's snapshot
        if path is not None:
            print(f"breakpoint: the computation is saved in {path} and stopped here", file=sys.stderr)
            print(f"  look at it: turmeric inspect {path}", file=sys.stderr)
            print(f"  carry on: turmeric resume {path}", file=sys.stderr)
        code = e.code
        return code if type(code) is int else 0
    except TurmericSyntaxError as e:
        sys.stdout.flush()
        print(e.render(), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except _store_error() as e:
        sys.stdout.flush()
        if debug:
            _print_traceback()
        print(f"turmeric: {e}", file=sys.stderr)
        return 1
    except InternalError as e:
        sys.stdout.flush()
        if debug:
            _print_traceback()
        print(render_internal(e), file=sys.stderr)
        return INTERNAL_ERROR_STATUS
    except BaseException as e:  # every other failure is a thrown value or an internal error
        sys.stdout.flush()
        if isinstance(e, SystemExit):
            raise
        if debug:
            _print_traceback()
        if isinstance(e, (Thrown, Exception)) or type(e).__name__ in ("Capture", "ThrowCapture"):
            print(render_uncaught(e), file=sys.stderr)
            return 1
        raise


def _print_traceback():
    """--debug: the Python traceback of the exception being handled (imported only then:
    `traceback` costs a few ms of every start)."""
    import traceback

    traceback.print_exc()


class _NoStoreError(Exception):
    """Never raised: what `except` matches against while the store was never imported."""


def _store_error():
    """The store's error class, once the store is imported (a command that never opened it
    can't have raised one, and importing it only to catch nothing costs every start)."""
    store = sys.modules.get(__package__.rsplit(".", 1)[0] + ".store")
    return store.StoreError if store is not None else _NoStoreError
