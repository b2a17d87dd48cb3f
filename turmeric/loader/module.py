"""Modules: loading files, evaluating top-level forms, `import`, definitions mode.

A module is one file. Its forms are read, expanded, compiled and run one at a
time (so a macro defined by one form expands the next). Each top-level form runs
under an implicit prompt. In definitions mode (used when a blob names a module
that is not loaded) every form is compiled but only definitions run.

Loading a file records what it compiled and did (`Module.record`); the compile
cache (`cache.py`) keeps the record, and the next load of the unchanged file
replays it (`Module.replay`) without reading, expanding or compiling anything.
Every effect of a top-level form goes through one `Module` method (`install_unit`,
`run_form`, `define_struct`, `define_class`, `define_instance`, `do_import`, ...)
that both paths call, so a replayed module is the module the compile made. The
reader, expander and compiler are imported only when something is compiled.
"""

from __future__ import annotations

import os
import sys
import warnings

from ..core.errors import _bad_field, make_error
from ..core.registry import register
from ..core.values import Keyword, PList, Pos, PVector, Symbol, Thrown, make_struct_type, plist
from ..runtime import control, typeclasses
from ..runtime.abi import DotCache
from ..runtime.library import BUILTINS, HOST
from . import cache
from .install import ARGV, MAIN, current_version, install_builtins

MODULES: dict = {}  # module name -> Module
_GENSYM_FLOOR = [1]  # the expander's next gensym after the replayed loads (applied when it is imported)
SEARCH_PATH: list = []  # folders from -I and TURMERIC_PATH

DEFINITION_HEADS = {"defn", "defmacro", "struct", "defclass", "instance", "import", "import-python", "module", "version"}


