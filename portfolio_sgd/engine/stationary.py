"""The stationary covariance of constant-step projected SGD iterates around an optimum.

Near a minimiser ``w*`` of a smooth objective on the feasible set, with the active bounds
fixed (strict complementarity) the engine's step is linear in the deviation
``delta = w - w*`` of the free assets F. With ``H`` the Hessian, ``C`` the covariance of the
per-sample gradients (the mini-batch gradient's noise is ``xi ~ (0, C / m)``, times the
finite-population factor for shuffled epochs), ``D`` the diagonal preconditioner (identity
without one) and ``P`` the projection onto ``{sum delta = 0}`` in the metric ``D``,
``P x = x - D^{-1} 1 (1'x) / (1' D^{-1} 1)`` (the constant part of the gradient at ``w*``
lies in what ``P`` removes, by the KKT conditions), one step of ``torch.optim.SGD`` is

    g' = D^{-1} (H delta + xi),   b' = beta b + g',
    delta' = P (delta - eta (g' + beta b'))   (Nesterov)  or  P (delta - eta b')  (heavy ball),

a linear system ``z' = A z + B xi`` in ``z = (delta, b)``. Its stationary covariance solves
the discrete Lyapunov equation ``Sigma = A Sigma A' + B (C / m) B'``; the iterates' own
covariance is the ``delta`` block. It is exactly proportional to ``1 / m`` (with
replacement). For small ``eta`` and plain SGD it reduces to ``H Sigma + Sigma H = (eta / m) C``:
at ``C = sigma^2 H / tr H``-like noise, ``Sigma ~ T H^{-1}`` with the temperature
``T = eta sigma^2 / (2 m)`` of :func:`portfolio_sgd.estimation.batch_size.noise.temperature`.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_discrete_lyapunov

from ..errors import ConfigError


def step_matrices(
    hessian: np.ndarray,
    lr: float,
    momentum: float = 0.0,
    nesterov: bool = False,
    metric: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The linearised step ``z' = A z + B xi`` on the free assets.

    Parameters
    ----------
    hessian : ndarray, shape (n, n)
        Hessian restricted to the free assets.
    lr, momentum : float
        ``eta`` and ``beta`` (0: plain SGD, the state is ``delta`` alone).
    nesterov : bool
    metric : ndarray, shape (n,), optional
        Diagonal preconditioner ``d`` of the free assets.

    Returns
    -------
    (A, B)
        ``A`` (n, n) or (2n, 2n), ``B`` (n, n) or (2n, n).
    """
    n = hessian.shape[0]
    d_inv = np.ones(n) if metric is None else 1.0 / np.asarray(metric, dtype=np.float64)
    eye = np.eye(n)
    proj = eye - np.outer(d_inv, np.ones(n)) / d_inv.sum()
    m_mat = d_inv[:, None] * hessian  # D^{-1} H
    noise = np.diag(d_inv)  # D^{-1}
    if momentum == 0.0:
        return proj @ (eye - lr * m_mat), -lr * proj @ noise
    beta = float(momentum)
    lead, carry = (lr * (1.0 + beta), lr * beta * beta) if nesterov else (lr, lr * beta)
    a = np.block([[proj @ (eye - lead * m_mat), -carry * proj], [m_mat, beta * eye]])
    b = np.vstack([-lead * proj @ noise, noise])
    return a, b


def stationary_covariance(
    hessian: np.ndarray,
    grad_cov: np.ndarray,
    free: np.ndarray,
    lr: float,
    batch_size: int,
    *,
    momentum: float = 0.0,
    nesterov: bool = False,
    metric: np.ndarray | None = None,
    population_factor: float = 1.0,
) -> np.ndarray:
    """Stationary covariance (N, N) of constant-step SGD iterates (zero on fixed assets).

    Parameters
    ----------
    hessian, grad_cov : ndarray, shape (N, N)
        Hessian of the objective and covariance of the per-sample gradients at ``w*``.
    free : ndarray of bool, shape (N,)
        Assets strictly inside their bounds at ``w*``.
    lr : float
    batch_size : int
        ``m``; the gradient noise is ``grad_cov * population_factor / m``.
    momentum, nesterov, metric
        As in :func:`step_matrices` (``metric`` of all N assets).
    population_factor : float
        ``(1 - m/T) T/(T-1)`` for shuffled epochs, 1 with replacement.

    Raises
    ------
    ConfigError
        When the linearised step is unstable (spectral radius >= 1): no stationary state.
    """
    n_assets = hessian.shape[0]
    idx = np.flatnonzero(free)
    out = np.zeros((n_assets, n_assets))
    if idx.size < 2:
        return out  # one free asset or none: the budget pins every weight
    h = hessian[np.ix_(idx, idx)]
    d = None if metric is None else np.asarray(metric, dtype=np.float64)[idx]
    a, b = step_matrices(h, lr, momentum, nesterov, d)
    radius = float(np.abs(np.linalg.eigvals(a)).max())
    if radius >= 1.0:
        raise ConfigError(
            f"the step size {lr:.3g} makes the linearised SGD step unstable (spectral radius "
            f"{radius:.3g}): no stationary distribution"
        )
    q = grad_cov[np.ix_(idx, idx)] * (population_factor / float(batch_size))
    sigma = solve_discrete_lyapunov(a, b @ q @ b.T)
    block = sigma[: idx.size, : idx.size]
    out[np.ix_(idx, idx)] = 0.5 * (block + block.T)
    return out
