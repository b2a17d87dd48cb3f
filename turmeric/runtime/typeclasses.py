"""Type classes: `defclass` makes dispatching functions, `instance` registers methods.

A method call dispatches on the runtime type (as `type-of` names it) of the first
parameter annotated with the class variable, else the first parameter. Instance
constraints are checked on the components of the value at call time. Classes and
instances belong to the current session's state (`core.registry`). Dispatchers cache
the method per Python type; compiled call sites keep their own cache (`SiteCache`,
filled by `site_miss`); defining a class or an instance empties both.
"""

from __future__ import annotations

import types
import weakref

from ..core.errors import make_error
from ..core.registry import _CURRENT, _DEFAULT, FAST_ENTRY, current_state
from ..core.values import PList, PSet, PVector, Some, Struct, Thrown
from .printer import type_name

ALIASES = {"int": "int64", "float": "float64", "Some": "Option", "None": "Option"}


class TypeClass:
    def __init__(self, name, var, methods):
        self.name = name
        self.var = var
        self.methods = methods  # method name -> dispatch parameter index


class Instance:
    def __init__(self, cls, type_name, params, constraints, methods):
        self.cls = cls
        self.type_name = type_name
        self.params = params  # type variables of `(Pair a b)`
        self.constraints = constraints  # [(class name, type variable)]
        self.methods = methods


def components(value, nparams):
    """The values a type application's parameters stand for: fields, the Option's value, elements."""
    if isinstance(value, Struct):
        return [[v] for v in value.vals[:nparams]] if nparams > 1 else [list(value.vals)]
    if type(value) is Some:
        return [[value.value]]
    if isinstance(value, (PVector, PList, PSet)):
        return [list(value)]
    return [[] for _ in range(nparams)]


def find_instance(cls_name, tname):
    """The instance of class `cls_name` for the type `tname` in the current session, or None."""
    return current_state().instance(cls_name, ALIASES.get(tname, tname))


def has_instance(cls_name, v):
    st = current_state()
    if st.type_class(cls_name) is None:
        return False
    t = type_name(v)
    return st.instance(cls_name, ALIASES.get(t, t)) is not None


def lookup(cls, value):
    t = type_name(value)
    inst = current_state().instance(cls.name, ALIASES.get(t, t))
    if inst is None:
        raise Thrown(make_error("no-instance", cls.name, t))
    if inst.constraints:
        comps = components(value, len(inst.params))
        for cname, var in inst.constraints:
            if var in inst.params:
                idx = inst.params.index(var)
                for c in comps[idx] if idx < len(comps) else []:
                    if not has_instance(cname, c):
                        raise Thrown(make_error("no-instance", cname, type_name(c)))
    return inst


GENERATION = [0]  # bumped by every defclass/instance, which also empties every dispatch cache


class _DispatchCache(dict):
    """One dispatcher's methods by Python type, valid for `state` (a session's registry)."""

    __slots__ = ("state",)


_DISPATCHERS: weakref.WeakSet = weakref.WeakSet()  # every live dispatcher (its `cache` attribute)


_SITES: weakref.WeakSet = weakref.WeakSet()  # every live call-site cache (SiteCache)


def _changed():
    """A class or instance changed: every cached method may be stale."""
    GENERATION[0] += 1
    for d in list(_DISPATCHERS):
        d.cache.clear()
        d.cache.state = None
    for c in list(_SITES):
        c.h = _EMPTY_ENTRY


_EMPTY_ENTRY = (None, None, {}.get)  # no dispatcher is None: never a hit


class SiteCache:
    """The inline cache of one method call site (`#dc:method@symbol/k`, compiler/lower.py).

    `h` is one tuple, replaced whole when its dispatcher or state changes: (dispatcher,
    state, `get` of a dict from the dispatch argument's Python type to the method). The
    site calls the method itself when the global it calls and the current state (session)
    are the entry's and the argument's type is in the dict; otherwise `site_miss`
    dispatches and adds the type. A change of any class or instance empties every site
    cache, as it does the dispatchers' caches.
    """

    __slots__ = ("h", "__weakref__")

    def __init__(self):
        self.h = _EMPTY_ENTRY
        _SITES.add(self)


