"""``portfolio-sgd optimize``, the run: load, optimise, report (imported when the command runs)."""

from __future__ import annotations

from typing import Any

import click
import numpy as np
import pandas as pd

from ..allocators import allocator_name
from ..api import optimize
from ..cardinality import CardinalityReport
from ..constraints.mandate import is_classic
from ..distributed.context import launched_by_torchrun
from ..distributed.split import runs_split
from ..errors import DataError
from ..estimation.bootstrap import DEFAULT_RESAMPLES, ErrorBars
from ..limits.parse import parse_limit_flag, parse_limit_option
from ..measures import performance as metrics
from ..objectives.registry import needs_benchmark
from ..objectives.risk_budget import normalised_budgets
from ..priors.cli_views import prior_from_options
from ..reference.comparison import compare_with_exact
from ..results import OptimizationResult
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps
from .allocator_run import refuse_allocator_options, run_allocator
from .app import emit
from .beta_level import alpha_with_beta
from .distributed import optimize_under_torchrun
from .limit_lines import limit_lines
from .progress import command_progress, show_progress
from .settings import load_cli_returns, resolve_benchmark, settings_from_cli
from .trading_settings import trading_lines, trading_settings

ALLOCATOR_REFUSED = (
    "compare_exact",
    "strict",
    "budgets_file",
    "error_bars",
    "n_resamples",
    "block_length",
    "resample",
    "half_life",
    "max_volatility",
    "max_cvar",
)
"""Options of ``optimize`` that an allocator refuses (they need the engine)."""


def run_optimize(quiet: bool = False, **options: Any) -> None:
    """Run ``optimize`` with the parsed options, with progress lines unless ``quiet``."""
    with command_progress("optimize", quiet):
        _optimize(quiet=quiet, **options)


def _optimize(
    quiet: bool,
    fmt: str,
    output: str | None,
    compare_exact: bool,
    strict: bool,
    budgets_file: str | None,
    error_bars: bool,
    n_resamples: int | None,
    block_length: float | None,
    resample: bool,
    half_life: float | None,
    max_volatility: float | None,
    max_cvar: float | None,
    limit_options: tuple[str, ...] = (),
    limit_flags: tuple[str, ...] = (),
    beta: float | None = None,
    **kwargs: Any,
) -> None:
    """Optimise portfolio weights with mini-batch SGD (default: mean-variance on sp500).

    Every result carries a proven bound on its optimality gap; a run whose bound misses
    the accuracy bar (1e-4 relative, 1e-3 for CVaR; for risk parity the residual
    max |RC - b| <= 1e-5) prints a warning on stderr and reports "converged": false.
    """
    prior = prior_from_options(kwargs.pop("prior_name", None), kwargs.pop("views", ()))
    if launched_by_torchrun() and not runs_split():  # sharded; rank 0 writes the result
        return optimize_under_torchrun(fmt, output, dict(locals()))
    allocator = allocator_name(kwargs.get("objective"))
    if allocator is not None:  # hrp, herc, nco, naive baselines: allocator_run.py
        refused = {k: v for k, v in locals().items() if k in ALLOCATOR_REFUSED}
        refused["limit"] = (*limit_options, *limit_flags) or None
        refused["beta"] = beta
        return run_allocator(allocator, fmt, output, refused, prior=prior, **kwargs)
    refuse_allocator_options(kwargs)
    limits = [parse_limit_option(text) for text in limit_options]
    limits += [parse_limit_flag(text) for text in limit_flags]  # --max-cdar 0.1, ...
    kwargs["alpha"] = alpha_with_beta(kwargs["alpha"], beta, kwargs.get("measure"), limits)
    kwargs["objective"] = kwargs["objective"] or "mean-variance"
    returns, benchmark = _returns_and_benchmark(kwargs)
    budgets = read_budgets(budgets_file, list(returns.columns)) if budgets_file else None
    trading = trading_settings(kwargs)  # holdings and costs files, --cost-bps, --impact
    spec, constraints, config = settings_from_cli(
        kwargs, progress=show_progress(quiet), budgets=budgets, **trading
    )
    bootstrap = DEFAULT_RESAMPLES if n_resamples is None and error_bars else n_resamples
    result = optimize(
        returns,
        spec,
        constraints,
        config,
        benchmark=benchmark,
        bootstrap=bootstrap,
        block_length=block_length,
        resample=resample,
        half_life=half_life,
        max_volatility=max_volatility,
        max_cvar=max_cvar,
        limits=limits or None,
        prior=prior,
    )
    payload = result.to_dict()
    if half_life is not None:
        payload["half_life"] = half_life
    performance = metrics.fixed_weight_performance(returns, result.weights.to_numpy())
    payload["annual_return"] = performance["annual_return"]  # compound, as in backtests
    payload["annual_volatility"] = performance["annual_volatility"]
    if compare_exact:
        payload["exact"] = compare_with_exact(result, returns, benchmark)
    if fmt == "json":
        emit(dumps(payload), output)
    elif fmt == "csv":
        emit(weights_csv(result, payload.get("exact")), output)
    else:
        emit(_table(result, payload), output)
    if not result.converged:
        click.echo(f"warning: {result.convergence_note}", err=True)
        if strict:
            raise SystemExit(3)


