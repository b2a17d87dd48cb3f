"""Layering: the packages of `turmeric` import one way only (docs/design.md, "Layers").

Two checks per package: a static one over every `import` in its files (function-level
imports included), and a dynamic one that imports the package and all its modules in a
fresh interpreter and looks at which other packages `sys.modules` then holds. A package
that is not in `ALLOWED` fails the test, so a new package must be placed in the layers
when it is added.

`python tests/test_layers.py [ROOT]` prints the package-level import graph of the
checkout at ROOT (default: this one).
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# the layers, bottom first; a package may import the packages listed for it and nothing
# else of Turmeric's (see /work/shared/design/architecture.md and docs/design.md)
_BELOW_LOADER = {"core", "reader", "expander", "compiler", "runtime", "serialization"}
ALLOWED = {
    "core": set(),
    "reader": {"core"},
    "expander": {"core", "reader"},
    "compiler": {"core", "reader", "expander"},  # fingerprint.py uses the expander's canonical text
    "runtime": {"core"},
    "serialization": {"core", "runtime"},
    "loader": _BELOW_LOADER,
    "interop": _BELOW_LOADER | {"loader"},
    "store": {"core", "runtime", "serialization"},
    "durable": _BELOW_LOADER | {"loader", "store"},
    "web": _BELOW_LOADER | {"loader", "store", "durable"},
    "debug": _BELOW_LOADER | {"loader", "store", "durable", "web"},  # the debugger's views and `turmeric ui`
    "cluster": _BELOW_LOADER | {"loader", "store", "durable"},
    "cli": None,  # anything
}
ORDER = list(ALLOWED)

# modules that must stay smaller than their package allows
NARROW = {
    # the decoder is pure: it needs the byte layout and the values, nothing that runs code
    "turmeric.serialization.decoder": {"turmeric.core", "turmeric.serialization.layout"},
}


def packages(root=ROOT):
    """The top-level packages (and modules) of turmeric/, by name."""
    out = []
    for p in sorted((root / "turmeric").iterdir()):
        if p.is_dir() and (p / "__init__.py").exists():
            out.append(p.name)
        elif p.suffix == ".py" and p.stem not in ("__init__", "__main__"):
            out.append(p.stem)
    return out


def _module_name(root, path):
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imported(mod, is_pkg, node):
    """Absolute names a `from ... import` / `import` statement inside module `mod` refers to."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return [target] + [f"{target}.{a.name}" for a in node.names]


def module_imports(root=ROOT):
    """{module: set of turmeric modules it imports anywhere in its code}."""
    out = {}
    for path in sorted((root / "turmeric").rglob("*.py")):
        mod = _module_name(root, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update(n for n in _imported(mod, path.name == "__init__.py", node) if n.startswith("turmeric."))
        out[mod] = names
    return out


def package_of(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else None


def package_graph(root=ROOT):
    """{package: set of other packages it imports} (static, every import statement)."""
    known = set(packages(root))
    graph = {p: set() for p in known}
    for mod, names in module_imports(root).items():
        src = package_of(mod)
        if src not in known:  # the root package; __main__ (the CLI's entry point)
            continue
        for n in names:
            dst = package_of(n)
            if dst in known and dst != src:
                graph[src].add(dst)
    return graph


def test_every_package_has_a_layer():
    unknown = [p for p in packages() if p not in ALLOWED]
    assert not unknown, f"packages with no layer: {unknown}; add them to ALLOWED in tests/test_layers.py and to docs/design.md"


def test_static_imports_point_down():
    bad = []
    for mod, names in module_imports().items():
        src = package_of(mod)
        if src is None:  # the root package: a facade that imports on first use (checked below)
            continue
        allowed = ALLOWED.get(src)
        if allowed is None:
            continue
        for n in sorted(names):
            dst = package_of(n)
            if dst is not None and dst != src and dst not in allowed:
                bad.append(f"{mod} imports {n} ({src} -> {dst})")
    assert not bad, "imports against the layers:\n" + "\n".join(bad)


def test_narrow_modules_import_only_what_they_need():
    imports = module_imports()
    bad = []
    for mod, allowed in NARROW.items():
        for n in imports[mod]:
            if not any(n == a or n.startswith(a + ".") for a in allowed | {mod}):
                # `from . import x` inside the package is the package itself
                if n != mod.rsplit(".", 1)[0]:
                    bad.append(f"{mod} imports {n}")
    assert not bad, "\n".join(bad)


PROBE = """
import importlib, json, pkgutil, sys
name = sys.argv[1]
m = importlib.import_module(name)
if hasattr(m, "__path__"):
    for info in pkgutil.walk_packages(m.__path__, name + "."):
        importlib.import_module(info.name)
print(json.dumps(sorted({k.split(".")[1] for k in sys.modules if k.startswith("turmeric.")})))
"""


def _probe(module):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", PROBE, module], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return set(json.loads(r.stdout))


@pytest.mark.parametrize("pkg", [p for p in packages() if ALLOWED.get(p) is not None])
def test_importing_a_package_loads_only_the_layers_below(pkg):
    loaded = _probe(f"turmeric.{pkg}") - {pkg}
    extra = loaded - ALLOWED[pkg]
    assert not extra, f"importing turmeric.{pkg} (and its modules) loaded {sorted(extra)}"


def test_importing_turmeric_itself_loads_no_package():
    code = "import sys, turmeric; print(sorted(k for k in sys.modules if k.startswith('turmeric.')))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_decoder_loads_no_encoder_and_nothing_that_runs_code():
    code = "import sys, turmeric.serialization.decoder as d; print(sorted(k for k in sys.modules if k.startswith('turmeric.')))"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    loaded = set(ast.literal_eval(r.stdout.strip()))
    allowed = {"turmeric.serialization", "turmeric.serialization.decoder", "turmeric.serialization.layout"}
    assert {m for m in loaded if not m.startswith("turmeric.core")} <= allowed, loaded


def test_importing_serialization_registers_no_builtins():
    code = (
        "import turmeric.serialization.api, turmeric.serialization.format\n"
        "from turmeric.runtime.builtins import BUILTINS\n"
        "print(sorted(n for n in ('serialize', 'deserialize', 'sign', 'verify', 'current-version') if n in BUILTINS))"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def main(argv):
    root = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    graph = package_graph(root)
    for src in sorted(graph, key=lambda p: (ORDER.index(p) if p in ORDER else len(ORDER), p)):
        print(f"{src:14} -> {', '.join(sorted(graph[src])) or '(nothing)'}")
    cycles = sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, set())})
    print("cycles (pairs importing each other):", ", ".join(f"{a} <-> {b}" for a, b in cycles) or "none")


if __name__ == "__main__":
    main(sys.argv)
