"""Turmeric: a Lisp compiled to Python whose continuations serialize to bytes.

Stages, each in its own package, data flowing one way:
reader -> expander -> compiler -> runtime (-> serialization), driven by cli.
"""

__version__ = "0.1.0"
