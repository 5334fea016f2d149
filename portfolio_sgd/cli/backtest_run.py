"""``portfolio-sgd backtest``, the run (imported when the command runs; :mod:`.backtest` declares it)."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import Any

import click

from ..backtest import BacktestResult, check_settings, parse_strategies, run_backtest
from ..backtest.strategies import BACKTEST_ENGINE
from ..limits.parse import parse_limit_option
from ..utils.jsonable import dumps
from .app import emit
from .backtest import DEFAULT_START
from .options import is_default
from .progress import command_progress, show_progress
from .settings import load_cli_returns, resolve_benchmark

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


def run(quiet: bool, **kwargs: Any) -> None:
    """Run ``backtest`` with the parsed options (see :func:`.backtest.command`)."""
    check_settings(kwargs["lookback"], kwargs["rebalance_every"], kwargs["cost_bps"])
    config = dataclasses.replace(BACKTEST_ENGINE, device=kwargs["device"])
    limits = tuple(parse_limit_option(text) for text in kwargs.pop("limit_options", ()))
    strategies = parse_strategies(
        kwargs["strategies"], warm_start=not kwargs["cold_start"], config=config, limits=limits
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
        emit(dumps(result.to_dict()), kwargs["output"])
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
