"""Shared set-up of the risk studies: train/test split, exact optimum, step size, step count,
the check of a batch-size grid and the problem built from flat options.

Everything is fitted on the TRAIN period: the exact optimum ``w*`` (cvxpy), the curvature
``L`` (largest Hessian eigenvalue), the smallest curvature ``mu`` in the tangent space of
the free assets at ``w*``, the default step size ``0.5 / L`` (the engine's automatic SGD
step) and the number of steps that reaches the stationary distribution of constant-step
SGD: ``steps = 20 / (eta * mu)``, i.e. about 20 relaxation times of the slowest direction.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import torch

from ...constraints import Constraints
from ...engine.config import EngineConfig
from ...engine.step_size import SGD_LR_FACTOR, curvature
from ...errors import ConfigError, DataError
from ...objectives import ObjectiveSpec, full_objective, optimal_var_level
from ...reference.exact import solve_exact

RELAXATION_TIMES = 20.0
MIN_STEPS = 400
MAX_STEPS = 20_000


@dataclass(frozen=True)
class RiskProblem:
    """A problem prepared for the risk studies (all on the train period).

    Attributes
    ----------
    train : DataFrame, shape (T, N)
        Returns the optimisation sees.
    test : DataFrame, shape (T_test, N) or None
        Held-out returns.
    spec : ObjectiveSpec
    constraints : Constraints
    benchmark : ndarray, shape (T,) or None
        Train-period benchmark (tracking).
    w_star : ndarray, shape (N,)
        Exact optimum of the train period.
    f_star : float
        ``f(w*)`` on the train period (same torch evaluation as for the SGD weights).
    var_level : float or None
        VaR level at ``w*`` (CVaR).
    curvature : float
        ``L``, the largest Hessian eigenvalue (estimate).
    mu_min : float
        Smallest Hessian eigenvalue in the tangent space of the free assets at ``w*``.
    default_lr : float
        ``0.5 / L`` (the engine's automatic SGD step size).
    """

    train: pd.DataFrame
    test: pd.DataFrame | None
    spec: ObjectiveSpec
    constraints: Constraints
    benchmark: np.ndarray | None
    w_star: np.ndarray
    f_star: float
    var_level: float | None
    curvature: float
    mu_min: float
    default_lr: float

    @property
    def n_rows(self) -> int:
        """Number of train scenarios T."""
        return int(self.train.shape[0])

    def values(self) -> np.ndarray:
        """Train returns as a float64 array, shape (T, N)."""
        return np.array(self.train.to_numpy(dtype=np.float64))

    def objective(self, weights: np.ndarray) -> np.ndarray:
        """Full-data train objective of portfolios ``weights`` (K, N) -> (K,)."""
        r = torch.as_tensor(self.values())
        w = torch.as_tensor(np.array(np.atleast_2d(weights), dtype=np.float64))
        bench = torch.as_tensor(self.benchmark) if self.benchmark is not None else None
        return full_objective(self.spec, r, w, r.mean(dim=0), bench).numpy()

    def stationary_steps(self, lr: float) -> int:
        """Steps for ``RELAXATION_TIMES`` relaxation times ``1 / (lr * mu_min)``, clipped."""
        steps = math.ceil(RELAXATION_TIMES / (lr * self.mu_min))
        return int(min(max(steps, MIN_STEPS), MAX_STEPS))

    def options(self) -> dict[str, object]:
        """Objective and constraint keywords for :func:`portfolio_sgd.optimize_many`."""
        return {**self.spec.to_dict(), **self.constraints.to_dict()}


def plain_sgd_options(**extra: object) -> dict[str, object]:
    """Engine options of plain projected SGD at a constant step: the regime of the theory.

    No momentum, no preconditioner, no restarts, no CVaR smoothing, constant batch and
    step, no tolerance stop, no exact CVaR finish (the studies measure SGD's noise). Keys the installed :class:`EngineConfig` lacks are dropped.
    """
    opts: dict[str, object] = {
        "optimizer": "sgd",
        "momentum": 0.0,
        "nesterov": False,
        "precondition": False,
        "restart": False,
        "cvar_smoothing": 0.0,
        "batch_schedule": "constant",
        "lr_schedule": "constant",
        "tol": None,
        "cvar_polish": False,
    }
    opts.update(extra)
    names = {f.name for f in fields(EngineConfig)}
    return {k: v for k, v in opts.items() if k in names}


def split_returns(
    returns: pd.DataFrame, test_fraction: float | None = None, split_date: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Split returns into a train and a test period (chronologically).

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    test_fraction : float, optional
        Fraction of the last rows held out, in (0, 1).
    split_date : str, optional
        First date of the test period (takes precedence over ``test_fraction``).

    Returns
    -------
    (train, test)
        ``test`` is None when neither argument is given.
    """
    if split_date is not None:
        if not isinstance(returns.index, pd.DatetimeIndex):
            raise DataError("a split date needs returns indexed by date")
        cut = pd.Timestamp(split_date)
        train, test = returns[returns.index < cut], returns[returns.index >= cut]
    elif test_fraction is not None:
        if not (0.0 < test_fraction < 1.0):
            raise ConfigError(
                f"test fraction must lie strictly between 0 and 1, got {test_fraction}"
            )
        n_train = int(round(len(returns) * (1.0 - test_fraction)))
        train, test = returns.iloc[:n_train], returns.iloc[n_train:]
    else:
        return returns, None
    if len(train) < 2 or len(test) < 2:
        raise DataError(
            f"the split leaves {len(train)} train and {len(test)} test rows; need at least 2 each"
        )
    return train, test


def prepare_problem(
    returns: pd.DataFrame,
    spec: ObjectiveSpec,
    constraints: Constraints,
    *,
    benchmark: pd.Series | np.ndarray | None = None,
    test_fraction: float | None = None,
    split_date: str | None = None,
) -> RiskProblem:
    """Split, solve the train period exactly and measure its curvature.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
    spec : ObjectiveSpec
    constraints : Constraints
    benchmark : Series or ndarray, shape (T,), optional
    test_fraction, split_date : optional
        See :func:`split_returns`.

    Returns
    -------
    RiskProblem
    """
    if not isinstance(returns, pd.DataFrame):
        returns = pd.DataFrame(np.asarray(returns, dtype=np.float64))
    constraints = constraints.bind([str(c) for c in returns.columns])  # names in constraints
    if not np.isfinite(returns.to_numpy(dtype=np.float64)).all():
        raise DataError("returns contain NaN or inf")
    train, test = split_returns(returns, test_fraction, split_date)
    bench = None
    if benchmark is not None:
        if isinstance(benchmark, pd.Series):
            bench = benchmark.reindex(train.index).to_numpy(dtype=np.float64)
        else:
            bench = np.asarray(benchmark, dtype=np.float64)[: len(train)]
    r = np.array(train.to_numpy(dtype=np.float64))
    exact = solve_exact(
        spec.objective.value,
        r,
        constraints,
        risk_aversion=spec.risk_aversion,
        alpha=spec.alpha,
        return_weight=spec.return_weight,
        benchmark=bench,
    )
    w_star = np.asarray(exact.weights, dtype=np.float64)
    rt = torch.as_tensor(r)
    mean = rt.mean(dim=0)
    big_l = curvature(spec, rt, mean)
    mu_min = tangent_curvature(spec, r, w_star, constraints, big_l)
    var_level = None
    if spec.has_var_level:
        x_star = (rt @ torch.as_tensor(w_star))[None, :]
        var_level = float(optimal_var_level(x_star, spec.alpha)[0])
    problem = RiskProblem(
        train=train,
        test=test,
        spec=spec,
        constraints=constraints,
        benchmark=bench,
        w_star=w_star,
        f_star=0.0,
        var_level=var_level,
        curvature=big_l,
        mu_min=mu_min,
        default_lr=SGD_LR_FACTOR / big_l,
    )
    f_star = float(problem.objective(w_star[None, :])[0])
    return RiskProblem(**{**problem.__dict__, "f_star": f_star})


def validate_grid(batch_sizes: Sequence[int], seeds: int, n_rows: int) -> list[int]:
    """Check a batch-size grid and seed count; return the sizes as ints.

    Raises
    ------
    ConfigError
        Empty grid, a batch size below 1 or above ``n_rows``, or fewer than 2 seeds.
    """
    sizes = [int(m) for m in batch_sizes]
    if not sizes:
        raise ConfigError("give at least one batch size")
    for m in sizes:
        if m < 1:
            raise ConfigError(f"batch sizes must be at least 1, got {m}")
        if m > n_rows:
            raise ConfigError(f"batch size {m} is larger than the sample ({n_rows} scenarios)")
    if int(seeds) < 2:
        raise ConfigError(f"the dispersion across seeds needs at least 2 seeds, got {seeds}")
    return sizes


def make_problem(
    returns: pd.DataFrame,
    objective: str,
    *,
    risk_aversion: float = 10.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    min_weight: float = 0.0,
    max_weight: float = 1.0,
    long_short: bool = False,
    max_leverage: float | None = None,
    benchmark: pd.Series | np.ndarray | None = None,
    test_fraction: float | None = None,
    split_date: str | None = None,
) -> RiskProblem:
    """Build the :class:`RiskProblem` from flat options (see :func:`prepare_problem`)."""
    spec = ObjectiveSpec(
        objective, risk_aversion=risk_aversion, alpha=alpha, return_weight=return_weight
    )
    constraints = Constraints(min_weight, max_weight, long_short, max_leverage)
    return prepare_problem(
        returns,
        spec,
        constraints,
        benchmark=benchmark,
        test_fraction=test_fraction,
        split_date=split_date,
    )


def study_problem(
    returns: pd.DataFrame,
    problem: RiskProblem | None,
    sizes: Sequence[int],
    seeds: int,
    objective: str,
    benchmark: pd.Series | np.ndarray | None,
    problem_options: dict[str, object],
) -> RiskProblem:
    """The problem of a study without a test period: ``problem``, or prepared from ``returns``.

    The grid is checked against the rows of ``returns`` before the exact solve, then
    against the problem's train rows.
    """
    if problem is None:
        validate_grid(sizes, seeds, len(split_returns(returns)[0]))
        problem = make_problem(returns, objective, benchmark=benchmark, **problem_options)
    validate_grid(sizes, seeds, problem.n_rows)
    return problem


def hessian(spec: ObjectiveSpec, returns: np.ndarray, w: np.ndarray) -> np.ndarray | None:
    """Hessian (N, N) of the full-data objective at ``w`` (N,); None for a non-smooth one.

    Each objective gives its own (``PortfolioObjective.hessian``).
    """
    return spec.impl.hessian(returns, w)


def tangent_curvature(
    spec: ObjectiveSpec,
    returns: np.ndarray,
    w_star: np.ndarray,
    constraints: Constraints,
    big_l: float,
) -> float:
    """Smallest Hessian eigenvalue on the free assets at ``w*``, orthogonal to (1, ..., 1).

    Free assets are those strictly inside their bounds. Falls back to ``L / 100`` for CVaR
    (no curvature) and is floored at ``L / 1000``.
    """
    hess = hessian(spec, returns, w_star)
    floor = big_l / 1000.0
    if hess is None:
        return big_l / 100.0
    tol = 1e-7
    free = (w_star > constraints.min_weight + tol) & (w_star < constraints.max_weight - tol)
    k = int(free.sum())
    if k < 2:
        return big_l
    h_free = hess[np.ix_(free, free)]
    proj = np.eye(k) - 1.0 / k
    eig = np.linalg.eigvalsh(proj @ h_free @ proj)
    positive = eig[eig > 1e-9 * max(eig.max(), 1e-300)]
    value = float(positive.min()) if positive.size else big_l
    return max(value, floor)
