"""The engine's inputs and outputs: a problem on the device, a grid of runs, raw results."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..constraints import Constraints
from ..objectives import ObjectiveSpec


@dataclass(frozen=True)
class Problem:
    """Data and problem definition, already on the device.

    Attributes
    ----------
    returns : Tensor, shape (T, N)
    mean : Tensor, shape (N,)
        Full-data mean of ``returns``.
    spec : ObjectiveSpec
    constraints : Constraints
    benchmark : Tensor, shape (T,), optional
        Benchmark returns (tracking).
    row_weights : Tensor, shape (K, T), optional
        Per-run row weights ``c_kt`` with mean 1 over each row (bootstrap counts, recency
        weights): run k minimises ``(1/T) sum_t c_kt l_t``. Set by the engine from
        :attr:`RunGrid.row_weights`; None for the plain problem.
    run_means : Tensor, shape (K, N), optional
        Each run's weighted mean ``c_k R / T`` (with ``row_weights``).
    """

    returns: torch.Tensor
    mean: torch.Tensor
    spec: ObjectiveSpec
    constraints: Constraints
    benchmark: torch.Tensor | None = None
    row_weights: torch.Tensor | None = None
    run_means: torch.Tensor | None = None

    @property
    def means(self) -> torch.Tensor:
        """The mean each run is centred on: (K, N) with row weights, else (N,)."""
        return self.run_means if self.run_means is not None else self.mean

    @property
    def n_rows(self) -> int:
        """Number of scenarios T."""
        return int(self.returns.shape[0])

    @property
    def n_assets(self) -> int:
        """Number of assets N."""
        return int(self.returns.shape[1])

    @functools.cached_property
    def feasible(self) -> Any:
        """The constraints' linear oracle over the N assets (a ``FeasibleSet`` or
        ``TradingSet``), made once per problem for the finish and the certificate.

        Raises
        ------
        ConfigError
            Where the set has no linear form (the cardinality search's support sets).
        """
        return self.constraints.linear_oracle(self.n_assets)

    @functools.cached_property
    def finish_applies(self) -> bool:
        """Whether the objective's exact finish runs over :attr:`feasible` (asked once per
        problem: the early finish asks before the loop and at every try).

        Raises
        ------
        ConfigError
            As :attr:`feasible`.
        """
        impl = self.spec.impl
        return bool(impl.has_exact_finish and impl.finish_applies(self.feasible))


@dataclass(frozen=True)
class RunGrid:
    """Per-run settings of K runs optimised together.

    Attributes
    ----------
    batch_sizes : tuple of int, length K
        Initial batch size of each run.
    risk_aversions : tuple of float, optional
        Per-run risk aversion (mean-variance).
    lr_scales : tuple of float, optional
        Per-run multipliers of the step size (SGD only).
    init_weights : ndarray, shape (K, N) or (N,), optional
        Warm start (projected onto the feasible set first).
    row_weights : ndarray or Tensor, shape (K, T), optional
        Per-run non-negative row weights (bootstrap counts ``c_kt``, recency weights),
        rescaled to mean 1 per run: run k minimises ``(1/T) sum_t c_kt l_t`` and samples
        row t with probability ``c_kt / T``. None: every row weighs 1.
    """

    batch_sizes: tuple[int, ...]
    risk_aversions: tuple[float, ...] | None = None
    lr_scales: tuple[float, ...] | None = None
    init_weights: np.ndarray | None = None
    row_weights: np.ndarray | torch.Tensor | None = None

    @property
    def size(self) -> int:
        """Number of runs K."""
        return len(self.batch_sizes)


@dataclass
class EngineOutput:
    """Raw engine output (tensors stay on the device).

    Attributes
    ----------
    weights : Tensor, shape (K, N)
        Reported iterate: the averaged one when averaging is on, else the last.
    last_weights : Tensor, shape (K, N)
    objective : Tensor, shape (K,)
        Full-data objective of ``weights``.
    var_level : Tensor, shape (K,) or None
        VaR variable ``t`` of CVaR runs.
    history : list of dict
        One row per evaluation: step, samples (per run), batch_loss and objective (per run).
    steps : int
    samples_seen : list of int, length K
    wall_time : float
        Seconds spent in the loop.
    lr : float or None
        Base step size used; None when the run finished exactly before its first step
        (the default step size, power iterations on the curvature, is then never computed).
    optimizer, averaging : str
    stop_reason : str
    step_graphs : str
        How the steps ran on CUDA: "off", "N captured, M replayed steps", or why
        capture failed.
    polish : str
        The exact finish (:mod:`.polishing`): "off", "none", or its account.
    polished : list of bool, length K
        Whether each run's weights are a verified exact optimum (CVaR's tail LP).
    """

    weights: torch.Tensor
    last_weights: torch.Tensor
    objective: torch.Tensor
    var_level: torch.Tensor | None
    history: list[dict[str, object]] = field(default_factory=list)
    steps: int = 0
    samples_seen: list[int] = field(default_factory=list)
    wall_time: float = 0.0
    lr: float | None = 0.0
    optimizer: str = ""
    averaging: str = ""
    stop_reason: str = ""
    step_graphs: str = "off"
    polish: str = "off"
    polished: list[bool] = field(default_factory=list)
