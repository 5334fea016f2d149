"""Core plots: each figure exists, and its axes carry the input data (checked by hand)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from portfolio_sgd.plotting import (  # noqa: E402
    plot_correlation,
    plot_loss_curve,
    plot_prices,
    plot_series,
    plot_weights_comparison,
)


@pytest.fixture()
def prices() -> pd.DataFrame:
    index = pd.bdate_range("2020-01-01", periods=5, name="Date")
    return pd.DataFrame(
        {
            "AAA": [10.0, 11.0, 12.1, 11.0, 12.0],
            "BBB": [np.nan, 50.0, 55.0, 60.0, 57.0],
        },
        index=index,
    )


@pytest.fixture()
def history() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": [50, 100, 150, 200],
            "samples": [1000, 3000, 7000, 15000],
            "batch_size": [20, 40, 80, 160],
            "batch_loss": [2.5, 1.6, 1.2, 1.05],
            "objective": [2.0, 1.5, 1.1, 1.0],
        }
    )


def _axis_labels(ax) -> tuple[str, str, str]:
    return ax.get_xlabel(), ax.get_ylabel(), ax.get_title()


def test_plot_prices_growth_lines_and_risk_return_points(prices, tmp_path):
    out = tmp_path / "prices.png"
    fig = plot_prices(prices, periods_per_year=4, path=out)
    assert isinstance(fig, Figure)
    assert out.stat().st_size > 0
    ax_g, ax_s = fig.axes
    lines = ax_g.get_lines()
    assert [line.get_label() for line in lines] == ["AAA", "BBB"]
    # growth of 1: AAA = p / 10; BBB starts at its first valid price 50
    np.testing.assert_allclose(lines[0].get_ydata(), [1.0, 1.1, 1.21, 1.1, 1.2])
    np.testing.assert_allclose(lines[1].get_ydata()[1:], [1.0, 1.1, 1.2, 1.14])
    assert ax_g.get_yscale() == "log"
    # risk/return scatter, by hand: AAA returns 0.1, 0.1, -10/121, 1/11
    r_a = np.array([0.1, 0.1, 11.0 / 12.1 - 1.0, 12.0 / 11.0 - 1.0])
    r_b = np.array([0.1, 60.0 / 55.0 - 1.0, 57.0 / 60.0 - 1.0])
    expected = np.array(
        [
            [r_a.std(ddof=1) * 2 * 100, r_a.mean() * 4 * 100],
            [r_b.std(ddof=1) * 2 * 100, r_b.mean() * 4 * 100],
        ]
    )
    np.testing.assert_allclose(ax_s.collections[0].get_offsets(), expected)
    assert [t.get_text() for t in ax_s.texts] == ["AAA", "BBB"]
    for ax in (ax_g, ax_s):
        assert all(_axis_labels(ax))
    assert "%" in ax_s.get_xlabel() and "%" in ax_s.get_ylabel()
    assert "2020-01-01" in fig.get_suptitle()


def test_plot_correlation_image_equals_correlation_matrix():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(200, 1))
    values = np.hstack([base, base + 0.5 * rng.normal(size=(200, 1)), rng.normal(size=(200, 1))])
    returns = pd.DataFrame(values, columns=["X", "Y", "Z"])
    fig = plot_correlation(returns)
    ax = fig.axes[0]
    image = ax.get_images()[0]
    np.testing.assert_allclose(image.get_array(), np.corrcoef(values.T))
    assert image.get_clim() == (-1.0, 1.0)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["X", "Y", "Z"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["X", "Y", "Z"]
    assert all(_axis_labels(ax))
    # annotated (N <= 12): one text per cell, row-major
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9 and texts[0] == "1.00"
    assert texts[1] == f"{np.corrcoef(values.T)[0, 1]:.2f}"
    colorbar_ax = fig.axes[1]
    assert "correlation" in colorbar_ax.get_ylabel()


def test_plot_loss_curve_objective_and_batch_loss(history):
    fig = plot_loss_curve(history)
    ax = fig.axes[0]
    objective, batch = ax.get_lines()
    np.testing.assert_array_equal(objective.get_xdata(), [1000, 3000, 7000, 15000])
    np.testing.assert_array_equal(objective.get_ydata(), [2.0, 1.5, 1.1, 1.0])
    np.testing.assert_array_equal(batch.get_ydata(), [2.5, 1.6, 1.2, 1.05])
    assert "mini-batch" in batch.get_label()
    assert all(_axis_labels(ax))


def test_plot_loss_curve_relative_gap_against_optimum(history):
    class Result:  # duck-typed OptimizationResult
        objective = "min-variance"

    run = Result()
    run.history = history
    fig = plot_loss_curve({"a": run, "b": history}, optimum={"a": 1.0, "b": -0.5}, x="step")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    line_a, line_b = ax.get_lines()
    assert (line_a.get_label(), line_b.get_label()) == ("a", "b")
    np.testing.assert_array_equal(line_a.get_xdata(), [50, 100, 150, 200])
    # gap (f - 1) / 1: the last point (gap 0) is left out as NaN
    np.testing.assert_allclose(line_a.get_ydata(), [1.0, 0.5, 0.1, np.nan])
    np.testing.assert_allclose(line_b.get_ydata(), [5.0, 4.0, 3.2, 3.0])
    assert "step" in ax.get_xlabel() and "gap" in ax.get_ylabel()


def test_plot_loss_curve_rejects_missing_optimum_and_bad_axis(history):
    with pytest.raises(ValueError, match="no optimum"):
        plot_loss_curve({"a": history}, optimum={"b": 1.0})
    with pytest.raises(ValueError, match="x must be"):
        plot_loss_curve(history, x="epoch")
    with pytest.raises(TypeError):
        plot_loss_curve(42)


def test_plot_weights_comparison_single_panel_bar_heights(tmp_path):
    sgd = pd.Series([0.5, 0.3, 0.2], index=["A", "B", "C"])
    exact = np.array([0.45, 0.35, 0.2])
    fig = plot_weights_comparison({"SGD": sgd, "exact": exact}, path=tmp_path / "w.png")
    ax = fig.axes[0]
    sgd_bars, exact_bars = ax.containers
    np.testing.assert_allclose([b.get_height() for b in sgd_bars], [50.0, 30.0, 20.0])
    np.testing.assert_allclose([b.get_height() for b in exact_bars], [45.0, 35.0, 20.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B", "C"]
    assert ax.get_ylabel() == "weight (%)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["SGD", "exact"]
    assert (tmp_path / "w.png").exists()


def test_plot_weights_comparison_panels_and_fractions():
    frame = pd.DataFrame({"SGD": [0.7, 0.3], "exact": [0.6, 0.4]}, index=["X", "Y"])
    fig = plot_weights_comparison({"min-variance": frame, "kelly": frame[::-1]}, percent=False)
    top, bottom = fig.axes
    assert top.get_title() == "min-variance" and bottom.get_title() == "kelly"
    np.testing.assert_allclose([b.get_height() for b in top.containers[1]], [0.6, 0.4])
    np.testing.assert_allclose([b.get_height() for b in bottom.containers[0]], [0.3, 0.7])
    assert [t.get_text() for t in bottom.get_xticklabels()] == ["Y", "X"]
    assert bottom.get_xlabel() == "asset" and top.get_ylabel() == "weight"


def test_plot_series_line_and_bar():
    frame = pd.DataFrame({"sharpe": [0.9, 0.8, 0.5]}, index=[0, 10, 50])
    fig = plot_series(frame, xlabel="cost (bps)", ylabel="Sharpe ratio", title="t", logy=False)
    ax = fig.axes[0]
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_xdata(), [0, 10, 50])
    np.testing.assert_array_equal(line.get_ydata(), [0.9, 0.8, 0.5])
    assert _axis_labels(ax) == ("cost (bps)", "Sharpe ratio", "t")

    turnover = pd.DataFrame({"warm": [0.1, 0.2], "cold": [0.3, 0.5]}, index=["m=32", "m=256"])
    fig = plot_series(
        turnover, xlabel="x", ylabel="turnover (%)", title="t", kind="bar", percent=True
    )
    ax = fig.axes[0]
    np.testing.assert_allclose([b.get_height() for b in ax.containers[1]], [30.0, 50.0])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["m=32", "m=256"]
    with pytest.raises(ValueError, match="kind"):
        plot_series(turnover, xlabel="x", ylabel="y", title="t", kind="pie")


def test_plot_weight_dispersion_points_and_reference():
    from portfolio_sgd.plotting import plot_weight_dispersion

    small = pd.DataFrame([[0.2, 0.8], [0.4, 0.6], [0.3, 0.7]], columns=["A", "B"])
    large = pd.DataFrame([[0.29, 0.71], [0.31, 0.69]], columns=["A", "B"])
    ref = pd.Series([0.7, 0.3], index=["B", "A"])  # reindexed to the columns
    fig = plot_weight_dispersion({"m = 8": small, "m = 512": large}, reference=ref)
    ax = fig.axes[0]
    pts_small, pts_large, ticks = ax.collections
    # asset-major: all seeds of A, then all seeds of B (in percent)
    np.testing.assert_allclose(pts_small.get_offsets()[:, 1], [20, 40, 30, 80, 60, 70])
    np.testing.assert_allclose(pts_large.get_offsets()[:, 1], [29, 31, 71, 69])
    # x stays within each asset's slot, small group left of the large group
    xs = pts_small.get_offsets()[:, 0]
    assert np.all(np.abs(xs[:3] - 0) < 0.4) and np.all(np.abs(xs[3:] - 1) < 0.4)
    assert xs[:3].mean() < pts_large.get_offsets()[:2, 0].mean()
    np.testing.assert_allclose(ticks.get_offsets(), [[0, 30], [1, 70]])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["m = 8 (3 seeds)", "m = 512 (2 seeds)", "exact optimum w*"]
    assert ax.get_ylabel() == "final weight (%)" and ax.get_xlabel() == "asset"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["A", "B"]


def test_plot_weight_dispersion_rejects_mismatched_groups():
    from portfolio_sgd.plotting import plot_weight_dispersion

    a = pd.DataFrame([[0.5, 0.5]], columns=["A", "B"])
    b = pd.DataFrame([[0.5, 0.5]], columns=["A", "C"])
    with pytest.raises(ValueError, match="different assets"):
        plot_weight_dispersion({"x": a, "y": b})
    with pytest.raises(ValueError, match="at least one"):
        plot_weight_dispersion({})
