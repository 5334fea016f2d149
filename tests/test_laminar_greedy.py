"""The greedy linear minimiser over a budget, a box and laminar group caps against HiGHS."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import linprog

from portfolio_sgd.constraints.laminar_greedy import laminar_minimizer
from portfolio_sgd.constraints.polytope import Polytope, polytope_minimizer


def _polytope(rng: np.random.Generator, n: int, nested: bool) -> Polytope:
    labels = rng.integers(0, 4, size=n)
    rows = [(labels == g).astype(float) for g in range(3)]
    caps = [0.1 + 0.3 * rng.random() for _ in rows]
    if nested:  # a region holding groups 0 and 1, and a scaled row (2x <= 2c)
        rows.append(((labels == 0) | (labels == 1)).astype(float) * 2.0)
        caps.append(2.0 * (0.2 + 0.3 * rng.random()))
    lower = np.where(rng.random(n) < 0.2, 0.01, 0.0)
    upper = np.full(n, 0.3)
    a_ub, b_ub = np.array(rows), np.array(caps)
    return Polytope(a_ub, b_ub, np.ones((1, n)), np.array([1.0]), lower, upper, np.eye(n))


@pytest.mark.parametrize("nested", [False, True])
def test_greedy_value_matches_highs(nested: bool) -> None:
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(40):
        n = int(rng.integers(8, 30))
        poly = _polytope(rng, n, nested)
        cost = rng.standard_normal((3, n))
        greedy = laminar_minimizer(cost, poly)
        for k, c in enumerate(cost):
            res = linprog(
                c,
                A_ub=poly.a_ub,
                b_ub=poly.b_ub,
                A_eq=poly.a_eq,
                b_eq=poly.b_eq,
                bounds=np.column_stack([poly.lower, poly.upper]),
                method="highs",
            )
            if res.status != 0:
                assert greedy is None
                break
            assert greedy is not None
            w = greedy[k]
            assert abs(w.sum() - 1.0) <= 1e-12
            assert np.all(w >= poly.lower - 1e-15) and np.all(w <= poly.upper + 1e-15)
            assert np.all(poly.a_ub @ w <= poly.b_ub + 1e-12)
            assert c @ w == pytest.approx(res.fun, abs=1e-12)
            checked += 1
    assert checked > 50


def test_not_laminar_or_lower_rows_fall_back() -> None:
    n = 6
    crossing = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0]], dtype=float)
    poly = Polytope(
        crossing,
        np.array([0.5, 0.5]),
        np.ones((1, n)),
        np.array([1.0]),
        np.zeros(n),
        np.ones(n),
        np.eye(n),
    )
    assert laminar_minimizer(np.ones((1, n)), poly) is None
    floor = Polytope(
        -np.eye(n)[:2],
        np.array([-0.2, -0.2]),
        np.ones((1, n)),
        np.array([1.0]),
        np.zeros(n),
        np.ones(n),
        np.eye(n),
    )
    assert laminar_minimizer(np.ones((1, n)), floor) is None
    c = torch.tensor([[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]], dtype=torch.float64)
    s = polytope_minimizer(c, floor)[0].numpy()  # HiGHS: the floors hold
    assert s[1] == pytest.approx(0.2) and s[0] == pytest.approx(0.8)


def test_infeasible_caps_are_left_to_highs() -> None:
    n = 4
    poly = Polytope(
        np.ones((1, n)),
        np.array([0.5]),
        np.ones((1, n)),
        np.array([1.0]),
        np.zeros(n),
        np.ones(n),
        np.eye(n),
    )
    assert laminar_minimizer(np.ones((1, n)), poly) is None
