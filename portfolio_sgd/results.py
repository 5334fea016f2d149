"""Result records of optimisations (frozen dataclasses with ``to_dict``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .constraints import Constraints
from .constraints.trading.terms import trading_report
from .engine.config import EngineConfig
from .objectives import ObjectiveSpec
from .objectives.risk_budget import normalised_budgets

if TYPE_CHECKING:  # pragma: no cover
    from .cardinality import CardinalityReport
    from .certificate import GapCertificate
    from .engine import EngineOutput
    from .engine.prepare import PreparedData
    from .estimation.bootstrap import ErrorBars
    from .limits import RiskLimitReport


@dataclass(frozen=True)
class OptimizationResult:
    """Everything one optimisation produced and how.

    Attributes
    ----------
    weights : pandas.Series, shape (N,)
        Final portfolio (the averaged iterate when averaging is on), indexed by ticker.
    objective : str
        Objective name.
    objective_value : float
        Objective on the full data (CVaR minimised over the VaR level exactly).
    history : pandas.DataFrame
        One row per evaluation: ``step``, ``samples``, ``batch_size``, ``batch_loss``
        (mean mini-batch loss since the previous row) and ``objective`` (full data).
    steps, samples_seen : int
        Optimiser steps taken and scenarios processed.
    epochs : float
        ``samples_seen / T``.
    wall_time : float
        Seconds in the optimisation loop.
    lr : float
        Base step size (chosen automatically unless given).
    batch_size : int
        Initial batch size.
    optimizer, averaging, stop_reason, device, dtype : str
    seed : int
    var_level : float or None
        The VaR variable of CVaR at the solution.
    n_scenarios : int
    start, end : str or None
        First and last date of the data, if dated.
    spec : ObjectiveSpec
        The objective and its parameters.
    constraints : Constraints
    config : EngineConfig
        The engine configuration the run used.
    step_graphs : str
        CUDA-graph use of the run ("off" on CPU; see :mod:`portfolio_sgd.engine.step_graphs`).
    optimality_gap : float
        A proven upper bound on ``f(w) - f*`` (no exact solver involved; see
        :mod:`portfolio_sgd.certificate`).
    relative_gap_bound : float
        ``optimality_gap`` relative to the objective's scale.
    converged : bool
        True only when ``relative_gap_bound`` meets the accuracy bar (1e-4; 1e-3 for CVaR).
    certificate_method : str
        How the bound was obtained.
    risk_contributions : pandas.Series or None
        Risk parity: each asset's share of the portfolio variance,
        ``w_i (Sigma w)_i / w' Sigma w``, indexed by ticker (None for other objectives).
    error_bars : ErrorBars or None
        Bootstrap error bars (:mod:`portfolio_sgd.estimation.bootstrap`); None without bootstrap.
    constraints_report : tuple of dict
        Each constraint's status at the weights (budget, bounds, leverage, linear rows):
        ``constraint``, ``value``, ``bound``, ``slack``, ``violation``, ``status``
        (:func:`portfolio_sgd.constraints.report.constraints_report`).
    risk_limit : RiskLimitReport or None
        A risk-limited run (``max_volatility`` / ``max_cvar``): the limit, the achieved
        risk, whether it binds, its multiplier and how the search stopped
        (:mod:`portfolio_sgd.limits`); None without a limit.
    trading : dict or None
        With trading settings: ``transaction_cost`` (the cost term, included in
        ``objective_value``) and one-way ``turnover`` against the holdings.
    cardinality : CardinalityReport or None
        With ``max_assets``/``min_position``: the support, the heuristic used and the
        gap to the relaxed lower bound (:mod:`portfolio_sgd.cardinality`); else None.
    polish : str
        The exact finish of the engine (CVaR's tail LP): ``"off"``, ``"none"`` (the
        objective has none) or its account (status, LPs, window rows, seconds).
    polished : bool
        True when the weights are the verified exact optimum from that finish.
    effective_sample_size : float or None
        Kish's ``(sum c)^2 / sum c^2`` of the row weights the objective used (recency
        weighting), or ``n_scenarios`` without any; None where not recorded.
    half_life : float or None
        The recency half-life (periods) behind those row weights, if any.
    """

    weights: pd.Series
    objective: str
    objective_value: float
    history: pd.DataFrame
    steps: int
    samples_seen: int
    epochs: float
    wall_time: float
    lr: float
    batch_size: int
    optimizer: str
    averaging: str
    stop_reason: str
    device: str
    dtype: str
    seed: int
    var_level: float | None
    n_scenarios: int
    start: str | None
    end: str | None
    spec: ObjectiveSpec = field(default_factory=ObjectiveSpec)
    constraints: Constraints = field(default_factory=Constraints)
    config: EngineConfig = field(default_factory=EngineConfig)
    step_graphs: str = "off"
    optimality_gap: float = float("inf")
    relative_gap_bound: float = float("inf")
    converged: bool = False
    certificate_method: str = ""
    risk_contributions: pd.Series | None = None
    error_bars: ErrorBars | None = None
    constraints_report: tuple[dict[str, object], ...] = ()
    risk_limit: RiskLimitReport | None = None
    trading: dict[str, float] | None = None
    cardinality: CardinalityReport | None = None
    polish: str = "off"
    polished: bool = False
    effective_sample_size: float | None = None
    half_life: float | None = None

    @property
    def convergence_note(self) -> str:
        """A one-line account of convergence (for logs and warnings)."""
        from .certificate import accuracy_bar

        bar = accuracy_bar(self.spec)
        state = "converged" if self.converged else "NOT converged"
        measure = f"certified relative gap <= {self.relative_gap_bound:.2g}"
        if self.risk_contributions is not None:
            budgets = normalised_budgets(self.spec.budgets, len(self.weights))
            residual = float(np.abs(self.risk_contributions.to_numpy() - budgets).max())
            measure = f"max |RC - b| = {residual:.2g}"
        if self.cardinality is not None:
            card = self.cardinality
            measure = (
                f"gap to the relaxed lower bound <= {self.relative_gap_bound:.2g} relative "
                f"({card.method}; on its support the convex problem is "
                + ("solved" if card.support_converged else "NOT solved")
                + ")"
            )
        return (
            f"{state}: {measure} (bar {bar:g}), "
            f"stopped by {self.stop_reason} after {self.steps} steps"
        )

    def plot_composition(self) -> Any:
        """The weights (with bootstrap 5-95% intervals and P(held) when computed) as a
        plotly ``Figure`` (:func:`portfolio_sgd.plotting.interactive.composition_figure`)."""
        from .plotting.interactive import composition_figure

        return composition_figure(self.weights, self.error_bars)

    def plot_risk_contributions(
        self, returns: pd.DataFrame, by: str = "asset", measure: str | None = None
    ) -> Any:
        """Risk contributions on ``returns`` (T, N) by asset or by group, as a plotly
        ``Figure``; ``measure`` defaults to CVaR for CVaR objectives, else volatility."""
        from .plotting.interactive import contributions_figure
        from .report.contributions import measure_of, risk_contributions

        rc = risk_contributions(
            returns, self.weights, measure or measure_of(self.objective), self.spec.alpha,
            self.constraints.groups,
        )  # fmt: skip
        return contributions_figure(rc, by)

    def _repr_html_(self) -> str:
        from .plotting.notebook import result_html

        return result_html(self)

    def to_dict(self, include_history: bool = False) -> dict[str, object]:
        """JSON-ready dict (weights as ticker -> weight)."""
        out: dict[str, object] = {
            "weights": {str(k): float(v) for k, v in self.weights.items()},
            "objective": self.objective,
            "objective_value": self.objective_value,
            "batch_size": self.batch_size,
            "steps": self.steps,
            "samples_seen": self.samples_seen,
            "epochs": self.epochs,
            "wall_time": self.wall_time,
            "lr": self.lr,
            "optimizer": self.optimizer,
            "averaging": self.averaging,
            "stop_reason": self.stop_reason,
            "device": self.device,
            "dtype": self.dtype,
            "seed": self.seed,
            "var_level": self.var_level,
            "n_assets": int(self.weights.shape[0]),
            "n_scenarios": self.n_scenarios,
            "start": self.start,
            "end": self.end,
            "spec": self.spec.to_dict(),
            "constraints": self.constraints.to_dict(),
            "config": self.config.to_dict(),
            "step_graphs": self.step_graphs,
            "converged": self.converged,
            "optimality_gap": self.optimality_gap,
            "relative_gap_bound": self.relative_gap_bound,
            "certificate_method": self.certificate_method,
            "polish": self.polish,
            "polished": self.polished,
            "effective_sample_size": self.effective_sample_size
            if self.effective_sample_size is not None
            else float(self.n_scenarios),
            "half_life": self.half_life,
        }
        if self.trading is not None:
            out.update(self.trading)  # transaction_cost, turnover
        if self.risk_contributions is not None:
            out["risk_contributions"] = {
                str(k): float(v) for k, v in self.risk_contributions.items()
            }
        if self.error_bars is not None:
            out.update(self.error_bars.to_dict())
        out["constraints_report"] = [dict(row) for row in self.constraints_report]
        if self.risk_limit is not None:
            out["risk_limit"] = self.risk_limit.to_dict()
        if self.cardinality is not None:
            out["cardinality"] = self.cardinality.to_dict()
        if include_history:
            out["history"] = self.history.to_dict(orient="list")
        return out


@dataclass(frozen=True)
class BatchResult:
    """K runs optimised together as one (K, N) tensor.

    Attributes
    ----------
    weights : pandas.DataFrame, shape (K, N)
        Final weights of every run (rows follow ``runs``).
    runs : pandas.DataFrame, shape (K, ...)
        Per-run settings and outcomes: ``batch_size``, ``risk_aversion``, ``lr``,
        ``objective_value``, ``samples_seen``, ``polished`` (exact CVaR finish); with ``certify=True`` also
        ``optimality_gap``, ``relative_gap_bound`` and ``converged``.
    last_weights : pandas.DataFrame, shape (K, N)
        Last iterates (equal to ``weights`` without averaging).
    wall_time : float
    steps : int
    device, dtype : str
    seed : int
    history : list of dict
        Raw engine history (per-run lists).
    """

    weights: pd.DataFrame
    runs: pd.DataFrame
    last_weights: pd.DataFrame
    wall_time: float
    steps: int
    device: str
    dtype: str
    seed: int
    history: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {
            "weights": self.weights.to_dict(orient="records"),
            "runs": self.runs.to_dict(orient="records"),
            "wall_time": self.wall_time,
            "steps": self.steps,
            "device": self.device,
            "dtype": self.dtype,
            "seed": self.seed,
        }


def single_result(
    out: EngineOutput,
    prepared: PreparedData,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    certificate: GapCertificate | None,
) -> OptimizationResult:
    """The :class:`OptimizationResult` of run 0 of an engine output and its certificate
    (None: not certified, e.g. a recency-weighted objective; gap inf, not converged)."""
    weights = pd.Series(out.weights[0].cpu().numpy().astype(np.float64), index=prepared.tickers)
    history = pd.DataFrame(
        {
            "step": [h["step"] for h in out.history],
            "samples": [h["samples"][0] for h in out.history],
            "batch_size": [h["batch_size"][0] for h in out.history],
            "batch_loss": [h["batch_loss"][0] for h in out.history],
            "objective": [h["objective"][0] for h in out.history],
        }
    )
    problem = prepared.problem
    spec = problem.spec  # resolved from the data (a shrinkage's intensity and target)
    rc = spec.impl.risk_contributions(problem.returns, out.weights[:1], problem.mean)
    contributions = None
    if rc is not None:
        contributions = pd.Series(rc[0].cpu().numpy(), index=prepared.tickers)
    index = prepared.index
    dated = isinstance(index, pd.DatetimeIndex) and len(index) > 0
    n_rows = prepared.problem.n_rows
    return OptimizationResult(
        weights=weights,
        objective=spec.objective.value,
        objective_value=float(out.objective[0]),
        history=history,
        steps=out.steps,
        samples_seen=int(out.samples_seen[0]),
        epochs=out.samples_seen[0] / n_rows,
        wall_time=out.wall_time,
        lr=out.lr,
        batch_size=int(config.batch_size),
        optimizer=out.optimizer,
        averaging=out.averaging,
        stop_reason=out.stop_reason,
        step_graphs=out.step_graphs,
        device=str(prepared.problem.returns.device),
        dtype=config.dtype,
        seed=config.seed,
        var_level=float(out.var_level[0]) if out.var_level is not None else None,
        n_scenarios=n_rows,
        start=index[0].date().isoformat() if dated else None,
        end=index[-1].date().isoformat() if dated else None,
        spec=spec,
        constraints=constraints,
        config=config,
        optimality_gap=float(certificate.gap[0]) if certificate else float("inf"),
        relative_gap_bound=float(certificate.relative[0]) if certificate else float("inf"),
        converged=bool(certificate.converged[0]) if certificate else False,
        certificate_method=certificate.method if certificate else "none (row-weighted)",
        risk_contributions=contributions,
        constraints_report=_report(problem, out.weights[0]),
        trading=trading_report(problem.constraints, weights.to_numpy()),
        polish=out.polish,
        polished=bool(out.polished[0]) if out.polished else False,
    )


def _report(problem, weights) -> tuple[dict[str, object], ...]:  # noqa: ANN001
    """The constraints report of run 0 (none for risk parity's orthant iterate)."""
    import torch

    from .constraints.report import ACTIVE_TOL, constraints_report

    if problem.spec.impl.feasible_set == "positive-orthant":
        return ()
    tol = max(
        ACTIVE_TOL, 64 * torch.finfo(weights.dtype).eps
    )  # float32 rounding is not a violation
    return tuple(constraints_report(problem.constraints, weights.detach().cpu().numpy(), tol))
