"""Ulcer index: the root mean square drawdown of the cumulative (uncompounded) return path
(skfolio's ``ULCER_INDEX``, Riskfolio-Lib's ``UCI``).

A sample measure (:mod:`.sample_measure`); its exact finish is an SOCP (Clarabel), its
certificate the LP of a weighted average drawdown that minorises it
(:mod:`.kernels.ulcer_finish`).
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any, ClassVar

import numpy as np
import torch

from .cdar import CDAR
from .drawdown_path import cvxpy_drawdowns, drawdowns, torch_drawdowns
from .kernels.cvar_polish import PolishRow
from .kernels.ulcer_finish import ulcer_bound, ulcer_finish
from .run_finish import bound_runs, finish_runs
from .sample_measure import SampleMeasure

__all__ = ["ULCER_INDEX", "UlcerIndex"]


class UlcerIndex(SampleMeasure):
    """``sqrt(mean_t D_t^2)`` of the uncompounded drawdowns."""

    name: ClassVar[str] = "ulcer-index"
    aliases: ClassVar[tuple[str, ...]] = ("ulcer",)
    label: ClassVar[str] = "Ulcer index (uncompounded)"
    limit_option: ClassVar[str | None] = "--max-ulcer-index"
    short_label: ClassVar[str] = "Ulcer index"
    shows_percent: ClassVar[bool] = True

    def torch_value(self, x: torch.Tensor, alpha: float, smoothing: float) -> torch.Tensor:
        dd = torch_drawdowns(x)
        return torch.sqrt((dd * dd).mean(dim=1))

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        return np.atleast_1d(np.sqrt(np.mean(drawdowns(x) ** 2, axis=0)))

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        """``|u - C w|_2 / sqrt(T)`` with running peaks ``u``, scaled as CDaR's."""
        dd, rows = cvxpy_drawdowns(cp, w, returns, self.cvxpy_scale(returns))
        return cp.norm(dd, 2) / math.sqrt(returns.shape[0]), rows

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return CDAR.cvxpy_scale(returns)

    def finish_applies(self, feasible: Any) -> bool:
        return True

    def exact_finish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        linear: torch.Tensor | None = None,
        options: Any = None,
        alpha: float = 0.95,
    ) -> tuple[torch.Tensor, list[PolishRow]]:
        """Each run's ``min rho(w) + c_k.w`` (``linear`` (K, N); ``options`` not used) (:func:`ulcer_finish`)."""
        return finish_runs(partial(ulcer_finish, feasible=feasible), returns, weights, linear)

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        *,
        alpha: float = 0.95,
        chunk_rows: int = 65_536,
        linear: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Each run's ``(rho(w) + c.w, lower bound)`` (:func:`ulcer_bound`; trading costs
        are refused)."""
        one = partial(ulcer_bound, feasible=feasible)
        return bound_runs(one, self.name, returns, w, feasible, linear)


ULCER_INDEX = UlcerIndex()
"""The Ulcer-index measure."""
