"""The loop-free trading prox and turnover projection against cvxpy and scipy.

References: cvxpy + Clarabel (tight) for the prox of L1 costs combined with the budget,
per-asset bounds and a turnover cap, on random batches of K > 1 rows; scipy's ``brentq``
for the root of a sum of clipped linear functions.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.optimize import brentq

from portfolio_sgd.constraints import prox_trading
from portfolio_sgd.constraints.trading.breakpoints import clip_sum_root

cp = pytest.importorskip(
    "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)
TIGHT = {"tol_gap_abs": 1e-12, "tol_gap_rel": 1e-12, "tol_feas": 1e-12, "max_iter": 500}


def _reference(v, p, lo, hi, a, d, delta, b=None):  # noqa: ANN001, ANN202
    x = cp.Variable(v.shape[0])
    obj = 0.5 * cp.sum(cp.multiply(d, cp.square(x - v))) + a @ cp.abs(x - p)
    if b is not None:
        obj = obj + b @ cp.power(cp.abs(x - p), 1.5)
    cons = [cp.sum(x) == 1, x >= lo, x <= hi]
    if delta is not None:
        cons.append(0.5 * cp.norm1(x - p) <= delta)
    cp.Problem(cp.Minimize(obj), cons).solve(solver="CLARABEL", **TIGHT)
    return np.asarray(x.value)


def _case(seed: int) -> dict:
    """A random problem: K rows, per-asset (and per-row) costs, a metric, per-asset
    intervals (some holdings outside theirs), partial or full holdings, a binding cap."""
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(3, 15)), int(rng.integers(2, 5))
    p = rng.dirichlet(np.ones(n)) * (1.0 if seed % 2 else rng.uniform(0.6, 1.0))
    lo = np.where(rng.random(n) < 0.3, rng.uniform(-0.1, 0.05, n), 0.0)
    hi = np.full(n, max(1.6 / n, rng.uniform(0.15, 0.8)))
    if seed % 3 == 0:  # per-asset turnover limits: intervals around p, cut by the bounds
        lim = rng.uniform(0.02, 0.3, n)
        lo, hi = np.maximum(lo, p - lim), np.minimum(hi, p + lim)
        lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
        if lo.sum() > 1 or hi.sum() < 1:
            lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 1.0)
    least = _least({"p": p, "lo": lo, "hi": hi})
    return {
        "v": p + rng.normal(0.0, 0.25, size=(k, n)),
        "p": p,
        "lo": lo,
        "hi": hi,
        "a": rng.uniform(0.0, 0.1, size=(k, n)) if seed % 4 else np.zeros((k, n)),
        "d": rng.uniform(0.3, 3.0, n) if seed % 5 else np.ones(n),
        "delta": None if seed % 7 == 0 else least + rng.uniform(0.0, 0.15),
    }


def _least(c: dict) -> float:
    """The least one-way turnover reaching a fully invested portfolio in the box."""
    q = np.clip(c["p"], c["lo"], c["hi"])
    return 0.5 * (np.abs(q - c["p"]).sum() + abs(1.0 - q.sum()))


@pytest.mark.parametrize("seed", range(24))
def test_prox_matches_cvxpy(seed: int) -> None:
    c = _case(seed)
    t = torch.from_numpy
    w = prox_trading(
        t(c["v"]), t(c["p"]), t(c["lo"]), t(c["hi"]), a=t(c["a"]), d=t(c["d"]), delta=c["delta"]
    ).numpy()
    for k in range(w.shape[0]):
        v, a = c["v"][k], c["a"][k]
        viol = max(abs(w[k].sum() - 1.0), (c["lo"] - w[k]).max(), (w[k] - c["hi"]).max())
        if c["delta"] is not None:
            viol = max(viol, 0.5 * np.abs(w[k] - c["p"]).sum() - c["delta"])
        assert viol <= 1e-12
        ref = _reference(v, c["p"], c["lo"], c["hi"], a, c["d"], c["delta"])

        def f(x, v=v, a=a):  # noqa: ANN001, ANN202
            return 0.5 * c["d"] @ (x - v) ** 2 + a @ np.abs(x - c["p"])

        assert f(w[k]) <= f(ref) + 1e-9
        assert np.abs(w[k] - ref).max() <= 1e-6


@pytest.mark.parametrize("seed", range(1, 7))
def test_impact_prox_with_a_cap_matches_cvxpy(seed: int) -> None:
    c = _case(seed)
    b = np.random.default_rng(seed).uniform(0.0, 0.1, size=c["p"].shape)
    delta = _least(c) + 0.3 * (c["delta"] - _least(c)) if c["delta"] is not None else None
    t = torch.from_numpy
    w = prox_trading(
        t(c["v"]), t(c["p"]), t(c["lo"]), t(c["hi"]), a=t(c["a"]), b=t(b), d=t(c["d"]), delta=delta
    ).numpy()
    for k in range(w.shape[0]):
        v, a = c["v"][k], c["a"][k]
        viol = max(abs(w[k].sum() - 1.0), (c["lo"] - w[k]).max(), (w[k] - c["hi"]).max())
        if delta is not None:
            viol = max(viol, 0.5 * np.abs(w[k] - c["p"]).sum() - delta)
        assert viol <= 1e-12
        ref = _reference(v, c["p"], c["lo"], c["hi"], a, c["d"], delta, b)

        def f(x, v=v, a=a):  # noqa: ANN001, ANN202
            y = np.abs(x - c["p"])
            return 0.5 * c["d"] @ (x - v) ** 2 + a @ y + b @ y**1.5

        assert f(w[k]) <= f(ref) + 1e-7  # Clarabel's power cones: feasible only to ~1e-10
        assert np.abs(w[k] - ref).max() <= 1e-5


def test_binding_cap_is_met_exactly_and_rows_are_independent() -> None:
    c = _case(1)
    t = torch.from_numpy
    args = (t(c["p"]), t(c["lo"]), t(c["hi"]))
    delta = c["delta"] - 0.1 * (c["delta"] - _least(c))  # tighter than the free step's
    both = prox_trading(t(c["v"]), *args, delta=delta)
    for k in range(c["v"].shape[0]):
        alone = prox_trading(t(c["v"][k]), *args, delta=delta)
        assert torch.allclose(alone, both[k], rtol=0.0, atol=1e-15)
    turnover = 0.5 * (both - t(c["p"])).abs().sum(dim=1)
    free = 0.5 * (prox_trading(t(c["v"]), *args) - t(c["p"])).abs().sum(dim=1)
    assert torch.all(free > delta + 1e-3)  # the cap binds on every row
    assert torch.all((turnover - delta).abs() <= 1e-14)


@pytest.mark.parametrize("seed", range(6))
def test_clip_sum_root_matches_brentq(seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = 12
    c, s = rng.normal(size=(1, m)), rng.uniform(0.2, 3.0, (1, m))
    lo = rng.uniform(-1.0, 0.0, (1, m))
    hi = np.where(rng.random((1, m)) < 0.2, lo, lo + rng.uniform(0.0, 1.0, (1, m)))
    target = rng.uniform(lo.sum(), hi.sum())

    def total(x: float) -> float:
        return float(np.clip(c - s * x, lo, hi).sum()) - target

    root = brentq(total, -100.0, 100.0, xtol=1e-15, rtol=1e-15)
    t = torch.from_numpy
    terms = clip_sum_root(
        t(c), t(s), t(lo), t(hi), torch.tensor([[target]], dtype=torch.float64)
    ).numpy()
    assert np.abs(terms - np.clip(c - s * root, lo, hi)).max() <= 1e-12
    assert abs(terms.sum() - target) <= 1e-13
    assert np.all(terms >= lo) and np.all(terms <= hi)
