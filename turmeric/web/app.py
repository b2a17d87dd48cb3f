"""A web app: its pages, its options, its key, and how one request is handled.

`WebApp.handle(method, path, req)` is the whole request cycle without HTTP, so
handler unit tests call it directly: find the page (`/checkout`) or the continuation
(`/checkout/_k/TOKEN`), run the handler or resume the continuation under a prompt,
and turn the value into a response. It runs Turmeric code, so a server calls it from
one thread per process (the runtime's control state is not shared between threads).

Continuations are stored the way the app's options say (`:storage`):
`:store` (default) keeps the sealed blob in the store behind a 128-bit random id;
`:page` puts the compressed, sealed blob in the URL itself and falls back to the
store when the token would be longer than `:page-limit` characters.

With a store, every token keeps the code it names there (`codekeep.py`) and the
store is a code source of the app's session, so a page made before a deploy resumes
after it on its own code (docs/web.md "Code changes").
"""

from __future__ import annotations

import hashlib
import logging

from ..core.errors import make_error
from ..core.values import NONE, Keyword, PVector, Some, Struct, Thrown, pvector
from ..loader import codestore
from ..runtime import control
from ..runtime.printer import display, readable, type_name
from ..serialization import api
from . import codekeep, html, pages, response, tokens, vocab

log = logging.getLogger("turmeric.web")

DEFAULTS = {
    "storage": "store",  # or "page"
    "ttl": 24 * 3600,  # seconds a continuation URL stays valid; nil: no limit
    "max-uses": None,  # times one continuation URL can be used; nil: no limit
    "page-limit": 2048,  # longest in-page token, in characters, before the store is used
    "max-body": 1024 * 1024,  # bytes of request body
    "max-fields": 1000,
    "title": "Turmeric",
    "start": None,  # the page "Start again" links go to when the flow's own page is unknown
}


class OptionError(Exception):
    pass


def _check_options(opts):
    out = dict(DEFAULTS)
    for k, v in opts.items():
        if k not in DEFAULTS:
            raise OptionError(f"web-options: unknown option :{k} (known: {' '.join(':' + d for d in DEFAULTS)})")
        if type(v) is Keyword:
            v = v.name
        out[k] = v
    if out["storage"] not in ("store", "page"):
        raise OptionError("web-options: :storage is :store or :page")
    for k in ("ttl", "max-uses"):
        if out[k] is not None and (type(out[k]) not in (int, float) or out[k] <= 0):
            raise OptionError(f"web-options: :{k} is a positive number or nil")
    if out["start"] is not None and (type(out["start"]) is not str or not out["start"].startswith("/")):
        raise OptionError('web-options: :start is a path like "/"')
    for k in ("page-limit", "max-body", "max-fields"):
        if type(out[k]) is not int or out[k] <= 0:
            raise OptionError(f"web-options: :{k} is a positive integer")
    return out


SAVED = "(save-continuation)"  # the purpose of tokens made by save-continuation, instead of a route


def _check_limits(opts):
    """The per-continuation {:ttl s :max-uses n} of send/suspend, as option names."""
    from ..core.values import PMap

    if not isinstance(opts, PMap):
        raise Thrown(make_error("type-error", f"send/suspend: the options are a map like {{:ttl 60 :max-uses 1}}, got {type_name(opts)}"))
    out = {}
    for k, v in opts.items():
        name = k.name if type(k) is Keyword else str(k)
        if name not in ("ttl", "max-uses"):
            raise Thrown(make_error("error", f"send/suspend: unknown option :{name} (known: :ttl :max-uses)"))
        if v is not None and (type(v) not in (int, float) or v <= 0 or (name == "max-uses" and type(v) is not int)):
            raise Thrown(make_error("type-error", f"send/suspend: :{name} is a positive number or nil"))
        out[name] = v
    return out


class Outdated(tokens.TokenError):
    """The token is intact but names code this version of the app no longer has."""

    status = 410


