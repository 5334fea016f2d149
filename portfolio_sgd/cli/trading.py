"""CLI options for trading against current holdings: holdings, costs, impact, turnover.

``--previous-weights FILE`` (CSV ``ticker,weight``; a ticker not in the file holds 0),
``--cost-bps X`` (every asset) or ``--costs FILE`` (CSV ``ticker,bps``), ``--impact C``,
``--max-turnover D`` and ``--max-asset-turnover D`` map to the
:class:`~portfolio_sgd.constraints.Constraints` fields of the same meaning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from .sections import TRADING

F = TypeVar("F", bound=Callable[..., Any])


def trading_options(func: F) -> F:
    """Add the trading options to a click command."""
    options = [
        click.option(
            "--previous-weights",
            "previous_weights_file",
            type=click.Path(dir_okay=False),
            default=None,
            help="Current holdings: a CSV of ticker,weight (a ticker not listed holds 0).",
        ),
        click.option(
            "--cost-bps",
            type=click.FloatRange(min=0.0),
            default=None,
            help="Transaction cost in bps per unit traded, for every asset (10 = 0.1%).",
        ),
        click.option(
            "--costs",
            "costs_file",
            type=click.Path(dir_okay=False),
            default=None,
            help="Per-asset transaction costs: a CSV of ticker,bps (a ticker not listed: 0).",
        ),
        click.option(
            "--impact",
            type=click.FloatRange(min=0.0),
            default=None,
            help="Market-impact coefficient C of C*|w - w_prev|^1.5 (return units).",
        ),
        click.option(
            "--max-turnover",
            type=click.FloatRange(min=0.0),
            default=None,
            help="One-way turnover cap 1/2*sum|w - w_prev| against the holdings.",
        ),
        click.option(
            "--max-asset-turnover",
            type=click.FloatRange(min=0.0),
            default=None,
            help="Per-asset turnover limit |w_i - w_prev_i|.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
        func.__click_params__[-1].help_section = TRADING  # type: ignore[attr-defined]
    return func
