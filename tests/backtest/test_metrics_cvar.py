"""One CVaR: the Rockafellar-Uryasev value, against a brute-force minimum over t."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.measures import performance as metrics
from portfolio_sgd.utils.jsonable import dumps, to_jsonable


def brute_force(losses: np.ndarray, alpha: float) -> tuple[float, np.ndarray]:
    """min over every t in the losses of t + mean((L - t)+)/(1 - alpha), and its minimisers."""
    values = np.array([t + np.maximum(losses - t, 0.0).mean() / (1.0 - alpha) for t in losses])
    best = values.min()
    return float(best), losses[np.isclose(values, best, rtol=1e-12, atol=1e-15)]


@pytest.mark.parametrize(
    ("n_rows", "alpha"), [(10, 0.7), (30, 0.95), (100, 0.95), (257, 0.99), (7, 0.5)]
)
def test_cvar_and_var_equal_the_brute_force_minimum(n_rows: int, alpha: float) -> None:
    rng = np.random.default_rng(n_rows)
    losses = rng.standard_t(4, size=(n_rows, 5)) * 0.01
    cvar, var = metrics.cvar_and_var(losses, alpha)
    assert cvar.shape == var.shape == (5,)
    k = math.ceil(round(alpha * n_rows, 9))
    for j in range(5):
        best, minimisers = brute_force(losses[:, j], alpha)
        assert cvar[j] == pytest.approx(best, rel=1e-12, abs=1e-15)
        assert var[j] == np.sort(losses[:, j])[k - 1]  # the ceil(alpha T)-th smallest loss
        assert var[j] in minimisers
        c1, v1 = metrics.cvar_and_var(losses[:, j], alpha)  # the (T,) form
        assert isinstance(c1, float) and c1 == pytest.approx(cvar[j], rel=1e-14)
        assert v1 == var[j]


def test_cvar_of_returns_weights_the_boundary_day() -> None:
    # T = 30, alpha = 0.95: (1 - alpha) T = 1.5 worst days -> the worst at weight 1/1.5,
    # the second worst at weight 0.5/1.5 (not the mean of the two worst days)
    r = np.linspace(-0.05, 0.04, 30)
    expected = (0.05 * 1.0 + (0.05 - 0.09 / 29) * 0.5) / 1.5
    assert metrics.cvar(r, 0.95) == pytest.approx(expected, rel=1e-12)
    assert metrics.cvar(np.append(r, np.nan), 0.95) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValueError, match="alpha"):
        metrics.cvar_and_var(r, 1.0)


def test_fixed_weight_performance_is_compound() -> None:
    index = pd.bdate_range("2022-01-03", periods=4)
    returns = pd.DataFrame({"a": [0.01, -0.02, 0.03, 0.0], "b": [0.0, 0.0, 0.0, 0.02]}, index=index)
    out = metrics.fixed_weight_performance(returns, np.array([0.5, 0.5]))
    x = np.array([0.005, -0.01, 0.015, 0.01])
    assert out["periods_per_year"] == 252
    assert out["annual_return"] == pytest.approx(np.prod(1 + x) ** (252 / 4) - 1, rel=1e-12)
    assert out["annual_volatility"] == pytest.approx(x.std(ddof=1) * math.sqrt(252), rel=1e-12)


def test_jsonable_makes_strict_json() -> None:
    payload = {
        1: np.float32(1.5),
        "nan": float("nan"),
        "arr": np.array([1.0, np.inf]),
        "t": (np.int64(3), np.bool_(True)),
        "when": pd.Timestamp("2024-01-02"),
    }
    assert to_jsonable(payload) == {
        "1": 1.5,
        "nan": None,
        "arr": [1.0, None],
        "t": [3, True],
        "when": "2024-01-02T00:00:00",
    }
    assert "NaN" not in dumps(payload) and "Infinity" not in dumps(payload)
