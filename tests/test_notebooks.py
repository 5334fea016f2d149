"""Every analyst notebook executes headless without error and draws at least one figure.

Each notebook runs in a temporary copy (the shipped, executed notebook is never touched)
with nbclient and the ``python3`` ipykernel kernel, with matplotlib on the Agg backend.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
TIMEOUT_S = 900  # per cell; each notebook takes a few minutes on a 2-core CPU


def test_notebooks_exist():
    names = [p.name for p in NOTEBOOKS]
    assert names == [
        "01_quickstart.ipynb",
        "02_batch_size_and_estimation_error.ipynb",
        "03_backtest.ipynb",
        "04_risk_budgets_and_frontier.ipynb",
    ]


def test_each_notebook_has_a_parameters_cell():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: expected one cell tagged 'parameters'"
        assert tagged[0].cell_type == "code"


def test_shipped_notebooks_are_executed_with_figures():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(c.get("execution_count") for c in code), f"{path.name}: not fully executed"
        assert _count_png(nb) >= 1, f"{path.name}: shipped without figures"
        assert not _errors(nb), f"{path.name}: shipped with errors"


def _count_png(nb) -> int:
    return sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )


def _errors(nb) -> list[str]:
    return [
        f"{out.get('ename')}: {out.get('evalue')}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    work = tmp_path / path.name
    shutil.copy(path, work)
    nb = nbformat.read(work, as_version=4)
    for cell in nb.cells:  # start from a clean slate: no stale outputs can pass the check
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # the kernel imports the package from this checkout, whatever its working directory
    root = str(NOTEBOOK_DIR.parent)
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    )
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    assert not _errors(nb)
    assert _count_png(nb) >= 1, f"{path.name} produced no image/png output"
