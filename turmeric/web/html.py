"""HTML written as data: `[:tag {:attr v} children...]` to escaped text.

Strings and other values are escaped; only a `raw-html` value (made by `(raw s)`)
is written as it is. Tag and attribute names are checked, so data can't open a tag
or an attribute it doesn't name. Attribute values are always quoted and escaped.
"""

from __future__ import annotations

import re
from html import escape

from ..core.values import Keyword, PList, PMap, PVector, Struct, pmap, pvector
from ..runtime.printer import display

PV = type(pvector())  # the concrete classes: type checks are much cheaper than ABC isinstance
PM = type(pmap())
VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_:.]*$")


class HtmlError(Exception):
    """A page that can't be written as HTML (a bad tag or attribute name)."""


def is_raw(x):
    return isinstance(x, Struct) and x.stype.name == "raw-html"


def is_element(x):
    return (type(x) is PV or isinstance(x, PVector)) and len(x) > 0 and type(x[0]) is Keyword


def render(node):
    """The HTML text of a node (element vector, string, number, seq of nodes, raw-html, nil)."""
    out = []
    _render(node, out)
    return "".join(out)


_NAMES: dict = {}  # checked names (keywords are interned and few)


def _name_of(k, what):
    name = k.name if type(k) is Keyword else k if type(k) is str else None
    if name is None or not _NAME.match(name):
        raise HtmlError(f"{what} name must be a keyword like :div, got {display(k)}")
    if type(k) is Keyword and len(_NAMES) < 10000:
        _NAMES[k] = name
    return name


def _render(node, out):
    t = type(node)
    if t is str:
        out.append(escape(node, quote=False))
    elif node is None:
        return
    elif t is PV and len(node) and type(node[0]) is Keyword:
        _element(node, out)
    elif t is PV or isinstance(node, (PVector, PList)) or t in (list, tuple):
        for child in node:
            _render(child, out)
    elif is_raw(node):
        out.append(node.vals[0])
    elif t is bool:
        out.append("true" if node else "false")
    else:
        out.append(escape(display(node), quote=False))


def _element(node, out):
    tag = _NAMES.get(node[0]) or _name_of(node[0], "tag")
    n = len(node)
    i = 1
    out.append("<" + tag)
    if n > 1 and (type(node[1]) is PM or isinstance(node[1], PMap)):
        i = 2
        for k, v in node[1].items():
            if v is None or v is False:
                continue
            name = _NAMES.get(k) or _name_of(k, "attribute")
            if v is True:
                out.append(" " + name)
                continue
            if type(v) is str:
                pass
            elif isinstance(v, (PVector, PList)):  # :class ["a" "b"]
                v = " ".join(display(x) for x in v)
            elif is_raw(v):
                v = v.vals[0]
            else:
                v = display(v)
            out.append(f' {name}="{escape(v, quote=True)}"')
    out.append(">")
    if tag.lower() in VOID:
        return
    while i < n:
        _render(node[i], out)
        i += 1
    out.append(f"</{tag}>")


def page(node, title="Turmeric"):
    """A whole document: `[:html ...]` as it is, anything else inside a minimal page."""
    if is_element(node) and node[0].name.lower() == "html":
        return "<!DOCTYPE html>\n" + render(node)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title></head><body>{render(node)}</body></html>"
    )
