"""``portfolio-sgd optimize``: one portfolio by mini-batch SGD.

This module declares the command only (nothing heavy is imported, so ``--help`` answers
at once); :mod:`.optimize_run` does the work when the command runs.
"""

from __future__ import annotations

from typing import Any

import click

from .allocator_options import ALLOCATOR_NAMES, allocator_options, dendrogram_option
from .beta_option import beta_option
from .lazy import Lazy
from .limit_flags import LimitFlagCommand, limit_flag_option
from .options import (
    OBJECTIVE_NAMES,
    ObjectiveChoice,
    data_options,
    engine_options,
    format_option,
    objective_options,
    output_option,
    quiet_option,
    split_option,
)
from .sections import ESTIMATION, OBJECTIVE, OUTPUT, section
from .trading import trading_options

run_optimize = Lazy("portfolio_sgd.cli.optimize_run:run_optimize")
"""The run of ``optimize`` (:mod:`.optimize_run`), imported when the command runs."""

EPILOG = """\b
Examples (the files are written by `portfolio-sgd examples .`):
  portfolio-sgd optimize
  portfolio-sgd optimize --objective min-variance --max-weight 0.15 --compare-exact
  portfolio-sgd optimize --objective cvar --alpha 0.975 --batch-size 512 --format json
  portfolio-sgd optimize --objective tracking --benchmark sp500-index
  portfolio-sgd optimize --objective risk-parity --budgets budgets.csv
  portfolio-sgd optimize --objective max-return --max-volatility 0.15
  portfolio-sgd optimize --objective max-return --max-cvar 0.02 --alpha 0.95
  portfolio-sgd optimize --objective max-return --max-cdar 0.1 --max-mad 0.01
  portfolio-sgd optimize --returns returns_wide.csv --format csv --output weights.csv
  portfolio-sgd optimize --objective min-variance --error-bars --shrinkage ledoit-wolf
  portfolio-sgd optimize --objective min-variance --previous-weights holdings.csv --cost-bps 10
  portfolio-sgd optimize --objective hrp --linkage single --max-weight 0.1 --plot tree.png
  portfolio-sgd optimize --views "AAPL == 0.0004" --views "AAPL - MSFT == 0.0002"
  portfolio-sgd optimize --prior entropy-pooling --views "JPM == 0.001" --views "(JPM, BAC) == 0.6"
"""

limit_options = section(
    OBJECTIVE,
    click.option(
        "--budgets",
        "budgets_file",
        type=click.Path(dir_okay=False),
        default=None,
        help="Risk budgets of risk parity: a CSV of ticker,budget (normalised; default equal).",
    ),
    click.option(
        "--max-volatility",
        type=click.FloatRange(min=0.0, min_open=True),
        default=None,
        help="Risk limit: annualised volatility (sqrt(252) x daily std) at most S, e.g. 0.15 "
        "(with --objective max-return or mean-variance).",
    ),
    click.option(
        "--max-cvar",
        type=click.FloatRange(min=0.0, min_open=True),
        default=None,
        help="Risk limit: daily CVaR at --alpha at most K, e.g. 0.02 "
        "(with --objective max-return, or cvar with a --return-weight).",
    ),
    click.option(
        "--limit",
        "limit_options",
        multiple=True,
        metavar="NAME=VALUE",
        help="Risk limit on any registered measure, repeatable with --objective max-return, "
        "e.g. --limit cvar=0.02 --limit volatility=0.2.",
    ),
    limit_flag_option,
    beta_option,
    click.option(
        "--max-assets",
        type=int,
        default=None,
        help="Cardinality: hold at most K assets (a batched support-search heuristic).",
    ),
    click.option(
        "--min-position",
        type=float,
        default=None,
        help="Minimum position: every weight is 0 or at least X.",
    ),
)

estimation_options = section(
    ESTIMATION,
    click.option(
        "--half-life",
        type=click.FloatRange(min=0.0, min_open=True),
        default=None,
        help="Recency weighting: a row DAYS periods older weighs half as much.",
    ),
    click.option(
        "--shrinkage",
        type=click.Choice(["none", "ledoit-wolf", "oas"]),
        default=None,
        help="Covariance shrinkage toward trace(S)/N * I (min-variance, mean-variance)  "
        "[default: none].",
    ),
    click.option(
        "--resample",
        is_flag=True,
        help="Report the resampled (Michaud) portfolio: the average of the bootstrap weights.",
    ),
    click.option(
        "--prior",
        "prior_name",
        type=click.Choice(["black-litterman", "entropy-pooling", "factor"]),
        default=None,
        help="Prior of the returns: Black-Litterman views, entropy-pooling scenario "
        "probabilities, or the Fama-French 3 factor model  [default with --views: "
        "black-litterman].",
    ),
    click.option(
        "--views",
        multiple=True,
        help='A view, e.g. "AAPL == 0.0004" or "AAPL - MSFT == 0.0002" (repeat the option), '
        "or one views CSV (view, confidence; kind for entropy pooling).",
    ),
)

report_options = section(
    OUTPUT,
    format_option,
    output_option,
    click.option(
        "--compare-exact",
        is_flag=True,
        help="Also solve exactly (cvxpy + Clarabel) and report the gap.",
    ),
    click.option(
        "--error-bars",
        is_flag=True,
        help="Bootstrap error bars on the weights: standard error, 5-95% interval, P(held).",
    ),
    click.option(
        "--bootstrap",
        "n_resamples",
        type=click.IntRange(min=2),
        default=None,
        help="Bootstrap resamples for --error-bars / --resample  [default: 200].",
    ),
    click.option(
        "--block-length",
        type=click.FloatRange(min=1.0),
        default=None,
        help="Mean block length of the stationary bootstrap (1: i.i.d.)  "
        "[default: from the autocorrelation of the portfolio's squared returns].",
    ),
    click.option(
        "--strict",
        is_flag=True,
        help="Exit with code 3 when the run is not certified converged "
        "(the output is still written).",
    ),
    quiet_option,
)


@click.command("optimize", cls=LimitFlagCommand, epilog=EPILOG)
@data_options
@objective_options
@allocator_options
@limit_options
@trading_options
@estimation_options
@report_options
@dendrogram_option
@engine_options
@split_option
def optimize_command(**kwargs: Any) -> None:
    """Optimise portfolio weights with mini-batch SGD (default: mean-variance on sp500).

    Every result carries a proven bound on its optimality gap; a run whose bound misses
    the accuracy bar (1e-4 relative, 1e-3 for CVaR; for risk parity the residual
    max |RC - b| <= 1e-5) prints a warning on stderr and reports "converged": false.
    """
    run_optimize(**kwargs)


# --objective also names the allocators (hrp, herc, nco, the naive baselines) here
next(p for p in optimize_command.params if p.name == "objective").type = ObjectiveChoice(
    OBJECTIVE_NAMES + ALLOCATOR_NAMES
)
