"""The web vocabulary a Turmeric app sees: request accessors, responses, routes.

`install()` adds the host functions below to the builtins, loads `web.tm` (the
capturing half: `defpage`, `send/suspend`, `send/suspend/dispatch`, `send/back`,
`raw`, `once`) as the module `turmeric.web`, and makes its names and its `defpage` macro
visible to every module loaded afterwards. None of this needs the server: handler
unit tests and `turmeric check` use it too.

A request is a plain map (so it can sit in a continuation):
`{:method "POST" :path "/sum" :query {"q" "1"} :form {"n" "3"} :headers {"host" ...}
:cookies {"sid" ...}}`; a field given twice has a vector of its values.
A response is a page (`[:tag ...]`), a string (plain text), or a Ring-style map
`{:status 303 :headers {"location" "/"} :body ...}`.
"""

from __future__ import annotations

import contextvars
import os
import threading

from ..core.errors import make_error
from ..core.values import Keyword, PList, PMap, PSet, PVector, Thrown, pmap, pvector
from ..runtime.builtins import BUILTINS, HOST
from ..runtime.printer import display, type_name

K = Keyword
KW_METHOD, KW_PATH, KW_QUERY, KW_FORM, KW_HEADERS, KW_COOKIES = (K(n) for n in ("method", "path", "query", "form", "headers", "cookies"))
KW_STATUS, KW_BODY = K("status"), K("body")

# The app being loaded (for defpage and web-options) and the request being handled
# (for continuation URLs): per context, never per process.
LOADING: contextvars.ContextVar = contextvars.ContextVar("turmeric_web_loading", default=None)
HANDLING: contextvars.ContextVar = contextvars.ContextVar("turmeric_web_handling", default=None)


def _err(kind, msg):
    return Thrown(make_error(kind, msg))


def _type(msg):
    return _err("type-error", msg)


def _req(req, who):
    if not isinstance(req, PMap) or KW_METHOD not in req:
        raise _type(f"{who}: expected a request (the handler's req), got {type_name(req)}")
    return req


def _first(v):
    if isinstance(v, PVector):
        return v[0] if len(v) else None
    return v


def _lookup(req, field, name, who):
    if type(name) is Keyword:
        name = name.name
    if type(name) is not str:
        raise _type(f"{who}: the name must be a string, got {type_name(name)}")
    m = _req(req, who).get(field)
    return None if m is None else m.get(name)


def form_value(req, name):
    """`(form-value req "n")`: the field from the posted form (first if repeated), or nil."""
    return _first(_lookup(req, KW_FORM, name, "form-value"))


def form_values(req, name):
    v = _lookup(req, KW_FORM, name, "form-values")
    return pvector() if v is None else v if isinstance(v, PVector) else pvector([v])


def query_value(req, name):
    """`(query-value req "q")`: the query-string parameter (first if repeated), or nil."""
    return _first(_lookup(req, KW_QUERY, name, "query-value"))


def header(req, name):
    """`(header req "user-agent")`: the header (names are case-insensitive), or nil."""
    if type(name) is str:
        name = name.lower()
    return _lookup(req, KW_HEADERS, name, "header")


def cookie(req, name):
    return _lookup(req, KW_COOKIES, name, "cookie")


def request_method(req):
    return _req(req, "request-method").get(KW_METHOD)


def request_path(req):
    return _req(req, "request-path").get(KW_PATH)


EMPTY_MAP = pmap()


def _multi(pairs):
    if not pairs:
        return EMPTY_MAP
    out = {}
    for k, v in pairs:
        if k in out:
            old = out[k]
            out[k] = (old if isinstance(old, PVector) else pvector([old])).append(v)
        else:
            out[k] = v
    return pmap(out)


def make_request(method="GET", path="/", query=(), form=(), headers=(), cookies=None):
    """The request map handlers receive. `query`/`form`/`headers`: pairs or a dict."""

    def pairs(x):
        return list(x.items()) if isinstance(x, dict) else list(x)

    hdrs = {}
    for k, v in pairs(headers):
        k = k.lower()
        hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
    hdrs.pop("content-length", None)  # the body is already read: its length says nothing more
    if cookies is None:
        cookies = {}
        raw = hdrs.get("cookie")
        if raw:
            for part in raw.split(";"):
                if "=" in part:
                    ck, cv = part.split("=", 1)
                    cookies[ck.strip()] = cv.strip()
    return pmap(
        {
            KW_METHOD: method.upper(),
            KW_PATH: path,
            KW_QUERY: _multi(pairs(query)),
            KW_FORM: _multi(pairs(form)),
            KW_HEADERS: pmap(hdrs),
            KW_COOKIES: pmap(cookies) if cookies else EMPTY_MAP,
        }
    )


