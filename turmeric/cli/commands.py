"""The commands behind `turmeric run | check | repl | resume | inspect | worker | workflows`."""

from __future__ import annotations

import os
import sys

from .. import loader as modules
from ..runtime import control
from ..runtime.printer import readable


def cmd_run(args):
    from .. import durable

    eng = durable.use_engine(durable.Engine(db=args.db))
    try:
        session = modules.current_session()
        session.argv[:] = list(args.args)
        m = session.load_file(args.file, main=True)
        main = m.ns.get("main")
        if main is not None and callable(main):
            control.reset(main)
        # finish (and recover) the workflows of this program that are still unfinished
        if eng.opened or (_defines_workflows() and _db_exists(args.db)):
            eng.drain(say=lambda msg: print(f"turmeric: {msg}", file=sys.stderr, flush=True))
    finally:
        eng.close()
    return 0


def _defines_workflows():
    from ..durable import workflow_info

    return any(workflow_info(v) is not None for n, mod in modules.MODULES.items() if n != "prelude" for v in list(mod.ns.values()))


def _db_exists(db):
    from ..store import DEFAULT_FILE

    return bool(db or os.environ.get("TURMERIC_DB") or os.path.exists(DEFAULT_FILE))


def cmd_worker(args):
    from .workflows import cmd_worker as run_worker

    return run_worker(args)


def cmd_workflows(args):
    from .workflows import cmd_workflows as run_workflows

    return run_workflows(args)


def cmd_check(args):
    session = modules.current_session()
    path = args.file
    with open(path, encoding="utf-8") as f:
        text = f.read()
    from ..reader import read_all

    forms = read_all(text, path)
    m = session.new_module(modules.module_name_of(forms, path), path, definitions_only=True, source=text)
    m.eval_source(text, path)
    # a global read somewhere but defined nowhere in the file is an error waiting to happen
    missing = {}
    for name, pos in m.unresolved:
        if not m.defined(name) and not m.is_builtin(name) and name not in missing:
            missing[name] = pos
    for name, pos in missing.items():
        where = f"{pos.file}:{pos.line}:{pos.col}" if pos else path
        print(f"{where}: error: {name} is not defined in this module (define it, or import the module that has it)", file=sys.stderr)
    if missing:
        return 1
    print(f"{path}: ok")
    return 0


def cmd_repl(args):
    from .repl import run_repl

    return run_repl()


def cmd_resume(args):
    from ..serialization import api

    modules.current_session()
    data = _read_blob(args.blob)
    value = None
    if args.value is not None:
        value = eval_expression(args.value)
    k = api.deserialize(data, base_dir=os.path.dirname(os.path.abspath(args.blob)))
    if not isinstance(k, control.Continuation) and not callable(k):
        from ..runtime.printer import type_name

        print(
            f"turmeric: {args.blob} holds a value of type {type_name(k)}, not a continuation: nothing to resume (turmeric inspect shows it)",
            file=sys.stderr,
        )
        return 1
    result = k(value)
    if result is not None:
        print(readable(result))
    return 0


def cmd_inspect(args):
    from ..serialization import inspect as sinspect

    data = _read_blob(args.blob)
    print(sinspect.describe(data, as_json=args.json))
    return 0


def _read_blob(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        print(f"turmeric: can't read {path}: {e.strerror}", file=sys.stderr)
        raise SystemExit(1) from None


def eval_expression(text):
    """Evaluate one Turmeric expression in a scratch module (for --value)."""
    m = modules.Module("cli-value", "<--value>", source=text, session=modules.current_session())
    return m.eval_source(text, "<--value>")
