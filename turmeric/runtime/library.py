"""The host half of the standard library: primitives written in Python.

Everything here is a host function that never calls back into Turmeric (so a
call to it is not a capture site), except the few marked `host=False`.
Higher-order functions live in `prelude.tm`, written in Turmeric, so continuations
can be captured through them. The functions are in `lib/` by topic; the helpers
generated code calls are in `abi.py`; the table itself (`BUILTINS`, `HOST`) is
`builtins.py`. Importing this module assembles all of them, in a fixed order.
"""

from __future__ import annotations

from ..core.errors import STRUCTS
from ..core.values import OptionNone, Struct
from . import abi
from .builtins import BUILTINS, HOST, builtin
from .lib import collections, control, files, numbers, options, predicates, strings
from .lib.collections import register_host_values
from .lib.files import MODES, ExitRequest, FileHandle

for _name, _st in STRUCTS.items():
    BUILTINS[_name] = _st.cls
    BUILTINS[_name + "?"] = _st.predicate
    HOST.update({_name, _name + "?"})

BUILTINS["error?"] = lambda x: isinstance(x, Struct)
HOST.add("error?")

__all__ = [
    "BUILTINS",
    "HOST",
    "MODES",
    "ExitRequest",
    "FileHandle",
    "OptionNone",
    "abi",
    "builtin",
    "collections",
    "control",
    "files",
    "numbers",
    "options",
    "predicates",
    "register_host_values",
    "strings",
]
