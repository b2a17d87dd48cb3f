"""Sessions: everything one running program owns, so that programs can share a process.

A `Session` owns the search path, the loaded modules, the main module and
`command-line-args`, the code registry (a `core.registry.State`: functions by symbol
and by (symbol, fingerprint), struct types, type classes and instances) and the
serialization caches that depend on what is loaded. Two sessions never see each
other's definitions; both see the runtime's and the prelude's (`registry.ROOT`),
which are loaded once per process and never change afterwards.

The current session is a context variable (through `registry.current_state()`), so
it is per thread and per asyncio task; a thread or task that activated no session
uses the default session, created on first use (the CLI runs in it).
"""

from __future__ import annotations

import contextlib
import os
import threading

from ..core.errors import make_error
from ..core.registry import ROOT, State, activate, current_state, default_state
from ..core.values import Thrown
from ..expander import CompileError
from ..reader import read_all
from ..runtime.library import BUILTINS, HOST
from . import cache
from .install import install_builtins
from .module import Module, module_name_of

PRELUDE_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "runtime", "prelude.tm")

_LOCK = threading.RLock()
_PRELUDE: list = []  # [the prelude Module] once loaded
_DEFAULT: list = []  # [the default Session] once created


class Session:
    """One program's world: search path, modules, main module, argv, registry, caches.

    `Session(search_path=None, argv=())`; `load_file(path)` loads and runs a file (the
    first one loaded becomes the main module), `import_module(name)` loads a module from
    the search path, `eval_string(src)` evaluates text in the session's `user` module,
    `activate()` makes the session current in a `with` block (code running Turmeric
    functions of this session outside these methods should run inside it).
    With `keep_versions=True`, reloading a module keeps the old versions of its functions
    resolvable by (symbol, fingerprint), so blobs written by older code still resume.
    """

    def __init__(self, search_path=None, argv=(), *, keep_versions=False, _state=None):
        self.search_path = [os.path.abspath(d) for d in (search_path or [])]
        self.argv = list(argv)
        self.modules = {}  # module name -> Module
        self.main = None  # the module run as the program
        self.caches = {}  # serialization's caches of names and headers (see serialization.names)
        self.state = _state if _state is not None else State(parent=ROOT, keep_versions=keep_versions)
        self.state.owner = self
        # where old function versions come from (turmeric.loader.codes): callables
        # (symbol, fingerprint) -> (record hash, record bytes) or None, tried in order
        self.code_sources = []
        self.forbidden_globals = frozenset()  # globals code compiled from a record may not use
        self.from_records = set()  # (symbol, fingerprint) of the versions compiled from code records
        self.migrations = {}  # function symbol -> [Migration] declared by defmigration (migrations.py)
        if self.state is not ROOT:
            prelude = load_prelude()
            self.modules["prelude"] = prelude

    def __repr__(self):
        main = self.main.name if self.main is not None else None
        return f"<Session main={main} modules={sorted(self.modules)}>"

    # --- public API ------------------------------------------------------------------
    @contextlib.contextmanager
    def activate(self):
        """Make this session current for the code run in the `with` block (this thread or task)."""
        with activate(self.state):
            yield self

    def load_file(self, path, main=None, definitions_only=False, expected_name=None):
        """Load and run the file at `path`; returns its Module. `main` (default: no main
        module yet) makes it the program whose `current-version` and name blobs record."""
        if main is None:
            main = self.main is None and not definitions_only and expected_name is None
        with self.activate():
            return self._load(path, definitions_only, expected_name, main)

    def import_module(self, name, from_dir=None, pos=None, importer=None, definitions_only=False):
        """The module `name`, loaded from `from_dir` or the search path if not loaded yet."""
        m = self.modules.get(name)
        if m is not None:
            return m
        path = self.find_module_file(name, from_dir)
        if path is None:
            msg = f"module {name} not found (looked for {name}.tm next to the importing file and on the search path; add a folder with -I DIR or TURMERIC_PATH)"
            if importer is not None and pos is not None:
                raise CompileError(msg, pos, importer.source_line(pos.line))
            raise Thrown(make_error("error", msg))
        with self.activate():
            return self._load(path, definitions_only, name, False)

    def eval_string(self, src, filename="<eval>"):
        """Evaluate the forms in `src` in this session's `user` module; the last form's value."""
        m = self.modules.get("user")
        if m is None:
            m = self.new_module("user", filename)
            if self.main is None:
                self.main = m
        m.file = filename
        with self.activate():
            return m.eval_source(src, filename)

    def new_module(self, name, file, definitions_only=False, source=""):
        """A new, empty module of this session, registered under `name`."""
        m = Module(name, file, definitions_only, source, session=self)
        self.modules[name] = m
        return m

    def unload(self, name):
        """Forget the module `name` and what it defined (a blob naming it loads it again)."""
        self.modules.pop(name, None)
        self.state.forget_module(name)

    def close(self):
        """Forget this session's code objects (its functions can't be named in a blob afterwards)."""
        self.state.release()

    # --- old versions of functions (the code store) -------------------------------------
    def load_version(self, symbol, fingerprint, extra_sources=()):
        """The version (symbol, fingerprint) of a function, compiled from a code record
        of `extra_sources` or `self.code_sources` if this session doesn't have it; None when
        no source has it. Raises Thrown(code-error) for a record that fails its checks."""
        from .codes import CodeError, code_error, compile_record, parse_record

        info = self.state.versions.get((symbol, fingerprint))
        if info is not None:
            return info
        for src in list(extra_sources) + list(self.code_sources):
            got = src(symbol, fingerprint)
            if got is None:
                continue
            h, data = got
            try:
                obj = parse_record(data, h)
                if [symbol, fingerprint] not in obj["fns"]:
                    raise CodeError(f"code record {h} does not define {symbol} version {fingerprint}")
                with self.activate():
                    out = compile_record(self, obj, self.forbidden_globals)
            except CodeError as e:
                raise code_error(str(e)) from None
            return out.get((symbol, fingerprint))
        return None

    def add_migration(self, mig):
        """Declare `mig` (a `migrations.Migration`); one of the same name and module is replaced."""
        migs = [m for m in self.migrations.get(mig.symbol, []) if not (m.name == mig.name and m.module == mig.module)]
        migs.append(mig)
        self.migrations[mig.symbol] = migs

    def migrate_frames(self, frames):
        """The frames of a decoded continuation, with declared migrations applied (migrations.py)."""
        if not self.migrations:
            return frames
        from .migrations import migrate_frames

        return migrate_frames(self, frames)

    def code_record(self, info):
        """(hash, bytes) of the code record `info` was compiled from, or None."""
        from .codes import record_of

        return record_of(info, self.state)

    # --- what the loader and serialization ask ----------------------------------------
    def search_dirs(self, first_dir=None, main_file=None):
        """The folders a module is looked for in, in order: `first_dir` (the importing file's
        or the blob's folder), the search path, TURMERIC_PATH, the main file's folder
        (`main_file`'s, for a main module about to be loaded)."""
        env = [p for p in os.environ.get("TURMERIC_PATH", "").split(os.pathsep) if p]
        dirs = ([first_dir] if first_dir else []) + self.search_path + env
        if main_file is None and self.main is not None:
            main_file = self.main.file
        if main_file and not main_file.startswith("<"):
            dirs.append(os.path.dirname(os.path.abspath(main_file)))
        out = []
        for d in dirs:
            d = os.path.abspath(d)
            if d not in out:
                out.append(d)
        return out

    def find_module_file(self, name, first_dir=None, main_file=None):
        for d in self.search_dirs(first_dir, main_file):
            p = os.path.join(d, name.replace(".", os.sep) + ".tm")
            if os.path.exists(p):
                return p
        return None

    def current_version(self):
        m = self.main
        return m.current_version() if m is not None else "0"

    def load_prelude(self):
        return load_prelude()

    def _load(self, path, definitions_only, expected_name, main):
        """Replay the file's compile-cache record if it is current (`cache.py`), else read,
        expand, compile and run it, recording that for the next time."""
        with open(path, encoding="utf-8") as f:
            text = f.read()
        mode = "defs" if definitions_only else "full"
        text_hash = cache.source_hash(text)
        env = cache.environment_tag()  # what the compile takes from the process, as it starts
        rec = cache.read(path, text_hash, mode, env)
        if (
            rec is not None
            and rec.get("file") == path
            and (expected_name or rec["form_name"]) == rec["name"]
            and self.deps_current(rec["deps"], path if main else None)
            and self.classes_current(rec["classes"])
            and files_current(rec["files"])
        ):
            m = Module(rec["name"], path, definitions_only, text, session=self)
            m.source_hash = text_hash
            self.modules[m.name] = m
            if main:
                self.main = m
            m.replay(rec)
            return m
        forms = read_all(text, path)
        form_name = module_name_of(forms, path)
        m = Module(expected_name or form_name, path, definitions_only, text, session=self)
        m.source_hash = text_hash
        m.record = [] if cache.enabled() else None
        self.modules[m.name] = m
        if main:
            self.main = m
        m.eval_source(text, path, forms)
        if m.record is not None:
            cache.write(path, text_hash, mode, m.cache_record(form_name), env)
        m.record = None
        return m

    def classes_current(self, classes):
        """Are the type classes of other modules that the record's instances were compiled
        against (found in the registry, not imported) still the same (`module.class_shape`)?"""
        from .module import class_shape

        return all(class_shape(self.state.type_class(name)) == shape for name, shape in classes)

    def deps_current(self, deps, main_file=None):
        """Would each module a record imported still be the same one (same file, same text)?
        `main_file`: the record is of the main module, which the imports will see as main."""
        for name, from_dir, path, text_hash in deps:
            m = self.modules.get(name)
            if m is not None:
                if m.file != path or m.source_hash != text_hash:
                    return False
                continue
            if self.find_module_file(name, from_dir, main_file) != path:
                return False
            try:
                with open(path, encoding="utf-8") as f:
                    if cache.source_hash(f.read()) != text_hash:
                        return False
            except (OSError, UnicodeDecodeError):
                return False
        return True


