"""Every analyst notebook executes headless without error and draws at least one figure.

Each notebook runs in a temporary copy (the shipped, executed notebook is never touched)
with nbclient and the ``python3`` ipykernel kernel, with matplotlib on the Agg backend.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip(
    "nbformat", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)
nbclient = pytest.importorskip(
    "nbclient", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)
pytest.importorskip(
    "ipykernel", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)

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
        "05_views_to_orders.ipynb",
        "06_measures.ipynb",
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


# Smaller work in the test run (fewer seeds, steps and resamples), injected after the
# parameters cell as papermill does: every cell and every assertion still runs.
TEST_PARAMETERS = {
    "01_quickstart": "",
    "02_batch_size_and_estimation_error": (
        "SEEDS = 4\nANNEALING_SEEDS = 2\nEB_RESAMPLES = 20\nEB_LENGTHS = [250, 1000]\n"
    ),
    "03_backtest": "START = '2020-01-01'\nFIXED_STEPS = 60\nCOSTS_BPS = [0, 25]\n",
    "04_risk_budgets_and_frontier": "POINTS = 4\n",
    "05_views_to_orders": "RESAMPLES = 12\n",
    "06_measures": "",
}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    work = tmp_path / path.name
    shutil.copy(path, work)
    if (NOTEBOOK_DIR / "data").is_dir():
        shutil.copytree(NOTEBOOK_DIR / "data", tmp_path / "data")
    nb = nbformat.read(work, as_version=4)
    for cell in nb.cells:  # start from a clean slate: no stale outputs can pass the check
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    _inject_parameters(nb, TEST_PARAMETERS[path.stem])
    monkeypatch.setenv("MPLBACKEND", "Agg")
    client = nbclient.NotebookClient(
        nb,
        timeout=TIMEOUT_S,
        kernel_name=_kernel(tmp_path, monkeypatch),
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    assert not _errors(nb)
    assert _count_png(nb) >= 1, f"{path.name} produced no image/png output"


def _inject_parameters(nb, source: str) -> None:
    """Insert ``source`` as a code cell right after the cell tagged 'parameters'."""
    if not source:
        return
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(at + 1, nbformat.v4.new_code_cell(source))


def _kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """The kernel to run: the installed wheel's interpreter when PORTFOLIO_SGD_BIN is set.

    Otherwise this checkout's package (on PYTHONPATH) in the test interpreter's kernel.
    """
    wheel_bin = os.environ.get("PORTFOLIO_SGD_BIN")
    if not wheel_bin:
        root = str(NOTEBOOK_DIR.parent)
        paths = [root, os.environ.get("PYTHONPATH")]
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))
        return "python3"
    spec = tmp_path / "jupyter" / "kernels" / "portfolio-sgd-wheel"
    spec.mkdir(parents=True)
    argv = [str(Path(wheel_bin) / "python"), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    kernel = {"argv": argv, "display_name": "portfolio-sgd (wheel)", "language": "python"}
    (spec / "kernel.json").write_text(json.dumps(kernel))
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "portfolio-sgd-wheel"
