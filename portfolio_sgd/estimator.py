"""sklearn-style estimator and functional entry points of the optimiser.

>>> from portfolio_sgd import SGDPortfolio, load_returns
>>> returns = load_returns(dataset="sp500")
>>> model = SGDPortfolio(objective="min-variance", seed=0).fit(returns)
>>> model.weights_.sum()  # doctest: +SKIP
1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .config import EngineConfig, resolve_device
from .constraints import Constraints
from .engine import EngineOutput, Problem, RunGrid, run_engine
from .errors import DataError
from .objectives import Objective, ObjectiveSpec
from .results import BatchResult, OptimizationResult

_SPEC_KEYS = ("risk_aversion", "alpha", "return_weight")
_CONSTRAINT_KEYS = ("min_weight", "max_weight", "long_short", "max_leverage")


@dataclass(frozen=True)
class PreparedData:
    """Returns (and benchmark) as tensors on the device, with their labels."""

    problem: Problem
    tickers: list[str]
    index: pd.Index | None


def split_options(options: dict[str, object]) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """Split flat keyword options into (objective spec, constraints, engine config).

    ``objective`` plus :data:`_SPEC_KEYS` build the :class:`ObjectiveSpec`,
    :data:`_CONSTRAINT_KEYS` the :class:`Constraints`, everything else the
    :class:`EngineConfig` (unknown keys raise ``TypeError`` there).
    """
    opts = dict(options)
    spec = ObjectiveSpec(
        objective=opts.pop("objective", Objective.MEAN_VARIANCE),
        **{k: opts.pop(k) for k in _SPEC_KEYS if k in opts},
    )
    constraints = Constraints(**{k: opts.pop(k) for k in _CONSTRAINT_KEYS if k in opts})
    return spec, constraints, EngineConfig(**opts)


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
    if spec.objective is Objective.TRACKING:
        if benchmark is None:
            raise DataError("the tracking objective needs a benchmark series")
        bench = _align_benchmark(benchmark, index, n_rows)
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


def optimize(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    *,
    benchmark: pd.Series | np.ndarray | None = None,
    init_weights: np.ndarray | pd.Series | None = None,
    **options: object,
) -> OptimizationResult:
    """Optimise one portfolio with mini-batch SGD.

    Parameters
    ----------
    returns : DataFrame, ndarray or Tensor, shape (T, N)
        Simple returns, one row per scenario. A tensor is used where it lies when it is
        already on the chosen device with the chosen dtype (no copy: data generated or
        loaded on a GPU stays there).
    benchmark : Series or ndarray, shape (T,), optional
        Benchmark returns (tracking objective).
    init_weights : array-like, shape (N,), optional
        Warm start.
    **options
        ``objective``, ``risk_aversion``, ``alpha``, ``return_weight``; ``min_weight``,
        ``max_weight``, ``long_short``, ``max_leverage``; and any :class:`EngineConfig`
        field (``batch_size``, ``lr``, ``optimizer``, ``steps``, ``seed``, ...).

    Returns
    -------
    OptimizationResult
    """
    spec, constraints, config = split_options(options)
    prepared = prepare_data(returns, spec, constraints, config, benchmark)
    init = _init_array(init_weights, prepared.tickers)
    grid = RunGrid(batch_sizes=(int(config.batch_size),), init_weights=init)
    out = run_engine(prepared.problem, config, grid)
    return _single_result(out, prepared, spec, constraints, config)


def optimize_many(
    returns: pd.DataFrame | np.ndarray | torch.Tensor,
    *,
    batch_sizes: Sequence[int] | None = None,
    risk_aversions: Sequence[float] | None = None,
    lr_scales: Sequence[float] | None = None,
    repeats: int = 1,
    benchmark: pd.Series | np.ndarray | None = None,
    init_weights: np.ndarray | None = None,
    **options: object,
) -> BatchResult:
    """Optimise K runs at once as one (K, N) weight tensor.

    The grid is the Cartesian product ``batch_sizes x risk_aversions x lr_scales``, each
    repeated ``repeats`` times; repeats differ only in their sampling stream (all runs
    share one seeded generator, each run reads its own rows of every draw).

    Returns
    -------
    BatchResult
        ``runs`` lists each run's settings in the row order of ``weights``.
    """
    spec, constraints, config = split_options(options)
    prepared = prepare_data(returns, spec, constraints, config, benchmark)
    ms = [int(m) for m in (batch_sizes or [config.batch_size])]
    lams = [float(v) for v in risk_aversions] if risk_aversions is not None else [None]
    scales = [float(v) for v in lr_scales] if lr_scales is not None else [None]
    rows = [(m, lam, s, r) for m in ms for lam in lams for s in scales for r in range(int(repeats))]
    grid = RunGrid(
        batch_sizes=tuple(r[0] for r in rows),
        risk_aversions=tuple(r[1] for r in rows) if risk_aversions is not None else None,
        lr_scales=tuple(r[2] for r in rows) if lr_scales is not None else None,
        init_weights=init_weights,
    )
    out = run_engine(prepared.problem, config, grid)
    weights = pd.DataFrame(out.weights.cpu().numpy(), columns=prepared.tickers)
    runs = pd.DataFrame(
        {
            "batch_size": [r[0] for r in rows],
            "risk_aversion": [r[1] if r[1] is not None else spec.risk_aversion for r in rows],
            "lr": [out.lr * (r[2] if r[2] is not None else 1.0) for r in rows],
            "repeat": [r[3] for r in rows],
            "objective_value": out.objective.cpu().numpy(),
            "samples_seen": out.samples_seen,
        }
    )
    return BatchResult(
        weights=weights,
        runs=runs,
        last_weights=pd.DataFrame(out.last_weights.cpu().numpy(), columns=prepared.tickers),
        wall_time=out.wall_time,
        steps=out.steps,
        device=str(prepared.problem.returns.device),
        dtype=config.dtype,
        seed=config.seed,
        history=out.history,
    )


class SGDPortfolio:
    """Mini-batch SGD portfolio optimiser with an sklearn-style API.

    Parameters
    ----------
    objective : str
        ``mean-variance``, ``min-variance``, ``cvar``, ``kelly`` or ``tracking``.
    **options
        As for :func:`optimize` (objective parameters, constraints, engine settings).

    Attributes
    ----------
    weights_ : pandas.Series, shape (N,)
        Fitted weights by ticker.
    result_ : OptimizationResult
        Everything the fit recorded.
    """

    def __init__(self, objective: str = "mean-variance", **options: object) -> None:
        self.objective = objective
        self.options = dict(options)
        split_options({"objective": objective, **self.options})  # validate early

    def get_params(self, deep: bool = True) -> dict[str, object]:  # noqa: ARG002 - sklearn API
        """Constructor parameters."""
        return {"objective": self.objective, **self.options}

    def set_params(self, **params: object) -> SGDPortfolio:
        """Update constructor parameters and return self."""
        if "objective" in params:
            self.objective = str(params.pop("objective"))
        self.options.update(params)
        split_options({"objective": self.objective, **self.options})
        return self

    def fit(
        self,
        returns: pd.DataFrame | np.ndarray | torch.Tensor,
        benchmark: pd.Series | np.ndarray | None = None,
        init_weights: np.ndarray | pd.Series | None = None,
    ) -> SGDPortfolio:
        """Optimise on ``returns`` (T, N); returns ``self``."""
        self.result_ = optimize(
            returns,
            benchmark=benchmark,
            init_weights=init_weights,
            objective=self.objective,
            **self.options,
        )
        self.weights_ = self.result_.weights
        return self

    def predict(self, returns: pd.DataFrame) -> pd.Series:
        """Portfolio returns (T,) of the fitted weights on ``returns``."""
        cols = [str(c) for c in returns.columns]
        if cols != list(self.weights_.index):
            raise DataError("returns columns do not match the fitted tickers")
        return pd.Series(returns.to_numpy() @ self.weights_.to_numpy(), index=returns.index)


def _single_result(
    out: EngineOutput,
    prepared: PreparedData,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
) -> OptimizationResult:
    weights = pd.Series(out.weights[0].cpu().numpy().astype(np.float64), index=prepared.tickers)
    history = pd.DataFrame(
        {
            "step": [h["step"] for h in out.history],
            "samples": [h["samples"][0] for h in out.history],
            "batch_size": [h["batch_size"][0] for h in out.history],
            "batch_loss": [h["batch_loss"][0] for h in out.history],
            "objective": [h["objective"][0] for h in out.history],
        }
    )
    index = prepared.index
    dated = isinstance(index, pd.DatetimeIndex) and len(index) > 0
    n_rows = prepared.problem.n_rows
    return OptimizationResult(
        weights=weights,
        objective=spec.objective.value,
        objective_value=float(out.objective[0]),
        history=history,
        steps=out.steps,
        samples_seen=int(out.samples_seen[0]),
        epochs=out.samples_seen[0] / n_rows,
        wall_time=out.wall_time,
        lr=out.lr,
        batch_size=int(config.batch_size),
        optimizer=out.optimizer,
        averaging=out.averaging,
        stop_reason=out.stop_reason,
        step_graphs=out.step_graphs,
        device=str(prepared.problem.returns.device),
        dtype=config.dtype,
        seed=config.seed,
        var_level=float(out.var_level[0]) if out.var_level is not None else None,
        n_scenarios=n_rows,
        start=index[0].date().isoformat() if dated else None,
        end=index[-1].date().isoformat() if dated else None,
        spec=spec.to_dict(),
        constraints=constraints.to_dict(),
        config=config.to_dict(),
    )


def _align_benchmark(
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


def _init_array(init: np.ndarray | pd.Series | None, tickers: list[str]) -> np.ndarray | None:
    if init is None:
        return None
    if isinstance(init, pd.Series):
        missing = [t for t in tickers if t not in init.index]
        if missing:
            raise DataError(f"initial weights lack ticker(s): {', '.join(missing[:5])}")
        return init.reindex(tickers).to_numpy(dtype=np.float64)
    return np.asarray(init, dtype=np.float64)