def files_current(files):
    """Do the files the record's macros read still hold what they did, found from here at the
    same absolute path (a relative path is read from the current folder)?"""
    from .module import file_state

    return all(os.path.abspath(p) == a and file_state(a) == state for p, a, state in files)


def current_session():
    """The session active in this thread or task, else the default session."""
    s = current_state().owner
    if s is None:
        s = default_session()
    return s


def default_session():
    """The process's default session (what the CLI and the module-level functions use)."""
    if not _DEFAULT:
        with _LOCK:
            if not _DEFAULT:
                _DEFAULT.append(Session(_state=default_state()))
    return _DEFAULT[0]


def load_prelude():
    """Load the Turmeric half of the library once per process (into `ROOT`) and copy its
    globals into BUILTINS; returns the prelude Module."""
    if _PRELUDE:
        return _PRELUDE[0]
    with _LOCK:
        if _PRELUDE:
            return _PRELUDE[0]
        with activate(ROOT):
            install_builtins()
            root = ROOT.owner if ROOT.owner is not None else Session(_state=ROOT)
            bind_host_aliases()
            m = root._load(PRELUDE_PATH, False, None, False)
            for k, v in list(m.ns.items()):
                if not k.startswith("#") and not k.startswith("__"):
                    BUILTINS[k] = v
            bind_host_aliases()
        _PRELUDE.append(m)
        return m


def bind_host_aliases():
    """`#b:name` for every host builtin: what compiled calls to host builtins refer to."""
    from ..runtime.library import register_host_values

    register_host_values()
    for k in HOST:
        if k in BUILTINS:
            BUILTINS["#b:" + k] = BUILTINS[k]
