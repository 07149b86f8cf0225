"""The import structure of ``textanalytics/``: no cycles, no private names across modules,
and every import inside a function says which heavy or optional dependency it defers.

Every module is parsed with :mod:`ast` (nothing is imported). The internal import graph
has an edge for each ``import``/``from ... import`` that names a ``textanalytics`` module,
at module level and inside functions, with relative imports resolved and with the
semantics Python gives them:

* ``from ..compare import keyness`` runs ``compare/__init__.py`` and, when the package
  exports ``keyness`` lazily (an ``_EXPORTS`` table, or ``__getattr__`` importing it),
  the module that defines it: edges to both;
* importing ``textanalytics.corpus.clean`` from outside ``corpus/`` first runs
  ``corpus/__init__.py``: an edge to the package too (inside the package it is
  already running, so no edge);
* imports under ``if TYPE_CHECKING:`` never run and make no edge.

The three checks print every violation as ``file:line: what`` so they can be fixed one by one.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = "textanalytics"
PACKAGE_DIR = Path(__file__).resolve().parent.parent / ROOT

#: Dependencies worth deferring: a function-level import must name one its target loads.
HEAVY = ("pandas", "numpy", "scipy", "sklearn", "gensim", "matplotlib", "pyarrow", "nltk", "lemminflect",
         "tomotopy", "jinja2", "PIL", "pyspark")
#: How a comment may name a dependency (``scikit-learn`` is imported as ``sklearn``).
SPELLINGS = {"sklearn": ("sklearn", "scikit-learn"), "PIL": ("pil", "pillow")}


# ---------------------------------------------------------------- parsing

@dataclass(frozen=True)
class Import:
    """One import statement's reference to one module (internal or not)."""

    source: str          # importing module, dotted
    target: str          # imported module, dotted (a package means its __init__)
    names: tuple[str, ...]
    line: int
    in_function: bool
    type_checking: bool
    #: inside a package's module-level ``__getattr__``: runs for whoever asks for the name (see targets_of)
    lazy: bool = False


@dataclass
class Module:
    name: str
    file: str            # path shown in messages: textanalytics/corpus/load.py
    is_package: bool
    tree: ast.Module
    lines: list[str]
    imports: list[Import] = field(default_factory=list)
    #: lazily exported name -> module that defines it (``_EXPORTS`` tables, ``__getattr__`` imports)
    lazy: dict[str, str] = field(default_factory=dict)


def module_name(path: Path, *, root: Path) -> tuple[str, bool]:
    rel = path.relative_to(root.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def resolve_relative(module: Module, node: ast.ImportFrom) -> str:
    """Absolute dotted name of ``from <level dots><module> import ...`` in ``module``."""
    if not node.level:
        return node.module or ""
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk_imports(module: Module):
    """``(node, in_function, type_checking, lazy)`` for every import statement and constant
    ``import_module``/``__import__`` call; ``lazy``: inside a package's module-level ``__getattr__``."""
    stack: list[tuple[ast.AST, bool, bool, bool]] = [(module.tree, False, False, False)]
    while stack:
        node, in_function, tc, lazy = stack.pop()
        for child in ast.iter_child_nodes(node):
            child_fn = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            child_tc = tc or (isinstance(node, ast.If) and _is_type_checking(node.test) and child in node.body)
            child_lazy = lazy or (module.is_package and node is module.tree and isinstance(child, ast.FunctionDef)
                                  and child.name == "__getattr__")
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                yield child, in_function, child_tc, lazy
            elif (isinstance(child, ast.Call) and child.args and isinstance(child.args[0], ast.Constant)
                  and isinstance(child.args[0].value, str)
                  and ((isinstance(child.func, ast.Name) and child.func.id == "__import__")
                       or (isinstance(child.func, ast.Attribute) and child.func.attr == "import_module"))):
                yield child, in_function, child_tc, lazy
            stack.append((child, child_fn, child_tc, child_lazy))


def parse_package(root: Path = PACKAGE_DIR) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for path in sorted(root.rglob("*.py")):
        name, is_package = module_name(path, root=root)
        text = path.read_text(encoding="utf-8")
        modules[name] = Module(name, path.relative_to(root.parent).as_posix(), is_package,
                               ast.parse(text, filename=str(path)), text.splitlines())
    for module in modules.values():
        for node, in_function, tc, lazy in _walk_imports(module):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    module.imports.append(Import(module.name, alias.name, (), node.lineno, in_function, tc, lazy))
            elif isinstance(node, ast.ImportFrom):
                target = resolve_relative(module, node)
                names = tuple(a.name for a in node.names)
                module.imports.append(Import(module.name, target, names, node.lineno, in_function, tc, lazy))
            else:  # import_module("x") / __import__("x")
                module.imports.append(Import(module.name, node.args[0].value, (), node.lineno, in_function, tc,
                                             lazy))
    for module in modules.values():
        if module.is_package:
            module.lazy = _lazy_exports(module, modules)
    return modules


def _lazy_exports(package: Module, modules: dict[str, Module]) -> dict[str, str]:
    """Names a package ``__init__`` imports on first use: an ``_EXPORTS`` dict or ``__getattr__``'s imports."""
    out: dict[str, str] = {}
    public: list[str] = []
    for node in package.tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) \
            else []
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if "_EXPORTS" in names and isinstance(node.value, ast.Dict):
            for k, v in zip(node.value.keys, node.value.values):
                if isinstance(k, ast.Constant) and isinstance(v, ast.Constant):
                    out[k.value] = v.value
        if "__all__" in names and isinstance(node.value, (ast.List, ast.Tuple)):
            public = [e.value for e in node.value.elts if isinstance(e, ast.Constant)]
    for imp in package.imports:
        if imp.lazy:
            for name in imp.names:
                if f"{imp.target}.{name}" in modules:  # ``from . import build``: __all__ comes from the submodule
                    out.update({n: f"{imp.target}.{name}" for n in public if n not in out})
                else:
                    out.setdefault(name, imp.target)
    return out


