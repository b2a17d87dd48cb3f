"""Command line: `turmeric run | check | repl | resume | inspect | worker | workflows`.

Owns argument parsing, the search path options, and how errors reach the user:
file:line:col and the Turmeric call stack, never a Python traceback unless
`--debug`.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

from . import report


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter given the terminal's width: argparse makes one for every
    argument it adds, and finding the width itself imports shutil (with zlib, bz2 and lzma),
    a few ms of every start."""

    def __init__(self, prog, **kw):
        kw.setdefault("width", _columns() - 2)
        super().__init__(prog, **kw)


def _columns():
    """The terminal's width as shutil.get_terminal_size finds it: $COLUMNS, else stdout's, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kw):
        kw.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kw)


def build_parser(argv=None):
    """The argument parser. Given argv naming a command, only that command's part is built:
    argparse spends longer building every subparser than a warm `run` spends running."""
    p = _Parser(prog="turmeric", description="Turmeric: a Lisp with serializable continuations.")
    p.add_argument("-I", dest="include", action="append", default=[], metavar="DIR", help="add DIR to the module search path")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    only = _command_of(argv)
    for name, add in COMMANDS.items():
        if only is None or name == only:
            sp = add(sub)
            if name != "repl":
                sp.add_argument(
                    "-I", dest="include_sub", action="append", default=[], metavar="DIR", help="add DIR to the module search path"
                )
                sp.add_argument("--debug", dest="debug_sub", action="store_true", help="show Python tracebacks")
    return p


def _command_of(argv):
    """The command argv names when it is one we know (after the global options), else None."""
    args = sys.argv[1:] if argv is None else list(argv)
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-I":
            i += 2
        elif a.startswith("-I") or a == "--debug":
            i += 1
        else:
            return a if a in COMMANDS else None
    return None


def _add_run(sub):
    r = sub.add_parser("run", help="run FILE as the main module, then its (main), then finish its workflows")
    r.add_argument("--db", default=None, metavar="URL", help="workflow database (default $TURMERIC_DB or ./turmeric.db)")
    r.add_argument(
        "--snapshot-on-error",
        action="store_true",
        help="an uncaught throw saves a snapshot to resume from (also TURMERIC_SNAPSHOT_ON_ERROR=1 or =DIR)",
    )
    r.add_argument(
        "--no-wait",
        action="store_true",
        help="don't finish the program's workflows after (main): leave them in the database for a worker",
    )
    r.add_argument("file")
    r.add_argument("args", nargs=argparse.REMAINDER)
    _snapshot_options(r)
    return r


def _add_check(sub):
    c = sub.add_parser("check", help="compile FILE and report errors without running it")
    c.add_argument("file")
    return c


def _add_repl(sub):
    return sub.add_parser("repl", help="interactive read-eval-print loop")


def _add_resume(sub):
    rs = sub.add_parser("resume", help="deserialize a continuation from BLOB and resume it")
    rs.add_argument("blob")
    rs.add_argument(
        "--value",
        default=None,
        metavar="EXPR",
        help="the value to resume with (a Turmeric expression); for an error snapshot, what the failing throw returns",
    )
    rs.add_argument("--snapshot-on-error", action="store_true", help="an uncaught throw while resuming saves a new snapshot")
    rs.add_argument(
        "--upgrade",
        action="store_true",
        help="frames of functions changed since the snapshot run the current (fixed) version at their resume point "
        "(default: their own version, from the code saved with the snapshot)",
    )
    rs.add_argument(
        "--purpose",
        default=None,
        metavar="LABEL",
        help='with a key: the purpose BLOB was signed for (default: "resume", or "snapshot" for a snapshot)',
    )
    _snapshot_options(rs)
    return rs


def _add_inspect(sub):
    i = sub.add_parser("inspect", help="describe a blob without running it")
    i.add_argument("blob")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    return i


def _add_ui(sub):
    u = sub.add_parser("ui", help="serve a browsable view of workflows, checkpoints and snapshots")
    u.add_argument(
        "files", nargs="*", metavar="FILES", help="snapshot files, folders of them, and the .tm programs their frames point into"
    )
    u.add_argument("--db", default=None, metavar="URL", help="the workflow store to show (sqlite:PATH or postgresql://...)")
    u.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    u.add_argument("--port", type=int, default=8700, help="port to listen on (default 8700)")
    u.add_argument("--key-file", default=None, metavar="FILE", help="check snapshot signatures with the key in FILE (also TURMERIC_KEY)")
    return u


def _add_worker(sub):
    w = sub.add_parser("worker", help="run the workflows of FILE from the database until stopped")
    w.add_argument("file")
    w.add_argument("--db", default=None, metavar="URL", help="workflow database (default $TURMERIC_DB or ./turmeric.db)")
    w.add_argument("--name", default=None, help="join a cluster as this node and run its tasks (docs/cluster.md)")
    w.add_argument(
        "--lease", type=float, default=None, help="cluster node: seconds without a heartbeat after which it counts as down (default 5)"
    )
    w.add_argument("--forbid", default="", help="cluster node: comma-separated globals that agents and stored code may not use")
    w.add_argument(
        "--trust", default=None, metavar="FILE", help="cluster node: run agents signed by the Ed25519 public keys (hex, one a line) in FILE"
    )
    w.add_argument("--quiet", action="store_true", help="cluster node: no progress lines")
    return w


def _add_workflows(sub):
    wf = sub.add_parser("workflows", help="list, show, cancel, resume, send to, fork, gc workflows")
    wf.add_argument("--db", default=None, metavar="URL", help="workflow database (default $TURMERIC_DB or ./turmeric.db)")
    ws = wf.add_subparsers(dest="wf_command", metavar="ACTION")
    x = ws.add_parser("list", help="the workflows, with status and steps")
    x.add_argument("--status", default=None, help="only this status")
    x.add_argument("--json", action="store_true", help="machine-readable output")
    x = ws.add_parser("show", help="status, result or error, steps, current frames and locals")
    x.add_argument("id")
    x.add_argument("--limit", type=int, default=200, help="show the last N checkpoints (default 200)")
    x.add_argument("--step", type=int, default=None, metavar="N", help="the frames and locals at checkpoint N (after step N)")
    x.add_argument("--json", action="store_true", help="with --step: machine-readable output")
    x = ws.add_parser("diff", help="which locals changed between checkpoints N and M of a workflow")
    x.add_argument("id")
    x.add_argument("a", type=int, metavar="N")
    x.add_argument("b", type=int, nargs="?", default=None, metavar="M", help="default N + 1")
    x.add_argument("--json", action="store_true", help="machine-readable output")
    x = ws.add_parser("cancel", help="cancel a workflow (its worker stops at the next checkpoint)")
    x.add_argument("id")
    x = ws.add_parser("resume", help="resume a cancelled, failed or blocked workflow from its last checkpoint")
    x.add_argument("id")
    x = ws.add_parser("send", help="send VALUE (a Turmeric expression) to workflow ID on TOPIC")
    x.add_argument("id")
    x.add_argument("topic")
    x.add_argument("value")
    x = ws.add_parser("fork", help="a new workflow continuing from checkpoint N of ID")
    x.add_argument("id")
    x.add_argument("--from-step", type=int, required=True, metavar="N")
    x.add_argument("--id", dest="new_id", default=None, help="the new workflow's id")
    x = ws.add_parser("gc", help="delete finished workflows older than a duration, and unused chunks")
    x.add_argument("--older-than", required=True, metavar="DURATION", help="like 30s, 15m, 12h, 7d")
    return wf


def _add_serve(sub):
    from .serve import add_parser

    return add_parser(sub)


def _snapshot_options(sp):
    sp.add_argument(
        "--snapshot-dir",
        default=None,
        metavar="DIR",
        help="where snapshots are written (default: TURMERIC_SNAPSHOT_DIR, else the current folder)",
    )
    sp.add_argument(
        "--key-file",
        default=None,
        metavar="FILE",
        help="the key in FILE (also TURMERIC_KEY): snapshots are signed with it; resume verifies BLOB with it "
        "before decoding and refuses unsigned blobs",
    )


COMMANDS = {
    "run": _add_run,
    "check": _add_check,
    "repl": _add_repl,
    "resume": _add_resume,
    "inspect": _add_inspect,
    "ui": _add_ui,
    "worker": _add_worker,
    "workflows": _add_workflows,
    "serve": _add_serve,
}


def main(argv=None):
    sys.setrecursionlimit(400_000)
    # no cyclic garbage collection while the command starts up: the modules, the parser and
    # the prelude are tens of thousands of objects that live as long as the process, and
    # collections over them cost a restart tens of milliseconds; on again (with them frozen
    # out of later collections) before any Turmeric code of the command runs
    gc.disable()
    try:
        return _main(argv)
    finally:
        gc.enable()  # (main may be called in a process that goes on)


def _main(argv):
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    debug = args.debug or getattr(args, "debug_sub", False)
    from .. import durable, loader
    from . import commands

    durable.install()  # step, defworkflow, ... are known to every command (check, repl too)
    handler = getattr(commands, "cmd_" + args.command)
    include = [os.path.abspath(d) for d in args.include + getattr(args, "include_sub", [])]
    if args.command == "worker":
        _stop_on_signals(durable.STOP)

    def run():
        if args.command != "inspect":  # programs may use import-python, ->py, ->tm
            from ..interop import install

            install()
            from ..cluster import builtins as cluster_builtins

            cluster_builtins.install()
        loader.current_session().search_path[:] = include  # (creating the session loads the prelude)
        gc.freeze()
        gc.enable()
        return handler(args)

    # servers keep the main thread (signals): serve runs Turmeric code on its own thread, ui runs none
    if args.command in ("serve", "ui"):
        return report.guarded(run, debug)
    return run_with_big_stack(lambda: report.guarded(run, debug))


def _stop_on_signals(stop):
    """SIGTERM / Ctrl-C: the worker finishes its current commit, hands its workflows over, exits."""
    import signal

    def handler(signum, frame):
        if stop.is_set():
            os._exit(130)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_with_big_stack(thunk):
    """Run on a thread with a large C stack, so deep Turmeric recursion meets our limit, not a segfault."""
    import threading

    result = [1]

    def target():
        result[0] = thunk()

    threading.stack_size(STACK_BYTES)
    t = threading.Thread(target=target, name="turmeric-main")
    t.start()
    t.join()
    sys.stdout.flush()
    return result[0]


STACK_BYTES = 1024 * 1024 * 1024  # reserved address space; pages are touched only as needed


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
