"""Core: the vocabulary every stage shares, importing nothing else of Turmeric's.

Owns the values (`values.py`: symbols, keywords, lists, structs, `Pos`, `Thrown`),
the built-in error structs and `InternalError` (`errors.py`), the code registry
(`registry.py`: `FnInfo`, symbol and code-object lookup) and the core nodes the
expander produces and the compiler consumes (`nodes.py`).
"""
