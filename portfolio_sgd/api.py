"""The functional entry points: :func:`optimize` and :func:`optimize_many`.

Both take typed objects, an objective (a name, an :class:`Objective` or an
:class:`ObjectiveSpec`), :class:`Constraints` and an :class:`EngineConfig`, plus a few
keyword shorthands for the settings changed most often. A shorthand overrides the
matching field of the object it belongs to; everything else is set on the objects.

>>> from portfolio_sgd import EngineConfig, optimize, load_returns
>>> returns = load_returns(dataset="sp500")
>>> result = optimize(returns, "min-variance", max_weight=0.2, seed=0)  # doctest: +SKIP
>>> result = optimize(returns, "cvar", config=EngineConfig(dtype="float32"))  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch

from .cardinality import optimize_cardinality
from .certificate.engine_output import certify
from .constraints import Constraints
from .distributed.api import sharded_when_asked
from .engine import Callback, RunGrid, run_engine
from .engine.config import EngineConfig
from .engine.prepare import init_array, prepare_data
from .errors import ConfigError
from .estimation.bootstrap import (
    check_block_length,
    check_effective_rows,
    effective_sample_size,
    recency_weights,
    with_error_bars,
)
from .objectives import Objective, ObjectiveSpec
from .results import BatchResult, OptimizationResult, single_result

ObjectiveLike = str | Objective | ObjectiveSpec


def resolve_settings(
    objective: ObjectiveLike = "mean-variance",
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    **shorthands: Any,
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """The typed (spec, constraints, config) of a call, shorthands applied.

    Parameters
    ----------
    objective : str, Objective or ObjectiveSpec
    constraints : Constraints, optional
    config : EngineConfig, optional
    **shorthands
        Fields of :class:`ObjectiveSpec`, :class:`Constraints` or :class:`EngineConfig`;
        each one whose value is not None overrides that field.

    Raises
    ------
    ConfigError
        For an unknown setting or an invalid value.
    """
    spec = objective if isinstance(objective, ObjectiveSpec) else ObjectiveSpec(objective)
    given = {k: v for k, v in shorthands.items() if v is not None}
    return _apply(
        spec,
        constraints if constraints is not None else Constraints(),
        config if config is not None else EngineConfig(),
        given,
    )


def settings_from_options(
    options: Mapping[str, Any],
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """Typed settings from a flat mapping (a benchmark task file, a parsed spec string).

    ``objective`` names the objective; every other key is a field of
    :class:`ObjectiveSpec`, :class:`Constraints` or :class:`EngineConfig` (a None value
    is applied as given, e.g. ``tol=None`` switches the tolerance test off).
    """
    opts = dict(options)
    spec = ObjectiveSpec(opts.pop("objective", "mean-variance"))
    return _apply(spec, Constraints(), EngineConfig(), opts)


def _apply(
    spec: ObjectiveSpec, constraints: Constraints, config: EngineConfig, changes: dict[str, Any]
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """``dataclasses.replace`` each record with the changes naming its fields."""
    records: list[Any] = [spec, constraints, config]
    known = [{f.name for f in dataclasses.fields(r)} for r in records]
    unknown = sorted(set(changes) - set().union(*known))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}")
    for i, names in enumerate(known):
        mine = {k: v for k, v in changes.items() if k in names}
        if mine:
            records[i] = dataclasses.replace(records[i], **mine)
    return records[0], records[1], records[2]


@sharded_when_asked
def optimize(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    objective: ObjectiveLike = "mean-variance",
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    *,
    benchmark: pd.Series | np.ndarray | None = None,
    init_weights: np.ndarray | pd.Series | None = None,
    callbacks: Sequence[Callback] = (),
    risk_aversion: float | None = None,
    alpha: float | None = None,
    return_weight: float | None = None,
    min_weight: float | None = None,
    max_weight: float | None = None,
    batch_size: int | None = None,
    steps: int | None = None,
    lr: float | None = None,
    seed: int | None = None,
    device: str | None = None,
    dtype: str | None = None,
    bootstrap: int | None = None,
    block_length: float | None = None,
    resample: bool = False,
    half_life: float | None = None,
    shrinkage: str | None = None,
    max_volatility: float | None = None,
    max_cvar: float | None = None,
    distributed: bool | None = None,
    max_assets: int | None = None,
    min_position: float | None = None,
) -> OptimizationResult:
    """Optimise one portfolio with mini-batch SGD.

    Parameters
    ----------
    returns : DataFrame, ndarray or Tensor, shape (T, N)
        Simple returns, one row per scenario. A tensor already on the chosen device with
        the chosen dtype is used where it lies (no copy).
    objective : str, Objective or ObjectiveSpec, default "mean-variance"
        A registered objective name, or a spec with its parameters.
    constraints, config : Constraints, EngineConfig, optional
        Defaults: long-only, fully invested; ``EngineConfig()``.
    benchmark : Series or ndarray, shape (T,), optional
        Benchmark returns (tracking objective).
    init_weights : array-like, shape (N,), optional
        Warm start (projected onto the feasible set).
    callbacks : sequence of callables
        Called with an :class:`~portfolio_sgd.engine.EvaluationView` after each evaluation.
    risk_aversion, alpha, return_weight, shrinkage, min_weight, max_weight : optional
        Shorthands for the :class:`ObjectiveSpec` and :class:`Constraints` fields; so are
        ``max_assets``, ``min_position`` (the heuristic of :mod:`.cardinality`).
    batch_size, steps, lr, seed, device, dtype : optional
        Shorthands for the :class:`EngineConfig` fields.
    bootstrap, block_length, resample, half_life : optional
        Error bars from B bootstrap resamples optimised as one row-weighted batch
        (``result.error_bars``), the stationary bootstrap's mean block length (default from
        the data; 1: i.i.d.), the resampled (Michaud) portfolio instead of the point
        estimate, and recency weights ``2^(-(T-1-t)/half_life)`` (:mod:`.bootstrap`).
    max_volatility, max_cvar : float, optional
        A risk limit (annualised volatility; daily CVaR at ``alpha``): :mod:`.limits`.
    distributed : bool, optional
        Shard the scenarios across torch.distributed ranks (None: when run by torchrun).

    Returns
    -------
    OptimizationResult
    """
    spec, constraints, config = resolve_settings(
        objective, constraints, config, risk_aversion=risk_aversion, alpha=alpha,
        return_weight=return_weight, shrinkage=shrinkage, min_weight=min_weight,
        max_weight=max_weight, batch_size=batch_size, steps=steps, lr=lr, seed=seed,
        device=device, dtype=dtype,
        max_assets=max_assets, min_position=min_position,
    )  # fmt: skip
    return _solve(returns, spec, constraints, config, locals())


def _solve(
    returns: Any,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    options: Mapping[str, Any],
) -> OptimizationResult:
    """The body of :func:`optimize` once its settings are resolved: a risk-limited run, a
    cardinality search, or one engine run (with error bars when asked)."""
    if options["max_volatility"] is not None or options["max_cvar"] is not None:
        return _limited(returns, spec, constraints, config, options)
    bootstrap, resample = options["bootstrap"], options["resample"]
    half_life, callbacks = options["half_life"], options["callbacks"]
    prepared = prepare_data(returns, spec, constraints, config, options["benchmark"])
    init = init_array(options["init_weights"], prepared.tickers)
    if constraints.is_combinatorial:
        _no_extras_with_cardinality(bootstrap, resample, half_life, callbacks)
        return optimize_cardinality(prepared, spec, constraints, config, init)
    n_rows = prepared.problem.n_rows
    recency = None if half_life is None else recency_weights(n_rows, half_life)
    if recency is not None:
        check_effective_rows(recency, half_life)
    block_length = options["block_length"]
    if block_length is not None and (bootstrap is not None or resample):
        check_block_length(n_rows, float(block_length))  # before any step
    rows = recency[None, :] if recency is not None else None
    grid = RunGrid(batch_sizes=(int(config.batch_size),), init_weights=init, row_weights=rows)
    out = run_engine(prepared.problem, config, grid, callbacks)
    certificate = certify(prepared.problem, out.weights, row_weights=recency, finish=out.polish)
    result = single_result(out, prepared, spec, constraints, config, certificate)
    result = dataclasses.replace(
        result,
        effective_sample_size=effective_sample_size(recency, n_rows),
        half_life=None if half_life is None else float(half_life),
    )
    if bootstrap is None and not resample:
        return result
    return with_error_bars(result, prepared, bootstrap, block_length, resample, recency)


def _limited(
    returns: Any,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    options: Mapping[str, Any],
) -> OptimizationResult:
    """:func:`optimize` under ``options``' ``max_volatility`` / ``max_cvar`` (its other
    ``options`` must be unset): :func:`portfolio_sgd.limits.solve.limited`."""
    from .limits.solve import limited

    names = ("benchmark", "init_weights", "callbacks", "bootstrap", "resample", "half_life")
    extras = {name: options[name] for name in names}
    limits = options["max_volatility"], options["max_cvar"]
    return limited(returns, spec, constraints, config, *limits, extras)


def _no_extras_with_cardinality(
    bootstrap: int | None, resample: bool, half_life: float | None, callbacks: Sequence[Callback]
) -> None:
    """Refuse what the cardinality heuristic does not combine with (one-line error)."""
    if bootstrap is not None or resample or half_life is not None or callbacks:
        raise ConfigError(
            "max_assets/min_position cannot be combined with bootstrap, resample, "
            "half_life or callbacks"
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
    ms = [int(m) for m in (batch_sizes or [config.batch_size])]
    lams = [float(v) for v in risk_aversions] if risk_aversions is not None else [None]
    scales = [float(v) for v in lr_scales] if lr_scales is not None else [None]
    rows = [(m, lam, s, r) for m in ms for lam in lams for s in scales for r in range(int(repeats))]
    grid = RunGrid(
        batch_sizes=tuple(r[0] for r in rows),
        risk_aversions=tuple(r[1] for r in rows) if risk_aversions is not None else None,
        lr_scales=tuple(r[2] for r in rows) if lr_scales is not None else None,
        init_weights=init_weights,
    )
    out = run_engine(prepared.problem, config, grid, callbacks)
    runs = pd.DataFrame(
        {
            "batch_size": [r[0] for r in rows],
            "risk_aversion": [r[1] if r[1] is not None else spec.risk_aversion for r in rows],
            "lr": [out.lr * (r[2] if r[2] is not None else 1.0) for r in rows],
            "repeat": [r[3] for r in rows],
            "objective_value": out.objective.cpu().numpy(),
            "samples_seen": out.samples_seen,
            "polished": out.polished or [False] * len(rows),
        }
    )
    if certify_runs:
        lam = None
        if risk_aversions is not None:
            lam = torch.tensor([float(v) for v in runs["risk_aversion"]], dtype=torch.float64)
        certificate = certify(prepared.problem, out.weights, lam, finish=out.polish)
        runs["optimality_gap"] = certificate.gap
        runs["relative_gap_bound"] = certificate.relative
        runs["converged"] = certificate.converged
    return BatchResult(
        weights=pd.DataFrame(out.weights.cpu().numpy(), columns=prepared.tickers),
        runs=runs,
        last_weights=pd.DataFrame(out.last_weights.cpu().numpy(), columns=prepared.tickers),
        wall_time=out.wall_time,
        steps=out.steps,
        device=str(prepared.problem.returns.device),
        dtype=config.dtype,
        seed=config.seed,
        history=out.history,
    )
