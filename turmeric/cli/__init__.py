"""Command line: `turmeric run | check | repl | resume | inspect`.

Owns argument parsing, the search path options, and how errors reach the user:
file:line:col and the Turmeric call stack, never a Python traceback unless
`--debug`.
"""

from __future__ import annotations

import argparse
import os
import sys

from . import report


def build_parser():
    p = argparse.ArgumentParser(prog="turmeric", description="Turmeric: a Lisp with serializable continuations.")
    p.add_argument("-I", dest="include", action="append", default=[], metavar="DIR", help="add DIR to the module search path")
    p.add_argument("--debug", action="store_true", help="show Python tracebacks for internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser("run", help="run FILE as the main module, then its (main)")
    r.add_argument(
        "--snapshot-on-error",
        action="store_true",
        help="an uncaught throw saves a snapshot to resume from (also TURMERIC_SNAPSHOT_ON_ERROR=1 or =DIR)",
    )
    r.add_argument("file")
    r.add_argument("args", nargs=argparse.REMAINDER)
    c = sub.add_parser("check", help="compile FILE and report errors without running it")
    c.add_argument("file")
    sub.add_parser("repl", help="interactive read-eval-print loop")
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
        "--purpose",
        default=None,
        metavar="LABEL",
        help='with a key: the purpose BLOB was signed for (default: "resume", or "snapshot" for a snapshot)',
    )
    i = sub.add_parser("inspect", help="describe a blob without running it")
    i.add_argument("blob")
    i.add_argument("--json", action="store_true", help="machine-readable output")
    for sp in (r, rs):
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
    from .serve import add_parser as add_serve_parser

    sv = add_serve_parser(sub)
    for sp in (r, c, rs, i, sv):
        sp.add_argument("-I", dest="include_sub", action="append", default=[], metavar="DIR", help="add DIR to the module search path")
        sp.add_argument("--debug", dest="debug_sub", action="store_true", help="show Python tracebacks")
    return p


def main(argv=None):
    sys.setrecursionlimit(400_000)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    debug = args.debug or getattr(args, "debug_sub", False)
    from .. import loader
    from . import commands

    handler = getattr(commands, "cmd_" + args.command)
    include = [os.path.abspath(d) for d in args.include + getattr(args, "include_sub", [])]

    def run():
        if args.command != "inspect":  # programs may use import-python, ->py, ->tm
            from ..interop import install

            install()
        loader.current_session().search_path[:] = include  # (creating the session loads the prelude)
        return handler(args)

    if args.command == "serve":  # the server keeps the main thread (signals); Turmeric code runs on its own thread
        return report.guarded(run, debug)
    return run_with_big_stack(lambda: report.guarded(run, debug))


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
