"""Strategy specs and the strategies a walk-forward backtest rebalances.

Spec strings (several, comma-separated, on the command line)::

    equal-weight                      1/N at every rebalance
    buy-and-hold                      1/N bought at the first rebalance, then left to drift
    exact:<objective>[:k=v...]        the reference solver (cvxpy) on the window
    sgd:<objective>[:k=v...]          mini-batch SGD on the window (warm-started)

``<objective>`` is one of ``mean-variance``, ``min-variance``, ``cvar``, ``kelly``,
``tracking``. Parameters ``k=v``: ``m`` (batch size, SGD only; default 256),
``lambda`` (risk aversion, default 10), ``alpha`` (CVaR level, default 0.95), ``rw``
(mean-CVaR return weight, default 0), and for SGD ``tol``, ``steps``, ``lr`` and
``eval`` (steps between full-objective evaluations; default 10 in backtests, so the
tolerance test can stop a warm-started run early). Estimation-error parameters, SGD
only: ``resample`` (B: the resampled (Michaud) portfolio, the average of B bootstrap
optima), ``block`` (the stationary bootstrap's mean block length; default from the
data), ``hl`` (recency half-life in periods) and ``shrinkage`` (``ledoit-wolf`` or ``oas``,
quadratic objectives). Cost-aware strategies
(:mod:`.trading`): ``cost`` (bps per unit traded against the drifted holdings, in the
objective), ``horizon`` (the periods a trade's cost is amortised over in the per-period
objective, ``cost / horizon``; default the rebalance interval) and ``turnover`` (one-way
cap per rebalance), e.g. ``sgd:min-variance:m=64:cost=10:turnover=0.1``. The strategy's name is its spec string,
e.g. ``sgd:min-variance:m=64``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..api import optimize
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..measures.kernels.qp_warm import WarmStart, warm_start
from ..measures.limit import RiskLimit
from ..objectives import Objective, ObjectiveSpec
from ..reference.exact import solve_exact
from ..results import RiskLimitReport
from .limit_records import window_reports
from .specs import SPEC_KEYS
from .trading import trading_constraints

__all__ = [
    "BuyAndHold",
    "Decision",
    "EqualWeight",
    "ExactStrategy",
    "SGDStrategy",
    "Strategy",
    "parse_strategies",
    "parse_strategy",
]

_ALIASES = {name: k.field for k in SPEC_KEYS for name in k.names}
"""Every accepted key (``m``, ``batch_size``, ...) -> its canonical field (from :data:`SPEC_KEYS`)."""
_SGD_ONLY = {k.field for k in SPEC_KEYS if k.sgd_only}
_INTS = {k.field for k in SPEC_KEYS if k.kind == "int"}
_STRINGS = {k.field for k in SPEC_KEYS if k.kind == "str"}
_ESTIMATION = ("resample", "block_length", "half_life")


@dataclass(frozen=True)
class Decision:
    """The target weights of one rebalance and how they were found.

    Attributes
    ----------
    weights : ndarray, shape (N,)
    steps : int or None
        Optimiser steps (SGD only).
    objective_value : float or None
        Objective on the window (optimisers only).
    stop_reason : str or None
    warm : bool
        Whether the optimiser started from the drifted previous weights.
    seconds : float
        Time spent choosing the weights.
    limit_reports : tuple of RiskLimitReport
        One per risk limit of the strategy (:mod:`.limit_records`); empty without.
    """

    weights: np.ndarray
    steps: int | None = None
    objective_value: float | None = None
    stop_reason: str | None = None
    warm: bool = False
    seconds: float = 0.0
    limit_reports: tuple[RiskLimitReport, ...] = ()


@dataclass
class Strategy:
    """Base class: ``decide(window, drifted, ...)`` returns the target weights.

    Attributes
    ----------
    name : str
        The spec string; names the strategy's column in every output.
    kind : str
        ``equal-weight``, ``buy-and-hold``, ``exact`` or ``sgd``.
    """

    name: str
    kind: str = ""

    def decide(
        self,
        window: pd.DataFrame,
        drifted: np.ndarray | None,
        benchmark: np.ndarray | None = None,
        seed: int = 0,
    ) -> Decision:
        """Target weights (N,) for a rebalance given the window (L, N) of past returns.

        ``drifted`` is the current (drifted) holding, or None before the first trade.
        """
        raise NotImplementedError


@dataclass
class EqualWeight(Strategy):
    """1/N at every rebalance."""

    kind: str = "equal-weight"

    def decide(self, window, drifted, benchmark=None, seed=0) -> Decision:  # noqa: ANN001
        n = window.shape[1]
        return Decision(weights=np.full(n, 1.0 / n))


@dataclass
class BuyAndHold(Strategy):
    """1/N bought at the first rebalance; afterwards the drifted holding is kept."""

    kind: str = "buy-and-hold"

    def decide(self, window, drifted, benchmark=None, seed=0) -> Decision:  # noqa: ANN001
        if drifted is None:
            n = window.shape[1]
            return Decision(weights=np.full(n, 1.0 / n))
        return Decision(weights=np.array(drifted, dtype=np.float64))


@dataclass
class ExactStrategy(Strategy):
    """The reference solver (:func:`portfolio_sgd.reference.exact.solve_exact`) on each window."""

    kind: str = "exact"
    spec: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    constraints: Constraints = field(default_factory=Constraints)
    cost_bps: float | None = None
    max_turnover: float | None = None
    cost_horizon: float | None = None

    def decide(self, window, drifted, benchmark=None, seed=0) -> Decision:  # noqa: ANN001
        start = time.perf_counter()
        cons = trading_constraints(
            self.constraints, drifted, self.cost_bps, self.max_turnover, self.cost_horizon
        )
        sol = solve_exact(
            self.spec.objective.value,
            window.to_numpy(dtype=np.float64),
            cons,
            risk_aversion=self.spec.risk_aversion,
            alpha=self.spec.alpha,
            return_weight=self.spec.return_weight,
            benchmark=benchmark,
        )
        w = np.asarray(sol.weights, dtype=np.float64)
        if not self.constraints.long_short:  # remove solver round-off below zero
            w = np.clip(w, max(self.constraints.min_weight, 0.0), None)
        w = w / w.sum()
        return Decision(
            weights=w,
            objective_value=float(sol.value),
            stop_reason=str(sol.status),
            seconds=time.perf_counter() - start,
        )


BACKTEST_ENGINE = EngineConfig(eval_every=10)
"""Engine settings of SGD strategies unless given: the defaults, evaluated every 10 steps."""


@dataclass
class SGDStrategy(Strategy):
    """Mini-batch SGD (:func:`portfolio_sgd.optimize`) on each window.

    With ``warm_start`` (the default) each rebalance after the first starts from the
    drifted previous weights, and an exact QP finish (variance objectives) from the
    previous answer and its active set (:mod:`portfolio_sgd.measures.kernels.qp_warm`);
    otherwise from the engine's default start and the cold LP vertex.

    Attributes
    ----------
    spec : ObjectiveSpec
    constraints : Constraints
    config : EngineConfig
        Engine settings (its ``seed`` is replaced by the backtest's per-rebalance seed).
    batch_size : int or None
        An explicit initial batch size m (None: ``config.batch_size``, which the engine
        caps at the window's rows). An explicit m larger than the window is an error.
    warm_start : bool
    resample : int or None
        B: trade the resampled (Michaud) portfolio of B bootstrap resamples.
    block_length, half_life : float or None
        The bootstrap's mean block length; recency weighting (see :func:`optimize`).
    limits : tuple of RiskLimit
        Risk limits every rebalance meets (``optimize(..., limits=...)``), reported per
        rebalance (:mod:`.limit_records`). Solved exactly on each window (the limit
        solvers take no start), so such a strategy is not warm-started.
    """

    kind: str = "sgd"
    spec: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    constraints: Constraints = field(default_factory=Constraints)
    config: EngineConfig = BACKTEST_ENGINE
    batch_size: int | None = None
    warm_start: bool = True
    resample: int | None = None
    block_length: float | None = None
    half_life: float | None = None
    cost_bps: float | None = None
    max_turnover: float | None = None
    cost_horizon: float | None = None
    limits: tuple[RiskLimit, ...] = ()
    qp_start: WarmStart = field(default_factory=WarmStart, repr=False, compare=False)

    def decide(self, window, drifted, benchmark=None, seed=0) -> Decision:  # noqa: ANN001
        start = time.perf_counter()
        warm = self.warm_start and drifted is not None and not self.limits  # exact: cold
        if drifted is None:  # a new walk: forget the previous walk's last answer
            self.qp_start = WarmStart()
        changes: dict[str, Any] = {"seed": int(seed)}
        if self.batch_size is not None:
            changes["batch_size"] = int(self.batch_size)
        config = dataclasses.replace(self.config, **changes)
        with warm_start(self.qp_start if self.warm_start else None):
            res = self._optimize(window, drifted, benchmark, config, warm)
        return Decision(
            weights=res.weights.to_numpy(dtype=np.float64),
            steps=int(res.steps),
            objective_value=float(res.objective_value),
            stop_reason=res.stop_reason,
            warm=warm,
            seconds=float(res.wall_time if self.resample is None else time.perf_counter() - start),
            limit_reports=window_reports(res, window, self.limits, self.spec.alpha),
        )

    def _optimize(self, window, drifted, benchmark, config, warm):  # noqa: ANN001, ANN202
        """One :func:`optimize` call on the window (see :meth:`decide`)."""
        return optimize(
            window,
            self.spec,
            trading_constraints(
                self.constraints, drifted, self.cost_bps, self.max_turnover, self.cost_horizon
            ),
            config,
            benchmark=benchmark if self.spec.impl.needs_benchmark or not self.limits else None,
            init_weights=np.asarray(drifted) if warm else None,
            bootstrap=self.resample,
            block_length=self.block_length,
            resample=self.resample is not None,
            half_life=self.half_life,
            limits=list(self.limits) or None,
        )


def parse_strategy(
    text: str,
    constraints: Constraints | None = None,
    warm_start: bool = True,
    config: EngineConfig | None = None,
    limits: tuple[RiskLimit, ...] = (),
) -> Strategy:
    """Build a :class:`Strategy` from a spec string.

    Parameters
    ----------
    text : str
        e.g. ``"sgd:min-variance:m=64"``, ``"exact:cvar:alpha=0.9"``, ``"equal-weight"``.
    constraints : Constraints, optional
        Feasible set of the optimising strategies (default long-only).
    warm_start : bool
        Whether SGD strategies warm-start from the drifted previous weights.
    config : EngineConfig, optional
        Engine settings of SGD strategies (default :data:`BACKTEST_ENGINE`); the spec's
        parameters override its fields.
    limits : tuple of RiskLimit
        Risk limits of an ``sgd:`` strategy (the baselines take none; an ``exact:``
        strategy with limits is refused).

    Raises
    ------
    ConfigError
        An unknown kind, objective or parameter, or a malformed value.
    """
    name = text.strip()
    parts = [p.strip() for p in name.split(":")]
    kind = parts[0].lower()
    if kind in ("equal-weight", "buy-and-hold"):
        if len(parts) > 1:
            raise ConfigError(f"strategy {name!r} takes no parameters")
        return EqualWeight(name=name) if kind == "equal-weight" else BuyAndHold(name=name)
    if kind not in ("sgd", "exact") or len(parts) < 2 or not parts[1]:
        raise ConfigError(
            f"unknown strategy {name!r}; use sgd:<objective>[:m=64], exact:<objective>, "
            "equal-weight or buy-and-hold"
        )
    objective = Objective.parse(parts[1])
    params = _parameters(parts[2:], kind, name)
    spec = ObjectiveSpec(
        objective=objective,
        **{
            k: params.pop(k)
            for k in ("risk_aversion", "alpha", "return_weight", "shrinkage")
            if k in params
        },
    )
    estimation = _estimation(params, name)
    cons = constraints if constraints is not None else Constraints()
    trade = _trade(params, name)
    if kind == "exact":
        if limits:
            raise ConfigError(f"risk limits apply to sgd: strategies; {name!r} takes none")
        if estimation:
            raise ConfigError(f"{', '.join(estimation)} apply to sgd strategies only: {name!r}")
        return ExactStrategy(name=name, spec=spec, constraints=cons, **trade)
    batch_size = params.pop("batch_size", None)
    engine = dataclasses.replace(config or BACKTEST_ENGINE, **params)  # validates early
    if batch_size is not None:
        dataclasses.replace(engine, batch_size=batch_size)  # validate m too
    return SGDStrategy(
        name=name,
        spec=spec,
        constraints=cons,
        config=engine,
        batch_size=batch_size,
        warm_start=warm_start,
        limits=tuple(limits),
        **estimation,
        **trade,
    )


def _trade(params: dict[str, Any], name: str) -> dict[str, Any]:
    """Pop and check the cost-aware parameters (``cost``, ``turnover``, ``horizon``)."""
    trade = {k: params.pop(k) for k in ("cost_bps", "max_turnover", "cost_horizon") if k in params}
    if any(not v >= 0 for v in trade.values()):
        raise ConfigError(f"cost and turnover must be >= 0 in strategy {name!r}")
    if "cost_horizon" in trade and ("cost_bps" not in trade or not trade["cost_horizon"] >= 1):
        raise ConfigError(
            f"horizon (periods a trade's cost is amortised over) must be >= 1 and comes with "
            f"a cost in strategy {name!r}, e.g. sgd:min-variance:cost=10:horizon=21"
        )
    return trade


def _parameters(items: list[str], kind: str, name: str) -> dict[str, Any]:
    """The ``k=v`` items of a spec as canonical parameter names and typed values."""
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        canon = _ALIASES.get(key.strip().lower())
        if not sep or canon is None or (kind == "exact" and canon in _SGD_ONLY):
            raise ConfigError(f"unknown parameter {item!r} in strategy {name!r}")
        try:
            params[canon] = (
                value.strip()
                if canon in _STRINGS
                else int(value)
                if canon in _INTS
                else float(value)
            )
        except ValueError:
            raise ConfigError(f"bad value {value!r} for {key!r} in strategy {name!r}") from None
    return params


def _estimation(params: dict[str, Any], name: str) -> dict[str, Any]:
    """Pop and check the estimation-error parameters (``resample``, ``block``, ``hl``)."""
    estimation = {k: params.pop(k) for k in _ESTIMATION if k in params}
    if estimation.get("resample") is None and "block_length" in estimation:
        raise ConfigError(f"'block' needs 'resample' in strategy {name!r}")
    if estimation.get("resample", 2) < 2 or estimation.get("half_life", 1.0) <= 0:
        raise ConfigError(f"resample must be >= 2 and hl > 0 in strategy {name!r}")
    return estimation


def parse_strategies(
    specs: str | Iterable[str | Strategy],
    constraints: Constraints | None = None,
    warm_start: bool = True,
    config: EngineConfig | None = None,
    limits: tuple[RiskLimit, ...] = (),
) -> list[Strategy]:
    """Parse a comma-separated string or a list of specs (or Strategy objects); the
    ``limits`` go to every ``sgd:`` spec (:func:`parse_strategy`).

    Raises
    ------
    ConfigError
        No strategies, a bad spec, or a duplicate name.
    """
    items = specs.split(",") if isinstance(specs, str) else list(specs)
    out: list[Strategy] = []
    for item in items:
        if isinstance(item, Strategy):
            out.append(item)
        elif str(item).strip():
            out.append(parse_strategy(str(item), constraints, warm_start, config, limits))
    if not out:
        raise ConfigError("no strategies given")
    names = [s.name for s in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"duplicate strategy name(s): {', '.join(dupes)}")
    return out
