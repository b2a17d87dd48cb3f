"""Debugger snapshots: a continuation saved with what a developer needs to look at it.

A snapshot is an ordinary blob (`format.py`) whose value is a map marked
`:turmeric-snapshot 1`: the continuation `:k`, why it was taken (`:kind` "error",
"snapshot" or "breakpoint"), its `:name`, for an error the thrown `:error` and where it
was thrown (`:at` "file:line:col"), the time, the program, and for each function and
resume point of its frames the file, line, column and source line there (`:places`,
rows [symbol site file line col source]), so that `turmeric inspect` and the UI show
source without opening files the blob names, and the program's global variables
(`:globals`, the values of its `def`s that serialize), which resuming puts back. When a key
is configured the blob is signed for the purpose "snapshot", so a signed blob of some
other purpose does not pass for a snapshot.

The blob is a code bundle (`format.encode_with_code`, what `(serialize v :with-code #t)`
writes): it carries the code records of the functions its frames are in, so that it
resumes on its own code after the program was edited; `upgrade` moves frames onto the
current code instead (`turmeric resume SNAP --upgrade`), at the same resume point.

Owns: building and writing snapshots (`build`, `encode`, `write`), reading them back
(`read`, verify before decode), where and how they are written (`Config`, a context
variable: per thread and per asyncio task), the builtins `snapshot` and `breakpoint`
(`install`), and `error_snapshot`, which servers and workers call with an uncaught
exception when snapshots on error are on.
"""

from __future__ import annotations

import contextvars
import os
import re

from ..core.errors import make_error
from ..core.registry import ROOT
from ..core.values import Keyword, PMap, Thrown, pmap, pvector
from ..runtime import control
from ..runtime.lib.files import ExitRequest
from ..runtime.printer import readable, type_name
from . import trust
from .api import fmt  # the encoder and decoder, imported on first use (start-up pays nothing)

PURPOSE = "snapshot"
SUFFIX = ".snap"

K = {n: Keyword(n) for n in ("turmeric-snapshot", "kind", "name", "error", "message", "at", "time", "program", "places", "globals", "k")}


class Config:
    """Where snapshots go and how they are signed. `on_error`: an uncaught throw is saved."""

    __slots__ = ("dir", "key", "on_error")

    def __init__(self, dir=None, key=None, on_error=False):
        self.dir = dir  # None: the current directory
        self.key = key  # bytes or None
        self.on_error = on_error


CONFIG: contextvars.ContextVar = contextvars.ContextVar("turmeric_snapshot_config", default=None)


def current():
    """The Config of the current context (the defaults when none was activated)."""
    return CONFIG.get() or Config()


_TRUE = {"1", "yes", "true", "on"}
_FALSE = {"", "0", "no", "false", "off"}


def config_from_env(env=None, dir=None, key=None, on_error=False):
    """The Config for a process: TURMERIC_SNAPSHOT_ON_ERROR=1 (or =DIR) turns snapshots on
    error on, TURMERIC_SNAPSHOT_DIR says where snapshots go; explicit arguments win."""
    env = os.environ if env is None else env
    v = env.get("TURMERIC_SNAPSHOT_ON_ERROR", "").strip()
    if v.lower() not in _FALSE:
        on_error = True
        if v.lower() not in _TRUE and dir is None:
            dir = v
    if dir is None:
        dir = env.get("TURMERIC_SNAPSHOT_DIR") or None
    return Config(dir, key, on_error)


def activate(config):
    """Use `config` in the current context (thread or task); returns a token for `CONFIG.reset`."""
    token = CONFIG.set(config)
    control.SNAPSHOT_ON_ERROR.set(bool(config.on_error))
    return token


# --- building -------------------------------------------------------------------------------------


def _source_line(file, line, strip=True):
    """Line `line` of `file` as loaded (else as on disk), stripped unless `strip` is false
    (then only the line end goes, so that a column still counts from its start)."""
    text = _raw_line(file, line)
    return text.strip() if strip else text.rstrip()


def _raw_line(file, line):
    if not file or file.startswith("<") or not line:
        return ""
    try:
        from . import names

        for m in names.runtime_modules().modules.values():
            if m.file == file and getattr(m, "lines", None):
                return m.lines[line - 1] if 0 < line <= len(m.lines) else ""
    except Exception:  # the loader isn't there (a bare runtime): read the file
        pass
    import linecache  # here, not at the top: it costs a millisecond of every start

    return linecache.getline(file, line)


