"""Values: the data every stage shares.

Owns the Python representation of Turmeric values: symbols, keywords, persistent
lists, vectors (pyrsistent's C `pvectorc`), maps (`immutables.Map`, a HAMT written in
C) and sets (the keys of such a map), boxes, refs, Option, structs and their type registry, and the
exceptions that carry thrown values.
The reader produces these values and macros manipulate them, so code is data.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Sequence, Set
from operator import itemgetter

from immutables import Map as PMap

try:  # pyrsistent's C vector alone: importing the whole package costs a start-up ~15 ms
    from pvectorc import pvector
except ImportError:  # pragma: no cover - pyrsistent built without its C extension
    from pyrsistent import pvector

from .registry import current_state

__all__ = [
    "Symbol",
    "Keyword",
    "PList",
    "EMPTY",
    "plist",
    "Box",
    "Ref",
    "NONE",
    "Some",
    "OptionNone",
    "Struct",
    "StructType",
    "make_struct_type",
    "Thrown",
    "PVector",
    "PMap",
    "PSet",
    "pvector",
    "pmap",
    "pset",
    "Pos",
    "type_name",
]


EMPTY_MAP = PMap()

PVector = type(pvector())
Sequence.register(PVector)  # as pyrsistent does: Python code may test for a sequence


def pmap(items=None):
    """A persistent map (`immutables.Map`) of a dict, a mapping or an iterable of pairs."""
    if not items:
        return EMPTY_MAP
    return PMap(items)


class PSet(Set):
    """A persistent set: the keys of an `immutables.Map`, so `add` and `discard` share
    structure (O(log n)) like the maps do. A `collections.abc.Set`: it compares equal to
    any set with the same elements, and hashes like a frozenset of them."""

    __slots__ = ("_m", "_h")

    def __init__(self, m=EMPTY_MAP):
        self._m = m
        self._h = None

    @classmethod
    def _from_iterable(cls, items):  # what Set's | & - ^ build their results with
        return pset(items)

    def __contains__(self, x):
        return x in self._m

    def __iter__(self):
        return iter(self._m)

    def __len__(self):
        return len(self._m)

    def __eq__(self, other):
        if type(other) is PSet:
            return self._m == other._m
        return Set.__eq__(self, other)

    def __hash__(self):
        h = self._h
        if h is None:
            h = self._h = self._hash()
        return h

    def add(self, x):
        return self if x in self._m else PSet(self._m.set(x, True))

    def discard(self, x):
        return PSet(self._m.delete(x)) if x in self._m else self

    def remove(self, x):
        return PSet(self._m.delete(x))  # KeyError when x is not in the set

    def update(self, items):
        m = self._m.mutate()
        for x in items:
            m[x] = True
        return PSet(m.finish())

    def __repr__(self):
        return f"pset({list(self)!r})"


EMPTY_SET = PSet()


def pset(items=()):
    """A persistent set of an iterable's elements."""
    if type(items) is PSet:
        return items
    return EMPTY_SET.update(items) if items else EMPTY_SET


class Pos:
    """A source position: file, line (1-based) and column (1-based)."""

    __slots__ = ("file", "line", "col")

    def __init__(self, file, line, col):
        self.file = file
        self.line = line
        self.col = col

    def __repr__(self):
        return f"{self.file}:{self.line}:{self.col}"


class Symbol:
    """An interned-by-name symbol; `pos` is where the reader saw it (not part of equality)."""

    __slots__ = ("name", "pos")

    def __init__(self, name, pos=None):
        self.name = name
        self.pos = pos

    def __eq__(self, other):
        return type(other) is Symbol and other.name == self.name

    def __hash__(self):
        return hash(("sym", self.name))

    def __repr__(self):
        return self.name


class Keyword:
    """Keywords are interned: `Keyword("a") is Keyword("a")`."""

    __slots__ = ("name",)
    _table: dict = {}

    def __new__(cls, name):
        kw = cls._table.get(name)
        if kw is None:
            kw = object.__new__(cls)
            kw.name = name
            cls._table[name] = kw
        return kw

    def __reduce__(self):  # pragma: no cover - we never pickle, but copy module may ask
        return (Keyword, (self.name,))

    def __repr__(self):
        return ":" + self.name


class PList:
    """Immutable singly linked list; `conj`/`cons` prepend in O(1).

    `pos` is the source position of a list read from source (None otherwise).
    """

    __slots__ = ("first", "rest", "count", "pos")

    def __init__(self, first, rest, count, pos=None):
        self.first = first
        self.rest = rest
        self.count = count
        self.pos = pos

    def __iter__(self):
        node = self
        while node.count:
            yield node.first
            node = node.rest

    def __len__(self):
        return self.count

    def __bool__(self):
        return True  # every collection is truthy in Turmeric

    def __eq__(self, other):
        if not isinstance(other, PList):
            return False
        if self.count != other.count:
            return False
        a, b = self, other
        while a.count:
            if a is b:
                return True
            if not (a.first == b.first):
                return False
            a, b = a.rest, b.rest
        return True

    def __hash__(self):
        h = 0x345678
        for x in self:
            h = (h * 1000003) ^ hash(x)
        return h & 0xFFFFFFFFFFFF

    def __getitem__(self, i):
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError("list index out of range")
        node = self
        for _ in range(i):
            node = node.rest
        return node.first

    def cons(self, x):
        return PList(x, self, self.count + 1)

    def __repr__(self):
        return "(" + " ".join(repr(x) for x in self) + ")"


