"""The result record of one optimisation: core fields and a typed mapping of reports."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..certificate import accuracy_bar
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..objectives import ObjectiveSpec
from ..objectives.risk_budget import normalised_budgets
from .cardinality import CardinalityReport
from .error_bars import ErrorBars
from .finish import FinishReport
from .recency import RecencyReport
from .reports import Report, Reports
from .risk_contributions import RiskContributions
from .risk_limit import RiskLimitReport
from .trading import TradingReport

LEADING = (FinishReport, RecencyReport, TradingReport, RiskContributions, ErrorBars)
"""Reports whose JSON entries come before ``constraints_report`` (the key order of
``to_dict`` predates the mapping and is kept)."""


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
    lr : float or None
        Base step size (chosen automatically unless given); None when the run finished
        exactly before its first step (the default step size is then never computed).
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
    constraints_report : tuple of dict
        Each constraint's status at the weights (budget, bounds, leverage, linear rows):
        ``constraint``, ``value``, ``bound``, ``slack``, ``violation``, ``status``
        (:func:`portfolio_sgd.constraints.report.constraints_report`).
    reports : Reports
        The feature reports of the run, keyed by type (:mod:`.reports`): the exact finish
        (:class:`FinishReport`), recency weighting (:class:`RecencyReport`), trading
        (:class:`TradingReport`), risk contributions (:class:`RiskContributions`), error
        bars (:class:`ErrorBars`), a risk limit (:class:`RiskLimitReport`), cardinality
        (:class:`CardinalityReport`). The properties ``polish``, ``polished``,
        ``effective_sample_size``, ``half_life``, ``trading``, ``risk_contributions``,
        ``error_bars``, ``risk_limit`` and ``cardinality`` read them (None when absent).
    """

    weights: pd.Series
    objective: str
    objective_value: float
    history: pd.DataFrame
    steps: int
    samples_seen: int
    epochs: float
    wall_time: float
    lr: float | None
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
    constraints_report: tuple[dict[str, object], ...] = ()
    reports: Reports = field(default_factory=Reports)

    def with_reports(self, *reports: Report, **changes: Any) -> OptimizationResult:
        """A copy with ``reports`` added (replacing those of their types) and ``changes``
        applied to the core fields."""
        return dataclasses.replace(self, reports=self.reports.with_reports(*reports), **changes)

    @property
    def error_bars(self) -> ErrorBars | None:
        """Bootstrap error bars (:mod:`portfolio_sgd.solvers.bootstrap`), or None."""
        return self.reports.of(ErrorBars)

    @property
    def risk_limit(self) -> RiskLimitReport | None:
        """The risk limit's report (:mod:`portfolio_sgd.limits`), or None without one."""
        return self.reports.of(RiskLimitReport)

    @property
    def cardinality(self) -> CardinalityReport | None:
        """The cardinality search's report (:mod:`portfolio_sgd.cardinality`), or None."""
        return self.reports.of(CardinalityReport)

    @property
    def trading(self) -> dict[str, float] | None:
        """``{"transaction_cost", "turnover"}`` with trading settings, else None."""
        report = self.reports.of(TradingReport)
        return None if report is None else dataclasses.asdict(report)

    @property
    def risk_contributions(self) -> pd.Series | None:
        """Risk budgeting: each asset's share of the portfolio variance (else None)."""
        report = self.reports.of(RiskContributions)
        return None if report is None else report.shares

    @property
    def polish(self) -> str:
        """The engine's exact finish: ``"off"``, ``"none"`` or its account."""
        report = self.reports.of(FinishReport)
        return "off" if report is None else report.polish

    @property
    def polished(self) -> bool:
        """True when the weights are the verified optimum of the exact finish."""
        report = self.reports.of(FinishReport)
        return bool(report is not None and report.polished)

    @property
    def effective_sample_size(self) -> float | None:
        """Kish's effective sample size of the row weights (None where not recorded)."""
        report = self.reports.of(RecencyReport)
        return None if report is None else report.effective_sample_size

    @property
    def half_life(self) -> float | None:
        """The recency half-life (periods) behind the row weights, if any."""
        report = self.reports.of(RecencyReport)
        return None if report is None else report.half_life

    @property
    def convergence_note(self) -> str:
        """A one-line account of convergence (for logs and warnings)."""
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
        }
        always = {
            FinishReport: FinishReport(),
            RecencyReport: RecencyReport(float(self.n_scenarios)),
        }
        for kind in LEADING:
            report = self.reports.get(kind, always.get(kind))
            if report is not None:
                out.update(report.json_entries())
        out["constraints_report"] = [dict(row) for row in self.constraints_report]
        for kind, report in self.reports.items():
            if kind not in LEADING:
                out.update(report.json_entries())
        if include_history:
            out["history"] = self.history.to_dict(orient="list")
        return out
