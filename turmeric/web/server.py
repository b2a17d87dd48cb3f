"""HTTP for a WebApp: Starlette in front, uvicorn underneath (the optional extra `web`).

Every request is read here (size limits, form parsing), handed to the app, and
answered. The event loop runs on one thread with a big C stack, and handlers run on
it directly: the runtime's control state is not shared between threads, Turmeric
code holds the interpreter lock anyway, and a hop to another thread would cost more
than most handlers. One process runs one handler at a time; run several processes
on one store to use more cores (docs/web.md). The access log shows the first characters of
a continuation token only. Responses carry `Referrer-Policy: same-origin`, so a
continuation URL never leaks to another site in a Referer header.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import time
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import pages, tokens
from .vocab import make_request

log = logging.getLogger("turmeric.web")
access = logging.getLogger("turmeric.web.access")

STACK_BYTES = 512 * 1024 * 1024  # reserved address space; pages are touched only as needed
MAX_URL = 16 * 1024
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
SECURITY_HEADERS = [
    (b"referrer-policy", b"same-origin"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
]


def redact(path):
    i = path.find("/_k/")
    if i < 0:
        return path
    return path[: i + 4] + tokens.short(path[i + 4 :])


def _raw(status, headers, body, head=False):
    raw = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers] + SECURITY_HEADERS
    r = Response(content=b"" if head else body, status_code=status)
    r.raw_headers = [h for h in r.raw_headers if h[0] != b"content-type"] + raw
    if not head:
        return r
    r.raw_headers = [h for h in r.raw_headers if h[0] != b"content-length"] + [(b"content-length", str(len(body)).encode())]
    return r


async def read_body(request, limit):
    """The body, or None when it is larger than `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                return None
        except ValueError:
            return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def build(app, lifespan=None, access_log=False):
    """The ASGI app serving `app` (a loaded WebApp)."""

    async def endpoint(request: Request):
        if not access_log:
            return await answer(request, request.method, request.scope["path"])
        t0 = time.perf_counter()
        method = request.method
        path = request.scope["path"]
        status, resp = 500, None
        try:
            resp = await answer(request, method, path)
            status = resp.status_code
            return resp
        finally:
            client = request.scope.get("client")
            access.info(
                '%s "%s %s" %d %.1fms', client[0] if client else "-", method, redact(path), status, (time.perf_counter() - t0) * 1000
            )

    async def answer(request, method, path):
        head = method == "HEAD"
        qs = request.scope["query_string"].decode("latin-1")
        if len(path) + len(qs) > MAX_URL:
            return _raw(*pages.status_page(414, app.start_path()), head=head)
        opts = app.options
        form = ()
        if method not in ("GET", "HEAD"):
            body = await read_body(request, opts["max-body"])
            if body is None:
                return _raw(*pages.status_page(413, app.start_path()))
            ctype = request.headers.get("content-type", "").partition(";")[0].strip().lower()
            if ctype == "application/x-www-form-urlencoded":
                try:
                    form = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=opts["max-fields"])
                except ValueError:
                    return _raw(*pages.status_page(413, app.start_path(), "The form has too many fields."))
            elif ctype == "multipart/form-data":
                try:
                    async with request.form(max_files=0, max_fields=opts["max-fields"], max_part_size=opts["max-body"]) as f:
                        form = [(k, v) for k, v in f.multi_items() if isinstance(v, str)]
                except Exception:
                    return _raw(*pages.status_page(400, app.start_path(), "The form could not be read (file uploads are not accepted)."))
        try:
            query = parse_qsl(qs, keep_blank_values=True, max_num_fields=opts["max-fields"]) if qs else ()
        except ValueError:
            return _raw(*pages.status_page(414, app.start_path()))
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.scope["headers"]]
        req = make_request(method, path, query, form, headers, dict(request.cookies) if request.headers.get("cookie") else {})
        status, headers, body = app.handle("GET" if head else method, path, req)
        return _raw(status, headers, body, head=head)

    return Starlette(routes=[Route("/{rest:path}", endpoint, methods=METHODS)], lifespan=lifespan)


def gc_loop_task(app, every=60.0):
    async def loop():
        while True:
            await asyncio.sleep(every)
            try:
                n = app.gc()
                if n:
                    log.info("removed %d expired continuations", n)
                n = app.gc_code()
                if n:
                    log.info("released %d code records no live continuation names", n)
            except Exception as e:  # a failed sweep is logged and tried again later
                log.warning("continuation gc failed: %s", e)

    return loop


def serve(load_app, host="127.0.0.1", port=8000, ready=None, access_log=False):
    """Load the app (`load_app()`) and serve it until SIGINT / SIGTERM, all on one big-stack thread.

    `ready(app)` is called once the server listens; an exception from loading is re-raised here."""
    import uvicorn

    box = {}
    holder = {}

    @contextlib.asynccontextmanager
    async def lifespan(_asgi):
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(gc_loop_task(box["app"])()), loop.create_task(announce())]
        try:
            yield
        finally:
            for t in tasks:
                t.cancel()

    async def announce():
        srv = holder["server"]
        while not srv.started:  # the socket is bound once uvicorn says it started
            if srv.should_exit:
                return
            await asyncio.sleep(0.01)
        if ready:
            ready(box["app"])

    def target():
        try:
            app = box["app"] = load_app()
            asgi = build(app, lifespan, access_log)
            loop = "uvloop" if _has("uvloop") else "asyncio"
            config = uvicorn.Config(
                asgi, host=host, port=port, access_log=False, log_level="warning", lifespan="on", server_header=False, loop=loop
            )
            holder["server"] = uvicorn.Server(config)
            try:
                holder["server"].run()
            except SystemExit:  # uvicorn exits when it can't bind; its log line says why
                pass
            if not holder["server"].started:
                box["error"] = ServeError(f"could not listen on {host}:{port} (is another server using the port?)")
        except BaseException as e:  # handed to the main thread
            box["error"] = e

    def stop(signum, frame):
        srv = holder.get("server")
        if srv is not None:
            srv.should_exit = True

    old = threading.stack_size()
    threading.stack_size(STACK_BYTES)
    try:
        t = threading.Thread(target=target, name="turmeric-web")
        t.start()
    finally:
        threading.stack_size(old)
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while t.is_alive():
            t.join(0.5)
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)
    if "error" in box:
        raise box["error"]


class ServeError(Exception):
    """The server could not start; the message says why."""


def _has(mod):
    import importlib.util

    return importlib.util.find_spec(mod) is not None
