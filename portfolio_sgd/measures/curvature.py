"""Curvature of the data by power iteration: the measures' curvature bounds.

Portfolio returns have a tiny scale (daily variances ~1e-4), so a curvature bound has to
come from the data. :func:`top_eigenvalue` estimates the largest eigenvalue of the
(centred) second moment on a random subsample of rows; :func:`smoothed_cvar_curvature`
that of the smoothed Rockafellar-Uryasev function near the VaR. The engine turns a
measure's bound into a step size (:mod:`portfolio_sgd.engine.step_size`).
"""

from __future__ import annotations

import torch

__all__ = [
    "CURVATURE_ROWS",
    "SAMPLE_ROWS",
    "return_scale",
    "smoothed_cvar_curvature",
    "top_eigenvalue",
]

SAMPLE_ROWS = 16_384
"""Rows of the random subsample used by curvature estimates."""
CURVATURE_ROWS = 4_096
"""Most scenarios in the smoothed-CVaR power iteration (it runs at every smoothing stage)."""


def top_eigenvalue(
    returns: torch.Tensor,
    center: torch.Tensor | None,
    *,
    max_rows: int = SAMPLE_ROWS,
    iters: int = 50,
    seed: int = 0,
    metric: torch.Tensor | None = None,
) -> float:
    """Largest eigenvalue of ``E[(r - c)(r - c)^T]`` by power iteration.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    center : Tensor, shape (N,), optional
        Subtracted from every row (the mean for a covariance; None for second moments).
    max_rows : int
        Rows used (a uniform random subsample when T is larger).
    iters : int
        Power iterations.
    seed : int
    metric : Tensor, shape (N,), optional
        Diagonal preconditioner ``d``: the eigenvalue of ``D^{-1/2} M D^{-1/2}`` instead.

    Returns
    -------
    float
    """
    n_rows, n_assets = returns.shape
    gen = torch.Generator(device=returns.device).manual_seed(seed)
    sample = _row_sample(returns, max_rows, gen)  # the data's dtype: no float64 copy
    dt = sample.dtype
    # centring and metric scaling are applied to the vectors, not to copies of the sample
    c = center.to(dt) if center is not None else None
    scale = torch.rsqrt(metric.to(dt)) if metric is not None else None
    v = torch.randn(n_assets, generator=gen, device=returns.device, dtype=torch.float64).to(dt)
    v = v / v.norm()
    value = 0.0
    for _ in range(iters):
        y = v * scale if scale is not None else v
        z = sample @ y
        if c is not None:
            z = z - c @ y
        u = sample.T @ z
        if c is not None:
            u = u - c * z.sum()
        if scale is not None:
            u = u * scale
        u = u / sample.shape[0]
        value = float(u.norm())
        if value == 0.0:
            return 0.0
        v = u / value
    return value


def return_scale(returns: torch.Tensor, max_rows: int = SAMPLE_ROWS) -> float:
    """Typical size of one scenario's portfolio return: RMS of the equal-weight returns."""
    x = returns[:max_rows].mean(dim=1).to(torch.float64)  # no float64 copy of the rows
    return max(float(torch.sqrt((x * x).mean())), 1e-12)


def _row_sample(returns: torch.Tensor, max_rows: int, gen: torch.Generator) -> torch.Tensor:
    """At most ``max_rows`` rows of ``returns`` (uniform with replacement), same dtype."""
    n_rows = returns.shape[0]
    if n_rows <= max_rows:
        return returns
    idx = torch.randint(n_rows, (max_rows,), generator=gen, device=returns.device)
    return returns.index_select(0, idx)