def _returns_and_benchmark(kwargs: dict[str, Any]) -> tuple[pd.DataFrame, pd.Series | None]:
    """The returns of the data options and, for tracking, the benchmark split off them.

    Raises
    ------
    DataError
        An explicit ``--batch-size`` larger than the number of rows.
    """
    returns = load_cli_returns(kwargs)
    source = click.get_current_context().get_parameter_source("batch_size")
    if source is not click.core.ParameterSource.DEFAULT and kwargs["batch_size"] > len(returns):
        raise DataError(
            f"only {len(returns)} rows of returns, fewer than the batch size {kwargs['batch_size']}"
        )
    tracking = needs_benchmark(kwargs["objective"])
    explicit = kwargs.get("benchmark")
    return resolve_benchmark(
        returns,
        (explicit if explicit is not None else "sp500-index") if tracking else None,
        default=explicit is None,
        required=tracking,
    )


def weights_csv(result: OptimizationResult, exact: dict[str, Any] | None = None) -> str:
    """One row per ticker: the weight, the exact weight (if compared) and the bootstrap
    error bars (standard error, 5% and 95% percentiles, P(held), SGD sd) when computed.
    Text cells are escaped against spreadsheet formula injection."""
    frame = result.weights.rename("weight").rename_axis("ticker").to_frame()
    if exact:
        frame["exact_weight"] = [exact["weights"][t] for t in frame.index]
    bars = result.error_bars
    if bars is not None:
        frame["weight_se"] = bars.weights_se
        frame["weight_5pct"] = bars.weights_lo
        frame["weight_95pct"] = bars.weights_hi
        frame["p_held"] = bars.p_held
        if bars.noise is not None:
            frame["sgd_sd"] = bars.noise.sgd_sd
    return escape_text_cells(frame).to_csv(float_format="%.10g").rstrip("\n")


