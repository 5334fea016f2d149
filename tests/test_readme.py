"""The README is a short first contact that stays true; its Python examples run as written.

Its shell commands (and those of docs/) are run from an empty folder by
tests/test_docs_examples.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
MAX_README_LINES = 250
# Wording about how the project is run, which means nothing to a reader.
INTERNAL = re.compile(
    r"\bissues? \d+|\bthis session\b|this project's machines|\bthis change\b", re.IGNORECASE
)


def python_blocks(path: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_readme_is_short() -> None:
    n = len(README.read_text(encoding="utf-8").splitlines())
    assert n <= MAX_README_LINES, f"README.md has {n} lines; move detail into docs/"


def test_readme_gives_the_two_setup_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert re.search(r"^make run\b", text, flags=re.M)
    assert re.search(r"^make test\b", text, flags=re.M)
    assert ".venv/bin/portfolio-sgd" in text and "source .venv/bin/activate" in text


def test_readme_links_and_picture_exist() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    local = [t for t in targets if "://" not in t]
    assert any(t.endswith(".png") for t in local), "the README shows one picture"
    for target in local:
        assert (REPO / target).exists(), f"README links to a missing file: {target}"


@pytest.mark.parametrize(
    "path", [README, *sorted((REPO / "docs").rglob("*.md"))], ids=lambda p: p.name
)
def test_no_internal_wording(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for m in INTERNAL.finditer(text)]
    assert not found, f"{path.relative_to(REPO)}: internal wording {found}"


def test_readme_python_example_runs() -> None:
    blocks = python_blocks(README)
    assert blocks, "the README has no Python example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    weights = namespace["model"].weights_
    assert abs(weights.sum() - 1) < 1e-9 and weights.max() <= 0.15 + 1e-12
    gap = (namespace["model"].result_.objective_value - namespace["exact"].value) / namespace[
        "exact"
    ].value
    assert gap < 1e-3


def test_install_page_python_example_runs() -> None:
    namespace: dict[str, object] = {}
    exec(compile(python_blocks(REPO / "docs" / "install.md")[0], "install.md", "exec"), namespace)  # noqa: S102
    assert namespace["result"].converged


def test_api_guide_python_example_runs() -> None:
    """The Python API tour (moved from the README into docs/guide/optimize.md)."""
    path = REPO / "docs" / "guide" / "optimize.md"
    namespace: dict[str, object] = {}
    exec(compile(python_blocks(path)[0], "optimize.md", "exec"), namespace)  # noqa: S102
    weights = namespace["model"].weights_
    assert abs(weights.sum() - 1) < 1e-9 and weights.max() <= 0.15 + 1e-12
    assert namespace["sweep"].weights.shape == (64, weights.shape[0])
    gap = (namespace["model"].result_.objective_value - namespace["exact"].value) / namespace[
        "exact"
    ].value
    assert gap < 1e-3


@pytest.mark.parametrize("page", ["costs.md", "estimation-error.md", "views-and-orders.md"])
def test_guide_python_examples_run(page: str) -> None:
    """The guide's short Python examples run as written (skfolio.md's walk-forward grid
    search is left to tests/test_skfolio*.py: it takes minutes)."""
    path = REPO / "docs" / "guide" / page
    blocks = python_blocks(path)
    assert blocks
    for block in blocks:
        exec(compile(block, page, "exec"), {})  # noqa: S102
