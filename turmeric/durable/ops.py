"""What the workflow builtins need at start: the marker of a defworkflow body, the stop
signal, the operation a durable builtin captures with, and the line it was called from.

Kept apart from `engine.py` so that installing the builtins (every command does) imports
neither the engine nor the store: a program without workflows never loads them.
"""

from __future__ import annotations

import sys
import threading

from ..core.errors import make_error
from ..core.registry import CODES
from ..core.values import Thrown

MARKER = "#workflow-marker"
STOP = threading.Event()  # set by the CLI's signal handler: finish the current commit, hand over, exit


class DurableOp:
    """The body of a durable operation's capture; the engine's prompt handles it."""

    __slots__ = ("kind", "value", "line", "t0", "args")

    def __init__(self, kind, value=None, line=None, t0=None, args=None):
        self.kind = kind
        self.value = value
        self.line = line
        self.t0 = t0
        self.args = args

    def __call__(self, k):
        # reached a prompt other than the workflow's: a cloneable-reset between the
        # operation and the workflow body would cut the checkpoint short
        raise Thrown(
            make_error(
                "error",
                f"{OP_NAMES.get(self.kind, self.kind)}: a cloneable-reset inside the workflow stands between this call and the "
                "workflow, so its checkpoint would not cover the whole workflow; call it outside that reset",
            )
        )


OP_NAMES = {
    "s": "step",
    "z": "sleep-for",
    "r": "recv",
    "e": "set-event",
    "m": "send",
    "c": "start-workflow",
    "a": "await-workflow",
    "g": "get-event",
}


def current_frame_line():
    """The Turmeric line of the generated code that called the current builtin."""
    f = sys._getframe(2)
    while f is not None and f.f_code not in CODES:
        f = f.f_back
    return f.f_lineno if f is not None else None
