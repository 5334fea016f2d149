"""``allocate``: one allocation, from returns to a result (the allocators' entry point).

The returns are checked (finite, at least two rows and two assets), the per-asset bounds
read from the constraints (:mod:`.bounds`), the allocator run (:mod:`.registry`), its
weights made feasible (:mod:`.redistribute`), and the result built (:mod:`.result`).
"""

from __future__ import annotations

import functools
import time

import numpy as np
import pandas as pd
import torch

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError, DataError
from ..priors.base import Prior
from ..priors.report import PriorReport, fit_prior
from ..results import OptimizationResult
from .allocation import Allocation, Inputs
from .bounds import asset_bounds
from .inner import subproblem_weights
from .redistribute import check_allocator_constraints, make_feasible
from .registry import ALLOCATORS, allocator_name, get_allocator
from .report import AllocatorReport
from .result import allocation_result
from .spec import AllocatorSpec


def as_frame(returns: pd.DataFrame | np.ndarray | torch.Tensor) -> pd.DataFrame:
    """The returns as a float64 DataFrame (T, N), checked.

    Raises
    ------
    DataError
        For non-finite values, fewer than two rows or assets, or a constant asset.
    """
    if isinstance(returns, torch.Tensor):
        returns = returns.detach().cpu().numpy()
    if not isinstance(returns, pd.DataFrame):
        array = np.asarray(returns, dtype=np.float64)
        if array.ndim != 2:
            raise DataError(f"returns must be a (T, N) matrix, got shape {array.shape}")
        returns = pd.DataFrame(array, columns=[f"asset_{i}" for i in range(array.shape[1])])
    frame = returns.astype(np.float64)
    if frame.shape[0] < 2 or frame.shape[1] < 2:
        raise DataError(f"an allocator needs at least 2 rows and 2 assets, got {frame.shape}")
    if not np.isfinite(frame.to_numpy()).all():
        raise DataError("returns contain NaN or infinite values")
    flat = frame.columns[frame.to_numpy().std(axis=0) == 0]
    if len(flat):
        raise DataError(f"asset {flat[0]} has constant returns: an allocator cannot weigh it")
    return frame


def _report(inputs: Inputs, allocation: Allocation, redistribution: str) -> AllocatorReport:
    """The :class:`AllocatorReport` of ``allocation``."""
    allocator = get_allocator(inputs.spec.name)
    tickers = [str(t) for t in inputs.returns.columns]
    order: tuple[str, ...] = ()
    if allocation.order is not None:
        order = tuple(tickers[i] for i in allocation.order)
    clusters: tuple[tuple[str, ...], ...] = ()
    if allocation.labels is not None:
        labels = allocation.labels
        clusters = tuple(
            tuple(tickers[i] for i in np.flatnonzero(labels == c))
            for c in range(int(labels.max()) + 1)
        )
    return AllocatorReport(
        allocator=allocator.name,
        linkage=inputs.spec.linkage if allocator.uses_tree else None,
        distance=inputs.spec.distance if allocator.uses_tree else None,
        measure=inputs.spec.measure if allocator.uses_measure else None,
        order=order,
        clusters=clusters,
        redistribution=redistribution,
    )


def sub_weights(returns: pd.DataFrame, objective: object, config: EngineConfig) -> np.ndarray:
    """The weights (n,) of a sub-problem: an allocator's (a name or an
    :class:`AllocatorSpec`), else the engine's certified optimum of the objective."""
    spec = objective if isinstance(objective, AllocatorSpec) else None
    name = allocator_name(objective)
    if spec is None and name is not None:
        spec = AllocatorSpec(name)
    if spec is not None:
        return allocate(returns, spec, None, config).weights.to_numpy(dtype=np.float64)
    return subproblem_weights(returns, objective, config)  # type: ignore[arg-type]


def prior_scenarios(
    frame: pd.DataFrame, prior: Prior | None, name: str
) -> tuple[pd.DataFrame | None, PriorReport | None]:
    """The prior's scenarios (T, N) the risks are measured on, and its report.

    Raises
    ------
    ConfigError
        For an allocator that takes no prior, or a prior with scenario probabilities
        (entropy pooling: the allocators' measures take equally likely scenarios).
    """
    if prior is None:
        return None, None
    if not get_allocator(name).takes_prior:
        takers = ", ".join(a.name for a in ALLOCATORS if a.takes_prior)
        raise ConfigError(f"{name} takes no prior ({takers} do)")
    report = fit_prior(prior, frame)
    if report.fitted.probabilities is not None:
        raise ConfigError(
            f"{name} takes a prior without scenario probabilities (not entropy pooling)"
        )
    return report.fitted.returns.reindex(columns=frame.columns), report


def allocate(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    spec: AllocatorSpec,
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    prior: Prior | None = None,
) -> OptimizationResult:
    """Allocate with ``spec`` within ``constraints`` (module docstring).

    Parameters
    ----------
    returns : DataFrame, ndarray or Tensor, shape (T, N)
    spec : AllocatorSpec
    constraints : Constraints, optional
        Long-only sets: bounds, group limits, linear rows (default: fully invested).
    config : EngineConfig, optional
        Engine settings of the inner runs (NCO, maximum diversification).
    prior : Prior, optional
        HRP, HERC, inverse volatility: the risks are measured on the prior's scenarios
        (moved to its mean and covariance), the tree still built from ``returns``, as
        skfolio's ``prior_estimator`` (:func:`prior_scenarios`).

    Returns
    -------
    OptimizationResult
        Feasible weights; no optimality certificate (:mod:`.result`).
    """
    start = time.perf_counter()
    constraints = constraints if constraints is not None else Constraints()
    config = config if config is not None else EngineConfig()
    check_allocator_constraints(constraints, spec.name)
    frame = as_frame(returns)
    tickers = [str(t) for t in frame.columns]
    frame.columns = tickers
    constraints.bind(tickers).validate(len(tickers))
    lower, upper = asset_bounds(constraints, tickers)
    solve = functools.partial(sub_weights, config=config)
    scenarios, prior_report = prior_scenarios(frame, prior, spec.name)
    inputs = Inputs(frame, spec, lower, upper, config, solve, scenarios)
    allocator = get_allocator(spec.name)
    allocation = allocator.run(inputs)
    weights, how = make_feasible(allocation.weights, constraints, tickers, allocator.rule)
    report = _report(inputs, allocation, how)
    elapsed = time.perf_counter() - start
    result = allocation_result(inputs, weights, constraints, config, report, elapsed)
    return result if prior_report is None else result.with_reports(prior_report)