# --- responses -------------------------------------------------------------------------------------


def _status(code, who):
    if type(code) is not int or not 100 <= code <= 599:
        raise _type(f"{who}: the status must be an integer from 100 to 599, got {display(code)}")
    return code


def response(status, body=None, headers=None):
    """`(response 404 page {"x-a" "b"})`: a response map."""
    m = {KW_STATUS: _status(status, "response"), KW_BODY: body}
    if headers is not None:
        if not isinstance(headers, PMap):
            raise _type(f"response: headers must be a map of strings, got {type_name(headers)}")
        m[KW_HEADERS] = headers
    return pmap(m)


def _as_response(r):
    if isinstance(r, PMap) and (KW_STATUS in r or KW_BODY in r):
        return r
    return pmap({KW_STATUS: 200, KW_BODY: r})


def redirect(url, status=303):
    """`(redirect "/thanks")`: 303 See Other (after a POST, the browser GETs the URL)."""
    if type(url) is not str:
        raise _type(f"redirect: the URL must be a string, got {type_name(url)}")
    return pmap({KW_STATUS: _status(status, "redirect"), KW_HEADERS: pmap({"location": url}), KW_BODY: ""})


def to_json(v):
    t = type(v)
    if v is None or t in (bool, int, float, str):
        return v
    if t is Keyword:
        return v.name
    if isinstance(v, PMap):
        return {(k.name if type(k) is Keyword else k if type(k) is str else display(k)): to_json(x) for k, x in v.items()}
    if isinstance(v, (PVector, PList, PSet, list)) or t is tuple:
        return [to_json(x) for x in v]
    if t is bytes:
        raise _type("json-response: bytes have no JSON form (encode them as a string first)")
    return display(v)


def json_response(v, status=200):
    """`(json-response {:ok #t})`: the value as JSON (keywords become strings)."""
    import json  # here, not at the top: `turmeric check` installs this vocabulary and needs no json

    body = json.dumps(to_json(v), ensure_ascii=False, separators=(",", ":"))
    return pmap({KW_STATUS: _status(status, "json-response"), KW_HEADERS: pmap({"content-type": "application/json"}), KW_BODY: body})


def with_status(r, status):
    return _as_response(r).set(KW_STATUS, _status(status, "with-status"))


def with_header(r, name, value):
    if type(name) is not str or type(value) is not str:
        raise _type("with-header: the name and the value must be strings")
    r = _as_response(r)
    return r.set(KW_HEADERS, (r.get(KW_HEADERS) or pmap()).set(name.lower(), value))


COOKIE_OPTS = {"max-age": "max-age", "path": "path", "domain": "domain", "expires": "expires", "same-site": "samesite"}


def with_cookie(r, name, value, opts=None):
    """`(with-cookie resp "sid" "v" {:max-age 3600 :path "/"})`: HttpOnly and SameSite=Lax unless told."""
    if type(name) is not str or type(value) is not str:
        raise _type("with-cookie: the name and the value must be strings")
    from http.cookies import SimpleCookie  # (http.cookies costs a start-up milliseconds)

    c = SimpleCookie()
    try:
        c[name] = value
    except Exception:
        raise _type(f"with-cookie: {name!r} is not a valid cookie name") from None
    morsel = c[name]
    morsel["httponly"] = True
    morsel["samesite"] = "Lax"
    morsel["path"] = "/"
    for k, v in (opts or pmap()).items():
        kn = k.name if type(k) is Keyword else str(k)
        if kn in ("http-only", "secure"):
            morsel["httponly" if kn == "http-only" else "secure"] = bool(v)
        elif kn in COOKIE_OPTS:
            morsel[COOKIE_OPTS[kn]] = str(v)
        else:
            raise _type(f"with-cookie: unknown option :{kn} (use :max-age :path :domain :expires :same-site :http-only :secure)")
    r = _as_response(r)
    line = morsel.OutputString()
    cookies = r.get(K("set-cookies")) or pvector()
    return r.set(K("set-cookies"), cookies.append(line))


