"""The helpers generated code calls: every `#`-name the compiler and expander emit.

No Turmeric symbol can spell a name starting with `#`, so these never collide with
user code. The compiler's (see docs/design.md, "Names"): `#cap`, `#check_tail`,
`#Unwind`, `#Capture` (site handlers), `#Suspension` (finally blocks), `#shift`, `#throw`, `#resume_frames`,
`#TailContinue`, `#Box`, `#caught`, `#NoSite`, `#len`, `#type`, `#int`, `#float`,
`#bool`, `#str`, `#tuple`, `#display`, `#Some`, `#Ref`, `#Keyword`, `#Symbol`, `#PList`, `#PVector`, `#PMap`, `#isinstance`, `#range`, `#SCALARS`, `#dot_ic`, `#struct_is_ic` (the fast paths of `compiler/fastpath.py`),
`#arith-check`, `#pyerr` (a Python call's exception), `#with-enter`, `#with-exit`, `#None`, `#plist`, `#vec`, `#dot`, and `#eq` (`lib/numbers.py`),
`#Transient` (the prelude's accumulator), `#freeze` (an inlined map's, captured), `#hmap`, and the collection fast paths' exact types `#PVec`, `#PMapT`, `#TVec`, `#TMap`, `#TList`, `#TDict`
(`lib/collections.py`), `#b:<name>` (a host builtin bound at compile time) and
`#modget` (the loader's). The expander's: `#qq-list`, `#qq-vec` (quasiquote) and the
`match` tests `#none?`, `#some?`, `#some-value`, `#struct-is?`, `#field-at`,
`#seq-shape?`. Module-level names `#G`, `#mod:<name>`, `#K<n>`, `#I:<symbol>` live
in each module's dict, not here.
"""

from __future__ import annotations

from ..core.registry import _CURRENT, _DEFAULT
from ..core.values import (
    NONE,
    Box,
    FrozenTransient,
    Keyword,
    PList,
    PMap,
    PVector,
    Ref,
    Some,
    Struct,
    Symbol,
    Transient,
    plist,
    pvector,
    type_name,
)
from . import control
from .builtins import BUILTINS, builtin, err
from .errors import as_thrown, python_call_error, thrown_value
from .lib.collections import _seq_items
from .lib.numbers import arith_check
from .printer import display
from .typeclasses import SiteCache, site_miss


@builtin("#qq-list")
def qq_list(*parts):
    items = []
    for p in parts:
        items.extend(_seq_items(p))
    return plist(items)


@builtin("#qq-vec")
def qq_vec(*parts):
    items = []
    for p in parts:
        items.extend(_seq_items(p))
    return pvector(items)


@builtin("#plist")
def to_plist(t):
    return plist(t)


@builtin("#vec")
def to_vec(items):
    return pvector(items)


@builtin("#dot")
def dot(obj, field):
    if isinstance(obj, Struct):
        idx = obj.stype.index.get(field)
        if idx is None:
            raise err("error", f"{obj.stype.name} has no field {field}")
        return obj[idx]
    if isinstance(obj, PMap):
        return obj.get(Keyword(field))
    if type(obj) is Some and field == "value":
        return obj.value
    if type(obj) is Ref and field == "value":
        return obj.value
    try:
        return getattr(obj, field.replace("-", "_"))
    except AttributeError:
        raise err("error", f"{type_name(obj)} has no field {field}") from None


class DotCache:
    """The inline cache of one `x.field` site (`#ic:field@symbol/k`): the struct class seen last
    and the field's index in it. Generated code tests `type(x) is cache.t` itself.
    As the cache of match's struct test (`#sc:name/n`), `f` is the last class that failed it."""

    __slots__ = ("t", "i", "f")

    def __init__(self):
        self.t = None
        self.i = 0
        self.f = None


def inline_cache(name):
    """A new inline cache for the generated global `name`: a method call site's
    (`#dc:`, typeclasses.SiteCache), else a DotCache (`#ic:`, `#sc:`, `#nc:`)."""
    if name.startswith("#dc:"):
        return SiteCache()
    return DotCache()


@builtin("#new_miss", host=False)
def new_miss(cache, f, *args):
    """The slow path of a struct construction site (`#nc:Name@symbol/k`): `f` is what the
    global holds now. A struct class without checked fields whose field count is this
    site's is remembered (the site then builds its values itself, `#tnew`: `tuple.__new__`);
    whatever `f` is, it is called."""
    if type(f) is type and issubclass(f, Struct) and f._tm_layout is not None and len(f.stype.fields) == len(args):
        cache.t = f
    return f(*args)


@builtin("#sp_learn")
def struct_param_learn(cache, obj, fields):
    """The slow path of an instance method's entry test (`#sp:Name@symbol fields...`): is obj a struct
    with these fields, in this order (the layout the method was compiled for)? Its class is
    remembered when it is."""
    if isinstance(obj, Struct) and obj.stype.fields == fields:
        cache.t = type(obj)
        return True
    return False


