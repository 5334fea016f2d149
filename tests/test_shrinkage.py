"""Covariance shrinkage (Ledoit-Wolf, OAS) of the quadratic objectives.

The intensity and target are checked against scikit-learn's estimators; the optimum of
the shrunk objective against an exact QP (cvxpy + Clarabel) on scikit-learn's shrunk
covariance, on two real panels.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from portfolio_sgd import Constraints, ObjectiveSpec, optimize
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.objectives.shrinkage import shrinkage_intensity

cp = pytest.importorskip(
    "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)
covariance = pytest.importorskip(
    "sklearn.covariance",
    reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)",
)

ESTIMATORS = {"ledoit-wolf": covariance.LedoitWolf, "oas": covariance.OAS}


def _panel(request: pytest.FixtureRequest, name: str) -> object:
    """The last 250 days (one year: shrinkage matters) of a real panel."""
    return request.getfixturevalue(name).iloc[-250:]


@pytest.mark.parametrize("kind", ["ledoit-wolf", "oas"])
@pytest.mark.parametrize("panel", ["sp500_returns", "etf_mix_returns"])
def test_intensity_and_target_match_scikit_learn(request, panel, kind) -> None:
    x = _panel(request, panel).to_numpy(dtype=np.float64)
    est = ESTIMATORS[kind]().fit(x)
    delta, target = shrinkage_intensity(kind, torch.as_tensor(x.copy()))
    assert delta == pytest.approx(est.shrinkage_, rel=1e-10, abs=1e-14)
    n = x.shape[1]
    mine = (1 - delta) * np.cov(x.T, bias=True) + delta * target * np.eye(n)
    np.testing.assert_allclose(mine, est.covariance_, rtol=1e-10, atol=1e-16)
    assert 0.02 < delta < 1.0  # a year of daily returns: a real shrinkage


def _exact(objective: str, x: np.ndarray, sigma: np.ndarray, lam: float, hi: float):
    """The exact optimum (weights, value) of the shrunk problem (Clarabel)."""
    n = x.shape[1]
    w = cp.Variable(n)
    risk = cp.quad_form(w, cp.psd_wrap(sigma))
    f = risk if objective == "min-variance" else -x.mean(axis=0) @ w + 0.5 * lam * risk
    prob = cp.Problem(cp.Minimize(f), [cp.sum(w) == 1, w >= 0, w <= hi])
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12)
    return np.asarray(w.value), float(prob.value)


@pytest.mark.parametrize(
    ("panel", "objective", "kind"),
    [
        ("sp500_returns", "min-variance", "ledoit-wolf"),
        ("sp500_returns", "mean-variance", "oas"),
        ("etf_mix_returns", "min-variance", "oas"),
        ("etf_mix_returns", "mean-variance", "ledoit-wolf"),
    ],
)
def test_sgd_matches_exact_qp_on_scikit_learn_covariance(request, panel, objective, kind) -> None:
    returns = _panel(request, panel)
    x = returns.to_numpy(dtype=np.float64)
    sigma = ESTIMATORS[kind]().fit(x).covariance_
    lam, hi = 300.0, 0.3  # a risk aversion that keeps mean-variance off a vertex
    w_star, f_star = _exact(objective, x, sigma, lam, hi)
    result = optimize(
        returns,
        objective,
        Constraints(max_weight=hi),
        risk_aversion=lam,
        seed=0,
        shrinkage=kind,
    )
    w = result.weights.to_numpy()
    assert np.abs(w - w_star).max() <= 1e-4
    value = float(-x.mean(axis=0) @ w) * (objective == "mean-variance")
    value += (1.0 if objective == "min-variance" else 0.5 * lam) * float(w @ sigma @ w)
    assert result.objective_value == pytest.approx(value, rel=1e-8)  # the shrunk objective
    assert abs(result.objective_value - f_star) <= 1e-4 * abs(f_star)
    # the certificate is the shrunk objective's: its lower bound holds for the exact optimum
    assert result.converged and result.objective_value - result.optimality_gap <= f_star + 1e-12
    assert result.spec.shrinkage == kind and result.spec.shrinkage_intensity > 0.02
    unshrunk = optimize(returns, objective, Constraints(max_weight=hi), seed=0)
    assert np.abs(unshrunk.weights.to_numpy() - w).max() > 1e-3  # shrinkage moved them


def test_curvature_bound_includes_the_ridge(etf_mix_returns) -> None:
    x = etf_mix_returns.iloc[-250:].to_numpy(dtype=np.float64)
    spec = ObjectiveSpec(
        "mean-variance",
        risk_aversion=5.0,
        shrinkage="oas",
        shrinkage_intensity=0.6,
        shrinkage_target=float(np.trace(np.cov(x.T, bias=True))) / x.shape[1],
    )
    r = torch.as_tensor(x.copy())
    d = torch.as_tensor(x.var(axis=0))  # a diagonal metric like the preconditioner's
    hess = spec.impl.hessian(x, np.full(x.shape[1], 1.0 / x.shape[1]))
    top = np.linalg.eigvalsh(hess).max()
    scaled = np.linalg.eigvalsh(hess / np.sqrt(np.outer(d.numpy(), d.numpy()))).max()
    assert spec.impl.curvature(r, r.mean(dim=0)) >= top * (1 - 1e-9)
    assert spec.impl.curvature(r, r.mean(dim=0), metric=d) >= scaled * (1 - 1e-9)
    ridge_only = 2.0 * spec.impl.ridge  # the ridge alone: a bound without it misses this
    assert top > (1 - 0.6) * 5.0 * np.linalg.eigvalsh(np.cov(x.T, bias=True)).max()
    assert ridge_only > 0


@pytest.mark.parametrize("objective", ["cvar", "kelly", "tracking", "risk-parity"])
def test_shrinkage_is_refused_where_meaningless(objective) -> None:
    with pytest.raises(ConfigError, match="shrinkage applies to min-variance and mean-variance"):
        ObjectiveSpec(objective, shrinkage="ledoit-wolf")
    with pytest.raises(ConfigError, match="unknown shrinkage 'ridge'"):
        ObjectiveSpec("min-variance", shrinkage="ridge")


def test_bootstrap_with_shrinkage_evaluates_the_ridge(sp500_returns) -> None:
    returns = sp500_returns.iloc[-250:]
    result = optimize(returns, "min-variance", seed=0, shrinkage="oas", bootstrap=8)
    bars = result.error_bars
    w = bars.bootstrap_weights.to_numpy()
    ridge = ObjectiveSpec(
        "min-variance",
        shrinkage="oas",
        shrinkage_intensity=result.spec.shrinkage_intensity,
        shrinkage_target=result.spec.shrinkage_target,
    ).impl.ridge
    assert ridge > 0
    # each resample's objective includes the ridge: at least rho ||w||^2
    assert bars.objective[0] >= ridge * float((w * w).sum(axis=1).min())