class CodeRefused(tokens.TokenError):
    """The token is intact but the stored code of an old version it names failed its checks
    (altered in the store, or no longer compiling to its fingerprint): nothing of it ran."""

    status = 500


class RequestContext:
    """What the vocabulary's host functions see while one request runs."""

    __slots__ = ("app", "route", "resumed_id")

    def __init__(self, app, route, resumed_id=None):
        self.app = app
        self.route = route
        self.resumed_id = resumed_id

    def continuation_url(self, k, handler, opts=None):
        if not isinstance(k, control.Continuation):
            raise Thrown(make_error("type-error", f"continuation-url: expected a continuation, got {type_name(k)}"))
        return self.app.continuation_url(self.route, k, handler, opts)

    def once_lookup(self, key):
        return self.app.once_lookup(key)

    def save_continuation(self, k):
        if not isinstance(k, control.Continuation):
            raise Thrown(make_error("type-error", f"save-continuation: expected a continuation, got {type_name(k)}"))
        return self.app.make_token(SAVED, k, None)

    def load_continuation(self, tok):
        if type(tok) is not str:
            raise tokens.Unknown("no token")
        (k, _), ident = self.app.open_token(SAVED, tok)
        self.resumed_id = ident
        return k

    def once_store(self, key, value):
        return self.app.once_store(key, value)


