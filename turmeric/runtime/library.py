"""The host half of the standard library: primitives written in Python.

Everything here is a host function that never calls back into Turmeric (so a
call to it is not a capture site). Higher-order functions live in `prelude.tm`,
written in Turmeric, so continuations can be captured through them.
`BUILTINS` is the dict every module sees as its Python builtins; `#`-prefixed
names are the compiler's runtime helpers, which no Turmeric symbol can spell.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import tempfile
import time
import types

from . import control
from .errors import STRUCTS, as_thrown, make_error, thrown_value
from .printer import display, readable, type_name
from .values import (
    EMPTY,
    NONE,
    ArraySeq,
    Box,
    Keyword,
    OptionNone,
    PList,
    PMap,
    PSet,
    PVector,
    Ref,
    Some,
    Struct,
    Symbol,
    Thrown,
    Transient,
    array_seq,
    plist,
    pmap,
    pset,
    pvector,
)

BUILTINS: dict = {}
HOST: set = set()  # names of host builtins (calls to them are not capture sites)


def builtin(name, host=True):
    def deco(f):
        f.__name__ = name  # errors (e.g. continuation-barrier) name the Turmeric function
        BUILTINS[name] = f
        if host:
            HOST.add(name)
        return f

    return deco


def err(kind, *args):
    return Thrown(make_error(kind, *args))


def type_err(msg):
    return Thrown(make_error("type-error", msg))


# --- numbers ---------------------------------------------------------------------


def _num(x, op):
    t = type(x)
    if t is int or t is float:
        return x
    raise type_err(f"{op}: expected a number, got {type_name(x)} {readable(x)}")


@builtin("+")
def add(a=0, b=0, *more):
    ta, tb = type(a), type(b)
    if (ta is int or ta is float) and (tb is int or tb is float) and not more:
        return a + b
    r = _num(a, "+") + _num(b, "+")
    for x in more:
        r = r + _num(x, "+")
    return r


def arith_check(op, a, b, r):
    """The slow path of a compiled two-argument `+ - *` whose result is not a number."""
    _num(a, op)
    _num(b, op)
    return r


@builtin("-")
def sub(x, *xs):
    _num(x, "-")
    if not xs:
        return -x
    for y in xs:
        x = x - _num(y, "-")
    return x


@builtin("*")
def mul(*xs):
    r = 1
    for x in xs:
        r = r * _num(x, "*")
    return r


@builtin("/")
def div(x, *ys):
    _num(x, "/")
    if not ys:
        ys, x = (x,), 1
    for y in ys:
        _num(y, "/")
        if y == 0:
            raise err("division-by-zero")
        if type(x) is int and type(y) is int and x % y == 0:
            x = x // y
        else:
            x = x / y
    return x


@builtin("mod")
def mod(a, b):
    _num(a, "mod")
    _num(b, "mod")
    if b == 0:
        raise err("division-by-zero")
    return a % b


@builtin("quot")
def quot(a, b):
    _num(a, "quot")
    _num(b, "quot")
    if b == 0:
        raise err("division-by-zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


BUILTINS["inc"] = lambda x: _num(x, "inc") + 1
BUILTINS["dec"] = lambda x: _num(x, "dec") - 1
BUILTINS["abs"] = lambda x: abs(_num(x, "abs"))
HOST.update({"inc", "dec", "abs"})


@builtin("min")
def tmin(x, *xs):
    return min((x, *xs))


@builtin("max")
def tmax(x, *xs):
    return max((x, *xs))


_SCALARS = frozenset({int, float, str, bytes, type(None), Keyword, Symbol})


def eq(a, b):
    """Turmeric equality: structural, a list equals a vector with equal elements, and a
    boolean never equals a number (Python's `True == 1` does not leak through, at any depth)."""
    if a is b:
        return True
    ta, tb = type(a), type(b)
    if ta is bool or tb is bool:
        return False
    if ta in _SCALARS and tb in _SCALARS:  # the common case, before any isinstance
        return a == b
    if isinstance(a, (PList, PVector)) and isinstance(b, (PList, PVector)):
        return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, PMap) and isinstance(b, PMap):
        if len(a) != len(b):
            return False
        for k, v in a.items():
            if k not in b or not eq(v, b[k]):
                return False
        return True
    if ta is Some and tb is Some:
        return eq(a.value, b.value)
    if isinstance(a, Struct) and isinstance(b, Struct):
        return ta is tb and all(eq(x, y) for x, y in zip(a.vals, b.vals, strict=True))
    return a == b


