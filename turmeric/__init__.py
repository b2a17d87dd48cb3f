"""Turmeric: a Lisp compiled to Python whose continuations serialize to bytes.

One package per stage or system, imports pointing one way (docs/design.md, "Layers"):
core (shared vocabulary) <- reader -> expander -> compiler -> runtime <- serialization,
composed by loader (sessions and modules), then interop, driven by cli.

From Python (docs/python.md): `turmeric.load(path_or_name)`, `turmeric.eval(source)`,
`turmeric.serialize(v)`, `turmeric.deserialize(b)`, `turmeric.to_py(v)`,
`turmeric.to_tm(v)`, `turmeric.TurmericError`. Importing this package is cheap: the
compiler and runtime are imported on first use.
"""

__version__ = "0.1.0"

_API = frozenset(
    {
        "Continuation",
        "Function",
        "Module",
        "TurmericError",
        "TurmericSyntaxError",
        "deserialize",
        "display",
        "eval",
        "load",
        "readable",
        "serialize",
        "to_py",
        "to_tm",
    }
)


def __getattr__(name):
    if name in _API:
        from .interop import embed

        return getattr(embed, name)
    raise AttributeError(f"module 'turmeric' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _API)