class WebApp:
    def __init__(self, key: bytes, store=None, name="app"):
        self.key = key
        self.store = store  # a web.storage.ContinuationStore, or None (in-page tokens only)
        self.name = name
        self.pages = {}
        self.options = dict(DEFAULTS)
        self._given = {}
        self.module = None
        self.session = None
        self.code = None  # a codekeep.CodeKeeper once loaded with a store

    # --- loading ---------------------------------------------------------------------------------
    def add_page(self, path, handler):
        self.pages[path] = handler

    def set_options(self, opts):
        """`(web-options {...})`: merged into what earlier calls said."""
        given = {**self._given, **opts}
        self.options = _check_options(given)
        self._given = given

    def load(self, path):
        """Load the app file as the main module; its defpages and web-options land here."""
        from .. import loader as modules

        vocab.install()
        # the app's own modules and registry; the search path is the command line's (-I DIR)
        self.session = modules.Session(search_path=list(modules.current_session().search_path))
        token = vocab.LOADING.set(self)
        try:
            self.module = self.session.load_file(path, main=True)
        finally:
            vocab.LOADING.reset(token)
        self.name = self.module.name
        if self.options["storage"] == "store" and self.store is None:
            raise OptionError("this app keeps continuations in the store (:storage :store) but no store was given")
        if self.store is not None:
            # tokens keep the code they name in the store; a frame of a changed function runs it
            self.code = codekeep.CodeKeeper(self.store.store, self.name)
            codestore.attach(self.session, self.store.store)
        return self

    def start_path(self):
        """Where "Start again" links go when the flow's own page is not known: :start, else the first page."""
        return self.options["start"] or next(iter(self.pages), "/")

    # --- tokens ------------------------------------------------------------------------------------
    def purpose(self, route):
        """What a token of this app and page is sealed for (short: the envelope carries it)."""
        return _short_purpose(f"web:{self.name}:{route}")

    def _prefix(self, route):
        return "" if route == "/" else route

    def continuation_url(self, route, k, handler, opts=None):
        return f"{self._prefix(route)}/_k/{self.make_token(route, k, handler, opts)}"

    def make_token(self, route, k, handler, opts=None):
        blob = api.serialize(pvector([k, handler]))
        o = self.options
        if opts:
            o = {**o, **_check_limits(opts)}
            app_ttl = self.options["ttl"]
            if app_ttl is not None and (o["ttl"] is None or o["ttl"] > app_ttl):
                o["ttl"] = app_ttl  # a continuation lives at most as long as the app says
        purpose = self.purpose(route)
        if self.code is not None:
            try:
                self.code.keep(blob, o["ttl"])
            except Exception as e:  # the store failed: the token works, but not across a change of its code
                log.warning("could not keep the code of a continuation in the store: %s", e)
        tok = None
        if o["storage"] == "page":
            tok = tokens.page_token(blob, self.key, purpose, o["ttl"], o["max-uses"])
            if len(tok) > o["page-limit"] and self.store is not None:
                tok = None  # too long for a URL: the store keeps it
        if tok is None:
            if self.store is None:
                raise Thrown(make_error("error", "continuation too large for the page and no store is configured"))
            ident = tokens.new_id()
            sealed = tokens.seal(blob, self.key, tokens.row_purpose(purpose, ident), o["ttl"])
            self.store.put(ident, sealed, o["ttl"], o["max-uses"])
            tok = tokens.store_token(ident, self.key, purpose, o["ttl"])
        return tok

    def open_token(self, route, tok):
        """(value, id) of a continuation token; raises a TokenError. Nothing is decoded before it checks."""
        purpose = self.purpose(route)
        kind = tokens.kind(tok)
        if kind == "p":
            blob, max_uses = tokens.open_page_token(tok, self.key, purpose)
            ident = tokens.page_id(tok)
            if max_uses is not None:
                if self.store is None:
                    raise tokens.Expired("use limit needs a store")
                if not self.store.count_use(ident, max_uses, self.options["ttl"]):
                    raise tokens.Expired("used up")
        else:
            ident = tokens.open_store_token(tok, self.key, purpose)
            if self.store is None:
                raise tokens.Unknown("no store")
            sealed = self.store.take(ident)
            if sealed is None:
                raise tokens.Expired("gone, expired or used up")
            blob = tokens.open_sealed(sealed, self.key, tokens.row_purpose(purpose, ident))
        try:
            value = api.deserialize(blob)
        except Thrown as e:
            v = e.value
            kind_name = type_name(v)
            if kind_name == "code-error":  # the stored code of an old version failed its checks
                log.error(
                    "continuation %s refused: %s; nothing of that code ran. The code store row "
                    "(tm_code, tm_chunks in %s) is not the code the token was made with: restore it, "
                    "or let the page expire (new visits are not affected)",
                    tokens.short(tok),
                    display(v),
                    self.store.describe() if self.store is not None else "the store",
                )
                raise CodeRefused(display(v)) from None
            log.warning("continuation %s can't be resumed: %s %s", tokens.short(tok), kind_name, display(v))
            raise Outdated(kind_name) from None
        if not (isinstance(value, PVector) and len(value) == 2 and isinstance(value[0], control.Continuation)):
            raise tokens.Forged("not a continuation record")
        return value, ident.hex()

    def gc(self):
        """Remove expired continuations from the store; how many went."""
        return 0 if self.store is None else self.store.gc()

    def gc_code(self, t=None):
        """Let go of the code kept for tokens that have all expired (by `t`, default now);
        how many code records went (those no live token nor workflow refers to)."""
        return 0 if self.code is None else self.code.gc(t)

    # --- once ----------------------------------------------------------------------------------------
    def _once_purpose(self, key):
        return _short_purpose(f"web-once:{self.name}:{key}")

    def once_lookup(self, key):
        if self.store is None:
            raise Thrown(make_error("error", "once needs a store (turmeric serve --db URL)"))
        k = readable(key)
        sealed = self.store.once_get(self.name, k)
        if sealed is None:
            return NONE
        return Some(api.deserialize(tokens.open_sealed(sealed, self.key, self._once_purpose(k))))

    def once_store(self, key, value):
        if self.store is None:
            raise Thrown(make_error("error", "once needs a store (turmeric serve --db URL)"))
        k = readable(key)
        ttl = self.options["ttl"]
        self.store.once_put(self.name, k, tokens.seal(api.serialize(value), self.key, self._once_purpose(k), ttl), ttl)
        kept = self.once_lookup(key)  # the first value stored, if another request got there first
        return kept.value if type(kept) is Some else value

    # --- one request -------------------------------------------------------------------------------
    def route_of(self, path):
        """(route, token or None), or None when no page matches."""
        if path in self.pages:
            return path, None
        i = path.find("/_k/")
        if i >= 0:
            route = path[:i] or "/"
            if route in self.pages:
                return route, path[i + 4 :]
        return None

    def handle(self, method, path, req):
        """Run the request; (status, headers, body). Never raises for a handler's failure."""
        with self.session.activate():
            return self._handle(method, path, req)

    def _handle(self, method, path, req):
        found = self.route_of(path)
        if found is None:
            return pages.status_page(404, self.start_path())
        route, tok = found
        start = route
        try:
            if tok is None:
                ctx = RequestContext(self, route)
                handler = self.pages[route]
                thunk = lambda: handler(req)  # noqa: E731
            else:
                (k, fn), ident = self.open_token(route, tok)
                ctx = RequestContext(self, route, ident)
                v = req if fn is None else pvector([fn, req])
                thunk = k.entry(v)
        except tokens.TokenError as e:
            log.info("%s %s: token %s refused (%s: %s)", method, route, tokens.short(tok or ""), type(e).__name__, e)
            detail = _detail(e)
            return pages.status_page(e.status, start, detail)
        except Exception as e:  # the store failed (StoreUnavailable says what to check)
            log.error("%s %s: can't load continuation %s: %s", method, route, tokens.short(tok or ""), e)
            return pages.status_page(503 if type(e).__name__ == "StoreUnavailable" else 500, start)
        hv = vocab.HANDLING.set(ctx)
        try:
            value = control.reset(thunk)
            return response.convert(value, self.options["title"])
        except tokens.TokenError as e:  # from load-continuation: the flow started on some other page
            log.info("%s %s: a saved continuation was refused (%s: %s)", method, route, type(e).__name__, e)
            detail = _detail(e)
            return pages.status_page(e.status, self.start_path(), detail)
        except (response.ResponseError, html.HtmlError) as e:
            log.error("%s %s: the handler's value is not a response: %s", method, route, e)
        except Exception as e:  # a Turmeric error: log it with its place, answer a plain 500
            log.error("%s %s: %s", method, route, describe_failure(e))
            log.debug("internal traceback", exc_info=True)
        finally:
            vocab.HANDLING.reset(hv)
        return pages.status_page(500, start)


