"""The interactive REPL: line editing and history (prompt_toolkit), multi-line input
(a form continues until its brackets balance), values printed in readable form."""

from __future__ import annotations

import os
import sys

from .. import loader as modules
from ..reader import TurmericSyntaxError, read_all
from ..runtime.printer import readable
from . import report


def balanced(text):
    """True when every bracket and string opened in `text` is closed (a reader error still counts)."""
    depth, in_str, esc, comment = 0, False, False, False
    for ch in text:
        if comment:
            comment = ch != "\n"
            continue
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
            continue
        if ch == ";":
            comment = True
        elif ch == '"':
            in_str = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
    return depth <= 0 and not in_str


def make_session():
    session = modules.current_session()
    m = session.new_module("user", "<repl>")
    if session.main is None:
        session.main = m
    return m


def eval_text(m, text, out=sys.stdout, err=sys.stderr):
    """Evaluate every form in `text`, printing each non-nil value. Errors are reported, not raised."""

    def run():
        forms = read_all(text, "<repl>")
        m.lines = text.split("\n")
        for form in forms:
            value = m.eval_toplevel(form)
            if value is not None:
                print(readable(value), file=out)
        return 0

    return report.guarded(run)


def run_repl():
    m = make_session()
    interactive = sys.stdin.isatty()
    if interactive:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory

        hist = os.path.join(os.path.expanduser("~"), ".turmeric_history")
        session = PromptSession(history=FileHistory(hist))
        print("Turmeric REPL. Ctrl-D to exit.")
        while True:
            buf = ""
            try:
                line = session.prompt("tm> ")
                buf = line
                while not balanced(buf):
                    buf += "\n" + session.prompt("...  ")
            except EOFError:
                return 0
            except KeyboardInterrupt:
                continue
            if buf.strip():
                try:
                    eval_text(m, buf)
                except TurmericSyntaxError as e:
                    print(e.render(), file=sys.stderr)
    # piped input: read forms as they complete
    buf = ""
    for line in sys.stdin:
        buf += line
        if balanced(buf) and buf.strip():
            eval_text(m, buf)
            buf = ""
    if buf.strip():
        eval_text(m, buf)
    return 0
