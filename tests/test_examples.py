"""``portfolio-sgd examples DIR`` and ``write_examples``: every shipped example file works
with the option that reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main
from portfolio_sgd.data.examples import EXAMPLE_FILES, write_examples
from portfolio_sgd.errors import DataError


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    result = run("examples", str(folder))
    assert result.exit_code == 0, result.output
    return folder


def test_command_writes_every_file(examples: Path) -> None:
    assert sorted(p.name for p in examples.iterdir()) == sorted(EXAMPLE_FILES)
    shipped = Path(__file__).resolve().parents[1] / "data" / "examples"
    for name in EXAMPLE_FILES:
        assert (examples / name).read_bytes() == (shipped / name).read_bytes()


def test_refuses_to_overwrite_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "holdings.csv").write_text("mine\n")
    result = CliRunner().invoke(main, ["examples", str(tmp_path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "holdings.csv" in lines[0]
    assert (tmp_path / "holdings.csv").read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holdings.csv"]  # nothing written
    with pytest.raises(DataError, match="already exist"):
        write_examples(tmp_path)
    written = write_examples(tmp_path, overwrite=True)
    assert [p.name for p in written] == list(EXAMPLE_FILES)
    assert (tmp_path / "holdings.csv").read_text().startswith("ticker,weight")


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(DataError, match="not a folder"):
        write_examples(target)


def optimize_json(*args: str) -> dict:
    result = run("optimize", "--steps", "300", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_wide_returns(examples: Path) -> None:
    payload = optimize_json("--returns", str(examples / "returns_wide.csv"))
    assert len(payload["weights"]) == 20


def test_long_returns(examples: Path) -> None:
    payload = optimize_json("--returns", str(examples / "returns_long.csv"), "--layout", "long")
    assert sorted(payload["weights"]) == ["AAPL", "JNJ", "KO", "MSFT", "XOM"]


def test_holdings_and_costs(examples: Path) -> None:
    payload = optimize_json(
        "--objective",
        "min-variance",
        "--start",
        "2020-01-01",
        "--previous-weights",
        str(examples / "holdings.csv"),
        "--costs",
        str(examples / "costs.csv"),
        "--max-turnover",
        "0.1",
    )
    held = {
        k: float(v)
        for k, v in (
            line.split(",") for line in (examples / "holdings.csv").read_text().split()[1:]
        )
    }
    w = payload["weights"]
    turnover = 0.5 * sum(abs(w[t] - held.get(t, 0.0)) for t in w)
    assert payload["turnover"] == pytest.approx(turnover, abs=1e-9) and turnover <= 0.1 + 1e-9
    assert "transaction_cost" in payload


def test_risk_budgets(examples: Path) -> None:
    payload = optimize_json(
        "--objective",
        "risk-parity",
        "--start",
        "2020-01-01",
        "--budgets",
        str(examples / "budgets.csv"),
    )
    rc = payload["risk_contributions"]
    assert rc["PG"] == pytest.approx(2 * rc["AAPL"], rel=1e-3)  # budget 2 against 1


def test_sector_groups(examples: Path) -> None:
    payload = optimize_json(
        "--objective",
        "min-variance",
        "--start",
        "2020-01-01",
        "--groups",
        str(examples / "sectors.csv"),
        "--constraint",
        "Energy >= 0.1",
    )
    energy = payload["weights"]["XOM"] + payload["weights"]["CVX"] + payload["weights"]["RRC"]
    assert energy >= 0.1 - 1e-8
