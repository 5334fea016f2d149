"""The low-level batched solve: K runs of one prepared problem as one (K, N) engine run.

The grid is the Cartesian product ``batch_sizes x risk_aversions x lr_scales``, each
repeated ``repeats`` times; repeats differ only in their sampling stream (all runs share
one seeded generator, each run reads its own rows of every draw). A per-run risk aversion
sets the objective's ``per_run_parameter`` (the risk aversion of mean-variance, the return
weight ``lam_r`` of mean-CVaR). The frontier, the risk-limit search and
:func:`portfolio_sgd.optimize_many` run their sweeps through it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from ..certificate.engine_output import certify
from ..engine import Callback, EngineOutput, RunGrid, run_engine
from ..engine.config import EngineConfig
from ..engine.prepare import PreparedData
from ..results import BatchResult


def solve_batch(
    prepared: PreparedData,
    config: EngineConfig,
    *,
    batch_sizes: Sequence[int] | None = None,
    risk_aversions: Sequence[float] | None = None,
    lr_scales: Sequence[float] | None = None,
    repeats: int = 1,
    init_weights: np.ndarray | None = None,
    callbacks: Sequence[Callback] = (),
    certify_runs: bool = True,
) -> BatchResult:
    """Optimise the grid's K runs of ``prepared.problem`` at once.

    Parameters
    ----------
    prepared : PreparedData
    config : EngineConfig
    batch_sizes, risk_aversions, lr_scales : sequences, optional
        The grid's axes (default: the config's batch size, the spec's parameter, 1).
    repeats : int, default 1
    init_weights : ndarray, shape (N,) or (K, N), optional
    callbacks : sequence of callables
    certify_runs : bool, default True
        Add each run's proven gap and ``converged`` to ``runs``.

    Returns
    -------
    BatchResult
        ``runs`` lists each run's settings in the row order of ``weights``.
    """
    spec = prepared.problem.spec
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
    runs = _runs_table(rows, out, spec.risk_aversion)
    if certify_runs:
        _add_certificates(runs, prepared, out, per_run=risk_aversions is not None)
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


def _runs_table(rows: list[tuple], out: EngineOutput, risk_aversion: float) -> pd.DataFrame:
    """Each run's settings and outcome, one row per run (K rows)."""
    return pd.DataFrame(
        {
            "batch_size": [r[0] for r in rows],
            "risk_aversion": [r[1] if r[1] is not None else risk_aversion for r in rows],
            "lr": [None if out.lr is None else out.lr * (r[2] or 1.0) for r in rows],
            "repeat": [r[3] for r in rows],
            "objective_value": out.objective.cpu().numpy(),
            "samples_seen": out.samples_seen,
            "polished": out.polished or [False] * len(rows),
        }
    )


def _add_certificates(
    runs: pd.DataFrame, prepared: PreparedData, out: EngineOutput, *, per_run: bool
) -> None:
    """Add each run's proven gap, relative bound and ``converged`` to ``runs``."""
    lam = None
    if per_run:
        lam = torch.tensor([float(v) for v in runs["risk_aversion"]], dtype=torch.float64)
    certificate = certify(prepared.problem, out.weights, lam, finish=out.polish)
    runs["optimality_gap"] = certificate.gap
    runs["relative_gap_bound"] = certificate.relative
    runs["converged"] = certificate.converged
