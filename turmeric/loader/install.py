"""Installing the builtins: the one place that decides what every module sees.

`install_builtins()` completes `runtime.library.BUILTINS` with what the layers above
the runtime provide (serialization's `serialize`/`deserialize`/`sign`/`verify` and the
`Serializable` classes; the loader's `current-version`, `command-line-args` and the
`#modget` helper) and tells serialization how to reach loaded modules. It runs once,
explicitly (the loader calls it before loading anything); importing a package
registers nothing in another package.
"""

from __future__ import annotations

from ..core.errors import make_error
from ..core.values import Thrown, plist
from ..runtime.library import BUILTINS, HOST
from ..serialization import api as serialization_api
from ..serialization import names as serialization_names

ARGV: list = []  # arguments after the program file (`command-line-args`)
MAIN = {"module": None}  # the module run as the program

_INSTALLED = False


def current_version():
    m = MAIN["module"]
    return m.current_version() if m is not None else "0"


def _unbound(name):
    raise Thrown(make_error("unbound-global", name))


def install_builtins():
    """Add the builtins of serialization and the loader to BUILTINS (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    _INSTALLED = True
    from . import module as loader_module

    serialization_api.install(BUILTINS, HOST)
    serialization_names.set_loader(loader_module)
    BUILTINS["current-version"] = current_version
    HOST.add("current-version")
    BUILTINS["#modget"] = lambda ns, name: ns[name] if name in ns else _unbound(name)
    BUILTINS["command-line-args"] = lambda: plist(ARGV)
    HOST.add("command-line-args")
