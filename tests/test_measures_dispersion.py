"""The dispersion measures (semi-variance, semi-deviation, MAD, LPM1, Gini) by name.

Values against brute-force formulas (the Gini mean difference by the O(T^2) pair mean),
derivatives against autograd, and min-risk, utility and a limit against independent cvxpy
models (Clarabel) on real panels: sp500 (20 stocks), ff49 industries, and a 60-stock slice
of us-stocks-2500. The weights are within 1e-4 of the reference optimum and certified (the
proven lower bound is below the reference optimum, with a small gap).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

cp = pytest.importorskip("cvxpy")

from portfolio_sgd import optimize  # noqa: E402
from portfolio_sgd.constraints.oracle import FeasibleSet  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.errors import ConfigError  # noqa: E402
from portfolio_sgd.measures.kernels.pieces_finish import pieces_bound  # noqa: E402
from portfolio_sgd.measures.registry import get_measure  # noqa: E402
from portfolio_sgd.objectives import ObjectiveSpec  # noqa: E402

MEASURES = ["semi-variance", "mad", "lpm1", "first-lower-partial-moment", "gini"]


@pytest.fixture(scope="module")
def panels() -> dict[str, pd.DataFrame]:
    """Three real panels, short histories (the Gini reference LP has T^2 / 2 rows)."""
    stocks = load_returns(dataset="us-stocks-2500").iloc[-400:]
    stocks = stocks.loc[:, stocks.notna().all()].iloc[:, :60]
    return {
        "sp500": load_returns(dataset="sp500").iloc[-400:],
        "ff49": load_returns(dataset="ff49-daily").iloc[-300:],
        "stocks": stocks,
    }


def _brute(name: str, x: np.ndarray) -> float:
    """Each measure by its textbook formula (pairs for Gini)."""
    dev = x - x.mean()
    if name == "semi-variance":
        return float(np.mean(np.minimum(dev, 0.0) ** 2))
    if name == "semi-deviation":
        return math.sqrt(float(np.mean(np.minimum(dev, 0.0) ** 2)))
    if name == "mad":
        return float(np.mean(np.abs(dev)))
    if name == "lpm1":
        return float(np.mean(np.maximum(-x, 0.0)))
    if name == "first-lower-partial-moment":
        return float(np.mean(np.maximum(-dev, 0.0)))
    n = len(x)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (n * (n - 1)))


def _reference(m, r: np.ndarray, gamma: float | None = None) -> tuple[float, np.ndarray]:  # noqa: ANN001
    """Independent cvxpy (Clarabel) optimum of min-risk (or utility ``mu.w - g rho``)."""
    w = cp.Variable(r.shape[1])
    expr, aux = m.cvxpy_expression(cp, w, r, 0.95)
    scale = m.cvxpy_scale(r)
    goal = expr if gamma is None else gamma * expr - (r.mean(axis=0) / scale) @ w
    problem = cp.Problem(cp.Minimize(goal), [*aux, cp.sum(w) == 1, w >= 0])
    problem.solve(solver="CLARABEL")
    return float(problem.value) * scale, np.asarray(w.value)


@pytest.mark.parametrize("name", [*MEASURES, "semi-deviation"])
def test_numpy_values_match_brute_force(name: str) -> None:
    x = np.random.default_rng(3).standard_t(4, size=(257, 2)) * 0.01
    m = get_measure(name)
    got = m.numpy_value(x)
    for k in range(2):
        assert math.isclose(float(got[k]), _brute(name, x[:, k]), rel_tol=1e-12)


@pytest.mark.parametrize("name", MEASURES)
def test_batch_losses_are_unbiased_and_derivatives_match_autograd(name: str) -> None:
    m = get_measure(name)
    x = torch.tensor(np.random.default_rng(5).normal(size=(2, 64)) * 0.01, requires_grad=True)
    mean = x.detach().mean(dim=1).clone().requires_grad_(True)
    losses = m.losses(x, mean)
    full = float(losses[0].detach().mean())
    assert math.isclose(full, _brute(name, x.detach().numpy()[0]), rel_tol=1e-10)
    dx, dm, _ = m.derivatives(x, mean)
    (losses.mean(dim=1).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy() * x.shape[1], dx.detach().numpy(), atol=1e-10)
    if dm is not None:
        assert torch.allclose(mean.grad * x.shape[1], dm.sum(dim=1), atol=1e-10)


def test_the_gini_batch_mean_is_the_pair_u_statistic() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    gini = get_measure("gini")
    batch = gini.losses(torch.tensor(x[None, :12]), torch.zeros(1))
    assert math.isclose(float(batch.mean()), _brute("gini", x[:12]), rel_tol=1e-12)
    # the mean over every batch of 2 is the full pair mean (unbiased without replacement)
    pairs = [
        float(gini.losses(torch.tensor([[x[i], x[j]]]), torch.zeros(1)).mean())
        for i in range(40)
        for j in range(i + 1, 40)
    ]
    assert math.isclose(float(np.mean(pairs)), _brute("gini", x), rel_tol=1e-12)


def test_min_mad_on_sp500_matches_cvxpy_and_is_certified(
    panels: dict[str, pd.DataFrame],
) -> None:
    _check_min_risk(panels["sp500"], "mad")


@pytest.mark.slow
@pytest.mark.parametrize("panel", ["sp500", "ff49", "stocks"])
@pytest.mark.parametrize("name", MEASURES)
def test_min_risk_matches_cvxpy_and_is_certified(
    panels: dict[str, pd.DataFrame], panel: str, name: str
) -> None:
    _check_min_risk(panels[panel], name)


def _check_min_risk(returns: pd.DataFrame, name: str) -> None:
    """Min-risk by name: within 1e-4 of the cvxpy optimum, certified below it."""
    if name == "gini":
        returns = returns.iloc[-150:]
    r = returns.to_numpy()
    m = get_measure(name)
    res = optimize(returns, ObjectiveSpec("min-risk", measure=name))
    mine = _brute(name, r @ res.weights.to_numpy())
    ref, _ = _reference(m, r)
    assert mine <= ref * (1 + 1e-4), (mine, ref)
    lower = res.objective_value - res.optimality_gap
    assert lower <= ref * (1 + 1e-7) and res.converged
    assert (mine - lower) / mine <= 1e-4


@pytest.mark.slow
@pytest.mark.parametrize("name", ["semi-variance", "mad", "lpm1", "gini"])
def test_utility_matches_cvxpy(panels: dict[str, pd.DataFrame], name: str) -> None:
    returns = panels["sp500"].iloc[-150:] if name == "gini" else panels["sp500"]
    r = returns.to_numpy()
    m, g = get_measure(name), 3.0
    res = optimize(returns, ObjectiveSpec("utility", measure=name, risk_aversion=g))
    x = r @ res.weights.to_numpy()
    mine = -x.mean() + g * _brute(name, x)
    ref, _ = _reference(m, r, g)
    assert mine <= ref + 1e-4 * abs(ref), (mine, ref)
    assert res.converged and res.objective_value - res.optimality_gap <= ref + 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("name", ["mad", "gini"])
def test_a_limit_matches_cvxpy(panels: dict[str, pd.DataFrame], name: str) -> None:
    returns = panels["ff49"].iloc[-120:] if name == "gini" else panels["ff49"]
    r = returns.to_numpy()
    m = get_measure(name)
    floor, _ = _reference(m, r)
    level = 1.3 * floor
    res = optimize(returns, "max-return", limit=(name, level))
    w = cp.Variable(r.shape[1])
    problem = cp.Problem(
        cp.Maximize(r.mean(axis=0) @ w * 1e3),
        [*m.cvxpy_limit(cp, w, r, level, 0.95), cp.sum(w) == 1, w >= 0],
    )
    problem.solve(solver="CLARABEL")
    mu = r.mean(axis=0)
    assert _brute(name, r @ res.weights.to_numpy()) <= level * (1 + 1e-9)
    assert mu @ res.weights.to_numpy() >= mu @ w.value - 1e-4 * abs(mu @ w.value)
    assert res.risk_limit is not None and res.risk_limit.binds


@pytest.mark.parametrize("name", ["mad", "gini", "first-lower-partial-moment", "semi-deviation"])
def test_euler_contributions_sum_to_the_risk(panels: dict[str, pd.DataFrame], name: str) -> None:
    r = panels["sp500"].to_numpy()[-200:]
    w = np.full(r.shape[1], 1.0 / r.shape[1])
    risk, parts = get_measure(name).contributions(r, w)
    assert math.isclose(risk, _brute(name, r @ w), rel_tol=1e-12)
    assert math.isclose(float(parts.sum()), risk, rel_tol=1e-10)


def test_lpm_below_a_target_has_no_euler_decomposition() -> None:
    with pytest.raises(ConfigError, match="not positively homogeneous"):
        get_measure("lpm1").contributions(np.ones((3, 2)) * 0.01, np.array([0.5, 0.5]))


def test_semi_deviation_refuses_min_risk_in_one_line() -> None:
    data = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)) * 0.01)
    with pytest.raises(ConfigError, match="optimise semi-variance instead"):
        optimize(data, ObjectiveSpec("min-risk", measure="semi-deviation"))


def test_the_window_bound_is_below_the_lp_optimum_from_any_point(
    panels: dict[str, pd.DataFrame],
) -> None:
    r = panels["sp500"].to_numpy()[-120:]
    n = r.shape[1]
    for name in ["mad", "gini"]:
        m = get_measure(name)
        ref, _ = _reference(m, r)
        w = np.random.default_rng(2).dirichlet(np.ones(n))
        value, lower, _ = pieces_bound(m.pieces(r), w, FeasibleSet(n), np.zeros(n))
        assert lower <= ref * (1 + 1e-9) <= value


def test_skfolio_names_map_to_the_measures(panels: dict[str, pd.DataFrame]) -> None:
    skfolio = pytest.importorskip("skfolio")
    from portfolio_sgd.skfolio import SGDMeanRisk

    returns = panels["sp500"]
    r = returns.to_numpy()
    members = {
        "MEAN_ABSOLUTE_DEVIATION": "mad",
        "SEMI_VARIANCE": "semi-variance",
        "FIRST_LOWER_PARTIAL_MOMENT": "first-lower-partial-moment",
    }
    for member, name in members.items():
        model = SGDMeanRisk(risk_measure=getattr(skfolio.RiskMeasure, member)).fit(returns)
        assert get_measure(member).name == get_measure(name).name
        ref, _ = _reference(get_measure(name), r)
        assert _brute(name, r @ np.asarray(model.weights_)) <= ref * (1 + 1e-4)
