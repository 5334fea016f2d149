"""The report's sections, each built from computed results into a :class:`~.page.Section`.

Numbers are shown with fixed formats (:data:`FORMATS`); the same numbers are in the page's
JSON (``report-data``), so a reader (or a test) can check every shown value against it.
"""

from __future__ import annotations

import platform
import shlex
from collections.abc import Mapping, Sequence
from importlib import metadata
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..constraints.mandate import mandate_text
from ..plotting.interactive import (
    HELD,
    comparison_figure,
    composition_figure,
    contributions_figure,
    frontier_figure,
    noise_figure,
)
from ..plotting.interactive_backtest import (
    cumulative_figure,
    drawdowns_figure,
    monthly_figure,
    rolling_figure,
    turnover_figure,
)
from ..plotting.page import Section, esc, table
from ..plotting.performance_table import TABLE, format_cell, metrics_table
from .names import TITLES

if TYPE_CHECKING:  # pragma: no cover
    from ..backtest import BacktestResult
    from ..objectives import ObjectiveSpec
    from ..results import OptimizationResult
    from ..solvers.frontier import FrontierResult
    from .contributions import RiskContributions
    from .estimation import NoiseSummary

PACKAGES = ("portfolio-sgd", "torch", "numpy", "pandas", "scipy", "cvxpy", "plotly", "click")


def _g(value: float) -> str:
    return f"{value:.6g}"


def _parameter_text(spec: ObjectiveSpec) -> str:
    """The parameters that shape the objective: its confidence level where it has a VaR
    level, and the parameter its frontier runs along (risk aversion, return weight)."""
    impl = spec.impl
    parts = [f"alpha {spec.alpha:g}"] if impl.has_var_level else []
    if impl.frontier_measure is not None:
        name = impl.per_run_parameter
        parts.append(f"{name.replace('_', ' ')} {getattr(spec, name):g}")
    return ", ".join(parts)


def summary_section(
    result: OptimizationResult,
    measure: str,
    provenance: str,
    performance: Mapping[str, float],
) -> Section:
    """Objective, measure, constraints, the certified gap and ``converged``, the data."""
    spec = result.spec
    params = _parameter_text(spec)
    rows = [
        ("objective", "Objective", result.objective + (f" ({params})" if params else "")),
        ("measure", "Risk measure", measure),
        ("constraints", "Constraints", constraints_text(result)),
        ("objective_value", "Objective value", _g(result.objective_value)),
        ("optimality_gap", "Certified gap (f(w) - f*) <=", _g(result.optimality_gap)),
        ("relative_gap_bound", "Relative gap bound", _g(result.relative_gap_bound)),
        ("converged", "Converged (certified)", "yes" if result.converged else "NO"),
        ("certificate_method", "Certificate", result.certificate_method),
        ("annual_return", "Annual return (in sample)", f"{performance['annual_return']:.2%}"),
        (
            "annual_volatility",
            "Annual volatility (in sample)",
            f"{performance['annual_volatility']:.2%}",
        ),
        ("window", "Data window", f"{result.start} .. {result.end}"),
        ("n_scenarios", "Scenarios", str(result.n_scenarios)),
        ("n_assets", "Assets", str(int(result.weights.shape[0]))),
        ("provenance", "Data source", provenance),
        ("steps", "Steps", f"{result.steps} ({result.stop_reason})"),
        ("wall_time", "Optimisation time", f"{result.wall_time:.2f} s"),
    ]
    body = table(
        ["", "value"],
        [(label, value) for _, label, value in rows],
        table_id="summary-table",
        keys=[k for k, _, _ in rows],
    )
    if not result.converged:
        body += f'<p class="bad">{esc(result.convergence_note)}</p>'
    return Section("summary", TITLES["summary"], body)