@builtin("#dot_ic")
def dot_ic(cache, obj, field):
    """The slow path of an inline-cached `x.field`: the full lookup; a struct's class is remembered."""
    if isinstance(obj, Struct):
        idx = obj.stype.index.get(field)
        if idx is not None:
            cache.t = type(obj)
            cache.i = idx
            return obj[idx]
    return dot(obj, field)


@builtin("#none?")
def p_none(x):
    return x is NONE


@builtin("#some?")
def p_some(x):
    return type(x) is Some


@builtin("#some-value")
def p_some_value(x):
    return x.value


@builtin("#struct-is?")
def p_struct_is(x, name, nfields):
    if isinstance(x, Struct):
        return x.stype.name == name and len(x.stype.fields) == nfields
    if name == "Some":
        return type(x) is Some and nfields == 1
    if name == "None":
        return x is NONE and nfields == 0
    return False


@builtin("#struct_is_ic")
def struct_is_ic(cache, x, name, nfields):
    """The slow path of an inline-cached `#struct-is?` (`#sc:name/n`): a struct class that
    passes is remembered, so the next test of one of its values is `type(x) is cache.t`."""
    r = p_struct_is(x, name, nfields)
    if r and isinstance(x, Struct):
        cache.t = type(x)
    elif not r:  # the answer depends on the class alone (a struct's name and field count)
        cache.f = type(x)
    return r


@builtin("#field-at")
def p_field_at(x, i):
    # match tests `#struct-is?` first (compiler/fastpath.py inlines this as `x[i]`)
    if type(x) is Some:
        return x.value
    return x[i]


@builtin("#seq-shape?")
def p_seq_shape(x, n, has_rest):
    if not isinstance(x, (PVector, PList)):
        return False
    return len(x) >= n if has_rest else len(x) == n


def _tail_continue(k, v=None):
    if isinstance(k, control.Continuation):
        return control.TailContinue(k, v)
    return k(v)


class NoSite(Exception):
    pass


# --- Python calls and `with` --------------------------------------------------------------------


def with_enter(mgr):
    """`(with [x mgr] ...)`: the value bound to x."""
    enter = getattr(type(mgr), "__enter__", None)
    if enter is None or getattr(type(mgr), "__exit__", None) is None:
        raise err("type-error", f"with: a {type_name(mgr)} is not a context manager (it has no __enter__ and __exit__)")
    return enter(mgr)


def with_exit(mgr, exc):
    """Leaving a `with` body (not by a suspension): `__exit__`; returns the exception to re-raise,
    None when there is none or `__exit__` suppressed it."""
    if exc is None:
        type(mgr).__exit__(mgr, None, None, None)
        return None
    if type(mgr).__exit__(mgr, type(exc), exc, exc.__traceback__):
        return None
    return exc


# runtime helpers used by generated code
BUILTINS.update(
    {
        "#Unwind": control.RECORDED,  # what site handlers record: captures and a SnapThrow
        "#Suspension": control.Unwind,  # what finally blocks let pass without running
        "#Capture": control.Capture,
        "#cap": control.cap,
        "#check_tail": control.check_tail,
        "#shift": control.shift,
        "#throw": control.throw,
        "#resume_frames": control.resume_frames,
        "#TailContinue": _tail_continue,
        "#Box": Box,
        "#caught": thrown_value,
        "#as_thrown": as_thrown,
        "#NoSite": NoSite,
        "BaseException": BaseException,
        "#Exception": Exception,
        "#IndexError": IndexError,
        "#len": len,
        "#tuple": tuple,
        "#type": type,
        "#int": int,
        "#float": float,
        "#bool": bool,
        "#str": str,
        "#display": display,
        "#arith-check": arith_check,
        "#pyerr": python_call_error,
        "#with-enter": with_enter,
        "#with-exit": with_exit,
        "#tnew": tuple.__new__,
        "#tc_miss": site_miss,
        "#tc_state": _CURRENT.get,
        "#tc_default": _DEFAULT[0],
    }
)
BUILTINS["#None"] = NONE
BUILTINS["#Transient"] = Transient
# an inlined map's accumulator (a list) as a captured frame holds it (compiler/emit_normal.py)
BUILTINS["#freeze"] = lambda acc: FrozenTransient(tuple(acc))
BUILTINS["#Some"] = Some
BUILTINS["#Ref"] = Ref
BUILTINS.update(
    {
        "#Keyword": Keyword,
        "#Symbol": Symbol,
        "#PList": PList,
        "#PVector": PVector,
        "#PMap": PMap,
        "#isinstance": isinstance,
        "#range": range,
    }
)
# types whose values are never vectors (`vector?`'s fast path skips the ABC check for them)
BUILTINS["#SCALARS"] = frozenset({int, float, str, bool, type(None), bytes, Keyword, Symbol})
