"""Collections: lists, vectors, maps, sets, sequences, and the prelude's private loop helpers (`%`-names) with their C fast paths."""

from __future__ import annotations

import functools
import gc
import itertools
import types

from ...core.values import (
    EMPTY,
    NEW_NODE,
    ArraySeq,
    Keyword,
    PList,
    PMap,
    PSet,
    PVector,
    Struct,
    Transient,
    array_seq,
    plist,
    pmap,
    pset,
    pvector,
    type_name,
)
from .. import control
from ..builtins import BOOL_PREDICATES, BUILTINS, HOST, builtin, err, type_err
from ..printer import readable
from .numbers import add


def _seq_items(coll):
    """Python iterable over a collection's elements (nil is empty)."""
    if coll is None:
        return ()
    if isinstance(coll, PMap):
        return [pvector([k, v]) for k, v in coll.items()]
    if type(coll) is str:
        return list(coll)
    return coll


@builtin("count")
def count(coll):
    if coll is None:
        return 0
    t = type(coll)
    if isinstance(coll, PList):
        return coll.count
    if t in (str, bytes) or isinstance(coll, (PVector, PMap, PSet)):
        return len(coll)
    raise type_err(f"count: expected a collection, got {type_name(coll)}")


@builtin("empty?")
def empty_q(coll):
    return count(coll) == 0


@builtin("first")
def first(coll):
    if isinstance(coll, PList):
        return coll.first
    if coll is None:
        return None
    if isinstance(coll, PVector) or type(coll) is str:
        return coll[0] if len(coll) else None
    for x in _seq_items(coll):
        return x
    return None


@builtin("rest")
def rest(coll):
    if isinstance(coll, PList):
        return coll.rest
    if coll is None:
        return EMPTY
    return plist(list(_seq_items(coll))[1:])


@builtin("second")
def second(coll):
    return first(rest(coll))


@builtin("last")
def last(coll):
    items = list(_seq_items(coll))
    return items[-1] if items else None


@builtin("cons")
def cons(x, coll):
    if isinstance(coll, PList):
        node = NEW_NODE(PList)  # PList(x, coll, coll.count + 1) without its __init__ frame
        node.first = x
        node.rest = coll
        node.count = coll.count + 1
        node.pos = None
        return node
    return plist([x, *_seq_items(coll)])


@builtin("conj")
def conj(coll, *xs):
    if coll is None:
        coll = EMPTY
    type(coll)
    if isinstance(coll, PList):
        for x in xs:
            coll = PList(x, coll, coll.count + 1)
        return coll
    if isinstance(coll, PVector):
        for x in xs:
            coll = coll.append(x)
        return coll
    if isinstance(coll, PSet):
        for x in xs:
            coll = coll.add(x)
        return coll
    if isinstance(coll, PMap):
        for x in xs:
            if isinstance(x, Struct):  # a tuple underneath, but not a [key value] pair
                _not_pair(x)
            coll = coll.set(x[0], x[1])
        return coll
    raise type_err(f"conj: expected a collection, got {type_name(coll)}")


def _not_pair(x):
    raise type_err(f"conj: a map takes [key value] pairs, got {type_name(x)}")


@builtin("list")
def tlist(*xs):
    return plist(xs)


@builtin("vector")
def vector(*xs):
    return pvector(xs)


@builtin("vec")
def vec(coll):
    return pvector(_seq_items(coll))


@builtin("hash-map")
def hash_map(*kvs):
    if len(kvs) % 2:
        raise err("error", "hash-map needs an even number of arguments")
    return pmap({kvs[i]: kvs[i + 1] for i in range(0, len(kvs), 2)})


BUILTINS["#hmap"] = hash_map


@builtin("hash-set")
def hash_set(*xs):
    return pset(xs)


@builtin("set")
def tset(coll):
    return pset(_seq_items(coll))


@builtin("get")
def get(coll, key, default=None):
    if isinstance(coll, PMap):
        return coll.get(key, default)
    if isinstance(coll, PVector) or type(coll) in (str, bytes):
        if type(key) is int and 0 <= key < len(coll):
            return coll[key]
        return default
    if isinstance(coll, PSet):
        return key if key in coll else default
    if isinstance(coll, Struct) and type(key) is Keyword:
        idx = coll.stype.index.get(key.name)
        return coll[idx] if idx is not None else default
    if isinstance(coll, PList) and type(key) is int and 0 <= key < coll.count:
        return coll[key]
    return default


@builtin("contains?")
def contains(coll, key):
    if isinstance(coll, (PMap, PSet)):
        return key in coll
    if isinstance(coll, PVector):
        return type(key) is int and 0 <= key < len(coll)
    return False


