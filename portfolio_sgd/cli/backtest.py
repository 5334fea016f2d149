"""``portfolio-sgd backtest``: walk-forward backtest of several strategies."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..backtest.specs import DEFAULT_STRATEGIES, spec_help
from .app import emit, to_json
from .options import (
    data_options,
    engine_option,
    is_default,
    load_cli_returns,
    quiet_option,
    resolve_benchmark,
)
from .progress import command_progress, show_progress
from .sections import ENGINE, OUTPUT, STRATEGIES, GroupedCommand, section

if TYPE_CHECKING:  # pragma: no cover
    from ..backtest import BacktestResult

DEFAULT_START = "2010-01-01"

EPILOG = (
    "\b\n"
    + spec_help().replace("\n\n", "\n\n\b\n")
    + f"""

\b
With no data options the backtest runs on sp500 from {DEFAULT_START} (pass --start to change).

\b
Examples:
  portfolio-sgd backtest
  portfolio-sgd backtest --strategies sgd:min-variance:m=64,exact:min-variance,equal-weight --cost-bps 10
  portfolio-sgd backtest --start 2015-01-01 --expanding --rebalance-every 63 --format json
  portfolio-sgd backtest --output-dir bt/ --plot bt/backtest.png
"""
)

TABLE_COLUMNS = (
    ("annual_return", "ann.ret", "{:.2%}"),
    ("annual_volatility", "ann.vol", "{:.2%}"),
    ("sharpe", "sharpe", "{:.2f}"),
    ("sortino", "sortino", "{:.2f}"),
    ("max_drawdown", "max.dd", "{:.2%}"),
    ("cvar_95", "cvar95", "{:.2%}"),
    ("hit_rate", "hit", "{:.1%}"),
    ("avg_turnover", "turnover", "{:.3f}"),
    ("total_cost", "cost", "{:.2%}"),
    ("avg_steps", "steps", "{:.0f}"),
    ("wall_time", "time[s]", "{:.1f}"),
)


@click.command("backtest", cls=GroupedCommand, epilog=EPILOG)
@data_options
@section(
    STRATEGIES,
    click.option(
        "--strategies",
        default=",".join(DEFAULT_STRATEGIES),
        show_default=True,
        help="Comma-separated strategy specs (the keys are listed below).",
    ),
    click.option(
        "--lookback", type=int, default=252, show_default=True, help="Rows per estimation window."
    ),
    click.option(
        "--rebalance-every",
        type=int,
        default=21,
        show_default=True,
        help="Rows between rebalances.",
    ),
    click.option(
        "--expanding", is_flag=True, help="Expanding window [0, t) instead of a rolling one."
    ),
    click.option(
        "--cost-bps",
        type=float,
        default=10.0,
        show_default=True,
        help="Cost per unit turnover, in bps.",
    ),
    click.option(
        "--benchmark",
        default="sp500-index",
        show_default=True,
        help="Benchmark reported alongside (a data column or a dataset); 'none' for none.",
    ),
    click.option(
        "--cold-start", is_flag=True, help="SGD starts every rebalance cold (no warm start)."
    ),
    click.option(
        "--risk-free",
        type=float,
        default=0.0,
        show_default=True,
        help="Annual risk-free rate for Sharpe/Sortino.",
    ),
)
@section(
    OUTPUT,
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="A readable table or JSON (only the result on stdout).",
    ),
    click.option(
        "--output",
        type=click.Path(dir_okay=False),
        default=None,
        help="Write the table/JSON here instead of stdout.",
    ),
    click.option(
        "--output-dir",
        type=click.Path(file_okay=False),
        default=None,
        help="Write equity/weights/metrics CSV+JSON here, as one set: built in a temporary "
        "folder and swapped in, so an interrupted run leaves the previous set intact.",
    ),
    click.option(
        "--plot",
        "plot_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Save the figure as PNG.",
    ),
    quiet_option,
)
@section(
    ENGINE,
    engine_option("seed", help="Base seed (rebalance k uses seed + k)."),
    engine_option(
        "device", default="cpu", help="Device of the SGD strategies (auto, cpu, cuda, mps)."
    ),
)
def command(quiet: bool, **kwargs: Any) -> None:
    """Walk-forward backtest: rebalance every N rows on the past LOOKBACK rows only."""
    from ..backtest import check_settings, parse_strategies, run_backtest
    from ..backtest.strategies import BACKTEST_ENGINE

    check_settings(kwargs["lookback"], kwargs["rebalance_every"], kwargs["cost_bps"])
    config = dataclasses.replace(BACKTEST_ENGINE, device=kwargs["device"])
    strategies = parse_strategies(
        kwargs["strategies"], warm_start=not kwargs["cold_start"], config=config
    )
    default_data = all(
        kwargs.get(k) is None for k in ("dataset", "prices_path", "returns_path", "tickers")
    )
    if default_data and kwargs.get("start") is None:
        kwargs["start"] = DEFAULT_START
    returns = load_cli_returns(kwargs)
    bench_name = kwargs["benchmark"]
    if bench_name is not None and bench_name.strip().lower() in ("", "none"):
        bench_name = None
    returns, benchmark = resolve_benchmark(
        returns, bench_name, default=is_default("benchmark"), min_rows=kwargs["lookback"] + 1
    )
    with command_progress("backtest", quiet):
        result = run_backtest(
            returns,
            strategies,
            lookback=kwargs["lookback"],
            rebalance_every=kwargs["rebalance_every"],
            expanding=kwargs["expanding"],
            cost_bps=kwargs["cost_bps"],
            benchmark=benchmark,
            warm_start=not kwargs["cold_start"],
            seed=kwargs["seed"],
            risk_free=kwargs["risk_free"],
            config=config,
            progress=show_progress(quiet),
        )
    write_outputs(result, kwargs["output_dir"], kwargs["plot_path"])
    if kwargs["fmt"] == "json":
        emit(to_json(result.to_dict()), kwargs["output"])
    else:
        emit(format_table(result), kwargs["output"])


def write_outputs(result: BacktestResult, output_dir: str | None, plot_path: str | None) -> None:
    """Save the output folder and the figure; a figure inside the folder joins its set."""
    inside = None
    if output_dir and plot_path:
        with contextlib.suppress(ValueError):
            inside = Path(plot_path).resolve().relative_to(Path(output_dir).resolve())
    if output_dir:
        extra = {str(inside): lambda tmp: result.plot(tmp)} if inside is not None else None
        result.save(output_dir, extra=extra)
        click.echo(f"wrote {output_dir}", err=True)
    if plot_path:
        if inside is None:
            result.plot(Path(plot_path))
        click.echo(f"wrote {plot_path}", err=True)


def format_table(result: BacktestResult) -> str:
    """Metrics per strategy (and the benchmark) as an aligned text table."""
    cfg = result.config
    width = max(12, *(len(str(n)) for n in result.metrics.index)) + 10
    lines = [
        f"walk-forward backtest: {cfg['n_assets']} assets, {cfg['start']} .. {cfg['end']}, "
        f"{cfg['n_rebalances']} rebalances every {cfg['rebalance_every']} rows, "
        f"{'expanding' if cfg['expanding'] else 'rolling'} lookback {cfg['lookback']}, "
        f"cost {cfg['cost_bps']:g} bps, {'warm' if cfg['warm_start'] else 'cold'} start",
        "",
        f"{'strategy':<{width}}" + "".join(f"{label:>10}" for _, label, _ in TABLE_COLUMNS),
    ]
    for name, row in result.metrics.iterrows():
        cells = []
        for key, _, fmt in TABLE_COLUMNS:
            value = row.get(key)
            cells.append(
                f"{fmt.format(value) if value == value and value is not None else '-':>10}"
            )
        label = f"{name} (bench)" if name == cfg.get("benchmark") else str(name)
        lines.append(f"{label:<{width}}" + "".join(cells))
    lines += [
        "",
        "ann.ret is the compound annual growth after costs; cvar95 is the mean daily loss of the worst 5% of days.",
    ]
    for name, horizon in cfg.get("cost_horizons", {}).items():
        lines.append(
            f"cost horizon: {name} amortises its trading cost over {horizon:g} periods "
            "in its per-period objective"
        )
    return "\n".join(lines)
