"""Declared migrations: `(defmigration ...)` upgrades frames of an old function version to the
current code at a named resume point, instead of running the old version.

    (defmigration approve-v2
      :function approve         ; a top-level function of this module, defined above
      :from "e5541ebc"          ; the old version: its fingerprint or a prefix (6+ hex digits), or :any
      :at (recv "go")           ; the resume point in the old version (a call pattern, or its number)
      :to (recv "go")           ; the resume point in the current version
      :locals (fn [old] ...))   ; {:name value} of the old frame -> {:name value} of the new one

A *resume point* is a place where a frame of the function can stand suspended: a call
that may capture (a durable operation, a call of a function that suspends). It is
named by a *call pattern*, `(callee arg ...)`: the call written in the function's text
whose head is the symbol `callee` and whose first arguments are these literals (`_`
matches any argument); it must match exactly one resume point. A number names resume
point N as `turmeric workflows show` lists them.

At load time the form is checked against the current code (the function exists, is
defined above, `:to` names exactly one resume point whose saved values are all named
locals); errors name the form's file:line:col. When a continuation is decoded
(`Session.migrate_frames`, called by the decoder for every continuation), each frame
of an old version of the function with a matching fingerprint, standing at the `:at`
resume point (resolved against that old version's own code, from the code store),
becomes a frame of the current version at `:to`, with the locals the `:locals`
function returns (by default the old locals of the same names).
"""

from __future__ import annotations

import os

from ..core.errors import make_error
from ..core.registry import CODES
from ..core.values import Keyword, PList, PMap, PVector, Symbol, Thrown, pmap
from ..reader import MapLiteral, read_all
from ..runtime import control
from ..runtime.printer import display, readable

OPTIONS = ("function", "from", "at", "to", "locals")
LITERALS = (str, int, float, bool, type(None), Keyword)


class Migration:
    __slots__ = ("name", "module", "symbol", "from_fp", "at", "to_info", "to_site", "fn", "pos")

    def __init__(self, name, module, symbol, from_fp, at, to_info, to_site, fn, pos):
        self.name = name
        self.module = module
        self.symbol = symbol  # the function's stable symbol, `module.name`
        self.from_fp = from_fp  # fingerprint prefix, or None for any old version
        self.at = at  # call pattern (PList) or site number
        self.to_info = to_info  # the current version's FnInfo
        self.to_site = to_site
        self.fn = fn  # the :locals function, or None
        self.pos = pos

    def where(self):
        p = self.pos
        if p is None:
            return "<defmigration>"
        f = p.file
        if f and not f.startswith("<"):
            rel = os.path.relpath(f)
            f = rel if not rel.startswith("..") else f
        return f"{f}:{p.line}:{p.col}"

    def matches(self, fingerprint):
        return self.from_fp is None or fingerprint.startswith(self.from_fp)

    def error(self, msg):
        return Thrown(make_error("error", f"{self.where()}: defmigration {self.name}: {msg}"))


# --- resume points ----------------------------------------------------------------------------


def _walk(form, out):
    stack = [form]
    while stack:
        f = stack.pop()
        t = type(f)
        if t is PList:
            p = getattr(f, "pos", None)
            if p is not None:
                out.setdefault((p.line, p.col), f)
            stack.extend(f)
        elif isinstance(f, PVector):
            stack.extend(f)
        elif isinstance(f, PMap):
            for k, v in f.items():
                stack.append(k)
                stack.append(v)
        elif type(f) is MapLiteral:
            stack.extend(f.items)


def _forms_by_pos(text, filename):
    out = {}
    try:
        forms = read_all(text, filename)
    except Exception:  # noqa: BLE001 - a text that no longer reads: resume points by number only
        return out
    for f in forms:
        _walk(f, out)
    return out


def source_of(session, info):
    """(text, filename) the positions of `info.site_pos` refer to: the stored record's form for
    a version compiled from the code store, else the module's file."""
    if (info.symbol, info.fingerprint) in session.from_records and info.origin is not None:
        return info.origin[2], f"<code {info.origin[1]}>"
    m = session.modules.get(info.module)
    if m is None:
        return None, None
    return "\n".join(m.lines), m.file


def resume_points(session, info):
    """{site: call form or None} for every resume point of `info` (cached per version: a
    version's code never changes)."""
    cache = session.caches.setdefault("resume-points", {})
    key = (info.symbol, info.fingerprint, id(info))
    hit = cache.get(key)
    if hit is not None and hit[0] is info:
        return hit[1]
    text, filename = source_of(session, info)
    by_pos = _forms_by_pos(text, filename) if text is not None else {}
    out = {site: by_pos.get(info.site_pos.get(site)) for site in sorted(info.sites)}
    cache[key] = (info, out)
    return out


def describe_point(site, call):
    return f"{site} {readable(call)}" if call is not None else str(site)