def constraints_text(result: OptimizationResult) -> str:
    """The feasible set in one line."""
    c = result.constraints
    parts = mandate_text(c)  # bounds, budget (cash), exposure caps
    if c.long_short:
        parts.append("long-short")
    if c.max_leverage is not None:
        parts.append(f"gross leverage <= {c.max_leverage:g}")
    if c.groups:
        parts.append(f"{len({g for _, p in c.groups for g, _ in p})} groups")
    names = [str(r.get("constraint")) for r in result.constraints_report]
    parts += [n for n in names if n != "budget" and not n.startswith("w_i")]  # linear rows
    return "; ".join(parts)


def weights_section(result: OptimizationResult, rc: RiskContributions) -> Section:
    """Composition with bootstrap intervals and P(held); risk contributions by asset and
    by group."""
    w = result.weights
    bars = result.error_bars
    shares = rc.shares
    held = w[w.abs() >= HELD].sort_values(ascending=False)
    header = ["ticker", "weight"]
    if bars is not None:
        header += ["± se", "5%", "95%", "P(held)"]
    header.append("risk share")
    rows = []
    for ticker, value in held.items():
        row: list[object] = [ticker, f"{value:.4f}"]
        if bars is not None:
            row += [
                f"{bars.weights_se[ticker]:.4f}",
                f"{bars.weights_lo[ticker]:.4f}",
                f"{bars.weights_hi[ticker]:.4f}",
                f"{bars.p_held[ticker]:.2f}",
            ]
        row.append(f"{shares[ticker]:.2%}")
        rows.append(row)
    body = table(header, rows, table_id="weights-table", keys=[str(t) for t in held.index])
    hidden = len(w) - len(held)
    if hidden:
        body += f'<p class="note">{hidden} assets at zero weight are not shown.</p>'
    if bars is None:
        body += (
            '<p class="note">No bootstrap error bars: pass --bootstrap B (objectives with '
            "a VaR level, e.g. CVaR, and risk parity do not support them).</p>"
        )
    else:
        kind = "i.i.d." if bars.block_length <= 1 else f"mean block {bars.block_length:.1f}"
        body += (
            f'<p class="note">Bootstrap: {bars.n_resamples} resamples ({esc(kind)})'
            + (", resampled (Michaud) weights" if bars.resampled else "")
            + ".</p>"
        )
    figures = [
        ("fig-composition", composition_figure(w, bars)),
        ("fig-contributions", contributions_figure(rc, "asset")),
    ]
    if len(rc.by_group):
        figures.append(("fig-contributions-groups", contributions_figure(rc, "group")))
    return Section("weights", TITLES["weights"], body, tuple(figures))


def frontier_section(
    frontier: FrontierResult,
    chosen: tuple[float, float],
    cloud: np.ndarray | None,
    others: Mapping[str, tuple[float, float]] | None = None,
) -> Section:
    """The frontier with the chosen portfolio (and the resampled cloud)."""
    body = (
        f'<p class="note">{len(frontier.risk)} points solved as one batched run '
        f"({frontier.wall_time:.2f} s); {int(frontier.converged.sum())} certified. "
        f"The chosen portfolio: risk {chosen[0]:.4g}, return {chosen[1]:.2%}.</p>"
    )
    fig = frontier_figure(frontier, chosen, cloud, others)
    return Section("frontier", TITLES["frontier"], body, (("fig-frontier", fig),))


def backtest_section(result: BacktestResult) -> Section:
    """Metrics table and the five backtest charts."""
    frame = metrics_table(result.metrics)
    rows = [
        [name, *(format_cell(row[k], kind) for k, _, kind in TABLE)]
        for name, row in frame.iterrows()
    ]
    cfg = result.config
    body = (
        f'<p class="note">Walk-forward: {esc(cfg.get("start"))} .. {esc(cfg.get("end"))}, '
        f"{esc(cfg.get('n_rebalances'))} rebalances every {esc(cfg.get('rebalance_every'))} rows, "
        f"{'expanding' if cfg.get('expanding') else 'rolling'} lookback {esc(cfg.get('lookback'))}, "
        f"cost {float(cfg.get('cost_bps', 0.0)):g} bps.</p>"
        + table(
            ["strategy", *(label for _, label, _ in TABLE)],
            rows,
            table_id="backtest-table",
            keys=[str(n) for n in frame.index],
        )
    )
    figures = (
        ("fig-cumulative", cumulative_figure(result)),
        ("fig-drawdowns", drawdowns_figure(result)),
        ("fig-rolling", rolling_figure(result)),
        ("fig-turnover", turnover_figure(result)),
        ("fig-monthly", monthly_figure(result)),
    )
    return Section("backtest", TITLES["backtest"], body, figures)


