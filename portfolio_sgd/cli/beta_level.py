"""``--beta`` resolved when a command runs: the level ``alpha`` of a beta-named measure.

A measure whose level skfolio calls a beta has a ``skfolio_beta`` attribute (CDaR:
``cdar_beta``, EVaR: ``evar_beta``). ``--beta`` is accepted when the run's ``--measure``
or one of its limits is such a measure, and becomes the spec's ``alpha``.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..errors import ConfigError
from ..measures.limit import RiskLimit
from ..measures.registry import get_measure, measure_names

__all__ = ["alpha_with_beta"]


def alpha_with_beta(
    alpha: float, beta: float | None, measure: str | None, limits: Sequence[RiskLimit]
) -> float:
    """The level of the run: ``beta`` when given (and allowed), else ``alpha``.

    Parameters
    ----------
    alpha : float
        ``--alpha`` (its default when not given on the command line).
    beta : float or None
        ``--beta``, None when not given.
    measure : str or None
        ``--measure``.
    limits : sequence of RiskLimit
        The run's risk limits (``--limit``, ``--max-<measure>``).

    Raises
    ------
    ConfigError
        ``--beta`` with ``--alpha``, or with no measure whose level is a beta (one line).
    """
    if beta is None:
        return alpha
    ctx = click.get_current_context(silent=True)
    if (
        ctx is not None
        and ctx.get_parameter_source("alpha") is not click.core.ParameterSource.DEFAULT
    ):
        raise ConfigError("--alpha and --beta name the same level; give one of them")
    names = [measure] if measure is not None else []
    used = [get_measure(name) for name in names] + [get_measure(lim.measure) for lim in limits]
    if not any(getattr(m, "skfolio_beta", None) for m in used):
        beta_named = [n for n in measure_names() if getattr(get_measure(n), "skfolio_beta", None)]
        shown = ", ".join(m.name for m in used) or "none"
        raise ConfigError(
            f"--beta is the level of {', '.join(beta_named)} (--measure or a limit); "
            f"the measures of this run ({shown}) have none (use --alpha for CVaR)"
        )
    return float(beta)