def is_internal(name: str) -> bool:
    return name == ROOT or name.startswith(ROOT + ".")


def _ancestor(package: str, module: str) -> bool:
    return module.startswith(package + ".")


def targets_of(imp: Import, modules: dict[str, Module], *, lazy: bool = False) -> list[str]:
    """Internal modules that executing ``imp`` runs, as edges (see the module docstring).

    A package that contains the importer is already running when the importer runs: it
    is an edge only when the import reads a name it defines (``from .. import __version__``),
    not when it names a submodule (``from . import narrative``). An import in a package's
    ``__getattr__`` is an edge of whoever asks for the name, not of the package, unless ``lazy``.
    """
    if not is_internal(imp.target) or (imp.lazy and not lazy):
        return []
    out: list[str] = []
    parts = imp.target.split(".")
    for i in range(2, len(parts)):  # parent packages run first
        parent = ".".join(parts[:i])
        if parent in modules and not _ancestor(parent, imp.source):
            out.append(parent)
    package = modules.get(imp.target)
    submodules = [f"{imp.target}.{n}" for n in imp.names if f"{imp.target}.{n}" in modules]
    if package is not None and (not _ancestor(imp.target, imp.source) or len(submodules) < max(1, len(imp.names))):
        out.append(imp.target)
    out += submodules
    for name in imp.names:
        lazy = package.lazy.get(name) if package is not None and package.is_package else None
        if f"{imp.target}.{name}" not in modules and lazy and lazy in modules:
            out.append(lazy)
    return [t for t in dict.fromkeys(out) if t != imp.source]


def import_graph(modules: dict[str, Module]) -> dict[str, dict[str, Import]]:
    """``{source: {target: first import making the edge}}`` (TYPE_CHECKING imports excluded)."""
    graph: dict[str, dict[str, Import]] = {m: {} for m in modules}
    for module in modules.values():
        for imp in module.imports:
            if imp.type_checking:
                continue
            for target in targets_of(imp, modules):
                graph[module.name].setdefault(target, imp)
    return graph


# ---------------------------------------------------------------- the checks

def _strongly_connected(graph: dict[str, dict[str, Import]]) -> list[list[str]]:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        out.append(sorted(component))
    return out


def _shortest_path(graph: dict[str, dict[str, Import]], start: str, goal: str, allowed: set[str]) -> list[str]:
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for child in sorted(graph[node]):
            if child in allowed and child not in previous:
                previous[child] = node
                queue.append(child)
    return []


