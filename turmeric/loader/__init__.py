"""Loader: the one package that composes the pipeline reader -> expander -> compiler -> runtime.

Owns modules (`module.py`: loading files, evaluating top-level forms, `import`,
definitions mode, the prelude), the search path, and the explicit installation of
builtins that the layers above the runtime provide (`install.py`). Nothing below
this package imports it; serialization reaches loaded modules through the hook
`install_builtins` gives it.
"""

from __future__ import annotations

from .install import ARGV, MAIN, current_version, install_builtins
from .module import (
    MODULES,
    SEARCH_PATH,
    TOPLEVEL,
    Module,
    bind_host_aliases,
    find_module_file,
    import_module,
    is_definition,
    is_head,
    load_file,
    load_prelude,
    module_name_of,
)

__all__ = [
    "ARGV",
    "MAIN",
    "MODULES",
    "SEARCH_PATH",
    "TOPLEVEL",
    "Module",
    "bind_host_aliases",
    "current_version",
    "find_module_file",
    "import_module",
    "install_builtins",
    "is_definition",
    "is_head",
    "load_file",
    "load_prelude",
    "module_name_of",
]