BUILTINS["#eq"] = eq


@builtin("=")
def teq(a, *xs):
    return all(eq(a, x) for x in xs)


@builtin("not=")
def tneq(a, *xs):
    return not teq(a, *xs)


def _cmp(name, op):
    def f(a, *xs):
        for b in xs:
            if not op(a, b):
                return False
            a = b
        return True

    f.__name__ = name
    builtin(name)(f)


_cmp("<", lambda a, b: a < b)
_cmp(">", lambda a, b: a > b)
_cmp("<=", lambda a, b: a <= b)
_cmp(">=", lambda a, b: a >= b)


@builtin("not")
def tnot(x):
    return x is None or x is False


# --- strings and printing ---------------------------------------------------------------


@builtin("str")
def tstr(*xs):
    return "".join(display(x) for x in xs)


@builtin("println")
def println(*xs):
    sys.stdout.write(" ".join(display(x) for x in xs) + "\n")


@builtin("print")
def tprint(*xs):
    sys.stdout.write(" ".join(display(x) for x in xs))


@builtin("prn")
def prn(*xs):
    sys.stdout.write(" ".join(readable(x) for x in xs) + "\n")


@builtin("pr-str")
def pr_str(*xs):
    return " ".join(readable(x) for x in xs)


@builtin("subs")
def subs(s, start, end=None):
    return s[start:end]


@builtin("string/split")
def str_split(s, sep):
    return pvector(s.split(sep))


@builtin("string/join")
def str_join(sep, coll=None):
    if coll is None:
        sep, coll = "", sep
    return sep.join(display(x) for x in coll)


@builtin("string/upper")
def str_upper(s):
    return s.upper()


@builtin("string/lower")
def str_lower(s):
    return s.lower()


@builtin("string/trim")
def str_trim(s):
    return s.strip()


@builtin("parse-int")
def parse_int(s):
    try:
        return int(s)
    except (TypeError, ValueError):
        return None


@builtin("keyword")
def keyword(s):
    return Keyword(s if type(s) is str else display(s))


@builtin("symbol")
def symbol(s):
    return Symbol(s)


@builtin("name")
def tname(x):
    if type(x) in (Keyword, Symbol):
        return x.name
    return display(x)


_gensyms = itertools.count(1)


@builtin("gensym")
def tgensym(prefix="G"):
    return Symbol(f"{display(prefix)}__{next(_gensyms)}")


# --- collections --------------------------------------------------------------------------


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
        return PList(x, coll, coll.count + 1)
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
            coll = coll.set(x[0], x[1])
        return coll
    raise type_err(f"conj: expected a collection, got {type_name(coll)}")


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
        return coll.vals[idx] if idx is not None else default
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
    for k in ks:
        coll = coll.discard(k)
    return coll


@builtin("keys")
def tkeys(m):
    return plist(list(m.keys()))


@builtin("vals")
def tvals(m):
    return plist(list(m.values()))


@builtin("nth")
def nth(coll, i, *default):
    try:
        if type(i) is not int:
            raise type_err(f"nth: index must be an integer, got {type_name(i)}")
        if i < 0:
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


@builtin("reverse")
def reverse(coll):
    out = EMPTY
    for x in _seq_items(coll):
        out = PList(x, out, out.count + 1)
    return out


@builtin("sort", host=False)  # may call back into Turmeric: calls to it are capture sites
def tsort(*args):
    """`(sort coll)` or `(sort cmp coll)` where `(cmp a b)` is negative, zero or positive."""
    import functools

    if len(args) == 2:
        cmp, coll = args
        return plist(sorted(_seq_items(coll), key=functools.cmp_to_key(lambda a, b: cmp(a, b))))
    try:
        return plist(sorted(_seq_items(args[0])))
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
    if type(coll) is ArraySeq and coll.off == 0:
        return coll.items
    if type(coll) is tuple:
        return coll
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
        return info is not None and info.leaf
    return False


@builtin("%host-map")
def host_map(f, xs):
    return array_seq(tuple(map(f, xs)))


@builtin("%host-filter")
def host_filter(f, xs):
    if f in BOOL_PREDICATES:  # only #t/#f come back, so Python's own filter decides the same
        return array_seq(tuple(filter(f, xs)))
    return array_seq(tuple([x for x in xs if (r := f(x)) is not None and r is not False]))


_INT_ONLY = frozenset({int})


