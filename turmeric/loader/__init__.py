"""Loader: the one package that composes the pipeline reader -> expander -> compiler -> runtime.

Owns sessions (`session.py`), modules (`module.py`: evaluating a file's top-level
forms, `import`, definitions mode), the prelude, the explicit installation of the
builtins that the layers above the runtime provide (`install.py`), code records
(`codes.py`: a function version's normalised code, compiled back on demand) and the
code-store core (`codestore.py`: records kept by owner in a store object handed in;
durable workflows and the cluster use it). Nothing below this
package imports it; serialization reaches the current session through the function
`install_builtins` hands it.

Session API (what servers, workers and tests build on)::

    from turmeric.loader import Session, current_session

    s = Session(search_path=["lib"], argv=["a", "b"])  # the prelude is loaded once per process
    m = s.load_file("prog.tm")            # load and run; the first file loaded is the main module
    s.import_module("util")               # a module from the search path (or the main module's folder)
    s.eval_string("(+ 1 2)")              # -> 3, evaluated in the session's `user` module
    with s.activate():                    # make s current in this thread / asyncio task
        m.ns["main"]()                    #   (needed to call its functions from Python)
    current_session()                     # the active session, else the default session

A session owns its search path, modules, main module, argv, code registry (functions
by symbol and by (symbol, fingerprint), struct types, type classes, instances) and
serialization caches; two sessions never see each other's definitions. The try-with
depth is per thread and per asyncio task (a context variable in `runtime.control`).

The module-level functions (`load_file`, `import_module`, `find_module_file`) act on
`current_session()`; `MODULES`, `SEARCH_PATH` and `ARGV` are that session's `modules`,
`search_path` and `argv` (kept for existing callers).
"""

from __future__ import annotations

from . import migrations as _migrations  # noqa: E402
from .install import current_version, in_root, install_builtins
from .module import SHARED_MACROS, TOPLEVEL, Module, is_definition, is_head, module_name_of
from .session import PRELUDE_PATH, Session, bind_host_aliases, current_session, default_session, load_prelude

_migrations.install()


def load_file(path, definitions_only=False, expected_name=None, main=False):
    """Load and run a file in the current session; returns its Module."""
    return current_session().load_file(path, main=main, definitions_only=definitions_only, expected_name=expected_name)


def import_module(name, from_dir=None, pos=None, importer=None, definitions_only=False):
    """The module `name` of the current session, loaded if needed."""
    return current_session().import_module(name, from_dir, pos, importer, definitions_only)


def find_module_file(name, first_dir=None):
    return current_session().find_module_file(name, first_dir)


_SESSION_ATTRS = {"MODULES": "modules", "SEARCH_PATH": "search_path", "ARGV": "argv"}


def __getattr__(name):
    attr = _SESSION_ATTRS.get(name)
    if attr is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(current_session(), attr)


__all__ = [
    "PRELUDE_PATH",
    "SHARED_MACROS",
    "TOPLEVEL",
    "Module",
    "Session",
    "bind_host_aliases",
    "current_session",
    "current_version",
    "default_session",
    "find_module_file",
    "import_module",
    "in_root",
    "install_builtins",
    "is_definition",
    "is_head",
    "load_file",
    "load_prelude",
    "module_name_of",
]