# --- routes, options, continuation URLs ------------------------------------------------------------


def _loading(who):
    app = LOADING.get()
    if app is None:
        raise _err("error", f"{who}: only an app loaded by `turmeric serve` has pages")
    return app


def register_page(path, handler):
    if type(path) is not str or not path.startswith("/") or "/_k/" in path + "/" and path != "/":
        raise _type(f'defpage: the path must be a string starting with "/" (and not containing /_k/), got {display(path)}')
    if not callable(handler):
        raise _type("defpage: the handler must be a function")
    _loading("defpage").add_page(path, handler)
    return None


def web_options(opts):
    """`(web-options {:storage :page :ttl 3600 :max-uses 10})`: this app's settings."""
    if not isinstance(opts, PMap):
        raise _type(f"web-options: expected a map, got {type_name(opts)}")
    _loading("web-options").set_options({(k.name if type(k) is Keyword else str(k)): v for k, v in opts.items()})
    return None


def _handling(who):
    ctx = HANDLING.get()
    if ctx is None:
        raise _err("error", f"{who}: only a request handler (a defpage) can make continuation URLs")
    return ctx


def continuation_url(k, handler=None, opts=None):
    """The URL that resumes `k` (with `handler` applied to the request, for embed-url);
    `opts`: this continuation's {:ttl seconds :max-uses n}, instead of the app's."""
    return _handling("continuation-url").continuation_url(k, handler, opts)


def save_continuation(k):
    """`(save-continuation k)`: a token for k (sealed, in the store or the token itself, as the app says)."""
    return _handling("save-continuation").save_continuation(k)


def load_continuation(token):
    """`(load-continuation token)`: the continuation saved under token; a forged token is refused (403)."""
    return _handling("load-continuation").load_continuation(token)


def resume_token():
    """The id of the continuation this request resumed (nil for a fresh start): a key for `once`."""
    ctx = _handling("resume-token")
    return ctx.resumed_id


def once_lookup(key):
    return _handling("once").once_lookup(key)


def once_store(key, value):
    return _handling("once").once_store(key, value)


HOST_FUNCTIONS = {
    "form-value": form_value,
    "form-values": form_values,
    "query-value": query_value,
    "header": header,
    "cookie": cookie,
    "request-method": request_method,
    "request-path": request_path,
    "response": response,
    "redirect": redirect,
    "json-response": json_response,
    "with-status": with_status,
    "with-header": with_header,
    "with-cookie": with_cookie,
    "register-page!": register_page,
    "web-options": web_options,
    "continuation-url": continuation_url,
    "resume-token": resume_token,
    "save-continuation": save_continuation,
    "load-continuation": load_continuation,
    "once-lookup": once_lookup,
    "once-store!": once_store,
}

WEB_TM = os.path.join(os.path.dirname(__file__), "web.tm")
_INSTALLED = {}
_LOCK = threading.Lock()


def install():
    """Make the web vocabulary visible to every session's modules loaded from now on
    (idempotent). `web.tm` is loaded once per process into the registry every session
    shares, as the prelude is, so a blob naming `turmeric.web.send/suspend` resolves in
    any session."""
    if _INSTALLED:
        return _INSTALLED["module"]
    from .. import loader

    with _LOCK:
        if _INSTALLED:
            return _INSTALLED["module"]
        loader.load_prelude()
        for name, f in HOST_FUNCTIONS.items():
            try:
                f.__name__ = name
            except (AttributeError, TypeError):
                pass
            BUILTINS[name] = f
            HOST.add(name)
        loader.bind_host_aliases()
        with loader.in_root():
            root = loader.current_session()
            m = root.load_file(WEB_TM, main=False, expected_name="turmeric.web")
        for k, v in list(m.ns.items()):
            if not k.startswith("#") and not k.startswith("__"):
                BUILTINS[k] = v
        loader.SHARED_MACROS.update(m.macros)
        loader.bind_host_aliases()
        _INSTALLED["module"] = m
    return m