@builtin("%host-reduce")
def host_reduce(f, init, xs):
    if f is add and type(init) is int and set(map(type, xs)) <= _INT_ONLY:
        return sum(xs, init)  # (reduce + 0 ints): the same exact sum, added up in C
    return functools.reduce(f, xs, init)


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
        return obj.vals[idx]
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


# --- refs, options -------------------------------------------------------------------------


@builtin("ref")
def ref(v):
    return Ref(v)


@builtin("deref")
def deref(r):
    if type(r) is Ref:
        return r.value
    raise type_err(f"deref: expected a ref, got {type_name(r)}")


@builtin("ref-set!")
def ref_set(r, v):
    if type(r) is not Ref:
        raise type_err(f"ref-set!: expected a ref, got {type_name(r)}")
    r.value = v
    return v


BUILTINS["Some"] = Some
BUILTINS["None"] = NONE
HOST.update({"Some", "None"})


@builtin("some?")
def some_q(x):
    return type(x) is Some


@builtin("none?")
def none_q(x):
    return x is NONE


@builtin("unwrap")
def unwrap(x):
    if type(x) is Some:
        return x.value
    if x is NONE:
        raise err("error", "unwrap: called on None")
    raise type_err(f"unwrap: expected an Option, got {type_name(x)}")


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
        return x.stype.name == name and len(x.vals) == nfields
    if name == "Some":
        return type(x) is Some and nfields == 1
    if name == "None":
        return x is NONE and nfields == 0
    return False


@builtin("#field-at")
def p_field_at(x, i):
    if type(x) is Some:
        return x.value
    return x.vals[i]


@builtin("#seq-shape?")
def p_seq_shape(x, n, has_rest):
    if not isinstance(x, (PVector, PList)):
        return False
    return len(x) >= n if has_rest else len(x) == n


# --- predicates -----------------------------------------------------------------------------


BOOL_PREDICATES: set = set()  # builtins that always return #t or #f (Python truthiness agrees)


def _pred(name, f):
    builtin(name)(f)
    BOOL_PREDICATES.add(f)


_pred("nil?", lambda x: x is None)
_pred("int?", lambda x: type(x) is int)
_pred("float?", lambda x: type(x) is float)
_pred("number?", lambda x: type(x) in (int, float))
_pred("string?", lambda x: type(x) is str)
_pred("bool?", lambda x: type(x) is bool)
_pred("keyword?", lambda x: type(x) is Keyword)
_pred("symbol?", lambda x: type(x) is Symbol)
_pred("bytes?", lambda x: type(x) is bytes)
_pred("list?", lambda x: isinstance(x, PList))
_pred("vector?", lambda x: isinstance(x, PVector))
_pred("map?", lambda x: isinstance(x, PMap))
_pred("set?", lambda x: isinstance(x, PSet))
_pred("fn?", lambda x: type_name(x) == "fn")
_pred("continuation?", lambda x: isinstance(x, control.Continuation))
_pred("ref?", lambda x: type(x) is Ref)
_pred("zero?", lambda x: x == 0)
_pred("pos?", lambda x: x > 0)
_pred("neg?", lambda x: x < 0)
_pred("even?", lambda x: not x & 1 if type(x) is int else _num(x, "even?") % 2 == 0)
_pred("odd?", lambda x: x & 1 == 1 if type(x) is int else _num(x, "odd?") % 2 == 1)


@builtin("type-of")
def type_of(x):
    return type_name(x)


# --- files ------------------------------------------------------------------------------------


@builtin("read-file")
def read_file(path):
    with open(path, "rb") as f:
        return f.read()


@builtin("read-text")
def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


@builtin("write-file")
def write_file(path, data):
    """Atomic: write a temporary file beside the target, fsync, then rename over it."""
    if type(data) is str:
        data = data.encode("utf-8")
    elif type(data) is not bytes:
        raise type_err(f"write-file: expected bytes or a string, got {type_name(data)}")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    except OSError as e:
        raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise err("error", f"write-file: can't write {path}: {e.strerror}") from None
        raise
    return None


@builtin("file-exists?")
def file_exists(path):
    return os.path.exists(path)


@builtin("delete-file")
def delete_file(path):
    if os.path.exists(path):
        os.unlink(path)
    return None


class FileHandle:
    """An open file; Resource-Serializable by path, mode and position."""

    turmeric_type = "FileHandle"

    def __init__(self, path, mode, f):
        self.path = path
        self.mode = mode
        self.f = f

    def turmeric_show(self):
        return f"#<FileHandle {self.path} {self.mode}>"


