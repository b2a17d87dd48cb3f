"""Python side of benchmarks/interop.py: the same loops as interop.tm, written in Python.

Each loop has the shape of the code Turmeric generates for `(loop [i 0] (when (< i n)
(call) (recur (inc i))))` (`while True: if i < n: ... continue; return`), so the two
differ only in the call: Python's `while i < n:` form is itself measurably slower or
faster on CPython 3.11, which would hide what is measured. Each `*_plus_attr` makes the
same call through one more attribute load: the target's bound."""

import interop_target as pyt
from interop_target import f


def module_attr(n):
    i = 0
    while True:
        if i < n:
            pyt.f(i)
            i = i + 1
            continue
        return None


def module_attr_plus_attr(n):
    i = 0
    while True:
        if i < n:
            pyt.holder.f(i)
            i = i + 1
            continue
        return None


def imported_name(n):
    i = 0
    while True:
        if i < n:
            f(i)
            i = i + 1
            continue
        return None


def imported_name_plus_attr(n):
    i = 0
    while True:
        if i < n:
            pyt.f(i)
            i = i + 1
            continue
        return None


def keyword_arg(n):
    i = 0
    while True:
        if i < n:
            pyt.kw(i, scale=2)
            i = i + 1
            continue
        return None


def keyword_arg_plus_attr(n):
    i = 0
    while True:
        if i < n:
            pyt.holder.kw(i, scale=2)
            i = i + 1
            continue
        return None


def method(n):
    xs = pyt.Holder()
    i = 0
    while True:
        if i < n:
            xs.f(i)
            i = i + 1
            continue
        return None


def method_plus_attr(n):
    xs = pyt.Holder()
    i = 0
    while True:
        if i < n:
            xs.me.f(i)
            i = i + 1
            continue
        return None
