"""Modules: evaluating a file's top-level forms, `import`, definitions mode.

A module is one file. Its forms are read, expanded, compiled and run one at a
time (so a macro defined by one form expands the next). Each top-level form runs
under an implicit prompt. In definitions mode (used when a blob names a module
that is not loaded) every form is compiled but only definitions run.
"""

from __future__ import annotations

import ast
import hashlib
import os
import warnings
from pathlib import Path

from ..compiler import ModuleCompiler
from ..core.errors import InternalError, _bad_field
from ..core.registry import activate, current_state
from ..core.values import Keyword, PList, Pos, PVector, Symbol, Thrown, make_struct_type, plist
from ..expander import CompileError, Expander, canonical, parse_params
from ..reader import MapLiteral, TurmericSyntaxError, read_all
from ..runtime import control, typeclasses
from ..runtime.builtins import MACROS
from ..runtime.library import BUILTINS, HOST

# failures of the expander or compiler that are about the program (or the machine), not bugs
_NOT_INTERNAL = (CompileError, TurmericSyntaxError, InternalError, Thrown, RecursionError, MemoryError)

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

    # --- what the expander asks ------------------------------------------------------
    def defined(self, name):
        return name in self.declared or name in self.ns

    def is_builtin(self, name):
        return name in BUILTINS

    def source_line(self, n):
        return self.lines[n - 1] if 0 < n <= len(self.lines) else ""

    def call_macro(self, macro, args, pos):
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
    def eval_source(self, text, filename=None):
        if current_state() is not self.session.state:
            with activate(self.session.state):
                return self.eval_source(text, filename)
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
        h = hashlib.blake2b(canonical(form).encode(), digest_size=4).hexdigest()
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
                return handler(self, form, pos)
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
        thunk = self.compile_units(fn, toplevel=True)
        if self.definitions_only and not is_definition(form):
            return None
        value = control.reset(thunk)
        if plain_def:
            self.ns[name] = value
            return None
        return value

    def compile_units(self, fn, toplevel):
        """Compile an Fn (and the functions inside it); return the Python function or factory."""
        mc = ModuleCompiler(self.name, self.file, HOST.__contains__, self.consts)
        try:
            mc.compile_unit(fn, toplevel=toplevel)
            mod = ast.Module(mc.defs, [])
            ast.fix_missing_locations(mod)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SyntaxWarning)  # e.g. `0 is None` from constant tests
                code = compile(mod, self.file, "exec")
        except InternalError as e:
            if e.pos is None:
                e.pos = fn.pos
            raise
        except _NOT_INTERNAL:
            raise
        except Exception as e:  # a broken invariant of the compiler, not the program's mistake
            raise InternalError(f"compiler: {type(e).__name__}: {e}", fn.pos) from e
        for i in range(self.nconsts_bound, len(self.consts)):
            self.ns[f"#K{i}"] = self.consts[i]
        self.nconsts_bound = len(self.consts)
        for info, _, _, _ in mc.infos:
            info.module = self.name
            info.transient = self.name == "prelude"
            self.ns[f"#I:{info.symbol}"] = info
        exec(code, self.ns)
        for info, normal_name, resume_name, is_factory in mc.infos:
            info.resume = self.ns[resume_name]
            f = self.ns[normal_name]
            if is_factory:
                info.factory = f
                info.code = next(c for c in f.__code__.co_consts if hasattr(c, "co_code"))
            else:
                info.code = f.__code__
            self.session.state.register(info, info.code, info.resume.__code__)
        first = mc.infos[-1] if toplevel else next(i for i in mc.infos if i[0].symbol == fn.symbol)
        return self.ns[first[1]]

    def fn_value(self, fn):
        factory = self.compile_units(fn, toplevel=False)
        return factory()


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
    mod.version = form.rest.first
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
    other = mod.session.import_module(target, os.path.dirname(os.path.abspath(mod.file)), pos, mod)
    mod.aliases[alias] = other.name
    mod.ns[f"#mod:{other.name}"] = other.ns
    return None


def tl_defmacro(mod, form, pos):
    items = list(form)
    if len(items) < 3 or type(items[1]) is not Symbol:
        mod.expander.error("(defmacro name [params] body...) needs a name and parameters", form)
    fn = mod.expander.expand_fn_form(plist(items[2:], pos), f"{mod.name}.{items[1].name}")
    mod.macros[items[1].name] = mod.fn_value(fn)
    return None


def tl_struct(mod, form, pos):
    items = list(form)
    if len(items) != 3 or type(items[1]) is not Symbol or not isinstance(items[2], PVector):
        mod.expander.error("(struct name [field : type ...]) needs a name and a field vector", form)
    names, rest, types = parse_params(items[2], mod.expander)
    sname = items[1].name
    st = make_struct_type(sname, names, types, module=mod.name, checker=_bad_field, state=mod.session.state)
    mod.ns[sname] = st.cls
    mod.ns[sname + "?"] = st.predicate
    mod.declared.update({sname, sname + "?"})
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
    for mname, d in typeclasses.defclass(items[1].name, var, methods).items():
        mod.ns[mname] = d
        mod.declared.add(mname)
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
    typeclasses.definstance(cname, tname, params, constraints, methods)
    return None


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
    return Path(path).stem