def estimation_section(noise: NoiseSummary) -> Section:
    """Gradient noise against sigma^2/m, the temperature, and the recommended batch size."""
    rows = [
        [
            m,
            f"{meas:.4g}",
            f"{pred:.4g}",
            f"{meas / pred:.3f}" if pred else "-",
            f"{t:.4g}",
            f"{sec * 1e3:.3g}",
        ]
        for m, meas, pred, t, sec in zip(
            noise.batch_sizes,
            noise.measured,
            noise.predicted,
            noise.temperatures,
            noise.seconds_per_update,
            strict=True,
        )
    ]
    body = (
        f'<p>Per-sample gradient variance at the weights: σ² = <span id="sigma2">'
        f"{noise.sigma2:.4g}</span>. With the run's step size η = {noise.lr:.4g} and batch "
        f"size m = {noise.batch_size}, the effective temperature ησ²/(2m) is "
        f'<span id="run-temperature">{noise.run_temperature:.4g}</span>.</p>'
        + table(
            ["m", "measured variance", "σ²/m", "ratio", "temperature", "ms / update"],
            rows,
            table_id="noise-table",
            keys=[str(m) for m in noise.batch_sizes],
        )
        + f'<p>Recommended batch size: <b id="recommended">{noise.recommended}</b>. '
        f"{esc(noise.why[:1].upper() + noise.why[1:])}.</p>"
        f'<p class="note">Measured at the reported weights with {noise.draws} draws per m '
        f"({esc(noise.sampling)} sampling); κ = σ²/4 from theory, not fitted: "
        "<code>portfolio-sgd risk</code> runs the full seed sweep.</p>"
    )
    return Section("estimation", TITLES["estimation"], body, (("fig-noise", noise_figure(noise)),))


def compare_section(weights: pd.DataFrame, performance: pd.DataFrame) -> Section:
    """Several portfolios side by side: weights and in-sample measures."""
    cols = (
        ("annual_return", "Annual return", "pct"),
        ("annual_volatility", "Volatility", "pct"),
        ("sharpe", "Sharpe", "num"),
        ("cvar_95", "CVaR 95% (daily)", "pct"),
        ("max_drawdown", "Max drawdown", "pct"),
    )
    rows = [
        [name, *(format_cell(row[k], kind) for k, _, kind in cols)]
        for name, row in performance.iterrows()
    ]
    body = table(
        ["portfolio", *(c[1] for c in cols)],
        rows,
        table_id="compare-table",
        keys=[str(n) for n in performance.index],
    )
    body += '<p class="note">In sample: fixed weights held over the whole data window.</p>'
    fig = comparison_figure(weights)
    return Section("compare", TITLES["compare"], body, (("fig-compare", fig),))


def reproduce_section(command: Sequence[str] | None) -> Section:
    """The exact command and the package versions."""
    text = shlex.join(command) if command else "(built from the Python API)"
    rows = [("platform", platform.platform()), *versions().items()]
    body = f'<pre id="command">{esc(text)}</pre>' + table(
        ["package", "version"], rows, table_id="versions-table", keys=[r[0] for r in rows]
    )
    return Section("reproduce", TITLES["reproduce"], body)


def versions() -> dict[str, str]:
    """The Python version and the installed versions of :data:`PACKAGES`."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out