def _pattern_matches(pattern, call):
    if call is None or call.count < 1 or type(call.first) is not Symbol:
        return False
    items = list(pattern)
    got = list(call)
    if got[0].name != items[0].name or len(got) < len(items):
        return False
    for want, have in zip(items[1:], got[1:], strict=False):
        if type(want) is Symbol and want.name == "_":
            continue
        if type(want) is not type(have) or want != have:
            return False
    return True


def find_point(session, info, spec):
    """The site `spec` (a number or a call pattern) names in `info`; raises ValueError(why)."""
    points = resume_points(session, info)
    listing = ", ".join(describe_point(s, c) for s, c in points.items()) or "none"
    if type(spec) is int:
        if spec not in points:
            raise ValueError(f"{info.symbol} has no resume point {spec} (its resume points: {listing})")
        return spec
    hits = [s for s, c in points.items() if _pattern_matches(spec, c)]
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise ValueError(f"no resume point of {info.symbol} is a call {readable(spec)} (its resume points: {listing})")
    raise ValueError(f"{readable(spec)} matches {len(hits)} resume points of {info.symbol} ({listing}): add arguments to tell them apart")


# --- the form -----------------------------------------------------------------------------------


def _check_pattern(mod, name, key, v, form):
    if type(v) is int and not isinstance(v, bool) and v > 0:
        return v
    if type(v) is PList and v.count >= 1 and type(v.first) is Symbol:
        for a in list(v)[1:]:
            if not (type(a) in LITERALS or (type(a) is Symbol and a.name == "_")):
                mod.expander.error(
                    f"defmigration {name}: in :{key} {readable(v)}, {readable(a)} is not a literal: a call pattern's arguments "
                    "are literals (strings, numbers, keywords, booleans, nil) or _ for any",
                    a if getattr(a, "pos", None) else v,
                )
        return v
    mod.expander.error(
        f'defmigration {name}: :{key} names a resume point: a call pattern like (recv "approval") or a resume point number, '
        f"got {readable(v)}",
        v if getattr(v, "pos", None) else form,
    )


_BINDERS = ("let", "loop", "with")


def _local_function_owner(mod, name):
    """(the top-level function, position) in which `name` is bound locally (a `def` or `let`
    inside its body, or a named `fn`), read from the module's text; None if nowhere. Only
    used to say why a defmigration's :function is refused."""
    try:
        forms = read_all("\n".join(mod.lines), mod.file or "<input>")
    except Exception:  # noqa: BLE001 - only improves a message
        return None

    def binds(x):
        if type(x) is not PList or not x.count or type(x.first) is not Symbol:
            return None
        items = list(x)
        head = x.first.name
        if head in ("def", "fn", "defn") and len(items) > 1 and type(items[1]) is Symbol and items[1].name == name:
            return getattr(items[1], "pos", None) or getattr(x, "pos", None)
        if head in _BINDERS and len(items) > 1 and isinstance(items[1], PVector):
            for b in list(items[1])[0::2]:
                if type(b) is Symbol and b.name == name:
                    return getattr(b, "pos", None) or getattr(x, "pos", None)
        return None

    def walk(x):
        p = binds(x)
        if p is not None:
            return p
        if isinstance(x, (PList, PVector)):
            for y in x:
                r = walk(y)
                if r is not None:
                    return r
        return None

    for f in forms:
        if type(f) is PList and f.count > 2 and type(f.first) is Symbol and f.first.name in ("defn", "defworkflow"):
            items = list(f)
            if type(items[1]) is Symbol:
                for y in items[2:]:
                    p = walk(y)
                    if p is not None:
                        return items[1].name, p
    return None


