"""``--beta``: the level of the measures skfolio states by a beta (CDaR's ``cdar_beta``).

The same level as ``--alpha`` (the library has one level, ``ObjectiveSpec.alpha``), named
as skfolio and the drawdown literature name it. :mod:`.beta_level` checks, when the
command runs, that a measure of the run has such a level and that ``--alpha`` is not
given too. Declared here without importing the library, so ``--help`` answers at once.
"""

from __future__ import annotations

import click

__all__ = ["beta_option"]

beta_option = click.option(
    "--beta",
    type=float,
    default=None,
    help="Level of the drawdown measures, e.g. --measure cdar --beta 0.95 or --max-cdar 0.1 "
    "--beta 0.9 (skfolio's cdar_beta / evar_beta; the same level as --alpha, give one).",
)
"""The ``--beta`` option of ``optimize``."""
