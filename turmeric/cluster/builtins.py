"""The cluster's builtins, installed without importing the node (`node.py`).

Every command but `inspect` installs them before loading code, so that `migrate-to`,
`spawn-on`, `current-node`... are known to every program. Importing `node.py` brings the
store, the checkpoints and the binary format, milliseconds of every start that a program
without a cluster never uses: each builtin here is a function that imports the node at its
first call and then calls the node's own (or its wrapper of the workflow builtin it
replaces, made then from the workflow builtin installed before it).
"""

from __future__ import annotations

_INSTALLED = []

# Turmeric name -> (the node's function, or the node's wrapper of the workflow builtin of that name)
_OPS = {
    "migrate-to": ("migrate_to", None),
    "task-checkpoint": ("task_checkpoint", None),
    "receive-bytes": ("receive_bytes", None),
    "#await-workflow": ("_task_await", "#await-workflow"),
}
_HOST = {
    "current-node": ("current_node", None),
    "spawn-on": ("spawn_on", None),
    "spawn-agent": ("spawn_agent", None),
    "await-task": ("await_task", None),
    "send-to-node": ("send_to_node", None),
    "cluster-nodes": ("cluster_nodes", None),
    "workflow-id": ("_task_workflow_id", "workflow-id"),
    "#await-result": ("_await_result", "#await-result"),
}


def _on_first_call(tm_name, attr, wrapped):
    """A builtin that imports the node when first called and from then on calls `node.<attr>`
    (or `node.<attr>(wrapped)` when it wraps the workflow builtin `wrapped`)."""
    target = []

    def builtin(*args, **kw):
        if not target:
            from . import node

            f = getattr(node, attr)
            target.append(f(wrapped) if wrapped is not None else f)
        return target[0](*args, **kw)

    builtin.__name__ = builtin.__qualname__ = tm_name
    return builtin


def install():
    """Add the cluster builtins (idempotent)."""
    if _INSTALLED:
        return
    _INSTALLED.append(True)
    from .. import durable
    from ..runtime import control
    from ..runtime.library import BUILTINS, HOST

    durable.install()  # await-workflow, workflow-status, workflow-id: a task is a workflow
    for name, (attr, wraps) in _OPS.items():
        f = _on_first_call(name, attr, BUILTINS[wraps] if wraps else None)
        BUILTINS[name] = f  # not host builtins: a call to one is a capture site
        control.TRANSPARENT.add(f)
    for name, (attr, wraps) in _HOST.items():
        f = _on_first_call(name, attr, BUILTINS[wraps] if wraps else None)
        BUILTINS[name] = f
        BUILTINS["#b:" + name] = f  # what compiled calls to host builtins refer to
        HOST.add(name)