def places(frames, throw_pos=None):
    """One row [symbol site file line col source] per distinct (function, resume point) of
    `frames`: where a frame resumed there stands. A deep recursion has few of them."""
    seen = {}
    for i, (info, site, _vals) in enumerate(frames):
        key = (info.symbol, site)
        if key in seen:
            continue
        file, line, col = info.file, info.line, 1
        p = (getattr(info, "site_pos", None) or {}).get(site)
        if p is not None:
            line, col = p[0], p[1] or 1
        elif i == 0 and throw_pos:
            file, line, col = _split_pos(throw_pos, file, line)
        seen[key] = pvector([info.symbol, int(site), file or "", int(line or 0), int(col or 1), _source_line(file, line, strip=False)])
    return pvector(seen.values())


def _split_pos(pos, file, line):
    m = re.match(r"^(.*):(\d+):(\d+)$", str(pos))
    if not m:
        return file, line, 1
    return m.group(1), int(m.group(2)), int(m.group(3))


def _program():
    try:
        from . import names

        m = names.runtime_modules().main
        return m.file if m is not None else ""
    except Exception:
        return ""


def saved_globals():
    """{module name: {global name: value}} for the program's modules: every `def` whose
    value serializes, except the functions a `defn` defines (resuming loads the code, and
    definitions mode would not recompute a def like `(def table (build-table))`). What
    can't be serialized is left out (resuming then sees it unbound)."""
    out = {}
    try:
        from . import names

        mods = list(names.runtime_modules().modules.values())
    except Exception:
        return pmap()
    for m in mods:
        if m.name in ("prelude", "cli-value") or not getattr(m, "declared", None):
            continue
        vals = {}
        for gname in sorted(m.declared):
            if gname not in m.ns:
                continue
            v = m.ns[gname]
            code = getattr(v, "__code__", None)
            if code is not None:
                info = control.CODES.get(code)
                if info is not None and info.symbol == f"{m.name}.{gname}":
                    continue  # a defn: its code is loaded again on resume
            if callable(v) and code is None and not isinstance(v, control.Continuation):
                continue  # struct constructors, type classes, host objects
            try:
                fmt.encode(v)
            except Exception:
                continue
            vals[gname] = v
        if vals:
            out[m.name] = pmap(vals)
    return pmap(out)


def restore_globals(snap):
    """Put a snapshot's saved globals back into the loaded modules (resume calls this)."""
    saved = snap.get(K["globals"])
    if not isinstance(saved, PMap):
        return
    from . import names

    mods = names.runtime_modules().modules
    for mname, vals in saved.items():
        m = mods.get(mname)
        if m is None or not isinstance(vals, PMap):
            continue
        for gname, v in vals.items():
            if type(gname) is str and not gname.startswith("#"):
                m.ns[gname] = v


def _utc_now():
    # datetime (and secrets, below) are imported when a snapshot is taken, not at start-up
    import datetime

    return datetime.datetime.now(datetime.timezone.utc)


def build(kind, k, name=None, error=None, pos=None):
    """The snapshot map for continuation `k`."""
    return pmap(
        {
            K["turmeric-snapshot"]: 1,
            K["kind"]: kind,
            K["name"]: name,
            K["error"]: error,
            K["message"]: None if error is None else readable(error),
            K["at"]: pos,
            K["time"]: _utc_now().isoformat(timespec="milliseconds"),
            K["program"]: _program(),
            K["places"]: places(k.frames, pos),
            K["globals"]: saved_globals(),
            K["k"]: k,
        }
    )


def encode(snap, key=None):
    """The snapshot's bytes (a code bundle: the blob with the code of its frames' functions);
    signed for the purpose "snapshot" when `key` is given. An error
    value that can't be serialized is kept as its printed text; a continuation that can't
    be serialized raises Thrown(not-serializable ...)."""
    try:
        blob = fmt.encode_with_code(snap)
    except Thrown:
        if snap.get(K["error"]) is None:
            raise
        blob = fmt.encode_with_code(snap.set(K["error"], snap.get(K["message"])))
    return seal(blob, key) if key is not None else blob


