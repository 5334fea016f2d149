"""The ``portfolio-sgd report`` tearsheet: one self-contained interactive HTML page.

- :mod:`.build`: :func:`build_report` runs what each section needs -> :class:`Report`;
- :mod:`.sections`: each section's tables and figures;
- :mod:`.contributions`: Euler risk contributions; :mod:`.estimation`: gradient noise and
  the batch size; :mod:`.compare`: ``--compare`` portfolios; :mod:`.export`: PNG export
  (kaleido).

The figures, the HTML page and the performance table are views in
:mod:`portfolio_sgd.plotting` (``interactive``, ``interactive_backtest``, ``page``,
``performance_table``), a low layer that the result classes' ``plot_*`` methods use too.

The names below are imported on first use (PEP 562): ``portfolio_sgd.report.names`` (the
section names the CLI's help shows) loads neither torch nor plotly.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .names import SECTIONS

_PUBLIC = {
    "BacktestSettings": ".build",
    "Report": ".build",
    "ReportOptions": ".build",
    "build_report": ".build",
    "check_sections": ".build",
    "RiskContributions": ".contributions",
    "risk_contributions": ".contributions",
}

if TYPE_CHECKING:  # pragma: no cover
    from .build import BacktestSettings, Report, ReportOptions, build_report, check_sections
    from .contributions import RiskContributions, risk_contributions

__all__ = [
    "SECTIONS",
    "BacktestSettings",
    "Report",
    "ReportOptions",
    "RiskContributions",
    "build_report",
    "check_sections",
    "risk_contributions",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
