"""The torch device of a run: ``EngineConfig.device`` resolved and checked."""

from __future__ import annotations

import torch

from ..errors import ConfigError
from .choices import DeviceName


def resolve_device(name: str) -> torch.device:
    """Turn ``auto|cpu|cuda[:i]|mps`` into a torch device, checking availability.

    Raises
    ------
    ConfigError
        If the requested device is not available.
    """
    base = str(name).split(":")[0]
    if base == DeviceName.AUTO.value:
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if base == DeviceName.CUDA.value and not torch.cuda.is_available():
        raise ConfigError("device 'cuda' requested but CUDA is not available; use --device cpu")
    if base == DeviceName.MPS.value and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise ConfigError("device 'mps' requested but MPS is not available; use --device cpu")
    return torch.device(name)
