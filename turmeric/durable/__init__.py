"""Durable workflows: ordinary Turmeric code whose continuation is committed to the
store after every step, and resumed from its last checkpoint after a crash.

Owns the language surface (`lang.py`: `defworkflow`, `step`, `sleep-for`, `recv`,
`set-event`, `get-event`, `send`, `start-workflow`, `await-workflow`,
`workflow-status`, `workflow-id`), the engine that runs, commits and recovers
workflows (`engine.py`), the checkpoint records with deltas and content-addressed
chunks (`checkpoint.py`), the sealing of every blob another process reads
(`seal.py`) and what an operator does to stored workflows (`admin.py`: read a
checkpoint, cancel, resume, fork; the CLI and `turmeric ui` both call it). Uses the
loader (to find workflow code, and its code store: every checkpoint keeps the code
it names, so a deploy never strands a workflow) and the store (for the tables); the
CLI's `run`, `worker` and `workflows` commands drive it. The guide
and the guarantees are in docs/workflows.md.
"""

from __future__ import annotations

from .lang import LazyEngine, current_engine, install, use_engine
from .ops import STOP

__all__ = ["Engine", "LazyEngine", "STOP", "install", "use_engine", "current_engine", "workflow_info"]


def __getattr__(name):
    # the engine (and the store under it) is imported when first asked for: installing the
    # workflow builtins, which every command does, needs neither
    if name in ("Engine", "workflow_info"):
        from . import engine

        return getattr(engine, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
