"""Runtime: what generated code runs on, importing only core.

Owns capture and resume (`control.py`), the helpers generated code calls (`abi.py`),
the builtins table (`builtins.py`) and the host library by topic (`lib/`, assembled
by `library.py`), the Turmeric half of the library (`prelude.tm`, loaded by the
loader), type classes, the printer, and the mapping of Python failures to Turmeric
error values (`errors.py`).
"""
