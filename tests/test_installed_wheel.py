"""The product as a user installs it: the built wheel, in a fresh virtualenv.

``make test`` builds the wheel and the sdist, installs the wheel (not editable) into
``.venv-wheel`` and points ``PORTFOLIO_SGD_BIN`` at that environment's ``bin/``. These tests
run its interpreter and its ``portfolio-sgd`` from a scratch folder, in isolated mode (no
``PYTHONPATH``, no working directory on the path), so the source tree cannot stand in for
a missing module or data file.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = os.environ.get("PORTFOLIO_SGD_BIN")

pytestmark = pytest.mark.skipif(
    not BIN,
    reason="set PORTFOLIO_SGD_BIN to the bin/ of a venv with the built wheel "
    "(`make wheel-venv` makes .venv-wheel; `make test` does both)",
)


def _modules() -> list[str]:
    """Every module of the source tree, as a dotted name."""
    names = []
    for path in sorted((ROOT / "portfolio_sgd").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    return env


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(BIN) / "python"), "-I", "-c", code],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(BIN) / "portfolio-sgd"), *args],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def test_every_module_of_the_source_tree_imports_from_the_wheel(tmp_path: Path) -> None:
    modules = _modules()
    assert len(modules) > 150  # the whole tree, not a sample
    code = (
        "import importlib, json, sys\n"
        f"names = {modules!r}\n"
        "failed = {}\n"
        "for name in names:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed[name] = f'{type(exc).__name__}: {exc}'\n"
        "import portfolio_sgd\n"
        "print(json.dumps({'failed': failed, 'file': portfolio_sgd.__file__}))\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}
    installed = Path(report["file"]).resolve()
    assert "site-packages" in installed.parts, installed
    assert ROOT / "portfolio_sgd" not in installed.parents  # not the source tree


def test_bundled_data_loads_from_the_wheel(tmp_path: Path) -> None:
    code = (
        "from portfolio_sgd.data import load_returns\n"
        "r = load_returns(dataset='sp500')\n"
        "print(r.shape[0], r.shape[1])\n"
    )
    done = _python(code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["8312", "20"]


def test_optimize_runs_the_main_job_from_the_wheel(tmp_path: Path) -> None:
    done = _cli(["optimize", "--format", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    weights = result["weights"]
    assert len(weights) == 20
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-9)
    assert min(weights.values()) >= -1e-12


@pytest.mark.parametrize(
    "args",
    [
        ["--version"],
        ["datasets"],
        ["fetch", "--help"],  # the download itself needs the network
        ["examples", "inputs"],
        ["report", "--start", "2021-01-01", "--sections", "summary,weights", "--output", "r.html"],
        ["frontier", "--start", "2020-01-01", "--points", "3"],
        ["risk", "--start", "2020-01-01", "--batch-sizes", "16,64", "--seeds", "2"],
        ["backtest", "--start", "2021-06-01", "--rebalance-every", "63", "--output-dir", "bt"],
    ],
    ids=lambda a: a[0].lstrip("-"),
)
def test_each_command_runs_from_the_wheel(args: list[str], tmp_path: Path) -> None:
    done = _cli(args, tmp_path)
    assert done.returncode == 0, done.stderr
    if "--output" in args:  # the report writes its file and says so on stderr
        assert (tmp_path / args[args.index("--output") + 1]).stat().st_size > 0
    else:
        assert done.stdout.strip()
    assert "Traceback" not in done.stderr
