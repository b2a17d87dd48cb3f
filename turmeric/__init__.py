"""Turmeric: a Lisp compiled to Python whose continuations serialize to bytes.

One package per stage or system, imports pointing one way (docs/design.md, "Layers"):
core (shared vocabulary) <- reader -> expander -> compiler -> runtime <- serialization,
composed by loader (sessions and modules), then interop, driven by cli.

From Python (docs/python.md): `turmeric.load(path_or_name)`, `turmeric.eval(source)`,
`turmeric.serialize(v)`, `turmeric.deserialize(b)`, `turmeric.to_py(v)`,
`turmeric.to_tm(v)`, `turmeric.TurmericError`, and for durable workflows
`turmeric.start_workflow`, `turmeric.await_workflow`, `turmeric.workflow_status`,
`turmeric.send`, `turmeric.use_database`. This package is a facade: importing it is
cheap, the compiler and runtime are imported on first use, and the workflow functions
below are the one place that joins interop (values, errors) and durable (the engine).
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
        _ready()
        from .interop import embed

        value = globals()[name] = getattr(embed, name)  # later lookups don't come here
        return value
    raise AttributeError(f"module 'turmeric' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _API)


def _ready():
    """What `turmeric run` installs before loading code: interop and, if present, durable's
    `defworkflow`, `step` and the workflow builtins."""
    from .interop import install

    install()
    try:
        from . import durable
    except ImportError:  # a checkout without the durable package
        return None
    durable.install()
    return durable


# --- durable workflows from Python ------------------------------------------------------------

_ENGINE: list = []  # the engine turmeric.use_database configured for this process


def _workflows():
    durable = _ready()
    if durable is None:
        raise RuntimeError("this Turmeric has no durable workflows (turmeric.durable is missing)")
    from .durable import lang

    if _ENGINE:
        durable.use_engine(_ENGINE[0])
    return lang


def use_database(url=None):
    """Use the workflow store at `url` (`turmeric.db` by default, `sqlite:///path.db`,
    `postgresql://...`) for the workflow functions, in every thread of this process."""
    _ready()
    from . import durable

    _ENGINE[:] = [durable.Engine(db=url)]
    return _ENGINE[0]


def start_workflow(workflow, *args, id=None):  # noqa: A002 - the option is named id in Turmeric too
    """`(start-workflow wf [args...] :id id)`: start a `defworkflow` (e.g. `m.process_order`)
    durably with `args`; returns the workflow id (an id that exists starts nothing)."""
    lang = _workflows()
    from .core.values import Keyword, pvector
    from .interop import embed

    f = embed.unwrap(workflow)
    opts = () if id is None else (Keyword("id"), id)
    return embed.call(lambda: lang.start_workflow(f, pvector([embed.unwrap(a) for a in args]), *opts), getattr(workflow, "session", None))


def await_workflow(id):  # noqa: A002
    """`(await-workflow id)`: the workflow's result, running workflows in this process until
    it has finished; its error is raised as `TurmericError`."""
    lang = _workflows()
    from .interop import embed

    return embed.call(lambda: lang.await_result(lang.await_workflow(id)))


def workflow_status(id):  # noqa: A002
    """`(workflow-status id)` as a string (`"pending"`, `"succeeded"`, ...), None for an unknown id."""
    lang = _workflows()
    from .interop import embed

    s = embed.call(lambda: lang.workflow_status(id))
    return None if s is None else s.name


def send(id, topic, value):  # noqa: A002
    """`(send id topic value)`: queue `value` for workflow `id` on `topic`."""
    lang = _workflows()
    from .interop import embed

    embed.call(lambda: lang.send(id, topic, embed.unwrap(value)))