def site_miss(cache, d, idx, *args):
    """The slow path of a cached method call site: `d` is what the site's global holds now.
    A dispatcher of the index the site was compiled for resolves the method (raising what
    its own call would: arity, no-instance) and, without constraints to check, adds it to
    the cache; anything else (the global was redefined) is called as it is."""
    find = getattr(d, "tc_find", None) if type(d) is _FUNCTION else None
    if find is None or d.tc_index != idx:
        return d(*args)
    f, cacheable = find(args)
    if not cacheable:
        return f(*args)
    st = current_state()
    t = type(args[idx])
    h = cache.h
    if h[0] is d and h[1] is st:
        h[2].__self__[t] = f
    else:
        cache.h = (d, st, {t: f}.get)
    out = f(*args)
    fast = fast_entry(f, t, idx)
    if fast is not None:  # the call learned t's layout: later calls skip the test
        h = cache.h
        if h[0] is d and h[1] is st and h[2].__self__.get(t) is f:
            h[2].__self__[t] = fast
    return out


def fast_entry(f, t, idx):
    """An instance method's fast entry (compiler/unit.py, `FAST_ENTRY`) when its layout test is
    on argument idx (the one dispatch keys on now: a class redefined since may dispatch on
    another) and has learned the class t (each class has one layout, so it stays valid), else
    None. Its body has no capture site: calling it after the test ran is safe."""
    entry = getattr(f, FAST_ENTRY, None) if type(f) is _FUNCTION else None
    if entry is not None and entry[2] == idx and entry[1].t is t:
        return entry[0]
    return None


_FUNCTION = types.FunctionType
_MISSING = object()  # no first argument: slow() reports the arity error


def make_dispatcher(cls, mname, idx):
    # The method for each Python type seen, valid for one state (session) while no class or
    # instance changes (a change empties the cache): the type name of a value depends only
    # on its Python type (a struct's class carries its stype), so lookup's answer does too,
    # unless the instance has constraints to check (those are looked up every time).
    # The hit path is one context-variable read, one dict lookup and the call.
    cache = _DispatchCache()
    cache.state = None
    get = cache.get
    current = _CURRENT.get
    default = _DEFAULT

    if idx == 0:  # the common case: no argument tuple on the hit path, a plain call

        def dispatch(a0=_MISSING, *rest):
            if cache.state is current(default[0]):
                f = get(type(a0))
                if f is not None:
                    return f(a0, *rest) if rest else f(a0)
            return slow((a0, *rest) if a0 is not _MISSING else ())

    else:

        def dispatch(*args):
            if len(args) > idx and cache.state is current(default[0]):
                f = get(type(args[idx]))
                if f is not None:
                    return f(*args)
            return slow(args)

    def find(args):
        """The method for these arguments in the current state, and whether it may be cached
        (no constraints to check at each call); raises the call's arity or no-instance error."""
        if len(args) <= idx:
            raise Thrown(make_error("arity-error", f"{mname}: needs at least {idx + 1} argument(s)"))
        inst = lookup(cls, args[idx])
        f = inst.methods.get(mname)
        if f is None:
            raise Thrown(make_error("no-instance", cls.name, f"{inst.type_name} (no method {mname})"))
        return f, not inst.constraints

    def slow(args):
        f, cacheable = find(args)
        if not cacheable:
            return f(*args)
        st = current_state()
        if cache.state is not st:
            cache.clear()
            cache.state = st
        t = type(args[idx])
        cache[t] = f
        out = f(*args)
        fast = fast_entry(f, t, idx)
        if fast is not None and cache.state is st and cache.get(t) is f:
            cache[t] = fast
        return out

    dispatch.__name__ = mname
    dispatch.cache = cache
    dispatch.tc_index = idx  # which argument it dispatches on (a call site's cache needs it)
    dispatch.tc_find = find
    _DISPATCHERS.add(dispatch)
    return dispatch


def defclass(name, var, methods):
    """`methods`: list of (method name, dispatch index). Returns {method name: dispatcher}."""
    _changed()
    classes = current_state().classes
    cls = classes.get(name)
    if cls is None:
        cls = classes[name] = TypeClass(name, var, dict(methods))
    else:
        cls.var = var
        cls.methods = dict(methods)
    from .control import TRANSPARENT

    out = {}
    for mname, idx in methods:
        d = make_dispatcher(cls, mname, idx)
        TRANSPARENT.add(d)
        out[mname] = d
    return out


def definstance(cls_name, tname, params, constraints, methods):
    st = current_state()
    cls = st.type_class(cls_name)
    if cls is None:
        raise Thrown(make_error("error", f"instance of unknown class {cls_name}: define it with defclass first"))
    tname = ALIASES.get(tname, tname)
    st.instances[(cls_name, tname)] = Instance(cls, tname, params, constraints, methods)
    _changed()