@builtin("assoc")
def assoc(coll, *kvs):
    if coll is None:
        coll = pmap()
    for i in range(0, len(kvs), 2):
        k, v = kvs[i], kvs[i + 1]
        if isinstance(coll, PVector):
            if type(k) is not int or not 0 <= k <= len(coll):
                raise err("error", f"assoc: index {readable(k)} out of range")
            coll = coll.append(v) if k == len(coll) else coll.set(k, v)
        elif isinstance(coll, PMap):
            coll = coll.set(k, v)
        else:
            raise type_err(f"assoc: expected a map or vector, got {type_name(coll)}")
    return coll


@builtin("dissoc")
def dissoc(coll, *ks):
    if coll is None:
        return None
    if isinstance(coll, PMap):
        for k in ks:
            if k in coll:
                coll = coll.delete(k)
        return coll
    if isinstance(coll, PSet):
        for k in ks:
            coll = coll.discard(k)
        return coll
    raise type_err(f"dissoc: expected a map, got {type_name(coll)}")


@builtin("keys")
def tkeys(m):
    # a list backed by a tuple (as map and filter return): the prelude's loops walk it as is
    return array_seq(tuple(m.keys()))


@builtin("vals")
def tvals(m):
    return array_seq(tuple(m.values()))


@builtin("nth")
def nth(coll, i, *default):
    try:
        if type(i) is not int:
            raise type_err(f"nth: index must be an integer, got {type_name(i)}")
        if i < 0 or isinstance(coll, Struct):  # a struct is a tuple, but not a sequence
            raise IndexError
        return coll[i]
    except (IndexError, TypeError):
        if default:
            return default[0]
        raise err("error", f"nth: index {i} out of range for {type_name(coll)} of {count(coll)}") from None


@builtin("concat")
def concat(*colls):
    items = []
    for c in colls:
        items.extend(_seq_items(c))
    return plist(items)


@builtin("reverse")
def reverse(coll):
    items = list(_seq_items(coll))
    items.reverse()
    return plist(items)


@builtin("sort", host=False)  # may call back into Turmeric: calls to it are capture sites
def tsort(*args):
    """`(sort coll)` or `(sort cmp coll)` where `(cmp a b)` is negative, zero or positive."""
    import functools

    if len(args) == 2:
        cmp, coll = args
        return array_seq(tuple(sorted(_seq_items(coll), key=functools.cmp_to_key(cmp))))
    try:  # an ArraySeq, as map and filter return: a list to every reader, no node per element
        return array_seq(tuple(sorted(_seq_items(args[0]))))
    except TypeError:
        raise type_err("sort: elements can't be compared") from None


@builtin("range")
def trange(a, b=None, step=1):
    if b is None:
        a, b = 0, a
    if step == 0:
        raise err("error", "range: step must not be 0")
    return array_seq(range(a, b, step))  # a range object: indexable, sized, no copy


@builtin("take")
def take(n, coll):
    return plist(list(itertools.islice(_seq_items(coll), n)))


@builtin("drop")
def drop(n, coll):
    return plist(list(_seq_items(coll))[n:])


@builtin("#drop")
def pdrop(coll, n):
    if isinstance(coll, PList):
        for _ in range(n):
            coll = coll.rest
        return coll
    return drop(n, coll)


@builtin("seq")
def seq(coll):
    if isinstance(coll, PList):
        return coll
    return array_seq(tuple(_seq_items(coll)))


@builtin("%items")
def items_of(coll):
    """The elements as a tuple, for the prelude's indexed loops."""
    t = type(coll)
    if t is ArraySeq and coll.off == 0:
        return coll.items
    if t is tuple:
        return coll
    if t is PVec:
        return tuple(coll)
    return tuple(_seq_items(coll))


@builtin("%len")
def plen(t):
    return len(t)


@builtin("%at")
def pat(t, i):
    return t[i]


@builtin("%push!")
def ppush(acc, x):
    acc.append(x)


@builtin("%transient")
def transient():
    return Transient()


@builtin("%seal")
def seal(acc):
    return array_seq(tuple(acc))


# Fast paths for the prelude's higher-order functions. Nothing can be captured inside a
# host builtin (it never calls back into Turmeric) nor inside a Turmeric function with no
# capture site at all (a "leaf", e.g. (fn [x] (* x x))), so with either the whole loop may
# run in C.
_HOST_VALUES: set = set()


