"""A handler's value to an HTTP response: (status, [(header, value)], body bytes).

A page (`[:tag ...]`) is an HTML document; a string is plain text; bytes are
`application/octet-stream`; a map with `:status` or `:body` is a response whose body
is converted the same way; nil is an empty 204. Header values can't contain line
breaks, so data can't add a header.
"""

from __future__ import annotations

from ..core.values import Keyword, PMap
from ..runtime.printer import display
from . import html

KW_STATUS, KW_BODY, KW_HEADERS, KW_SET_COOKIES = (Keyword(n) for n in ("status", "body", "headers", "set-cookies"))
HTML = "text/html; charset=utf-8"
TEXT = "text/plain; charset=utf-8"


class ResponseError(Exception):
    """A handler value that isn't a response (the message says what is wrong)."""


def _body(body, title):
    """(bytes, default content type)."""
    if body is None:
        return b"", None
    if type(body) is bytes:
        return body, "application/octet-stream"
    if type(body) is str:
        return body.encode("utf-8"), TEXT
    if html.is_element(body) or html.is_raw(body):
        return html.page(body, title).encode("utf-8"), HTML
    return display(body).encode("utf-8"), TEXT


def _check_header(name, value):
    for s in (name, value):
        if "\r" in s or "\n" in s or "\0" in s:
            raise ResponseError(f"a header can't contain a line break: {name!r}")


def convert(value, title="Turmeric"):
    status, headers = 200, []
    body = value
    if isinstance(value, PMap) and (KW_STATUS in value or KW_BODY in value):
        status = value.get(KW_STATUS, 200)
        if type(status) is not int or not 100 <= status <= 599:
            raise ResponseError(f"the response status must be an integer from 100 to 599, got {display(status)}")
        body = value.get(KW_BODY)
        hs = value.get(KW_HEADERS)
        if hs is not None:
            if not isinstance(hs, PMap):
                raise ResponseError("the response :headers must be a map of strings")
            for k, v in hs.items():
                name = k.name if type(k) is Keyword else k
                if type(name) is not str or type(v) is not str:
                    raise ResponseError("the response :headers must be a map of strings")
                _check_header(name, v)
                headers.append((name.lower(), v))
        for line in value.get(KW_SET_COOKIES) or ():
            _check_header("set-cookie", line)
            headers.append(("set-cookie", line))
    elif value is None:
        return 204, [], b""
    data, ctype = _body(body, title)
    if ctype and not any(h == "content-type" for h, _ in headers):
        headers.append(("content-type", ctype))
    return status, headers, data