class Module:
    def __init__(self, name, file, definitions_only=False, source=""):
        self.name = name
        self.file = file
        self.definitions_only = definitions_only
        self.ns = {"__builtins__": BUILTINS, "__name__": f"turmeric:{name}"}
        self.ns["#G"] = self.ns
        self.macros = {}
        self.aliases = {}
        self.py_names = {}  # names bound by import-python (turmeric.interop): their dotted symbols are Python attributes
        self.lines = source.split("\n")
        self.version = None
        self.code_hash = None
        self.consts = []
        self.nconsts_bound = 0
        self.anonymous_count = {}  # hash of an anonymous top-level form -> copies seen
        self.declared = set()
        self.unresolved = []  # (name, pos) of globals not defined when a form was compiled
        self._expander = None
        self.source_hash = None  # of the file's text, when loaded from a file
        self.record = None  # the steps of this load, for the compile cache (None: not recorded)
        self.deps = []  # (name, from folder, path, source hash) of every module this one imported

    @property
    def expander(self):
        if self._expander is None:
            from ..expander import Expander, advance_gensym

            advance_gensym(_GENSYM_FLOOR[0])  # past every gensym of the replayed modules' compiles
            self._expander = Expander(self)
        return self._expander

    def note(self, step):
        """Record one step of the load for the compile cache."""
        if self.record is not None:
            self.record.append(step)

    # --- what the expander asks ------------------------------------------------------
    def defined(self, name):
        return name in self.declared or name in self.ns

    def is_builtin(self, name):
        return name in BUILTINS

    def source_line(self, n):
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""

    def call_macro(self, macro, args, pos):
        from ..expander import CompileError
        from ..reader import TurmericSyntaxError

        try:
            return control.reset(lambda: macro(*args))
        except (CompileError, TurmericSyntaxError):
            raise
        except Exception as e:
            from ..runtime.errors import thrown_value
            from ..runtime.printer import display

            v = thrown_value(e)
            raise CompileError(f"macro expansion failed: {display(v)}", pos, self.source_line(pos.line)) from None

    # --- evaluation ---------------------------------------------------------------------
    def eval_source(self, text, filename=None, forms=None):
        import hashlib

        from ..expander import canonical
        from ..reader import read_all

        if forms is None:
            forms = read_all(text, filename or self.file)
        self.lines = text.split("\n")
        self.code_hash = hashlib.blake2b("\n".join(canonical(f) for f in forms).encode(), digest_size=4).hexdigest()
        result = None
        # macros are compile-time: every top-level defmacro is defined first, so a
        # function may use a macro defined further down (as the seed guide's checkpoint is)
        for form in forms:
            if is_head(form, "defmacro"):
                self.eval_toplevel(form)
        for i, form in enumerate(forms):
            if (i == 0 and is_head(form, "module")) or is_head(form, "defmacro"):
                continue
            result = self.eval_toplevel(form)
        return result

    def current_version(self):
        return self.version if self.version is not None else (self.code_hash or "0")

    def anonymous_symbol(self, form):
        """`module.top@HASH` for a top-level form that defines no name: HASH is a short hash
        of the form's normalised text (as read: no comments, whitespace or positions), and
        the second and later copies of an identical form get `#2`, `#3`... So inserting or
        editing other forms never renames it, in a file or at the REPL."""
        import hashlib

        from ..expander import canonical

        h = hashlib.blake2b(canonical(form).encode(), digest_size=4).hexdigest()
        n = self.anonymous_count.get(h, 0) + 1
        self.anonymous_count[h] = n
        return f"{self.name}.top@{h}" if n == 1 else f"{self.name}.top@{h}#{n}"

    def eval_toplevel(self, form, run=True):
        ex = self.expander
        source_form = form
        form, _ = ex.expand_head(form)
        pos = getattr(form, "pos", None) or Pos(self.file, 1, 1)
        ex.cur_pos = pos
        if type(form) is PList and form.count and type(form.first) is Symbol:
            head = form.first.name
            handler = TOPLEVEL.get(head)
            if handler is not None:
                if getattr(handler, "records_effects", False) or self.record is None:
                    return handler(self, form, pos)
                return self.run_handler(head, handler, form, pos)
        name = None
        if is_head(form, "def") or is_head(form, "defn"):
            items = list(form)
            if len(items) >= 2 and type(items[1]) is Symbol:
                name = items[1].name
                self.declared.add(name)
        symbol = f"{self.name}.top:{name}" if name else self.anonymous_symbol(source_form)
        plain_def = is_head(form, "def") and form.count == 3 and name is not None
        # the implicit prompt of `(def x e)` surrounds e only
        fn = ex.expand_top(form.rest.rest.first if plain_def else form, symbol)
        thunk = self.compile_units(fn, toplevel=True)
        runs = not self.definitions_only or is_definition(form)
        self.note(("run", name if plain_def else None, runs))
        return self.run_form(thunk, name if plain_def else None, runs)

    def run_handler(self, head, handler, form, pos):
        """A top-level form handled by a handler that doesn't record its effects (one that
        another package added, such as `import-python`): the record keeps the form itself,
        and a replay calls the handler on it again."""
        try:
            step = ("toplevel", head, cache.encode_const(form), (pos.file, pos.line, pos.col))
        except cache.Uncacheable:
            self.record = None
            return handler(self, form, pos)
        saved, self.record = self.record, None  # what the handler does is redone by calling it
        try:
            result = handler(self, form, pos)
        finally:
            self.record = saved
        self.note(step)
        return result

    def run_form(self, thunk, def_name, runs):
        """Run a top-level form's thunk under the implicit prompt; `(def x e)` stores the value."""
        if not runs:
            return None
        value = control.reset(thunk)
        if def_name is not None:
            self.ns[def_name] = value
            return None
        return value

    def compile_units(self, fn, toplevel):
        """Compile an Fn (and the functions inside it); return the Python function or factory."""
        import ast
        import marshal

        from ..compiler import ModuleCompiler

        first_const = len(self.consts)
        mc = ModuleCompiler(self.name, self.file, HOST.__contains__, self.consts)
        mc.compile_unit(fn, toplevel=toplevel)
        # the normal functions and the resume variants as two code objects: a replayed load
        # executes the resume variants only when something resumes (most runs never do)
        normal = [d for d in mc.defs if not (type(d) is ast.FunctionDef and d.name.startswith("#r:"))]
        resume = [d for d in mc.defs if type(d) is ast.FunctionDef and d.name.startswith("#r:")]
        codes = []
        for defs in (normal, resume):
            mod = ast.Module(defs, [])
            ast.fix_missing_locations(mod)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)  # e.g. `0 is None` from constant tests
                codes.append(compile(mod, self.file, "exec"))
        code, rcode = codes
        for info, _, _, _ in mc.infos:
            info.module = self.name
            info.transient = self.name == "prelude"
        first = mc.infos[-1] if toplevel else next(i for i in mc.infos if i[0].symbol == fn.symbol)
        infos = [(info, normal, resume, is_factory) for info, normal, resume, is_factory in mc.infos]
        ic_names = tuple(sorted(set(_inline_cache_names(code))))
        if self.record is not None:
            try:
                consts = tuple(cache.encode_const(c) for c in self.consts[first_const:])
                infos_rec = tuple((cache.encode_info(i), a, b, f) for i, a, b, f in infos)
                step = ("unit", code, marshal.dumps(rcode), consts, infos_rec, first[1], ic_names)
            except (cache.Uncacheable, ValueError):
                self.record = None  # e.g. a macro put a function value into its expansion
            else:
                self.note(step)
        return self.install_unit(code, rcode, infos, first[1], ic_names)

    def install_unit(self, code, resume, infos, first_name, ic_names):
        """Bind a compiled unit's constants and FnInfos, execute its definitions, register them;
        return the function named first_name (a top-level thunk or a factory). `resume` is the
        code of the resume variants, or its marshal bytes (from the cache: loaded on first use)."""
        ns = self.ns
        for i in range(self.nconsts_bound, len(self.consts)):
            ns[f"#K{i}"] = self.consts[i]
        self.nconsts_bound = len(self.consts)
        for info, _, _, _ in infos:
            ns[f"#I:{info.symbol}"] = info
        for n in ic_names:
            if n not in ns:
                ns[n] = DotCache()
        exec(code, ns)
        for info, normal_name, _, is_factory in infos:
            f = ns[normal_name]
            if is_factory:
                info.factory = f
                info.code = next(c for c in f.__code__.co_consts if hasattr(c, "co_code"))
            else:
                info.code = f.__code__
            register(info, info.code)
        if type(resume) is bytes:
            _LazyResume(ns, resume, [(info, rn) for info, _, rn, _ in infos])
        else:
            _install_resume(ns, resume, [(info, rn) for info, _, rn, _ in infos])
        return ns[first_name]

    def fn_value(self, fn):
        factory = self.compile_units(fn, toplevel=False)
        return factory()

    # --- the effects of top-level forms (the compile and the replay both call these) ------------
    def define_macro(self, name, value):
        self.note(("macro", name))
        self.macros[name] = value

    def define_struct(self, sname, names, types):
        self.note(("struct", sname, tuple(names), tuple(types)))
        st = make_struct_type(sname, names, types, module=self.name, checker=_bad_field)
        self.ns[sname] = st.cls
        self.ns[sname + "?"] = st.predicate
        self.declared.update({sname, sname + "?"})

    def define_class(self, cname, var, methods):
        self.note(("class", cname, var, tuple(methods)))
        for mname, d in typeclasses.defclass(cname, var, methods).items():
            self.ns[mname] = d
            self.declared.add(mname)

    def define_instance(self, cname, tname, params, constraints, methods):
        self.note(("instance", cname, tname, tuple(params), tuple(constraints)))
        typeclasses.definstance(cname, tname, params, constraints, methods)

    def set_version(self, v):
        self.note(("version", v))
        self.version = v

    def do_import(self, target, from_dir, alias, pos=None):
        self.note(("import", target, from_dir, alias))
        other = import_module(target, from_dir, pos, self)
        self.aliases[alias] = other.name
        self.ns[f"#mod:{other.name}"] = other.ns
        if other.source_hash is None:  # not loaded from a file: nothing to check a record against
            self.record = None
        else:
            self.deps.append((target, from_dir, other.file, other.source_hash))
            self.deps.extend(other.deps)
        return other

    # --- the compile cache ---------------------------------------------------------------------
    def cache_record(self, form_name):
        from ..expander import gensym_state
        from ..runtime.lib import strings

        return {
            "file": self.file,
            "name": self.name,
            "form_name": form_name,
            "code_hash": self.code_hash,
            "steps": tuple(self.record),
            "deps": tuple(self.deps),
            "declared": tuple(sorted(self.declared)),
            "anonymous_count": tuple(sorted(self.anonymous_count.items())),
            "gensym": (gensym_state(), strings.gensym_state()),
            "unresolved": tuple((n, None if p is None else (p.file, p.line, p.col)) for n, p in self.unresolved),
        }

    def replay(self, rec):
        """Redo a recorded load: the same code objects executed and the same effects, in order."""
        self.code_hash = rec["code_hash"]
        self.deps = list(rec["deps"])
        last = None
        methods = {}
        decode_info = cache.info_decoder()
        for step in rec["steps"]:
            kind = step[0]
            if kind == "unit":
                _, code, rcode, consts, infos, first_name, ic_names = step
                if consts:
                    self.consts.extend(cache.decode_const(c) for c in consts)
                infos = [(decode_info(i), a, b, f) for i, a, b, f in infos]
                last = self.install_unit(code, rcode, infos, first_name, ic_names)
            elif kind == "run":
                self.run_form(last, step[1], step[2])
            elif kind == "macro":
                self.define_macro(step[1], last())
            elif kind == "method":
                methods[step[1]] = last()
            elif kind == "instance":
                self.define_instance(step[1], step[2], list(step[3]), [tuple(c) for c in step[4]], methods)
                methods = {}
            elif kind == "struct":
                self.define_struct(step[1], list(step[2]), list(step[3]))
            elif kind == "class":
                self.define_class(step[1], step[2], [tuple(m) for m in step[3]])
            elif kind == "import":
                self.do_import(step[1], step[2], step[3])
            elif kind == "version":
                self.set_version(step[1])
            elif kind == "toplevel":
                TOPLEVEL[step[1]](self, cache.decode_const(step[2]), Pos(*step[3]))
            else:
                raise ValueError(f"compile cache: unknown step {kind!r}")
        self.declared = set(rec["declared"])
        self.anonymous_count = dict(rec["anonymous_count"])
        self.unresolved = [(n, None if p is None else Pos(*p)) for n, p in rec["unresolved"]]
        from ..runtime.lib import strings

        expander_next, runtime_next = rec["gensym"]
        strings.advance_gensym(runtime_next)
        _GENSYM_FLOOR[0] = max(_GENSYM_FLOOR[0], expander_next)
        if self._expander is not None or "turmeric.expander" in sys.modules:
            from ..expander import advance_gensym

            advance_gensym(expander_next)


