"""Bad input through the CLI: exit code 1, one ``Error:`` line naming the problem, no traceback.

Usage errors (unknown option values) exit with 2. Nothing is written on failure.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main

GOOD_ROWS = [
    ("2020-01-02", 100.0, 50.0, 20.0),
    ("2020-01-03", 101.0, 49.0, 20.5),
    ("2020-01-06", 102.5, 49.5, 20.2),
    ("2020-01-07", 101.5, 50.5, 20.9),
    ("2020-01-08", 103.0, 50.1, 21.3),
]


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def csv_text(rows, header="Date,AAA,BBB,CCC") -> str:
    return header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n"


def fails(args: list[str], *needles: str, code: int = 1) -> str:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == code, (result.exit_code, result.output)
    err = result.stderr
    assert "Traceback" not in err
    if code == 1:
        errors = [line for line in err.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and err.strip().splitlines()[-1] == errors[0], err
        for needle in needles:
            assert needle in errors[0], errors[0]
        return errors[0]
    return err


def prices_args(path: str, *extra: str) -> list[str]:
    return ["optimize", "--prices", path, "--batch-size", "2", *extra]


def test_non_numeric_cell(tmp_path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[2][2] = "abc"
    fails(
        prices_args(write(tmp_path, "p.csv", csv_text(rows))), "p.csv", "BBB", "2020-01-06", "abc"
    )


def test_infinite_value(tmp_path) -> None:
    dates = pd.bdate_range("2020-01-02", periods=60)
    rows = [
        [d.date().isoformat(), 100 + i, 50 + (i % 3), 20 + (i % 5)] for i, d in enumerate(dates)
    ]
    rows[33][1] = "inf"
    fails(prices_args(write(tmp_path, "p.csv", csv_text(rows))), "p.csv", "AAA")


def test_duplicate_dates(tmp_path) -> None:
    rows = [*GOOD_ROWS, GOOD_ROWS[-1]]
    fails(
        prices_args(write(tmp_path, "p.csv", csv_text(rows))),
        "p.csv",
        "duplicate date",
        "2020-01-08",
    )


def test_unsorted_dates(tmp_path) -> None:
    rows = [GOOD_ROWS[0], GOOD_ROWS[2], GOOD_ROWS[1], *GOOD_ROWS[3:]]
    fails(prices_args(write(tmp_path, "p.csv", csv_text(rows))), "p.csv", "not sorted")


def test_duplicate_tickers(tmp_path) -> None:
    text = csv_text(GOOD_ROWS, header="Date,AAA,BBB,AAA")
    fails(prices_args(write(tmp_path, "p.csv", text)), "p.csv", "duplicate", "AAA")


def test_non_positive_price(tmp_path) -> None:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][3] = -3.0
    fails(prices_args(write(tmp_path, "p.csv", csv_text(rows))), "CCC", "2020-01-03")


def test_fewer_than_two_assets(tmp_path) -> None:
    text = "Date,AAA\n" + "\n".join(f"{r[0]},{r[1]}" for r in GOOD_ROWS) + "\n"
    fails(prices_args(write(tmp_path, "p.csv", text)), "only 1 asset", "need at least 2")


def test_fewer_rows_than_minimum_and_batch_size(tmp_path, sp500_returns) -> None:
    fails(prices_args(write(tmp_path, "p.csv", csv_text(GOOD_ROWS))), "rows", "30")
    path = tmp_path / "r.csv"
    sp500_returns.iloc[:100].to_csv(path)
    fails(["optimize", "--returns", str(path), "--batch-size", "500"], "100 rows", "batch size 500")


def test_constant_column(tmp_path, sp500_returns) -> None:
    frame = sp500_returns.iloc[:200, :4].copy()
    frame["FLAT"] = 0.001
    path = tmp_path / "r.csv"
    frame.to_csv(path)
    fails(["optimize", "--returns", str(path)], "constant", "FLAT")


def test_empty_file(tmp_path) -> None:
    fails(prices_args(write(tmp_path, "empty.csv", "")), "empty.csv")
    fails(prices_args(write(tmp_path, "header.csv", "Date,AAA,BBB\n")), "header.csv")


def test_missing_file(tmp_path) -> None:
    fails(prices_args(str(tmp_path / "nope.csv")), "nope.csv")


def test_unknown_dataset_and_ticker() -> None:
    fails(["optimize", "--dataset", "sp501"], "sp501", "sp500")
    fails(["optimize", "--dataset", "sp500", "--tickers", "AAPL,NOPE"], "NOPE")


def test_nan_policy_raise_names_the_cell(tmp_path, sp500_returns) -> None:
    frame = sp500_returns.iloc[:200, :4].copy()
    frame.iloc[50, 2] = float("nan")
    path = tmp_path / "r.csv"
    frame.to_csv(path)
    fails(["optimize", "--returns", str(path), "--nan-policy", "raise"], frame.columns[2])


def test_drop_assets_policy_says_so_on_stderr(tmp_path, sp500_returns) -> None:
    frame = sp500_returns.iloc[:300, :4].copy()
    frame.iloc[:20, 1] = float("nan")
    path = tmp_path / "r.csv"
    frame.to_csv(path)
    result = CliRunner().invoke(main, ["optimize", "--returns", str(path), "--format", "json"])
    assert result.exit_code == 0
    assert frame.columns[1] in result.stderr and "warning" in result.stderr.lower()


def test_infeasible_constraints() -> None:
    fails(["optimize", "--max-weight", "0.04"], "max_weight 0.04 x 20 assets")
    fails(
        ["optimize", "--min-weight", "0.3", "--max-weight", "0.2"],
        "min_weight 0.3 > max_weight 0.2",
    )


def test_diverging_learning_rate() -> None:
    args = [
        "optimize",
        "--objective",
        "kelly",
        "--long-short",
        "--min-weight",
        "-5",
        "--max-weight",
        "5",
    ]
    fails([*args, "--lr", "1e6", "--steps", "100"], "learning rate", "1e+06")


def test_failed_run_leaves_output_untouched(tmp_path) -> None:
    target = tmp_path / "out.json"
    target.write_text("previous")
    fails(["optimize", "--max-weight", "0.01", "--output", str(target)])
    assert target.read_text() == "previous"


@pytest.mark.parametrize(
    "args",
    [
        ["optimize", "--objective", "sharpe"],
        ["optimize", "--batch-size", "0"],
        ["optimize", "--bogus"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    fails(args, code=2)


def test_fetch_network_failure_names_tickers_and_keeps_cache(tmp_path, monkeypatch) -> None:
    import yfinance

    def broken(*args, **kwargs):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(yfinance, "download", broken)
    cache = tmp_path / "cache"
    fails(["fetch", "AAPL", "MSFT", "--cache-dir", str(cache)], "AAPL", "MSFT")
    assert not any(cache.rglob("*.parquet"))


def test_long_format_file_is_pivoted(tmp_path, sp500_returns) -> None:
    wide = sp500_returns.iloc[:120, :3]
    long = wide.stack().rename("value").reset_index()
    long.columns = ["date", "ticker", "value"]
    path = tmp_path / "long.csv"
    long.to_csv(path, index=False)
    result = CliRunner().invoke(
        main, ["optimize", "--returns", str(path), "--layout", "long", "--format", "csv"]
    )
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(pd.io.common.StringIO(result.stdout), index_col=0)
    assert sorted(frame.index) == sorted(wide.columns)
