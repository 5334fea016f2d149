"""The table lines of a frontier under risk limits (``frontier --limit NAME=VALUE``)."""

from __future__ import annotations

from ..measures.registry import get_measure
from ..solvers.frontier import FrontierResult


def frontier_limit_lines(result: FrontierResult) -> list[str]:
    """One line per point: each limit's risk against its level, and whether it binds
    (none for a frontier without limits; a point no portfolio reaches says so)."""
    per_point = getattr(result, "limit_reports", ())
    if not per_point:
        return []
    lines = ["", "risk limits (every point within each):"]
    for k, reports in enumerate(per_point):
        if not reports:
            lines.append(f"{k:>5}  no portfolio within every limit at this risk")
            continue
        cells = []
        for report in reports:
            fmt = ".4%" if get_measure(report.measure).shows_percent else ".6g"
            state = " binds" if report.binds else ""
            cells.append(f"{report.measure} {report.risk:{fmt}} <= {report.limit:{fmt}}{state}")
        lines.append(f"{k:>5}  " + "; ".join(cells))
    return lines
