"""The functional entry points: :func:`optimize` and :func:`optimize_many`.

Both take typed objects, an objective (a name, an :class:`Objective` or an
:class:`ObjectiveSpec`), :class:`Constraints` and an :class:`EngineConfig`, plus a few
keyword shorthands for the settings changed most often. A shorthand overrides the
matching field of the object it belongs to; everything else is set on the objects.

:func:`optimize` resolves the settings, chooses a solver
(:func:`portfolio_sgd.solvers.choice.choose_solver`) and returns its result; the solvers
never call back into this module.

>>> from portfolio_sgd import EngineConfig, optimize
>>> from portfolio_sgd.data import load_returns
>>> returns = load_returns(dataset="sp500")
>>> result = optimize(returns, "min-variance", max_weight=0.2, seed=0)  # doctest: +SKIP
>>> result = optimize(returns, "cvar", config=EngineConfig(dtype="float32"))  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from .allocators.call import allocator_spec, optimize_allocator
from .constraints import Constraints
from .engine import Callback
from .engine.config import EngineConfig
from .engine.prepare import prepare_data
from .engine.shorthands import SHORTHANDS, check_settings, settings_doc, settings_signature
from .errors import ConfigError
from .measures.limit import RiskLimit
from .priors.base import Prior
from .priors.report import fit_prior
from .results import BatchResult, OptimizationResult
from .solvers.base import Task
from .solvers.batch import solve_batch
from .solvers.choice import SOLVER_OPTIONS, choose_solver
from .solvers.settings import ObjectiveLike, resolve_settings, settings_from_options

__all__ = [
    "ObjectiveLike",
    "optimize",
    "optimize_many",
    "resolve_settings",
    "settings_from_options",
]


_NOT_OPTIONS = (
    *("returns", "objective", "constraints", "config", "linkage", "distance", "allocator"),
    "shorthands",
)
"""The arguments of :func:`optimize` that are not options an allocator may refuse."""


def optimize(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    objective: ObjectiveLike = "mean-variance",
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    *,
    benchmark: pd.Series | np.ndarray | None = None,
    init_weights: np.ndarray | pd.Series | None = None,
    callbacks: Sequence[Callback] = (),
    bootstrap: int | None = None,
    block_length: float | None = None,
    resample: bool = False,
    half_life: float | None = None,
    max_volatility: float | None = None,
    max_cvar: float | None = None,
    limit: RiskLimit | tuple[str, float] | None = None,
    limits: dict[str, float] | list[RiskLimit | tuple[str, float]] | None = None,
    distributed: bool | None = None,
    linkage: str | None = None,
    distance: str | None = None,
    prior: Prior | None = None,
    **shorthands: Any,
) -> OptimizationResult:
    """Optimise one portfolio with mini-batch SGD.

    Parameters
    ----------
    returns : DataFrame, ndarray or Tensor, shape (T, N)
        Simple returns, one row per scenario (a tensor on the chosen device and dtype is
        used where it lies).
    objective : str, Objective or ObjectiveSpec, default "mean-variance"
        A registered objective (or allocator) name, or a spec with its parameters.
    constraints, config : Constraints, EngineConfig, optional
        Defaults: long-only, fully invested; ``EngineConfig()``.
    benchmark, init_weights : array-like, shape (T,) and (N,), optional
        Benchmark returns (tracking); a warm start (projected onto the feasible set).
    callbacks : sequence of callables
        Called with an :class:`~portfolio_sgd.engine.EvaluationView` after each evaluation.
    bootstrap, block_length, resample, half_life : optional
        Error bars from B bootstrap resamples optimised as one row-weighted batch
        (``result.error_bars``), the stationary bootstrap's mean block length (default from
        the data; 1: i.i.d.), the resampled (Michaud) portfolio instead of the point
        estimate, and recency weights ``2^(-(T-1-t)/half_life)`` (:mod:`.bootstrap`).
    max_volatility, max_cvar, limit, limits : optional
        Risk limits (:mod:`.limits`): annualised volatility; daily CVaR at ``alpha``; one
        limit on any registered measure in its stated units (``("cvar", 0.02)`` or a
        :class:`RiskLimit`); several at once with max-return (``{"cvar": 0.02,
        "volatility": 0.15}``). At most one of the first three.
    distributed : bool, optional
        Shard the scenarios across torch.distributed ranks (None: when run by torchrun).
    linkage, distance : str, optional
        An allocator's tree (``"hrp"``, ``"herc"``, ``"nco"``): ``single|average|complete|
        ward`` and ``pearson|spearman|distance-correlation`` (:mod:`.allocators`).
    prior : Prior, optional
        :mod:`portfolio_sgd.priors` (``BlackLitterman``, ``FactorModel``,
        ``EntropyPooling``): the optimiser uses its scenarios and scenario probabilities.
    **shorthands
        The keywords of :data:`~portfolio_sgd.engine.shorthands.SHORTHANDS`, each
        overriding the field of that name of the spec, the constraints or the config
        (listed below); another keyword is a ``TypeError``.

    Returns
    -------
    OptimizationResult
    """
    check_settings(shorthands, SHORTHANDS, "optimize")
    allocator = allocator_spec(objective, linkage, distance)
    if allocator is not None:  # hrp, herc, nco, naive baselines: no SGD run
        rest = {k: v for k, v in locals().items() if k not in _NOT_OPTIONS} | shorthands
        return optimize_allocator(returns, allocator, constraints, config, rest)
    spec, constraints, config = resolve_settings(objective, constraints, config, **shorthands)
    extras = (benchmark, init_weights, tuple(callbacks), half_life)
    fitted = None if prior is None else fit_prior(prior, returns)
    if fitted is not None:
        returns = fitted.fitted.returns
        extras = (*extras, fitted.fitted.row_weights)
    task = Task(returns, spec, constraints, config, *extras)
    options = {name: value for name, value in locals().items() if name in SOLVER_OPTIONS}
    result = choose_solver(task, **options).solve(task)
    return result if fitted is None else result.with_reports(fitted)


optimize.__signature__ = settings_signature(optimize, SHORTHANDS)  # type: ignore[attr-defined]
optimize.__doc__ = (optimize.__doc__ or "").replace(
    "\n    Returns\n", "\n" + settings_doc(SHORTHANDS) + "\n    Returns\n", 1
)


def optimize_many(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    objective: ObjectiveLike = "mean-variance",
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    *,
    batch_sizes: Sequence[int] | None = None,
    risk_aversions: Sequence[float] | None = None,
    lr_scales: Sequence[float] | None = None,
    repeats: int = 1,
    benchmark: pd.Series | np.ndarray | None = None,
    init_weights: np.ndarray | None = None,
    callbacks: Sequence[Callback] = (),
    certify_runs: bool = True,
) -> BatchResult:
    """Optimise K runs at once as one (K, N) weight tensor.

    The grid is the Cartesian product ``batch_sizes x risk_aversions x lr_scales``, each
    repeated ``repeats`` times; repeats differ only in their sampling stream (all runs
    share one seeded generator, each run reads its own rows of every draw). A per-run
    ``risk_aversions`` value sets the objective's ``per_run_parameter``: the risk
    aversion of mean-variance, the return weight ``lam_r`` of mean-CVaR.

    ``certify_runs`` adds each run's proven optimality gap and ``converged`` to ``runs``
    (studies of deliberately stationary, noisy SGD switch it off: they measure the noise).

    Returns
    -------
    BatchResult
        ``runs`` lists each run's settings in the row order of ``weights``.
    """
    spec, constraints, config = resolve_settings(objective, constraints, config)
    if constraints.is_combinatorial:
        raise ConfigError(
            "optimize_many does not take max_assets/min_position: use optimize (its "
            "cardinality heuristic already runs its restarts as one batch)"
        )
    prepared = prepare_data(returns, spec, constraints, config, benchmark)
    return solve_batch(
        prepared,
        config,
        batch_sizes=batch_sizes,
        risk_aversions=risk_aversions,
        lr_scales=lr_scales,
        repeats=repeats,
        init_weights=init_weights,
        callbacks=callbacks,
        certify_runs=certify_runs,
    )
