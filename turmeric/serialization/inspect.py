"""Describe a blob without running it (`turmeric inspect BLOB [--json]`).

Owns the inert reading of a blob: the same parser as `deserialize` (so the same limits
and corrupt-data checks), but names are never resolved, no module is loaded and no
method is called. Closures, structs, custom representations and host functions
become inert descriptions; the printer here mirrors `printer.readable` for plain
data and is safe on cycles, long collections and huge integers.
"""

from __future__ import annotations

import json

from ..core.values import Box, FrozenTransient, Keyword, OptionNone, PList, PMap, PSet, PVector, Ref, Some, Symbol
from ..runtime.printer import readable
from . import format as fmt

__all__ = ["describe", "summary"]

MAX_ITEMS = 20  # elements shown per collection
MAX_DEPTH = 12  # nesting shown
MAX_CHARS = 400  # characters per printed value


class InertFn:
    __slots__ = ("entry", "free")

    def __init__(self, entry, free):
        self.entry = entry
        self.free = free


class InertStruct:
    __slots__ = ("entry", "vals")

    def __init__(self, entry, vals):
        self.entry = entry
        self.vals = vals


class InertCustom:
    __slots__ = ("entry", "rep", "resource")

    def __init__(self, entry, rep, resource):
        self.entry = entry
        self.rep = rep
        self.resource = resource


class InertHost:
    __slots__ = ("entry",)

    def __init__(self, entry):
        self.entry = entry


class InertCont:
    __slots__ = ("frames", "handler")

    def __init__(self, frames, handler):
        self.frames = frames  # ((ShapeEntry, None, values), ...)
        self.handler = handler


class InertHooks(fmt.Hooks):
    def names(self, header):
        return [(e, None) if type(e) is fmt.ShapeEntry else e for e in header.names]

    def closure(self, entry, resolved, vals):
        return InertFn(entry, tuple(vals))

    def cont(self, frames, handler):
        return InertCont(frames, handler)

    def struct(self, entry, resolved, vals):
        return InertStruct(entry, tuple(vals))

    def custom(self, entry, resolved, rep, resource):
        return InertCustom(entry, rep, resource)

    def host(self, entry, resolved):
        return InertHost(entry)


# --- printing --------------------------------------------------------------------------------------


FULL_CHARS = 20_000  # the unfolded text of a large value (summary(..., full=True))
FULL_ITEMS = 1_000


def show(v, max_chars=MAX_CHARS, max_items=MAX_ITEMS):
    """A readable, bounded text for a decoded (inert) value."""
    out = []
    _show(v, 0, set(), out, [max_chars, max_items])
    s = "".join(out)
    return s if len(s) <= max_chars else s[: max_chars - 3] + "..."


def _atom(v):
    t = type(v)
    if t is int:
        try:
            return str(v)
        except ValueError:  # more digits than Python will print
            return f"#<int of {v.bit_length()} bits>"
    return readable(v)


def _show(v, depth, seen, out, left):
    if left[0] <= 0:
        return
    t = type(v)
    if v is None or t in (bool, int, float, str, bytes, Keyword, Symbol, OptionNone):
        s = _atom(v)
        out.append(s)
        left[0] -= len(s)
        return
    if depth >= MAX_DEPTH:
        out.append("...")
        left[0] -= 3
        return
    key = id(v)
    if key in seen:
        out.append("#<cycle>")
        left[0] -= 8
        return
    seen.add(key)
    try:
        d = depth + 1
        if isinstance(v, PList):
            _seq("(", ")", v, d, seen, out, left)
        elif t is tuple:
            _seq("#tuple[", "]", v, d, seen, out, left)
        elif t is FrozenTransient:
            _seq("#accumulator[", "]", v.items, d, seen, out, left)
        elif isinstance(v, PVector):
            _seq("[", "]", v, d, seen, out, left)
        elif isinstance(v, PSet):
            _seq("#{", "}", v, d, seen, out, left)
        elif isinstance(v, PMap):
            out.append("{")
            for i, (k, x) in enumerate(v.items()):
                if i:
                    out.append(" ")
                if i >= left[1]:
                    out.append(f"... {len(v) - i} more")
                    break
                _show(k, d, seen, out, left)
                out.append(" ")
                _show(x, d, seen, out, left)
            out.append("}")
        elif t is Some:
            out.append("(Some ")
            _show(v.value, d, seen, out, left)
            out.append(")")
        elif t is Ref:
            out.append("#<ref ")
            _show(v.value, d, seen, out, left)
            out.append(">")
        elif t is Box:
            _show(v.v, depth, seen, out, left)
        elif t is InertStruct:
            out.append("(" + v.entry.name)
            for x in v.vals:
                out.append(" ")
                _show(x, d, seen, out, left)
            out.append(")")
        elif t is InertCustom:
            kind = "resource" if v.resource else "custom"
            out.append(f"#<{v.entry.name} {kind} ")
            _show(v.rep, d, seen, out, left)
            out.append(">")
        elif t is InertFn:
            out.append("#<fn " + v.entry.symbol + ">")
        elif t is InertHost:
            out.append("#<fn " + (f"{v.entry.module}.{v.entry.name}" if v.entry.module else v.entry.name) + ">")
        elif t is InertCont:
            out.append(f"#<continuation {len(v.frames)} frames>")
        else:
            out.append(f"#<{type(v).__name__}>")
    finally:
        seen.discard(key)


