"""The commands behind `turmeric run | check | repl | resume | inspect`."""

from __future__ import annotations

import os
import sys

from .. import loader as modules
from ..runtime import control
from ..runtime.printer import readable


def cmd_run(args):
    session = modules.current_session()
    session.argv[:] = list(args.args)
    m = session.load_file(args.file, main=True)
    main = m.ns.get("main")
    if main is not None and callable(main):
        control.reset(main)
    return 0


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


def resume_key(args):
    """The verification key for `turmeric resume`: --key-file FILE, else TURMERIC_KEY, else None.
    A key file's trailing newline is not part of the key."""
    if getattr(args, "key_file", None):
        try:
            with open(args.key_file, "rb") as f:
                key = f.read()
        except OSError as e:
            print(f"turmeric: can't read the key file {args.key_file}: {e.strerror}", file=sys.stderr)
            raise SystemExit(1) from None
        return key.rstrip(b"\r\n")
    env = os.environ.get("TURMERIC_KEY")
    if env:
        return env.encode("utf-8")
    return None


def cmd_resume(args):
    from ..serialization import api, trust

    modules.current_session()
    data = _read_blob(args.blob)
    key = resume_key(args)
    purpose = args.purpose or trust.DEFAULT_PURPOSE
    if key is not None:
        if not trust.is_sealed(data):
            print(
                f"turmeric: {args.blob} is not signed, and a key is configured (--key-file or TURMERIC_KEY), so it is refused; "
                f'sign blobs with (sign blob key "{purpose}")',
                file=sys.stderr,
            )
            return 1
        blob = trust.open_sealed(data, key, purpose)
    elif trust.is_sealed(data):
        print(f"turmeric: {args.blob} is signed: give the key with --key-file FILE or TURMERIC_KEY to check it", file=sys.stderr)
        return 1
    else:
        blob = data
    value = None
    if args.value is not None:
        value = eval_expression(args.value)
    k = api.deserialize(blob, base_dir=os.path.dirname(os.path.abspath(args.blob)))
    if not isinstance(k, control.Continuation):
        from ..runtime.printer import type_name

        print(
            f"turmeric: {args.blob} holds a value of type {type_name(k)}, not a continuation: turmeric resume runs only "
            "continuations (turmeric inspect shows what it holds)",
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
