"""Covariance shrinkage of the quadratic objectives, as an objective modifier.

The shrunk covariance ``Sigma_s = (1 - delta) S + delta F I`` (``S`` the empirical
covariance with the ``1/T`` normalisation, ``F = trace(S) / N``) turns every variance
term ``w'Sw`` into

    w' Sigma_s w = (1 - delta) * (scenario variance) + delta * F * w'w,

an unbiased mini-batch estimate (the scenario part, scaled) plus a deterministic ridge
toward the target (added exactly to every step, like risk parity's barrier). The
intensity ``delta`` and the target ``F`` are those of scikit-learn's ``LedoitWolf`` and
``OAS`` (``assume_centered=False``), computed here in torch float64 from the returns
(scikit-learn is only used by the tests to check them).

Why a modifier and not a new objective: shrinkage is a property of the risk estimate,
not a new risk measure. :class:`ShrunkObjective` wraps the registered objective; each
quadratic objective says how its variance term is shrunk (:meth:`shrink_parts`), so no
code outside ``objectives/`` branches on a name and every method of the protocol (losses,
derivatives, curvature, moment-matrix steps, Hessian, cvxpy form, certificate) follows.
``delta`` and ``F`` are data-dependent: :func:`resolve_shrinkage` fills them into the
:class:`ObjectiveSpec` once, when the data is prepared, so the result records them.
"""

from __future__ import annotations

import dataclasses
from enum import Enum

import torch

from ..errors import ConfigError
from .parameters import SpecFields


class Shrinkage(str, Enum):
    """Covariance shrinkage of the quadratic objectives."""

    NONE = "none"
    LEDOIT_WOLF = "ledoit-wolf"
    OAS = "oas"


def parse_shrinkage(value: object) -> Shrinkage:
    """The :class:`Shrinkage` member for a name (``ledoit_wolf`` and ``lw`` accepted)."""
    raw = getattr(value, "value", value)
    key = str(raw).strip().lower().replace("_", "-")
    key = {"lw": "ledoit-wolf", "ledoitwolf": "ledoit-wolf"}.get(key, key)
    try:
        return Shrinkage(key)
    except ValueError:
        names = ", ".join(m.value for m in Shrinkage)
        raise ConfigError(f"unknown shrinkage {raw!r}; choose one of: {names}") from None


def _centred(returns: torch.Tensor) -> torch.Tensor:
    """Float64 returns (T, N) minus their column means."""
    x = returns.detach().to(torch.float64)
    return x - x.mean(dim=0)


def ledoit_wolf_intensity(returns: torch.Tensor) -> tuple[float, float]:
    """``(delta, F)`` of scikit-learn's ``ledoit_wolf_shrinkage`` for returns (T, N)
    (:func:`ledoit_wolf_from_moments` of their covariance and fourth-power sum)."""
    x = _centred(returns)
    n_rows = x.shape[0]
    fourth = float(((x * x).sum(dim=1) ** 2).sum())
    return ledoit_wolf_from_moments(x.T @ x / n_rows, fourth, n_rows)


def ledoit_wolf_from_moments(cov: torch.Tensor, fourth: float, n_rows: int) -> tuple[float, float]:
    """``(delta, F)`` of Ledoit-Wolf from the covariance ``S`` (N, N, ``1/T``), the sum
    ``fourth = sum_t (sum_i X_ti^2)^2`` over the centred rows ``X``, and ``T``.

    With ``F = trace(S) / N``:
    ``beta = (fourth / T - ||S||_F^2) / (N T)``,
    ``d = (||S||_F^2 - 2 F trace(S) + N F^2) / N`` and ``delta = min(beta, d) / d``.
    These are sums over rows, so ranks holding shards of the data can add them up.
    """
    n_assets = cov.shape[0]
    diag = torch.diagonal(cov)
    target = float(diag.sum()) / n_assets
    if n_assets == 1:
        return 0.0, target
    frob = float((cov * cov).sum())
    beta = (fourth / n_rows - frob) / (n_assets * n_rows)
    d = (frob - 2.0 * target * float(diag.sum()) + n_assets * target**2) / n_assets
    beta = min(beta, d)
    return (0.0 if beta == 0 else beta / d), target


def oas_intensity(returns: torch.Tensor) -> tuple[float, float]:
    """``(delta, F)`` of scikit-learn's ``OAS`` (Chen et al. 2010) for returns (T, N)
    (:func:`oas_from_covariance` of their covariance)."""
    x = _centred(returns)
    return oas_from_covariance(x.T @ x / x.shape[0], x.shape[0])


def oas_from_covariance(cov: torch.Tensor, n_rows: int) -> tuple[float, float]:
    """``(delta, F)`` of OAS from the covariance ``S`` (N, N, ``1/T``) of ``T`` rows.

    ``a = mean(S_ij^2)``, ``F = trace(S) / N``,
    ``delta = min((a + F^2) / ((T + 1) (a - F^2 / N)), 1)`` (1 when the denominator is 0).
    """
    n_assets = cov.shape[0]
    if n_assets == 1:
        return 0.0, float(cov[0, 0])
    alpha = float((cov * cov).mean())
    target = float(torch.trace(cov)) / n_assets
    den = (n_rows + 1) * (alpha - target**2 / n_assets)
    return (1.0 if den == 0 else min((alpha + target**2) / den, 1.0)), target


def shrinkage_intensity(kind: Shrinkage | str, returns: torch.Tensor) -> tuple[float, float]:
    """``(delta, F)`` of the estimator ``kind`` on returns (T, N); ``(0, 0)`` for none."""
    kind = parse_shrinkage(kind)
    if kind is Shrinkage.LEDOIT_WOLF:
        return ledoit_wolf_intensity(returns)
    if kind is Shrinkage.OAS:
        return oas_intensity(returns)
    return 0.0, 0.0


def resolve_shrinkage(spec: SpecFields, returns: torch.Tensor) -> SpecFields:
    """``spec`` with its shrinkage intensity and target computed from returns (T, N).

    A spec without shrinkage, or one already resolved, is returned unchanged.
    """
    if parse_shrinkage(spec.shrinkage) is Shrinkage.NONE or spec.shrinkage_intensity is not None:
        return spec
    delta, target = shrinkage_intensity(spec.shrinkage, returns)
    return dataclasses.replace(spec, shrinkage_intensity=delta, shrinkage_target=target)
