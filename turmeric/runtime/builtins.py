"""The builtins table: `BUILTINS`, the dict every module sees as its Python builtins,
and `HOST`, the names of host builtins (calls to them are not capture sites).

The library modules (`lib/*.py`, `abi.py`) fill them with `@builtin(name)`; the loader
adds what the layers above the runtime provide (`loader.install`).
"""

from __future__ import annotations

from ..core.errors import make_error
from ..core.values import Thrown

BUILTINS: dict = {}
HOST: set = set()  # names of host builtins (calls to them are not capture sites)
MACROS: dict = {}  # macros every module sees unless it defines that name itself (added by systems such as durable)
BOOL_PREDICATES: set = set()  # builtins that always return #t or #f (Python truthiness agrees)


def builtin(name, host=True):
    def deco(f):
        f.__name__ = name  # errors (e.g. continuation-barrier) name the Turmeric function
        BUILTINS[name] = f
        if host:
            HOST.add(name)
        return f

    return deco


def err(kind, *args):
    return Thrown(make_error(kind, *args))


def type_err(msg):
    return Thrown(make_error("type-error", msg))
