"""Full-data CVaR gradients that gather only the tail scenarios equal the dense product."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from portfolio_sgd.engine.gradients import gathers_tail_rows
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


def test_tail_gather_in_bounded_chunks_equals_dense_product(monkeypatch) -> None:
    import portfolio_sgd.objectives.cvar as cvar_module

    rng = np.random.default_rng(5)
    n_rows, n_assets = SPARSE_MIN_ROWS + 1000, 7
    R = torch.from_numpy(rng.standard_t(4, size=(n_rows, n_assets)) * 0.01)
    w = torch.from_numpy(rng.dirichlet(np.ones(n_assets), size=2))
    spec = ObjectiveSpec(objective=Objective.CVAR, alpha=0.9, return_weight=0.5)
    x = w @ R.T
    g, _, _ = scenario_derivatives(
        spec, x, w @ R.mean(0), optimal_var_level(x, 0.9), None, None, 1e-3
    )
    dense = g @ R
    monkeypatch.setattr(cvar_module, "GATHER_ROWS", 97)  # many chunks, a ragged last one
    chunked = spec.impl.full_gradient_product(g, R, R.mean(0))
    torch.testing.assert_close(chunked, dense, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("objective", ["cvar", "mean-variance", "kelly"])
def test_mini_batch_gradient_in_bounded_chunks_is_the_same(objective, monkeypatch) -> None:
    """A batch gathered a few rows at a time gives the one-gather losses and gradients."""
    import portfolio_sgd.engine.gradients as gradients
    from portfolio_sgd.constraints import Constraints
    from portfolio_sgd.engine.config import Sampling
    from portfolio_sgd.engine.problem import Problem
    from portfolio_sgd.engine.sampling import BatchSampler

    rng = np.random.default_rng(6)
    R = torch.from_numpy(rng.normal(5e-4, 0.01, size=(3000, 9)))
    w = torch.from_numpy(rng.dirichlet(np.ones(9), size=3))
    spec = ObjectiveSpec(objective=objective, alpha=0.95, risk_aversion=3.0)
    problem = Problem(R, R.mean(0), spec, Constraints())
    t = optimal_var_level(w @ R.T, 0.95) if objective == "cvar" else None
    outs = []
    for elements in (1 << 23, 9 * 3 * 40 + 5):  # one gather; chunks of ~40 rows
        monkeypatch.setattr(gradients, "GATHER_ELEMENTS", elements)
        gen = torch.Generator().manual_seed(0)
        sampler = BatchSampler(3000, 3, Sampling.REPLACEMENT, gen, R.device, R.dtype, None)
        outs.append(gradients.batch_gradient(problem, w, t, None, [700] * 3, False, sampler, 1e-3))
    for one, chunked in zip(outs[0], outs[1], strict=True):
        if one is None:
            assert chunked is None
            continue
        torch.testing.assert_close(chunked, one, rtol=1e-12, atol=1e-15)
