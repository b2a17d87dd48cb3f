"""`turmeric ui`: a browsable view of workflows, their checkpoints and snapshot files.

A Starlette app (Jinja2 templates in `templates/`, autoescaped) served by uvicorn.
Nothing it shows is run: blobs are read with the serialization inspector (inert),
checkpoint rows are unsealed first, and frames get their source lines from the
programs given on the command line, loaded in definitions mode into a session of the
UI's own (or found, for a workflow's checkpoints, in the folders of those programs
and the current folder). The snapshot's Resume button runs `turmeric resume` in a
new process (resuming runs the program); a workflow's buttons (resume, cancel,
fork) call the functions behind `turmeric workflows resume | cancel | fork`
(durable.admin) and show what they said: the UI does what the CLI can, no more.
Every form carries a per-process token, and a POST from another origin is refused.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

from .. import loader
from ..core.registry import current_state
from ..durable import admin
from ..serialization import inspect as sinspect
from ..serialization import snapshot
from . import frames as F
from . import workflows as W

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
ACTION_TIMEOUT = 120  # seconds a resume / cancel / fork command may take
MAX_VALUE_TEXT = 2000  # characters of a --value typed into the resume form


def _when(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else ""


class Catalog:
    """What the UI shows: snapshot files (given, or found in given folders), the programs
    whose source the frames point into, and optionally a workflow store."""

    def __init__(self, files=(), db=None, key=None):
        self.problems = []
        self.db = db
        self.key = key
        self.session = loader.Session()
        self.snapshot_files = []
        self.snapshot_dirs = []
        for f in files:
            if os.path.isdir(f):
                self.snapshot_dirs.append(f)
            elif f.endswith(".tm"):
                try:
                    self.session.load_file(f, definitions_only=True)
                except Exception as e:  # shown on the index page; the rest still works
                    self.problems.append(f"{f}: can't be loaded ({e})")
            else:
                self.snapshot_files.append(f)

    def snapshots(self):
        """The snapshot paths, in a stable order (folders are scanned again each time)."""
        out = list(self.snapshot_files)
        for d in self.snapshot_dirs:
            try:
                names = sorted(n for n in os.listdir(d) if n.endswith(snapshot.SUFFIX))
            except OSError:
                continue
            out += [os.path.join(d, n) for n in names if os.path.join(d, n) not in out]
        return out

    def program_dirs(self):
        """The folders of the programs given (a resumed snapshot finds its code there)."""
        out = []
        for m in self.session.modules.values():
            if m.file and not m.file.startswith("<") and m.name != "prelude":
                d = os.path.dirname(os.path.abspath(m.file))
                if d not in out:
                    out.append(d)
        return out

    def lookup(self, symbol, fingerprint):
        """The loaded FnInfo of `symbol` if its code is the blob's (same fingerprint)."""
        info = current_state().lookup(symbol)
        if info is None or (fingerprint and info.fingerprint != fingerprint):
            return None
        return info

    def read_snapshot(self, path):
        """(summary, signature note, size, problem) of a snapshot file, inert."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            return None, "", 0, f"can't read {path}: {e.strerror}"
        signature = "not signed"
        if snapshot.is_signed(data):
            if self.key is None:
                signature = "signed; not checked (give the UI the key with --key-file or TURMERIC_KEY)"
            else:
                try:
                    snapshot.open_bytes(data, self.key, path)
                    signature = "signed; signature checked"
                except snapshot.SnapshotError as e:
                    return None, "", len(data), e.message
        elif self.key is not None:
            return None, "", len(data), f"{path} is not signed, but a key is configured: not shown"
        try:
            s = sinspect.summary(data, full=True)
        except Exception as e:  # a corrupt or truncated file: say so, show nothing
            return None, signature, len(data), f"{path} is not an intact Turmeric blob: {getattr(e, 'value', e)}"
        return s, signature, len(data), None


def make_app(catalog, python=sys.executable):
    """The Starlette app for `catalog`."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, RedirectResponse
    from starlette.routing import Route
    from starlette.templating import Jinja2Templates

    templates = Jinja2Templates(directory=TEMPLATES)
    csrf = secrets.token_urlsafe(24)
    shown_db = _without_password(catalog.db) if catalog.db else None
    where = "snapshots" + (f" and workflows in {shown_db}" if catalog.db else "")

    def page(request, name, http_status=200, **ctx):
        ctx.setdefault("where", where)
        ctx["csrf"] = csrf
        return templates.TemplateResponse(request, name, ctx, status_code=http_status)

    def not_found(request, what):
        return page(request, "output.html", 404, title="Not found", command=what, status="-", stdout="", stderr="", back="/")

    async def checked_form(request):
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
            return None
        form = await request.form()
        if not secrets.compare_digest(str(form.get("csrf", "")), csrf):
            return None
        return form

    def run_cli(request, title, args, back, cwd=None):
        cmd = [python, "-m", "turmeric", *args]
        env = dict(os.environ)
        if catalog.key is not None:
            env["TURMERIC_KEY"] = catalog.key.decode("utf-8", "surrogateescape")
        try:
            p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=ACTION_TIMEOUT)
            status, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired as e:
            status, out, err = "timeout", e.stdout or "", f"stopped after {ACTION_TIMEOUT} s"
        shown = " ".join(["turmeric", *args])
        return page(request, "output.html", title=title, command=shown, status=status, stdout=out, stderr=err, back=back)

    # --- pages -------------------------------------------------------------------------------------
    async def index(request: Request):
        with catalog.session.activate():
            snaps = []
            for i, path in enumerate(catalog.snapshots()):
                s, _, _, problem = catalog.read_snapshot(path)
                if s is None:
                    snaps.append({"i": i, "file": path, "kind": None, "time": None, "frames": "", "what": problem})
                    continue
                sn = s.get("snapshot") or {}
                what = sn.get("message") or sn.get("name") or ("" if sn else f"not a snapshot: a {s['type']}")
                snaps.append(
                    {"i": i, "file": path, "kind": sn.get("kind"), "time": sn.get("time"), "frames": len(s.get("frames", [])), "what": what}
                )
        workflows, problem = _workflows(catalog) if catalog.db else ([], None)
        problems = catalog.problems + ([problem] if problem else [])
        return page(request, "index.html", snapshots=snaps, workflows=workflows, db=shown_db, problems=problems)

    def _snapshot_path(request):
        try:
            i = int(request.path_params["i"])
            return i, catalog.snapshots()[i]
        except (ValueError, IndexError):
            return None, None

    async def snapshot_page(request: Request):
        i, path = _snapshot_path(request)
        if path is None:
            return not_found(request, "no such snapshot")
        with catalog.session.activate():
            s, signature, size, problem = catalog.read_snapshot(path)
            if s is not None and "snapshot" not in s:
                problem = f"{path} holds a {s['type']}, not a snapshot"
            fr = F.fill_places(s.get("frames", []), catalog.lookup) if s is not None else []
        return page(
            request,
            "snapshot.html",
            i=i,
            file=path,
            snap=(s or {}).get("snapshot") or {},
            version=(s or {}).get("program", {}).get("version", ""),
            signature=signature,
            size=size,
            frames=fr,
            globals=(s or {}).get("globals", []),
            problem=problem,
        )

    async def snapshot_resume(request: Request):
        form = await checked_form(request)
        if form is None:
            return HTMLResponse("refused: this form did not come from this page", status_code=403)
        i, path = _snapshot_path(request)
        if path is None:
            return not_found(request, "no such snapshot")
        value = str(form.get("value", "")).strip()[:MAX_VALUE_TEXT]
        args = ["resume", path] + (["--value", value] if value else []) + (["--upgrade"] if form.get("upgrade") else [])
        for d in catalog.program_dirs():
            args += ["-I", d]
        return run_cli(request, f"Resumed {path}", args, f"/snapshots/{i}")

    async def workflow_page(request: Request):
        if not catalog.db:
            return not_found(request, "no workflow store (turmeric ui --db URL)")
        try:
            got = W.workflow(catalog.db, request.path_params["id"])
        except admin.AdminError as e:
            return not_found(request, e.message)
        if got is None:
            return not_found(request, f"no workflow {request.path_params['id']}")
        w, steps = got
        return page(request, "workflow.html", w=w, steps=steps, actions=W.actions(w["status"], len(steps)))

    async def step_page(request: Request):
        if not catalog.db:
            return not_found(request, "no workflow store (turmeric ui --db URL)")
        try:
            n = int(request.path_params["n"])
        except ValueError:
            return not_found(request, "no such step")
        try:
            got = W.step(catalog.db, request.path_params["id"], n, catalog.session, catalog.program_dirs() + [os.getcwd()])
        except admin.AdminError as e:
            return not_found(request, e.message)
        if got is None:
            return not_found(request, f"workflow {request.path_params['id']} has no step {n}")
        return page(request, "step.html", n=n, **got)

    async def workflow_action(request: Request):
        form = await checked_form(request)
        if form is None:
            return HTMLResponse("refused: this form did not come from this page", status_code=403)
        wf_id, action = request.path_params["id"], request.path_params["action"]
        if action not in W.ACTIONS or not catalog.db:
            return not_found(request, f"no action {action}")
        command, status, out, err = W.act(catalog.db, wf_id, action, form)
        title = f"{action.capitalize()} {wf_id}"
        return page(request, "output.html", title=title, command=command, status=status, stdout=out, stderr=err, back=f"/workflows/{wf_id}")

    async def favicon(request):
        return RedirectResponse("data:,", status_code=404)

    routes = [
        Route("/", index),
        Route("/snapshots/{i}", snapshot_page),
        Route("/snapshots/{i}/resume", snapshot_resume, methods=["POST"]),
        Route("/workflows/{id}", workflow_page),
        Route("/workflows/{id}/steps/{n}", step_page),
        Route("/workflows/{id}/{action}", workflow_action, methods=["POST"]),
        Route("/favicon.ico", favicon),
    ]
    return Starlette(routes=routes)


def _without_password(url):
    """The database URL as pages show it: a password in it is replaced by ***."""
    import re

    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def _workflows(catalog):
    try:
        return W.listing(catalog.db), None
    except admin.AdminError as e:
        return [], e.message


def serve(catalog, host="127.0.0.1", port=8700, ready=None):
    """Serve the UI until interrupted (SIGINT / SIGTERM)."""
    import uvicorn

    app = make_app(catalog)
    config = uvicorn.Config(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)
    server = uvicorn.Server(config)
    if ready is not None:
        ready(f"http://{host}:{port}/")
    server.run()
    return 0 if server.started else 1
