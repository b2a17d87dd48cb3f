"""Helpers for building Python `ast` nodes, and the names of the resume variant's parameters.

Input: names, values and Turmeric positions. Output: `ast` nodes (`at` stamps a node
with a Turmeric file position, so Python's positions are Turmeric positions).
"""

from __future__ import annotations

import ast

RS, VALS, FRAMES, J, V = "#rs", "#vals", "#frames", "#j", "#v"


def name(n, ctx=None):
    return ast.Name(n, ctx or ast.Load())


def store(n):
    return ast.Name(n, ast.Store())


def const(v):
    return ast.Constant(v)


def call(f, *args):
    return ast.Call(f if isinstance(f, ast.expr) else name(f), list(args), [])


def assign(target, value):
    return ast.Assign([store(target)], value)


def at(node, pos):
    if pos is not None and node is not None:
        node.lineno = pos.line
        node.col_offset = max(pos.col - 1, 0)
        node.end_lineno = pos.line
        node.end_col_offset = max(pos.col, 1)
    return node


def rs_is_zero():
    return ast.UnaryOp(ast.Not(), name(RS))


def rs_in(sites):
    sites = sorted(sites)
    if len(sites) == 1:
        return ast.Compare(name(RS), [ast.Eq()], [const(sites[0])])
    return ast.Compare(name(RS), [ast.In()], [ast.Constant(frozenset(sites))])
