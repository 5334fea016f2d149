"""NCO's inner problems, all at once: one per cluster (and per fold), solved in one pass.

The inner problems of one NCO fit are listed first (:data:`Group`: the rows and the
member assets of each), then solved in one call of :func:`solve_groups`: by the exact
finish alone where the objective's optimum is unique (:mod:`.direct_inner`; no engine
run), else one engine run each (or the allocator), as before. A problem the finish
alone leaves unsolved also goes to the engine. Engine runs of an objective are said in
one info line. Either way the weights are the engine's optimum of each problem.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..engine.config import EngineConfig
from .allocation import Subsolver
from .direct_inner import direct_solver, engine_objective

logger = logging.getLogger(__name__)

Group = tuple[np.ndarray, np.ndarray]
"""``(rows, members)``: integer positions of one inner problem's rows and assets."""


def solve_groups(
    returns: pd.DataFrame,
    groups: list[Group],
    objective: object,
    solve: Subsolver,
    config: EngineConfig | None,
) -> list[np.ndarray]:
    """The weights of each inner problem, in the order of ``groups``.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    groups : list of (rows, members)
    objective : str, ObjectiveSpec or AllocatorSpec
    solve : callable
        One problem by the engine (or an allocator) (:data:`.allocation.Subsolver`).
    config : EngineConfig, optional
        The engine's settings; None runs every problem through ``solve``.

    Returns
    -------
    list of ndarray, shape (len(members),) each
    """
    direct = None if config is None else direct_solver(objective, config)
    out: list[np.ndarray] = []
    engine_runs = 0
    values = returns.to_numpy(dtype=np.float64)
    for rows, members in groups:
        frame = pd.DataFrame(
            values[np.ix_(rows, members)],
            index=returns.index[rows],
            columns=returns.columns[members],
        )  # returns.iloc[rows, members], without pandas' take on every block
        weights = None if direct is None else direct(frame)
        if weights is None:
            weights = solve(frame, objective)
            engine_runs += 1
        out.append(weights)
    spec = None if config is None or not engine_runs else engine_objective(objective, config)
    if spec is not None:
        over = f" over {spec.measure}" if spec.measure else ""
        logger.info(
            "nco: %d of %d problems of %s%s ran the engine one at a time (no unique "
            "exact finish on their own)",
            engine_runs,
            len(groups),
            spec.objective.value,
            over,
        )
    return out