def _detail(e):
    """The sentence a refused token's page adds, if any."""
    if isinstance(e, Outdated):
        return "This page was made by an older version of the site."
    if isinstance(e, CodeRefused):
        return "The code this page needs failed its integrity check, so it was not run (the server log says why)."
    return None


def _short_purpose(p):
    return p if len(p.encode()) <= 64 else p.split(":", 1)[0] + ":" + hashlib.sha256(p.encode()).hexdigest()[:32]


def describe_failure(e):
    """One paragraph: the thrown value, where, and the Turmeric frames (no Python traceback)."""
    from ..runtime.errors import thrown_value

    try:
        value = thrown_value(e)
    except Exception:
        return f"internal error {type(e).__name__}: {e}"
    where = getattr(e, "pos", None)
    frames = []
    tb = e.__traceback__
    while tb is not None:
        info = control.CODES.get(tb.tb_frame.f_code)
        if info is not None:
            frames.append(f"{tb.tb_frame.f_code.co_filename}:{tb.tb_lineno} in {info.symbol}")
        tb = tb.tb_next
    if where is None and frames:
        where = frames[-1].split(" in ")[0]
    msg = f"uncaught {type_name(value)}: {display(value) if not isinstance(value, Struct) else readable(value)}"
    if where:
        msg += f" at {where}"
    if frames:
        msg += "; Turmeric stack (outermost first): " + " -> ".join(frames)
    return msg
