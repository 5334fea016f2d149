"""The exact QP finish of the variance objectives against cvxpy + Clarabel (``solve_exact``).

Every answer must be feasible to 1e-10 and within 1e-8 relative of the tight Clarabel
optimum (it is usually *below* it: the active set ends on the exact KKT point, Clarabel
at its 1e-10 tolerances). Panels: sp500 (8312 x 20, where the finish runs before any
step) and the first 400 us-stocks-2500 columns with a full history (1259 x 400, where
the loop steps until its counted work reaches the finish's), with bounds, sector groups,
turnover limits and transaction costs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd import Constraints, optimize
from portfolio_sgd.constraints.trading.terms import TradingTerms, has_trading
from portfolio_sgd.data import load_returns
from portfolio_sgd.reference.exact import objective_value, solve_exact


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500")


@pytest.fixture(scope="module")
def us400() -> pd.DataFrame:
    returns = load_returns(dataset="us-stocks-2500")
    full = returns.columns[returns.notna().all().to_numpy()]
    return returns.loc[:, full[:400]]


def _sectors(returns: pd.DataFrame) -> dict[str, str]:
    return {str(t): f"S{i % 11}" for i, t in enumerate(returns.columns)}


def _check(returns: pd.DataFrame, objective: str, cons: Constraints | None, **kw: float):
    """Run ours and the reference; assert the gap, feasibility and the finish's report."""
    res = optimize(returns, objective, cons, seed=0, **kw)
    r = returns.to_numpy()
    bound = cons.bind([str(c) for c in returns.columns]) if cons is not None else None
    ref = solve_exact(objective, r, bound, **kw)
    w = res.weights.to_numpy()
    f = objective_value(objective, r, w, **kw)
    if bound is not None and has_trading(bound):
        f += float(TradingTerms.of(bound, r.shape[1]).numpy_value(w))
    rel = (f - ref.value) / abs(ref.value)
    assert rel <= 1e-8, (objective, rel)
    oracle = (bound or Constraints()).linear_oracle(r.shape[1])
    import torch

    assert float(oracle.violation(torch.tensor(w)[None, :]).max()) <= 1e-10
    assert res.polish.startswith("exact QP finish"), res.polish
    assert res.stop_reason == "exact finish" and res.polished
    assert res.certificate_method.startswith("exact QP finish (KKT verified)")
    assert res.relative_gap_bound <= 1e-9 and res.converged
    return res, ref


@pytest.mark.parametrize(
    ("objective", "kw"),
    [
        ("min-variance", {}),
        ("mean-variance", {"risk_aversion": 10.0}),
        ("mean-variance", {"risk_aversion": 1.0}),
    ],
)
def test_sp500_plain_objectives_finish_before_any_step(sp500, objective, kw) -> None:
    res, _ = _check(sp500, objective, None, **kw)
    assert res.steps == 0  # the finish's predicted work is below the loop's least work


def test_sp500_sector_caps_bounds_and_turnover(sp500) -> None:
    groups = {str(t): ("A" if i < 7 else "B" if i < 14 else "C") for i, t in enumerate(sp500)}
    n = sp500.shape[1]
    for cons in (
        Constraints(groups=groups, linear=["A <= 0.1", "B >= 0.3", "C <= 0.5"]),
        Constraints(min_weight=0.01, max_weight=0.12),
        Constraints(previous_weights=np.full(n, 1.0 / n), max_turnover=0.2),
        Constraints(previous_weights=np.full(n, 1.0 / n), transaction_costs=2e-5, max_weight=0.3),
        Constraints(
            previous_weights=np.full(n, 1.0 / n), max_turnover=0.1, max_asset_turnover=0.02
        ),
    ):
        _check(sp500, "min-variance", cons)
    _check(
        sp500,
        "mean-variance",
        Constraints(max_weight=0.2, groups=groups, linear=["A <= 0.2"]),
        risk_aversion=5.0,
    )


def test_400_assets_with_bounds_groups_and_turnover(us400) -> None:
    n = us400.shape[1]
    sectors = _sectors(us400)
    caps = ["S0 <= 0.05", "S1 <= 0.05", "S2 <= 0.05"]
    _check(us400, "min-variance", None)
    _check(us400, "mean-variance", Constraints(max_weight=0.05), risk_aversion=10.0)
    _check(us400, "min-variance", Constraints(max_weight=0.04, groups=sectors, linear=caps))
    # (groups together with a turnover limit have no projection for the loop's steps yet)
    _check(
        us400,
        "min-variance",
        Constraints(max_weight=0.05, previous_weights=np.full(n, 1.0 / n), max_turnover=0.2),
    )


def test_a_long_short_leverage_cap_keeps_the_loop_answer(sp500) -> None:
    """No finish for a gross-leverage cap (not in the QP's polytope): the loop's answer."""
    cons = Constraints(min_weight=-0.2, max_weight=0.5, long_short=True, max_leverage=1.5)
    res = optimize(sp500, "min-variance", cons, seed=0)
    assert not res.polish.startswith("exact QP finish") and not res.polished


def test_max_return_is_the_exact_lp_vertex(sp500) -> None:
    """``H = 0``: the finish is the LP over the set, verified by the same KKT check."""
    groups = {str(t): ("A" if i < 10 else "B") for i, t in enumerate(sp500)}
    _check(sp500, "max-return", Constraints(max_weight=0.3))
    _check(sp500, "max-return", Constraints(max_weight=0.4, groups=groups, linear=["A <= 0.5"]))
