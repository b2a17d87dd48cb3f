"""The commands behind `turmeric run | check | repl | resume | inspect | worker | workflows`."""

from __future__ import annotations

import os
import sys

from .. import loader as modules
from ..core.values import Thrown
from ..runtime import control
from ..runtime.printer import readable


def cmd_serve(args):
    from .serve import cmd_serve as serve  # the web stack only for `serve`

    return serve(args)


def cmd_run(args):
    from .. import durable

    config = snapshot_config(args)
    session = modules.current_session()
    session.argv[:] = list(args.args)
    # made when the program first needs it: a program without workflows imports no engine
    lazy = durable.use_engine(durable.LazyEngine(lambda: durable.Engine(db=args.db)))

    def run():
        m = session.load_file(args.file, main=True)
        main = m.ns.get("main")
        if main is not None and callable(main):
            control.reset(main)
        # finish (and recover) the workflows of this program that are still unfinished
        if getattr(args, "no_wait", False):
            return 0  # the workflows it started are left to a worker (turmeric worker FILE)
        opened = lazy.engine is not None and lazy.engine.opened
        if opened or (_db_exists(args.db) and _defines_workflows()):  # the stat first: it is cheap
            lazy.get().drain(say=lambda msg: print(f"turmeric: {msg}", file=sys.stderr, flush=True))
        return 0

    try:
        return with_error_snapshots(run, config)
    finally:
        if lazy.engine is not None:
            lazy.engine.close()


def snapshot_config(args):
    """The snapshot settings of this command (flags, then environment), activated here."""
    from ..serialization import snapshot

    config = snapshot.config_from_env(
        dir=getattr(args, "snapshot_dir", None), key=read_key(args), on_error=getattr(args, "snapshot_on_error", False)
    )
    snapshot.activate(config)
    return config


def read_key(args):
    """The signing key: --key-file FILE (its bytes, without a trailing newline), else TURMERIC_KEY."""
    path = getattr(args, "key_file", None)
    if path:
        try:
            with open(path, "rb") as f:
                key = f.read().rstrip(b"\r\n")
        except OSError as e:
            print(f"turmeric: can't read the key file {path}: {e.strerror} (give a readable file to --key-file)", file=sys.stderr)
            raise SystemExit(1) from None
        if not key:
            print(f"turmeric: the key file {path} is empty (put the key in it)", file=sys.stderr)
            raise SystemExit(1)
        return _long_enough(key, f"the key in {path}")
    env = os.environ.get("TURMERIC_KEY")
    return _long_enough(env.encode("utf-8"), "TURMERIC_KEY") if env else None


def _long_enough(key, what):
    from ..serialization.trust import MIN_KEY_BYTES

    if len(key) < MIN_KEY_BYTES:
        print(
            f"turmeric: {what} is {len(key)} bytes; a key must be at least {MIN_KEY_BYTES} bytes (use a long random secret)",
            file=sys.stderr,
        )
        raise SystemExit(1)
    return key


def with_error_snapshots(thunk, config):
    """Run thunk; if snapshots on error are on, an uncaught error gets a snapshot (or the
    reason there is none) attached for the report (`e.snapshot_note`)."""
    from ..serialization import snapshot

    try:
        return thunk()
    except Exception as e:
        if config.on_error:
            path, why = snapshot.error_snapshot(e, config)
            if path is not None:
                e.snapshot_note = [
                    f"snapshot: {path}",
                    f"  look at it: turmeric inspect {path}",
                    f"  resume as if the throw returned a value: turmeric resume {path} --value EXPR",
                ]
            else:
                e.snapshot_note = [f"no snapshot: {why}"]
        raise


def _defines_workflows():
    from ..durable import workflow_info

    return any(workflow_info(v) is not None for n, mod in modules.MODULES.items() if n != "prelude" for v in list(mod.ns.values()))


def _db_exists(db):
    from ..store import DEFAULT_FILE

    return bool(db or os.environ.get("TURMERIC_DB") or os.path.exists(DEFAULT_FILE))


