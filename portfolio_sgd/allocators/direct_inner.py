"""An inner problem of NCO solved by its exact finish alone, without an engine run.

The engine ends every run of an objective with an exact finish on the whole data (the
tail LP of CVaR, the active-set QP of the variance objectives), verified. Where that
optimum is unique, the finish reached from any start is the engine's answer, so the
inner problems (one per cluster, and per fold with cross-validation) can be solved by the
finish alone, one after another, with none of the engine's set-up, loop, certificate
and result records. Two families qualify (:func:`direct_solver`):

* mean-CVaR (the objective carries the VaR level): the dual of its LP
  (:mod:`.cvar_dual`), one row per asset. The LP's optimum is unique for returns in
  general position (not checked: with tied scenarios two optima of the same value could
  differ from the engine's by more than rounding);
* an objective with an exact QP finish whose Hessian is positive definite on the
  cluster's data (min-variance, mean-variance with ``lambda > 0``): the objective's own
  finish (:meth:`engine_polish`) from equal weights, taken when it reports the optimum
  exact (strict convexity makes it unique).

Anything else (another measure, a singular Hessian, shrinkage, a float32 or
finish-free configuration, a finish that does not report exact) returns None, and the
caller runs the engine for that problem.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..engine.prepare import prepare_data
from ..engine.problem import Problem
from ..errors import ConfigError
from ..measures.kernels.qp_finish import moment_matrix
from ..objectives import ObjectiveSpec
from ..solvers.settings import resolve_settings
from .cvar_dual import cvar_dual_weights

DirectSolve = Callable[[pd.DataFrame], "np.ndarray | None"]
"""``returns (T, n) -> weights (n,)``, or None where the exact finish alone does not apply."""


def engine_objective(objective: object, config: EngineConfig) -> ObjectiveSpec | None:
    """``objective``'s spec where it is one the engine optimises, else None (an
    allocator, or a name the engine's own solve refuses in one line)."""
    if not isinstance(objective, str | ObjectiveSpec):
        return None
    try:
        return resolve_settings(objective, None, config)[0]
    except ConfigError:
        return None


def direct_solver(objective: object, config: EngineConfig) -> DirectSolve | None:
    """The finish-only solve of ``objective`` (module docstring), or None where no family
    qualifies (an allocator or an unknown name, shrinkage, ``dtype="float32"``, ``cvar_polish=False``, an
    objective without an exact finish)."""
    if engine_objective(objective, config) is None:
        return None
    spec, constraints, config = resolve_settings(objective, None, config)
    if config.dtype != "float64" or not config.cvar_polish or spec.shrinkage != "none":
        return None
    if not spec.impl.has_exact_finish:
        return None
    if not (spec.has_var_level or hasattr(spec.impl, "quadratic_model")):
        return None
    return functools.partial(_solve, spec=spec, constraints=constraints, config=config)


def _solve(
    returns: pd.DataFrame, spec: ObjectiveSpec, constraints: Constraints, config: EngineConfig
) -> np.ndarray | None:
    """The exact optimum (n,) of ``spec`` on ``returns`` (T, n), projected onto the set as
    the engine's finish is; None where it does not apply."""
    problem = prepare_data(returns, spec, constraints, config).problem
    if spec.has_var_level:
        weights = cvar_dual_weights(
            problem.returns.cpu().numpy(),
            problem.mean.cpu().numpy(),
            spec.alpha,
            float(spec.return_weight),
        )
    else:
        weights = _strictly_convex_qp(problem)
    if weights is None:
        return None
    projected = problem.constraints.project(torch.from_numpy(weights)[None, :])
    return projected[0].cpu().numpy()


def _strictly_convex_qp(problem: Problem) -> np.ndarray | None:
    """The objective's exact QP finish from equal weights (n,), where its Hessian is
    positive definite on ``problem``'s data and the finish reports exact; else None."""
    impl, spec = problem.spec.impl, problem.spec
    n = problem.n_assets
    feasible = problem.constraints.linear_oracle(n)
    if not impl.finish_applies(feasible):
        return None
    param = float(getattr(spec, impl.per_run_parameter))
    sigma, mu = moment_matrix(problem.returns, problem.mean)
    hessian, _ = impl.quadratic_model(sigma, mu, param)
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return None  # not strictly convex: the optimum may not be unique
    start = torch.full((1, n), 1.0 / n, dtype=torch.float64)
    per_run = torch.tensor([param], dtype=torch.float64)
    finished = impl.engine_polish(problem.returns, problem.mean, start, feasible, per_run)
    if finished is None or not all(bool(row.exact) for row in finished[1]):
        return None
    return finished[0][0].cpu().numpy()
