"""``optimize`` under torchrun: every rank optimises its shard, rank 0 alone reports.

``torchrun --nproc-per-node P -m portfolio_sgd optimize --returns big.parquet ...``
starts P ranks; each reads only its rows of a ``.npy``, ``.parquet`` or ``.csv`` file
(see :mod:`portfolio_sgd.distributed.shard`), keeping the ``--tickers`` columns and its
rows inside ``--start``/``--end``. Other data sources (a dataset, a prices file, a long
layout, log returns, tracking's benchmark) are loaded whole by every rank and then
sharded for the computation only. Options that need the whole data on one process (``--compare-exact``,
bootstrap error bars, recency weighting, budgets from a file) are refused.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..distributed import start
from ..distributed.api import run_sharded
from ..distributed.handshake import check_same_setup
from ..distributed.shard import SHARD_SUFFIXES, ShardSource
from ..distributed.summary import sharded_performance
from ..errors import ConfigError
from ..objectives.registry import needs_benchmark
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps
from .app import emit, parse_list
from .settings import load_cli_returns, resolve_benchmark, settings_from_cli
from .trading_settings import trading_settings

REFUSED = {
    "compare_exact": "--compare-exact",
    "error_bars": "--error-bars",
    "n_resamples": "--bootstrap",
    "resample": "--resample",
    "half_life": "--half-life",
    "budgets_file": "--budgets",
    "max_volatility": "--max-volatility",
    "max_cvar": "--max-cvar",
    "beta": "--beta",
    "limit_options": "--limit",
    "limit_flags": "--max-<measure>",
}
WHY = {
    "error_bars": "resamples re-weight the rows of each run",
    "n_resamples": "resamples re-weight the rows of each run",
    "resample": "resamples re-weight the rows of each run",
    "half_life": "recency weights every row by its date",
    "max_volatility": "a risk limit's search over the risk aversion runs on one process",
    "max_cvar": "a risk limit's search over the risk aversion runs on one process",
    "limit_options": "a risk limit's search over the risk aversion runs on one process",
    "limit_flags": "a risk limit's search over the risk aversion runs on one process",
}
"""Why a refused option is not sharded (the rest need the whole data on one process)."""


def optimize_under_torchrun(fmt: str, output: str | None, options: dict[str, Any]) -> None:
    """Run ``optimize`` sharded over the torchrun group; rank 0 writes the result."""
    given = {**options, **options["kwargs"]}
    for key, flag in REFUSED.items():
        if given.get(key) and key in WHY:
            raise ConfigError(
                f"{flag} is not sharded ({WHY[key]}); run it with --split runs, where "
                "every rank holds all rows"
            )
        if given.get(key):
            raise ConfigError(f"{flag} needs the whole data on one process; not under torchrun")
    kwargs = options["kwargs"]
    kwargs["objective"] = kwargs["objective"] or "mean-variance"
    trading = trading_settings(kwargs)  # per-asset prox/projection: replicated on every rank
    spec, constraints, config = settings_from_cli(kwargs, progress=False, budgets=None, **trading)
    ctx = start(config.device)
    check_same_setup(ctx, sys.argv[1:])  # same versions and command line on every rank
    source, benchmark = _source(kwargs)
    result, problem = run_sharded(source, spec, constraints, config, benchmark=benchmark, ctx=ctx)
    payload = result.to_dict()
    payload["world_size"] = ctx.world_size
    payload.update(sharded_performance(problem, result.weights.to_numpy()))
    if not ctx.is_main:
        return
    if fmt == "csv":
        frame = result.weights.rename("weight").rename_axis("ticker").to_frame()
        emit(escape_text_cells(frame).to_csv(float_format="%.10g").rstrip("\n"), output)
    else:
        emit(dumps(payload), output)
    if not result.converged:
        click.echo(f"note: {result.certificate_method}", err=True)


def _source(kwargs: dict[str, Any]) -> tuple[Any, Any]:
    """A path each rank reads its rows of, or the loaded frame (and tracking's benchmark)."""
    path = kwargs.get("returns_path")
    plain = kwargs.get("dataset") is None and kwargs.get("returns_method", "simple") == "simple"
    wide = kwargs.get("layout", "wide") == "wide"
    tracking = needs_benchmark(kwargs["objective"])
    if path and plain and wide and not tracking and Path(path).suffix.lower() in SHARD_SUFFIXES:
        tickers = parse_list(kwargs["tickers"], str, "ticker") if kwargs.get("tickers") else None
        return ShardSource(
            path, tickers, kwargs.get("start"), kwargs.get("end"), kwargs.get("date_format")
        ), None
    returns = load_cli_returns(kwargs)
    returns, benchmark = resolve_benchmark(
        returns,
        (kwargs["benchmark"] if kwargs.get("benchmark") is not None else "sp500-index")
        if tracking
        else None,
        default=kwargs.get("benchmark") is None,
        required=tracking,
    )
    return returns, benchmark


__all__ = ["optimize_under_torchrun"]
