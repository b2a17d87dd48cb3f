"""Installing the builtins: the one place that decides what every module sees.

`install_builtins()` completes `runtime.library.BUILTINS` with what the layers above
the runtime provide (serialization's `serialize`/`deserialize`/`sign`/`verify`, the
`Serializable` classes and the debugger's `snapshot`/`breakpoint`; the loader's `current-version`, `command-line-args` and the
`#modget` helper) and tells serialization how to reach the current session. It runs
once per process, explicitly (`load_prelude` calls it, before any session exists);
importing a package registers nothing in another package.
"""

from __future__ import annotations

from ..core.errors import make_error
from ..core.registry import ROOT, activate
from ..core.values import Thrown, plist
from ..runtime.library import BUILTINS, HOST
from ..serialization import api as serialization_api
from ..serialization import names as serialization_names
from ..serialization import snapshot as serialization_snapshot

_INSTALLED = []


def current_version():
    """`(current-version)`: the version of the current session's main module ("0" if none)."""
    from .session import current_session

    return current_session().current_version()


def command_line_args():
    """`(command-line-args)`: the current session's argv."""
    from .session import current_session

    return plist(current_session().argv)


def _unbound(name):
    raise Thrown(make_error("unbound-global", name))


def in_root():
    """A `with` block whose definitions (type classes, instances, struct types) go to the
    registry every session shares (`registry.ROOT`): for installing process-wide extensions."""
    return activate(ROOT)


def install_builtins():
    """Add the builtins of serialization and the loader to BUILTINS (once per process)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    from .session import current_session

    with in_root():
        serialization_api.install(BUILTINS, HOST)
        serialization_snapshot.install(BUILTINS)
    serialization_names.set_loader(current_session)
    BUILTINS["current-version"] = current_version
    HOST.add("current-version")
    BUILTINS["#modget"] = lambda ns, name: ns[name] if name in ns else _unbound(name)
    BUILTINS["command-line-args"] = command_line_args
    HOST.add("command-line-args")