@builtin("%host?")
def is_host_value(f):
    try:
        if f in _HOST_VALUES:
            return True
    except TypeError:  # unhashable: not a function
        return False
    if type(f) is types.FunctionType:
        info = control.CODES.get(f.__code__)
        if info is None:
            return False
        if info.leaf:
            return True
        if info.ctors is not None:  # its only sites construct structs: can't capture while
            g = f.__globals__  # each of those globals holds a struct class
            return all(type(c := g.get(n)) is type and issubclass(c, Struct) for n in info.ctors)
        return False
    return type(f) is type and issubclass(f, Struct)  # a struct's constructor never calls back


def _through_host(f):
    """A capture reached a host loop (`%host-map` ...): possible only if a global that a
    construction-only function constructs with (`FnInfo.ctors`) was redefined, by another
    thread, while the loop ran. The loop can't be recorded: a barrier, not a lost frame."""
    return control.BarrierError(control.callable_name(f))


@builtin("%host-map")
def host_map(f, xs):
    """`(map f coll)` with a function that can't capture, over the `%items` tuple (or range):
    the loop in C. `tuple(map(...))` grows its tuple by resizing it, and CPython puts a
    resized tuple back among the youngest objects, which every collection of those then
    traverses whole: while f allocates objects the collector tracks (structs, vectors...)
    that makes a long map quadratic-ish. Such results are collected in a list first."""
    try:
        if len(xs) < 1000:
            return array_seq(tuple(map(f, xs)))
        it = map(f, xs)
        acc = [next(it)]
        if gc.is_tracked(acc[0]):
            acc.extend(it)
            return array_seq(tuple(acc))
        return array_seq(tuple(itertools.chain(acc, it)))
    except control.Unwind:
        raise _through_host(f) from None


@builtin("%host-filter")
def host_filter(f, xs):
    try:
        if f in BOOL_PREDICATES:  # only #t/#f come back, so Python's own filter decides the same
            return array_seq(tuple(filter(f, xs)))
        return array_seq(tuple([x for x in xs if (r := f(x)) is not None and r is not False]))
    except control.Unwind:
        raise _through_host(f) from None


@builtin("%host-reduce")
def host_reduce(f, init, coll):
    """`reduce` with a function that can't capture: the loop in C, over a vector as it is
    (Python iterates a `PVector` without a copy), else over the `%items` tuple."""
    xs = coll if type(coll) is PVec else items_of(coll)
    if f is add and type(init) is int and _all_ints(xs):
        return sum(xs, init)  # (reduce + 0 ints): the same exact sum, added up in C
    try:
        return functools.reduce(f, xs, init)
    except control.Unwind:
        raise _through_host(f) from None


def _all_ints(xs):
    """Is every element an int (not a bool, which Python's sum would add as 0 or 1)?"""
    types = list(map(type, xs))
    return types.count(int) == len(types)


def register_host_values():
    """Called once the library is complete: the function values that are host builtins."""
    _HOST_VALUES.clear()
    for name in HOST:
        v = BUILTINS.get(name)
        if callable(v) and not isinstance(v, type):
            try:
                _HOST_VALUES.add(v)
            except TypeError:
                pass


@builtin("into")
def into(to, coll):
    return conj(to, *_seq_items(coll))


# --- transient accumulators of site-free loops (compiler/transient.py) ------------------------
#
# A `loop` variable or an inlined `reduce` accumulator that the compiler proves is only
# read (`get nth count contains?`) and updated (`conj assoc` whose result becomes the
# variable's next value) inside a loop with no capture site holds a transient while the
# loop runs. A loop that starts from an empty vector or map builds a private Python list
# or dict (`TList`, `TDict`: the exit's conversion costs what the loop's updates did);
# one that starts from a non-empty one takes pyrsistent's C evolver or an
# `immutables.MapMutation`, both O(1) to make and copy-on-write over the value the loop
# started from, which therefore never changes. `%tend` turns the transient back into a
# persistent value at every exit of the loop. Any other value (a list, a set, nil, a
# struct) stays as it is and the `%t` helpers apply the ordinary persistent operation.
# Generated code tests the transient types inline (`compiler/fastpath.py`); these are
# the slow paths.


# A vector or map being built by a loop is a plain Python `list` or `dict` (CPython's
# specialised instructions for indexing, item assignment, `append` and `get` apply to the
# exact types only). It is private to its loop because the compiler keeps it so: every
# value a transient variable takes that is not its own update (the start value, a step
# that doesn't mention it) goes through `%tbegin`, which never hands back a foreign Python
# list or dict as it is (one from Python, or one held in a vector): it wraps one in
# `Foreign`, and the `%t` helpers apply the library's ordinary operation to what it wraps.
TList = list
TDict = dict


