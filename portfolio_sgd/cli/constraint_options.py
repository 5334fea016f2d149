"""The constraint options, generated from the :class:`~portfolio_sgd.constraints.record.
ConstraintsRecord` fields (flag, type, default and help: :mod:`.record_options`), plus the
two options that map onto several fields: ``--bounds FILE`` (per-asset bounds by ticker)
and ``--budget-range LO HI`` (a budget range). Reading the record loads no torch.
"""

from __future__ import annotations

import dataclasses

import click

from ..constraints.record import ConstraintsRecord
from .record_options import OptionSpec, record_options

CONSTRAINT_FIELDS = (
    "min_weight",
    "max_weight",
    "long_short",
    "max_leverage",
    "budget",
    "max_short",
    "max_long",
)
"""The record fields with a generated option (the others have their own: ``--groups``,
``--constraint``, the trading and cardinality options)."""

CONSTRAINT_OPTIONS: dict[str, OptionSpec] = record_options(
    ConstraintsRecord,
    skip=tuple(
        f.name for f in dataclasses.fields(ConstraintsRecord) if f.name not in CONSTRAINT_FIELDS
    ),
)

bounds_option = click.option(
    "--bounds",
    type=click.Path(dir_okay=False),
    default=None,
    help="Per-asset bounds CSV: ticker,min,max rows (unlisted tickers take --min-weight / "
    "--max-weight; an unknown ticker is an error).",
)
budget_range_option = click.option(
    "--budget-range",
    type=float,
    nargs=2,
    default=None,
    metavar="LO HI",
    help="Budget range: LO <= sum(w) <= HI (instead of --budget; the rest is cash).",
)

constraint_field_options = [
    click.option(*decls, **attrs) for decls, attrs in CONSTRAINT_OPTIONS.values()
] + [bounds_option, budget_range_option]
"""Every generated constraint option, then ``--bounds`` and ``--budget-range``."""
