"""``portfolio-sgd report``, the run (imported when the command runs; :mod:`.report` declares it)."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..data import dataset_info
from ..errors import ConfigError
from ..objectives.registry import needs_benchmark
from ..report import BacktestSettings, ReportOptions, build_report, check_sections
from ..report.export import check_png_export, write_pngs
from .app import parse_list, stderr_is_tty
from .settings import load_cli_returns, resolve_benchmark, settings_from_cli


def run(
    output: str,
    fmt: str,
    sections: str | None,
    backtest_specs: tuple[str, ...],
    compare_specs: str | None,
    title: str,
    **kwargs: Any,
) -> None:
    """Run ``report`` with the parsed options (see :func:`.report.command`)."""
    chosen = check_sections(parse_list(sections)) if sections is not None else None
    check_writable(output)
    if fmt == "png":
        check_png_export()  # before any work
    kwargs["objective"] = kwargs["objective"] or "mean-variance"
    returns = load_cli_returns(kwargs)
    returns, bench = _benchmark(returns, kwargs, bool(backtest_specs))
    tracking = needs_benchmark(kwargs["objective"])
    spec, constraints, config = settings_from_cli(kwargs, progress=stderr_is_tty())
    backtest = None
    if backtest_specs:
        backtest = BacktestSettings(
            tuple(backtest_specs),
            lookback=kwargs["lookback"],
            rebalance_every=kwargs["rebalance_every"],
            expanding=kwargs["expanding"],
            cost_bps=kwargs["cost_bps"],
            seed=kwargs["seed"],
            device="cpu" if kwargs["device"] == "auto" else kwargs["device"],
        )
    options = ReportOptions(
        benchmark=bench if tracking else None,
        backtest=backtest,
        backtest_benchmark=bench,
        compare=tuple(parse_list(compare_specs)),
        sections=chosen,
        bootstrap=kwargs["n_resamples"],
        block_length=kwargs["block_length"],
        resample=kwargs["resample"],
        optimize_options={
            k: kwargs[k] for k in ("half_life", "max_volatility", "max_cvar") if kwargs[k]
        },
        provenance=provenance(kwargs),
        command=tuple(command_line()),
        title=title,
    )
    report = build_report(returns, spec, constraints, config, options)
    if fmt == "png":
        write_pngs(report, output)
    else:
        report.write(output)
    click.echo(f"wrote {output}", err=True)
    if not report.result.converged:
        click.echo(f"warning: {report.result.convergence_note}", err=True)


def check_writable(output: str) -> None:
    """Fail before any work when ``output``'s folder cannot be written.

    Raises
    ------
    ConfigError
        The nearest existing ancestor folder is not writable, or is a file.
    """
    parent = Path(output).absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write {output}: {parent} is not a writable folder")


def _benchmark(returns: Any, kwargs: dict[str, Any], backtest: bool) -> tuple[Any, Any]:
    """The tracking and backtest benchmark: ``--benchmark``, else sp500-index where it
    covers the data (``none``: no benchmark)."""
    name = kwargs.get("benchmark")
    tracking = needs_benchmark(kwargs["objective"])
    if name is not None and name.strip().lower() in ("", "none"):
        if tracking:
            raise click.BadParameter("tracking needs a benchmark", param_hint="'--benchmark'")
        return returns, None
    if name is None and not (tracking or backtest):
        return returns, None
    return resolve_benchmark(
        returns,
        name if name is not None else "sp500-index",
        default=name is None,
        required=tracking,
        min_rows=kwargs["lookback"] + 1 if backtest else 2,
    )


def provenance(kwargs: dict[str, Any]) -> str:
    """Where the data came from, in one line (a file is named with its SHA-256 prefix)."""
    for key, kind in (("returns_path", "returns"), ("prices_path", "prices")):
        path = kwargs.get(key)
        if path:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
            return f"{kind} file {Path(path).name} (sha256 {digest})"
    dataset = kwargs.get("dataset")
    if dataset is None and kwargs.get("tickers") is not None:
        return f"Yahoo Finance download of {kwargs['tickers']} (yfinance, cached)"
    info = dataset_info(dataset or "sp500")
    return f"bundled dataset {info.name}: {info.description}; source {info.source}"


def command_line() -> list[str]:
    """The command as typed: ``sys.argv`` when run as ``portfolio-sgd``, else rebuilt from
    the options given on the command line (a ``--groups`` file then shows as GROUPS.csv)."""
    if Path(sys.argv[0]).name in ("portfolio-sgd", "__main__.py") and "report" in sys.argv:
        return ["portfolio-sgd", *sys.argv[1:]]
    ctx = click.get_current_context()
    words = ["portfolio-sgd", "report"]
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name)
        if source is not click.core.ParameterSource.COMMANDLINE or not param.opts:
            continue
        value, flag = ctx.params[param.name], param.opts[0]
        if isinstance(param, click.Option) and param.is_flag:
            words.append(flag if value else (param.secondary_opts or [flag])[0])
        elif param.name == "groups":
            words += [flag, "GROUPS.csv"]
        elif isinstance(value, tuple | list):
            for item in value:
                words += [flag, str(item)]
        else:
            words += [flag, str(value)]
    return words