def _stem(s):
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", s).strip("-.")
    return s[:80] or "snapshot"


def default_name(kind):
    prog = os.path.splitext(os.path.basename(_program()))[0] or "program"
    import secrets

    ts = _utc_now().strftime("%Y%m%dT%H%M%S")
    return f"{kind}-{_stem(prog)}-{ts}-{secrets.token_hex(3)}"


def write(snap, name, config=None):
    """Write the snapshot as NAME.snap in the configured folder; returns the path."""
    config = config or current()
    data = encode(snap, config.key)
    folder = config.dir or "."
    try:
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, _stem(name) + SUFFIX)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        raise Thrown(make_error("error", f"snapshot: can't write into {folder}: {e.strerror or e}")) from None
    return path


def error_snapshot(exc, config=None):
    """For an uncaught exception: write its snapshot and return the path, or return None with
    the reason when there is nothing resumable (`(None, why)` / `(path, None)`)."""
    if not isinstance(exc, control.SnapThrow):
        from ..runtime.errors import thrown_value

        try:
            what = type_name(thrown_value(exc))
        except BaseException:
            what = type(exc).__name__
        return (
            None,
            f"this error ({what}) was raised by the runtime or a library function, not by a throw, so there is no point to resume from (throw your own error where you want to be able to resume)",
        )
    if exc.lost is not None:
        return None, f"the stack passes through a Python function that called back into Turmeric ({exc.lost})"
    foreign = foreign_frame(exc.__traceback__)
    if foreign is not None:
        return None, f"the stack passes through a Python function that called back into Turmeric ({foreign})"
    frames = list(exc.frames)
    if frames and frames[-1] is control.RESET_FRAME:
        frames.pop()  # the top-level prompt itself: resuming runs under a new one anyway
    if not frames:
        return None, "no frame was recorded"
    k = control.Continuation(tuple(frames))
    pos = exc.pos if isinstance(exc.pos, str) else (None if exc.pos is None else str(exc.pos))
    try:
        snap = build("error", k, None, exc.value, pos)
        return write(snap, default_name("error"), config), None
    except Thrown as e:
        return None, f"it could not be saved: {readable(e.value)}"


def _runtime_files():
    from ..runtime import typeclasses
    from ..runtime.lib import control as lib_control

    return {os.path.abspath(m.__file__) for m in (control, lib_control, typeclasses)}


def foreign_frame(tb):
    """The first Python frame between the outermost prompt and the throw that is neither
    generated code nor a runtime function captures pass through (reset, try-with,
    continue, dispatchers...), as "name (file)"; None when there is none. Such a frame
    (a host function that called back into Turmeric without a capture site, say a user
    `deserialize` method run by `deserialize`) can't be rebuilt, so the recorded frames
    would skip it."""
    transparent = {f.__code__ for f in control.TRANSPARENT if hasattr(f, "__code__")}
    runtime = _runtime_files()
    reset_code = control.reset.__code__
    started = False
    codes = control.CODES
    files = {}
    while tb is not None:
        code = tb.tb_frame.f_code
        if code is reset_code or code in codes:
            started = True
        elif started and code not in transparent:
            fn = code.co_filename
            ok = files.get(fn)
            if ok is None:
                ok = files[fn] = os.path.abspath(fn) in runtime
            if not ok:
                return f"{code.co_name} in {os.path.basename(fn)}"
        tb = tb.tb_next
    return None


# --- signing: through the one trust boundary (trust.py), purpose "snapshot" ----------------------


def seal(blob, key):
    return trust.seal(blob, key, PURPOSE)


def is_signed(data):
    return trust.is_sealed(data)


def unseal(data, key):
    return trust.open_sealed(data, key, PURPOSE)