def _install_resume(ns, code, pairs):
    exec(code, ns)
    for info, resume_name in pairs:
        info.resume = ns[resume_name]
        register(info, info.resume.__code__)


class _LazyResume:
    """Resume variants of a replayed unit, executed the first time one of them is called."""

    __slots__ = ("ns", "data", "pairs", "done")

    def __init__(self, ns, data, pairs):
        self.ns, self.data, self.pairs, self.done = ns, data, pairs, False
        for info, _ in pairs:
            info.resume = self.entry(info)

    def entry(self, info):
        def first_call(*args):
            if not self.done:
                import marshal

                self.done = True
                _install_resume(self.ns, marshal.loads(self.data), self.pairs)
            return info.resume(*args)

        return first_call


def _inline_cache_names(code):
    """The `#ic:field` and `#sc:name/n` globals a compiled unit reads (inline caches of
    `x.field` and of match's struct tests)."""
    out = []
    stack = [code]
    while stack:
        c = stack.pop()
        out += [n for n in c.co_names if n.startswith(("#ic:", "#sc:"))]
        stack += [k for k in c.co_consts if type(k) is type(code)]
    return out


def is_head(form, name):
    return type(form) is PList and form.count > 0 and type(form.first) is Symbol and form.first.name == name


def is_definition(form):
    """Does this top-level form run in definitions mode? Definitions, and `def`s of a
    literal or a `fn` (spec section 5); a `def` whose value would compute something doesn't."""
    if type(form) is not PList or not form.count or type(form.first) is not Symbol:
        return False
    head = form.first.name
    if head in DEFINITION_HEADS:
        return True
    if head == "def" and form.count == 3:
        v = form.rest.rest.first
        return is_head(v, "fn") or is_head(v, "quote") or is_literal(v)
    return False


