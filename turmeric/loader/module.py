"""Modules: evaluating a file's top-level forms, `import`, definitions mode.

A module is one file. Its forms are read, expanded, compiled and run one at a
time (so a macro defined by one form expands the next). Each top-level form runs
under an implicit prompt. In definitions mode (used when a blob names a module
that is not loaded) every form is compiled but only definitions run.

Loading a file records what it compiled and did (`Module.record`); the compile
cache (`cache.py`) keeps the record, and the next load of the unchanged file
replays it (`Module.replay`) without expanding or compiling anything. Every effect
of a top-level form goes through one `Module` method (`install_unit`, `run_form`,
`define_struct`, `define_class`, `define_instance`, `do_import`, ...) that both
paths call, so a replayed module is the module the compile made.
"""

from __future__ import annotations

import os
import stat
import threading
import types
import warnings

from ..core.digest import blake2b
from ..core.errors import InternalError, _bad_field
from ..core.registry import activate, current_state
from ..core.values import Keyword, PList, Pos, PVector, Struct, Symbol, Thrown, make_struct_type, plist
from ..expander import CompileError, Expander, canonical, parse_params
from ..reader import MapLiteral, TurmericSyntaxError, read_all
from ..runtime import control, typeclasses
from ..runtime.abi import inline_cache
from ..runtime.builtins import MACROS
from ..runtime.lib.files import COMPILE_READS
from ..runtime.library import BUILTINS, HOST
from . import cache

# failures of the expander or compiler that are about the program (or the machine), not bugs
_NOT_INTERNAL = (CompileError, TurmericSyntaxError, InternalError, Thrown, RecursionError, MemoryError)
# macros every module sees unless it defines that name itself (a library's: the web vocabulary's
# defpage, durable's step and defworkflow); the same dict as runtime.builtins.MACROS
SHARED_MACROS: dict = MACROS

DEFINITION_HEADS = {"defn", "defmacro", "struct", "defclass", "instance", "import", "import-python", "module", "version"}


class ModuleMacros(dict):
    """A module's macros, then the shared ones (`runtime.builtins.MACROS`: `step`,
    `defworkflow`, ...) unless the module defines a global of that name itself."""

    __slots__ = ("module",)

    def __init__(self, module):
        super().__init__()
        self.module = module

    def get(self, name, default=None):
        m = dict.get(self, name)
        if m is not None:
            return m
        m = MACROS.get(name)
        if m is not None and not self.module.defined(name):
            return m
        return default