def _table(result: OptimizationResult, payload: dict[str, Any]) -> str:
    w = result.weights.sort_values(ascending=False)
    exact = payload.get("exact")
    rc = result.risk_contributions
    lines = [
        f"portfolio-sgd: {result.objective} on {result.weights.shape[0]} assets x "
        f"{result.n_scenarios} scenarios ({result.start} .. {result.end})",
        "",
        f"{'ticker':<12}{'weight':>10}"
        + (f"{'risk':>10}" if rc is not None else "")
        + (f"{'exact':>10}" if exact else ""),
    ]
    bars = result.error_bars
    if bars is not None:
        lines[-1] += f"{'± se':>9}  {'[5%, 95%]':<17}{'P(held)':>8}"
        lines[-1] += f"{'SGD sd':>9}" if bars.noise is not None else ""
    shown = w[w.abs() >= 5e-5]
    for ticker, value in shown.items():
        row = f"{ticker:<12}{value:>10.4f}"
        if bars is not None:
            interval = f"[{bars.weights_lo[ticker]:.4f}, {bars.weights_hi[ticker]:.4f}]"
            row += f" ± {bars.weights_se[ticker]:.4f}  {interval:<17}{bars.p_held[ticker]:>8.2f}"
            row += f"{bars.noise.sgd_sd[ticker]:>9.4f}" if bars.noise is not None else ""
        if rc is not None:
            row += f"{rc[ticker]:>10.4f}"
        if exact:
            row += f"{exact['weights'][ticker]:>10.4f}"
        lines.append(row)
    hidden = len(w) - len(shown)
    if hidden:
        lines.append(f"({hidden} assets at zero weight not shown)")
    lines += [
        "",
        f"objective value     {result.objective_value:.8g}",
        *trading_lines(result.trading),
        f"annual return       {payload['annual_return']:.2%}",
        f"annual volatility   {payload['annual_volatility']:.2%}",
        f"holdings            {int((w.abs() >= 5e-5).sum())} of {len(w)}",
        f"steps               {result.steps} ({result.epochs:.1f} epochs, stop: {result.stop_reason})",
        f"certified gap       <= {result.optimality_gap:.3g} ({result.relative_gap_bound:.2g} relative, "
        + ("converged)" if result.converged else "NOT converged)"),
        *([f"max |RC - budget|   {_residual(result):.2e} (bar 1e-05)"] if rc is not None else []),
        f"batch size / lr     {result.batch_size} / {_lr(result)} ({result.optimizer}, averaging {result.averaging})",
        f"device / dtype      {result.device} / {result.dtype}, seed {result.seed}"
        + (f", CUDA graphs: {result.step_graphs}" if result.device.startswith("cuda") else ""),
        f"wall time           {result.wall_time:.2f} s",
        _sample_line(result),
        *(_interval_lines(bars) if bars is not None else []),
        *_constraint_lines(result),
        *(limit_lines(result.risk_limit) if result.risk_limit is not None else []),
        *(cardinality_lines(result.cardinality) if result.cardinality is not None else []),
    ]
    if exact:
        lines += [
            # the exact reference reports risk parity's variance w'Sigma w (see reference.py)
            ("exact variance      " if rc is not None else "exact objective     ")
            + f"{exact['objective_value']:.8g} ({exact['solver']}, {exact['solve_time']:.2f} s)",
            f"relative gap        {exact['relative_gap']:.2e}",
            f"L1 to exact         {exact['l1_distance']:.2e}",
        ]
    return "\n".join(lines)


def _sample_line(result: OptimizationResult) -> str:
    """What the estimate rests on: rows, and the effective sample of a row weighting."""
    line = f"sample size         {result.n_scenarios} rows"
    if result.half_life is not None and result.effective_sample_size is not None:
        line += (
            f", effective {result.effective_sample_size:.1f} (sum w)^2/sum w^2 "
            f"with half-life {result.half_life:g}"
        )
    prior = result.to_dict().get("prior")
    if prior is not None:
        ess = result.to_dict()["prior_effective_sample_size"]
        line += f"; prior {prior}, effective sample {ess:.1f} (1/sum p^2)"
    return line


def _constraint_lines(result: OptimizationResult) -> list[str]:
    """The table's constraint status lines (with linear rows only: else budget and bounds)."""
    if not result.constraints.has_linear and is_classic(result.constraints):
        return []  # budget and uniform bounds only: nothing to tabulate
    lines = ["", f"{'constraint':<28}{'value':>10}{'bound':>10}  status"]
    for row in result.constraints_report:
        status = str(row["status"])
        if row["status"] == "violated":
            status += f" by {row['violation']:.2e}"
        lines.append(
            f"{str(row['constraint']):<28}{row['value']:>10.4f}{row['bound']:>10.4f}  {status}"
        )
    return lines