EMPTY = PList(None, None, 0)
EMPTY.rest = EMPTY


# `node = NEW_NODE(PList)` and its four slots set in place builds a cell in a third of the time
# of `PList(x, rest, n)`, which runs `__init__` in a Python frame: hot loops (plist, cons,
# reverse, the decoder) build their cells that way
NEW_NODE = object.__new__


def plist(items=(), pos=None):
    """Build a list from a Python iterable, keeping order."""
    if not isinstance(items, (list, tuple)):
        items = list(items)
    out = EMPTY
    n = 0
    for x in reversed(items):
        n += 1
        node = NEW_NODE(PList)
        node.first = x
        node.rest = out
        node.count = n
        node.pos = None
        out = node
    if pos is not None and n:
        out.pos = pos
    return out


class Box:
    """A mutable cell for a local that is both `set!` and captured by a closure."""

    __slots__ = ("v",)

    def __init__(self, v=None):
        self.v = v

    def __repr__(self):
        return f"#<box {self.v!r}>"


class Ref:
    """A user-visible mutable reference (`ref`, `deref`, `ref-set!`, `swap!`)."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class OptionNone:
    """The `None` variant of Option (Turmeric `nil` is Python None; this is not)."""

    __slots__ = ()
    _inst = None

    def __new__(cls):
        if cls._inst is None:
            cls._inst = object.__new__(cls)
        return cls._inst

    def __repr__(self):
        return "None"

    def __call__(self):  # `(None)` is the same value as `None`
        return self


NONE = OptionNone()


class Some:
    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __eq__(self, other):
        return type(other) is Some and self.value == other.value

    def __hash__(self):
        return hash(("Some", self.value))


# --- structs ---------------------------------------------------------------


class Struct(tuple):
    """Base of every struct instance: a tuple of the field values in field order.

    One object per instance (no separate tuple of values), so building a struct is one
    allocation for the cyclic garbage collector to count and trace, as a Python object
    with `__slots__` is. To Turmeric code and to the library a struct is not a sequence:
    it can't be iterated, measured, tested with `in`, ordered, added or repeated (each
    raises the TypeError a plain object would). It can be indexed: `s[i]` is field i, what
    compiled code reads; `s.vals` is the fields as a plain tuple (a copy, made in C)."""

    __slots__ = ()
    stype: "StructType"

    vals = property(itemgetter(slice(None)))

    def __eq__(self, other):
        return type(other) is type(self) and _tuple_eq(self, other)

    def __ne__(self, other):
        return not (type(other) is type(self) and _tuple_eq(self, other))

    def __hash__(self):
        return hash((self.stype.name, self[:]))

    def __bool__(self):
        return True

    def __repr__(self):
        return type(self).__name__ + repr(self[:])

    def __iter__(self):
        raise TypeError(f"'{type(self).__name__}' object is not iterable")

    def __len__(self):
        raise TypeError(f"object of type '{type(self).__name__}' has no len()")

    def __contains__(self, x):
        raise TypeError(f"argument of type '{type(self).__name__}' is not iterable")

    def _no_op(self, other):
        return NotImplemented

    __lt__ = __le__ = __gt__ = __ge__ = __add__ = __mul__ = __rmul__ = _no_op
    del _no_op

    def __getnewargs__(self):
        return tuple(self[:])

    def get_field(self, name):
        idx = self.stype.index.get(name)
        if idx is None:
            return None
        return self[idx]


_tuple_eq = tuple.__eq__
_tuple_new = tuple.__new__
_tuple_len = tuple.__len__


class StructType:
    """Describes a struct: its name, fields, declared field types and Python class."""

    def __init__(self, name, fields, types, module=None):
        self.name = name  # the type name as `type-of` returns it
        self.fields = tuple(fields)
        self.types = tuple(types)  # declared type names (None when absent)
        self.index = {f: i for i, f in enumerate(self.fields)}
        self.module = module
        self.cls = None
        self.predicate = None

    def layout(self):
        """A stable text describing the layout (fields and types) for schema checks."""
        return self.name + "[" + " ".join(f"{f}:{t or 'any'}" for f, t in zip(self.fields, self.types, strict=False)) + "]"


PRIMITIVE_CHECKS = {
    "int64": lambda v: type(v) is int,
    "int": lambda v: type(v) is int,
    "float64": lambda v: type(v) is float or type(v) is int,
    "float": lambda v: type(v) is float or type(v) is int,
    "string": lambda v: type(v) is str,
    "bool": lambda v: type(v) is bool,
    "bytes": lambda v: type(v) is bytes,
}


def make_struct_type(name, fields, types=None, module=None, checker=None, state=None):
    """Create the Python class for a struct. `checker(stype, idx, value)` raises on a bad field.
    The type is registered in `state` (default: the current session's, `registry.current_state()`)."""
    types = list(types or [None] * len(fields))
    stype = StructType(name, fields, types, module)
    nfields = len(fields)
    checks = [(i, PRIMITIVE_CHECKS[t], t) for i, t in enumerate(types) if t in PRIMITIVE_CHECKS]

    if checks:

        def __new__(cls, *vals):
            if len(vals) != nfields:
                raise ArityMismatch(name, nfields, len(vals))
            for i, ok, _t in checks:
                if not ok(vals[i]):
                    checker(stype, i, vals[i])
            return _tuple_new(cls, vals)

    else:  # nothing to check: no loop

        def __new__(cls, *vals):
            if len(vals) != nfields:
                raise ArityMismatch(name, nfields, len(vals))
            return _tuple_new(cls, vals)

    # the layout a compiled loop may keep in locals (compiler/transient.py): only without checks
    layout = " ".join(stype.fields) if not checks else None
    cls = type(name, (Struct,), {"__slots__": (), "__new__": __new__, "stype": stype, "_tm_layout": layout})
    stype.cls = cls
    stype.predicate = lambda x: type(x) is cls  # the `name?` function
    (state if state is not None else current_state()).struct_types[name] = stype
    return stype


class ArityMismatch(Exception):
    """Raised by a struct constructor called with the wrong number of fields."""

    def __init__(self, name, expected, got):
        super().__init__(f"{name} takes {expected} field(s), got {got}")
        self.name = name


class Thrown(Exception):
    """A Turmeric value in flight. `value` is the thrown value; `pos` is where `throw` ran."""

    def __init__(self, value, pos=None):
        super().__init__(value)
        self.value = value
        self.pos = pos


class ArraySeq(PList):
    """An immutable list backed by a tuple (or a `range`): what `range`, `map` and
    `filter` return.

    It is a `PList` to every reader (same type name, printing, equality); `first`
    and `rest` are computed, so building one from a Python sequence costs no node per
    element.
    """

    __slots__ = ("items", "off")

    def __init__(self, items, off=0):
        self.items = items
        self.off = off
        self.count = len(items) - off
        self.pos = None

    @property
    def first(self):
        return self.items[self.off] if self.count else None

    @property
    def rest(self):
        if self.count <= 1:
            return EMPTY
        return ArraySeq(self.items, self.off + 1)

    def __iter__(self):
        items = self.items
        for i in range(self.off, len(items)):
            yield items[i]

    def __getitem__(self, i):
        if i < 0:
            i += self.count
        if not 0 <= i < self.count:
            raise IndexError("list index out of range")
        return self.items[self.off + i]

    def cons(self, x):
        return PList(x, self, self.count + 1)


def array_seq(items):
    """A list of the given tuple's items (EMPTY when there are none)."""
    return ArraySeq(items) if items else EMPTY


class Transient(list):
    """A mutable accumulator private to the prelude's higher-order functions.

    A frame that holds one is snapshotted at capture (`freeze`) and each resumption
    gets its own copy (`thaw`), so multi-shot continuations never share it.
    """

    __slots__ = ()


class FrozenTransient:
    __slots__ = ("items",)

    def __init__(self, items):
        self.items = items


TYPE_NAMES = {
    int: "int64",
    float: "float64",
    str: "string",
    bool: "bool",
    type(None): "nil",
    Keyword: "keyword",
    Symbol: "symbol",
    bytes: "bytes",
    PList: "list",
    ArraySeq: "list",
    Ref: "ref",
    Some: "Option",
    OptionNone: "Option",
    types.FunctionType: "fn",
}


def type_name(v):
    """The Turmeric name of a value's type (`int64`, `vector`, a struct's name, ...).
    A class may name itself with a `turmeric_type` attribute (continuations, file handles)."""
    t = type(v)
    n = TYPE_NAMES.get(t)
    if n is not None:
        return n
    if isinstance(v, Struct):
        return v.stype.name
    if isinstance(v, PVector):
        return "vector"
    if isinstance(v, PMap):
        return "map"
    if isinstance(v, PSet):
        return "set"
    custom = getattr(t, "turmeric_type", None)
    if custom:
        return custom
    if isinstance(v, _FUNCTION_LIKE) or (callable(v) and (t.__module__ or "").startswith("turmeric")):
        return "fn"
    return python_type_name(t)


_FUNCTION_LIKE = (
    types.BuiltinFunctionType,
    types.MethodType,
    types.MethodWrapperType,
    types.WrapperDescriptorType,
    types.MethodDescriptorType,
    type,
    functools.partial,
)


def python_type_name(t):
    """A Python class as Turmeric names it: `module.qualname` (`datetime.date`, `builtins.dict`)."""
    return f"{t.__module__}.{t.__qualname__}" if t.__module__ else t.__qualname__
