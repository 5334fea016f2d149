"""Sample measures with an LP epigraph (:mod:`.kernels.tail_form`): worst realisation, max
drawdown, average drawdown, CDaR.

Their exact finish is the full LP over the feasible polytope (HiGHS), their certificate
the Lagrangian minorant of the LP's multipliers (:func:`.kernels.tail_lp.minorant_bound`),
their capped finish (max-return under a limit on them) the LP with the measure's row
``<= cap``. Each subclass says which losses and which tail mass. The certificate of a
finished run reads the finish's multipliers (:mod:`.kernels.tail_memo`), not a second LP.
The drawdown measures solve their LP by constraint generation: CDaR and max drawdown over
(peak, day) pairs (:mod:`.kernels.tail_cuts`), the average drawdown over its peak rows
(:mod:`.kernels.tail_chain`): the same optimum, certified by the relaxation's multipliers;
the full LP only where the generation does not settle.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch

from ..errors import ConfigError
from .kernels.budget_lp import BudgetEpigraph, tail_epigraph
from .kernels.cvar_polish import PolishRow
from .kernels.tail_chain import solve_mean_drawdown_lp
from .kernels.tail_cuts import solve_drawdown_lp
from .kernels.tail_form import TailForm, tail_form
from .kernels.tail_lp import TailSolution, l1_radius, minorant_bound, solve_tail_lp
from .kernels.tail_memo import TailMemo, digest, polytope_digest
from .linear_term import host_linear
from .sample_measure import SampleMeasure

__all__ = ["GENERATION_MAX_ASSETS", "TailLPMeasure"]

GENERATION_MAX_ASSETS = 64
"""The drawdowns' constraint generation runs up to this many assets (its rows are dense in
the assets); wider sets solve the full LP. At 400 assets (us-stocks, 1259 days) a warm
re-solve of the relaxation stalled in HiGHS (not yet understood), so they keep the full LP."""


class TailLPMeasure(SampleMeasure):
    """Base of the LP-representable sample measures (see the module docstring).

    Class attributes
    ----------------
    peaks : bool
        The losses are drawdowns of the cumulative path (else the returns' losses ``-x``).
    """

    peaks: ClassVar[bool] = True
    has_capped_finish: ClassVar[bool] = True
    whole_data_lp: ClassVar[bool] = True
    finish_from_any_start: ClassVar[bool] = True

    def tail_mass(self, n_rows: int, alpha: float) -> float:
        """The number ``m`` of worst losses averaged (1: the largest; ``T``: the mean)."""
        raise NotImplementedError

    def form(self, returns: np.ndarray, alpha: float, polytope: Any) -> TailForm:
        """The LP epigraph for ``returns`` (T, N) over ``polytope``."""
        mass = self.tail_mass(returns.shape[0], alpha)
        return tail_form(returns, mass, self.peaks, l1_radius(polytope))

    def _memo(self) -> TailMemo:
        """This measure's memo of finished LPs (made on first use)."""
        memo = self.__dict__.get("_tail_memo")
        if memo is None:
            memo = self.__dict__["_tail_memo"] = TailMemo()
        return memo

    @staticmethod
    def _key(returns: np.ndarray, alpha: float, polytope: Any) -> bytes:
        """The memo key of an LP: the data, the level and the polytope."""
        return digest(returns, alpha) + polytope_digest(polytope)

    def finish_applies(self, feasible: Any) -> bool:
        return True

    def budget_epigraph(self, returns: np.ndarray, alpha: float = 0.95) -> BudgetEpigraph:
        """The tail-mean LP (homogeneous: the drawdowns are uncompounded, peaks from 0)."""
        mass = self.tail_mass(returns.shape[0], alpha)
        return tail_epigraph(tail_form(returns, mass, self.peaks, 1.0))

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
        """The full LP of each run ``min rho(w) + c_k.w`` (``linear`` (K, N)): weights (K, N)
        float64 and one report per run (``options`` is not used)."""
        r = returns.detach().to("cpu", torch.float64).numpy()
        w0, lin = host_linear(weights, linear)
        polytope = feasible.polytope()
        key = self._key(r, alpha, polytope)
        out, rows = [], []
        for k in range(w0.shape[0]):
            form, sol = self._solved(r, alpha, polytope, lin[k], w0[k])
            self._memo().put(key, lin[k], form, sol)
            out.append(sol.weights if sol.status == "exact" else w0[k])
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
        linear: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rho(w) + c.w, a proven lower bound on its minimum over C)`` per run (each (K,)
        float64; ``linear``: ``c`` (K, N)): the minorant of the full LP's multipliers.

        Raises
        ------
        ConfigError
            Over a set with trading costs (the minorant has no cost term).
        """
        if getattr(feasible, "terms", None) is not None:
            raise ConfigError(f"no optimality certificate for {self.name} with trading costs")
        r = returns.detach().to("cpu", torch.float64).numpy()
        wn, lin = host_linear(w, linear)
        polytope = feasible.polytope()
        value = self.numpy_value(r @ wn.T, alpha) + (wn * lin).sum(axis=1)
        lower = np.empty_like(value)
        key = self._key(r, alpha, polytope)
        for k in range(wn.shape[0]):
            form, sol = self._memo().take(key, lin[k]) or self._solved(
                r, alpha, polytope, lin[k], wn[k]
            )
            lower[k] = minorant_bound(form, sol.multipliers, lin[k], feasible.minimize)
        return torch.from_numpy(value), torch.from_numpy(lower)

    def _solved(
        self,
        returns: np.ndarray,
        alpha: float,
        polytope: Any,
        linear: np.ndarray,
        start: np.ndarray | None = None,
        cap: float | None = None,
    ) -> tuple[TailForm, TailSolution]:
        """The form and a fresh solve of ``min rho(w) + linear.w`` over ``polytope`` (with
        ``cap``: ``max -linear.w s.t. rho(w) <= cap``); drawdowns by constraint generation
        from ``start`` (N,) (equal weights when None; the average drawdown generates its
        peak rows), the full LP where it does not settle."""
        if self.peaks and returns.shape[1] <= GENERATION_MAX_ASSETS:
            n, t = returns.shape[1], returns.shape[0]
            w0 = np.full(n, 1.0 / n) if start is None else start
            mass, radius = self.tail_mass(t, alpha), l1_radius(polytope)
            if mass < t:
                form, sol = solve_drawdown_lp(returns, mass, polytope, linear, w0, radius, cap)
            else:
                form, sol = solve_mean_drawdown_lp(returns, polytope, linear, w0, radius, cap)
            if form is not None:
                return form, sol
        form = self.form(returns, alpha, polytope)
        return form, solve_tail_lp(form, polytope, linear, cap=cap)

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
        """``max mu.w s.t. rho(w) <= cap``: the LP with the measure's row capped (drawdowns:
        by constraint generation from ``weights``)."""
        r = returns.detach().to("cpu", torch.float64).numpy()
        mu = mean.detach().to("cpu", torch.float64).numpy()
        polytope = feasible.polytope()
        start = np.atleast_2d(weights.detach().cpu().double().numpy())[0]
        _, sol = self._solved(r, alpha, polytope, -mu, start, cap)
        w = sol.weights if sol.status == "exact" else weights.detach().cpu().double().numpy()
        value = -float(mu @ w)
        row = PolishRow(sol.status, 1, r.shape[0], value, sol.seconds)
        return torch.from_numpy(w), row, sol.cap_multiplier
