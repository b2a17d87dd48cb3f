"""`match`: patterns compiled to plain tests and bindings.

A clause becomes a test on "access paths" of the matched value (field i of a
struct, element i of a sequence, the value inside `Some`), and a `let` binding the
pattern's names to their paths. No clause matching throws `(match-error value)`.
"""

from __future__ import annotations

from ..core import nodes as C
from ..core.values import Keyword, PList, PVector, Symbol
from ..reader import MapLiteral


def analyze_match(ex, form, scope, tail, pos):
    from . import Scope, sym

    items = list(form.rest)
    if not items:
        ex.error("(match value pattern -> expr ...) needs a value", form)
    subject = ex.analyze(items[0], scope)
    rest = items[1:]
    clauses = []
    i = 0
    while i < len(rest):
        if i + 2 > len(rest) - 1 or not sym(rest[i + 1], "->"):
            ex.error("each match clause is: pattern -> expression", rest[i] if hasattr(rest[i], "pos") else form)
        clauses.append((rest[i], rest[i + 2]))
        i += 3
    tmp = ex.new_var("match", scope.fnscope)

    def builtin(name):
        return C.GRef(name, None, pos, builtin=True)

    def call(name, *args):
        return C.Call(builtin(name), list(args), pos)

    node = C.Throw(call("match-error", C.LRef(tmp, pos)), pos)
    for pat, body in reversed(clauses):
        tests, binds = [], []
        compile_pattern(ex, pat, C.LRef(tmp, pos), tests, binds, call, pos)
        inner = Scope(scope)
        bind_nodes = []
        seen = {}
        for name, path in binds:
            if name in seen:
                tests.append(C.Prim("=", [seen[name], path], pos))
                continue
            seen[name] = path
            v = ex.new_var(name, scope.fnscope)
            inner.vars[name] = v
            bind_nodes.append((v, path))
        body_node = ex.analyze_body([body], inner, tail, pos)
        then = C.Let(bind_nodes, body_node, pos) if bind_nodes else body_node
        test = C.Const(True, pos)
        for t in reversed(tests):
            test = t if test.__class__ is C.Const and test.value is True else C.If(t, test, C.Const(False, pos), pos)
        node = then if (type(test) is C.Const and test.value is True) else C.If(test, then, node, pos)
    return C.Let([(tmp, subject)], node, pos)


def compile_pattern(ex, pat, path, tests, binds, call, pos):
    from . import sym

    t = type(pat)
    if t is Symbol:
        name = pat.name
        if name == "_":
            return
        if name == "None":
            tests.append(call("#none?", path))
            return
        if name in ("nil", "true", "false"):
            tests.append(C.Prim("=", [path, C.Const({"nil": None, "true": True, "false": False}[name], pos)], pos))
            return
        binds.append((name, path))
        return
    if t is PList and pat.count:
        head = pat.first
        if sym(head, "quote"):
            tests.append(C.Prim("=", [path, C.Const(pat.rest.first, pos)], pos))
            return
        if sym(head, "None") and pat.count == 1:
            tests.append(call("#none?", path))
            return
        if sym(head, "Some"):
            if pat.count != 2:
                ex.error("(Some p) takes one pattern", pat)
            tests.append(call("#some?", path))
            compile_pattern(ex, pat.rest.first, call("#some-value", path), tests, binds, call, pos)
            return
        if sym(head):
            subs = list(pat.rest)
            tests.append(call("#struct-is?", path, C.Const(head.name, pos), C.Const(len(subs), pos)))
            for i, sp in enumerate(subs):
                compile_pattern(ex, sp, call("#field-at", path, C.Const(i, pos)), tests, binds, call, pos)
            return
        ex.error("a constructor pattern starts with a struct name", pat)
    if isinstance(pat, PVector):
        items = list(pat)
        rest_pat = None
        if len(items) >= 2 and sym(items[-2], "&"):
            rest_pat = items[-1]
            items = items[:-2]
        tests.append(call("#seq-shape?", path, C.Const(len(items), pos), C.Const(rest_pat is not None, pos)))
        for i, sp in enumerate(items):
            compile_pattern(ex, sp, C.Prim("nth", [path, C.Const(i, pos)], pos), tests, binds, call, pos)
        if rest_pat is not None:
            compile_pattern(ex, rest_pat, call("#drop", path, C.Const(len(items), pos)), tests, binds, call, pos)
        return
    if t is MapLiteral:
        ex.error("map patterns are not supported; match on a struct or use get", None)
    if t is PList:  # ()
        tests.append(call("#seq-shape?", path, C.Const(0, pos), C.Const(False, pos)))
        return
    if t is Keyword or t in (int, float, str, bool) or pat is None:
        tests.append(C.Prim("=", [path, C.Const(pat, pos)], pos))
        return
    ex.error(f"unsupported pattern {pat!r}", None)
