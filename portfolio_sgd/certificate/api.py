"""``optimality_gap``: a proven upper bound on ``f(w) - f*`` without an exact solver."""

from __future__ import annotations

import dataclasses
import functools
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from ..constraints.oracle import FeasibleSet
from ..errors import ConfigError, DataError
from ..objectives import ObjectiveSpec
from .cvar import CvarOptions
from .smooth import column_mean, iter_chunks
from .trading import trading_lower_bound

__all__ = [
    "ACCURACY_BAR",
    "CVAR_ACCURACY_BAR",
    "RELATIVE_FLOOR",
    "GapCertificate",
    "accuracy_bar",
    "optimality_gap",
]

ACCURACY_BAR = 1e-4
"""Convergence bar on the relative certified gap for the smooth objectives."""
CVAR_ACCURACY_BAR = 1e-3
"""Convergence bar on the relative certified gap for (mean-)CVaR."""
FEASIBILITY_TOL = 1e-8
"""Largest constraint violation of a point that can count as converged."""
RELATIVE_FLOOR = 1e-2
"""The relative gap divides by ``max(|f(w)|, RELATIVE_FLOOR * E_t|l_t(w)|)``."""
ROUNDING_ALLOWANCE = 1e-12
"""Added to every gap, relative to ``|f(w)| + |lower bound|``: float64 rounding."""


def _spec(objective: Any, alpha: float, return_weight: float) -> ObjectiveSpec:
    """The objective's spec (a registered name, alias, member or spec)."""
    if isinstance(objective, ObjectiveSpec):
        return objective
    return ObjectiveSpec(objective, alpha=alpha, return_weight=return_weight)


def accuracy_bar(objective: Any) -> float:
    """The convergence bar of ``objective``: 1e-3 for a non-smooth one (CVaR), else 1e-4.

    An objective may set its own (``certificate_bar``): risk parity's 1e-5 applies to its
    residual ``max_i |RC_i - b_i|``.
    """
    spec = _spec(objective, 0.95, 0.0)
    own = spec.impl.certificate_bar
    if own is not None:
        return own
    return ACCURACY_BAR if spec.impl.is_smooth else CVAR_ACCURACY_BAR


@dataclass(frozen=True)
class GapCertificate:
    """A proven suboptimality bound for K portfolios.

    Attributes
    ----------
    objective : str
    gap : np.ndarray, float64, shape (K,)
        Upper bound on ``f(w) - f*`` (absolute; ``+inf`` where ``f(w)`` is infinite).
    relative : np.ndarray, float64, shape (K,)
        ``gap / scale``.
    value : np.ndarray, float64, shape (K,)
        ``f(w)`` on the full data.
    lower_bound : np.ndarray, float64, shape (K,)
        ``value - gap``: a proven lower bound on ``f*``.
    scale : np.ndarray, float64, shape (K,)
        ``max(|f(w)|, RELATIVE_FLOOR * E_t|l_t(w)|)``: ``|f(w)|`` unless ``f`` is near 0
        through cancellation, when the mean absolute per-scenario loss sets the scale.
    violation : np.ndarray, float64, shape (K,)
        Largest violation of the budget, bounds or leverage cap (the bound holds for any
        ``w``, but a point outside ``C`` may have ``f(w) < f*``).
    method : str
        How the bound was obtained (distinct per-row methods joined by ``"; "``).
    bar : float
        The accuracy bar of this objective (:func:`accuracy_bar`).
    residual : np.ndarray, float64, shape (K,), or None
        For an objective judged on a residual instead of the relative gap (risk parity:
        ``max_i |RC_i - b_i|``); ``converged`` then compares it with ``bar``.
    feasibility_tol : float
        Largest ``violation`` that counts as feasible (64 epsilons of the data's dtype,
        at least :data:`FEASIBILITY_TOL`).
    """

    objective: str
    gap: np.ndarray
    relative: np.ndarray
    value: np.ndarray
    lower_bound: np.ndarray
    scale: np.ndarray
    violation: np.ndarray
    method: str
    bar: float
    residual: np.ndarray | None = None
    feasibility_tol: float = 1e-8

    @property
    def converged(self) -> np.ndarray:
        """``relative <= bar`` per row (``residual <= bar`` where there is one), and the
        point feasible (``violation <= feasibility_tol``), shape (K,).

        A point outside the feasible set can have ``f(w) < f*``: its bound certifies
        nothing, so it never counts as converged.
        """
        feasible = self.violation <= self.feasibility_tol
        if self.residual is not None:
            return (self.residual <= self.bar) & feasible
        return (self.relative <= self.bar) & feasible

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict (arrays as lists)."""
        out: dict[str, object] = {"objective": self.objective, "method": self.method}
        for key in ("gap", "relative", "value", "lower_bound", "scale", "violation"):
            out[key] = [float(v) for v in getattr(self, key)]
        out["bar"] = self.bar
        if self.residual is not None:
            out["residual"] = [float(v) for v in self.residual]
        out["converged"] = [bool(v) for v in self.converged]
        return out


def _read_only_tensor(values: Any) -> torch.Tensor:
    """``torch.as_tensor`` without a copy; a read-only array is only ever read here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.as_tensor(values)


