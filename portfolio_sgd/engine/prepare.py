"""Inputs of a run on the device: returns (and a benchmark) as tensors, with their labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from ..constraints import Constraints
from ..constraints.trading.terms import resolve_tickers
from ..data.inputs import align_benchmark, validate_init_weights, validate_returns_input
from ..errors import DataError
from ..objectives import ObjectiveSpec
from ..objectives.shrinkage import resolve_shrinkage
from ..utils.small_data_threads import small_data_threads
from . import Problem
from .config import EngineConfig
from .device import resolve_device


@dataclass(frozen=True)
class PreparedData:
    """Returns (and benchmark) as tensors on the device, with their labels."""

    problem: Problem
    tickers: list[str]
    index: pd.Index | None


def prepare_data(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    benchmark: pd.Series | np.ndarray | None = None,
) -> PreparedData:
    """Move returns (T, N) and an optional benchmark (T,) to the device as one tensor each.

    Data is converted straight to the requested dtype (no float64 copy for float32).

    Raises
    ------
    DataError
        As :func:`portfolio_sgd.data.inputs.validate_returns_input` (non-numeric or non-finite
        cells, duplicates, too few rows or assets, out-of-range values, constant columns),
        or a missing or misaligned benchmark.
    """
    device = resolve_device(config.device)
    np_dtype = np.float32 if config.dtype == "float32" else np.float64
    torch_dtype = torch.float32 if config.dtype == "float32" else torch.float64
    # one validation for the API and the CLI (same one-line messages)
    values, tickers, index = validate_returns_input(returns, dtype=config.dtype)
    constraints = resolve_tickers(constraints, tickers)  # holdings and costs by ticker
    if isinstance(values, torch.Tensor):
        # already a tensor (possibly on the GPU): moved/cast only if needed, never via host
        values = values.detach().to(device=device, dtype=torch_dtype)
    n_rows = values.shape[0]
    bench_t = None
    if spec.objective.objective_class.needs_benchmark:
        if benchmark is None:
            raise DataError("the tracking objective needs a benchmark series")
        bench = align_benchmark(benchmark, index, n_rows)
        bench_t = torch.as_tensor(bench.astype(np_dtype), device=device)
    data = values if isinstance(values, torch.Tensor) else torch.as_tensor(values, device=device)
    with small_data_threads(data.numel(), data.device):  # 30x faster on a busy machine
        mean = data.mean(dim=0)  # in the data's dtype: a float64 accumulation would copy it
    if not bool(torch.isfinite(mean).all()):
        # NaN and inf propagate into the column means, so only a non-finite mean needs
        # the elementwise check (it tells NaN/inf apart from an overflowing sum)
        if not bool(torch.isfinite(data).all()):
            raise DataError("returns contain NaN or inf; clean them or choose a NaN policy")
        raise DataError(f"returns are too large: their column sums overflow {config.dtype}")
    spec = resolve_shrinkage(spec, data)  # delta and F from the (unweighted) returns
    problem = Problem(
        returns=data,
        mean=mean,
        spec=spec,
        constraints=constraints.bind(tickers),  # names in linear constraints -> columns
        benchmark=bench_t,
    )
    return PreparedData(problem=problem, tickers=tickers, index=index)


def init_array(init: np.ndarray | pd.Series | None, tickers: list[str]) -> np.ndarray | None:
    """Warm-start weights (N,) in the order of ``tickers`` (see ``validate_init_weights``)."""
    return validate_init_weights(init, tickers)
