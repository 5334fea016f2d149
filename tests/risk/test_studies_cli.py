"""Scaling and annealing studies, the figures, and the ``portfolio-sgd risk`` command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main
from portfolio_sgd.estimation.batch_size import annealing_study, linear_scaling_study
from portfolio_sgd.plotting.risk import plot_risk

FAST = ["--seeds", "2", "--steps", "520", "--draws", "64", "--device", "cpu"]


def test_scaling_study_pairs_and_plot(sp500_returns, minvar_problem, tmp_path) -> None:
    rep = linear_scaling_study(
        sp500_returns,
        problem=minvar_problem,
        base_batch_size=8,
        factors=[2],
        seeds=2,
        steps=500,
        device="cpu",
    )
    rows = rep.to_frame()
    assert rows["series"].tolist() == ["scaled", "scaled", "batch only"]
    scaled = rows[rows["series"] == "scaled"]
    assert np.allclose(scaled["lr_over_m"], scaled["lr_over_m"].iloc[0])
    np.testing.assert_allclose(
        rows["temperature"], rows["lr"] * rep.sigma2 / (2 * rows["batch_size"])
    )
    assert rows.loc[rows["k"] == 2, "lr"].max() == pytest.approx(minvar_problem.default_lr)
    plot_risk(rep, tmp_path / "scaling.png")
    assert (tmp_path / "scaling.png").stat().st_size > 0
    json.dumps(rep.to_dict())


def test_annealing_study_equal_budget_and_plot(sp500_returns, minvar_problem, tmp_path) -> None:
    rep = annealing_study(
        sp500_returns,
        problem=minvar_problem,
        batch_size=8,
        seeds=2,
        epochs=0.15,
        growth_every=20,
        device="cpu",
    )
    rows = rep.to_frame().set_index("schedule")
    assert list(rows.index) == ["constant", "log-growth", "geometric", "linear-scaling"]
    budget = int(np.ceil(0.15 * minvar_problem.n_rows))
    assert (rows["samples"] >= budget).all()
    assert rows.loc["geometric", "final_batch_size"] > 8 == rows.loc["constant", "final_batch_size"]
    assert set(rep.curves["schedule"]) == set(rows.index)
    plot_risk(rep, tmp_path / "annealing.png")
    assert (tmp_path / "annealing.png").stat().st_size > 0


def test_cli_json_schema(tmp_path) -> None:
    plot = tmp_path / "sweep.png"
    result = CliRunner().invoke(
        main, ["risk", "--batch-sizes", "8,64", *FAST, "--format", "json", "--plot", str(plot)]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert isinstance(payload["sigma2"], float) and payload["sigma2"] > 0
    assert isinstance(payload["lr"], float) and payload["lr"] > 0
    assert [row["batch_size"] for row in payload["rows"]] == [8, 64]
    keys = {
        "batch_size",
        "grad_var_measured",
        "grad_var_predicted",
        "temperature",
        "weight_dispersion",
        "l1_to_optimum",
        "excess_objective",
    }
    for row in payload["rows"]:
        assert keys <= set(row)
        assert row["temperature"] == pytest.approx(
            payload["lr"] * payload["sigma2"] / (2 * row["batch_size"])
        )
    assert plot.stat().st_size > 0


def test_cli_table_and_csv() -> None:
    runner = CliRunner()
    table = runner.invoke(main, ["risk", "--batch-sizes", "8,64", *FAST, "--test-fraction", "0.3"])
    assert table.exit_code == 0, table.output
    assert "Recommended batch size" in table.stdout and "out of sample" in table.stdout
    csv = runner.invoke(main, ["risk", "--batch-sizes", "8,64", *FAST, "--format", "csv"])
    assert csv.exit_code == 0, csv.output
    assert csv.stdout.splitlines()[0].startswith("batch_size,")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--batch-sizes", "8,100000"], 1, "larger than the sample"),
        (["--batch-sizes", "0,8"], 1, "at least 1"),
        (["--seeds", "1"], 1, "at least 2 seeds"),
        (["--study", "nope"], 2, "nope"),
    ],
)
def test_cli_bad_input(args, code, message) -> None:
    result = CliRunner().invoke(main, ["risk", *args])
    assert result.exit_code == code
    assert message in result.output
    if code == 1:
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and message in errors[0]