def is_literal(v):
    """A constant form: numbers, strings, keywords, nil, booleans, and vectors and maps of them."""
    if isinstance(v, PVector):
        return all(is_literal(x) for x in v)
    from ..reader import MapLiteral

    if type(v) is MapLiteral:
        return all(is_literal(x) for x in v.items)
    if is_head(v, "quote"):
        return True
    return type(v) not in (PList, Symbol)


# --- top-level-only forms ---------------------------------------------------------------------


def tl_do(mod, form, pos):
    r = None
    for f in form.rest:
        r = mod.eval_toplevel(f)
    return r


def tl_module(mod, form, pos):
    return None


def tl_version(mod, form, pos):
    if form.count != 2 or type(form.rest.first) is not str:
        mod.expander.error('(version "N") takes one string', form)
    mod.set_version(form.rest.first)
    return None


def tl_import(mod, form, pos):
    items = list(form)
    if len(items) < 2 or type(items[1]) is not Symbol:
        mod.expander.error("(import name) or (import name :as alias)", form)
    target = items[1].name
    alias = target
    if len(items) == 4 and type(items[2]) is Keyword and items[2].name == "as" and type(items[3]) is Symbol:
        alias = items[3].name
    elif len(items) != 2:
        mod.expander.error("(import name) or (import name :as alias)", form)
    mod.do_import(target, os.path.dirname(os.path.abspath(mod.file)), alias, pos)
    return None


