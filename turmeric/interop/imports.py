"""`import-python`, instances for Python types, and the serialization of `python-error`.

`(import-python m)`, `(import-python m :as a)` and `(import-python m [names...])` are
top-level forms: they import the module named in the source (never one named by a
blob) when the form runs, in normal and in definitions mode, bind the names as
globals and record them in the module's `py_names`, so the expander compiles
`m.attr` to Python attribute loads. `(instance Class T ...)` where `T` names a Python
class is registered under the class's `module.qualname`, the name `type-of` gives its
values.
"""

from __future__ import annotations

import importlib
import sys

from ..core.errors import make_error
from ..core.values import Keyword, PList, PVector, Symbol, Thrown, plist, pvector, python_type_name
from ..expander import py_identifier
from ..loader import TOPLEVEL
from ..runtime import typeclasses

USAGE = "(import-python module), (import-python module :as alias) or (import-python module [names...])"


def tl_import_python(mod, form, pos):
    items = list(form)
    if len(items) < 2 or type(items[1]) is not Symbol:
        mod.expander.error(f"import-python needs a module name: {USAGE}", form)
    target = items[1].name
    pymod = _import(mod, target, form)
    if len(items) == 2:
        top = target.split(".", 1)[0]
        _bind(mod, top, sys.modules.get(top, pymod))
    elif len(items) == 4 and type(items[2]) is Keyword and items[2].name == "as" and type(items[3]) is Symbol:
        _bind(mod, items[3].name, pymod)
    elif len(items) == 3 and isinstance(items[2], PVector) and all(type(x) is Symbol for x in items[2]):
        for s in items[2]:
            _bind(mod, s.name, _attribute(mod, pymod, target, s.name, form))
    else:
        mod.expander.error(USAGE, form)
    return None


def _import(mod, target, form):
    try:
        return importlib.import_module(target)
    except ImportError as e:
        mod.expander.error(f"Python module {target} not found ({type(e).__name__}: {e}); install it or add its folder to PYTHONPATH", form)
    except Exception as e:  # the module's own code failed
        mod.expander.error(f"importing Python module {target} failed: {type(e).__name__}: {e}", form)


def _attribute(mod, pymod, target, name, form):
    attr = py_identifier(name)
    if hasattr(pymod, attr):
        return getattr(pymod, attr)
    try:  # `from a import b` also finds the submodule a.b
        return importlib.import_module(f"{target}.{attr}")
    except ImportError:
        mod.expander.error(f"Python module {target} has no attribute {attr}", form)


def _bind(mod, name, value):
    mod.ns[name] = value
    mod.py_names[name] = True
    mod.declared.add(name)


def python_class_named(mod, name):
    """The Python class that `name` (`date`, `datetime.date`) denotes in `mod`, or None."""
    parts = name.split(".")
    if parts[0] not in getattr(mod, "py_names", ()):
        return None
    v = mod.ns.get(parts[0])
    for p in parts[1:]:
        v = getattr(v, py_identifier(p), None)
    return v if isinstance(v, type) else None


def _wrap_instance(original):
    def tl_instance(mod, form, pos):
        items = list(form)
        if len(items) >= 3 and type(items[2]) is Symbol:
            cls = python_class_named(mod, items[2].name)
            if cls is not None:
                items[2] = Symbol(python_type_name(cls), items[2].pos)
                # the instance's type (and its methods' symbols) come from what the Python
                # module holds now, which the compile cache doesn't check: don't cache
                mod.record = None
                form = plist(items, form.pos)
        return original(mod, form, pos)

    tl_instance.python_types = True
    tl_instance.records_effects = True  # it only rewrites the form; the original records the instance
    return tl_instance


# --- python-error in blobs: type and message, never the exception object ------------------------


def serialize_python_error(e):
    return pvector([e.vals[0], e.vals[1]])


def deserialize_python_error(rep):
    if not isinstance(rep, (PVector, PList)) or len(rep) != 2 or not all(type(x) is str for x in rep):
        raise Thrown(make_error("corrupt-data", "a python-error representation is not [type message]"))
    return make_error("python-error", rep[0], rep[1], None)


def install():
    TOPLEVEL["import-python"] = tl_import_python
    if not getattr(TOPLEVEL["instance"], "python_types", False):
        TOPLEVEL["instance"] = _wrap_instance(TOPLEVEL["instance"])
    typeclasses.definstance(
        "Serializable", "python-error", [], [], {"serialize": serialize_python_error, "deserialize": deserialize_python_error}
    )
