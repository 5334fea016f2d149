"""The table lines of a risk-limited result (``--max-volatility`` / ``--max-cvar``)."""

from __future__ import annotations

import math

from ..limits import RiskLimitReport
from ..measures.registry import get_measure


def limit_lines(report: RiskLimitReport) -> list[str]:
    """Lines for ``optimize``'s table: the limit, the achieved risk, binding, multiplier."""
    measure = get_measure(report.measure)
    label = (
        f"{measure.short_label} at {report.alpha:g}" if measure.uses_alpha else measure.short_label
    )
    fmt = ".4%" if measure.shows_percent else ".6g"
    state = "binds" if report.binds else "does not bind"
    lines = [
        f"risk limit          {label} <= {report.limit:{fmt}}: {state}, "
        f"achieved {report.risk:{fmt}} (slack {report.slack:.2g})",
        f"multiplier          {report.multiplier:.6g} per unit of the limit"
        + (f" ({report.penalty_name} {report.penalty:.6g})" if report.penalty else ""),
        f"limit search        {report.rounds} rounds, {report.runs} runs, "
        f"stop: {report.stop_reason}",
    ]
    if report.minimum_risk is not None and math.isfinite(report.minimum_risk):
        lines.append(f"minimum risk        {report.minimum_risk:{fmt}}")
    return lines
