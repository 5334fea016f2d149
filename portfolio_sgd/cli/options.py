"""Option groups shared by the commands, and data loading.

Declarations here import nothing heavy (no torch, numpy, pandas or library modules): every
command's ``--help`` is built from them without loading the library. The library is
imported inside the functions that run a command.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from .app import parse_list
from .sections import DATA, DISTRIBUTED, ENGINE, OBJECTIVE, section

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..constraints import Constraints
    from ..engine.config import EngineConfig
    from ..objectives import ObjectiveSpec

F = Callable[..., Any]

OBJECTIVE_NAMES = (
    "mean-variance",
    "min-variance",
    "cvar",
    "kelly",
    "tracking",
    "risk-parity",
    "max-return",
    "min-risk",
    "utility",
)
"""The registered objective names, in the registry's order (kept here so that ``--help``
needs no torch; ``tests/test_architecture.py`` checks it equals ``objective_names()``)."""


def _stack(*decorators: F) -> Callable[[F], F]:
    def apply(func: F) -> F:
        for deco in reversed(decorators):
            func = deco(func)
        return func

    return apply


data_options = section(
    DATA,
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
        from ..objectives import canonical_name

        name = canonical_name(value)
        return super().convert(name if name is not None else value, param, ctx)


def _read_groups(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    from ..constraints.groups import read_groups

    return read_groups(value) if value else None


groups_option = click.option(
    "--groups",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    callback=_read_groups,
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

objective_options = section(
    OBJECTIVE,
    click.option(
        "--objective",
        type=ObjectiveChoice(OBJECTIVE_NAMES),
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
        "--measure",
        default=None,
        metavar="NAME",
        help="Risk measure of min-risk / utility: a registered measure (variance, cvar, or "
        "one from the portfolio_sgd.measures entry-point group).",
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


def _opt(*decls: str, **attrs: Any) -> tuple[tuple[str, ...], dict[str, Any]]:
    return decls, attrs


ENGINE_OPTIONS: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "batch_size": _opt(
        "--batch-size",
        type=click.IntRange(min=1),
        default=256,
        show_default=True,
        help="Initial mini-batch size.",
    ),
    "lr": _opt(
        "--lr",
        type=float,
        default=None,
        help="Step size (default: automatic from the data's curvature).",
    ),
    "optimizer": _opt(
        "--optimizer",
        type=click.Choice(["sgd", "adam"]),
        default=None,
        help="Default: sgd with Nesterov momentum for every objective (CVaR is smoothed).",
    ),
    "momentum": _opt("--momentum", type=float, default=0.9, show_default=True),
    "steps": _opt("--steps", type=int, default=None, help="Maximum optimiser steps."),
    "epochs": _opt("--epochs", type=float, default=None, help="Maximum passes over the data."),
    "time_budget": _opt("--time-budget", type=float, default=None, help="Maximum seconds."),
    "tol": _opt(
        "--tol",
        type=float,
        default=1e-9,
        show_default=True,
        help="Relative objective tolerance for stopping.",
    ),
    "sampling": _opt(
        "--sampling",
        type=click.Choice(["replacement", "shuffle"]),
        default="replacement",
        show_default=True,
    ),
    "batch_schedule": _opt(
        "--batch-schedule",
        type=click.Choice(["constant", "linear-scaling", "log-growth", "geometric"]),
        default="geometric",
        show_default=True,
        help="How the batch size grows (geometric reaches the full data, for exact convergence).",
    ),
    "averaging": _opt(
        "--averaging",
        type=click.Choice(["none", "polyak", "tail"]),
        default=None,
        help="Iterate averaging (default: tail for cvar).",
    ),
    "device": _opt("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps."),
    "dtype": _opt(
        "--dtype", type=click.Choice(["float32", "float64"]), default="float64", show_default=True
    ),
    "seed": _opt("--seed", type=int, default=0, show_default=True),
    "cuda_graphs": _opt(
        "--cuda-graphs/--no-cuda-graphs",
        default=True,
        show_default=True,
        help="On CUDA, capture each step as a CUDA graph and replay it (no effect on CPU).",
    ),
    "nesterov": _opt(
        "--nesterov/--no-nesterov", default=True, show_default=True, help="Nesterov momentum."
    ),
    "precondition": _opt(
        "--precondition/--no-precondition",
        default=True,
        show_default=True,
        help="Diagonal (Jacobi) preconditioning of SGD steps by per-asset variances.",
    ),
    "restart": _opt(
        "--restart/--no-restart",
        default=True,
        show_default=True,
        help="Adaptive momentum restart once gradients are exact.",
    ),
    "cvar_smoothing": _opt(
        "--cvar-smoothing",
        type=float,
        default=2e-3,
        show_default=True,
        help="Final CVaR hinge smoothing, in portfolio-return scales (0: exact subgradients).",
    ),
    "eval_every": _opt(
        "--eval-every",
        type=click.IntRange(min=1),
        default=25,
        show_default=True,
        help="Steps between full-data objective evaluations.",
    ),
    "batch_growth": _opt(
        "--batch-growth",
        type=float,
        default=2.0,
        show_default=True,
        help="Batch growth ratio per stage (or c of log growth).",
    ),
    "growth_every": _opt(
        "--growth-every",
        type=click.IntRange(min=1),
        default=50,
        show_default=True,
        help="Steps per batch-growth (and CVaR smoothing) stage.",
    ),
    "lr_schedule": _opt(
        "--lr-schedule",
        type=click.Choice(["constant", "cosine", "inverse-sqrt", "step"]),
        default="constant",
        show_default=True,
        help="Learning-rate schedule (torch.optim.lr_scheduler).",
    ),
    "tail_fraction": _opt(
        "--tail-fraction",
        type=float,
        default=0.5,
        show_default=True,
        help="Fraction of the step budget averaged by tail averaging.",
    ),
    "cvar_polish": _opt(
        "--cvar-polish/--no-cvar-polish",
        default=True,
        show_default=True,
        help="Finish CVaR runs exactly with the tail-scenario LP (HiGHS), verified on all rows.",
    ),
    "early_finish": _opt(
        "--early-finish/--no-early-finish",
        default=True,
        show_default=True,
        help="Try the exact CVaR finish at each smoothing stage; stop once it is exact.",
    ),
    "sgd_dtype": _opt(
        "--sgd-dtype",
        type=click.Choice(["auto", "float32", "float64"]),
        default="auto",
        show_default=True,
        help="Dtype of the SGD steps (auto: float32 before an exact float64 CVaR finish).",
    ),
    "max_steps_default": _opt(
        "--max-steps-default",
        type=click.IntRange(min=1),
        default=20_000,
        show_default=True,
        help="Step budget when no --steps/--epochs/--time-budget is given.",
    ),
}
"""The engine options, declared once: each key is an :class:`~portfolio_sgd.engine.config.EngineConfig`
field, with the field's default (``tests/test_architecture.py`` checks both). Commands that
need a different default or help text (``risk --steps``, ``backtest --device``) re-declare
through :func:`engine_option` with overrides, not by copying."""


def engine_option(field: str, **overrides: Any) -> Callable[[F], F]:
    """The click option of the engine field ``field`` (``overrides`` replace attributes)."""
    decls, attrs = ENGINE_OPTIONS[field]
    return click.option(*decls, **{**attrs, **overrides})


engine_options = section(ENGINE, *(engine_option(name) for name in ENGINE_OPTIONS))
"""Every engine option (``--batch-size`` first), under ``Engine (SGD internals)``."""

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
quiet_option = click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="No progress on stderr: no bar on a terminal, no periodic progress lines "
    "otherwise (warnings and errors still show).",
)


def _check_split(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """``--split runs`` works only where ``python -m portfolio_sgd`` read it first."""
    if value == "runs" and {"RANK", "WORLD_SIZE"} <= set(os.environ):
        from ..distributed.split import runs_split

        if not runs_split():
            from ..errors import ConfigError

            raise ConfigError(
                "--split runs needs `torchrun ... -m portfolio_sgd` (the `portfolio-sgd` "
                "script cannot divide runs among ranks)"
            )
    return value


split_option = section(
    DISTRIBUTED,
    click.option(
        "--split",
        type=click.Choice(["data", "runs"]),
        default="data",
        show_default=True,
        expose_value=False,
        callback=_check_split,
        help="Under `torchrun -m portfolio_sgd`: shard the scenarios among the ranks (data), "
        "or divide the runs of a sweep (runs: frontier points, optimize --bootstrap "
        "resamples), each rank with all the data; rank 0 alone writes the output. "
        "No effect in one process.",
    ),
)


def settings_from_cli(
    kwargs: dict[str, Any], **overrides: Any
) -> tuple[ObjectiveSpec, Constraints, EngineConfig]:
    """Typed settings from the parsed objective, constraint and engine options.

    Every option whose name is a field of :class:`ObjectiveSpec`, :class:`Constraints` or
    :class:`EngineConfig` maps to that field (options left unset, i.e. None, keep the
    library default), so the CLI cannot drift from the library.
    """
    from ..api import resolve_settings
    from ..constraints import Constraints
    from ..engine.config import EngineConfig
    from ..objectives import ObjectiveSpec

    known: set[str] = set()
    for record in (ObjectiveSpec, Constraints, EngineConfig):
        known |= {f.name for f in dataclasses.fields(record)}
    chosen = {k: v for k, v in kwargs.items() if k in known and k != "objective"}
    chosen.update(overrides)
    objective = kwargs.get("objective") or "mean-variance"
    return resolve_settings(objective, **chosen)


def load_cli_returns(kwargs: dict[str, Any], min_rows: int | None = None) -> pd.DataFrame:
    """Load returns from the data options (defaults to the ``sp500`` dataset).

    ``min_rows`` defaults to :data:`portfolio_sgd.data.MIN_ROWS`.
    """
    from ..data import MIN_ROWS, load_returns

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
    from ..data import MIN_ROWS, select_benchmark

    rows = MIN_ROWS if min_rows is None else min_rows
    return select_benchmark(returns, name, default=default, required=required, min_rows=rows)


def is_default(param: str) -> bool:
    """Whether the current command's option ``param`` was left at its default."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    source = ctx.get_parameter_source(param)
    return source in (None, click.core.ParameterSource.DEFAULT)