class Foreign:
    """A Python list or dict a loop's transient variable holds: not the loop's to change."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value


class TVec:
    """A non-empty vector a loop updates: pyrsistent's C evolver (O(1) to make,
    copy-on-write over the vector) until the loop has made a number of updates equal to a
    64th of its length, then a private `TList` (copying an element costs about a 64th of
    what an update through the evolver's slow path does, so the copy costs at most about as
    much as the updates already made, and a loop's cost stays proportional to its work)."""

    __slots__ = ("ev", "writes")

    def __init__(self, ev):
        self.ev = ev
        self.writes = 0

    def __len__(self):
        return len(self.ev)

    def __getitem__(self, i):
        return self.ev[i]

    def wrote(self):
        """Count one update; the list to continue with once the copy has paid off, else self."""
        self.writes += 1
        if self.writes * 64 >= len(self.ev):
            return TList(self.ev.persistent())
        return self


PVec = type(pvector())
TMap = type(pmap().mutate())
_TVECS = (TList, TVec)
_TMAPS = (TDict, TMap)
BUILTINS.update({"#TVec": TVec, "#TMap": TMap, "#TList": TList, "#TDict": TDict, "#PVec": PVec, "#PMapT": PMap})


@builtin("%tbegin")
def to_transient(v):
    t = type(v)
    if t is PVec:
        return TVec(v.evolver()) if len(v) else TList()
    if t is PMap:
        return v.mutate() if len(v) else TDict()
    if t is list or t is dict:  # from elsewhere (a loop's own never comes here): not ours to change
        return Foreign(v)
    return v


@builtin("%tend")
def to_persistent(v):
    t = type(v)
    if t is TList:
        return pvector(v)
    if t is TDict:
        return pmap(v)
    if t is TVec:
        return v.ev.persistent()
    if t is TMap:
        return v.finish()
    if t is Foreign:
        return v.value
    return v


def _own(v):
    """The value the library's operation applies to (a wrapped Python list unwrapped)."""
    return v.value if type(v) is Foreign else v


@builtin("%tconj")
def tconj(v, x):
    t = type(v)
    if t is TList:
        v.append(x)
        return v
    if t is TVec:
        v.ev.append(x)
        return v.wrote()
    if t in _TMAPS:
        if isinstance(x, Struct):
            _not_pair(x)
        v[x[0]] = x[1]  # as `conj` on a map does
        return v
    return to_transient(conj(_own(v), x))


@builtin("%tassoc")
def tassoc(v, k, x):
    t = type(v)
    if t in _TMAPS:
        v[k] = x
        return v
    if t in _TVECS:
        n = len(v)
        if type(k) is not int or not 0 <= k <= n:
            raise err("error", f"assoc: index {readable(k)} out of range")
        if t is TVec:
            if k == n:
                v.ev.append(x)
            else:
                v.ev[k] = x
            return v.wrote()
        if k == n:
            v.append(x)
        else:
            v[k] = x
        return v
    return to_transient(assoc(_own(v), k, x))


@builtin("%tget")
def tget(v, k, default=None):
    t = type(v)
    if t in _TMAPS:
        return v.get(k, default)
    if t in _TVECS:
        return v[k] if type(k) is int and 0 <= k < len(v) else default
    return get(_own(v), k, default)


@builtin("%tnth")
def tnth(v, i, *default):
    if type(v) in _TVECS:
        if type(i) is not int:
            raise type_err(f"nth: index must be an integer, got {type_name(i)}")
        if 0 <= i < len(v):
            return v[i]
        if default:
            return default[0]
        raise err("error", f"nth: index {i} out of range for vector of {len(v)}")
    return nth(_own(v), i, *default)


@builtin("%tcount")
def tcount(v):
    if type(v) in (TList, TDict, TVec, TMap):
        return len(v)
    return count(_own(v))


@builtin("%tcontains?")
def tcontains(v, k):
    t = type(v)
    if t in _TMAPS:
        return k in v
    if t in _TVECS:
        return type(k) is int and 0 <= k < len(v)
    return contains(_own(v), k)


@builtin("%treduce")
def treduce(f, init, v):
    """`(reduce f init v)` with a host function f over a loop's transient v that nobody else
    can see (compiler/transient.py, the handoff): a list as it is, with no persistent copy
    (f sees the elements only); anything else as the persistent value `%tend` makes."""
    if type(v) is not list:
        return host_reduce(f, init, to_persistent(v))
    if f is add and type(init) is int and _all_ints(v):
        return sum(v, init)
    return functools.reduce(f, v, init)


@builtin("%struct-layout")
def struct_layout(cls):
    """The field names a compiled loop may keep in locals (compiler/transient.py), as one
    string, when cls is a struct class without checked fields; else None."""
    if isinstance(cls, type) and issubclass(cls, Struct):
        return cls._tm_layout
    return None
