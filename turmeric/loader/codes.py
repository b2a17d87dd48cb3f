"""Code records: one top-level form's normalised code, kept by hash, compiled back on demand.

A *code record* is what the code store (turmeric.cluster.codestore) and code bundles
(`(serialize v :with-code #t)`) keep of a function version: not Python bytecode but
the canonical text of the top-level form the function was compiled from
(`expander.canonical`: re-readable, no comments or positions), with the module it
belongs to, the form's stable symbol and the (symbol, fingerprint) of every function
compiling it produced. Its bytes are a JSON object with sorted keys; its name is the
BLAKE2b-128 hex digest of those bytes (`record_hash`).

Loading a record (`compile_record`) checks, in this order, before any generated code
runs: the bytes hash to the name they were asked for; the JSON is a well-formed
record, within size limits; the form reads back as one form; it expands and compiles
to Python `ast`; every function compiled has exactly the fingerprint the record
claims (a fingerprint is computed from the code itself, so a record whose text was
edited cannot pass); no global the code refers to is in the caller's forbidden list
(a node's capability list). Only then is the code executed, which defines its
functions and runs nothing else, in a *shadow namespace* that reads through to the
module's current globals: the old functions are registered as versions
(`State.add_version`), found by (symbol, fingerprint) only, and never replace the
current definitions. Old code calls other functions by their current global name.
"""

from __future__ import annotations

import ast
import json
import warnings

from ..compiler import COMPILER_VERSION, ModuleCompiler
from ..core.errors import make_error
from ..core.values import Pos, Symbol, Thrown
from ..reader import read_all
from ..runtime.library import HOST
from ..serialization import trust
from .module import unit_codes

MAX_RECORD = 4 * 1024 * 1024  # bytes of one record


class CodeError(Exception):
    """A code record that can't be used: bad hash, malformed, wrong fingerprint, forbidden call."""


def record_hash(data: bytes) -> str:
    return trust.address(data)


def make_record(origin, fns, assumed=None):
    """The bytes of the record for a top-level form: `origin` is FnInfo.origin
    (module, top-level symbol, canonical text), `fns` its [(symbol, fingerprint)],
    `assumed` (FnInfo.assumed) what its compile took its environment to be: the module's
    import aliases, the fields of the structs it constructs and the dispatch indexes of the
    type-class methods it calls. The generated code depends on them, so a process compiling
    the record takes the same (the struct and method fast paths are checked at run time: an
    assumption that is wrong where the code runs only sends it down the ordinary path)."""
    module, symbol, text = origin
    obj = {"v": 1, "compiler": COMPILER_VERSION, "module": module, "symbol": symbol, "form": text, "fns": sorted([s, f] for s, f in fns)}
    if assumed:
        obj["assume"] = assumed
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_of(info, state):
    """(hash, bytes) of the record of the top-level form `info` was compiled from, or None
    (runtime and prelude code, instance methods). Cached per origin."""
    origin = getattr(info, "origin", None)
    if origin is None:
        return None
    cache = state_cache(state)
    hit = cache.get(origin)
    if hit is not None:
        return hit
    infos = [i for i in state_infos(state) if i.origin == origin]
    fns = {(i.symbol, i.fingerprint) for i in infos}
    data = make_record(origin, fns, next((i.assumed for i in infos if i.assumed), None))
    out = (record_hash(data), data)
    cache[origin] = out
    return out


def state_cache(state):
    owner = state.owner
    caches = owner.caches if owner is not None else {}
    c = caches.get("code-records")
    if c is None:
        c = caches["code-records"] = {}
    return c


def state_infos(state):
    seen = set()
    s = state
    while s is not None:
        for info in s.versions.values():
            if id(info) not in seen:
                seen.add(id(info))
                yield info
        s = s.parent


def _assume_ok(a):
    """The shape of a record's "assume": {"imports": {alias: module}, "structs": {name:
    [field, ...]}, "methods": {name: index}}, each part optional."""
    if type(a) is not dict or not set(a) <= {"imports", "structs", "methods"}:
        return False
    imports, structs, methods = a.get("imports", {}), a.get("structs", {}), a.get("methods", {})
    return (
        type(imports) is dict
        and type(structs) is dict
        and type(methods) is dict
        and all(type(m) is str and _module_name_ok(m) for m in imports.values())
        and all(type(f) is list and all(type(x) is str for x in f) for f in structs.values())
        and all(type(i) is int and 0 <= i < 256 for i in methods.values())
    )


