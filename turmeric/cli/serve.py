"""`turmeric serve APP.tm [--host H] [--port P] [--db URL] [--key-file F]`."""

from __future__ import annotations

import logging
import os
import sys


def add_parser(sub):
    s = sub.add_parser("serve", help="serve the web app FILE (its defpages) over HTTP")
    s.add_argument("file")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument(
        "--db", default=None, metavar="URL", help="the store: a SQLite file or postgresql://... (default $TURMERIC_DB or turmeric.db)"
    )
    s.add_argument(
        "--key-file",
        default=None,
        metavar="F",
        help="the app key that signs continuation URLs (default turmeric-web.key, made on first run; $TURMERIC_WEB_KEY wins)",
    )
    s.add_argument("--access-log", action="store_true", help="log each request (continuation tokens shortened)")
    return s


def cmd_serve(args):
    try:
        from ..web import server
    except ImportError as e:
        print(f"turmeric serve: the web server needs the `web` extra ({e.name} is missing): pip install 'turmeric[web]'", file=sys.stderr)
        return 1
    from .. import loader
    from ..web import keys, storage
    from ..web.app import OptionError, WebApp

    debug = args.debug or getattr(args, "debug_sub", False)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if debug:  # handler failures also show the Python traceback
        logging.getLogger("turmeric.web").setLevel(logging.DEBUG)
    if not os.path.exists(args.file):
        print(f"turmeric serve: {args.file}: no such file", file=sys.stderr)
        return 1
    try:
        key, key_from = keys.load_key(args.key_file or "turmeric-web.key")
    except keys.KeyError_ as e:
        print(f"turmeric serve: {e}", file=sys.stderr)
        return 1
    info = {}

    def load():
        try:
            store = storage.open_store(args.db)
        except ImportError:
            store = None  # no store package: continuations in the page only
        loader.load_prelude()
        app = WebApp(key, store).load(args.file)
        if not app.pages:
            raise OptionError(f'{args.file} defines no pages: add (defpage "/" [req] ...)')
        info["removed"] = app.gc()
        info["code"] = app.gc_code()
        return app

    def ready(app):
        url = f"http://{args.host}:{args.port}"
        removed = info.get("removed")
        store = app.store.describe() if app.store else "none"
        print(
            f"Turmeric serving {args.file} on {url}{app.start_path()} "
            f"(pages: {' '.join(app.pages)}; continuations: {app.options['storage']}, store {store}; key: {key_from}"
            + (f"; removed {removed} expired" if removed else "")
            + (f"; released {info['code']} code records no live token names" if info.get("code") else "")
            + ")",
            flush=True,
        )

    from . import report

    try:
        server.serve(load, args.host, args.port, ready, access_log=args.access_log)
    except OptionError as e:
        print(f"turmeric serve: {args.file}: {e}", file=sys.stderr)
        return 1
    except server.ServeError as e:
        print(f"turmeric serve: {e}", file=sys.stderr)
        return 1
    except BaseException as e:
        failure = e
        return report.guarded(lambda: _raise(failure), debug)
    return 0


def _raise(e):
    raise e
