"""The core language the expander produces and the compiler consumes.

Every surface form (macros, `when`, `cond`, `match`, body-level `def`, ...) is
reduced to these nodes. Locals are resolved to `Var` objects, so the compiler never
looks at names to decide scope.
"""

from __future__ import annotations


class Var:
    """A local variable. `py` is its unique Python name inside the generated function."""

    __slots__ = ("name", "py", "owner", "mutated", "captured")

    def __init__(self, name, py, owner):
        self.name = name  # the Turmeric name
        self.py = py
        self.owner = owner  # the FnNode that binds it
        self.mutated = False
        self.captured = False

    @property
    def boxed(self):
        return self.mutated and self.captured

    def __repr__(self):
        return f"Var({self.py})"


class Node:
    __slots__ = ("pos",)


class Const(Node):
    __slots__ = ("value",)

    def __init__(self, value, pos=None):
        self.value = value
        self.pos = pos


class LRef(Node):
    __slots__ = ("var",)

    def __init__(self, var, pos=None):
        self.var = var
        self.pos = pos


class GRef(Node):
    """A global: `module` is None for the current module, else a module name (qualified)."""

    __slots__ = ("name", "module", "builtin")

    def __init__(self, name, module=None, pos=None, builtin=False):
        self.name = name
        self.module = module
        self.builtin = builtin  # resolved to a prelude primitive at compile time
        self.pos = pos


class SetL(Node):
    __slots__ = ("var", "expr")

    def __init__(self, var, expr, pos=None):
        self.var = var
        self.expr = expr
        self.pos = pos


class SetG(Node):
    __slots__ = ("name", "expr", "module")

    def __init__(self, name, expr, pos=None, module=None):
        self.name = name
        self.expr = expr
        self.module = module
        self.pos = pos


class If(Node):
    __slots__ = ("test", "then", "else_")

    def __init__(self, test, then, else_, pos=None):
        self.test = test
        self.then = then
        self.else_ = else_
        self.pos = pos


class Do(Node):
    __slots__ = ("body",)

    def __init__(self, body, pos=None):
        self.body = body
        self.pos = pos


class Let(Node):
    __slots__ = ("bindings", "body")

    def __init__(self, bindings, body, pos=None):
        self.bindings = bindings  # [(Var, Node)]
        self.body = body
        self.pos = pos


class Fn(Node):
    """A function. `symbol` is its stable name; `free` the outer Vars it reads."""

    __slots__ = (
        "name",
        "params",
        "rest",
        "body",
        "symbol",
        "free",
        "self_var",
        "form_text",
        "ptypes",
        "is_shift_body",
        "line",
        "instance_of",
    )

    def __init__(self, name, symbol, pos=None):
        self.name = name
        self.symbol = symbol
        self.params = []
        self.rest = None
        self.body = None
        self.free = []  # ordered list of Vars from enclosing functions
        self.self_var = None
        self.form_text = ""
        self.ptypes = []
        self.is_shift_body = False
        # an instance method: (index of the parameter it dispatches on, the instance's type name)
        self.instance_of = None
        self.pos = pos


class Call(Node):
    """A call. `kwargs` are Python keyword arguments `[(name, node)]`; `pyname` is set for a
    call the expander knows goes to Python (`json.dumps`, `(.upper s)`): the text naming the
    callee in errors and barriers, and a Python exception raised by the call becomes a
    `python-error` at the call's position."""

    __slots__ = ("fn", "args", "kwargs", "pyname")

    def __init__(self, fn, args, pos=None, kwargs=(), pyname=None):
        self.fn = fn
        self.args = args
        self.kwargs = list(kwargs)
        self.pyname = pyname
        self.pos = pos


class Prim(Node):
    """An inline primitive operation (arithmetic, comparison, ...) on evaluated args."""

    __slots__ = ("op", "args")

    def __init__(self, op, args, pos=None):
        self.op = op
        self.args = args
        self.pos = pos


class Loop(Node):
    __slots__ = ("vars", "inits", "body")

    def __init__(self, vars_, inits, body, pos=None):
        self.vars = vars_
        self.inits = inits
        self.body = body
        self.pos = pos


class Recur(Node):
    __slots__ = ("args", "target")

    def __init__(self, args, target, pos=None):
        self.args = args
        self.target = target  # the Loop node, or the Fn node for recur to a function head
        self.pos = pos


class Try(Node):
    """`try`. `exit_var` (from `with`) is a local holding a context manager: when the body is
    left (not suspended), its `__exit__` is called with the exception, which it may suppress."""

    __slots__ = ("body", "catch_var", "handler", "finally_", "exit_var")

    def __init__(self, body, catch_var, handler, finally_, pos=None, exit_var=None):
        self.body = body
        self.catch_var = catch_var
        self.handler = handler
        self.finally_ = finally_
        self.exit_var = exit_var
        self.pos = pos


class Throw(Node):
    __slots__ = ("expr",)

    def __init__(self, expr, pos=None):
        self.expr = expr
        self.pos = pos


class Shift(Node):
    """`(cloneable-shift [k] body...)`: `body_fn` is a one-parameter Fn taking k."""

    __slots__ = ("body_fn",)

    def __init__(self, body_fn, pos=None):
        self.body_fn = body_fn
        self.pos = pos


class Dot(Node):
    __slots__ = ("obj", "fields")

    def __init__(self, obj, fields, pos=None):
        self.obj = obj
        self.fields = fields
        self.pos = pos


class Attr(Node):
    """A Python attribute load `obj.name` (no struct or map lookup): `json.dumps`, methods."""

    __slots__ = ("obj", "name")

    def __init__(self, obj, name, pos=None):
        self.obj = obj
        self.name = name
        self.pos = pos


class VecLit(Node):
    __slots__ = ("items",)

    def __init__(self, items, pos=None):
        self.items = items
        self.pos = pos


class MapLit(Node):
    __slots__ = ("items",)

    def __init__(self, items, pos=None):
        self.items = items  # [k, v, k, v, ...]
        self.pos = pos


class DefG(Node):
    """Top-level `def`: define or redefine a global of the current module."""

    __slots__ = ("name", "expr")

    def __init__(self, name, expr, pos=None):
        self.name = name
        self.expr = expr
        self.pos = pos
