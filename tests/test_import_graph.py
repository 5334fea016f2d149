"""The import graph, read from the source: no cycles (imports inside functions counted) and
no imports inside functions except of the lazy third-party dependencies.

The layer contract itself (``.importlinter``, which layer may import which) is checked by
``lint-imports`` (``make lint``); :func:`test_the_layer_contract_holds` runs it here too
when import-linter is installed. import-linter sees only module-level imports, so the
cycle check below counts every import statement, wherever it is: a cycle kept out of sight
by an import inside a function is still a cycle.
"""

from __future__ import annotations

import ast
import graphlib
import re
import shutil
import subprocess
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "portfolio_sgd"
CONTRACT = ROOT / ".importlinter"


@dataclass(frozen=True)
class Import:
    """One import statement's edge: ``module`` imports ``target`` (a dotted name)."""

    module: str
    target: str
    inner: bool  # inside a function body
    typing_only: bool  # inside ``if TYPE_CHECKING:``
    line: int


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``package``."""
    files = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path
    return files


def _targets(module: str, is_package: bool, node: ast.AST, known: set[str]) -> list[str]:
    """The dotted names one ``import`` / ``from ... import`` statement loads."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    assert isinstance(node, ast.ImportFrom)
    base = node.module or ""
    if node.level:
        parts = module.split(".")[: None if is_package else -1]
        parts = parts[: len(parts) - (node.level - 1)]
        base = ".".join([*parts, base] if base else parts)
    named = [f"{base}.{alias.name}" for alias in node.names]
    return [name if name in known else base for name in named]


def _inner_nodes(tree: ast.Module) -> set[int]:
    """``id`` of every import statement inside a function body."""
    return {
        id(node)
        for func in ast.walk(tree)
        if isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        for node in ast.walk(func)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    }


def _typing_only_nodes(tree: ast.Module) -> set[int]:
    """``id`` of every import statement inside an ``if TYPE_CHECKING:`` block."""
    return {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and "TYPE_CHECKING" in ast.unparse(block.test)
        for stmt in block.body
        for node in ast.walk(stmt)
        if isinstance(node, (ast.Import, ast.ImportFrom))
    }


def imports_of(package: Path) -> list[Import]:
    """Every import statement of the package (module level, ``TYPE_CHECKING`` blocks and
    function bodies alike), one :class:`Import` per name it loads."""
    files = module_files(package)
    known = set(files)
    out = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        inner, typing_only = _inner_nodes(tree), _typing_only_nodes(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                flags = (id(node) in inner, id(node) in typing_only, node.lineno)
                for target in _targets(module, path.name == "__init__.py", node, known):
                    out.append(Import(module, target, *flags))
    return out


def internal_graph(imports: list[Import], modules: set[str]) -> dict[str, set[str]]:
    """Module -> the package's modules it imports (a name resolves to its nearest module)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        target = imp.target
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != imp.module:
            graph[imp.module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (importer first, the first module repeated last), or None."""
    try:  # the sorter reads graph[m] as what must come before m: the cycle comes reversed
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))
    return None


def lazy_dependencies(contract: Path) -> tuple[str, ...]:
    """The third-party packages the contract allows to import inside functions."""
    match = re.search(r"^# lazy-dependencies: (.+)$", contract.read_text(), re.MULTILINE)
    assert match, f"{contract.name} has no '# lazy-dependencies: ...' line"
    return tuple(name.strip() for name in match.group(1).split(","))


def is_lazy(target: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``target`` is one of ``allowed`` or inside one (``torch.distributed.x``)."""
    return any(target == name or target.startswith(name + ".") for name in allowed)


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return imports_of(PACKAGE)


def test_no_import_cycles_counting_imports_inside_functions(imports) -> None:
    graph = internal_graph(imports, set(module_files(PACKAGE)))
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_imports_inside_functions_are_only_of_lazy_dependencies(imports) -> None:
    allowed = lazy_dependencies(CONTRACT)
    bad = [
        f"{i.module}:{i.line} imports {i.target} inside a function"
        for i in imports
        if i.inner and not is_lazy(i.target, allowed)
    ]
    assert not bad, "\n".join(bad)


def test_the_lazy_dependencies_are_heavy_optional_packages_only() -> None:
    allowed = lazy_dependencies(CONTRACT)
    assert "cvxpy" in allowed and "matplotlib" in allowed and "torch.distributed" in allowed
    light = {"numpy", "scipy", "pandas", "torch", "dataclasses", "portfolio_sgd"}
    assert not light & set(allowed), "a light dependency is listed as lazy"


def test_the_checks_catch_a_cycle_hidden_inside_a_function(tmp_path: Path) -> None:
    pkg = tmp_path / "toy"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("from .low import f\n")
    (pkg / "sub" / "low.py").write_text("def f():\n    from ..high import g\n    return g\n")
    (pkg / "high.py").write_text("import json\nfrom .sub.low import f\n\ndef g():\n    pass\n")
    found = imports_of(pkg)
    assert [(i.module, i.target, i.inner) for i in found if i.module == "toy.sub.low"] == [
        ("toy.sub.low", "toy.high", True)
    ]
    graph = internal_graph(found, set(module_files(pkg)))
    assert graph["toy.high"] == {"toy.sub.low"} and graph["toy.sub.low"] == {"toy.high"}
    assert find_cycle(graph) in (
        ["toy.high", "toy.sub.low", "toy.high"],
        ["toy.sub.low", "toy.high", "toy.sub.low"],
    )
    assert find_cycle(internal_graph([i for i in found if not i.inner], set(graph))) is None
    assert is_lazy("torch.distributed.rpc", ("torch.distributed",))
    assert not is_lazy("torch", ("torch.distributed",))


def test_the_layer_contract_holds() -> None:
    lint = shutil.which("lint-imports") or shutil.which(
        str(ROOT / ".venv" / "bin" / "lint-imports")
    )
    if lint is None:
        pytest.skip("needs import-linter: pip install -e '.[dev]'")
    proc = subprocess.run(
        [lint, "--config", str(CONTRACT)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, textwrap.shorten(proc.stdout + proc.stderr, 4000)