def cmd_worker(args):
    if getattr(args, "name", None):  # a cluster node (turmeric/cluster)
        return cmd_cluster_worker(args)
    from .workflows import cmd_worker as run_worker

    return run_worker(args)


def cmd_workflows(args):
    from .workflows import cmd_workflows as run_workflows

    return run_workflows(args)


def cmd_check(args):
    from ..web import vocab

    vocab.install()  # a web app's defpage, send/suspend, form-value... (turmeric serve's vocabulary)
    session = modules.current_session()
    path = args.file
    # definitions mode: compiled whole, only definitions run (through the compile cache too)
    m = session.load_file(path, definitions_only=True)
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
    from ..serialization import api, snapshot

    config = snapshot_config(args)
    session = modules.current_session()
    # the program is looked for next to the blob, on the search path, then here (snapshots
    # written into a folder of their own are resumed from the program's folder)
    if os.getcwd() not in session.search_path:
        session.search_path.append(os.getcwd())
    value_forms = parse_value(args.value) if args.value is not None else None
    data = _read_blob(args.blob)
    try:
        data = snapshot.open_bytes(data, config.key, args.blob, purposes=resume_purposes(args))
    except snapshot.SnapshotError as e:
        print(f"turmeric: {e.message}; nothing was run", file=sys.stderr)
        return 1
    try:
        k = api.deserialize(data, base_dir=os.path.dirname(os.path.abspath(args.blob)))
    except Thrown as e:
        msg = _decode_failure(args.blob, data, e.value)
        if msg is None:
            raise
        print(msg, file=sys.stderr)
        return 1
    if snapshot.is_snapshot(k):
        gone = snapshot.missing_modules(k.get(snapshot.K["k"]), session)
        if gone:
            print(
                f"turmeric: {args.blob}: the program's module {', '.join(gone)} was not found (looked next to the snapshot, on the "
                "search path and in the current folder): the code a snapshot carries covers its frames only; put "
                f"{', '.join(m.replace('.', '/') + '.tm' for m in gone)} there or add its folder with -I DIR; nothing was run",
                file=sys.stderr,
            )
            return 1
        snapshot.restore_globals(k)
    value = None
    if value_forms is not None:
        value = eval_expression(args.value, session.main, value_forms[0])
    if snapshot.is_snapshot(k):
        snap = k
        k = snap.get(snapshot.K["k"])
        if getattr(args, "upgrade", False):
            try:
                k, moved = snapshot.upgrade(k, snap, args.blob)
            except snapshot.SnapshotError as e:
                print(f"turmeric: {e.message}", file=sys.stderr)
                return 1
            if moved:
                print(f"turmeric: resuming {', '.join(moved)} on the current code (--upgrade)", file=sys.stderr)
        else:
            own = snapshot.changed_functions(k)
            if own:
                print(
                    f"turmeric: {', '.join(own)} changed since the snapshot was taken: resuming on the snapshot's own version "
                    "(the code it carries); --upgrade resumes on the current one",
                    file=sys.stderr,
                )
        return with_error_snapshots(lambda: (k(value), 0)[1], config)
    if not isinstance(k, control.Continuation):
        from ..runtime.printer import type_name

        print(
            f"turmeric: {args.blob} holds a value of type {type_name(k)}, not a continuation: turmeric resume runs only "
            "continuations (turmeric inspect shows what it holds); nothing was run",
            file=sys.stderr,
        )
        return 1
    result = k(value)
    if result is not None:
        print(readable(result))
    return 0


def cmd_ui(args):
    try:
        from ..debug import ui
    except ImportError as e:  # pragma: no cover - the optional extra is missing
        print(f"turmeric ui needs Starlette, uvicorn and Jinja2 (pip install -e '.[ui]'): {e}", file=sys.stderr)
        return 1
    catalog = ui.Catalog(args.files, db=args.db, key=read_key(args))
    for p in catalog.problems:
        print(f"turmeric ui: {p}", file=sys.stderr)
    return ui.serve(catalog, args.host, args.port, ready=lambda url: print(f"turmeric ui: serving {url}", file=sys.stderr, flush=True))