def find_cycles(modules: dict[str, Module]) -> list[list[str]]:
    """Distinct shortest cycles through every edge that lies on a cycle, each starting at its least module."""
    graph = import_graph(modules)
    cycles: dict[tuple[str, ...], list[str]] = {}
    for component in _strongly_connected(graph):
        allowed = set(component)
        for source in component:
            for target in sorted(graph[source]):
                if target in allowed:
                    path = _shortest_path(graph, target, source, allowed)
                    cycle = [source, *path[:-1]]
                    i = cycle.index(min(cycle))
                    key = tuple(cycle[i:] + cycle[:i])
                    cycles.setdefault(key, list(key))
    return sorted(cycles.values(), key=lambda c: (len(c), c))


def describe_cycle(cycle: list[str], modules: dict[str, Module]) -> str:
    graph = import_graph(modules)
    steps = []
    for a, b in zip(cycle, cycle[1:] + cycle[:1]):
        imp = graph[a][b]
        steps.append(f"{_where(modules[a], imp.line)} -> {b}" + (" (in a function)" if imp.in_function else ""))
    return "cycle: " + " | ".join(steps)


def _where(module: Module, line: int) -> str:
    return f"{module.file}:{line}"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(modules: dict[str, Module]) -> list[str]:
    """``file:line: ...`` for every private name imported from, or read off, another module.

    A private module (``_groups.py``) may be imported only inside its own package.
    """
    problems = []
    for module in modules.values():
        package = module.name if module.is_package else module.name.rsplit(".", 1)[0]
        bound: dict[str, str] = {}  # local name -> internal module it names
        for imp in module.imports:
            if not is_internal(imp.target):
                continue
            parts = imp.target.split(".")
            for i, part in enumerate(parts):
                owner = ".".join(parts[:i])
                if _private(part) and not (package == owner or package.startswith(owner + ".")):
                    problems.append(f"{_where(module, imp.line)}: imports private module {imp.target} "
                                    f"from outside {owner}")
            for name in imp.names:
                if _private(name) and f"{imp.target}.{name}" not in modules:
                    problems.append(f"{_where(module, imp.line)}: imports private name {name} from {imp.target}")
                if f"{imp.target}.{name}" in modules:
                    bound[name] = f"{imp.target}.{name}"
        for node in ast.walk(module.tree):
            if (isinstance(node, ast.Attribute) and _private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in bound):
                problems.append(f"{_where(module, node.lineno)}: uses private name {node.attr} of "
                                f"{bound[node.value.id]}")
    return sorted(set(problems))


def _loads(target: str, modules: dict[str, Module], graph: dict[str, dict[str, Import]]) -> set[str]:
    """Top-level names of every module ``target`` runs at import time (itself included)."""
    seen: set[str] = set()
    names: set[str] = set()
    queue = deque([target])
    while queue:
        name = queue.popleft()
        if name in seen:
            continue
        seen.add(name)
        names.add(name.split(".")[0])
        if name not in modules:
            continue
        for imp in modules[name].imports:
            if imp.in_function or imp.type_checking:
                continue
            names.add(imp.target.split(".")[0])
            queue.extend(targets_of(imp, modules))
    return names


def _comment(module: Module, line: int) -> str:
    """The comments on ``line`` and the line above (text after ``#``)."""
    found = []
    for n in (line - 1, line):
        if 1 <= n <= len(module.lines) and "#" in module.lines[n - 1]:
            found.append(module.lines[n - 1].split("#", 1)[1])
    return " ".join(found).lower()


def undocumented_function_imports(modules: dict[str, Module]) -> list[str]:
    """``file:line: ...`` for each import inside a function whose comment names no heavy dependency it loads.

    The comment (same line or the line above) must name one of :data:`HEAVY` that
    the imported module actually loads at import time, directly or through the
    package's own modules: a deferral that defers nothing is an import to move up.
    """
    graph = import_graph(modules)
    problems = []
    for module in modules.values():
        for imp in module.imports:
            if not imp.in_function or imp.type_checking:
                continue
            comment = _comment(module, imp.line)
            runs = targets_of(imp, modules, lazy=True) or [imp.target]
            loaded = set().union(*(_loads(t, modules, graph) for t in runs))
            heavy = [h for h in HEAVY if h in loaded]
            named = [h for h in heavy if any(re.search(rf"\b{re.escape(s)}\b", comment)
                                              for s in SPELLINGS.get(h, (h.lower(),)))]
            if named:
                continue
            what = imp.target + (f" ({', '.join(imp.names)})" if imp.names else "")
            if not heavy:
                problems.append(f"{_where(module, imp.line)}: {what} is imported inside a function but loads no "
                                "heavy dependency; import it at module level")
            elif not comment:
                problems.append(f"{_where(module, imp.line)}: {what} is imported inside a function without a "
                                f"comment naming what it defers (it loads {', '.join(heavy)})")
            else:
                problems.append(f"{_where(module, imp.line)}: {what}: the comment names none of the heavy "
                                f"dependencies it defers ({', '.join(heavy)})")
    return sorted(problems)


