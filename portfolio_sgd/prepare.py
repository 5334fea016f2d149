"""Inputs of a run on the device: returns (and a benchmark) as tensors, with their labels."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .config import EngineConfig, resolve_device
from .constraints import Constraints
from .engine import Problem
from .errors import DataError
from .objectives import ObjectiveSpec


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
        Non-finite values, fewer than 2 assets or 2 rows, a missing or misaligned benchmark.
    """
    device = resolve_device(config.device)
    np_dtype = np.float32 if config.dtype == "float32" else np.float64
    torch_dtype = torch.float32 if config.dtype == "float32" else torch.float64
    if isinstance(returns, torch.Tensor):
        # already a tensor (possibly on the GPU): moved/cast only if needed, never via host
        if returns.ndim != 2 or not torch.is_floating_point(returns):
            raise DataError(
                f"returns must be a 2-D float tensor (T, N), got {tuple(returns.shape)} "
                f"{returns.dtype}"
            )
        tickers = [f"asset_{i}" for i in range(returns.shape[1])]
        index = None
        values = returns.detach().to(device=device, dtype=torch_dtype)
    elif isinstance(returns, pd.DataFrame):
        tickers = [str(c) for c in returns.columns]
        index: pd.Index | None = returns.index
        values = returns.to_numpy(dtype=np_dtype, copy=False)  # no copy when already np_dtype
        if not values.flags.writeable:
            values = values.copy()
    else:
        values = np.asarray(returns, dtype=np_dtype)
        if values.ndim != 2:
            raise DataError(f"returns must be a 2-D array (T, N), got shape {values.shape}")
        tickers = [f"asset_{i}" for i in range(values.shape[1])]
        index = None
    n_rows, n_assets = values.shape
    if n_assets < 2:
        raise DataError(f"need at least 2 assets, got {n_assets}")
    if n_rows < 2:
        raise DataError(f"need at least 2 rows of returns, got {n_rows}")
    bench_t = None
    if spec.impl.needs_benchmark:
        if benchmark is None:
            raise DataError("the tracking objective needs a benchmark series")
        bench = align_benchmark(benchmark, index, n_rows)
        bench_t = torch.as_tensor(bench.astype(np_dtype), device=device)
    data = values if isinstance(values, torch.Tensor) else torch.as_tensor(values, device=device)
    mean = data.mean(dim=0)  # in the data's dtype: a float64 accumulation would copy the data
    if not bool(torch.isfinite(mean).all()):
        # NaN and inf propagate into the column means, so only a non-finite mean needs
        # the elementwise check (it tells NaN/inf apart from an overflowing sum)
        if not bool(torch.isfinite(data).all()):
            raise DataError("returns contain NaN or inf; clean them or choose a NaN policy")
        raise DataError(f"returns are too large: their column sums overflow {config.dtype}")
    problem = Problem(
        returns=data, mean=mean, spec=spec, constraints=constraints, benchmark=bench_t
    )
    return PreparedData(problem=problem, tickers=tickers, index=index)


def align_benchmark(
    benchmark: pd.Series | np.ndarray, index: pd.Index | None, n_rows: int
) -> np.ndarray:
    if isinstance(benchmark, pd.DataFrame):
        if benchmark.shape[1] != 1:
            raise DataError("the benchmark must be a single series")
        benchmark = benchmark.iloc[:, 0]
    if isinstance(benchmark, pd.Series) and index is not None:
        missing = index.difference(benchmark.index)
        if len(missing) > 0:
            raise DataError(
                f"the benchmark has no value on {len(missing)} return date(s), first {missing[0]}"
            )
        values = benchmark.reindex(index).to_numpy(dtype=np.float64)
    else:
        values = np.asarray(benchmark, dtype=np.float64).reshape(-1)
    if values.shape[0] != n_rows:
        raise DataError(f"the benchmark has {values.shape[0]} rows, the returns {n_rows}")
    if not np.isfinite(values).all():
        raise DataError("the benchmark contains NaN or inf")
    return values


def init_array(init: np.ndarray | pd.Series | None, tickers: list[str]) -> np.ndarray | None:
    if init is None:
        return None
    if isinstance(init, pd.Series):
        missing = [t for t in tickers if t not in init.index]
        if missing:
            raise DataError(f"initial weights lack ticker(s): {', '.join(missing[:5])}")
        return init.reindex(tickers).to_numpy(dtype=np.float64)
    return np.asarray(init, dtype=np.float64)
