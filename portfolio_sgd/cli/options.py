"""Option groups shared by ``optimize``, ``risk`` and ``backtest``, and data loading."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import click
import pandas as pd

from ..api import resolve_settings
from ..config import EngineConfig
from ..constraints import Constraints
from ..constraints.groups import read_groups
from ..data import MIN_ROWS, load_returns, select_benchmark
from ..objectives import ObjectiveSpec, canonical_name, objective_names
from .app import parse_list

F = Callable[..., Any]


def _stack(*decorators: F) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for deco in reversed(decorators):
            func = deco(func)
        return func

    return apply


data_options = _stack(
    click.option(
        "--dataset", default=None, help="Bundled dataset name (default sp500; see `datasets`)."
    ),
    click.option(
        "--prices",
        "prices_path",
        type=click.Path(dir_okay=False),
        help="CSV/Parquet file of prices.",
    ),
    click.option(
        "--returns",
        "returns_path",
        type=click.Path(dir_okay=False),
        help="CSV/Parquet file of simple returns.",
    ),
    click.option(
        "--tickers",
        default=None,
        help="Comma-separated tickers: a selection, or a Yahoo download when alone.",
    ),
    click.option("--start", default=None, help="First date (inclusive), YYYY-MM-DD."),
    click.option("--end", default=None, help="Last date (inclusive), YYYY-MM-DD."),
    click.option(
        "--layout",
        type=click.Choice(["wide", "long"]),
        default="wide",
        show_default=True,
        help="File layout.",
    ),
    click.option(
        "--returns-method",
        type=click.Choice(["simple", "log"]),
        default="simple",
        show_default=True,
    ),
    click.option(
        "--nan-policy",
        type=click.Choice(["drop-assets", "drop-rows", "raise"]),
        default="drop-assets",
        show_default=True,
        help="Missing data: drop assets not covering the window, drop rows, or fail.",
    ),
    click.option(
        "--cache-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Yahoo download cache folder.",
    ),
    click.option(
        "--date-format",
        default=None,
        help="strftime format of the file's dates when they are not ISO, e.g. %d/%m/%Y.",
    ),
)


class ObjectiveChoice(click.Choice):
    """The registered objective names as choices; an alias (``risk-budgeting``) is
    accepted and converted to its name."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        name = canonical_name(value)
        return super().convert(name if name is not None else value, param, ctx)


groups_option = click.option(
    "--groups",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    callback=lambda ctx, param, value: read_groups(value) if value else None,
    help="Group memberships CSV: wide (asset, then one membership column per label) "
    "or long (asset,group rows); e.g. data/sp500_sectors.csv.",
)
allow_absent_option = click.option(
    "--allow-absent-members",
    is_flag=True,
    default=None,
    help="Accept --groups members that are not in the returns (ignored, counted on stderr).",
)
constraint_option = click.option(
    "--constraint",
    "linear",
    multiple=True,
    metavar="EXPR",
    help='Linear constraint over asset and group names, e.g. "Tech <= 0.3" or '
    '"AAPL + MSFT <= 0.15"; repeatable.',
)

objective_options = _stack(
    click.option(
        "--objective",
        type=ObjectiveChoice(objective_names()),
        default=None,
        help="Objective to minimise.",
    ),
    click.option(
        "--risk-aversion",
        type=float,
        default=10.0,
        show_default=True,
        help="lambda of mean-variance.",
    ),
    click.option(
        "--alpha", type=float, default=0.95, show_default=True, help="CVaR confidence level."
    ),
    click.option(
        "--return-weight",
        type=float,
        default=0.0,
        show_default=True,
        help="Mean-return weight of mean-CVaR.",
    ),
    click.option(
        "--benchmark",
        default=None,
        help="Tracking benchmark: a column of the data or a dataset (e.g. sp500-index).",
    ),
    click.option(
        "--min-weight", type=float, default=0.0, show_default=True, help="Per-asset lower bound."
    ),
    click.option(
        "--max-weight", type=float, default=1.0, show_default=True, help="Per-asset upper bound."
    ),
    click.option(
        "--long-short", is_flag=True, help="Allow negative weights (with --min-weight < 0)."
    ),
    click.option(
        "--max-leverage", type=float, default=None, help="Gross leverage cap sum|w| (long-short)."
    ),
    groups_option,
    allow_absent_option,
    constraint_option,
)

