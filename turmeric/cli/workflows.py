"""`turmeric worker` and `turmeric workflows list | show | cancel | resume | send | fork | gc`.

Tables go through rich. Nothing here runs workflow code: `show` describes
checkpoints and values with the serialization inspector (inert), after checking
their seals.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time

from .. import durable
from .. import loader as modules
from ..durable import admin
from ..durable import checkpoint as ck
from ..durable.seal import Tampered, seal, unseal
from ..serialization import inspect as sinspect
from ..store import TERMINAL

_DUR = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
KINDS = admin.KINDS


def parse_duration(text):
    m = _DUR.match(text or "")
    if not m:
        raise SystemExit(_fail(f"--older-than: expected a duration like 30s, 15m, 12h, 7d; got {text!r}"))
    return float(m.group(1)) * _UNIT[m.group(2)]


def _fail(msg):
    print(f"turmeric: {msg}", file=sys.stderr)
    return 1


def _console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, width=160 if not sys.stdout.isatty() else None)


def _when(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else ""


# --- worker ---------------------------------------------------------------------------------------


def cmd_worker(args):
    durable.install()
    eng = durable.use_engine(durable.Engine(db=args.db))
    session = modules.current_session()
    session.argv[:] = []
    session.load_file(args.file, main=True, definitions_only=True)

    def log(msg):
        print(f"{time.strftime('%H:%M:%S')} {msg}", file=sys.stderr, flush=True)

    eng.log = log
    st = eng.store
    log(f"worker {eng.worker} on {st.describe()}: running workflows of {', '.join(sorted(eng.modules()))}")
    try:
        eng.serve()
    finally:
        eng.close()
        log("worker stopped; its workflows are handed over")
    return 0


# --- workflows --------------------------------------------------------------------------------------


def _store(args):
    try:
        return admin.open_db(args.db)
    except admin.AdminError as e:
        raise SystemExit(_fail(e.message)) from None


def cmd_workflows(args):
    sub = args.wf_command
    if sub is None:
        return _fail(
            "workflows: say what to do: list, show ID [--step N], diff ID N M, cancel ID, resume ID, send ID TOPIC VALUE, fork ID --from-step N, gc --older-than D"
        )
    st, key = _store(args)
    try:
        return globals()["wf_" + sub](args, st, key)
    finally:
        st.close()


def _counts(st):
    rows = st.run(lambda tx: tx.all("SELECT workflow, MAX(n) FROM tm_steps GROUP BY workflow"), write=False)
    return dict(rows)


def wf_list(args, st, key):
    if args.status and args.status not in ("pending", "running", "sleeping", "waiting", "succeeded", "failed", "cancelled", "blocked"):
        return _fail(f"--status: unknown status {args.status!r} (pending running sleeping waiting succeeded failed cancelled blocked)")
    rows = st.list_workflows(status=args.status)
    counts = _counts(st)
    if args.json:
        out = [
            {
                "id": r["id"],
                "name": r["name"],
                "status": r["status"],
                "steps": counts.get(r["id"], 0),
                "created": r["created"],
                "updated": r["updated"],
                "owner": r["owner"],
                "parent": r["parent"],
                "error": r["error"],
            }
            for r in rows
        ]
        print(json.dumps(out, indent=2))
        return 0
    from rich.table import Table

    t = Table(title=f"workflows in {st.describe()}" + (f" ({args.status})" if args.status else ""))
    for col in ("id", "workflow", "status", "steps", "created", "updated", "owner"):
        t.add_column(col, overflow="fold")
    for r in rows:
        t.add_row(r["id"], r["name"], r["status"], str(counts.get(r["id"], 0)), _when(r["created"]), _when(r["updated"]), r["owner"] or "")
    _console().print(t)
    return 0


def _open(key, context, blob):
    return unseal(key, context, blob)


def _value_text(key, context, blob):
    try:
        data = _open(key, context, blob)
    except Tampered:
        return "(signature mismatch: altered row)"
    try:
        return sinspect.summary(data).get("value", "?")
    except Exception as e:  # noqa: BLE001 - shown, not run
        return f"(unreadable: {e})"


def _thunk_text(key, context, blob):
    """What a cluster task runs: the function its input holds (inspected, not run)."""
    try:
        data = _open(key, context, blob)
    except Tampered:
        return "(signature mismatch: altered row)"
    try:
        c = sinspect.summary(data).get("closure") or {}
    except Exception as e:  # noqa: BLE001 - shown, not run
        return f"(unreadable: {e})"
    where = f" ({os.path.basename(c['file'])}:{c['line']})" if c.get("file") and c.get("line") else ""
    return f"{c.get('symbol', '?')}{where}"


def _main_of(st, key, wf_id, n, data):
    return admin.checkpoint_main(st, key, wf_id, n, data)


def wf_show(args, st, key):
    row = st.get_workflow(args.id)
    if row is None:
        return _fail(f"no workflow has the id {args.id!r} in {st.describe()} (turmeric workflows list shows them)")
    if args.step is not None:
        return _show_step(args, st, key, row)
    from rich.table import Table

    con = _console()
    con.print(f"[bold]workflow[/bold] {row['id']}  {row['name']}  ([bold]{row['status']}[/bold])")
    if row["parent"]:
        con.print(f"parent / forked from: {row['parent']}")
    if row["module"].startswith("node:"):
        con.print(f"cluster task, runs on node {row['module'][5:]} (spawn-on; docs/cluster.md)")
    if row["input"] and row["module"].startswith("node:"):
        con.print(f"thunk: {_thunk_text(key, 'input:' + row['id'], row['input'])}")
    elif row["input"]:
        con.print(f"arguments: {_value_text(key, 'input:' + row['id'], row['input'])}")
    if row["status"] == "succeeded" and row["output"]:
        con.print(f"result: {_value_text(key, 'output:' + row['id'], row['output'])}")
    if row["error"]:
        con.print(f"{'reason' if row['status'] == 'blocked' else 'error'}: {row['error']}")
    if row["status"] == "sleeping" and row["wake_at"]:
        con.print(f"sleeping until {_when(row['wake_at'])}")
    if row["status"] == "waiting":
        what = {
            "msg": f"a message on {row['wait_a']!r}",
            "child": f"workflow {row['wait_a']}",
            "event": f"event {row['wait_b']!r} of {row['wait_a']}",
            "node-bytes": "bytes sent to its node (send-to-node)",
        }
        con.print(
            f"waiting for {what.get(row['wait_kind'], row['wait_kind'])}" + (f" until {_when(row['wake_at'])}" if row["wake_at"] else "")
        )
    con.print(
        f"created {_when(row['created'])}, updated {_when(row['updated'])}, recoveries {row['recoveries']}"
        + (f", owner {row['owner']}" if row["owner"] else "")
    )
    steps = st.steps(row["id"])
    t = Table(title=f"{len(steps)} checkpoints")
    for col in ("n", "what", "line", "at", "ms", "value"):
        t.add_column(col, overflow="fold")
    last = None
    for n, kind, line, at, us, data in steps[-args.limit :]:
        try:
            main, refs, _ = _main_of(st, key, row["id"], n, data)
            _, vb = ck.split_main(main)
            v = sinspect.summary(vb).get("value", "?")
            if any(slot == 0 for slot, _, _ in refs):
                v = "(large value, stored as a chunk)"
            last = (n, main, refs)
        except Tampered:
            v = "(signature mismatch: altered row)"
        except Exception as e:  # noqa: BLE001
            v = f"(unreadable: {e})"
        t.add_row(str(n), KINDS.get(kind, kind), str(line or ""), _when(at / 1000), f"{us / 1000:.2f}" if us is not None else "", str(v))
    con.print(t)
    if last is not None and row["status"] not in TERMINAL:
        n, main, refs = last
        kb, _ = ck.split_main(main)
        con.print(f"[bold]current checkpoint[/bold] (after step {n}): frames and locals, innermost first")
        text = sinspect.describe(kb)
        if refs:
            text += "\n" + "\n".join(f"  (frame {s - 1} value {i}: a large value stored as chunk {h.hex()})" for s, i, h in refs if s)
        print(text)
        _show_code(con, st, row, kb)
    return 0


def _current_fingerprints(module):
    """{symbol: fingerprint} of the program's current code (its file loaded in definitions mode,
    which runs no workflow), or a string saying why it is unknown."""
    session = modules.current_session()
    m = session.modules.get(module)
    if m is None:
        path = session.find_module_file(module, os.getcwd())
        if path is None:
            return f"{module}.tm not found here or on the search path (-I DIR)"
        try:
            session.load_file(path, definitions_only=True, expected_name=module)
        except BaseException as e:  # noqa: BLE001 - reported, the view goes on
            from ..runtime.printer import display

            why = display(e.value) if hasattr(e, "value") else f"{type(e).__name__}: {e}"
            return f"loading {path} failed: {why}"
    out = {}
    for (sym, fp), info in session.state.versions.items():
        cur = session.state.lookup(sym)
        if cur is info:
            out[sym] = fp
    return out


def code_versions(st, row, kb):
    """[(frame, symbol, short fingerprint, what)] for the frames of checkpoint blob `kb`: which
    code version each frame runs (docs/versioning.md). Runs nothing."""
    summary = sinspect.summary(kb)
    frames = summary.get("frames") or []
    # the current code of each module the frames belong to (a cluster task's row names its
    # node, `node:NAME`, not a module: the blob's module table says which files to look at)
    names = [m["name"] for m in summary.get("modules") or [] if m.get("version") != "runtime"]
    if not names and not row["module"].startswith("node:"):
        names = [row["module"]]
    currents = {name: _current_fingerprints(name) for name in names}
    out = []
    for f in frames:
        sym, fp = f["symbol"], f["fingerprint"]
        if sym.startswith("turmeric.") or sym.startswith("prelude."):
            out.append((f["index"], sym, fp[:8], "", "runtime (part of Turmeric)"))
            continue
        owner = max((n for n in currents if sym.startswith(n + ".")), key=len, default=None)
        current = currents[owner] if owner is not None else f"the module of {sym} is not named in the checkpoint"
        point, info = _resume_point(st, sym, fp, f["resume_point"])
        rec = st.code_find(sym, fp)
        kept = f"stored in the code store (record {rec[0].hex()[:8]})" if rec is not None else "NOT in the code store"
        if isinstance(current, str):
            what = f"current code unknown ({current}); this version is {kept}"
        elif current.get(sym) == fp:
            what = "current code"
        else:
            now = current.get(sym)
            what = (f"old version (current is {now[:8]})" if now else "old version (no longer defined)") + f", {kept}"
            mig = _migration_for(info, f["resume_point"])
            if mig is not None:
                what += f": upgraded by defmigration {mig.name} ({mig.where()}) to resume point {mig.to_site} of the current code"
            elif rec is None:
                what += ": the workflow blocks unless that version is deployed again or a migration upgrades it"
            else:
                what += ": resumes on its own code"
        out.append((f["index"], sym, fp[:8], point, what))
    return out


def _resume_point(st, sym, fp, site):
    """`N (call ...)`: the resume point a frame stands at, described from that version's own code
    (the current file, or the stored record compiled in definitions mode: nothing runs)."""
    from ..loader import codestore, migrations

    session = modules.current_session()
    try:
        info = session.state.versions.get((sym, fp))
        if info is None:
            codestore.attach(session, st)
            info = session.load_version(sym, fp)
        if info is None:
            return str(site), None
        return migrations.describe_point(site, migrations.resume_points(session, info).get(site)), info
    except Exception:  # noqa: BLE001 - the number alone, if the code can't be described
        return str(site), None


def _migration_for(info, site):
    """The defmigration of the loaded program that upgrades a frame of `info` at `site`, or None."""
    from ..loader import migrations

    if info is None:
        return None
    session = modules.current_session()
    for mig in session.migrations.get(info.symbol, []):
        if mig.matches(info.fingerprint) and mig.to_info is session.state.lookup(info.symbol):
            try:
                if migrations.find_point(session, info, mig.at) == site:
                    return mig
            except ValueError:
                continue
    return None


def _show_code(con, st, row, kb):
    from rich.table import Table

    t = Table(title="code version of each frame (innermost first)")
    for col in ("frame", "function", "version", "resume point", "runs"):
        t.add_column(col, overflow="fold")
    for i, sym, fp, point, what in code_versions(st, row, kb):
        t.add_row(str(i), sym, fp, point, what)
    con.print(t)


def _checkpoint_frames(st, key, wf_id, n, full=False):
    """(checkpoint as debug.workflows.checkpoint gives it, with source places) or raises
    AdminError with what to say."""
    from ..debug import workflows as W

    try:
        cp = W.checkpoint(st, key, wf_id, n, full=full)
    except Tampered:
        raise admin.AdminError(
            f"checkpoint {n} of workflow {wf_id} does not match its seal (the row was altered, or TURMERIC_SECRET is another "
            "deployment's): not shown"
        ) from None
    except ck.BadRecord as e:
        raise admin.AdminError(f"checkpoint {n} of workflow {wf_id} is malformed ({e}): not shown") from None
    session = modules.current_session()
    if os.getcwd() not in session.search_path:
        session.search_path.append(os.getcwd())
    cp["problems"] = W.load_programs(session, cp["modules"])
    with session.activate():
        W.with_places(cp["frames"], W.lookup_in(session.state))
    return cp


def _step_row(st, wf_id, n):
    got = st.get_step(wf_id, n)
    if got is None or n < 1:
        raise admin.step_out_of_range(st, wf_id, n)
    return got


def _show_step(args, st, key, row):
    wf_id, n = row["id"], args.step
    try:
        _step_row(st, wf_id, n)
        cp = _checkpoint_frames(st, key, wf_id, n)
    except admin.AdminError as e:
        return _fail(e.message)
    steps = {r[0]: r for r in st.steps(wf_id)}
    _, kind, line, at, us, _ = steps[n]
    count = max(steps)
    if args.json:
        out = {
            "id": wf_id,
            "workflow": row["name"],
            "status": row["status"],
            "step": n,
            "steps": count,
            "kind": KINDS.get(kind, kind),
            "line": line,
            "at_ms": at,
            "value": cp["value"],
            "frames": cp["frames"],
        }
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"workflow {wf_id}  {row['name']}  ({row['status']}): checkpoint {n} of {count}")
    print(f"  after {KINDS.get(kind, kind)}" + (f" at line {line}" if line else "") + f", {_when(at / 1000)}")
    print(f"  resumes with: {cp['value']}")
    print(f"frames and locals, innermost first ({len(cp['frames'])} frames):")
    print("\n".join(sinspect.frame_lines(cp["frames"])))
    if not any(f.get("source") for f in cp["frames"]):
        print(f"(no source lines: put the workflow's program ({', '.join(_programs(cp))}) in the current folder or give -I DIR)")
    for p in cp["problems"]:
        print(f"turmeric: {p}", file=sys.stderr)
    return 0


def _programs(cp):
    return [f"{m}.tm" for m in cp["modules"] if m not in ("prelude", "turmeric")] or ["its .tm file"]


def wf_diff(args, st, key):
    from ..debug import frames as F

    row = st.get_workflow(args.id)
    if row is None:
        return _fail(f"no workflow has the id {args.id!r} in {st.describe()} (turmeric workflows list shows them)")
    a, b = args.a, args.b if args.b is not None else args.a + 1
    try:
        _step_row(st, row["id"], a)
        _step_row(st, row["id"], b)
        fa = _checkpoint_frames(st, key, row["id"], a, full=True)  # compared unfolded
        fb = _checkpoint_frames(st, key, row["id"], b, full=True)
    except admin.AdminError as e:
        return _fail(e.message)
    d = F.diff(fa["frames"], fb["frames"])
    if args.json:
        print(json.dumps({"id": row["id"], "a": a, "b": b, "frames": d}, indent=2, ensure_ascii=False, default=list))
        return 0
    print(f"workflow {row['id']}  {row['name']}: what changed from checkpoint {a} to checkpoint {b} (frames outermost first)")
    print(f"  checkpoint {a} resumes with: {fa['value']}")
    print(f"  checkpoint {b} resumes with: {fb['value']}")
    print("\n".join(F.diff_text(d, f"checkpoint {a}", f"checkpoint {b}")))
    return 0


def wf_cancel(args, st, key):
    return _admin(lambda: print(admin.cancel(st, args.id)))


def wf_resume(args, st, key):
    return _admin(lambda: print(admin.resume(st, args.id)))


def wf_send(args, st, key):
    from .commands import eval_expression

    if st.get_workflow(args.id) is None:
        return _fail(f"no workflow has the id {args.id!r}")
    modules.current_session()  # the prelude, for the expression
    from ..serialization import format as fmt

    value = eval_expression(args.value)
    st.send(args.id, args.topic, seal(key, f"msg:{args.id}:{args.topic}", fmt.encode(value)))
    print(f"sent to {args.id} on {args.topic!r}")
    return 0


def wf_fork(args, st, key):
    def go():
        new_id, msg = admin.fork(st, key, args.id, args.from_step, args.new_id)
        print(new_id)
        print(msg, file=sys.stderr)

    return _admin(go)


def _admin(fn):
    try:
        fn()
    except admin.AdminError as e:
        return _fail(e.message)
    return 0


def wf_gc(args, st, key):
    secs = parse_duration(args.older_than)
    n, c = st.gc(secs)
    v = st.code_gc()
    print(f"deleted {n} finished workflows, {c} unreferenced chunks and {v} code versions no checkpoint refers to")
    return 0
