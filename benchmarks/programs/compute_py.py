"""Compute benchmarks, plain Python peer: the natural idiomatic Python for each task."""

import functools
import operator


# (a) naive doubly recursive Fibonacci
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)


# (b) sum of squares 0..n-1
def sum_squares(n):
    acc = 0
    for i in range(n):
        acc += i * i
    return acc


# (c) map/filter/reduce pipeline: the sum of the even squares of 0..n-1
def pipeline(n):
    return functools.reduce(operator.add, filter(lambda x: x % 2 == 0, map(lambda x: x * x, range(n))), 0)