def tl_defmigration(mod, form, pos):
    items = list(form)
    usage = '(defmigration name :function f :from "fingerprint" :at (call ...) :to (call ...) :locals (fn [old] new))'
    if len(items) < 2 or type(items[1]) is not Symbol:
        mod.expander.error(f"defmigration needs a name: {usage}", form)
    name = items[1].name
    opts = items[2:]
    if len(opts) % 2:
        mod.expander.error(f"defmigration {name}: options come in pairs: {usage}", form)
    o = {}
    for i in range(0, len(opts), 2):
        k = opts[i]
        if type(k) is not Keyword or k.name not in OPTIONS:
            mod.expander.error(f"defmigration {name}: unknown option {display(k)} (known: {', '.join(':' + x for x in OPTIONS)})", form)
        if k.name in o:
            mod.expander.error(f"defmigration {name}: :{k.name} given twice", form)
        o[k.name] = opts[i + 1]
    for req in ("function", "from", "at", "to"):
        if req not in o:
            mod.expander.error(f"defmigration {name}: :{req} is missing: {usage}", form)
    fsym = o["function"]
    if type(fsym) is not Symbol:
        mod.expander.error(f"defmigration {name}: :function names a function of this module, got {display(fsym)}", form)
    f = mod.ns.get(fsym.name)
    info = CODES.get(getattr(f, "__code__", None)) if f is not None else None
    symbol = f"{mod.name}.{fsym.name}"
    if info is None or info.symbol != symbol:
        local = _local_function_owner(mod, fsym.name)
        if local is not None:
            outer, lpos = local
            at = f" ({lpos.file}:{lpos.line}:{lpos.col})" if lpos is not None else ""
            mod.expander.error(
                f"defmigration {name}: {fsym.name} is a local function of {outer}{at}, and migrations name top-level "
                f"functions only. Migrate the frame of {outer} that calls it instead (:function {outer} :at ({fsym.name} ...) "
                f":to ...): the local function's suspended frames keep running their own version, from the code store",
                fsym if getattr(fsym, "pos", None) else form,
            )
        mod.expander.error(
            f"defmigration {name}: no function {fsym.name} is defined in module {mod.name} above this form "
            "(a defmigration comes after the defn or defworkflow it migrates)",
            fsym if getattr(fsym, "pos", None) else form,
        )
    if info.free:
        mod.expander.error(f"defmigration {name}: {symbol} is a closure; only top-level functions can be migrated", form)
    fr = o["from"]
    if type(fr) is Keyword and fr.name == "any":
        from_fp = None
    elif type(fr) is str and 6 <= len(fr) <= len(info.fingerprint) and all(c in "0123456789abcdef" for c in fr):
        from_fp = fr
        if info.fingerprint.startswith(fr):
            mod.expander.error(
                f"defmigration {name}: {fr} is the current version of {symbol}: name the old version's fingerprint "
                "(turmeric workflows show ID lists it)",
                form,
            )
    else:
        mod.expander.error(
            f"defmigration {name}: :from is the old version's fingerprint (or its first 6+ hex digits), as turmeric workflows "
            f"show lists it, or :any; got {display(fr)}",
            form,
        )
    at = _check_pattern(mod, name, "at", o["at"], form)
    to = _check_pattern(mod, name, "to", o["to"], form)
    try:
        to_site = find_point(mod.session, info, to)
    except ValueError as e:
        mod.expander.error(f"defmigration {name}: :to {readable(to)}: {e}", to if getattr(to, "pos", None) else form)
    temps = [n for n in info.sites[to_site] if n.startswith("~")]
    if temps:
        mod.expander.error(
            f"defmigration {name}: resume point {to_site} of {symbol} also holds values of an unfinished expression, which "
            'a migration can\'t supply: choose a call whose value is bound directly, like (def m (recv "go"))',
            form,
        )
    fn = None
    if "locals" in o:
        lf = o["locals"]
        if not (type(lf) is PList and lf.count >= 2 and type(lf.first) is Symbol and lf.first.name == "fn"):
            mod.expander.error(f"defmigration {name}: :locals is a function (fn [old] new-locals), got {display(lf)}", form)
        node = mod.expander.expand_fn_form(lf.rest, f"{mod.name}.migration:{name}")
        fn = mod.fn_value(node)
    mig = Migration(name, mod.name, symbol, from_fp, at, info, to_site, fn, pos)
    mod.session.add_migration(mig)
    return None


# --- applying them ------------------------------------------------------------------------------


def migrate_frames(session, frames):
    """`frames` with every frame a declared migration applies to upgraded (see the module doc)."""
    out = None
    state = session.state
    for j, (info, site, vals) in enumerate(frames):
        migs = session.migrations.get(info.symbol)
        if not migs:
            continue
        cur = state.lookup(info.symbol)
        if cur is info or cur is None:
            continue
        for mig in migs:
            if not mig.matches(info.fingerprint) or mig.to_info is not cur:
                continue
            try:
                at = find_point(session, info, mig.at)
            except ValueError as e:
                raise mig.error(f":at {readable(mig.at)}: in the old version {info.fingerprint[:8]}, {e}") from None
            if at != site:
                continue
            out = out if out is not None else list(frames)
            out[j] = upgrade(mig, info, site, vals, innermost=j == 0)
            break
    return frames if out is None else tuple(out)


def upgrade(mig, info, site, vals, innermost):
    new = mig.to_info
    if innermost and info.suspends is not None and ((site in info.suspends) != (mig.to_site in (new.suspends or ()))):
        raise mig.error("the old and the new resume points are not of the same kind (one captures, the other is a call)")
    old = {}
    for n, v in zip(info.sites[site], vals, strict=False):
        if not n.startswith("~"):
            old[Keyword(n)] = v
    m = pmap(old)
    if mig.fn is not None:
        try:
            m = control.reset(lambda: mig.fn(m))
        except Thrown as e:
            raise mig.error(f"its :locals function threw {display(e.value)}") from None
        if not isinstance(m, PMap):
            raise mig.error(f"its :locals function must return a map of the new locals, like {{:a 1}}, got {display(m)}")
    names = new.sites[mig.to_site]
    out = []
    for n in names:
        k = Keyword(n)
        if k not in m:
            have = " ".join(display(x) for x in m.keys()) or "none"
            raise mig.error(f"resume point {mig.to_site} of {new.symbol} needs the local {n}; the locals given are {have}")
        out.append(m[k])
    return (new, mig.to_site, tuple(out))


def install():
    """Make `defmigration` a top-level form of every module."""
    from .module import TOPLEVEL

    TOPLEVEL["defmigration"] = tl_defmigration
