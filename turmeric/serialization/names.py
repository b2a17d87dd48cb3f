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


def set_loader(current_session):
    """Called by the loader when it installs the builtins: `current_session()` returns the
    session blobs are resolved against. (Serialization sits below the loader, so it is
    handed this function rather than importing the loader.)"""
    _LOADER[0] = current_session


def runtime_modules():
    """The current session: its `modules`, `main`, `caches`, `current_version()`, `search_dirs(dir)`,
    `find_module_file(name, dir)`, `load_file(path, definitions_only=, expected_name=)`."""
    f = _LOADER[0]
    if f is None:
        raise InternalError("serialization used before the loader installed the builtins (call loader.install_builtins())")
    return f()


def session_cache(name):
    """A dict owned by the current session (what it caches depends on what it has loaded)."""
    caches = runtime_modules().caches
    c = caches.get(name)
    if c is None:
        c = caches[name] = {}
    return c


# --- host callables ----------------------------------------------------------------------------


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
    for mname, m in list(runtime_modules().modules.items()):
        for name, x in list(m.ns.items()):
            if internal_name(name) or not callable(x):
                continue
            if type(x) is types.FunctionType and x.__code__ in codes:
                continue
            cache.setdefault(id(x), (x, mname, name))
    host = session_cache("host")  # id(obj) -> (obj, module or "", name)
    host.clear()
    host.update(cache)


def host_name(v):
    """(module or "", name) under which the host callable `v` is bound, or None."""
    host = session_cache("host")
    ent = host.get(id(v))
    if ent is None or ent[0] is not v:
        _rebuild_host_cache()
        ent = host.get(id(v))
        if ent is None or ent[0] is not v:
            return None
    return ent[1], ent[2]


# --- instances -------------------------------------------------------------------------------------


def instance(cls_name, tname):
    return typeclasses.find_instance(cls_name, tname)


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
    m = mods.main
    if m is None:
        return "", str(mods.current_version())
    return m.name, str(m.current_version())


def module_entry(name, file=""):
    """(version, file) of a module, as a header records it."""
    m = runtime_modules().modules.get(name)
    if m is None:
        if name == "turmeric":
            return ("runtime", "<runtime>")
        return ("?", str(file or ""))
    entries = session_cache("module-entry")  # name -> ((version, file), Module object)
    ent = entries.get(name)
    version = str(m.current_version())
    if ent is None or ent[1] is not m or ent[0][0] != version:
        ent = ((version, os.path.abspath(m.file) if m.file and not m.file.startswith("<") else str(m.file or "")), m)
        entries[name] = ent
    return ent[0]


_MODULE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_+\-*!?<>=$&]*")


def plain_module_name(name):
    """Is `name` (taken from a blob) a canonical module name: dot-separated parts, none empty,
    each letters, digits and `_+-*!?<>=$&`, not starting with a sign? So `sub..evil`, `.sub`,
    `sub/evil` and `sub.` are refused, and one file has one name."""
    if type(name) is not str or not name or len(name) > 200:
        return False
    return all(_MODULE_PART.fullmatch(part) for part in name.split("."))


def _base_dir(base_dir):
    main = runtime_modules().main
    if base_dir is None and main is not None and main.file and not main.file.startswith("<"):
        base_dir = os.path.dirname(os.path.abspath(main.file))
    return base_dir


def module_search_dirs(base_dir):
    """The folders `load_module` looks in for a module named by a blob."""
    return runtime_modules().search_dirs(_base_dir(base_dir))


def load_module(name, base_dir):
    """Load module `name` in definitions mode if it isn't loaded and can be found; True if it was
    loaded now. Module names come from the blob, so only plain names are looked up, and only in
    base_dir and on the search path."""
    mods = runtime_modules()
    if name in mods.modules or name == "turmeric":
        return False
    if not plain_module_name(name):
        return False
    path = mods.find_module_file(name, _base_dir(base_dir))
    if path is None:
        return False
    real = os.path.realpath(path)
    for other in list(mods.modules.values()):
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


# --- old versions of functions (code records) ----------------------------------------------------


def old_version(symbol, fingerprint, extra_sources=()):
    """The version (symbol, fingerprint), compiled from a code record by the session
    (`Session.load_version`, turmeric/loader/codes.py), or None."""
    mods = runtime_modules()
    lv = getattr(mods, "load_version", None)
    return lv(symbol, fingerprint, extra_sources) if lv is not None else None


def migrate_frames(frames):
    """The frames of a decoded continuation after the session's declared migrations
    (`Session.migrate_frames`, turmeric/loader/migrations.py)."""
    mods = runtime_modules()
    mf = getattr(mods, "migrate_frames", None)
    return mf(frames) if mf is not None else frames


def code_record(info):
    """(hash hex, bytes) of the code record `info` was compiled from, or None."""
    mods = runtime_modules()
    cr = getattr(mods, "code_record", None)
    return cr(info) if cr is not None else None