def resume_purposes(args):
    """The purposes a signed BLOB may have been signed for: --purpose, else "resume" (sign a
    continuation for the command line with `(sign b key "resume")`) or "snapshot" (what
    snapshots are signed for). A blob signed for anything else (a web session, "blob") is
    not resumed from the command line."""
    from ..serialization import snapshot

    if getattr(args, "purpose", None):
        return (args.purpose,)
    return (RESUME_PURPOSE, snapshot.PURPOSE)


RESUME_PURPOSE = "resume"


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


def parse_value(text):
    """The forms of a --value expression (a syntax error is reported before anything runs)."""
    from ..reader import TurmericSyntaxError, read_all

    try:
        forms = read_all(text, "<--value>")
    except TurmericSyntaxError as e:
        print(f"turmeric: --value {text!r} is not a Turmeric expression; nothing was run\n{e.render()}", file=sys.stderr)
        raise SystemExit(1) from None
    if len(forms) != 1:
        print(f"turmeric: --value must be one expression, got {len(forms)}; nothing was run", file=sys.stderr)
        raise SystemExit(1)
    return forms


def _decode_failure(path, data, err):
    """A message for a blob that can't be resumed in this program, or None for other errors."""
    from ..runtime.printer import type_name as tname

    kind = tname(err)
    if kind not in ("schema-mismatch", "corrupt-data"):  # missing-function: the report says where it looked
        return None
    from ..cli.report import message_of

    what = message_of(err)
    if kind == "corrupt-data":
        return f"turmeric: {path} is not an intact Turmeric blob (corrupt-data: {what}): it may be truncated or changed; nothing was run"
    where = _frame_place(data, what)
    return (
        f"turmeric: {path} can't be resumed (schema-mismatch): the code of {what}{where} changed since it was written; nothing was run\n"
        "  hint: resume it with the program version that wrote it (turmeric inspect shows the frames and the version), or fix the data instead of the code"
    )


def _frame_place(data, symbol):
    from ..serialization import inspect as sinspect

    try:
        s = sinspect.summary(data)
    except Exception:
        return ""
    for f in s.get("frames", []):
        if f["symbol"] == symbol:
            return f" ({f['file']}:{f['line']}, frame {f['index']})" if f["file"] else f" (frame {f['index']})"
    return ""


def eval_expression(text, module=None, form=None):
    """Evaluate one Turmeric expression (for --value): in the blob's program when it was
    loaded (so the value may use its structs and functions), else in a scratch module."""
    if module is not None and form is not None:
        saved = module.definitions_only  # a resumed blob's program is loaded in definitions mode
        module.definitions_only = False
        try:
            return module.eval_toplevel(form)
        finally:
            module.definitions_only = saved
    m = modules.Module("cli-value", "<--value>", source=text, session=modules.current_session())
    return m.eval_source(text, "<--value>")


def cmd_cluster_worker(args):
    """`turmeric worker --name NODE --db URL FILE`: a cluster node (turmeric/cluster/node.py)."""
    from ..cluster.node import Node

    session = modules.current_session()
    session.load_file(args.file, main=True, definitions_only=True)
    session.forbidden_globals = frozenset(n.strip() for n in args.forbid.split(",") if n.strip())
    say = None if args.quiet else (lambda m: print(m, file=sys.stderr, flush=True))
    node = Node(args.name, db=args.db, session=session, lease=args.lease, log=say)
    if args.trust:
        from ..cluster.agents import load_trusted

        node.trusted = load_trusted(args.trust)
    node.join()
    from ..durable import STOP  # set by the CLI's SIGTERM / Ctrl-C handler

    try:
        node.serve(until=STOP.is_set)
    finally:
        node.leave()
    return 0
