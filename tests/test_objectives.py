"""Per-scenario objectives against numpy formulas and torch autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from portfolio_sgd.errors import ConfigError
from portfolio_sgd.objectives import (
    Objective,
    ObjectiveSpec,
    full_objective,
    optimal_var_level,
    scenario_derivatives,
    scenario_losses,
)

RNG = np.random.default_rng(7)
R_NP = RNG.standard_t(5, size=(400, 6)) * 0.01 + 0.0004
W_NP = RNG.dirichlet(np.ones(6), size=3)
BENCH_NP = R_NP @ np.full(6, 1 / 6) + RNG.normal(0, 0.001, 400)


def numpy_value(name: str, w: np.ndarray, lam=10.0, alpha=0.95, lam_r=0.0) -> float:
    x = R_NP @ w
    if name == "mean-variance":
        return -x.mean() + lam / 2 * x.var()
    if name in ("min-variance", "min-risk"):  # min-risk: over the default measure, variance
        return x.var()
    if name == "utility":  # mean - g Var over the default measure
        return -x.mean() + lam * x.var()
    if name == "kelly":
        return -np.log1p(x).mean()
    if name == "tracking":
        return np.mean((x - BENCH_NP) ** 2)
    if name == "max-return":
        return -x.mean()
    if name == "risk-parity":  # scale-free barrier, equal budgets: min_s of f(s w)
        return 0.5 + 0.5 * np.log(x.var()) - np.mean(np.log(w))
    # CVaR: brute-force minimum of the Rockafellar-Uryasev function over candidate t's
    losses = -x
    vals = [t + np.maximum(losses - t, 0).mean() / (1 - alpha) for t in losses]
    return -lam_r * x.mean() + min(vals)


ENGINE_OBJECTIVES = [
    o.value
    for o in Objective
    if not (o.objective_class.solved_as_ratio or o.objective_class.budgets_by_solve)
]
"""The objectives one engine run solves (max-ratio and risk budgeting over a general measure
are sequences of runs or a convex solve: tests/test_max_ratio.py, test_risk_budgeting_measures.py)."""


@pytest.mark.parametrize("name", ENGINE_OBJECTIVES)
def test_full_objective_matches_numpy(name: str) -> None:
    spec = ObjectiveSpec(name, risk_aversion=10.0, alpha=0.95, return_weight=0.5 * (name == "cvar"))
    R = torch.tensor(R_NP)
    got = full_objective(spec, R, torch.tensor(W_NP), R.mean(0), torch.tensor(BENCH_NP)).numpy()
    want = [numpy_value(name, w, lam_r=spec.return_weight) for w in W_NP]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    ("name", "smoothing"), [(name, 0.0) for name in ENGINE_OBJECTIVES] + [("cvar", 0.003)]
)
def test_analytic_gradient_matches_autograd(name: str, smoothing: float) -> None:
    spec = ObjectiveSpec(name, risk_aversion=7.0, alpha=0.9, return_weight=0.3)
    R = torch.tensor(R_NP[:64])
    mu = torch.tensor(R_NP.mean(0))
    w = torch.tensor(W_NP, requires_grad=True)
    t = torch.full((3,), 0.01, dtype=torch.float64, requires_grad=True)
    bench = torch.tensor(BENCH_NP[:64])[None, :]
    x = w @ R.T
    loss = scenario_losses(spec, x, w @ mu, t, bench, smoothing=smoothing).mean(dim=1).sum()
    loss.backward()
    with torch.no_grad():
        g, c, dt = scenario_derivatives(spec, x, w @ mu, t, bench, smoothing=smoothing)
        grad_w = g @ R / R.shape[0]
        if c is not None:
            grad_w = grad_w + c.mean(1)[:, None] * mu
    torch.testing.assert_close(grad_w, w.grad, rtol=1e-9, atol=1e-12)
    if dt is not None:
        torch.testing.assert_close(dt.mean(1), t.grad, rtol=1e-9, atol=1e-12)


def test_minibatch_loss_is_unbiased_for_variance() -> None:
    """Averaging the centred per-scenario loss over all rows gives the population variance."""
    spec = ObjectiveSpec("min-variance")
    R = torch.tensor(R_NP)
    w = torch.tensor(W_NP)
    losses = scenario_losses(spec, w @ R.T, w @ R.mean(0))
    np.testing.assert_allclose(losses.mean(1).numpy(), (R_NP @ W_NP.T).var(axis=0), rtol=1e-12)


def test_optimal_var_level_is_the_loss_quantile() -> None:
    x = torch.tensor([[0.03, -0.01, 0.02, -0.05, 0.0, 0.01, -0.02, 0.04, -0.03, 0.05]])
    # losses sorted: -0.05 -0.04 -0.03 -0.02 -0.01 0 0.01 0.02 0.03 0.05; ceil(0.8*10)=8th
    assert float(optimal_var_level(x, 0.8)[0]) == pytest.approx(0.02)


def test_smoothed_cvar_is_an_upper_bound_within_tau_log2() -> None:
    spec = ObjectiveSpec("cvar", alpha=0.95)
    x = torch.tensor(R_NP @ W_NP.T).T
    t = optimal_var_level(x, 0.95)
    exact = scenario_losses(spec, x, x.mean(1), t).mean(1)
    tau = 1e-3
    smooth = scenario_losses(spec, x, x.mean(1), t, smoothing=tau).mean(1)
    assert torch.all(smooth >= exact)
    assert torch.all(smooth - exact <= tau * np.log(2) / 0.05 + 1e-15)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"objective": "sharpe"},
        {"risk_aversion": -1.0},
        {"alpha": 1.0},
        {"return_weight": float("nan")},
    ],
)
def test_bad_specs_raise(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        ObjectiveSpec(**kwargs)
