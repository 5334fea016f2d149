"""Option groups shared by the commands, and data loading.

Declarations here import nothing heavy (no torch, numpy, pandas or library modules): every
command's ``--help`` is built from them without loading the library. What a callback
needs from the library is named through :class:`.lazy.Lazy`; turning the parsed values
into settings and returns is :mod:`.settings`'s work (imported when a command runs).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from ..engine.config import EngineConfig
from ..errors import ConfigError
from .constraint_options import constraint_field_options
from .lazy import Lazy
from .record_options import OptionSpec, record_options
from .sections import DATA, DISTRIBUTED, ENGINE, OBJECTIVE, section

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
    "max-ratio",
    "measured-risk-budgeting",
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
    click.option(
        "--start", "--start-date", "start", default=None, help="First date (inclusive), YYYY-MM-DD."
    ),
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


canonical_name = Lazy("portfolio_sgd.objectives:canonical_name")
read_groups = Lazy("portfolio_sgd.constraints.groups:read_groups")
runs_split = Lazy("portfolio_sgd.distributed.split:runs_split")
"""What the option callbacks call in the library, imported on first call (:mod:`.lazy`)."""


class ObjectiveChoice(click.Choice):
    """The registered objective names as choices; an alias (``risk-budgeting``) is
    accepted and converted to its name."""

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        name = canonical_name(value)
        return super().convert(name if name is not None else value, param, ctx)


def _read_groups(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
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
        help="Risk measure of min-risk / utility / max-ratio: a registered measure (variance, cvar, or "
        "one from the portfolio_sgd.measures entry-point group).",
    ),
    click.option(
        "--alpha", type=float, default=0.95, show_default=True, help="CVaR confidence level."
    ),
    click.option(
        "--risk-free-rate",
        type=float,
        default=None,
        help="Risk-free rate of max-ratio, per period of the data (daily for daily returns).",
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
    *constraint_field_options,  # generated from the Constraints record's fields
    groups_option,
    allow_absent_option,
    constraint_option,
)


CLI_ONLY_ENGINE_FIELDS = ("progress",)
"""EngineConfig fields without an engine option: the progress bar follows the terminal."""

ENGINE_OPTIONS: dict[str, OptionSpec] = record_options(EngineConfig, skip=CLI_ONLY_ENGINE_FIELDS)
"""The engine options, generated from the :class:`~portfolio_sgd.engine.config.EngineConfig`
fields (flag, type, default and help; see :mod:`.record_options`). Commands that need a
different default or help text (``risk --steps``, ``backtest --device``) re-declare
through :func:`engine_option` with overrides, not by copying."""


def engine_option(field: str, **overrides: Any) -> Callable[[F], F]:
    """The click option of the engine field ``field`` (``overrides`` replace attributes)."""
    decls, attrs = ENGINE_OPTIONS[field]
    return click.option(*decls, **{**attrs, **overrides})


engine_options = section(ENGINE, *(engine_option(name) for name in ENGINE_OPTIONS))
"""Every engine option (``--batch-size`` first), under ``Engine (SGD internals)``."""

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
        if not runs_split():
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


def is_default(param: str) -> bool:
    """Whether the current command's option ``param`` was left at its default."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    source = ctx.get_parameter_source(param)
    return source in (None, click.core.ParameterSource.DEFAULT)
