"""Full-data CVaR gradients that gather only the tail scenarios equal the dense product."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from portfolio_sgd.gradients import gathers_tail_rows
from portfolio_sgd.objectives import (
    Objective,
    ObjectiveSpec,
    optimal_var_level,
    scenario_derivatives,
)
from portfolio_sgd.objectives.cvar import SPARSE_MIN_ROWS


@pytest.mark.parametrize("return_weight", [0.0, 0.7])
@pytest.mark.parametrize("smoothing", [0.0, 1e-4, 3e-3])
def test_tail_gather_equals_dense_product(
    return_weight: float, smoothing: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(4)
    n_rows, n_assets = SPARSE_MIN_ROWS + 3000, 12
    R = torch.from_numpy(rng.standard_t(4, size=(n_rows, n_assets)) * 0.01)
    w = torch.from_numpy(rng.dirichlet(np.ones(n_assets), size=3))  # K = 3 runs
    spec = ObjectiveSpec(objective=Objective.CVAR, alpha=0.95, return_weight=return_weight)
    x = w @ R.T
    t = optimal_var_level(x, spec.alpha)
    g, _, _ = scenario_derivatives(spec, x, w @ R.mean(0), t, None, None, smoothing)
    gathered = []
    original = torch.Tensor.index_select
    monkeypatch.setattr(
        torch.Tensor,
        "index_select",
        lambda self, dim, idx: gathered.append(idx.numel()) or original(self, dim, idx),
    )
    product = spec.impl.full_gradient_product(g, R, R.mean(0))
    monkeypatch.undo()
    dense = g @ R
    np.testing.assert_allclose(product.numpy(), dense.numpy(), rtol=1e-9, atol=1e-14)
    if smoothing == 0.0:  # the exact hinge: the union of three 5% tails
        assert gathered and max(gathered) <= 3 * 0.05 * n_rows
    elif smoothing == 1e-4:  # the tail plus a smoothing band of about one return s.d.
        assert gathered and max(gathered) < 0.4 * n_rows
    else:  # every row carries weight: the dense product
        assert not gathered
    assert gathers_tail_rows(spec, n_rows)
    assert not gathers_tail_rows(spec, SPARSE_MIN_ROWS - 1)
    assert not gathers_tail_rows(ObjectiveSpec(objective=Objective.KELLY), n_rows)