def _module_name_ok(m):
    return bool(m) and not m.startswith(".") and not any(c in m for c in "/\\\0:")


def parse_record(data, expect_hash=None):
    """The record in `data` as a dict, after checking its hash (if given) and its shape."""
    if type(data) is not bytes or len(data) > MAX_RECORD:
        raise CodeError("a code record must be bytes of at most 4 MiB")
    if expect_hash is not None:
        try:
            trust.open_addressed(data, expect_hash, "code record")
        except Thrown:
            raise CodeError(
                f"code record {expect_hash}: its content does not match its hash (altered or corrupt); it was not run"
            ) from None
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CodeError("a code record is not valid JSON") from None
    ok = (
        type(obj) is dict
        and obj.get("v") == 1
        and all(type(obj.get(k)) is str for k in ("compiler", "module", "symbol", "form"))
        and type(obj.get("fns")) is list
        and all(type(p) is list and len(p) == 2 and all(type(x) is str for x in p) for p in obj["fns"])
    )
    if not ok or not _assume_ok(obj.get("assume", {})):
        raise CodeError("a code record is malformed")
    m = obj["module"]
    if not _module_name_ok(m):
        raise CodeError(f"a code record names a bad module {m!r}")
    if not obj["symbol"].startswith(m + ".top"):
        raise CodeError(f"code record symbol {obj['symbol']!r} is not a top-level form of module {m}")
    if obj["compiler"] != COMPILER_VERSION:
        raise CodeError(f"code record was compiled by {obj['compiler']}, this is {COMPILER_VERSION}: its fingerprints can't match")
    return obj


class ShadowNS(dict):
    """Globals of old code: its own constants and FnInfo names, then the module's globals."""

    __slots__ = ("base",)

    def __init__(self, base):
        super().__init__()
        self.base = base

    def __missing__(self, key):
        return self.base[key]


# the transient accumulators' operations (compiler/transient.py) stand for these
# library functions: a capability list that forbids `assoc` forbids `%tassoc` too
_TRANSIENT_OPS = {"%t" + n: n for n in ("conj", "assoc", "get", "nth", "count", "contains?")}
_TRANSIENT_OPS["%join-acc"] = "string/join"  # (string/join sep (map ...)) with the map inline
_TRANSIENT_OPS["%treduce"] = "reduce"  # (reduce f init v) over a loop's transient


def library_name(n):
    """The library or global name a name in generated code refers to: `#b:x` is the
    builtin `x`, and a transient operation `%tx` is `x`."""
    if n.startswith("#b:"):
        n = n[3:]
    return _TRANSIENT_OPS.get(n, n)


PYTHON = "import-python"  # the capability to reach Python: forbidding it forbids every way in


def _dunder(n):
    if n.startswith("#ic:"):  # an inline-cached field access `x.name`
        n = n[4:].split("@", 1)[0]
    return len(n) > 4 and n.startswith("__") and n.endswith("__")


def capabilities(names, py_names=()):
    """The names of the globals and capabilities code reading `names` uses, for a capability
    list (`--forbid`): each global (`#b:x` counts as `x`), and `import-python` if it reaches
    Python at all: a name an `import-python` bound, a Python method call `(.m obj)` (compiled
    as a call to Python, `#pyerr`), or a dunder attribute (`s.__class__`, `(.__class__ s)`)."""
    out = {library_name(n) for n in names}
    if "#pyerr" in names or any(n in py_names for n in names) or any(_dunder(n) for n in names):
        out.add(PYTHON)
    return out


def referenced_globals(tree):
    """Every global name generated code may read (`#b:x` counts as `x`)."""
    out = set()
    for node in ast.walk(tree):
        if type(node) is ast.Name:
            out.add(library_name(node.id))
        elif type(node) is ast.Constant and type(node.value) is str:
            out.add(node.value)  # `#modget` of another module's global by name
    return out


