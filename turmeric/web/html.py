"""HTML written as data: `[:tag {:attr v} children...]` to escaped text.

Strings and other values are escaped; only a `raw-html` value (made by `(raw s)`)
is written as it is. Tag and attribute names are checked, so data can't open a tag
or an attribute it doesn't name. Attribute values are always quoted and escaped.
"""

from __future__ import annotations

import re
from html import escape

from ..core.values import Keyword, PList, PMap, PVector, Struct
from ..runtime.printer import display

VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9\-_:.]*$")


class HtmlError(Exception):
    """A page that can't be written as HTML (a bad tag or attribute name)."""


def is_raw(x):
    return isinstance(x, Struct) and x.stype.name == "raw-html"


def is_element(x):
    return isinstance(x, PVector) and len(x) > 0 and type(x[0]) is Keyword


def render(node):
    """The HTML text of a node (element vector, string, number, seq of nodes, raw-html, nil)."""
    out = []
    _render(node, out)
    return "".join(out)


def _name_of(k, what):
    name = k.name if type(k) is Keyword else k if type(k) is str else None
    if name is None or not _NAME.match(name):
        raise HtmlError(f"{what} name must be a keyword like :div, got {display(k)}")
    return name


def _render(node, out):
    t = type(node)
    if t is str:
        out.append(escape(node, quote=False))
    elif node is None:
        return
    elif is_element(node):
        _element(node, out)
    elif isinstance(node, (PVector, PList)) or t in (list, tuple):
        for child in node:
            _render(child, out)
    elif is_raw(node):
        out.append(node.vals[0])
    elif t is bool:
        out.append("true" if node else "false")
    else:
        out.append(escape(display(node), quote=False))


def _element(node, out):
    tag = _name_of(node[0], "tag")
    rest = list(node)[1:]
    attrs = None
    if rest and isinstance(rest[0], PMap):
        attrs, rest = rest[0], rest[1:]
    out.append("<" + tag)
    if attrs:
        for k, v in attrs.items():
            if v is None or v is False:
                continue
            name = _name_of(k, "attribute")
            if v is True:
                out.append(" " + name)
                continue
            if isinstance(v, (PVector, PList)):  # :class ["a" "b"]
                v = " ".join(display(x) for x in v)
            elif is_raw(v):
                v = v.vals[0]
            elif type(v) is not str:
                v = display(v)
            out.append(f' {name}="{escape(v, quote=True)}"')
    out.append(">")
    if tag.lower() in VOID:
        return
    for child in rest:
        _render(child, out)
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
