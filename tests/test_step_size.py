"""Curvature estimates against explicit numpy eigen-decompositions."""

from __future__ import annotations

import numpy as np
import torch

from portfolio_sgd.engine.step_size import (
    curvature,
    diagonal_metric,
    smoothed_cvar_curvature,
    top_eigenvalue,
)
from portfolio_sgd.objectives import ObjectiveSpec

RNG = np.random.default_rng(5)
R = RNG.standard_t(5, size=(3000, 7)) * np.array([0.001, 0.004, 0.01, 0.01, 0.02, 0.005, 0.03])
MU = R.mean(0)


def test_top_eigenvalue_of_covariance_and_second_moment() -> None:
    t = torch.tensor(R)
    cov = np.cov(R, rowvar=False, bias=True)
    got = top_eigenvalue(t, torch.tensor(MU), iters=300)
    assert abs(got / np.linalg.eigvalsh(cov)[-1] - 1) < 1e-6
    second = R.T @ R / len(R)
    assert abs(top_eigenvalue(t, None, iters=300) / np.linalg.eigvalsh(second)[-1] - 1) < 1e-6


def test_preconditioned_curvature_and_metric() -> None:
    t = torch.tensor(R)
    d = diagonal_metric(ObjectiveSpec("min-variance"), t, torch.tensor(MU)).numpy()
    np.testing.assert_allclose(d, R.var(axis=0), rtol=1e-12)
    corr = np.corrcoef(R, rowvar=False)
    got = curvature(ObjectiveSpec("min-variance"), t, torch.tensor(MU), metric=torch.tensor(d))
    # Hessian 2C; preconditioned by D = diag(var): 2 * correlation matrix
    # 50 power iterations (the default) are an estimate: within a few percent is what the
    # 0.5 / L step-size rule needs; the eigenvalues of this near-identity matrix are close.
    assert abs(got / (2 * np.linalg.eigvalsh(corr)[-1]) - 1) < 3e-2


def test_smoothed_cvar_curvature_matches_explicit_hessian() -> None:
    w = np.full(7, 1 / 7)
    x = R @ w
    t0 = float(np.quantile(-x, 0.95))
    tau, alpha = 0.002, 0.95
    z = -x - t0
    sig = 1 / (1 + np.exp(-z / tau))
    s = sig * (1 - sig) / (tau * (1 - alpha))
    a = np.hstack([R, np.ones((len(R), 1))])
    hessian = (a * s[:, None]).T @ a / len(R)
    got = smoothed_cvar_curvature(
        torch.tensor(R), torch.tensor(w)[None, :], torch.tensor([t0]), tau, alpha, iters=300
    )
    assert abs(got / np.linalg.eigvalsh(hessian)[-1] - 1) < 1e-6