class SnapshotError(Exception):
    """A snapshot that can't be used: `message` says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def open_bytes(data, key=None, where="snapshot", purposes=(PURPOSE,)):
    """The verified blob inside `data` (trust.open_sealed, for one of `purposes`, when `key` is
    given; without a key, a signed blob is refused because it can't be checked)."""
    if key is not None:
        if not is_signed(data):
            raise SnapshotError(
                f"{where} is not signed, but a key is configured: refusing to run it (sign snapshots by running the program with the same key)"
            )
        purpose = purposes[0]
        try:
            stored = trust.peek_unverified(data)[0]
        except Thrown:
            stored = None
        if stored in purposes:
            purpose = stored  # open_sealed still checks the tag over it
        try:
            return trust.open_sealed(data, key, purpose)
        except Thrown as e:
            reason = e.value.vals[0] if getattr(e.value, "vals", None) else "signature mismatch"
            if reason == "signature mismatch":
                reason += ": it was signed with another key, for another purpose, or changed since"
            raise SnapshotError(f"{where}: {reason}") from None
    if is_signed(data):
        raise SnapshotError(f"{where} is signed: give the key (--key-file FILE or TURMERIC_KEY) to check it")
    return data


def is_snapshot(v):
    return isinstance(v, PMap) and v.get(K["turmeric-snapshot"]) == 1 and isinstance(v.get(K["k"]), control.Continuation)


# --- the builtins ---------------------------------------------------------------------------------


class Suspended(ExitRequest):
    """Raised after `(breakpoint)` saved its snapshot: the program stops (status 0)."""

    def __init__(self, path):
        super().__init__(0)
        self.path = path


def _check_name(name, who):
    if name is None:
        return None
    if type(name) is not str:
        raise Thrown(make_error("type-error", f"{who}: the name must be a string, got {type_name(name)}"))
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,80}", name) or name.startswith("."):
        raise Thrown(
            make_error("error", f"{who}: the name {readable(name)} must be letters, digits, '_', '-' or '.' (it names the file NAME.snap)")
        )
    return name


def _return_resume(vals, site, frames, j, v):
    return v  # the innermost frame: the call to snapshot/breakpoint returns the resume value


SNAPSHOT_INFO = control.FnInfo("turmeric.snapshot", "runtime", "turmeric", "<runtime>", 0, ("name",), {0: ("name",)})
SNAPSHOT_INFO.resume = _return_resume
BREAKPOINT_INFO = control.FnInfo("turmeric.breakpoint", "runtime", "turmeric", "<runtime>", 0, ("name",), {0: ("name",)})
BREAKPOINT_INFO.resume = _return_resume
for _info in (SNAPSHOT_INFO, BREAKPOINT_INFO):
    ROOT.register(_info)


def _capture(info, name, body):
    c = control.Capture(body)
    c.frames.append((info, 0, (name,)))
    raise c


def p_snapshot(name=None):
    """`(snapshot "name")`: write NAME.snap (the continuation up to the nearest prompt) and go on."""
    _check_name(name, "snapshot")

    def body(k):
        write(build("snapshot", k, name), name or default_name("snapshot"))
        return control.TailContinue(k, None)

    _capture(SNAPSHOT_INFO, name, body)


def p_breakpoint(name=None):
    """`(breakpoint "name")`: write NAME.snap and stop; `turmeric resume NAME.snap` carries on."""
    _check_name(name, "breakpoint")

    def body(k):
        raise Suspended(write(build("breakpoint", k, name), name or default_name("breakpoint")))

    _capture(BREAKPOINT_INFO, name, body)


def install(builtins):
    """Add `snapshot` and `breakpoint` (not host calls: they capture; the loader calls this)."""
    for name, f in (("snapshot", p_snapshot), ("breakpoint", p_breakpoint)):
        builtins[name] = f
        control.TRANSPARENT.add(f)


# --- resuming on fixed code (`turmeric resume SNAP --upgrade`) -------------------------------------


def _place_of(snap, symbol, site):
    """(file, line, col, line text) of a resume point as the snapshot recorded it, or None."""
    rows = snap.get(K["places"]) if snap is not None else None
    for row in rows or ():
        if len(row) == 6 and row[0] == symbol and row[1] == site:
            return row[2], row[3], row[4], row[5]
    return None


def call_text(line_text, col):
    """The expression starting at column `col` (from 1) of a line: balanced brackets, strings
    skipped; cut at the end of the line if it goes on (what `--upgrade` compares)."""
    i = max(col - 1, 0)
    if i >= len(line_text) or line_text[i] not in "([{":
        return line_text[i:].rstrip()
    depth = 0
    in_str = False
    j = i
    while j < len(line_text):
        c = line_text[j]
        if in_str:
            if c == "\\":
                j += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c == ";":
            break
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return line_text[i : j + 1]
        j += 1
    return line_text[i:j].rstrip()