class Module:
    """One loaded file: its globals (`ns`), macros, aliases, and the session it belongs to."""

    def __init__(self, name, file, definitions_only=False, source="", session=None):
        if session is None:
            from .session import current_session

            session = current_session()
        self.session = session
        self.name = name
        self.file = file
        self.definitions_only = definitions_only
        self.ns = {"__builtins__": BUILTINS, "__name__": f"turmeric:{name}"}
        self.ns["#G"] = self.ns
        self.macros = ModuleMacros(self)
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
        self.expander = Expander(self)
        self.source_hash = None  # of the file's text, when loaded from a file
        self.record = None  # the steps of this load, for the compile cache (None: not recorded)
        self.deps = []  # (name, from folder, path, source hash) of every module this one imported
        # type classes defined elsewhere (the registry, not an import) that compiling an instance
        # consulted: name -> the (method, dispatch index) pairs it had, or None (not defined)
        self.classes_seen = {}
        self.own_classes = set()
        # files a macro's expansion read: (path as given, absolute path) -> file_state
        self.files = {}
        self.gensym_noted = None  # the last ("gensym", n) step recorded
        self.skipped = {}  # name -> Pos of each `(def name e)` that definitions mode did not run

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
        token = COMPILE_READS.set(self.note_file) if self.record is not None else None
        try:
            return control.reset(lambda: macro(*args))
        except (CompileError, TurmericSyntaxError):
            raise
        except Exception as e:
            from ..runtime.errors import thrown_value
            from ..runtime.printer import display

            v = thrown_value(e)
            raise CompileError(f"macro expansion failed: {display(v)}", pos, self.source_line(pos.line)) from None
        finally:
            if token is not None:
                COMPILE_READS.reset(token)

    def note_file(self, path):
        """A macro read the file at `path`: the record's expansions depend on what it holds."""
        if type(path) is str:
            key = (path, os.path.abspath(path))
            if key not in self.files:
                state = file_state(key[1])
                if state == "special":  # a device or a pipe: what it gave can't be checked again
                    self.record = None
                    return
                self.files[key] = state

    # --- evaluation ---------------------------------------------------------------------
    def eval_source(self, text, filename=None, forms=None):
        if current_state() is not self.session.state:
            with activate(self.session.state):
                return self.eval_source(text, filename, forms)
        if forms is None:
            forms = read_all(text, filename or self.file)
        self.lines = text.split("\n")
        self.code_hash = blake2b("\n".join(canonical(f) for f in forms).encode(), digest_size=4).hexdigest()
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
        h = blake2b(canonical(form).encode(), digest_size=4).hexdigest()
        n = self.anonymous_count.get(h, 0) + 1
        self.anonymous_count[h] = n
        return f"{self.name}.top@{h}" if n == 1 else f"{self.name}.top@{h}#{n}"

    def eval_toplevel(self, form, run=True):
        if current_state() is not self.session.state:
            with activate(self.session.state):
                return self.eval_toplevel(form, run)
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
        try:
            fn = ex.expand_top(form.rest.rest.first if plain_def else form, symbol)
        except _NOT_INTERNAL:
            raise
        except Exception as e:
            raise InternalError(f"expander: {type(e).__name__}: {e}", pos) from e
        self._origin = (self.name, symbol, canonical(source_form))  # what the code store keeps
        try:
            thunk = self.compile_units(fn, toplevel=True)
        finally:
            self._origin = None
        runs = not self.definitions_only or is_definition(form)
        if not runs and plain_def:
            self.skipped[name] = pos  # says why the global is unbound, if something reads it
        self.note_gensym()
        if runs or not plain_def:
            self.note(("run", name if plain_def else None, runs))
        else:  # a def definitions mode skips: its position, for the message if something reads it
            self.note(("run", name, runs, (pos.file, pos.line, pos.col)))
        return self.run_form(thunk, name if plain_def else None, runs)

    def note_gensym(self):
        """Before a form runs: where `gensym` stands after its macros ran (they may call it). A
        replay, which runs no macro, moves the counter there too, so that the form's own calls
        give what they gave when it was compiled, never a symbol a macro put into its code."""
        if self.record is not None:
            from ..runtime.lib import strings

            n = strings.gensym_state()
            if n != self.gensym_noted:
                self.gensym_noted = n
                self.note(("gensym", n))

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
        from ..compiler.unit import assumptions

        first_const = len(self.consts)
        mc = ModuleCompiler(self.name, self.file, HOST.__contains__, self.consts, self.struct_fields, self.dispatch_index)
        try:
            mc.compile_unit(fn, toplevel=toplevel)
            # the normal functions and the resume variants as two code objects: a replayed
            # load executes the resume variants only when something resumes
            normal = [d for d in mc.defs if not (type(d) is ast.FunctionDef and d.name.startswith("#r:"))]
            resume = [d for d in mc.defs if type(d) is ast.FunctionDef and d.name.startswith("#r:")]
            codes = []
            for defs in (normal, resume):
                mod = ast.Module(defs, [])
                ast.fix_missing_locations(mod)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", SyntaxWarning)  # e.g. `0 is None` from constant tests
                    codes.append(compile(mod, self.file, "exec"))
        except InternalError as e:
            if e.pos is None:
                e.pos = fn.pos
            raise
        except _NOT_INTERNAL:
            raise
        except Exception as e:  # a broken invariant of the compiler, not the program's mistake
            raise InternalError(f"compiler: {type(e).__name__}: {e}", fn.pos) from e
        code, rcode = codes
        origin = getattr(self, "_origin", None) if self.name != "prelude" else None
        # what the generated code took other globals and this module's imports to be: a code
        # record carries it, so another process compiles the form to the same code (codes.py)
        assumed = assumptions(mc, self.aliases) if origin is not None else None
        for info, _, _, _ in mc.infos:
            info.module = self.name
            info.origin = origin
            info.assumed = assumed
            info.transient = info.transient or self.name == "prelude"
        first = mc.infos[-1] if toplevel else next(i for i in mc.infos if i[0].symbol == fn.symbol)
        infos = list(mc.infos)
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

    def struct_fields(self, name):
        """The fields of the struct this module's global `name` constructs, when its fields
        are unchecked (`_tm_layout`); else None. Compiled loops may keep such a struct's
        fields in locals, behind a test of the same layout at run time."""
        cls = self.ns.get(name)
        if isinstance(cls, type) and issubclass(cls, Struct) and getattr(cls, "_tm_layout", None) is not None:
            return cls.stype.fields
        return None

    def dispatch_index(self, name):
        """The index of the argument the type-class method held by this module's global
        `name` dispatches on, else None. A call site of it keeps an inline cache, checked
        against the global at run time (compiler/lower.py, `cached_method_call`)."""
        d = self.ns.get(name)
        return getattr(d, "tc_index", None) if type(d) is types.FunctionType else None

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
                ns[n] = inline_cache(n)
        exec(code, ns)
        state = self.session.state
        for info, normal_name, _, is_factory in infos:
            f = ns[normal_name]
            codes = unit_codes(info, f, is_factory)
            state.register(info, *codes)
        pairs = [(info, rn) for info, _, rn, _ in infos]
        if type(resume) is bytes:
            _LazyResume(state, ns, resume, pairs)
        else:
            _install_resume(state, ns, resume, pairs)
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
        st = make_struct_type(sname, names, types, module=self.name, checker=_bad_field, state=self.session.state)
        self.ns[sname] = st.cls
        self.ns[sname + "?"] = st.predicate
        self.declared.update({sname, sname + "?"})

    def define_class(self, cname, var, methods):
        self.note(("class", cname, var, tuple(methods)))
        self.own_classes.add(cname)  # this module's own: the replay defines it again
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
        other = self.session.import_module(target, from_dir, pos, self)
        self.aliases[alias] = other.name
        self.ns[f"#mod:{other.name}"] = other.ns
        if other.source_hash is None:  # not loaded from a file: nothing to check a record against
            self.record = None
        else:
            self.deps.append((target, from_dir, other.file, other.source_hash))
            self.deps.extend(other.deps)
            self.files.update(other.files)
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
            "classes": tuple(sorted(self.classes_seen.items())),
            "files": tuple((p, a, state) for (p, a), state in sorted(self.files.items())),
            "declared": tuple(sorted(self.declared)),
            "anonymous_count": tuple(sorted(self.anonymous_count.items())),
            "gensym": (gensym_state(), strings.gensym_state()),
            "unresolved": tuple((n, None if p is None else (p.file, p.line, p.col)) for n, p in self.unresolved),
        }

    def replay(self, rec):
        """Redo a recorded load: the same code objects executed and the same effects, in order."""
        if current_state() is not self.session.state:
            with activate(self.session.state):
                return self.replay(rec)
        self.code_hash = rec["code_hash"]
        self.deps = list(rec["deps"])
        self.files = {(p, a): state for p, a, state in rec["files"]}
        last = None
        methods = {}
        decode_info = cache.info_decoder()
        from ..runtime.lib import strings

        for step in rec["steps"]:
            kind = step[0]
            if kind == "unit":
                _, code, rcode, consts, infos, first_name, ic_names = step
                if consts:
                    self.consts.extend(cache.decode_const(c) for c in consts)
                infos = [(decode_info(i), a, b, f) for i, a, b, f in infos]
                last = self.install_unit(code, rcode, infos, first_name, ic_names)
            elif kind == "run":
                if step[1] is not None and not step[2]:  # a def definitions mode did not run
                    self.skipped.setdefault(step[1], Pos(*step[3]) if len(step) > 3 else None)
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
            elif kind == "gensym":
                strings.advance_gensym(step[1])
            elif kind == "version":
                self.set_version(step[1])
            elif kind == "toplevel":
                TOPLEVEL[step[1]](self, cache.decode_const(step[2]), Pos(*step[3]))
            else:
                raise InternalError(f"compile cache: unknown step {kind!r}", None)
        self.declared = set(rec["declared"])
        self.anonymous_count = dict(rec["anonymous_count"])
        self.unresolved = [(n, None if p is None else Pos(*p)) for n, p in rec["unresolved"]]
        from ..expander import advance_gensym

        expander_next, runtime_next = rec["gensym"]
        advance_gensym(expander_next)
        strings.advance_gensym(runtime_next)


