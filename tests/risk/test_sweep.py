"""The batch-size sweep on sp500 min-variance: error falls like 1/m at a fixed step size."""

from __future__ import annotations

import json

import numpy as np
import pytest

from portfolio_sgd.errors import ConfigError
from portfolio_sgd.estimation.batch_size import batch_size_sweep, validate_grid
from portfolio_sgd.reference.exact import solve_exact

SWEEP_GRID = [8, 32, 128, 512]  # the grid of the sweep_report fixture


def test_rows_cover_the_grid_at_one_fixed_step(sweep_report) -> None:
    rows = sweep_report.to_frame()
    assert rows["batch_size"].tolist() == SWEEP_GRID
    assert (rows["lr"] == sweep_report.lr).all()
    assert sweep_report.lr == pytest.approx(0.5 / sweep_report.curvature)


def test_dispersion_and_excess_fall_with_m(sweep_report) -> None:
    rows = sweep_report.rows
    assert np.all(np.diff(rows["weight_dispersion"]) < 0)
    assert np.all(np.diff(rows["excess_objective"]) < 0)
    assert np.all(np.diff(rows["l1_to_optimum"]) < 0)
    assert (rows["excess_objective"] > 0).all()


def test_excess_objective_slope_is_about_minus_one(sweep_report) -> None:
    rows = sweep_report.rows
    slope = np.polyfit(np.log(rows["batch_size"]), np.log(rows["excess_objective"]), 1)[0]
    assert -1.3 <= slope <= -0.7
    assert sweep_report.slope_excess == pytest.approx(slope)


def test_temperature_is_eta_sigma2_over_2m(sweep_report) -> None:
    rows = sweep_report.rows
    expected = sweep_report.lr * sweep_report.sigma2 / (2.0 * rows["batch_size"].to_numpy())
    np.testing.assert_allclose(rows["temperature"], expected, rtol=1e-12)


def test_gradient_variance_ratio_and_sigma2_at_sgd(sweep_report) -> None:
    rows = sweep_report.rows
    np.testing.assert_allclose(
        rows["grad_var_ratio"], rows["grad_var_measured"] / rows["grad_var_predicted"]
    )
    np.testing.assert_allclose(rows["grad_var_ratio"], 1.0, atol=0.15)
    assert (rows["sigma2_sgd"] > 0).all()
    # near the optimum the noise level barely changes
    np.testing.assert_allclose(rows["sigma2_sgd"], sweep_report.sigma2, rtol=0.5)


def test_report_serialises_and_reads(sweep_report) -> None:
    d = json.loads(json.dumps(sweep_report.to_dict()))
    assert {"sigma2", "lr", "rows", "cost_model", "recommendation", "regime"} <= set(d)
    assert d["recommendation"]["batch_size"] in SWEEP_GRID
    assert d["cost_model"]["b"] >= 0
    text = sweep_report.reading()
    assert f"m = {d['recommendation']['batch_size']}" in text
    assert "percentage points" in text
    assert "relaxation times" in sweep_report.table()


def test_out_of_sample_uses_the_train_optimum(sp500_returns) -> None:
    rep = batch_size_sweep(
        sp500_returns,
        batch_sizes=[16, 64],
        seeds=2,
        steps=520,
        draws=64,
        cost_steps=5,
        test_fraction=0.3,
        device="cpu",
    )
    n_train = int(round(len(sp500_returns) * 0.7))
    assert rep.n_train == n_train and rep.n_test == len(sp500_returns) - n_train
    train = sp500_returns.iloc[:n_train].to_numpy()
    exact = solve_exact("min-variance", train)
    np.testing.assert_allclose(rep.w_star.to_numpy(), exact.weights, atol=1e-6)
    test = sp500_returns.iloc[n_train:].to_numpy()
    x = test @ exact.weights
    assert rep.optimum_oos["variance"] == pytest.approx(x.var())
    assert rep.optimum_oos["return"] == pytest.approx(x.mean())
    assert {"oos_variance", "oos_return", "oos_cvar"} <= set(rep.rows.columns)


@pytest.mark.parametrize(
    ("sizes", "seeds", "match"),
    [
        ([0, 8], 4, "at least 1"),
        ([8, 10_000], 4, "larger than the sample"),
        ([8], 1, "at least 2 seeds"),
    ],
)
def test_bad_grid_is_a_config_error(sizes, seeds, match) -> None:
    with pytest.raises(ConfigError, match=match):
        validate_grid(sizes, seeds, 8312)
