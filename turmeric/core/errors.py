"""The built-in error structs, and the internal-error type.

Every error a user can see is a Turmeric value (a struct of `BUILTIN_STRUCTS`), so
`catch` and `try-with` handle runtime failures exactly like thrown values.
`InternalError` is the other kind: a broken invariant of Turmeric itself (a compiler
bug), never the user's mistake; the CLI reports it as an internal error.
"""

from __future__ import annotations

from .registry import ROOT
from .values import Thrown, make_struct_type, type_name

BUILTIN_STRUCTS = {
    "error": ["message"],
    "validation-error": ["message"],
    "type-error": ["message"],
    "schema-mismatch": ["what", "old-version"],
    "missing-function": ["fn-symbol"],
    "not-serializable": ["type-name", "path"],
    "corrupt-data": ["reason"],
    "code-error": ["message"],
    "file-error": ["message", "path"],
    "match-error": ["value"],
    "no-instance": ["class", "type-name"],
    "continuation-barrier": ["fn-name"],
    "unbound-global": ["name"],
    "arity-error": ["message"],
    "division-by-zero": [],
    "Pair": ["first", "second"],
    "continuation-frame": ["fn-symbol", "args", "captures"],
    "python-error": ["type", "message", "exception"],
}


def _bad_field(stype, idx, value):
    raise Thrown(
        make_error(
            "type-error",
            f"{stype.name}: field {stype.fields[idx]} must be {stype.types[idx]}, got {type_name(value)}",
        )
    )


STRUCTS = {
    name: make_struct_type(name, fields, module="turmeric", checker=_bad_field, state=ROOT) for name, fields in BUILTIN_STRUCTS.items()
}


def make_error(kind, *args):
    return STRUCTS[kind].cls(*args)


class InternalError(Exception):
    """A violated invariant inside Turmeric (not the program's fault).

    `pos` is the Turmeric position being processed when it was found, if known.
    """

    def __init__(self, message, pos=None):
        super().__init__(message)
        self.message = message
        self.pos = pos
