"""The choices of the engine settings: one str Enum per multiple-choice field of
:class:`~portfolio_sgd.engine.config.EngineConfig`.

Pure declarations (no torch): the command line builds its ``--help`` choices from them
without loading the library. The modules that act on a choice import it from here
(:mod:`.sampling`, :mod:`.schedules`).
"""

from __future__ import annotations

from enum import Enum


class OptimizerName(str, Enum):
    """Which ``torch.optim`` optimiser drives the weights."""

    SGD = "sgd"
    ADAM = "adam"


class Averaging(str, Enum):
    """Iterate averaging: none, Polyak-Ruppert (after a 10% burn-in), or tail averaging."""

    NONE = "none"
    POLYAK = "polyak"
    TAIL = "tail"


class DeviceName(str, Enum):
    """Device choices; ``auto`` picks cuda, then mps, then cpu."""

    AUTO = "auto"
    CPU = "cpu"
    CUDA = "cuda"
    MPS = "mps"


class Sampling(str, Enum):
    """How mini-batch indices are drawn."""

    REPLACEMENT = "replacement"
    SHUFFLE = "shuffle"


class BatchSchedule(str, Enum):
    """How the mini-batch size evolves with the step count."""

    CONSTANT = "constant"
    LINEAR_SCALING = "linear-scaling"
    LOG_GROWTH = "log-growth"
    GEOMETRIC = "geometric"


class LRSchedule(str, Enum):
    """Learning-rate schedule (applied through ``torch.optim.lr_scheduler``)."""

    CONSTANT = "constant"
    COSINE = "cosine"
    INVERSE_SQRT = "inverse-sqrt"
    STEP = "step"
