"""The optimize / datasets / fetch commands, through click's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd import __version__
from portfolio_sgd.cli import main
from portfolio_sgd.constraints import Constraints
from portfolio_sgd.reference.exact import objective_value, solve_exact

TARGET = {"mean-variance": 1e-4, "min-variance": 1e-4, "kelly": 1e-4, "cvar": 1e-3}


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize("objective", list(TARGET))
def test_json_gap_against_exact_solver(objective: str, sp500_returns) -> None:
    result = run("optimize", "--objective", objective, "--format", "json", "--seed", "0")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    for key in ("weights", "objective", "objective_value", "batch_size", "steps", "device", "seed"):
        assert key in payload
    assert payload["objective"] == objective and payload["device"] == "cpu"
    w = np.array([payload["weights"][t] for t in sp500_returns.columns])
    r = sp500_returns.to_numpy()
    exact = solve_exact(objective, r, Constraints())
    gap = (float(objective_value(objective, r, w)) - exact.value) / abs(exact.value)
    assert gap <= TARGET[objective]
    assert payload["objective_value"] == pytest.approx(
        float(objective_value(objective, r, w)), rel=1e-9
    )


def test_default_table_and_compare_exact() -> None:
    result = run("optimize", "--compare-exact")
    assert result.exit_code == 0
    out = result.stdout
    assert "mean-variance on 20 assets" in out and "relative gap" in out
    gap = float(out.split("relative gap")[1].split()[0])
    assert gap <= 1e-4


def test_csv_output_file_is_written(tmp_path) -> None:
    target = tmp_path / "weights.csv"
    result = run(
        "optimize", "--objective", "min-variance", "--format", "csv", "--output", str(target)
    )
    assert result.exit_code == 0 and result.stdout == ""
    frame = pd.read_csv(target, index_col=0)
    assert frame["weight"].sum() == pytest.approx(1.0)
    assert [p.name for p in tmp_path.iterdir()] == ["weights.csv"]  # no temporary left behind


def test_bounds_and_own_returns_file(tmp_path, sp500_returns) -> None:
    path = tmp_path / "returns.csv"
    sp500_returns.iloc[-1500:, :8].to_csv(path)
    result = run("optimize", "--returns", str(path), "--max-weight", "0.2", "--format", "json")
    assert result.exit_code == 0, result.output
    weights = json.loads(result.stdout)["weights"]
    assert len(weights) == 8 and max(weights.values()) <= 0.2 + 1e-12


def test_tracking_against_index_dataset() -> None:
    result = run(
        "optimize", "--objective", "tracking", "--benchmark", "sp500-index", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["objective"] == "tracking" and payload["objective_value"] < 1e-4


def test_same_seed_same_json_weights() -> None:
    a = json.loads(
        run("optimize", "--batch-size", "64", "--steps", "200", "--format", "json").stdout
    )
    b = json.loads(
        run("optimize", "--batch-size", "64", "--steps", "200", "--format", "json").stdout
    )
    assert a["weights"] == b["weights"]


def test_datasets_lists_names_shapes_and_ranges() -> None:
    result = run("datasets", "--format", "json")
    rows = {r["name"]: r for r in json.loads(result.stdout)}
    assert {"sp500", "sp500-index", "ff49-daily", "us-stocks-2500"} <= set(rows)
    assert rows["sp500"]["n_assets"] == 20 and rows["sp500"]["start"].startswith("1990-01-02")
    table = run("datasets").stdout
    assert "sp500" in table and "us-stocks-2500" in table


def test_version_and_help() -> None:
    assert __version__ in run("--version").stdout
    text = run("--help").stdout
    assert "Examples" in text and "optimize" in text and "datasets" in text


def _fake_yfinance(tickers, **kwargs):
    dates = pd.bdate_range("2021-01-04", periods=80)
    rng = np.random.default_rng(0)
    fields = ["Close", "High", "Low", "Open", "Volume"]
    cols = pd.MultiIndex.from_product([fields, tickers], names=["Price", "Ticker"])
    data = {}
    for f in fields:
        for t in tickers:
            path = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(dates))))
            data[(f, t)] = path if f != "Volume" else np.full(len(dates), 1e6)
    return pd.DataFrame(data, index=dates, columns=cols)


def test_fetch_then_optimize_from_cache(tmp_path, monkeypatch) -> None:
    import yfinance

    calls = []

    def fake(tickers, **kwargs):
        tickers = [tickers] if isinstance(tickers, str) else list(tickers)
        calls.append(tickers)
        return _fake_yfinance(tickers, **kwargs)

    monkeypatch.setattr(yfinance, "download", fake)
    cache = str(tmp_path / "cache")
    result = run(
        "fetch",
        "AAA",
        "BBB",
        "CCC",
        "--start",
        "2021-01-01",
        "--end",
        "2021-06-01",
        "--cache-dir",
        cache,
    )
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    result = run(
        "optimize",
        "--tickers",
        "AAA,BBB,CCC",
        "--start",
        "2021-01-01",
        "--end",
        "2021-06-01",
        "--cache-dir",
        cache,
        "--format",
        "json",
        "--objective",
        "min-variance",
    )
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.stdout)["weights"]) == {"AAA", "BBB", "CCC"}
    assert len(calls) == 1  # served from the cache


def test_cuda_graphs_option_reaches_the_engine() -> None:
    on = json.loads(run("optimize", "--steps", "20", "--format", "json").stdout)
    off = json.loads(
        run("optimize", "--steps", "20", "--no-cuda-graphs", "--format", "json").stdout
    )
    assert on["config"]["cuda_graphs"] is True and off["config"]["cuda_graphs"] is False
    assert on["step_graphs"] == "off"  # this machine's runs are on the CPU
