"""Interop: Python from Turmeric and Turmeric from Python (docs/python.md).

Owns `import-python` and instances for Python types (`imports.py`), the explicit
conversions `->py`, `->tm` and `apply-kw` (`convert.py`), and the embedding API behind
`turmeric.load`, `turmeric.eval`, `turmeric.serialize`, `turmeric.deserialize` and
`turmeric.TurmericError` (`embed.py`). It sits above the loader: `install()` adds its
top-level forms and builtins to the loader's tables. The syntax it relies on (dotted
Python attributes, `.method` calls, keyword arguments, `with`) is the expander's and
the compiler's, which never import this package.
"""

from __future__ import annotations

_INSTALLED = False


def install():
    """Make `import-python`, `->py`, `->tm` and `apply-kw` available to every module (idempotent)."""
    global _INSTALLED
    if _INSTALLED:
        return
    from .. import loader
    from ..runtime.library import BUILTINS, HOST
    from . import convert, imports

    loader.install_builtins()
    with loader.in_root():  # what every session sees: the instances for Python types
        imports.install()
    BUILTINS["->py"] = convert.to_py
    BUILTINS["->tm"] = convert.to_tm
    BUILTINS["apply-kw"] = convert.apply_kw  # calls back into f: not a host builtin
    HOST.update({"->py", "->tm"})
    loader.bind_host_aliases()
    loader.load_prelude()
    _INSTALLED = True