def _as_returns(returns: Any) -> torch.Tensor:
    if isinstance(returns, pd.DataFrame):
        returns = returns.to_numpy()
    data = _read_only_tensor(returns)
    if data.ndim != 2 or not torch.is_floating_point(data):
        raise DataError(f"returns must be a float (T, N) array, got {tuple(data.shape)}")
    return data


def _as_weights(weights: Any, like: torch.Tensor) -> torch.Tensor:
    if isinstance(weights, (pd.Series, pd.DataFrame)):
        weights = weights.to_numpy()
    w = _read_only_tensor(weights).to(device=like.device, dtype=torch.float64)
    w = w.reshape(1, -1) if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[1] != like.shape[1]:
        raise DataError(f"weights of shape {tuple(w.shape)} do not match {like.shape[1]} assets")
    return w


def optimality_gap(
    objective: Any,
    returns: Any,
    weights: Any,
    *,
    lo: float = 0.0,
    hi: float = 1.0,
    leverage: float | None = None,
    risk_aversion: float | np.ndarray = 10.0,
    alpha: float = 0.95,
    return_weight: float = 0.0,
    benchmark: Any = None,
    mean: Any = None,
    feasible: FeasibleSet | None = None,
    cvar_options: CvarOptions | None = None,
    chunk_rows: int = 65_536,
    row_weights: Any = None,
) -> GapCertificate:
    """A proven upper bound on ``f(w) - f*`` for each of K portfolios.

    Smooth objectives: the Frank-Wolfe gap of the exact full-data gradient, computed
    here in float64 chunk by chunk. CVaR: the LP-duality bound of :mod:`.cvar`. With
    ``row_weights`` (T,), mean 1, the objective is the row-weighted one (recency
    weighting; smooth objectives only) and ``mean`` defaults to the weighted mean.

    Parameters
    ----------
    objective : str or ObjectiveSpec
        ``mean-variance``, ``min-variance``, ``cvar`` (``mean-cvar``, ``min-cvar``),
        ``kelly``, ``tracking`` or ``risk-parity`` (a spec carries risk budgets).
    returns : Tensor, ndarray or DataFrame, shape (T, N)
        The full data (any float dtype and device; never copied to float64 as a whole).
    weights : array-like, shape (N,) or (K, N)
    lo, hi, leverage : float
        The feasible set ``{sum w = 1, lo <= w <= hi, sum|w| <= leverage}``; ignored if
        ``feasible`` is given.
    risk_aversion : float or array of shape (K,)
        ``lam`` of mean-variance (per row if an array).
    alpha, return_weight : float
        CVaR level and ``lam_r``.
    benchmark : array-like, shape (T,), optional
        Tracking only.
    mean : array-like, shape (N,), optional
        The ``mu`` that defines the objective (default: the float64 column mean).
    feasible : FeasibleSet, optional
        A feasible set with extra linear rows (the extension point).
    cvar_options : CvarOptions, optional
    chunk_rows : int
        Rows per float64 chunk.

    Returns
    -------
    GapCertificate
    """
    spec = _spec(objective, alpha, return_weight)
    data = _as_returns(returns)
    w = _as_weights(weights, data)
    fset = feasible or FeasibleSet(data.shape[1], lo, hi, leverage)
    rows = None if row_weights is None else _row_tensor(row_weights, data)
    mu = _objective_mean(data, mean, rows, chunk_rows)
    bench = _benchmark_tensor(spec, benchmark, data)
    lam = torch.as_tensor(risk_aversion, dtype=torch.float64, device=data.device)
    bound = _lower_bound_of(spec, fset)
    value, lower, abs_loss, method = bound(
        data,
        w,
        mu,
        fset,
        benchmark=bench,
        risk_aversion=lam.reshape(-1).expand(w.shape[0]),
        options=cvar_options,
        chunk_rows=chunk_rows,
        row_weights=rows,
    )
    cert = _certificate(spec, value, lower, abs_loss, fset.violation(w), method)
    return _with_residual(cert, spec, data, w, mu, chunk_rows)


