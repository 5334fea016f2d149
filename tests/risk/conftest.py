"""Fixtures of the risk-module tests: the sp500 min-variance problem and one sweep."""

from __future__ import annotations

import pandas as pd
import pytest

from portfolio_sgd.estimation.batch_size import (
    RiskProblem,
    RiskReport,
    batch_size_sweep,
    make_problem,
)

SWEEP_GRID = [8, 32, 128, 512]


@pytest.fixture(scope="session")
def minvar_problem(sp500_returns: pd.DataFrame) -> RiskProblem:
    """sp500 min-variance, long-only: exact optimum, curvature, default step."""
    return make_problem(sp500_returns, "min-variance")


@pytest.fixture(scope="session")
def sweep_report(sp500_returns: pd.DataFrame, minvar_problem: RiskProblem) -> RiskReport:
    """One sweep at the default (fixed) step size, 16 seeds, fixed seed."""
    return batch_size_sweep(
        sp500_returns,
        problem=minvar_problem,
        batch_sizes=SWEEP_GRID,
        seeds=16,
        steps=1200,
        draws=2048,
        cost_steps=20,
        seed=0,
        device="cpu",
    )