MODES = {"r": "r", "w": "w", "a": "a", "rb": "rb", "wb": "wb", "ab": "ab"}


@builtin("open-file")
def open_file(path, mode="r"):
    if mode not in MODES:
        raise err("error", f"open-file: unknown mode {readable(mode)}; use one of r w a rb wb ab")
    enc = {} if "b" in mode else {"encoding": "utf-8", "newline": ""}
    return FileHandle(path, mode, open(path, mode, **enc))


@builtin("read-line")
def read_line(fh):
    line = fh.f.readline()
    if not line:
        return None
    if type(line) is bytes:
        return line.rstrip(b"\n")
    return line[:-1] if line.endswith("\n") else line


@builtin("write-line")
def write_line(fh, s):
    fh.f.write(display(s) + "\n" if "b" not in fh.mode else (s if type(s) is bytes else display(s).encode()) + b"\n")
    return None


@builtin("write")
def twrite(fh, s):
    fh.f.write(display(s) if "b" not in fh.mode else (s if type(s) is bytes else display(s).encode()))
    return None


@builtin("close")
def close(fh):
    fh.f.close()
    return None


@builtin("file-handle-path")
def file_handle_path(fh):
    return fh.path


class ExitRequest(BaseException):
    def __init__(self, code):
        self.code = code


@builtin("exit")
def texit(code=0):
    raise ExitRequest(code)


@builtin("time-ns")
def time_ns():
    return time.monotonic_ns()


@builtin("string->bytes")
def str_to_bytes(s):
    return s.encode("utf-8")


@builtin("bytes->string")
def bytes_to_str(b):
    return b.decode("utf-8", errors="replace")


# --- control ---------------------------------------------------------------------------------


@builtin("cloneable-reset")
def cloneable_reset(thunk):
    return control.reset(thunk)


BUILTINS["reset"] = cloneable_reset
HOST.add("reset")
control.TRANSPARENT.add(cloneable_reset)


@builtin("continue")
def tcontinue(k, v=None):
    if isinstance(k, control.Continuation):
        return k(v)
    if callable(k):
        return k(v)
    raise type_err(f"continue: expected a continuation, got {type_name(k)}")


BUILTINS["resume"] = tcontinue
HOST.add("resume")
control.TRANSPARENT.add(tcontinue)


@builtin("try-with", host=False)
def try_with(thunk, handler):
    return control.try_with(thunk, handler)


control.TRANSPARENT.add(try_with)


@builtin("apply", host=False)
def apply(f, *args):
    if not args:
        return f()
    *fixed, last = args
    return f(*fixed, *_seq_items(last))


control.TRANSPARENT.add(apply)


@builtin("continuation-frames")
def continuation_frames(k):
    if not isinstance(k, control.Continuation):
        raise type_err(f"continuation-frames: expected a continuation, got {type_name(k)}")
    out = []
    for info, site, vals in k.frames:
        names = info.sites.get(site, ())
        nparams = len(info.params) + (1 if info.rest else 0)
        args = []
        caps = {}
        for i, (n, v) in enumerate(zip(names, vals, strict=False)):
            if type(v) is Box:
                v = v.v
            if i < nparams:
                args.append(v)
            elif not n.startswith("~"):
                caps[Symbol(n)] = v
        out.append(STRUCTS["continuation-frame"].cls(info.symbol, plist(args), pmap(caps)))
    return plist(out)


def _tail_continue(k, v=None):
    if isinstance(k, control.Continuation):
        return control.TailContinue(k, v)
    return k(v)


class NoSite(Exception):
    pass


# runtime helpers used by generated code
BUILTINS.update(
    {
        "#Unwind": control.Unwind,
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
        "#len": len,
        "#type": type,
        "#int": int,
        "#float": float,
        "#arith-check": arith_check,
    }
)

for _name, _st in STRUCTS.items():
    BUILTINS[_name] = _st.cls
    BUILTINS[_name + "?"] = _st.predicate
    HOST.update({_name, _name + "?"})
BUILTINS["#None"] = NONE

BUILTINS["error?"] = lambda x: isinstance(x, Struct)
HOST.add("error?")

__all__ = ["BUILTINS", "HOST", "FileHandle", "ExitRequest", "OptionNone"]

# serialize / deserialize / sign / verify and the Serializable classes (registers itself in BUILTINS)
from ..serialization import api as _serialization_api  # noqa: E402,F401