def _install_resume(state, ns, code, pairs):
    exec(code, ns)
    for info, resume_name in pairs:
        info.resume = ns[resume_name]
        state.register(info, info.resume.__code__)


_RESUME_LOCK = threading.Lock()


class _LazyResume:
    """Resume variants of a replayed unit, executed the first time one of them is called."""

    __slots__ = ("state", "ns", "data", "pairs", "done")

    def __init__(self, state, ns, data, pairs):
        self.state, self.ns, self.data, self.pairs, self.done = state, ns, data, pairs, False
        for info, _ in pairs:
            info.resume = self.entry(info)

    def entry(self, info):
        def first_call(*args):
            with _RESUME_LOCK:  # two threads resuming at once: one executes, both then call it
                if not self.done:
                    import marshal

                    _install_resume(self.state, self.ns, marshal.loads(self.data), self.pairs)
                    self.done = True
            return info.resume(*args)

        return first_call


def _inline_cache_names(code):
    """The `#ic:field`, `#sc:name/n`, `#nc:name`, `#dc:method` and `#sp:name` globals a
    compiled unit reads (inline caches of `x.field`, of match's struct tests, of struct
    constructions, of method calls and of an instance method's struct: `runtime.abi.inline_cache`)."""
    out = []
    stack = [code]
    while stack:
        c = stack.pop()
        out += [n for n in c.co_names if n.startswith(("#ic:", "#sc:", "#nc:", "#dc:", "#sp:"))]
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
    names, rest, types = parse_params(items[2], mod.expander)
    mod.define_struct(items[1].name, names, types)
    return None


