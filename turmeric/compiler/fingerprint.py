"""Fingerprints: the hash that identifies one version of a function's code.

Input: the generated normal `ast.FunctionDef` and its `Fn` node. Output: a 16-hex-digit
BLAKE2b digest of the canonical form text, a normalised dump of the generated code
and the parameter types. Only the code counts: not positions, not the path the file was
named by, not gensym or counter numbering, not hash order, not the Python version
(docs/design.md lists the inputs).
"""

from __future__ import annotations

import ast

from ..core.digest import blake2b
from ..expander import is_gensym_name, stable_text

# part of every fingerprint: bump it when code generation changes how sites are numbered
COMPILER_VERSION = "turmeric-compiler-4"


def fingerprint(text):
    return blake2b(text.encode(), digest_size=8).hexdigest()


class _Normalise(ast.NodeVisitor):
    """Writes a compact text of generated code that depends on the code alone.

    Left out: positions (node attributes, and the "file:line:col" argument of `#throw`,
    which names the file the way this process was given it), fields that are None or
    empty (so a Python release that adds an AST field doesn't change the text), and the
    numbering of generated names: locals (`x~12`) and gensyms (`G__40`) are numbered by
    first use. A constant (`#K3`) is written by its value (`expander.stable_text`), so a
    macro that expands to a different quoted value counts and the constant's index doesn't.
    """

    def __init__(self, consts=()):
        self.names = {}
        self.out = []
        self.consts = consts

    def visit_Call(self, node):
        f = node.func
        if type(f) is ast.Name and f.id == "#throw":
            self.out.append("Call#throw")
            self.visit(node.args[0])  # the thrown value; not the position argument
            return
        self.generic_visit(node)

    def generic_visit(self, node):
        self.out.append(type(node).__name__)
        for field, value in ast.iter_fields(node):
            if value is None or (type(value) is list and not value):
                continue
            if isinstance(value, list):
                self.out.append(field + "[")
                for v in value:
                    if isinstance(v, ast.AST):
                        self.visit(v)
                    else:
                        self.out.append(repr(v))
                self.out.append("]")
            elif isinstance(value, ast.AST):
                self.visit(value)
            elif field in ("id", "arg", "name") and isinstance(value, str):
                self.out.append(self.name_text(value))
            elif type(value) is frozenset:
                self.out.append("frozenset" + repr(sorted(value)))
            else:
                self.out.append(repr(value))

    def name_text(self, n):
        if n.startswith("#K") and n[2:].isdigit():
            i = int(n[2:])
            return "K(" + (stable_text(self.consts[i]) if i < len(self.consts) else "?") + ")"
        if "~" in n or is_gensym_name(n):
            return self.names.setdefault(n, f"v{len(self.names)}")
        return n


def code_fingerprint(fdef, fn, consts=()):
    """Hash of the function's normalised source, its generated code (so a changed macro
    expansion counts) and its parameter types. Comments, whitespace, positions, the path
    the file was named by, gensym numbering and the Python version don't count."""
    norm = _Normalise(consts)
    norm.visit(fdef)
    text = COMPILER_VERSION + "|" + fn.form_text + "|" + " ".join(norm.out) + "|" + " ".join(t or "" for t in fn.ptypes)
    return blake2b(text.encode(), digest_size=8).hexdigest()
