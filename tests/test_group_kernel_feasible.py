"""The group projector returns a feasible input as its own projection (no kernel pass)."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import torch

from portfolio_sgd.constraints.group_kernel import FEASIBLE_TOL, GroupPlan, project_groups

PLAN = GroupPlan(
    gid=np.array([0, 0, 0, 1, 1, 2, 2, 2]),
    lower=np.array([0.0, 0.1]),
    upper=np.array([0.3, 0.4]),
    lo=0.0,
    hi=0.5,
)


def _cvxpy_projection(v: np.ndarray) -> np.ndarray:
    w = cp.Variable(8)
    cons = [cp.sum(w) == 1, w >= PLAN.lo, w <= PLAN.hi]
    for g in range(2):
        cons += [
            cp.sum(w[PLAN.gid == g]) <= PLAN.upper[g],
            cp.sum(w[PLAN.gid == g]) >= PLAN.lower[g],
        ]
    cp.Problem(cp.Minimize(cp.sum_squares(w - v)), cons).solve(
        solver="CLARABEL", tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12
    )
    return np.asarray(w.value)


def test_feasible_rows_come_back_unchanged_and_others_are_projected() -> None:
    rng = np.random.default_rng(7)
    v = torch.from_numpy(rng.normal(0.1, 0.2, size=(3, 8)))
    w = project_groups(v, PLAN)
    np.testing.assert_allclose(w.numpy()[0], _cvxpy_projection(v.numpy()[0]), atol=1e-7)
    again = project_groups(w, PLAN)  # feasible to rounding: returned as it is
    assert torch.equal(again, w) and again is not w
    # a cap exceeded by far more than FEASIBLE_TOL: the kernel runs and removes it
    x = np.array([0.1, 0.1, 0.1 + 1e-9, 0.2, 0.1, 0.2, 0.2 - 1e-9, 0.0])
    assert x[:3].sum() - 0.3 > 100 * FEASIBLE_TOL
    p = project_groups(torch.from_numpy(x)[None, :], PLAN).numpy()[0]
    assert p[:3].sum() <= 0.3 + FEASIBLE_TOL and abs(p.sum() - 1.0) <= FEASIBLE_TOL
    assert p.min() >= 0.0 and 0.1 <= p[3:5].sum() <= 0.4
    # the nearest feasible point: no farther from x than Clarabel's (degenerate here: 1e-7 off)
    ref = _cvxpy_projection(x)
    assert np.sum((p - x) ** 2) <= np.sum((ref - x) ** 2) + 1e-15