def _benchmark_tensor(spec: ObjectiveSpec, benchmark: Any, data: torch.Tensor) -> Any:
    """The benchmark returns (T,) on the data's device (None: none); refused when the
    objective needs one and none is given."""
    if spec.impl.needs_benchmark and benchmark is None:
        raise ConfigError(
            f"the {spec.objective.value} certificate needs the benchmark returns (T,)"
        )
    return None if benchmark is None else torch.as_tensor(np.asarray(benchmark)).to(data.device)


def _with_residual(
    cert: GapCertificate,
    spec: ObjectiveSpec,
    data: torch.Tensor,
    w: torch.Tensor,
    mu: torch.Tensor,
    chunk_rows: int,
) -> GapCertificate:
    """``cert`` with the data dtype's feasibility tolerance and, for an objective judged
    on a residual (risk parity), its stationarity residual."""
    tol = max(FEASIBILITY_TOL, 64 * torch.finfo(data.dtype).eps)
    cert = dataclasses.replace(cert, feasibility_tol=tol)
    residual = spec.impl.stationarity_residual(data, w, mu, chunk_rows)
    if residual is None:
        return cert
    return dataclasses.replace(cert, residual=residual.detach().cpu().numpy().astype(np.float64))


def _lower_bound_of(spec: ObjectiveSpec, fset: Any) -> Any:
    """The objective's certificate bound; with trading costs, the bound of
    :mod:`.trading` (the smooth part linearised, the costs kept exactly)."""
    if getattr(fset, "terms", None) is None:
        return spec.impl.lower_bound
    return functools.partial(trading_lower_bound, spec)


def _row_tensor(row_weights: Any, data: torch.Tensor) -> torch.Tensor:
    """Per-row weights (T,) as float64 on the data's device."""
    return torch.as_tensor(np.asarray(row_weights, dtype=np.float64), device=data.device)


def _objective_mean(
    data: torch.Tensor, mean: Any, rows: torch.Tensor | None, chunk_rows: int
) -> torch.Tensor:
    """The ``mu`` (N,) float64 defining the objective: given, row-weighted, or the plain mean."""
    if mean is not None:
        mu = torch.as_tensor(mean)
    elif rows is not None:
        mu = _weighted_mean(data, rows, chunk_rows)
    else:
        mu = column_mean(data, chunk_rows)
    return mu.to(device=data.device, dtype=torch.float64)


def _weighted_mean(data: torch.Tensor, rows: torch.Tensor, chunk_rows: int) -> torch.Tensor:
    """``sum_t c_t R_t / T`` (N,) in float64, chunk by chunk."""
    total = torch.zeros(data.shape[1], dtype=torch.float64, device=data.device)
    for start, block in iter_chunks(data, chunk_rows):
        total += rows[start : start + block.shape[0]] @ block
    return total / data.shape[0]


def _certificate(
    spec: ObjectiveSpec,
    value: torch.Tensor,
    lower: torch.Tensor,
    abs_loss: torch.Tensor,
    violation: torch.Tensor,
    method: str,
) -> GapCertificate:
    """Assemble the certificate: clamp at 0, add the rounding allowance, scale."""
    f = value.detach().cpu().numpy().astype(np.float64)
    lb = lower.detach().cpu().numpy().astype(np.float64)
    with np.errstate(invalid="ignore"):
        gap = np.maximum(f - lb, 0.0) + ROUNDING_ALLOWANCE * (np.abs(f) + np.abs(lb))
    gap = np.where(np.isfinite(f) & np.isfinite(lb), gap, np.inf)
    scale = np.maximum(np.abs(f), RELATIVE_FLOOR * abs_loss.detach().cpu().numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(gap == 0.0, 0.0, gap / scale)
    relative = np.where(np.isfinite(gap), relative, np.inf)
    return GapCertificate(
        objective=spec.objective.value,
        gap=gap,
        relative=relative,
        value=f,
        lower_bound=np.where(np.isfinite(gap), f - np.where(np.isfinite(gap), gap, 0.0), -np.inf),
        scale=scale,
        violation=violation.detach().cpu().numpy(),
        method=method,
        bar=accuracy_bar(spec),
    )