# ---------------------------------------------------------------- tests on the package

@pytest.fixture(scope="module")
def modules() -> dict[str, Module]:
    return parse_package()


def test_no_import_cycles(modules):
    cycles = find_cycles(modules)
    assert not cycles, f"{len(cycles)} import cycle(s):\n" + "\n".join(describe_cycle(c, modules) for c in cycles)


def test_no_private_names_across_modules(modules):
    problems = private_imports(modules)
    assert not problems, f"{len(problems)} private import(s):\n" + "\n".join(problems)


def test_function_level_imports_say_what_they_defer(modules):
    problems = undocumented_function_imports(modules)
    assert not problems, f"{len(problems)} function-level import(s):\n" + "\n".join(problems)


# ---------------------------------------------------------------- tests of the checks themselves

def _fake_package(tmp_path: Path, files: dict[str, str]) -> dict[str, Module]:
    root = tmp_path / ROOT
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return parse_package(root)


def test_checks_find_planted_problems(tmp_path):
    mods = _fake_package(tmp_path, {
        "__init__.py": "",
        "a.py": "from .b import helper\n",
        "b.py": "def helper():\n    from .a import x  # pandas\n    return x\n",
        "c.py": "from .d import _private_thing\nfrom . import d\nd._other()\n",
        "d.py": "import pandas\n_private_thing = 1\ndef _other(): pass\n",
        "e.py": "def f():\n    import json\n    from . import d  # defers pandas\n    from .d import _other\n",
        "pkg/__init__.py": '_EXPORTS = {"fit": "textanalytics.pkg.heavy"}\n',
        "pkg/heavy.py": "import gensim\nfrom ..f import y\ndef fit(): pass\n",
        "f.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .g import T\n"
                "from .pkg import fit\ny = 1\n",
        "g.py": "from .f import y\nclass T: pass\n",
        "rep/__init__.py": '__all__ = ["go"]\ndef __getattr__(name):\n    from . import build  # numpy\n'
                           '    return getattr(build, name)\n',
        "rep/build.py": "import numpy\nfrom ..h import z\nfrom . import other\ndef go(): pass\n",
        "rep/other.py": "from . import build\n",
        "h.py": "from .rep import go\nz = 1\n",
    })
    cycles = [set(c) for c in find_cycles(mods)]
    # a <-> b through a function-level import; f -> pkg (lazy export) -> pkg.heavy -> f; not f <-> g (TYPE_CHECKING)
    assert {"textanalytics.a", "textanalytics.b"} in cycles
    assert {"textanalytics.f", "textanalytics.pkg.heavy"} in cycles
    # h -> rep.build through rep's lazy __getattr__; rep.other <-> rep.build; no edge to rep from inside it
    assert {"textanalytics.h", "textanalytics.rep.build"} in cycles
    assert {"textanalytics.rep.build", "textanalytics.rep.other"} in cycles
    assert not any("textanalytics.g" in c or "textanalytics.rep" in c for c in cycles)
    assert len(cycles) == 4
    private = private_imports(mods)
    assert any(p.startswith("textanalytics/c.py:1:") and "_private_thing" in p for p in private)
    assert any(p.startswith("textanalytics/c.py:3:") and "_other" in p for p in private)
    assert any(p.startswith("textanalytics/e.py:4:") for p in private)
    undocumented = undocumented_function_imports(mods)
    assert any(p.startswith("textanalytics/e.py:2:") and "loads no heavy" in p for p in undocumented)
    assert not any(p.startswith("textanalytics/e.py:3:") for p in undocumented)  # comment names pandas, d loads it
    assert any(p.startswith("textanalytics/b.py:2:") for p in undocumented)   # a loads no pandas: comment is wrong
