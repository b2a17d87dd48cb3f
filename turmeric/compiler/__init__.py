"""Compiler: core nodes -> Python `ast`, with resume points for capture.

Owns code generation. Expressions are put in A-normal form only where a call
may capture: each such call is a *site*, a statement wrapped in a try whose
handler records `(FnInfo, site, live values)` when a capture unwinds through it.
Every function gets two Python functions: the normal one, which runs at plain
Python speed, and a resume variant that restores the saved values and jumps to a
site by guarding the statements before it. Generated nodes carry the Turmeric
file, line and column, so Python's own positions are Turmeric positions.

One pass per file, composed by `unit.py` (`ModuleCompiler.compile_unit`):
`numeric.py` (which `+ - *` operands are known numbers), `analysis.py` (which
subtrees hold a capture site), `lower.py` (core nodes -> statement IR, `ir.py`),
`emit_normal.py` and `emit_resume.py` (IR -> the two Python functions), and
`fingerprint.py` (the hash naming this version of the code). `pyast.py` has the
`ast` building helpers.
"""

from __future__ import annotations

from .fingerprint import COMPILER_VERSION, code_fingerprint, fingerprint
from .unit import ModuleCompiler, display_name

__all__ = ["COMPILER_VERSION", "ModuleCompiler", "code_fingerprint", "display_name", "fingerprint"]