def tl_defmacro(mod, form, pos):
    items = list(form)
    if len(items) < 3 or type(items[1]) is not Symbol:
        mod.expander.error("(defmacro name [params] body...) needs a name and parameters", form)
    fn = mod.expander.expand_fn_form(plist(items[2:], pos), f"{mod.name}.{items[1].name}")
    mod.define_macro(items[1].name, mod.fn_value(fn))
    return None


def tl_struct(mod, form, pos):
    items = list(form)
    if len(items) != 3 or type(items[1]) is not Symbol or not isinstance(items[2], PVector):
        mod.expander.error("(struct name [field : type ...]) needs a name and a field vector", form)
    from ..expander import parse_params

    names, rest, types = parse_params(items[2], mod.expander)
    mod.define_struct(items[1].name, names, types)
    return None


def tl_defclass(mod, form, pos):
    items = list(form)
    if len(items) < 3 or type(items[1]) is not Symbol or not isinstance(items[2], PVector) or len(items[2]) != 1:
        mod.expander.error("(defclass Name [a] (method [params]) ...) needs a name and one type variable", form)
    from ..expander import parse_params

    var = items[2][0].name
    methods = []
    for m in items[3:]:
        if type(m) is not PList or m.count < 2 or type(m.first) is not Symbol or not isinstance(m.rest.first, PVector):
            mod.expander.error("a class method is (name [params] : T?)", m if hasattr(m, "pos") else form)
        names, rest, types = parse_params(m.rest.first, mod.expander)
        idx = next((i for i, t in enumerate(types) if t == var), 0)
        methods.append((m.first.name, idx))
    mod.define_class(items[1].name, var, methods)
    return None


def tl_instance(mod, form, pos):
    items = list(form)
    if len(items) < 3 or type(items[1]) is not Symbol:
        mod.expander.error("(instance Class Type [constraints]? (method [params] body...) ...)", form)
    cname = items[1].name
    tspec = items[2]
    params = []
    if type(tspec) is Symbol:
        tname = tspec.name
    elif type(tspec) is PList and tspec.count and type(tspec.first) is Symbol:
        tname = tspec.first.name
        params = [p.name for p in tspec.rest if type(p) is Symbol]
    else:
        mod.expander.error("the instance type is a name or an application like (Pair a b)", form)
    rest = items[3:]
    constraints = []
    if rest and isinstance(rest[0], PVector):
        cv = list(rest[0])
        if len(cv) % 2:
            mod.expander.error("constraints are pairs: [Class a, Class b]", form)
        constraints = [(cv[i].name, cv[i + 1].name) for i in range(0, len(cv), 2)]
        rest = rest[1:]
    methods = {}
    for m in rest:
        if type(m) is not PList or m.count < 2 or type(m.first) is not Symbol:
            mod.expander.error("an instance method is (name [params] body...)", m if hasattr(m, "pos") else form)
        fn = mod.expander.expand_fn_form(plist(list(m.rest), m.pos or pos), f"{mod.name}.{cname}:{tname}/{m.first.name}")
        methods[m.first.name] = mod.fn_value(fn)
        mod.note(("method", m.first.name))
    mod.define_instance(cname, tname, params, constraints, methods)
    return None


# handlers whose every effect goes through a recording Module method (the compile cache)
for _h in (tl_do, tl_module, tl_version, tl_import, tl_defmacro, tl_struct, tl_defclass, tl_instance):
    _h.records_effects = True

TOPLEVEL = {
    "do": tl_do,
    "module": tl_module,
    "version": tl_version,
    "import": tl_import,
    "defmacro": tl_defmacro,
    "struct": tl_struct,
    "defclass": tl_defclass,
    "instance": tl_instance,
}


# --- loading ----------------------------------------------------------------------------------


