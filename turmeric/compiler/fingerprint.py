"""Fingerprints: the hash that identifies one version of a function's code.

Input: the generated normal `ast.FunctionDef` and its `Fn` node. Output: a 16-hex-digit
BLAKE2b digest of the canonical form text, a normalised dump of the generated code
(positions and generated-name numbering left out) and the parameter types.
"""

from __future__ import annotations

import ast
import hashlib

# part of every fingerprint: bump it when code generation changes how sites are numbered
COMPILER_VERSION = "turmeric-compiler-2"


def fingerprint(text):
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class _Normalise(ast.NodeVisitor):
    """Writes a compact text of generated code with local names numbered by first use,
    so the fingerprint ignores positions, comments and gensym/counter numbering."""

    def __init__(self):
        self.names = {}
        self.out = []

    def generic_visit(self, node):
        self.out.append(type(node).__name__)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                self.out.append("[")
                for v in value:
                    if isinstance(v, ast.AST):
                        self.visit(v)
                    else:
                        self.out.append(repr(v))
                self.out.append("]")
            elif isinstance(value, ast.AST):
                self.visit(value)
            elif field in ("id", "arg", "name") and isinstance(value, str) and ("~" in value or value.startswith("#K")):
                self.out.append(self.names.setdefault(value, f"v{len(self.names)}"))
            else:
                self.out.append(repr(value))


def code_fingerprint(fdef, fn):
    """Hash of the function's normalised source, its generated code (so a changed macro
    expansion counts) and its parameter types. Comments, whitespace and positions don't count."""
    norm = _Normalise()
    norm.visit(fdef)
    text = COMPILER_VERSION + "|" + fn.form_text + "|" + " ".join(norm.out) + "|" + " ".join(t or "" for t in fn.ptypes)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()
