"""A feasible set as a polytope in standard form, and linear minimisation over it by HiGHS.

:class:`Polytope` describes ``C = { D x : A_ub x <= b_ub, A_eq x = b_eq, lower <= x <= upper }``
in a possibly lifted variable ``x`` (a leverage cap splits ``w = u - v``; trading costs add
the trades ``u, v``). It is the extension point for linear constraints: the linear
minimisation oracles (:mod:`.oracle`, :mod:`.trading.oracle`), the CVaR dual bound and the
exact finishes only need a :class:`Polytope`, so a new constraint part only has to add rows.
:func:`polytope_minimizer` minimises a linear cost over it, one HiGHS LP per row, or, on
the common set of a budget, a box and caps on disjoint or nested groups, by the greedy fill
of :mod:`.laminar_greedy` (exact there: a polymatroid's base polytope).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from scipy.optimize import linprog

from ..errors import PortfolioSGDError
from .laminar_greedy import laminar_minimizer

__all__ = ["CertificateError", "Polytope", "polytope_minimizer"]


class CertificateError(PortfolioSGDError):
    """A linear minimisation over the feasible set failed (an LP without an optimum, costs of
    the wrong shape), so the certificate that needed it could not be computed."""


@dataclass(frozen=True)
class Polytope:
    """``C = { D x : A_ub x <= b_ub, A_eq x = b_eq, lower <= x <= upper }`` in standard form.

    Attributes
    ----------
    a_ub : np.ndarray, shape (m_ub, n_x)
    b_ub : np.ndarray, shape (m_ub,)
    a_eq : np.ndarray, shape (m_eq, n_x)
    b_eq : np.ndarray, shape (m_eq,)
    lower, upper : np.ndarray, shape (n_x,)
        Variable bounds; ``-inf`` / ``+inf`` where absent.
    lift : np.ndarray, shape (N, n_x)
        ``D``: the weights are ``w = D x`` (the identity unless the set is lifted).
    x_cost : np.ndarray, shape (n_x,), optional
        A fixed linear term ``e.x`` added to every linear minimisation over the set (the
        lifted form of a separable cost such as ``sum c_i |w_i - p_i|``).
    """

    a_ub: np.ndarray
    b_ub: np.ndarray
    a_eq: np.ndarray
    b_eq: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lift: np.ndarray
    x_cost: np.ndarray | None = None

    @property
    def n_x(self) -> int:
        """Dimension of the (possibly lifted) variable ``x``."""
        return int(self.lower.shape[0])


def polytope_minimizer(c: torch.Tensor, polytope: Polytope) -> torch.Tensor:
    """``argmin_{w in C} c.w`` over a general :class:`Polytope`, one HiGHS LP per row.

    Parameters
    ----------
    c : Tensor, shape (K, N)
        Costs (any dtype/device; solved in float64 on the host).
    polytope : Polytope

    Returns
    -------
    Tensor, float64, shape (K, N), on the device of ``c``

    Raises
    ------
    CertificateError
        If HiGHS does not report an optimal solution (e.g. the extra rows are infeasible).
    """
    cost = c.detach().to(device="cpu", dtype=torch.float64).numpy()
    greedy = laminar_minimizer(cost, polytope)
    if greedy is not None:
        return torch.from_numpy(greedy).to(c.device)
    lift = polytope.lift
    bounds = np.column_stack([polytope.lower, polytope.upper])
    out = np.empty_like(cost)
    for k, row in enumerate(cost):
        extra = polytope.x_cost if polytope.x_cost is not None else 0.0
        res = linprog(
            row @ lift + extra,
            A_ub=polytope.a_ub if polytope.a_ub.shape[0] else None,
            b_ub=polytope.b_ub if polytope.b_ub.shape[0] else None,
            A_eq=polytope.a_eq if polytope.a_eq.shape[0] else None,
            b_eq=polytope.b_eq if polytope.a_eq.shape[0] else None,
            bounds=bounds,
            method="highs",
        )
        if res.status != 0:
            raise CertificateError(
                f"linear minimisation over the feasible set failed: {res.message}"
            )
        out[k] = lift @ res.x
    return torch.from_numpy(out).to(c.device)