def module_name_of(forms, path):
    if forms and is_head(forms[0], "module") and forms[0].count == 2 and type(forms[0].rest.first) is Symbol:
        return forms[0].rest.first.name
    return os.path.splitext(os.path.basename(path))[0]


def search_dirs(first_dir=None):
    """The folders a module is looked for in, in order: `first_dir` (the importing file's
    or the blob's folder), -I folders, TURMERIC_PATH, the main file's folder."""
    dirs = ([first_dir] if first_dir else []) + SEARCH_PATH + [p for p in os.environ.get("TURMERIC_PATH", "").split(os.pathsep) if p]
    main = MAIN["module"]
    if main is not None and main.file and not main.file.startswith("<"):
        dirs.append(os.path.dirname(os.path.abspath(main.file)))
    out = []
    for d in dirs:
        d = os.path.abspath(d)
        if d not in out:
            out.append(d)
    return out


def find_module_file(name, first_dir=None):
    for d in search_dirs(first_dir):
        p = os.path.join(d, name.replace(".", os.sep) + ".tm")
        if os.path.exists(p):
            return p
    return None


def import_module(name, from_dir, pos=None, importer=None, definitions_only=False):
    m = MODULES.get(name)
    if m is not None:
        return m
    path = find_module_file(name, from_dir)
    if path is None:
        msg = f"module {name} not found (looked for {name}.tm next to the importing file and on the search path; add a folder with -I DIR or TURMERIC_PATH)"
        if importer is not None and pos is not None:
            from ..expander import CompileError

            raise CompileError(msg, pos, importer.source_line(pos.line))
        raise Thrown(make_error("error", msg))
    return load_file(path, definitions_only=definitions_only, expected_name=name)


def load_file(path, definitions_only=False, expected_name=None, main=False):
    """Load a module from a file: replay its compile-cache record if it is current, else
    read, expand, compile and run it (and record that for the next time)."""
    install_builtins()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    mode = "defs" if definitions_only else "full"
    text_hash = cache.source_hash(text)
    rec = cache.read(path, text_hash, mode)
    if rec is not None and rec.get("file") == path and (expected_name or rec["form_name"]) == rec["name"] and deps_current(rec["deps"]):
        m = Module(rec["name"], path, definitions_only, text)
        m.source_hash = text_hash
        MODULES[m.name] = m
        if main:
            MAIN["module"] = m
        m.replay(rec)
        return m
    from ..reader import read_all

    forms = read_all(text, path)
    form_name = module_name_of(forms, path)
    m = Module(expected_name or form_name, path, definitions_only, text)
    m.source_hash = text_hash
    m.record = [] if cache.enabled() else None
    MODULES[m.name] = m
    if main:
        MAIN["module"] = m
    m.eval_source(text, path, forms)
    if m.record is not None:
        cache.write(path, text_hash, mode, m.cache_record(form_name))
    m.record = None
    return m


def deps_current(deps):
    """Would each module a record imported still be the same one (same file, same text)?"""
    for name, from_dir, path, text_hash in deps:
        m = MODULES.get(name)
        if m is not None:
            if m.file != path or m.source_hash != text_hash:
                return False
            continue
        if find_module_file(name, from_dir) != path:
            return False
        try:
            with open(path, encoding="utf-8") as f:
                if cache.source_hash(f.read()) != text_hash:
                    return False
        except (OSError, UnicodeDecodeError):
            return False
    return True


_PRELUDE_LOADED = False
PRELUDE_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "runtime", "prelude.tm")


def load_prelude():
    """Load the Turmeric half of the library once and copy its globals into BUILTINS."""
    global _PRELUDE_LOADED
    if _PRELUDE_LOADED:
        return
    _PRELUDE_LOADED = True
    install_builtins()
    bind_host_aliases()
    m = load_file(PRELUDE_PATH)
    for k, v in list(m.ns.items()):
        if not k.startswith("#") and not k.startswith("__"):
            BUILTINS[k] = v
    bind_host_aliases()


def bind_host_aliases():
    """`#b:name` for every host builtin: what compiled calls to host builtins refer to."""
    from ..runtime.library import register_host_values

    register_host_values()
    for k in HOST:
        if k in BUILTINS:
            BUILTINS["#b:" + k] = BUILTINS[k]


__all__ = ["ARGV", "MAIN", "current_version", "install_builtins", "Module", "MODULES", "SEARCH_PATH"]