def tl_defclass(mod, form, pos):
    items = list(form)
    if len(items) < 3 or type(items[1]) is not Symbol or not isinstance(items[2], PVector) or len(items[2]) != 1:
        mod.expander.error("(defclass Name [a] (method [params]) ...) needs a name and one type variable", form)
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


def unit_codes(info, f, is_factory):
    """Set `info.code` (and `info.factory`) from a compiled unit's function; return the code
    objects to register for it: a factory's definitions (the function's, then an instance
    method's fast entry, compiler/unit.py)."""
    if not is_factory:
        info.code = f.__code__
        return [info.code]
    info.factory = f
    codes = [c for c in f.__code__.co_consts if hasattr(c, "co_code")]
    info.code = codes[0]
    return codes


def file_state(path):
    """What a macro that read the file at `path` saw: a hash of its bytes, "dir", "special"
    (a device or a pipe, never opened here), or None (missing or unreadable)."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISDIR(mode):
        return "dir"
    if not stat.S_ISREG(mode):
        return "special"
    try:
        with open(path, "rb") as f:
            return blake2b(f.read(), digest_size=16).hexdigest()
    except OSError:
        return None


def class_shape(cls):
    """What compiling an instance takes from its type class: each method's dispatch index."""
    return None if cls is None else tuple(sorted(cls.methods.items()))


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
        cls = current_state().type_class(cname)
        if cname not in mod.own_classes and cname not in mod.classes_seen:  # another module's: the record depends on it
            mod.classes_seen[cname] = class_shape(cls)
        idx = cls.methods.get(m.first.name) if cls is not None and not params else None
        if idx is not None:
            fn.instance_of = (idx, tname)
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
