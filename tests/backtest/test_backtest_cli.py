"""``portfolio-sgd backtest``: output formats and one-line errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main

SMALL = ["--start", "2022-01-01", "--lookback", "63", "--rebalance-every", "21"]


def invoke(args: list[str]):  # noqa: ANN201
    return CliRunner().invoke(main, ["backtest", *args], catch_exceptions=False)


def test_json_output_files_and_plot(tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "bt"
    result = invoke(
        [
            *SMALL,
            "--strategies",
            "equal-weight,buy-and-hold",
            "--format",
            "json",
            "--output-dir",
            str(out),
            "--plot",
            str(tmp_path / "bt.png"),
            "--risk-free",
            "0.02",
        ]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload["strategies"]) == {"equal-weight", "buy-and-hold"}
    keys = {
        "annual_return",
        "annual_volatility",
        "sharpe",
        "sortino",
        "max_drawdown",
        "cvar_95",
        "avg_turnover",
        "total_cost",
    }
    assert keys <= set(payload["strategies"]["equal-weight"])
    assert payload["config"]["benchmark"] == "sp500-index"
    assert payload["config"]["cost_bps"] == 10.0 and payload["config"]["risk_free"] == 0.02
    equity = pd.read_csv(out / "equity.csv", index_col=0)
    assert list(equity.columns) == ["equal-weight", "buy-and-hold"]
    for name in ("weights.csv", "metrics.csv", "metrics.json"):
        assert (out / name).is_file()
    assert (tmp_path / "bt.png").stat().st_size > 1000


def test_table_output() -> None:
    result = invoke(
        [*SMALL, "--strategies", "equal-weight", "--benchmark", "none", "--cost-bps", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "equal-weight" in result.stdout and "sharpe" in result.stdout


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--lookback", "5000"], "lookback"),
        (["--strategies", "sgd:min-variance,momentum"], "unknown strategy"),
        (["--rebalance-every", "0"], "rebalance period"),
        (["--cost-bps", "-5"], "cost"),
    ],
)
def test_bad_input_is_a_one_line_error(args: list[str], needle: str) -> None:
    result = invoke(["--start", "2021-06-01", "--strategies", "equal-weight", *args])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and needle in errors[0], result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0] and "Traceback" not in result.stderr
