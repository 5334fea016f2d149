"""The :class:`OptimizationResult` of one engine run and its certificate."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import torch

from ..certificate import GapCertificate
from ..constraints import Constraints
from ..constraints.report import ACTIVE_TOL, constraints_report
from ..constraints.trading.terms import trading_report
from ..engine import EngineOutput, Problem
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData
from ..objectives import ObjectiveSpec
from ..utils.small_data_threads import small_data_threads
from .finish import FinishReport
from .optimization import OptimizationResult
from .reports import Report, Reports
from .risk_contributions import RiskContributions
from .trading import TradingReport


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
    tickers = ticker_index(prepared.tickers)  # one for the weights and contributions
    weights = pd.Series(out.weights[0].cpu().numpy().astype(np.float64), index=tickers)
    history = _history(out.history)
    problem = prepared.problem
    spec = problem.spec  # resolved from the data (a shrinkage's intensity and target)
    with small_data_threads(problem.returns.numel(), problem.returns.device):
        rc = spec.impl.risk_contributions(problem.returns, out.weights[:1], problem.mean)
    contributions = None
    if rc is not None:
        contributions = RiskContributions(pd.Series(rc[0].cpu().numpy(), index=tickers))
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
        constraints_report=_report(problem, out.weights[0]),
        reports=Reports(*_reports(out, problem, weights, contributions)),
    )


HISTORY_COLUMNS = ("step", "samples", "batch_size", "batch_loss", "objective")
"""The columns of :attr:`OptimizationResult.history`."""


def _history(history: list[dict[str, object]]) -> pd.DataFrame:
    """Run 0's evaluations, one row each (an empty float frame when the run took no step:
    one block, cheaper than five empty lists and the same frame)."""
    if not history:
        return pd.DataFrame(np.empty((0, len(HISTORY_COLUMNS))), columns=list(HISTORY_COLUMNS))
    return pd.DataFrame(
        {
            "step": [h["step"] for h in history],
            "samples": [h["samples"][0] for h in history],
            "batch_size": [h["batch_size"][0] for h in history],
            "batch_loss": [h["batch_loss"][0] for h in history],
            "objective": [h["objective"][0] for h in history],
        }
    )


def ticker_index(tickers: list[str]) -> pd.Index:
    """``pd.Index(tickers)``: a copy (it shares the data, not the name) of one made once
    per ticker list, since a string index costs more than the rest of the result."""
    return _ticker_index(tuple(tickers)).copy()


@functools.lru_cache(maxsize=16)
def _ticker_index(tickers: tuple[str, ...]) -> pd.Index:
    return pd.Index(list(tickers))


def _reports(
    out: EngineOutput, problem: Problem, weights: pd.Series, rc: RiskContributions | None
) -> list[Report]:
    """The feature reports of run 0: its exact finish, trading and risk contributions."""
    polished = bool(out.polished[0]) if out.polished else False
    reports: list[Report] = [FinishReport(out.polish, polished)]
    trading = trading_report(problem.constraints, weights.to_numpy())
    if trading is not None:
        reports.append(TradingReport(**trading))
    if rc is not None:
        reports.append(rc)
    return reports


def _report(problem: Problem, weights: torch.Tensor) -> tuple[dict[str, object], ...]:
    """The constraints report of run 0 (none for risk parity's orthant iterate)."""
    if problem.spec.impl.feasible_set == "positive-orthant":
        return ()
    tol = max(
        ACTIVE_TOL, 64 * torch.finfo(weights.dtype).eps
    )  # float32 rounding is not a violation
    return tuple(constraints_report(problem.constraints, weights.detach().cpu().numpy(), tol))