def smoothed_cvar_curvature(
    returns: torch.Tensor,
    weights: torch.Tensor,
    var_level: torch.Tensor,
    smoothing: float,
    alpha: float,
    metric: torch.Tensor | None = None,
    *,
    portfolio_x: torch.Tensor | None = None,
    max_rows: int = CURVATURE_ROWS,
    iters: int = 20,
    seed: int = 0,
) -> float:
    """Largest curvature of the smoothed Rockafellar-Uryasev function at a point.

    The Hessian in ``(w, t)`` of ``t + E[tau softplus((-x - t)/tau)]/(1 - alpha)`` is
    ``E[s_t a_t a_t^T]`` with ``a_t = (r_t, 1)`` and
    ``s_t = sigmoid'(z_t / tau) / (tau (1 - alpha))``, ``z_t = -x_t - t``; it is large only
    for scenarios near the VaR boundary. Estimated by power iteration at run 0's point.

    Parameters
    ----------
    returns : Tensor, shape (T, N)
    weights : Tensor, shape (K, N)
    var_level : Tensor, shape (K,)
    smoothing : float
        ``tau``.
    alpha : float
    metric : Tensor, shape (N,), optional
        Diagonal preconditioner of the weights (``t`` is not preconditioned).
    portfolio_x : Tensor, shape (K, T), optional
        ``R w`` on the full data when the caller has it: the scenarios near the VaR are
        then found among all T (else among a random sample of ``max_rows``).
    max_rows : int
        Most scenarios the power iteration runs on.

    Returns
    -------
    float
    """
    n_assets = returns.shape[1]
    gen = torch.Generator(device=returns.device).manual_seed(seed)
    sample, s = _near_var_sample(
        returns, weights, var_level, smoothing, alpha, portfolio_x, max_rows, gen
    )
    if metric is not None:
        sample = sample / torch.sqrt(metric.to(torch.float64))
    # power iteration on E[s a a^T] with a = (r, 1), without materialising the ones column
    v_w = torch.randn(n_assets, generator=gen, device=returns.device, dtype=torch.float64)
    v_t = torch.ones((), dtype=torch.float64, device=returns.device)
    value = 0.0
    for _ in range(iters):
        norm = torch.sqrt(v_w @ v_w + v_t * v_t)
        v_w, v_t = v_w / norm, v_t / norm
        u = s * (sample @ v_w + v_t)
        v_w, v_t = sample.T @ u, u.sum()
        value = float(torch.sqrt(v_w @ v_w + v_t * v_t))
        if value == 0.0:
            break
    return max(value, 1e-300)


def _near_var_sample(
    returns: torch.Tensor,
    weights: torch.Tensor,
    var_level: torch.Tensor,
    smoothing: float,
    alpha: float,
    portfolio_x: torch.Tensor | None,
    max_rows: int,
    gen: torch.Generator,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows (float64) near run 0's VaR and their curvature weights ``s`` for the power
    iteration (see :func:`smoothed_cvar_curvature`)."""
    n_rows = returns.shape[0]
    if portfolio_x is not None:
        candidates, x = None, portfolio_x[0]  # every scenario
    elif n_rows <= max_rows:
        candidates, x = None, returns @ weights[0].to(returns.dtype)
    else:
        candidates = torch.randint(n_rows, (max_rows,), generator=gen, device=returns.device)
        x = returns.index_select(0, candidates) @ weights[0].to(returns.dtype)
    n_candidates = x.shape[0]
    z = -x.to(torch.float64) - float(var_level[0])
    sig = torch.sigmoid(z / smoothing)
    s = sig * (1.0 - sig) / (smoothing * (1.0 - alpha))
    # Only scenarios near the VaR carry curvature: with a small smoothing most weights are
    # negligible (below 1e-8 of the largest). The power iteration runs on the others only,
    # a uniform subsample of at most max_rows of them (reweighted) when there are more.
    rows = (s > 1e-8 * s.max()).nonzero().squeeze(1)
    weight = 1.0
    if rows.numel() > max_rows:
        weight = rows.numel() / max_rows
        pick = torch.randint(rows.numel(), (max_rows,), generator=gen, device=returns.device)
        rows = rows.index_select(0, pick)
    s = s.index_select(0, rows) * (weight / n_candidates)
    if candidates is not None:
        rows = candidates.index_select(0, rows)
    return returns.index_select(0, rows).to(torch.float64), s
