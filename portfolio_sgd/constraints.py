"""Portfolio constraints and their exact, batched Euclidean projections.

A :class:`Constraints` object describes the feasible set

    C = { w in R^N : sum(w) = 1, lo <= w_i <= hi, sum|w_i| <= L (optional) }

and projects ``(K, N)`` weight tensors onto it row by row after every SGD step. The
projection kernels live in :mod:`portfolio_sgd.projections` and are re-exported here.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch

from .errors import InfeasibleConstraintError
from .projections import (
    project_capped_simplex,
    project_long_short,
    project_simplex,
    solve_clip_shift,
)

__all__ = [
    "Constraints",
    "project_simplex",
    "project_capped_simplex",
    "project_long_short",
    "solve_clip_shift",
]


@dataclass(frozen=True)
class Constraints:
    """Fully-invested portfolio constraints: budget, per-asset bounds, gross leverage.

    Parameters
    ----------
    min_weight : float, default 0.0
        Per-asset lower bound ``lo``. Must be ``>= 0`` unless ``long_short`` is true.
    max_weight : float, default 1.0
        Per-asset upper bound ``hi``.
    long_short : bool, default False
        Allow negative weights (``lo < 0``).
    max_leverage : float or None, default None
        Gross-leverage cap ``L``: ``sum |w_i| <= L``. ``None`` (or ``inf``) means no cap.
        Must be ``>= 1`` (any fully-invested portfolio has ``sum |w| >= 1``). With
        ``lo >= 0`` it is always satisfied and has no effect.

    Notes
    -----
    The set is non-empty exactly when ``lo <= hi``, ``N * lo <= 1 <= N * hi`` and
    ``L >= 1``: then the equal-weight portfolio ``1/N`` is feasible (its gross leverage
    is 1), so the leverage cap can never conflict with the bounds on its own.
    """

    min_weight: float = 0.0
    max_weight: float = 1.0
    long_short: bool = False
    max_leverage: float | None = None

    # ------------------------------------------------------------------ checks
    def validate(self, n_assets: int) -> None:
        """Raise :class:`InfeasibleConstraintError` if no portfolio of ``n_assets`` is feasible.

        Parameters
        ----------
        n_assets : int
            Number of assets ``N``.

        Raises
        ------
        InfeasibleConstraintError
            With a one-line message that names the offending numbers.
        """
        lo, hi, lev = self.min_weight, self.max_weight, self.max_leverage
        if not isinstance(n_assets, numbers.Integral) or n_assets < 1:
            raise InfeasibleConstraintError(
                f"n_assets must be a positive integer, got {n_assets!r}"
            )
        for name, val in (("min_weight", lo), ("max_weight", hi)):
            if not isinstance(val, numbers.Real) or not math.isfinite(val):
                raise InfeasibleConstraintError(f"{name} must be a finite number, got {val!r}")
        if lev is not None and (not isinstance(lev, numbers.Real) or math.isnan(lev)):
            raise InfeasibleConstraintError(f"max_leverage must be a number or None, got {lev!r}")
        if lo > hi:
            raise InfeasibleConstraintError(f"min_weight {lo:g} > max_weight {hi:g}")
        if not self.long_short and lo < 0:
            raise InfeasibleConstraintError(
                f"min_weight {lo:g} < 0 in a long-only portfolio: use long_short=True"
            )
        if hi * n_assets < 1 - 1e-12:
            raise InfeasibleConstraintError(
                f"max_weight {hi:g} x {n_assets} assets = {hi * n_assets:.4g} < 1: "
                "weights cannot sum to 1"
            )
        if lo * n_assets > 1 + 1e-12:
            raise InfeasibleConstraintError(
                f"min_weight {lo:g} x {n_assets} assets = {lo * n_assets:.4g} > 1: "
                "weights cannot sum to 1"
            )
        if lev is not None and lev < 1:
            raise InfeasibleConstraintError(
                f"max_leverage {lev:g} < 1: a fully-invested portfolio has sum|w| >= 1"
            )

    def _cap(self) -> float | None:
        """The leverage cap if it can matter (long-short, finite), else ``None``."""
        lev = self.max_leverage
        if lev is None or math.isinf(lev) or self.min_weight >= 0:
            return None
        return float(lev)

    # ------------------------------------------------------------- projection
    def project(self, w: torch.Tensor) -> torch.Tensor:
        """Euclidean projection of each row of ``w`` onto the feasible set.

        Dispatches to the fastest exact kernel: the sort-based simplex projection when
        ``lo == 0`` and ``hi >= 1``; the capped simplex for other bounds; the long-short
        kernel when a gross-leverage cap can bind.

        Parameters
        ----------
        w : torch.Tensor, shape (K, N) or (N,)
            Any floating dtype and device (integer input is cast to the default dtype).

        Returns
        -------
        torch.Tensor, same shape, dtype and device as ``w``
            Feasible weights; ``P(P(w)) == P(w)`` up to rounding.

        Raises
        ------
        InfeasibleConstraintError
            If the constraints are infeasible for ``N = w.shape[-1]`` assets.
        """
        n = int(w.shape[-1]) if w.ndim > 0 else 0
        return self.projector(n)(w)

    def projector(self, n_assets: int) -> Callable[[torch.Tensor], torch.Tensor]:
        """The projection kernel for ``n_assets``, validated once (for per-step use).

        Raises
        ------
        InfeasibleConstraintError
            If the constraints are infeasible for ``n_assets`` assets.
        """
        self.validate(n_assets)
        lo, hi = float(self.min_weight), float(self.max_weight)
        cap = self._cap()
        if cap is not None:
            return functools.partial(project_long_short, lo=lo, hi=hi, leverage=cap)
        if lo == 0.0 and hi >= 1.0:
            return project_simplex
        return functools.partial(project_capped_simplex, lo=lo, hi=hi)

    def feasible_start(
        self, n_assets: int, *, dtype: torch.dtype = torch.float64, device: Any = None
    ) -> torch.Tensor:
        """A feasible starting point: the equal-weight portfolio, projected.

        Parameters
        ----------
        n_assets : int
            Number of assets ``N``.
        dtype : torch.dtype, default torch.float64
        device : torch.device or str, optional

        Returns
        -------
        torch.Tensor, shape (N,)
        """
        self.validate(n_assets)
        start = torch.full((n_assets,), 1.0 / n_assets, dtype=dtype, device=device)
        return self.project(start)

    def is_feasible(self, w: torch.Tensor, atol: float = 1e-6) -> torch.Tensor:
        """Row-wise feasibility test.

        Parameters
        ----------
        w : torch.Tensor, shape (K, N) or (N,)
        atol : float, default 1e-6
            Absolute tolerance on the budget, the bounds and the leverage cap.

        Returns
        -------
        torch.Tensor of bool, shape (K,) (or a 0-d tensor for an (N,) input)
        """
        lo, hi = float(self.min_weight), float(self.max_weight)
        ok = (w.sum(dim=-1) - 1.0).abs() <= atol
        ok = ok & (w >= lo - atol).all(dim=-1) & (w <= hi + atol).all(dim=-1)
        ok = ok & torch.isfinite(w).all(dim=-1)
        lev = self.max_leverage
        if lev is not None and not math.isinf(lev):
            ok = ok & (w.abs().sum(dim=-1) <= lev + atol)
        return ok

    # ---------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constraints:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        fields = ("min_weight", "max_weight", "long_short", "max_leverage")
        return cls(**{k: data[k] for k in fields if k in data})
