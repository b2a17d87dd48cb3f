"""Glue between blobs and the running program: host names, instances, versions, user methods.

Owns how a host (Python) callable is named in a blob (its binding in BUILTINS or in a
module's globals), how a type's Serializable / Resource-Serializable instance is found,
the program and module versions recorded in a header, how a blob's module is loaded
in definitions mode, and how the program's own serialize/deserialize/marshal/unmarshal
methods are called.
"""

from __future__ import annotations

import os
import re
import types

from ..core.errors import InternalError, make_error
from ..core.values import Thrown
from ..runtime import control, typeclasses
from ..runtime.errors import as_thrown

FORBIDDEN_HOST = frozenset({"BaseException"})
INTERNAL_PREFIXES = ("#", "__", "%")


def internal_name(name):
    """The runtime's internals (`%host-map`, `#resume_frames`, `__import__`, ...): never written
    to a blob and never resolved from one."""
    return name.startswith(INTERNAL_PREFIXES) or name in FORBIDDEN_HOST


_LOADER = [None]


def set_loader(loader):
    """Called by the loader when it installs the builtins: what `runtime_modules` returns.
    (Serialization sits below the loader, so it is handed the loader rather than importing it.)"""
    _LOADER[0] = loader


def runtime_modules():
    """The loader (its MODULES, MAIN, find_module_file, load_file, load_prelude)."""
    m = _LOADER[0]
    if m is None:
        raise InternalError("serialization used before the loader installed the builtins (call loader.install_builtins())")
    return m


# --- host callables ----------------------------------------------------------------------------

_HOST_CACHE: dict = {}  # id(obj) -> (obj, module or "", name)


def _rebuild_host_cache():
    from ..runtime.library import BUILTINS

    cache = {}
    codes = control.CODES
    for name, x in list(BUILTINS.items()):
        if internal_name(name) or not callable(x):
            continue
        if type(x) is types.FunctionType and x.__code__ in codes:
            continue
        cache.setdefault(id(x), (x, "", name))
    for mname, m in list(runtime_modules().MODULES.items()):
        for name, x in list(m.ns.items()):
            if internal_name(name) or not callable(x):
                continue
            if type(x) is types.FunctionType and x.__code__ in codes:
                continue
            cache.setdefault(id(x), (x, mname, name))
    _HOST_CACHE.clear()
    _HOST_CACHE.update(cache)


def host_name(v):
    """(module or "", name) under which the host callable `v` is bound, or None."""
    ent = _HOST_CACHE.get(id(v))
    if ent is None or ent[0] is not v:
        _rebuild_host_cache()
        ent = _HOST_CACHE.get(id(v))
        if ent is None or ent[0] is not v:
            return None
    return ent[1], ent[2]


# --- instances -------------------------------------------------------------------------------------


def instance(cls_name, tname):
    cls = typeclasses.CLASSES.get(cls_name)
    if cls is None:
        return None
    return cls.instances.get(typeclasses.ALIASES.get(tname, tname))


def method_module(f):
    """The module a method was defined in (where its instance lives), for loading."""
    if type(f) is types.FunctionType:
        info = control.CODES.get(f.__code__)
        if info is not None:
            return info.module or info.symbol.split(".", 1)[0]
    return "turmeric"


def call_user(f, arg, what):
    """Call one of the program's Serializable / Resource-Serializable methods."""
    try:
        return f(arg)
    except Thrown:
        raise
    except control.Capture:
        raise Thrown(make_error("continuation-barrier", what)) from None
    except control.ThrowCapture as tc:
        raise Thrown(tc.value, tc.pos) from None
    except Exception as e:
        raise as_thrown(e) from None


# --- versions ----------------------------------------------------------------------------------


def program():
    """(main module name or "", program version) as recorded in a header."""
    mods = runtime_modules()
    m = mods.MAIN["module"]
    if m is None:
        return "", str(mods.current_version())
    return m.name, str(m.current_version())


_MODULE_ENTRY: dict = {}  # name -> ((version, file), Module object)


def module_entry(name, file=""):
    """(version, file) of a module, as a header records it."""
    m = runtime_modules().MODULES.get(name)
    if m is None:
        if name == "turmeric":
            return ("runtime", "<runtime>")
        return ("?", str(file or ""))
    ent = _MODULE_ENTRY.get(name)
    version = str(m.current_version())
    if ent is None or ent[1] is not m or ent[0][0] != version:
        ent = ((version, os.path.abspath(m.file) if m.file and not m.file.startswith("<") else str(m.file or "")), m)
        _MODULE_ENTRY[name] = ent
    return ent[0]


_MODULE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+\-*!?<>=$&]*")


def plain_module_name(name):
    """Is `name` (taken from a blob) a canonical module name: dot-separated parts, none empty,
    each letters, digits and `_+-*!?<>=$&`, not starting with a sign? So `sub..evil`, `.sub`,
    `sub/evil` and `sub.` are refused, and one file has one name."""
    if type(name) is not str or not name or len(name) > 200:
        return False
    return all(_MODULE_PART.fullmatch(part) for part in name.split("."))


def load_module(name, base_dir):
    """Load module `name` in definitions mode if it isn't loaded and can be found; True if it was
    loaded now. Module names come from the blob, so only plain names are looked up, and only in
    base_dir and on the search path."""
    mods = runtime_modules()
    if name in mods.MODULES or name == "turmeric":
        return False
    if not plain_module_name(name):
        return False
    if base_dir is None and mods.MAIN["module"] is not None:
        base_dir = os.path.dirname(os.path.abspath(mods.MAIN["module"].file))
    path = mods.find_module_file(name, base_dir)
    if path is None:
        return False
    real = os.path.realpath(path)
    for other in list(mods.MODULES.values()):
        f = getattr(other, "file", None)
        if f and not str(f).startswith("<") and os.path.realpath(f) == real:
            return False  # that file is loaded already, under its own name: never twice
    try:
        mods.load_file(path, definitions_only=True, expected_name=name)
        return True
    except (Thrown, control.Unwind):
        raise
    except Exception as e:
        raise Thrown(make_error("error", f"deserialize: loading module {name} from {path} failed: {e}")) from None
