"""EVaR of a portfolio as a smooth function of unnormalised weights, for risk budgeting.

``EVaR(y) = min_{z > 0} phi(y, z)``, ``phi = z (log sum_t exp(L_t / z) - log(T (1 - a)))``
with losses ``L = -R y``, is convex and positively homogeneous, and smooth where the
minimising ``z*`` is positive. With the tilted weights ``p = softmax(L / z*)`` and
``dev = L - p.L``,

    grad = -R'p,   hess = H_yy - h h' / H_zz,
    H_yy = R'(diag p - p p')R / z*,   h = R'(p dev) / z*^2,   H_zz = p.dev^2 / z*^3,

the Hessian of the partial minimum over ``z`` (a Schur complement of ``phi``'s). The
gradient lies in EVaR's dual set (the tilted weights are a density of its entropic ball),
which is what the budgeting certificate needs. :meth:`EntropicBudgetForm.joint` gives
``phi`` itself, jointly convex and smooth in ``(y, z)`` for ``z > 0``, with
``d phi / dz = log mean_t exp(L_t / z) - log(1 - a) - p.L / z`` and the blocks above: Newton
over ``(y, z)`` needs no inner solve for ``z*``.
"""

from __future__ import annotations

import numpy as np

from ...errors import ConfigError
from ..entropic import entropic_values

__all__ = ["EntropicBudgetForm"]


class EntropicBudgetForm:
    """EVaR at ``alpha`` on ``returns`` (T, N) divided by ``scale`` (their largest ``|r|``).

    Attributes
    ----------
    returns : ndarray, shape (T, N)
        The scaled returns.
    alpha : float
    scale : float
        EVaR in data units is ``scale`` times the form's value.
    """

    def __init__(self, returns: np.ndarray, alpha: float) -> None:
        r = np.asarray(returns, dtype=np.float64)
        self.scale = float(np.abs(r).max()) or 1.0
        self.returns, self.alpha = r / self.scale, alpha

    def value(self, y: np.ndarray) -> float:
        """EVaR of ``y`` (N,) in the form's units."""
        return float(entropic_values((-(self.returns @ y))[:, None], self.alpha)[0][0])

    def level(self, y: np.ndarray) -> float:
        """The minimising ``z* >= 0`` at ``y`` (N,)."""
        return float(entropic_values((-(self.returns @ y))[:, None], self.alpha)[1][0])

    def joint(self, y: np.ndarray, z: float) -> tuple[float, np.ndarray, np.ndarray]:
        """``(phi, gradient (N + 1,), Hessian (N + 1, N + 1))`` of ``phi(y, z)``, ``z > 0``."""
        losses = -(self.returns @ y)
        a = losses / z
        top = float(a.max())
        p = np.exp(a - top)
        total = float(p.sum())
        p /= total
        level = top + np.log(total) - np.log(len(a)) - np.log1p(-self.alpha)
        dev = losses - p @ losses
        rp = self.returns.T @ p
        hess = np.empty((y.size + 1, y.size + 1))
        hess[:-1, :-1] = ((self.returns.T * p) @ self.returns - np.outer(rp, rp)) / z
        hess[:-1, -1] = hess[-1, :-1] = self.returns.T @ (p * dev) / z**2
        hess[-1, -1] = float(p @ dev**2) / z**3
        grad = np.append(-rp, level - float(p @ losses) / z)
        return z * level, grad, hess

    def derivatives(self, y: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``(value, gradient (N,), Hessian (N, N))`` at ``y`` (module docstring).

        Raises
        ------
        ConfigError
            Where ``z* = 0`` (EVaR is the largest loss there, not smooth).
        """
        losses = -(self.returns @ y)
        values, levels = entropic_values(losses[:, None], self.alpha)
        z = float(levels[0])
        if not z > 0:
            raise ConfigError("EVaR risk budgeting: EVaR equals the largest loss here")
        a = losses / z
        p = np.exp(a - a.max())
        p /= p.sum()
        dev = losses - p @ losses
        rp = self.returns.T @ p
        h = self.returns.T @ (p * dev) / z**2
        hess = ((self.returns.T * p) @ self.returns - np.outer(rp, rp)) / z
        hess -= np.outer(h, h) / (float(p @ dev**2) / z**3)
        return float(values[0]), -rp, hess
