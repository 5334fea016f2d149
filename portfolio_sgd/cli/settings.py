"""Typed settings and data from a command's parsed options (imported when a command runs).

The counterpart of :mod:`.options`: there the options are declared (nothing heavy is
imported), here their values become the library's records and the returns.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import click
import pandas as pd

from ..api import resolve_settings
from ..constraints import Constraints
from ..data import MIN_ROWS, load_returns, select_benchmark
from ..engine.config import EngineConfig
from ..objectives import ObjectiveSpec
from .app import parse_list
from .mandate_settings import mandate_overrides


def settings_from_cli(
    kwargs: dict[str, Any], **overrides: Any
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """Typed settings from the parsed objective, constraint and engine options.

    Every option whose name is a field of :class:`ObjectiveSpec`, :class:`Constraints` or
    :class:`EngineConfig` maps to that field (options left unset, i.e. None, keep the
    library default), so the CLI cannot drift from the library.
    """
    known: set[str] = set()
    for record in (ObjectiveSpec, Constraints, EngineConfig):
        known |= {f.name for f in dataclasses.fields(record)}
    chosen = {k: v for k, v in kwargs.items() if k in known and k != "objective"}
    chosen.update(mandate_overrides(kwargs))  # --bounds FILE, --budget-range LO HI
    chosen.update(overrides)
    objective = kwargs.get("objective") or "mean-variance"
    return resolve_settings(objective, **chosen)


def load_cli_returns(kwargs: dict[str, Any], min_rows: int | None = None) -> pd.DataFrame:
    """Load returns from the data options (defaults to the ``sp500`` dataset).

    ``min_rows`` defaults to :data:`portfolio_sgd.data.MIN_ROWS`.
    """
    if min_rows is None:
        min_rows = MIN_ROWS
    tickers = parse_list(kwargs.get("tickers"), str, "ticker")
    if kwargs.get("tickers") is None:
        tickers = None
    elif not tickers:
        raise click.BadParameter("the ticker list is empty", param_hint="'--tickers'")
    sources = [kwargs.get("dataset"), kwargs.get("prices_path"), kwargs.get("returns_path")]
    dataset = kwargs.get("dataset")
    if all(s is None for s in sources) and tickers is None:
        dataset = "sp500"
    return load_returns(
        dataset=dataset,
        prices_path=kwargs.get("prices_path"),
        returns_path=kwargs.get("returns_path"),
        tickers=tickers,
        start=kwargs.get("start"),
        end=kwargs.get("end"),
        layout=kwargs.get("layout", "wide"),
        returns_method=kwargs.get("returns_method", "simple"),
        nan_policy=kwargs.get("nan_policy", "drop-assets"),
        min_rows=min_rows,
        cache_dir=kwargs.get("cache_dir"),
        dtype=kwargs.get("dtype") or "float64",
        date_format=kwargs.get("date_format"),
    )


def resolve_benchmark(
    returns: pd.DataFrame,
    name: str | None,
    *,
    default: bool = False,
    required: bool = False,
    min_rows: int | None = None,
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Split a benchmark off the returns: a column of them, or a bundled dataset.

    The rule is :func:`portfolio_sgd.data.select_benchmark`'s: a ``default`` benchmark
    never cuts the returns (it is dropped with a warning, or is an error when
    ``required``); an explicit one may, but not below ``min_rows`` rows.

    Returns
    -------
    (returns, benchmark)
        ``returns`` without the benchmark column, on the dates the benchmark covers, and
        the benchmark's simple returns (or None).
    """
    rows = MIN_ROWS if min_rows is None else min_rows
    return select_benchmark(returns, name, default=default, required=required, min_rows=rows)
