"""Frames of a checkpoint or snapshot, as a developer reads them: source places and diffs.

Input is what `serialization.inspect.summary` gives for a blob (nothing here decodes
or runs anything). `diff(a, b)` lists which arguments and locals changed between two
continuations of one computation (say, two checkpoints of a workflow); `fill_places`
adds the resume point's line, column and source text to frames that lack them, from
the code loaded in the current session.
"""

from __future__ import annotations


def _values(frame):
    """name -> (kind, text) for a frame's arguments and locals (last binding wins)."""
    out = {}
    for kind in ("args", "locals"):
        for item in frame.get(kind, ()):
            out[item["name"]] = (kind, item.get("full", item["value"]))
    return out


def align(a_frames, b_frames):
    """Pairs (a, b) of frames that stand for the same activation: frames are innermost
    first, so they are matched from the outermost while their functions agree; the
    rest are (a, None) / (None, b)."""
    ra, rb = list(reversed(a_frames)), list(reversed(b_frames))
    pairs = []
    i = 0
    while i < len(ra) and i < len(rb) and ra[i]["symbol"] == rb[i]["symbol"]:
        pairs.append((ra[i], rb[i]))
        i += 1
    pairs += [(f, None) for f in ra[i:]]
    pairs += [(None, f) for f in rb[i:]]
    return pairs


def diff(a_frames, b_frames):
    """What changed from the frames `a_frames` to `b_frames` (both innermost first):

    [{"symbol", "depth" (0 = outermost), "status": "same" | "changed" | "only-a" | "only-b",
      "resume_point": (a's, b's), "changes": [{"name", "kind", "change": "changed" | "added"
      | "removed", "a", "b"}]}], outermost first."""
    out = []
    for depth, (fa, fb) in enumerate(align(a_frames, b_frames)):
        f = fa or fb
        entry = {
            "symbol": f["symbol"],
            "depth": depth,
            "resume_point": (fa["resume_point"] if fa else None, fb["resume_point"] if fb else None),
            "changes": [],
        }
        if fa is None or fb is None:
            entry["status"] = "only-a" if fb is None else "only-b"
            out.append(entry)
            continue
        va, vb = _values(fa), _values(fb)
        for name in list(va) + [n for n in vb if n not in va]:
            if name not in vb:
                entry["changes"].append({"name": name, "kind": va[name][0], "change": "removed", "a": va[name][1], "b": None})
            elif name not in va:
                entry["changes"].append({"name": name, "kind": vb[name][0], "change": "added", "a": None, "b": vb[name][1]})
            elif va[name][1] != vb[name][1]:
                entry["changes"].append({"name": name, "kind": va[name][0], "change": "changed", "a": va[name][1], "b": vb[name][1]})
        moved = entry["resume_point"][0] != entry["resume_point"][1]
        entry["status"] = "changed" if entry["changes"] or moved else "same"
        out.append(entry)
    return out


def diff_text(d, a_label="A", b_label="B"):
    """The diff as lines of text (what `turmeric workflows diff` prints)."""
    lines = []
    changed = 0
    for e in d:
        where = f"frame {e['symbol']} (depth {e['depth']} from the outermost)"
        if e["status"] == "only-a":
            lines.append(f"- {where}: only at {a_label}")
            changed += 1
            continue
        if e["status"] == "only-b":
            lines.append(f"+ {where}: only at {b_label}")
            changed += 1
            continue
        if e["status"] == "same":
            continue
        changed += 1
        rp = e["resume_point"]
        lines.append(f"~ {where}" + (f": resume point {rp[0]} -> {rp[1]}" if rp[0] != rp[1] else ""))
        for c in e["changes"]:
            if c["change"] == "changed":
                lines.append(f"    {c['name']}: {c['a']} -> {c['b']}")
            elif c["change"] == "added":
                lines.append(f"    {c['name']}: (new) {c['b']}")
            else:
                lines.append(f"    {c['name']}: {c['a']} (gone)")
    if not changed:
        lines.append(f"no local changed between {a_label} and {b_label}")
    return lines


def fill_places(frames, lookup):
    """Give frames without a source column (checkpoints carry none) the line, column and
    source text of their resume point, from `lookup(symbol, fingerprint)` -> FnInfo or
    None (the loaded code; a different fingerprint means the code changed: no place).
    Returns the frames, changed in place."""
    for f in frames:
        if f.get("source") is not None:
            continue
        info = lookup(f["symbol"], f.get("fingerprint"))
        if info is None:
            continue
        pos = (getattr(info, "site_pos", None) or {}).get(f["resume_point"])
        if pos is not None:
            f["line"], f["col"] = pos[0], pos[1] or 1
        f["file"] = f.get("file") or info.file
        f["source"] = source_line(info.file, f["line"])
    return frames


def source_line(file, line):
    """The stripped text of line `line` of a loaded module's file ("" when unknown)."""
    if not file or file.startswith("<") or not line:
        return ""
    from .. import loader

    for m in loader.current_session().modules.values():
        if m.file == file and getattr(m, "lines", None):
            return m.lines[line - 1].strip() if 0 < line <= len(m.lines) else ""
    return ""