def _seq(open_, close, items, depth, seen, out, left):
    out.append(open_)
    n = len(items)
    for i, x in enumerate(items):
        if i:
            out.append(" ")
        if i >= left[1] or left[0] <= 0:
            out.append(f"... {n - i} more")
            break
        _show(x, depth, seen, out, left)
    out.append(close)


def _type_of(v):
    t = type(v)
    if t is InertCont:
        return "continuation"
    if t in (InertFn, InertHost):
        return "fn"
    if t is InertStruct:
        return v.entry.name
    if t is InertCustom:
        return v.entry.name
    from ..runtime.printer import type_name

    return type_name(v)


# --- the description ------------------------------------------------------------------------------


def summary(blob, full=False):
    """The description as plain data (what `--json` prints). With `full`, each argument and
    local also has "full": its text with far larger limits (what a UI unfolds)."""
    signed = False
    if isinstance(blob, (bytearray, memoryview)):
        blob = bytes(blob)
    purpose = expiry = None
    if blob[:4] == fmt.SIGNED_MAGIC:
        from . import trust

        signed = True
        purpose, expiry, blob = trust.peek_unverified(blob)
    code = None
    if blob[:4] == fmt.CODE_MAGIC:  # a code bundle: the records are indexed, never compiled here
        whole = len(blob)
        index, blob = fmt.split_bundle(blob)
        code = {"functions": sorted({sym for sym, _ in index}), "bytes": whole - len(blob)}
    h, value = fmt.parse(blob, InertHooks())
    out = {
        "format": h.format_version,
        "signed": signed,
        "purpose": purpose,
        "expires_ms": expiry,
        "compressed": h.compressed,
        "bytes": len(blob),
        "payload_bytes": h.size,
        "program": {"module": h.program, "version": h.version},
        "modules": [{"name": n, "version": v, "file": f} for n, (v, f) in h.modules.items()],
        "type": _type_of(value),
        "code": code,  # a code bundle: the functions whose code it carries and its size; else None
    }
    if _is_snapshot(value):
        _snapshot(value, h, out, full)
    elif type(value) is InertCont:
        out["frames"] = [_frame(i, shape, vals, h, full) for i, (shape, _, vals) in enumerate(value.frames)]
        out["handler"] = None if value.handler is None else show(value.handler)
    elif type(value) is InertFn:
        e = value.entry
        out["closure"] = {
            "symbol": e.symbol,
            "fingerprint": e.fingerprint,
            "file": _file_of(e.symbol, h),
            "line": e.line,
            "free": [{"name": n, "value": show(x)} for n, x in zip(e.free, value.free, strict=False)],
        }
    else:
        out["value"] = show(value)
    return out


def _is_snapshot(v):
    from .snapshot import K

    return isinstance(v, PMap) and v.get(K["turmeric-snapshot"]) == 1 and type(v.get(K["k"])) is InertCont


def _snapshot(v, h, out, full=False):
    """A snapshot (`snapshot.py`): its metadata, and its continuation's frames with their
    source positions and lines as the snapshot recorded them."""
    from .snapshot import K

    def text(key):
        x = v.get(K[key])
        return x if type(x) is str else None

    err = v.get(K["error"])
    out["type"] = "snapshot"
    out["snapshot"] = {
        "kind": text("kind"),
        "name": text("name"),
        "error": None if err is None else (text("message") or show(err)),
        "error_type": None if err is None else _type_of(err),
        "message": text("message"),
        "at": text("at"),
        "time": text("time"),
        "program": text("program"),
    }
    k = v.get(K["k"])
    where = {}
    rows = v.get(K["places"])
    for row in rows if isinstance(rows, PVector) else ():
        if isinstance(row, PVector) and len(row) == 6:
            sym, site, file, line, col, src = row
            if type(sym) is str and type(site) is int and type(file) is str and type(line) is int and type(col) is int and type(src) is str:
                where[(sym, site)] = {"file": file, "line": line, "col": col, "source": src.strip()}
    frames = []
    for i, (shape, _, vals) in enumerate(k.frames):
        f = _frame(i, shape, vals, h, full)
        f.update(where.get((f["symbol"], f["resume_point"]), {}))
        frames.append(f)
    out["frames"] = frames
    out["handler"] = None if k.handler is None else show(k.handler)
    saved = v.get(K["globals"])
    out["globals"] = []
    if isinstance(saved, PMap):
        for mname, vals in saved.items():
            if type(mname) is str and isinstance(vals, PMap):
                for gname, x in vals.items():
                    item = {"module": mname, "name": str(gname), "value": show(x)}
                    if full:
                        item["full"] = show(x, FULL_CHARS, FULL_ITEMS)
                    out["globals"].append(item)