def _import_aliases(session, module, imports):
    """Give `module` the import aliases the record's form was compiled with and it lacks
    (this process may know the module only from the code store): each names a module this
    node finds on its own search path, as the record's own module is looked up. One it can't
    find stays missing; the form then compiles to other code and the fingerprints refuse it."""
    for alias, target in imports.items():
        if alias in module.aliases:
            continue
        other = session.modules.get(target)
        if other is None:
            try:
                other = session.import_module(target, definitions_only=True)
            except Thrown:
                continue
        module.aliases[alias] = other.name
        module.ns[f"#mod:{other.name}"] = other.ns


def compile_record(session, obj, forbid=None):
    """Compile a parsed record into `session` as old versions; returns {(symbol, fp): FnInfo}.
    Raises CodeError. Runs no generated code before every check has passed."""
    from ..expander import canonical

    module = session.modules.get(obj["module"])
    if module is None:
        try:
            module = session.import_module(obj["module"], definitions_only=True)
        except Thrown:
            module = session.new_module(obj["module"], f"<code store: {obj['module']}>")
    try:
        forms = read_all(obj["form"], f"<code {obj['symbol']}>")
    except Exception as e:
        raise CodeError(f"code record {obj['symbol']}: its form does not read: {e}") from None
    if len(forms) != 1 or canonical(forms[0]) != obj["form"]:
        raise CodeError(f"code record {obj['symbol']}: not exactly one normalised form")
    form = forms[0]
    assume = obj.get("assume", {})
    _import_aliases(session, module, assume.get("imports", {}))
    ex = module.expander
    form, _ = ex.expand_head(form)
    ex.cur_pos = getattr(form, "pos", None) or Pos(module.file, 1, 1)
    plain_def = False
    items = list(form) if hasattr(form, "count") and form.count else []
    if items and type(items[0]) is Symbol and items[0].name == "def" and len(items) == 3 and type(items[1]) is Symbol:
        plain_def = True
    body = items[2] if plain_def else form
    try:
        fn = ex.expand_top(body, obj["symbol"])
    except Exception as e:
        raise CodeError(f"code record {obj['symbol']}: does not expand here: {e}") from None
    consts = []
    # the compile assumes of other globals what the record's compile did: the same code
    structs, methods = assume.get("structs", {}), assume.get("methods", {})
    mc = ModuleCompiler(
        module.name,
        module.file,
        HOST.__contains__,
        consts,
        lambda name: tuple(structs[name]) if name in structs else None,
        methods.get,
    )
    try:
        mc.compile_unit(fn, toplevel=True)
    except Exception as e:
        raise CodeError(f"code record {obj['symbol']}: does not compile here: {e}") from None
    got = sorted([i.symbol, i.fingerprint] for i, _, _, _ in mc.infos)
    if got != sorted(obj["fns"]):
        raise CodeError(
            f"code record {obj['symbol']}: compiling its form gives other fingerprints than it claims "
            "(its text was altered, or a macro it uses changed since)"
        )
    tree = ast.Module(mc.defs, [])
    if forbid:
        bad = sorted(capabilities(referenced_globals(tree), module.py_names) & set(forbid))
        if bad:
            raise CodeError(f"code {obj['symbol']} calls {', '.join(bad)}, which this node forbids")
    ast.fix_missing_locations(tree)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        code = compile(tree, f"<code {obj['symbol']}>", "exec")
    from ..runtime.abi import inline_cache
    from .module import _inline_cache_names

    ns = ShadowNS(module.ns)
    ns["__builtins__"] = module.ns["__builtins__"]
    for n in set(_inline_cache_names(code)):
        ns[n] = inline_cache(n)
    for i, c in enumerate(consts):
        ns[f"#K{i}"] = c
    origin = (obj["module"], obj["symbol"], obj["form"])
    for info, _, _, _ in mc.infos:
        info.module = module.name
        info.origin = origin
        ns[f"#I:{info.symbol}"] = info
    exec(code, ns)
    out = {}
    for info, normal_name, resume_name, is_factory in mc.infos:
        info.resume = ns[resume_name]
        codes = unit_codes(info, ns[normal_name], is_factory)
        session.state.add_version(info, *codes, info.resume.__code__)
        session.from_records.add((info.symbol, info.fingerprint))
        out[(info.symbol, info.fingerprint)] = info
    return out


def code_error(msg):
    return Thrown(make_error("code-error", msg))
