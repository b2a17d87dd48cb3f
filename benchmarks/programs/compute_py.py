"""Compute benchmarks, plain Python peer: the natural idiomatic Python for each task."""

from __future__ import annotations

import functools
import operator
from dataclasses import dataclass

# --- recursion ---------------------------------------------------------------------


def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


# --- numeric loops -------------------------------------------------------------------


def sum_squares(n):
    acc = 0
    for i in range(n):
        acc += i * i
    return acc


def count_to(n):
    acc = 0
    for i in range(n):
        acc += i
    return acc


def countdown(n):
    acc = 0
    i = n
    while i > 0:
        if i % 5 >= 3:
            acc += i
        i -= 1
    return acc


def window_count(n):
    c = 0
    for i in range(n + 1):
        r = i % 7
        if r <= 2 and r != 0:
            c += 1
    return c


def collatz_steps(n):
    total = 0
    for k in range(1, n + 1):
        x = k
        steps = 0
        while x != 1:
            x = x // 2 if x % 2 == 0 else 3 * x + 1
            steps += 1
        total += steps
    return total


# --- higher-order pipelines --------------------------------------------------------------


def pipeline(n):
    return functools.reduce(operator.add, filter(lambda x: x % 2 == 0, map(lambda x: x * x, range(n))), 0)


def pipeline_lambdas(n):
    return functools.reduce(lambda acc, x: acc + x, filter(lambda x: x % 3 == 0, map(lambda x: x * 2 + 1, range(n))), 0)


def for_each_sum(n):
    total = 0
    for x in range(n):
        if x % 4 == 0:
            total += x
    return total


# --- strings and maps ---------------------------------------------------------------------


def build_string(n):
    return len(",".join([f"item-{i}:{i * i}" for i in range(n)]))


def word_count(text):
    counts = {}
    for w in text.split(" "):
        counts[w] = counts.get(w, 0) + 1
    return 1000000 * len(counts) + counts["w7"]


# --- structs, match, classes ------------------------------------------------------------------


@dataclass(slots=True)
class Particle:
    x: int
    y: int
    vx: int
    vy: int


def simulate(n):
    p = Particle(0, 0, 3, 7)
    for _ in range(n):
        p.x += p.vx
        p.y += p.vy
        if p.x < 0 or p.x > 1000:
            p.vx = -p.vx
        if p.y < 0 or p.y > 1000:
            p.vy = -p.vy
    return 10000 * p.x + p.y


@dataclass(slots=True)
class Leaf:
    pass


@dataclass(slots=True)
class Node:
    left: object
    value: int
    right: object


def make_tree(depth, start):
    if depth == 0:
        return Leaf()
    return Node(make_tree(depth - 1, 2 * start), start, make_tree(depth - 1, 2 * start + 1))


def tree_sum(t):
    match t:
        case Leaf():
            return 0
        case Node(l, v, r):
            return tree_sum(l) + v + tree_sum(r)


def tree_bench(depth):
    return tree_sum(make_tree(depth, 1))


class Square:
    __slots__ = ("side",)

    def __init__(self, side):
        self.side = side

    def area(self):
        return self.side * self.side


class Rect:
    __slots__ = ("w", "h")

    def __init__(self, w, h):
        self.w, self.h = w, h

    def area(self):
        return self.w * self.h


class Tri:
    __slots__ = ("b", "h")

    def __init__(self, b, h):
        self.b, self.h = b, h

    def area(self):
        return self.b * self.h // 2


def make_shape(i):
    k = i % 3
    if k == 0:
        return Square(i)
    if k == 1:
        return Rect(i, 2)
    return Tri(i, 3)


def total_area(n):
    shapes = [make_shape(i) for i in range(n)]
    return sum(s.area() for s in shapes)


# --- sorting, lists ------------------------------------------------------------------------------


def sort_bench(n):
    xs = [i * 7919 % 100003 for i in range(n)]

    def cmp(a, b):
        ka, kb = a % 1000, b % 1000
        if ka > kb:
            return -1
        if ka < kb:
            return 1
        return a - b

    s = sorted(xs, key=functools.cmp_to_key(cmp))
    return 1000 * s[0] + s[1]


def vector_bench(n):
    v = []
    for i in range(n):
        v.append(i)
    for i in range(n):
        v[i] = 2 * v[i]
    return sum(v)


# --- a JSON-like printer -------------------------------------------------------------------


def json(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return '"' + v + '"'
    if isinstance(v, dict):
        return "{" + ",".join(json(k) + ":" + json(x) for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(json(x) for x in v) + "]"
    return str(v)


def make_doc(n):
    return [{"id": i, "name": f"user{i}", "active": i % 2 == 0, "tags": ["a", "b"], "score": i * 3} for i in range(n)]


JSON_DOC = make_doc(200)


def json_bench(n):
    total = 0
    for _ in range(n):
        total += len(json(JSON_DOC))
    return total
