"""Small helpers shared by the objective modules (re-exported by :mod:`.base`)."""

from __future__ import annotations

import dataclasses

import torch

from ..errors import ConfigError
from ..measures.scales import data_scales, triangular_factor
from .parameters import SpecFields


def per_run(values: torch.Tensor | None, default: float, like: torch.Tensor) -> torch.Tensor:
    """Per-run parameter values (K,): ``values`` or ``default`` repeated."""
    if values is not None:
        return values
    return torch.full((like.shape[0],), default, dtype=like.dtype, device=like.device)


def require(value: torch.Tensor | None, name: str) -> torch.Tensor:
    """``value``, or a :class:`ConfigError` naming the missing input."""
    if value is None:
        raise ConfigError(f"this objective needs {name}")
    return value


def unshrunk(spec: SpecFields, risk_aversion: float | None = None) -> SpecFields:
    """``spec`` without shrinkage (and with ``risk_aversion`` when given)."""
    lam = spec.risk_aversion if risk_aversion is None else risk_aversion
    return dataclasses.replace(
        spec,
        risk_aversion=lam,
        shrinkage="none",
        shrinkage_intensity=None,
        shrinkage_target=None,
    )


__all__ = ["data_scales", "per_run", "require", "triangular_factor", "unshrunk"]
