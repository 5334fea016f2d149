"""The command line answers at once: ``--help`` and ``--version`` load no torch.

Each check runs a fresh interpreter (an import in this one would already be cached) and
asserts on ``sys.modules``, not on timings. ``benchmarks/cli_startup.py`` measures times.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from portfolio_sgd.cli.main import COMMANDS, main

HEAVY = ("torch", "numpy", "pandas", "scipy", "cvxpy", "portfolio_sgd.api")

PROBE = """
import json, sys
from portfolio_sgd.cli.main import main
try:
    main(sys.argv[1:], prog_name="portfolio-sgd")
except SystemExit as exc:
    code = exc.code
else:
    code = 0
heavy = [m for m in {heavy!r} if m in sys.modules]
print(json.dumps({{"code": code, "heavy": heavy}}), file=sys.stderr)
"""


def _probe(*args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return {**json.loads(proc.stderr.strip().splitlines()[-1]), "stdout": proc.stdout}


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("-h",)] + [(name, "--help") for name in COMMANDS],
    ids=lambda a: " ".join(a),
)
def test_help_and_version_import_no_torch(args: tuple[str, ...]) -> None:
    out = _probe(*args)
    assert out["code"] in (0, None)
    assert out["heavy"] == [], f"{' '.join(args)} imported {out['heavy']}"
    assert out["stdout"].strip()


def test_importing_the_package_and_the_cli_loads_no_torch() -> None:
    code = (
        "import sys, portfolio_sgd, portfolio_sgd.cli, portfolio_sgd.backtest.specs; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


def test_public_names_still_import_from_the_package() -> None:
    import portfolio_sgd

    for name in portfolio_sgd.__all__:
        assert getattr(portfolio_sgd, name) is not None, name
    from portfolio_sgd import EngineConfig, optimize

    assert callable(optimize) and EngineConfig().batch_size == 256
    with pytest.raises(AttributeError):
        portfolio_sgd.no_such_name  # noqa: B018


def test_every_registered_command_resolves_in_table_order() -> None:
    ctx = main.make_context("portfolio-sgd", ["--help"], resilient_parsing=True)
    assert main.list_commands(ctx)[: len(COMMANDS)] == list(COMMANDS)
    for name in COMMANDS:
        assert main.get_command(ctx, name).name == name


def test_static_choice_lists_match_the_library() -> None:
    from portfolio_sgd.backtest import DEFAULT_STRATEGIES as lib_default
    from portfolio_sgd.backtest.engine import DEFAULT_STRATEGIES as engine_default
    from portfolio_sgd.cli.frontier import FRONTIER_OBJECTIVES
    from portfolio_sgd.cli.options import OBJECTIVE_NAMES
    from portfolio_sgd.objectives import objective_names
    from portfolio_sgd.solvers.frontier import FRONTIER_OBJECTIVES as lib_frontier

    assert list(OBJECTIVE_NAMES) == objective_names()
    assert FRONTIER_OBJECTIVES == lib_frontier
    assert lib_default == engine_default


def test_python_m_portfolio_sgd_help_loads_no_torch() -> None:
    code = (
        "import sys, runpy; sys.argv = ['portfolio_sgd', 'optimize', '--help'];\n"
        "try:\n    runpy.run_module('portfolio_sgd', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert "--split [data|runs]" in out.stdout
    assert out.stderr.strip().splitlines()[-1] == "[]"


def test_the_torchrun_check_matches_the_distributed_package() -> None:
    from portfolio_sgd.__main__ import TORCHRUN_KEYS
    from portfolio_sgd.distributed.context import ENV_KEYS

    assert TORCHRUN_KEYS == ENV_KEYS[:2]
