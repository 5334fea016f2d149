"""Whole-share orders: the MILP against a brute-force exact solve, the greedy fallback's
feasibility, the input files' one-line errors, and the ``allocate`` command."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli.main import main
from portfolio_sgd.errors import ConfigError, DataError
from portfolio_sgd.orders import allocate, order_problem
from portfolio_sgd.orders.inputs import read_keyed, read_weights


def _case(seed: int, n: int = 3) -> dict:
    rng = np.random.default_rng(seed)
    tickers = [f"T{i}" for i in range(n)]
    return {
        "targets": pd.Series(rng.dirichlet(np.ones(n)), index=tickers),
        "prices": pd.Series(rng.uniform(20.0, 300.0, n).round(2), index=tickers),
        "capital": float(rng.uniform(200.0, 1500.0)),
        "holdings": pd.Series(rng.integers(0, 6, n).astype(float), index=tickers),
        "lots": pd.Series(rng.integers(1, 3, n).astype(float), index=tickers),
        "fee_bps": float(rng.choice([0.0, 5.0, 80.0])),
    }


def _brute_force(case: dict) -> float:
    """The least objective over every feasible lot vector (enumerated)."""
    keys = ("holdings", "lots", "fee_bps")
    problem = order_problem(
        case["targets"], case["prices"], case["capital"], **{k: case[k] for k in keys}
    )
    top = np.floor(problem.value / (problem.prices * problem.lots))
    ranges = [range(int(lo), int(hi) + 1) for lo, hi in zip(problem.min_lots, top, strict=True)]
    best = np.inf
    for trades in itertools.product(*ranges):
        t = np.array(trades, dtype=float)
        if problem.cash_left(t) >= -1e-9:
            best = min(best, problem.objective(t))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_milp_is_optimal_against_brute_force(seed: int) -> None:
    case = _case(seed)
    keys = ("holdings", "lots", "fee_bps")
    result = allocate(
        case["targets"], case["prices"], case["capital"], **{k: case[k] for k in keys}
    )
    assert result.method == "milp" and result.optimal
    assert result.leftover_cash >= -1e-9
    assert (result.trades["shares"] >= 0).all()
    assert result.objective == pytest.approx(_brute_force(case), abs=1e-9)
    greedy = allocate(
        case["targets"],
        case["prices"],
        case["capital"],
        method="greedy",
        **{k: case[k] for k in keys},
    )
    assert greedy.leftover_cash >= -1e-9 and (greedy.trades["shares"] >= 0).all()
    assert greedy.objective >= result.objective - 1e-12


def test_allocation_report_is_consistent() -> None:
    case = _case(11, n=12)
    result = allocate(case["targets"], case["prices"], 1e5, fee_bps=5.0)
    trades = result.trades
    spent = (trades["trade_value"]).sum() + result.fees
    assert result.leftover_cash == pytest.approx(1e5 - spent)
    assert result.fees == pytest.approx(5e-4 * trades["trade_value"].abs().sum())
    assert result.weight_error == pytest.approx(
        (trades["weight"] - trades["target_weight"]).abs().sum()
    )
    assert (trades["trade"] == np.round(trades["trade"])).all()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prices": pd.Series({"T0": 10.0, "T1": 0.0, "T2": 5.0})}, "price of T1 is 0.0"),
        ({"prices": pd.Series({"T0": 10.0, "T1": -3.0, "T2": 5.0})}, "prices must be positive"),
        ({"prices": pd.Series({"T0": 10.0, "T2": 5.0})}, "no price for T1"),
        ({"holdings": pd.Series({"T0": -1.0})}, "holdings must be finite and >= 0"),
        ({"lots": pd.Series({"T0": 1.5})}, "lot sizes must be positive integers"),
        ({"targets": pd.Series({"T0": 0.5, "T1": 0.6, "T2": -0.1})}, "long only"),
        ({"capital": -5.0}, "capital and fee bps"),
    ],
)
def test_bad_inputs_are_one_line_errors(change: dict, message: str) -> None:
    case = {**_case(1), **change}
    with pytest.raises(ConfigError, match=message):
        allocate(
            case["targets"],
            case["prices"],
            case["capital"],
            holdings=case["holdings"],
            lots=case["lots"],
            fee_bps=case["fee_bps"],
        )


def test_input_files(tmp_path) -> None:  # noqa: ANN001
    prices = tmp_path / "prices.csv"
    prices.write_text("ticker,price\nAAA,10\nBBB,20.5\n")
    assert read_keyed(prices, "prices").to_dict() == {"AAA": 10.0, "BBB": 20.5}
    history = tmp_path / "history.csv"
    history.write_text("Date,AAA,BBB\n2024-01-02,9,20\n2024-01-03,10,21\n")
    assert read_keyed(history, "prices").to_dict() == {"AAA": 10.0, "BBB": 21.0}
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({"weights": {"AAA": 0.25, "BBB": 0.75}}))
    assert read_weights(weights).to_dict() == {"AAA": 0.25, "BBB": 0.75}
    for text, message in [
        ("ticker,price\nAAA,ten\n", "AAA: 'ten' is not a number"),
        ("ticker,price\nAAA,1\nAAA,2\n", "ticker AAA is blank or repeated"),
        ("ticker\nAAA\n", "needs a ticker column"),
        ("", "cannot read it"),
    ]:
        prices.write_text(text)
        with pytest.raises(DataError, match=message):
            read_keyed(prices, "prices")


def _files(tmp_path, prices: str, holdings: str | None = None) -> list[str]:  # noqa: ANN001
    (tmp_path / "w.csv").write_text("ticker,weight\nAAA,0.5\nBBB,0.3\nCCC,0.2\n")
    (tmp_path / "p.csv").write_text(prices)
    args = ["allocate", "--capital", "10000", "--weights", str(tmp_path / "w.csv")]
    args += ["--prices", str(tmp_path / "p.csv"), "--fee-bps", "5"]
    if holdings is not None:
        (tmp_path / "h.csv").write_text(holdings)
        args += ["--holdings", str(tmp_path / "h.csv")]
    return args


def test_cli_allocate_writes_orders(tmp_path) -> None:  # noqa: ANN001
    args = _files(
        tmp_path, "ticker,price\nAAA,101.5\nBBB,47.2\nCCC,12.9\nDDD,5\n", "ticker,shares\nDDD,10\n"
    )
    out = tmp_path / "orders.json"
    result = CliRunner().invoke(main, [*args, "--format", "json", "--output", str(out)])
    assert result.exit_code == 0, result.output
    payload = json.loads(out.read_text())
    assert payload["method"] == "milp" and payload["optimal"]
    trades = {row["ticker"]: row for row in payload["trades"]}
    assert trades["DDD"]["trade"] == -10
    assert payload["leftover_cash"] >= 0


@pytest.mark.parametrize(
    ("prices", "holdings", "message"),
    [
        ("ticker,price\nAAA,101.5\nBBB,0\nCCC,12.9\n", None, "price of BBB is 0.0"),
        ("ticker,price\nAAA,101.5\nBBB,-1\nCCC,12.9\n", None, "prices must be positive"),
        ("ticker,price\nAAA,101.5\nCCC,12.9\n", None, "no price for BBB"),
        ("ticker,price\nAAA,abc\nBBB,1\nCCC,12.9\n", None, "'abc' is not a number"),
        (
            "ticker,price\nAAA,1\nBBB,1\nCCC,1\n",
            "ticker,shares\nAAA,many\n",
            "'many' is not a number",
        ),
        ("ticker,price\nAAA,1\nBBB,1\nCCC,1\n", "ticker,shares\nAAA,-4\n", "holdings must be"),
        ("ticker,price\nAAA,1\nBBB,1\nCCC,1\n", "ticker,shares\nZZZ,4\n", "no price for ZZZ"),
        ("ticker,price\nAAA,1\nBBB,1\nCCC,1\n", "nonsense", "holdings file"),
    ],
)
def test_cli_bad_files_are_one_line(tmp_path, prices, holdings, message) -> None:  # noqa: ANN001
    result = CliRunner().invoke(main, _files(tmp_path, prices, holdings))
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_auto_uses_greedy_above_the_stated_size(monkeypatch: pytest.MonkeyPatch) -> None:
    import portfolio_sgd.orders.allocation as allocation

    case = _case(3, n=8)
    monkeypatch.setattr(allocation, "MILP_MAX_ASSETS", 5)
    greedy = allocate(case["targets"], case["prices"], 5e4, fee_bps=5.0)
    assert greedy.method == "greedy" and not greedy.optimal
    assert greedy.leftover_cash >= 0
    exact = allocate(case["targets"], case["prices"], 5e4, fee_bps=5.0, method="milp")
    assert exact.objective <= greedy.objective + 1e-12


def test_cli_lot_sizes(tmp_path) -> None:  # noqa: ANN001
    args = _files(tmp_path, "ticker,price\nAAA,101.5\nBBB,47.2\nCCC,12.9\n")
    (tmp_path / "lots.csv").write_text("ticker,lot\nCCC,100\n")
    out = tmp_path / "orders.csv"
    result = CliRunner().invoke(
        main,
        [*args, "--lot-size", str(tmp_path / "lots.csv"), "--format", "csv", "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    trades = pd.read_csv(out, index_col="ticker")
    assert trades.loc["CCC", "trade"] % 100 == 0
    (tmp_path / "lots.csv").write_text("ticker,lot\nCCC,0.5\n")
    result = CliRunner().invoke(main, [*args, "--lot-size", str(tmp_path / "lots.csv")])
    assert result.exit_code == 1 and "lot sizes must be positive integers" in result.output
