"""Engine configuration: optimiser, step size, batches, averaging, stopping, device."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

from ..errors import ConfigError
from ..utils.choices import parse_choice
from .choices import Averaging, BatchSchedule, DeviceName, LRSchedule, OptimizerName, Sampling

__all__ = [
    "Averaging",
    "BatchSchedule",
    "DeviceName",
    "EngineConfig",
    "LRSchedule",
    "OptimizerName",
    "Sampling",
    "setting",
]


def setting(default: Any, help: str, **cli: Any) -> Any:  # noqa: A002 - the field's help
    """A record field with its one-line help, the single declaration the CLI and the
    estimators read (:mod:`portfolio_sgd.cli.record_options`).

    Parameters
    ----------
    default : object
        The field's default.
    help : str
        One line for ``--help`` and the estimators' docstrings.
    **cli
        Command-line hints: ``min`` (an int option's lower bound, shown as a range) and
        ``choices`` (the allowed strings of a ``str`` field).
    """
    return field(default=default, metadata={"help": help, **cli})


@dataclass(frozen=True)
class EngineConfig:
    """Everything that controls one optimisation (or a batch of K runs).

    Each field is declared once, with its default and its one-line help
    (:func:`setting`); the command line's engine options and the estimators' engine
    parameters are generated from the fields. The notes below add what one line cannot.

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

    batch_size: int = setting(256, "Initial mini-batch size.", min=1)
    lr: float | None = setting(None, "Step size (default: automatic from the data's curvature).")
    optimizer: OptimizerName | None = setting(
        None, "Default: sgd with Nesterov momentum for every objective (CVaR is smoothed)."
    )
    momentum: float = setting(0.9, "Momentum of SGD, in [0, 1).")
    nesterov: bool = setting(True, "Nesterov momentum.")
    precondition: bool = setting(
        True, "Diagonal (Jacobi) preconditioning of SGD steps by per-asset variances."
    )
    cvar_smoothing: float = setting(
        2e-3, "Final CVaR hinge smoothing, in portfolio-return scales (0: exact subgradients)."
    )
    restart: bool = setting(True, "Adaptive momentum restart once gradients are exact.")
    steps: int | None = setting(None, "Maximum optimiser steps.")
    epochs: float | None = setting(None, "Maximum passes over the data.")
    time_budget: float | None = setting(None, "Maximum seconds.")
    tol: float | None = setting(1e-9, "Relative objective tolerance for stopping.")
    eval_every: int = setting(25, "Steps between full-data objective evaluations.", min=1)
    sampling: Sampling = setting(
        Sampling.REPLACEMENT, "Mini-batch draws: i.i.d. with replacement, or shuffled epochs."
    )
    batch_schedule: BatchSchedule = setting(
        BatchSchedule.GEOMETRIC,
        "How the batch size grows (geometric reaches the full data, for exact convergence).",
    )
    batch_growth: float = setting(2.0, "Batch growth ratio per stage (or c of log growth).")
    growth_every: int = setting(50, "Steps per batch-growth (and CVaR smoothing) stage.", min=1)
    lr_schedule: LRSchedule = setting(
        LRSchedule.CONSTANT, "Learning-rate schedule (torch.optim.lr_scheduler)."
    )
    averaging: Averaging | None = setting(None, "Iterate averaging (default: tail for cvar).")
    tail_fraction: float = setting(0.5, "Fraction of the step budget averaged by tail averaging.")
    device: str = setting("auto", "auto, cpu, cuda (or cuda:i) or mps.")
    dtype: str = setting(
        "float64", "Dtype of the data and the answer.", choices=("float32", "float64")
    )
    seed: int = setting(0, "Random seed of the mini-batch draws.")
    progress: bool = setting(False, "Show a tqdm progress bar on stderr.")
    max_steps_default: int = setting(
        20_000, "Step budget when no --steps/--epochs/--time-budget is given.", min=1
    )
    cuda_graphs: bool = setting(
        True, "On CUDA, capture each step as a CUDA graph and replay it (no effect on CPU)."
    )
    cvar_polish: bool = setting(
        True, "Finish runs exactly (CVaR: tail-scenario LP; QPs: active set), verified."
    )
    early_finish: bool = setting(
        True, "Try the exact finish during the loop; stop once it is a verified optimum."
    )
    sgd_dtype: str = setting(
        "auto",
        "Dtype of the SGD steps (auto: float32 before an exact float64 CVaR finish).",
        choices=("auto", "float32", "float64"),
    )

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if self.optimizer is not None:
            set_(self, "optimizer", parse_choice(OptimizerName, self.optimizer, "optimizer"))
        if self.averaging is not None:
            set_(self, "averaging", parse_choice(Averaging, self.averaging, "averaging"))
        set_(self, "sampling", parse_choice(Sampling, self.sampling, "sampling mode"))
        set_(
            self,
            "batch_schedule",
            parse_choice(BatchSchedule, self.batch_schedule, "batch schedule"),
        )
        set_(
            self,
            "lr_schedule",
            parse_choice(LRSchedule, self.lr_schedule, "learning-rate schedule"),
        )
        parse_choice(DeviceName, str(self.device).split(":")[0], "device")
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
