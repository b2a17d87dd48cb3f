"""Strings and printing, keywords and symbols."""

from __future__ import annotations

import itertools
import sys

from ...core.values import (
    ArraySeq,
    Keyword,
    Struct,
    Symbol,
    array_seq,
    pvector,
    type_name,
)
from ..builtins import builtin, type_err
from ..printer import display, readable


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
    if isinstance(s, Struct):  # a tuple underneath, but not a sequence
        raise type_err(f"subs: expected a string, got {type_name(s)}")
    return s[start:end]


@builtin("string/split")
def str_split(s, sep):
    return pvector(s.split(sep))


@builtin("string/join")
def str_join(sep, coll=None):
    if coll is None:
        sep, coll = "", sep
    if type(coll) is ArraySeq and coll.off == 0 and type(coll.items) is tuple:
        try:  # all strings (a string displays as itself): joined in C
            return sep.join(coll.items)
        except TypeError:
            pass
    return sep.join(display(x) for x in coll)


@builtin("%join-acc")
def join_acc(sep, acc):
    """`(string/join sep (map ...))` compiled with the map inline (compiler/fastpath.py):
    the library's string/join of the accumulated list, without sealing it first."""
    if type(sep) is str:
        try:  # all strings: joined in C
            return sep.join(acc)
        except TypeError:
            pass
    return str_join(sep, array_seq(tuple(acc)))


@builtin("%join-strs")
def join_strs(sep, acc):
    """`%join-acc` where the compiler knows the separator and every element are strings
    (compiler/fastpath.py compiles it as `sep.join(acc)` itself)."""
    return sep.join(acc)


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


def gensym_state():
    """The next number `gensym` will use (the compile cache records it: macros call gensym)."""
    global _gensyms
    n = next(_gensyms)
    _gensyms = itertools.count(n)
    return n


def advance_gensym(n):
    """Make the next number `gensym` uses at least n."""
    global _gensyms
    _gensyms = itertools.count(max(next(_gensyms), n))


@builtin("gensym")
def tgensym(prefix="G"):
    return Symbol(f"{display(prefix)}__{next(_gensyms)}")
