"""Turmeric: a Lisp compiled to Python whose continuations serialize to bytes.

One package per stage or system, imports pointing one way (docs/design.md, "Layers"):
core (shared vocabulary) <- reader -> expander -> compiler -> runtime <- serialization,
composed by loader (sessions and modules), driven by cli.
"""

__version__ = "0.1.0"
