"""Workflow checkpoints as snapshots: frames and locals at a step, diffs between steps.

Every checkpoint of a durable workflow holds a continuation, so it reads like a
snapshot: `checkpoint(st, key, id, n)` unseals the row (durable.admin), splits the
continuation from the value it resumes with, and describes both with the same
inert reader as `turmeric inspect` (`serialization.inspect.summary`); values stored
as chunks are fetched (checked against their hash) and described the same way.
Frames get source lines from the workflow's program when it is loaded in the
session (same fingerprint only: `frames.fill_places`). Nothing here runs workflow
code. `turmeric workflows show ID --step N`, `turmeric workflows diff ID N M` and the
workflow pages of `turmeric ui` are built on these functions; the UI's buttons call
durable.admin, the functions behind `turmeric workflows cancel | resume | fork`.
"""

from __future__ import annotations

import time

from .. import durable
from ..durable import admin
from ..durable import checkpoint as ck
from ..durable.seal import Tampered, unseal
from ..serialization import format as fmt
from ..serialization import inspect as sinspect
from ..store import TERMINAL, StoreError
from . import frames as F

ACTIONS = ("resume", "cancel", "fork")


def _when(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else ""


def actions(status, nsteps):
    """The buttons that apply to a workflow in `status` with `nsteps` checkpoints."""
    out = []
    if status in admin.RESUMABLE:
        out.append("resume")
    if status in admin.CANCELLABLE:
        out.append("cancel")
    if nsteps:
        out.append("fork")
    return out


def _inert(blob, full):
    """{"value", "full"} texts of the value in `blob`, read inertly (nothing resolved or run)."""
    try:
        _, v = fmt.parse(blob, sinspect.InertHooks())
    except Exception as e:  # noqa: BLE001 - shown, never run
        text = f"(unreadable: {getattr(e, 'value', e)})"
        return {"value": text, "full": text}
    short = sinspect.show(v)
    return {"value": short, "full": sinspect.show(v, sinspect.FULL_CHARS, sinspect.FULL_ITEMS) if full else short}


def value_text(key, context, blob):
    """The readable text of a sealed value row (a workflow's input or output)."""
    if blob is None:
        return None
    try:
        data = unseal(key, context, blob)
    except Tampered:
        return "(signature mismatch: altered row)"
    return _inert(data, False)["value"]


def checkpoint(st, key, wf_id, n, data=None, full=True):
    """Checkpoint `n` of `wf_id` as the inspector describes it:
    {"frames": [... innermost first, as inspect.summary gives them ...], "value", "value_full"
    (what the workflow resumes with), "base" (the checkpoint a delta is relative to), "chunks"
    (how many values were stored as chunks)}. Raises AdminError (no such checkpoint),
    Tampered (the row does not match its seal) or checkpoint.BadRecord."""
    main, refs, base_n = admin.checkpoint_main(st, key, wf_id, n, data)
    kb, vb = ck.split_main(main)
    s = sinspect.summary(kb, full=full)
    frames = s.get("frames", [])
    value = _inert(vb, full)
    if refs:
        try:
            chunks = st.chunks_get([h for _, _, h in refs])
        except StoreError as e:
            chunks, problem = {}, str(e)
        else:
            problem = None
        for slot, i, h in refs:
            blob = chunks.get(h)
            if blob is not None:
                got = _inert(blob, full)
            else:
                gone = f"(chunk {h.hex()} is missing: {problem or 'not in the store'})"
                got = {"value": gone, "full": gone}
            if slot == 0:
                value = got
                continue
            if slot - 1 >= len(frames):
                continue
            f = frames[slot - 1]
            names = f.get("slots", [])
            name = names[i] if i < len(names) else None
            for item in f["args"] + f["locals"]:
                if item["name"] == name:
                    item["value"] = got["value"]
                    if full:
                        item["full"] = got["full"]
    return {
        "frames": frames,
        "value": value["value"],
        "value_full": value["full"],
        "base": base_n,
        "chunks": len(refs),
        "modules": [m["name"] for m in s.get("modules", [])],
    }


def load_programs(session, module_names, dirs=()):
    """Load, in definitions mode, the modules named that `session` lacks and that are found
    in `dirs` or its search path (so that frames get their source lines). Returns the
    problems met, as text."""
    durable.install()  # defworkflow and step are known when the program is read
    problems = []
    for name in module_names:
        if name in ("prelude", "turmeric", "cli-value", "user") or name in session.modules:
            continue
        path = None
        for d in dirs:
            path = session.find_module_file(name, d)
            if path:
                break
        path = path or session.find_module_file(name)
        if path is None:
            continue
        try:
            session.load_file(path, definitions_only=True, expected_name=name)
        except Exception as e:  # noqa: BLE001 - shown; frames are shown without source lines
            problems.append(f"{path}: can't be loaded for its source lines ({getattr(e, 'message', e)})")
    return problems


def lookup_in(state):
    """`lookup(symbol, fingerprint)` for frames.fill_places: the loaded FnInfo if it is the
    version the checkpoint names."""

    def lookup(symbol, fingerprint):
        info = state.lookup(symbol)
        if info is None or (fingerprint and info.fingerprint != fingerprint):
            return None
        return info

    return lookup


def with_places(frames, lookup):
    """Frames with the file:line:col and source line of their resume points where the loaded
    code knows them."""
    return F.fill_places(frames, lookup)


# --- what the UI shows ----------------------------------------------------------------------------


def _outcome(key, w):
    if w["status"] == "succeeded" and w["output"] is not None:
        return value_text(key, "output:" + w["id"], w["output"])
    return w["error"] or ""


def listing(db):
    """The workflows of the store at `db`, oldest first, as rows for the index page."""
    st, key = admin.open_db(db)
    try:
        counts = dict(st.run(lambda tx: tx.all("SELECT workflow, MAX(n) FROM tm_steps GROUP BY workflow"), write=False))
        out = []
        for w in st.list_workflows():
            out.append(
                {
                    "id": w["id"],
                    "name": w["name"],
                    "status": w["status"],
                    "steps": counts.get(w["id"], 0),
                    "created": _when(w["created"]),
                    "updated": _when(w["updated"]),
                    "outcome": _outcome(key, w) or "",
                }
            )
        return out
    finally:
        st.close()


def _step_rows(st, key, wf_id):
    rows = []
    for n, kind, line, at, us, data in st.steps(wf_id):
        try:
            main, refs, _ = admin.checkpoint_main(st, key, wf_id, n, data)
            _, vb = ck.split_main(main)
            v = _inert(vb, False)["value"]
            if any(slot == 0 for slot, _, _ in refs):
                v = "(large value, stored as a chunk)"
        except Tampered:
            v = "(signature mismatch: altered row)"
        except Exception as e:  # noqa: BLE001 - shown
            v = f"(unreadable: {e})"
        rows.append({"n": n, "kind": admin.KINDS.get(kind, kind), "line": line, "at": _when(at / 1000), "ms": _ms(us), "value": str(v)})
    return rows


def _ms(us):
    return f"{us / 1000:.2f}" if us is not None else ""


def _wf_view(key, w):
    waiting = ""
    if w["status"] == "waiting":
        what = {
            "msg": f"a message on {w['wait_a']!r}",
            "child": f"workflow {w['wait_a']}",
            "event": f"event {w['wait_b']!r} of {w['wait_a']}",
        }
        waiting = what.get(w["wait_kind"], w["wait_kind"] or "")
        if w["wake_at"]:
            waiting += f" until {_when(w['wake_at'])}"
    elif w["status"] == "sleeping" and w["wake_at"]:
        waiting = f"sleeping until {_when(w['wake_at'])}"
    return {
        "id": w["id"],
        "name": w["name"],
        "status": w["status"],
        "input": value_text(key, "input:" + w["id"], w["input"]) or "",
        "result": value_text(key, "output:" + w["id"], w["output"]) if w["status"] == "succeeded" else None,
        "error": w["error"],
        "parent": w["parent"],
        "waiting": waiting,
        "created": _when(w["created"]),
        "updated": _when(w["updated"]),
        "recoveries": w["recoveries"],
        "owner": w["owner"],
        "terminal": w["status"] in TERMINAL,
    }


def workflow(db, wf_id):
    """(workflow view, step rows) for the workflow page, or None for an unknown id."""
    st, key = admin.open_db(db)
    try:
        w = st.get_workflow(wf_id)
        if w is None:
            return None
        return _wf_view(key, w), _step_rows(st, key, wf_id)
    finally:
        st.close()


def step(db, wf_id, n, session, dirs=()):
    """What the step page shows, or None when the workflow or the checkpoint doesn't exist:
    {"w", "count", "step", "frames", "diff" (against checkpoint n - 1, None for the first),
    "problem"}. Frames get source lines from `session` (loading the workflow's modules found
    in `dirs` or its search path if it lacks them)."""
    st, key = admin.open_db(db)
    try:
        w = st.get_workflow(wf_id)
        if w is None:
            return None
        rows = {r[0]: r for r in st.steps(wf_id)}
        if n not in rows:
            return None
        _, kind, line, at, us, data = rows[n]
        info = {"kind": admin.KINDS.get(kind, kind), "line": line, "at": _when(at / 1000), "ms": _ms(us)}
        out = {"w": _wf_view(key, w), "count": len(rows), "diff": None, "problem": None, "frames": []}
        try:
            cur = checkpoint(st, key, wf_id, n, data)
        except Tampered:
            out["problem"] = (
                f"checkpoint {n} of {wf_id} does not match its seal (the row was altered, or the secret is another deployment's): not shown"
            )
            out["step"] = {**info, "value": "", "value_full": ""}
            return out
        except (ck.BadRecord, admin.AdminError, Exception) as e:  # noqa: BLE001 - shown
            out["problem"] = f"checkpoint {n} of {wf_id} can't be read: {getattr(e, 'message', e)}"
            out["step"] = {**info, "value": "", "value_full": ""}
            return out
        with session.activate():
            problems = load_programs(session, cur["modules"], dirs)
            lookup = lookup_in(session.state)
            out["frames"] = with_places(cur["frames"], lookup)
            prev = None
            if n - 1 in rows:
                try:
                    prev = checkpoint(st, key, wf_id, n - 1, rows[n - 1][5])["frames"]
                except Exception:  # noqa: BLE001 - the diff is left out, the frames are shown
                    prev = None
            if prev is not None:
                out["diff"] = [e for e in F.diff(prev, out["frames"]) if e["status"] != "same"]
        out["step"] = {**info, "value": cur["value"], "value_full": cur["value_full"]}
        if problems:
            out["problem"] = "; ".join(problems)
        return out
    finally:
        st.close()


def act(db, wf_id, action, form):
    """Do `action` (resume, cancel or fork) to `wf_id` as the CLI would; returns
    (the equivalent command, exit status, output, message)."""
    st, key = admin.open_db(db)
    try:
        if action == "cancel":
            cmd = f"turmeric workflows cancel {wf_id}"
            return cmd, 0, admin.cancel(st, wf_id), ""
        if action == "resume":
            cmd = f"turmeric workflows resume {wf_id}"
            return cmd, 0, admin.resume(st, wf_id), ""
        try:
            n = int(str(form.get("from_step", "")).strip())
        except ValueError:
            return f"turmeric workflows fork {wf_id} --from-step ?", 2, "", "fork: the step number must be a whole number"
        cmd = f"turmeric workflows fork {wf_id} --from-step {n}"
        new_id, msg = admin.fork(st, key, wf_id, n)
        return cmd, 0, new_id, msg
    except admin.AdminError as e:
        return cmd, 1, "", e.message
    finally:
        st.close()