def _file_of(symbol, h):
    mod = symbol.split(".", 1)[0]
    return h.modules.get(mod, ("?", ""))[1]


def _frame(i, shape, vals, h, full=False):
    fn = shape.fn
    args = []
    locals_ = []
    for j, (name, x) in enumerate(zip(shape.names, vals, strict=False)):
        if name.startswith("~"):
            continue
        item = {"name": name, "value": show(x)}
        if full:
            item["full"] = show(x, FULL_CHARS, FULL_ITEMS)
        (args if j < fn.nparams else locals_).append(item)
    return {
        "index": i,
        "symbol": fn.symbol,
        "fingerprint": fn.fingerprint,
        "file": _file_of(fn.symbol, h),
        "line": fn.line,
        "resume_point": shape.site,
        "slots": list(shape.names),  # the frame's saved values, in order (what a chunk reference's index counts)
        "args": args,
        "locals": locals_,
    }


def frame_lines(frames, indent="  "):
    """The text of `summary`'s frames, innermost first: where each one stands (file:line:col
    of its resume point), the source line there when known, its arguments and locals."""
    lines = []
    for f in frames:
        if f["file"].startswith("<"):
            where = "runtime"
        else:
            where = f"{f['file']}:{f['line']}" if f["file"] else f"line {f['line']}"
            if f.get("col"):
                where += f":{f['col']}"
        lines.append(f"{indent}frame {f['index']} {f['symbol']}  ({where})")
        if f.get("source"):
            lines.append(f"{indent}  | {f['source']}")
        for kind in ("args", "locals"):
            for item in f[kind]:
                lines.append(f"{indent}  {'arg' if kind == 'args' else 'local'} {item['name']} = {item['value']}")
    return lines


def describe(blob, as_json=False):
    """Text describing `blob` without running anything (raises Thrown(corrupt-data) if malformed)."""
    s = summary(blob)
    if as_json:
        return json.dumps(s, indent=2, ensure_ascii=False)
    lines = [
        f"Turmeric blob, format {s['format']}"
        + (f" (signed for purpose {s['purpose']!r}; signature not checked)" if s["signed"] else "")
        + f", {s['bytes']} bytes"
        + (f" (zlib, {s['payload_bytes']} bytes inflated)" if s["compressed"] else ""),
        f"program: {s['program']['module'] or '(none)'} version {s['program']['version']}",
        *(
            [
                f"carries the code of {len(s['code']['functions'])} functions ({s['code']['bytes']} bytes): resuming runs it where the program changed since"
            ]
            if s["code"]
            else []
        ),
        "modules:",
    ]
    for m in s["modules"]:
        lines.append(f"  {m['name']} version {m['version']}" + (f"  {m['file']}" if m["file"] else ""))
    if "snapshot" in s:
        sn = s["snapshot"]
        title = f"snapshot ({sn['kind']}" + (f" {sn['name']!r}" if sn["name"] else "") + f") taken {sn['time']}"
        lines.append(title)
        if sn["error"] is not None:
            lines.append(f"  error: {sn['error']}")
            if sn["at"]:
                lines.append(f"  thrown at {sn['at']}")
    if "frames" in s:
        lines.append(f"value: continuation of {len(s['frames'])} frames (innermost first)")
        lines += frame_lines(s["frames"])
        if s["handler"] is not None:
            lines.append(f"  try-with handler: {s['handler']}")
    elif "closure" in s:
        c = s["closure"]
        lines.append(f"value: closure {c['symbol']}  ({c['file']}:{c['line']})")
        for item in c["free"]:
            lines.append(f"  free {item['name']} = {item['value']}")
    else:
        lines.append(f"value: {s['type']} {s['value']}")
    if s.get("globals"):
        lines.append("globals saved with the snapshot (resuming puts them back):")
        for g in s["globals"]:
            lines.append(f"  {g['module']}.{g['name']} = {g['value']}")
    return "\n".join(lines)