def _current_call(info, site):
    pos = (getattr(info, "site_pos", None) or {}).get(site)
    if pos is None:
        return None
    return call_text(_raw_line(info.file, pos[0]), pos[1] or 1)


def missing_modules(k, session):
    """The modules of `k`'s frames that `session` did not load (their frames decoded from the
    code the snapshot carries, but what they call is not there)."""
    out = []
    for info, _, _ in k.frames:
        m = info.module
        if not m or m in ("turmeric", "prelude", "runtime") or m in out:
            continue
        mod = session.modules.get(m)
        if mod is None or (mod.file or "").startswith("<code store"):  # only the carried code's shadow module
            out.append(m)
    return out


def changed_functions(k):
    """The symbols of the frames of `k` whose function has another version loaded now."""
    from ..core.registry import current_state

    state = current_state()
    out = []
    for info, _, _ in k.frames:
        cur = state.lookup(info.symbol)
        if cur is not None and cur.fingerprint != info.fingerprint and info.symbol not in out:
            out.append(info.symbol)
    return out


def upgrade(k, snap=None, where="snapshot"):
    """(k', [symbols]): continuation `k` with every frame whose function has a newer version
    loaded (same symbol, another fingerprint) moved onto that version at the same resume
    point, and the symbols moved. A resume point matches when the new version has it (the
    same number: the n-th place in the function that can be resumed) saving the same
    values; otherwise SnapshotError, naming the function and what to do. Frames of
    unchanged functions, and closures held in values, keep their own code."""
    from ..core.registry import current_state

    state = current_state()
    frames = list(k.frames)
    moved = []
    for j, (info, site, vals) in enumerate(frames):
        cur = state.lookup(info.symbol)
        if cur is None or cur is info or cur.fingerprint == info.fingerprint:
            continue
        new_site = _matching_site(info, site, cur, snap)
        if new_site is None:
            place = _place_of(snap, info.symbol, site)
            at = f" ({place[0]}:{place[1]}:{place[2]}: {call_text(place[3], place[2])})" if place else ""
            raise SnapshotError(
                f"{where}: frame {j} is in {info.symbol}, which changed since the snapshot was taken, and the call it "
                f"waits in{at} is not in the current version ({cur.file}:{cur.line}) with the same locals: it was edited "
                "or removed, or locals were added or removed before it. Resume without --upgrade to run the version the "
                "snapshot was taken with, or keep that call and the code before it as they were and put the fix after it; "
                "nothing was run"
            )
        frames[j] = (cur, new_site, vals)
        if info.symbol not in moved:
            moved.append(info.symbol)
    if not moved:
        return k, moved
    from .decoder import Corrupt
    from .format import check_frames

    try:
        check_frames(tuple(frames))
    except Corrupt as e:
        raise SnapshotError(
            f"{where}: the current code can't take over these frames ({e}); resume without --upgrade; nothing was run"
        ) from None
    return control.Continuation(tuple(frames), k.handler), moved


def _matching_site(old, site, cur, snap):
    """The resume point of `cur` (a new version of `old`'s function) that stands where `old`'s
    resume point `site` stood: it saves the same values, is of the same kind (a call, or the
    capture itself), and its call reads the same as the snapshot recorded it. The same number
    is tried first, then any other; None when there is none or more than one."""
    names = tuple(old.sites.get(site) or ())
    place = _place_of(snap, old.symbol, site)
    want = call_text(place[3], place[2]) if place and place[3] else None
    captures = old.suspends is not None and site in old.suspends

    def fits(s2):
        if tuple(cur.sites.get(s2) or ("?",)) != names:
            return False
        if (cur.suspends is not None and s2 in cur.suspends) != captures:
            return False
        if want is not None:
            got = _current_call(cur, s2)
            if got is not None and got != want:
                return False
        return True

    if site in cur.sites and fits(site):
        return site
    others = [s2 for s2 in cur.sites if s2 != site and fits(s2)]
    return others[0] if len(others) == 1 and want is not None else None
