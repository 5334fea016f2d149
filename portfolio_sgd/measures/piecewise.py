"""The base of the piecewise-linear (non-smooth, LP-representable) measures.

MAD, the first lower partial moments and the Gini mean difference are means of kinked
pieces of the portfolio returns. :class:`PiecewiseLinearMeasure` gives them, from their
pieces (:meth:`~PiecewiseLinearMeasure.pieces`, :mod:`.kernels.pieces_finish`):

- the certificate: the window dual-LP bound (a proven lower bound for any point);
- the exact finish: the window LP with cuts, verified on every piece;
- a step-size curvature: that of a Huber smoothing of the kink at a tenth of the
  data's return scale (the engine takes exact subgradients, with tail averaging; the
  finish makes the answer exact).

Both the bound and the finish take the objective's linear term (``linear``, (K, N)):
utility ``-mu.w + g rho`` is ``g (rho + (-mu / g).w)``.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np
import torch

from .base import RiskMeasure
from .curvature import top_eigenvalue
from .kernels.budget_lp import BudgetEpigraph, pieces_epigraph
from .kernels.pieces_finish import PiecesModel, PiecesOptions, pieces_bound, pieces_finish
from .kernels.scenario_pieces import ScenarioPieces
from .linear_term import host_linear

__all__ = ["PiecewiseLinearMeasure"]

WHOLE_DATA_TRUST = 1e6
"""The trust box of the whole-data LP (weights): wide enough never to bind."""
HUBER_FRACTION = 0.1
"""The step-size curvature smooths the kink over this fraction of the return scale."""


class PiecewiseLinearMeasure(RiskMeasure):
    """A non-smooth measure given by kinked pieces (see the module docstring)."""

    is_smooth: ClassVar[bool] = False
    finish_takes_linear: ClassVar[bool] = True
    bound_method: ClassVar[str] = "window dual LP"
    whole_data_lp: ClassVar[bool] = True

    def pieces(self, returns: np.ndarray) -> PiecesModel:
        """The measure's pieces on ``returns`` (T, N), float64."""
        raise NotImplementedError

    def curvature(
        self, returns: torch.Tensor, mean: torch.Tensor, metric: torch.Tensor | None = None
    ) -> float:
        """``2 lambda_max(E[r r^T]) / h`` with ``h`` a tenth of the RMS return: the
        curvature of a Huber smoothing of width ``h`` (it sets the subgradient step)."""
        top = top_eigenvalue(returns, None, metric=metric)
        scale = float(returns.to(torch.float64).pow(2).mean().sqrt()) or 1.0
        return max(2.0 * top / (HUBER_FRACTION * scale), 1e-300)

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
        """``(rho(w) + linear.w, proven lower bound on its minimum)`` (each (K,)): the
        window dual-LP bound (:func:`.kernels.pieces_finish.pieces_bound`)."""
        model = self.pieces(returns.detach().to("cpu", torch.float64).numpy())
        w64, lin = host_linear(w, linear)
        rows = [pieces_bound(model, w64[k], feasible, lin[k]) for k in range(w64.shape[0])]
        value = torch.tensor([r[0] for r in rows], dtype=torch.float64)
        return value, torch.tensor([r[1] for r in rows], dtype=torch.float64)

    def budget_epigraph(self, returns: np.ndarray, alpha: float = 0.95) -> BudgetEpigraph | None:
        """One excess per scenario piece (MAD, the first lower partial moment below the
        mean); None for pair pieces (the Gini mean difference) or pieces with an offset."""
        pieces = self.pieces(np.asarray(returns, dtype=np.float64))
        return pieces_epigraph(pieces) if isinstance(pieces, ScenarioPieces) else None

    def finish_applies(self, feasible: Any) -> bool:
        """The window LP needs the set's linear form (any polytope)."""
        return hasattr(feasible, "polytope")

    def exact_finish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        linear: torch.Tensor | None = None,
        options: Any = None,
        alpha: float = 0.95,
    ) -> tuple[torch.Tensor, list]:
        """The window LP from each run's weights (K, N): ``(weights (K, N) float64, reports)``.

        ``options`` is a :class:`~.kernels.pieces_finish.PiecesOptions`, or another finish's
        options whose ``max_rounds``, ``max_window``, ``time_limit`` and ``lp_iterations`` it takes (the
        engine's early attempts pass a small budget that way). ``alpha`` is not used: these
        measures have no level.
        """
        model = self.pieces(returns.detach().to("cpu", torch.float64).numpy())
        w64, lin = host_linear(weights, linear)
        opts = _options(options)
        done = [pieces_finish(model, w64[k], feasible, lin[k], opts) for k in range(len(w64))]
        out = torch.from_numpy(np.stack([w for w, _ in done])).to(weights.device)
        return out, [row for _, row in done]

    def whole_data_options(self, n_rows: int) -> PiecesOptions:
        """The window LP over every scenario's piece (one kink a scenario), its trust box
        never binding: exact from any start in one LP."""
        return PiecesOptions(
            width=n_rows, max_rounds=2, max_window=2 * n_rows, trust=WHOLE_DATA_TRUST
        )


def _options(options: Any) -> PiecesOptions:
    """``options`` as :class:`PiecesOptions` (its budget fields taken from another finish's)."""
    if options is None or isinstance(options, PiecesOptions):
        return options or PiecesOptions()
    names = ("max_rounds", "max_window", "time_limit", "lp_iterations")
    given = {k: getattr(options, k) for k in names if hasattr(options, k)}
    return dataclasses.replace(PiecesOptions(), **given)
