"""skfolio's group, linear, cost and turnover parameters through ``SGDMeanRisk``, against
skfolio's own ``MeanRisk`` solved by Clarabel on the same problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip(
    "skfolio", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)

from skfolio.optimization import MeanRisk, ObjectiveFunction  # noqa: E402

from portfolio_sgd import ConfigError  # noqa: E402
from portfolio_sgd.data import load_returns  # noqa: E402
from portfolio_sgd.skfolio import SGDMeanRisk  # noqa: E402

TIGHT = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
"""Clarabel's defaults leave skfolio's weights ~1e-4 (L1) from its own tight answer here."""


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load_returns(dataset="sp500", start="2018-01-01")


def _both(returns: pd.DataFrame, **params) -> tuple[np.ndarray, np.ndarray, SGDMeanRisk]:
    ours = SGDMeanRisk(**params).fit(returns)
    theirs = MeanRisk(solver_params=TIGHT, **params).fit(returns)
    return ours.weights_, theirs.weights_, ours


def test_groups_as_skfolio_label_rows_and_linear_constraints(sp500) -> None:
    names = list(sp500.columns)
    sector = ["Tech" if i < 6 else ("Fin" if i < 12 else "Other") for i in range(len(names))]
    groups = [sector, ["Big" if i % 2 else "Small" for i in range(len(names))]]
    linear = ["Tech >= 0.3", "Fin <= 0.1", "Big <= 2 * Small"]  # skfolio drops asset names
    ours, theirs, model = _both(sp500, groups=groups, linear_constraints=linear)
    assert model.result_.converged
    assert np.abs(ours - theirs).sum() <= 1e-4
    assert ours[:6].sum() >= 0.3 - 1e-9 and ours[6:12].sum() <= 0.1 + 1e-9


def test_groups_as_a_dict_and_matrix_inequalities(sp500) -> None:
    names = list(sp500.columns)
    groups = {n: ["A"] if i < 10 else ["B"] for i, n in enumerate(names)}
    left = np.zeros((1, len(names)))
    left[0, 10:13] = 1.0
    ours, theirs, _ = _both(
        sp500,
        groups=groups,
        linear_constraints=["A <= 0.3"],
        left_inequality=left,
        right_inequality=[0.1],
    )
    assert np.abs(ours - theirs).sum() <= 1e-4
    assert ours[:10].sum() <= 0.3 + 1e-9 and ours[10:13].sum() <= 0.1 + 1e-9


def test_costs_in_the_utility_match_skfolio(sp500) -> None:
    n = sp500.shape[1]
    previous = np.r_[np.full(5, 0.2), np.zeros(n - 5)]
    ours, theirs, model = _both(
        sp500,
        objective_function=ObjectiveFunction.MAXIMIZE_UTILITY,
        risk_aversion=20.0,
        transaction_costs=2e-5,
        previous_weights=previous,
    )
    assert model.result_.constraints.previous_weights == tuple(previous)
    assert np.abs(ours - theirs).sum() <= 1e-4
    plain = MeanRisk(objective_function=ObjectiveFunction.MAXIMIZE_UTILITY, risk_aversion=20.0)
    assert np.abs(plain.fit(sp500).weights_ - theirs).sum() > 5e-3  # the costs matter here


def test_per_asset_turnover_limit_matches_skfolio(sp500) -> None:
    n = sp500.shape[1]
    previous = np.full(n, 1.0 / n)
    ours, theirs, _ = _both(sp500, max_turnover=0.02, previous_weights=previous)
    assert np.abs(ours - theirs).sum() <= 1e-4
    assert np.abs(ours - previous).max() <= 0.02 + 1e-9


def test_costs_with_groups_say_they_do_not_combine_yet(sp500) -> None:
    groups = {n: ["A"] for n in sp500.columns}
    model = SGDMeanRisk(groups=groups, linear_constraints=["A <= 1"], transaction_costs=1e-4)
    with pytest.raises(ConfigError, match="do not combine"):
        model.fit(sp500)


def test_bad_group_shape_is_a_one_line_error(sp500) -> None:
    with pytest.raises(ConfigError, match="groups has shape") as info:
        SGDMeanRisk(groups=[["a"] * 3]).fit(sp500)
    assert "\n" not in str(info.value)
