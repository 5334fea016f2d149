"""Engine configuration: optimiser, step size, batches, averaging, stopping, device."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from enum import Enum

import torch

from ..errors import ConfigError
from .sampling import Sampling
from .schedules import BatchSchedule, LRSchedule, parse_enum


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


@dataclass(frozen=True)
class EngineConfig:
    """Everything that controls one optimisation (or a batch of K runs).

    Parameters
    ----------
    batch_size : int
        Initial mini-batch size m0 (scenarios per step). A batch of at least T rows uses the
        full data (an exact gradient).
    lr : float or None
        Step size. ``None`` picks it automatically from the data's curvature (see
        :mod:`portfolio_sgd.engine.step_size`).
    optimizer : {"sgd", "adam"} or None
        ``None`` is SGD with Nesterov momentum for every objective (CVaR included: its
        hinge is smoothed, see ``cvar_smoothing``); ``"adam"`` is ``torch.optim.Adam``.
    momentum : float
        Momentum of SGD (Nesterov when ``nesterov``).
    precondition : bool
        Diagonal (Jacobi) preconditioning of SGD steps by per-asset variances, with the
        projection taken in the same metric. Makes the step size invariant to assets'
        volatility differences (bond ETFs next to equities). Not used with Adam (already
        per-coordinate) or with a leverage cap.
    cvar_smoothing : float
        Final smoothing of CVaR's hinge, in units of the portfolio-return scale (see
        :func:`portfolio_sgd.objectives.scenario_losses`). The smoothing starts at one
        return scale and halves every ``growth_every`` steps down to this value; 0 runs
        exact subgradients (then use averaging).
    restart : bool
        Adaptive momentum restart (O'Donoghue and Candes): a run's momentum is reset when
        its step points uphill. Only with exact (full-batch) gradients.
    steps, epochs, time_budget : optional
        Budget: a maximum number of steps, of passes over the data (samples seen / T), or
        seconds. With none given, ``steps`` defaults to ``max_steps_default``.
    tol : float or None
        Stop when the full-data objective changes by less than ``tol`` (relative) between
        two consecutive evaluations, twice in a row, once batches have reached full size
        (or at any time for a constant batch schedule). ``None`` disables it. Floored at
        2 machine epsilons of ``dtype`` (about 2.4e-7 in float32, where evaluations cannot
        resolve smaller changes; see :mod:`portfolio_sgd.engine.stopping`).
    eval_every : int
        Steps between full-data objective evaluations (history, tolerance, divergence).
    sampling : {"replacement", "shuffle"}
    batch_schedule : BatchSchedule
    batch_growth : float
        Geometric ratio per ``growth_every`` steps, or ``c`` of log growth.
    growth_every : int
    lr_schedule : LRSchedule
    averaging : Averaging or None
        ``None``: tail averaging for CVaR, none otherwise.
    tail_fraction : float
        Fraction of the step budget averaged by ``tail`` averaging.
    device : str
    dtype : {"float32", "float64"}
    seed : int
    progress : bool
        Show a tqdm progress bar on stderr: steps, rate, elapsed time and the objective
        (no total: the step budget is a cap the tolerance test usually stops before, so an
        estimate of the time left to it would be wrong). See :mod:`portfolio_sgd.utils.progress`.
    max_steps_default : int
        Step budget when none is given (a fifth of it for non-smooth objectives).
    cuda_graphs : bool
        On CUDA, capture each regime's step as a CUDA graph and replay it (see
        :mod:`portfolio_sgd.step_graphs`); ignored on other devices.
    cvar_polish : bool
        The objectives' exact finish (the name is historical). (Mean-)CVaR: the
        Rockafellar-Uryasev LP restricted to the tail scenarios around the VaR, solved by
        HiGHS and verified on every scenario (see :mod:`portfolio_sgd.engine.cvar_polish`).
        Min-variance and mean-variance: the QP on the covariance matrix by an active-set
        method, verified by its KKT conditions (:mod:`portfolio_sgd.engine.qp_finish`; not
        with a gross-leverage cap or market impact). No effect on other objectives or on
        row-weighted runs.
    early_finish : bool
        With ``cvar_polish``: try the exact finish during the loop and stop it once the
        finish is a verified optimum (see :mod:`portfolio_sgd.engine.early_finish`; CVaR:
        at the end of each smoothing stage with exact gradients; the QP finish: before the
        first step when predicted cheaper than the loop, else once the loop's counted work
        reaches the finish's). Attempts are spaced by counted work, never by the clock.
        False runs the loop to its own stop.
    sgd_dtype : {"auto", "float32", "float64"}
        The dtype of the loop's steps. ``"auto"``: float32 when ``dtype`` is float64 and the
        run ends with the CVaR finish (``cvar_polish``; not the QP finish, whose loop is
        short) and the copy is
        at most 64 MiB: the steps read a float32 copy of the data (0.5x its float64 size
        more memory) and the finish, verified on the float64 data, makes the answer exact
        in float64 (:mod:`portfolio_sgd.engine.precision`). Otherwise ``dtype``. A float32 ``sgd_dtype`` with float64 ``dtype`` always keeps the final
        evaluation (and any finish) in float64.
    """

    batch_size: int = 256
    lr: float | None = None
    optimizer: OptimizerName | None = None
    momentum: float = 0.9
    nesterov: bool = True
    precondition: bool = True
    cvar_smoothing: float = 2e-3
    restart: bool = True
    steps: int | None = None
    epochs: float | None = None
    time_budget: float | None = None
    tol: float | None = 1e-9
    eval_every: int = 25
    sampling: Sampling = Sampling.REPLACEMENT
    batch_schedule: BatchSchedule = BatchSchedule.GEOMETRIC
    batch_growth: float = 2.0
    growth_every: int = 50
    lr_schedule: LRSchedule = LRSchedule.CONSTANT
    averaging: Averaging | None = None
    tail_fraction: float = 0.5
    device: str = "auto"
    dtype: str = "float64"
    seed: int = 0
    progress: bool = False
    max_steps_default: int = 20_000
    cuda_graphs: bool = True
    cvar_polish: bool = True
    early_finish: bool = True
    sgd_dtype: str = "auto"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.optimizer is not None:
            set_(self, "optimizer", parse_enum(OptimizerName, self.optimizer, "optimizer"))
        if self.averaging is not None:
            set_(self, "averaging", parse_enum(Averaging, self.averaging, "averaging"))
        set_(self, "sampling", parse_enum(Sampling, self.sampling, "sampling mode"))
        set_(
            self, "batch_schedule", parse_enum(BatchSchedule, self.batch_schedule, "batch schedule")
        )
        set_(
            self, "lr_schedule", parse_enum(LRSchedule, self.lr_schedule, "learning-rate schedule")
        )
        parse_enum(DeviceName, str(self.device).split(":")[0], "device")
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"dtype must be float32 or float64, got {self.dtype!r}")
        if self.sgd_dtype not in ("auto", "float32", "float64"):
            raise ConfigError(f"sgd_dtype must be auto, float32 or float64, got {self.sgd_dtype!r}")
        if int(self.batch_size) < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        if self.lr is not None and not (math.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(f"learning rate must be a positive number, got {self.lr}")
        if not (0.0 <= self.momentum < 1.0):
            raise ConfigError(f"momentum must lie in [0, 1), got {self.momentum}")
        for name in ("steps", "eval_every", "growth_every"):
            value = getattr(self, name)
            if value is not None and int(value) < 1:
                raise ConfigError(f"{name.replace('_', ' ')} must be at least 1, got {value}")
        for name in ("epochs", "time_budget"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ConfigError(f"{name.replace('_', ' ')} must be positive, got {value}")
        if self.tol is not None and not self.tol >= 0:
            raise ConfigError(f"tol must be >= 0, got {self.tol}")
        if not (0.0 < self.tail_fraction <= 1.0):
            raise ConfigError(f"tail_fraction must lie in (0, 1], got {self.tail_fraction}")
        if self.batch_growth < 1.0 and self.batch_schedule is not BatchSchedule.LOG_GROWTH:
            raise ConfigError(f"batch_growth must be >= 1, got {self.batch_growth}")

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form with enums as strings."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, Enum):
                out[key] = value.value
        return out


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
