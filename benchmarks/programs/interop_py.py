"""Python side of benchmarks/interop.py: the same loops as interop.tm, written in Python.

Each `*_plus_attr` makes the same call through one more attribute load: the target's bound."""

import interop_target as pyt
from interop_target import f


def module_attr(n):
    i = 0
    while i < n:
        pyt.f(i)
        i = i + 1


def module_attr_plus_attr(n):
    i = 0
    while i < n:
        pyt.holder.f(i)
        i = i + 1


def imported_name(n):
    i = 0
    while i < n:
        f(i)
        i = i + 1


def imported_name_plus_attr(n):
    i = 0
    while i < n:
        pyt.f(i)
        i = i + 1


def keyword_arg(n):
    i = 0
    while i < n:
        pyt.kw(i, scale=2)
        i = i + 1


def keyword_arg_plus_attr(n):
    i = 0
    while i < n:
        pyt.holder.kw(i, scale=2)
        i = i + 1


def method(n):
    xs = pyt.Holder()
    i = 0
    while i < n:
        xs.f(i)
        i = i + 1


def method_plus_attr(n):
    xs = pyt.Holder()
    i = 0
    while i < n:
        xs.me.f(i)
        i = i + 1