engine_options = _stack(
    click.option(
        "--lr",
        type=float,
        default=None,
        help="Step size (default: automatic from the data's curvature).",
    ),
    click.option(
        "--optimizer",
        type=click.Choice(["sgd", "adam"]),
        default=None,
        help="Default: sgd with Nesterov momentum for every objective (CVaR is smoothed).",
    ),
    click.option("--momentum", type=float, default=0.9, show_default=True),
    click.option("--steps", type=int, default=None, help="Maximum optimiser steps."),
    click.option("--epochs", type=float, default=None, help="Maximum passes over the data."),
    click.option("--time-budget", type=float, default=None, help="Maximum seconds."),
    click.option(
        "--tol",
        type=float,
        default=1e-9,
        show_default=True,
        help="Relative objective tolerance for stopping.",
    ),
    click.option(
        "--sampling",
        type=click.Choice(["replacement", "shuffle"]),
        default="replacement",
        show_default=True,
    ),
    click.option(
        "--batch-schedule",
        type=click.Choice(["constant", "linear-scaling", "log-growth", "geometric"]),
        default="geometric",
        show_default=True,
        help="How the batch size grows (geometric reaches the full data, for exact convergence).",
    ),
    click.option(
        "--averaging",
        type=click.Choice(["none", "polyak", "tail"]),
        default=None,
        help="Iterate averaging (default: tail for cvar).",
    ),
    click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps."),
    click.option(
        "--dtype", type=click.Choice(["float32", "float64"]), default="float64", show_default=True
    ),
    click.option("--seed", type=int, default=0, show_default=True),
    click.option(
        "--cuda-graphs/--no-cuda-graphs",
        default=True,
        show_default=True,
        help="On CUDA, capture each step as a CUDA graph and replay it (no effect on CPU).",
    ),
    click.option(
        "--nesterov/--no-nesterov", default=True, show_default=True, help="Nesterov momentum."
    ),
    click.option(
        "--precondition/--no-precondition",
        default=True,
        show_default=True,
        help="Diagonal (Jacobi) preconditioning of SGD steps by per-asset variances.",
    ),
    click.option(
        "--restart/--no-restart",
        default=True,
        show_default=True,
        help="Adaptive momentum restart once gradients are exact.",
    ),
    click.option(
        "--cvar-smoothing",
        type=float,
        default=2e-3,
        show_default=True,
        help="Final CVaR hinge smoothing, in portfolio-return scales (0: exact subgradients).",
    ),
    click.option(
        "--eval-every",
        type=click.IntRange(min=1),
        default=25,
        show_default=True,
        help="Steps between full-data objective evaluations.",
    ),
    click.option(
        "--batch-growth",
        type=float,
        default=2.0,
        show_default=True,
        help="Batch growth ratio per stage (or c of log growth).",
    ),
    click.option(
        "--growth-every",
        type=click.IntRange(min=1),
        default=50,
        show_default=True,
        help="Steps per batch-growth (and CVaR smoothing) stage.",
    ),
    click.option(
        "--lr-schedule",
        type=click.Choice(["constant", "cosine", "inverse-sqrt", "step"]),
        default="constant",
        show_default=True,
        help="Learning-rate schedule (torch.optim.lr_scheduler).",
    ),
    click.option(
        "--tail-fraction",
        type=float,
        default=0.5,
        show_default=True,
        help="Fraction of the step budget averaged by tail averaging.",
    ),
    click.option(
        "--cvar-polish/--no-cvar-polish",
        default=True,
        show_default=True,
        help="Finish CVaR runs exactly with the tail-scenario LP (HiGHS), verified on all rows.",
    ),
    click.option(
        "--early-finish/--no-early-finish",
        default=True,
        show_default=True,
        help="Try the exact CVaR finish at each smoothing stage; stop once it is exact.",
    ),
    click.option(
        "--sgd-dtype",
        type=click.Choice(["auto", "float32", "float64"]),
        default="auto",
        show_default=True,
        help="Dtype of the SGD steps (auto: float32 before an exact float64 CVaR finish).",
    ),
    click.option(
        "--max-steps-default",
        type=click.IntRange(min=1),
        default=20_000,
        show_default=True,
        help="Step budget when no --steps/--epochs/--time-budget is given.",
    ),
)

CLI_ONLY_ENGINE_FIELDS = ("progress",)
"""EngineConfig fields without an engine option: the progress bar follows the terminal."""

format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
    help="Output format: a readable table, JSON or CSV (only the result on stdout).",
)
output_option = click.option(
    "--output",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the result to this file (atomically) instead of stdout.",
)


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
    chosen.update(overrides)
    objective = kwargs.get("objective") or "mean-variance"
    return resolve_settings(objective, **chosen)


def load_cli_returns(kwargs: dict[str, Any], min_rows: int = MIN_ROWS) -> pd.DataFrame:
    """Load returns from the data options (defaults to the ``sp500`` dataset)."""
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
    min_rows: int = MIN_ROWS,
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
    return select_benchmark(returns, name, default=default, required=required, min_rows=min_rows)


def is_default(param: str) -> bool:
    """Whether the current command's option ``param`` was left at its default."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    source = ctx.get_parameter_source(param)
    return source in (None, click.core.ParameterSource.DEFAULT)
