"""The code registry: what is known about each generated function, and how to find it.

`FnInfo` describes one code unit (symbol, fingerprint, sites, resume variant, factory).
`CODES` maps each code object (normal and resume variant) to its `FnInfo`; code objects
are unique, so this one map serves every session.

Everything else a program defines lives in a `State`: its functions by symbol (the
current definition) and by (symbol, fingerprint) (every version loaded, so two
versions of one function can be loaded side by side), its struct types, its type
classes and their instances. States chain to a parent: `ROOT` holds what the runtime
and the prelude define and is shared read-only by all; each session of the loader
owns a `State(parent=ROOT)`. The current state is a context variable, so it is per
thread and per asyncio task: `current_state()`, `activate(state)`.
"""

from __future__ import annotations

import contextlib
import contextvars


class FnInfo:
    """What the runtime knows about one generated function (a code unit).

    `symbol` is the stable name (`module.outer/inner`), `fingerprint` the hash of its
    normalised code, `sites[n]` the names of the values a frame saves at resume point
    n (a name starting with `~` is a compiler temporary), `resume` the resume variant.
    """

    __slots__ = (
        "symbol",
        "fingerprint",
        "module",
        "file",
        "line",
        "params",
        "sites",
        "resume",
        "factory",
        "free",
        "free_py",
        "code",
        "rest",
        "transient",
        "leaf",
        "ctors",
        "origin",
        "assumed",
        "suspends",
        "site_pos",
    )

    def __init__(self, symbol, fingerprint, module, file, line, params, sites, free=(), rest=None):
        self.symbol = symbol
        self.fingerprint = fingerprint
        self.module = module
        self.file = file
        self.line = line
        self.params = params  # Turmeric names of the parameters
        self.sites = sites  # {site number: tuple of Turmeric names}
        self.free = free  # Turmeric names of the closure's free variables, in factory order
        self.rest = rest
        self.free_py = ()  # Python names of the free variables: the factory's parameters
        self.transient = False  # may hold a Transient accumulator (the prelude's loops)
        self.leaf = False  # no capture site at all: nothing can be captured inside a call to it
        # when every capture site is a struct construction's slow path and it assigns no
        # global: ((global name, field count), ...) of those constructions, else None. While
        # each global holds a struct class, nothing can be captured inside a call to it either
        self.ctors = None
        # the sites where this function's own frame captures (shift, throw): only the innermost
        # frame of a continuation stops at one; every other frame stops at a call (None: unknown)
        self.suspends = None
        self.site_pos = {}  # site number -> (line, col) in `file`: where a frame resumed there stands
        self.resume = None
        self.factory = None
        self.code = None
        # (module, top-level symbol, canonical text of the top-level form) it was compiled
        # from, or None (the runtime, the prelude, instance methods): what the code store keeps
        self.origin = None
        self.assumed = None  # what its compile assumed of other globals (compiler/unit.py)

    def __repr__(self):
        return f"<FnInfo {self.symbol}>"


CODES: dict = {}  # code object (normal and resume variants) -> FnInfo

# the attribute of an instance method's function holding (its fast entry, its `#sp:` cache,
# the index of the parameter its layout test is on):
# a copy of its body for a struct of the layout it was compiled for, without the entry test
# (compiler/unit.py); dispatch calls it for the class the cache learned (runtime/typeclasses.py)
FAST_ENTRY = "tm_fast"


class State:
    """What one session has defined: functions, struct types, type classes and instances."""

    __slots__ = ("parent", "symbols", "versions", "struct_types", "classes", "instances", "owner", "codes", "keep_versions")

    def __init__(self, parent=None, owner=None, keep_versions=False):
        self.parent = parent
        # False: a new definition of a symbol replaces the old one (a blob naming the old
        # fingerprint is a schema mismatch). True: every version stays loaded side by side.
        self.keep_versions = keep_versions
        self.symbols = {}  # symbol -> FnInfo (the current definition)
        self.versions = {}  # (symbol, fingerprint) -> FnInfo (every version loaded)
        self.struct_types = {}  # struct name -> StructType (latest definition)
        self.classes = {}  # type class name -> TypeClass
        self.instances = {}  # (class name, type name) -> Instance
        self.owner = owner  # the loader's Session this state belongs to (None for ROOT)
        self.codes = []  # code objects registered here (dropped from CODES by `release`)

    # --- functions -------------------------------------------------------------------
    def register(self, info, *codes):
        old = self.symbols.get(info.symbol)
        if old is not None and not self.keep_versions and old.fingerprint != info.fingerprint:
            self.versions.pop((old.symbol, old.fingerprint), None)
        self.symbols[info.symbol] = info
        self.versions[(info.symbol, info.fingerprint)] = info
        for c in codes:
            CODES[c] = info
            self.codes.append(c)

    def add_version(self, info, *codes):
        """Register an old version of a function (compiled from the code store): findable by
        (symbol, fingerprint), never the current definition of its symbol."""
        self.versions[(info.symbol, info.fingerprint)] = info
        for c in codes:
            CODES[c] = info
            self.codes.append(c)

    def lookup(self, symbol):
        """The current definition of `symbol`, or None."""
        s = self
        while s is not None:
            info = s.symbols.get(symbol)
            if info is not None:
                return info
            s = s.parent
        return None

    def find(self, symbol, fingerprint):
        """The version of `symbol` whose fingerprint is `fingerprint`, else its current definition."""
        s = self
        while s is not None:
            info = s.versions.get((symbol, fingerprint))
            if info is not None:
                return info
            s = s.parent
        return self.lookup(symbol)

    def forget_module(self, module):
        """Drop every function and struct type the module named `module` defined."""
        for sym in [k for k, i in self.symbols.items() if i.module == module]:
            del self.symbols[sym]
        for key in [k for k, i in self.versions.items() if i.module == module]:
            del self.versions[key]
        for name in [k for k, st in self.struct_types.items() if st.module == module]:
            del self.struct_types[name]

    def release(self):
        """Forget this state's code objects in CODES (the session is closed)."""
        for c in self.codes:
            CODES.pop(c, None)
        self.codes.clear()

    # --- struct types, type classes --------------------------------------------------
    def struct_type(self, name):
        s = self
        while s is not None:
            st = s.struct_types.get(name)
            if st is not None:
                return st
            s = s.parent
        return None

    def type_class(self, name):
        s = self
        while s is not None:
            c = s.classes.get(name)
            if c is not None:
                return c
            s = s.parent
        return None

    def instance(self, cls_name, type_name):
        s = self
        key = (cls_name, type_name)
        while s is not None:
            inst = s.instances.get(key)
            if inst is not None:
                return inst
            s = s.parent
        return None


ROOT = State()  # the runtime's and the prelude's definitions, shared by every session
_DEFAULT = [State(parent=ROOT)]  # the state used where no session is active
_CURRENT: contextvars.ContextVar = contextvars.ContextVar("turmeric_state")


def current_state():
    """The active session's state (per thread and per asyncio task), else the default state."""
    return _CURRENT.get(_DEFAULT[0])


def default_state():
    return _DEFAULT[0]


@contextlib.contextmanager
def activate(state):
    """Make `state` current for the code run inside the `with` block (this thread or task)."""
    token = _CURRENT.set(state)
    try:
        yield state
    finally:
        _CURRENT.reset(token)


def register(info, *codes):
    """Register a compiled function in the current state."""
    current_state().register(info, *codes)
