"""Sample measures with an LP epigraph (:mod:`.kernels.tail_form`): worst realisation, max
drawdown, average drawdown, CDaR.

Their exact finish is the full LP over the feasible polytope (HiGHS), their certificate
the Lagrangian minorant of the LP's multipliers (:func:`.kernels.tail_lp.minorant_bound`),
their capped finish (max-return under a limit on them) the LP with the measure's row
``<= cap``. Each subclass says which losses and which tail mass.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from ..errors import ConfigError
from .kernels.cvar_polish import PolishRow
from .kernels.tail_form import TailForm, tail_form
from .kernels.tail_lp import l1_radius, minorant_bound, solve_tail_lp
from .sample_measure import SampleMeasure

__all__ = ["TailLPMeasure"]


class TailLPMeasure(SampleMeasure):
    """Base of the LP-representable sample measures (see the module docstring).

    Class attributes
    ----------------
    peaks : bool
        The losses are drawdowns of the cumulative path (else the returns' losses ``-x``).
    """

    peaks: ClassVar[bool] = True
    has_capped_finish: ClassVar[bool] = True

    def tail_mass(self, n_rows: int, alpha: float) -> float:
        """The number ``m`` of worst losses averaged (1: the largest; ``T``: the mean)."""
        raise NotImplementedError

    def form(self, returns: np.ndarray, alpha: float, polytope: Any) -> TailForm:
        """The LP epigraph for ``returns`` (T, N) over ``polytope``."""
        mass = self.tail_mass(returns.shape[0], alpha)
        return tail_form(returns, mass, self.peaks, l1_radius(polytope))

    def finish_applies(self, feasible: Any) -> bool:
        return True

    def exact_finish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        *,
        alpha: float,
        return_weights: np.ndarray,
    ) -> tuple[torch.Tensor, list[PolishRow]]:
        """The full LP of each run ``min rho(w) - lam_k mu.w`` (``return_weights`` (K,)):
        weights (K, N) float64 and one report per run."""
        r = returns.detach().to("cpu", torch.float64).numpy()
        mu = mean.detach().to("cpu", torch.float64).numpy()
        polytope = feasible.polytope()
        form = self.form(r, alpha, polytope)
        out, rows = [], []
        for lam in np.asarray(return_weights, dtype=np.float64):
            sol = solve_tail_lp(form, polytope, -lam * mu)
            ok = sol.status == "exact"
            out.append(sol.weights if ok else weights[len(out)].detach().cpu().double().numpy())
            rows.append(PolishRow(sol.status, 1, r.shape[0], sol.value, sol.seconds))
        return torch.from_numpy(np.stack(out)), rows

    def lower_bound(
        self,
        returns: torch.Tensor,
        w: torch.Tensor,
        mean: torch.Tensor,
        feasible: Any,
        *,
        alpha: float = 0.95,
        chunk_rows: int = 65_536,
        return_weights: np.ndarray | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rho(w) - lam mu.w, a proven lower bound on its minimum over C)`` per run
        (each (K,) float64): the minorant of the full LP's multipliers.

        Raises
        ------
        ConfigError
            Over a set with trading costs (the minorant has no cost term).
        """
        if getattr(feasible, "terms", None) is not None:
            raise ConfigError(f"no optimality certificate for {self.name} with trading costs")
        r = returns.detach().to("cpu", torch.float64).numpy()
        mu = mean.detach().to("cpu", torch.float64).numpy()
        wn = w.detach().to("cpu", torch.float64).numpy()
        lams = np.zeros(wn.shape[0]) if return_weights is None else np.asarray(return_weights)
        polytope = feasible.polytope()
        form = self.form(r, alpha, polytope)
        value = self.numpy_value(r @ wn.T, alpha) - lams * (wn @ mu)
        lower = np.empty_like(value)
        for k, lam in enumerate(lams):
            sol = solve_tail_lp(form, polytope, -lam * mu)
            lower[k] = minorant_bound(form, sol.multipliers, -lam * mu, feasible.minimize)
        return torch.from_numpy(value), torch.from_numpy(lower)

    def capped_finish(
        self,
        returns: torch.Tensor,
        mean: torch.Tensor,
        weights: torch.Tensor,
        feasible: Any,
        alpha: float,
        cap: float,
        options: Any = None,
    ) -> tuple[torch.Tensor, PolishRow, float]:
        """``max mu.w s.t. rho(w) <= cap``: the full LP with the measure's row capped."""
        r = returns.detach().to("cpu", torch.float64).numpy()
        mu = mean.detach().to("cpu", torch.float64).numpy()
        polytope = feasible.polytope()
        sol = solve_tail_lp(self.form(r, alpha, polytope), polytope, -mu, cap=cap)
        w = sol.weights if sol.status == "exact" else weights.detach().cpu().double().numpy()
        value = -float(mu @ w)
        row = PolishRow(sol.status, 1, r.shape[0], value, sol.seconds)
        return torch.from_numpy(w), row, sol.cap_multiplier
