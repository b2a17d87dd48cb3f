"""The server's own pages: expired or unknown links, refused tokens, errors.

Plain and friendly, with a link back to where the flow starts; never a stack trace.
"""

from __future__ import annotations

from html import escape

TEXTS = {
    400: ("Bad request", "The request could not be read."),
    403: ("This link is not valid", "The link was changed or was not made by this site, so it was refused."),
    404: ("Page not found", "There is no page here."),
    410: ("This page has expired", "The form or link you used is too old or was already used up."),
    413: ("Request too large", "The form you sent is larger than this site accepts."),
    414: ("Address too long", "The address of the request is longer than this site accepts."),
    500: ("Something went wrong", "The page could not be made. The error was logged for the site's owner."),
    503: ("Try again in a moment", "The site can't reach its database just now."),
}


STYLE = "body{font-family:sans-serif;max-width:40em;margin:2em auto;color:#222} h1{color:#8a4b00}"


def status_page(status, start="/", detail=None):
    title, text = TEXTS.get(status, ("Error", "The request could not be completed."))
    if detail:
        text = detail
    body = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
        f"{escape(title)}</title><style>{STYLE}</style></head><body><h1>{escape(title)}</h1><p>{escape(text)}</p>"
        f'<p><a id="start" href="{escape(start, quote=True)}">Start again</a></p></body></html>'
    )
    return status, [("content-type", "text/html; charset=utf-8"), ("cache-control", "no-store")], body.encode()