def cardinality_lines(card: CardinalityReport) -> list[str]:
    """The table lines of a cardinality result: support, bound and search."""
    return [
        f"support             {card.n_held} assets: {', '.join(card.support)}",
        f"relaxed bound       {card.lower_bound:.8g} (gap to it {card.relative_gap_to_relaxed:.2%},"
        " a bound on the distance to the true optimum)",
        f"cardinality search  {card.method}: {card.candidates_evaluated} supports, "
        f"{card.local_search_rounds} swap rounds ({card.search_stop})",
        *(
            f"{name:<20}{row['value']:.6g} (limit {row['limit']:g}): {row['status']}, "
            f"violation {row['violation']:.2g}"
            for name, row in card.constraints_report().items()
        ),
    ]


def read_budgets(path: str, tickers: list[str]) -> tuple[float, ...]:
    """Risk budgets in the order of ``tickers`` from a CSV of ``ticker,budget`` rows.

    A header row is optional; tickers in the file but not in the data are ignored.

    Raises
    ------
    DataError
        For an unreadable file, a non-numeric budget, a ticker listed twice, or tickers
        of the data that have no budget (named in the message).
    """
    try:
        frame = pd.read_csv(path, header=None, names=["ticker", "budget"], dtype=str)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise DataError(f"cannot read budgets from {path}: {exc}".splitlines()[0]) from None
    frame = frame.dropna(how="all")
    if len(frame) and frame.iloc[0]["ticker"].strip().lower() == "ticker":
        frame = frame.iloc[1:]
    table: dict[str, float] = {}
    for ticker, budget in zip(frame["ticker"], frame["budget"], strict=True):
        name = str(ticker).strip()
        if name in table:  # as for holdings and costs files: never silently the last one
            raise DataError(f"{path}: ticker {name!r} appears twice")
        try:
            table[name] = float(budget)
        except (TypeError, ValueError):
            raise DataError(f"budget of {ticker} in {path} is not a number: {budget!r}") from None
    missing = [t for t in tickers if t not in table]
    if missing:
        raise DataError(f"{path} has no budget for: {', '.join(missing)}")
    return tuple(table[t] for t in tickers)


def _residual(result: OptimizationResult) -> float:
    """Risk parity's residual ``max_i |RC_i - b_i|``."""
    rc = result.risk_contributions
    assert rc is not None
    return float(np.abs(rc.to_numpy() - normalised_budgets(result.spec.budgets, len(rc))).max())


def _interval_lines(bars: ErrorBars) -> list[str]:
    """The table's bootstrap summary lines (5-95% intervals)."""

    def show(pair: tuple[float, float], fmt: str) -> str:
        return f"[{pair[0]:{fmt}}, {pair[1]:{fmt}}]"

    kind = "i.i.d." if bars.block_length <= 1.0 else f"mean block {bars.block_length:.1f}"
    return [
        f"bootstrap           {bars.n_resamples} resamples ({kind})"
        + (", resampled (Michaud) weights" if bars.resampled else ""),
        f"objective 5-95%     {show(bars.objective, '.6g')}",
        f"return 5-95%        {show(bars.annual_return, '.2%')}",
        f"volatility 5-95%    {show(bars.annual_volatility, '.2%')}",
        *_noise_lines(bars),
    ]


def _noise_lines(bars: ErrorBars) -> list[str]:
    """SGD's stationary spread next to the bootstrap's (or why it is not shown)."""
    noise = bars.noise
    if noise is None:
        return [f"SGD vs data noise   not computed: {bars.noise_note}"]
    return [
        f"SGD vs data noise   total SGD sd {noise.sgd_total:.4f} vs bootstrap se "
        f"{noise.data_total:.4f} (temperature {noise.temperature:.3g})",
        f"                    {noise.summary()}",
        f"                    ({noise.note})",
    ]


def _lr(result: OptimizationResult) -> str:
    """The step size, or why there is none (an exact finish before the first step)."""
    if result.lr is None:
        return "none (exact finish before the first step)"
    return f"{result.lr:.4g}"
