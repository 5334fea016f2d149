"""``portfolio-sgd report``: a self-contained interactive HTML tearsheet.

The data, objective, constraint and engine options are optimize's own declarations
(reused, not re-declared), and so are the backtest window options; the command only reads
them, calls :func:`portfolio_sgd.report.build_report` and writes the page atomically.
"""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from ..report.names import SECTIONS
from .app import parse_list, stderr_is_tty
from .backtest import command as backtest_command
from .optimize import optimize_command
from .options import (
    data_options,
    engine_options,
    load_cli_returns,
    objective_options,
    resolve_benchmark,
    settings_from_cli,
)
from .sections import OUTPUT, STRATEGIES, GroupedCommand, section

EPILOG = f"""\b
Sections (--sections, comma-separated; default all that apply):
  {", ".join(SECTIONS)}
  backtest appears with --backtest, compare with --compare.
\b
Examples:
  portfolio-sgd report --output report.html
  portfolio-sgd report --objective cvar --backtest sgd:cvar,exact:cvar --output cvar.html
  portfolio-sgd report --objective min-variance --resample --output resampled.html
  portfolio-sgd report --compare min-variance,cvar,equal-weight --output compare.html
  portfolio-sgd report --format png --output figures/   # needs kaleido (and Chrome)
"""

FROM_OPTIMIZE = (
    "n_resamples", "block_length", "resample", "half_life", "shrinkage", "max_volatility",
    "max_cvar",
)  # fmt: skip
"""optimize's own options the report takes too (``--batch-size`` is among the engine's)."""
FROM_BACKTEST = ("lookback", "rebalance_every", "expanding", "cost_bps")


def _reuse(source: click.Command, names: tuple[str, ...]) -> Any:
    """Append ``source``'s declared options named ``names`` to the decorated command."""
    params = {p.name: p for p in source.params}

    def apply(cmd: click.Command) -> click.Command:
        have = {p.name for p in cmd.params}
        cmd.params.extend(params[n] for n in names if n not in have)
        return cmd

    return apply


@_reuse(backtest_command, FROM_BACKTEST)
@_reuse(optimize_command, FROM_OPTIMIZE)
@click.command("report", cls=GroupedCommand, epilog=EPILOG)
@data_options
@objective_options
@engine_options
@section(
    OUTPUT,
    click.option(
        "--output",
        type=click.Path(dir_okay=False),
        required=True,
        help="The HTML file to write (atomically); with --format png, a folder of PNGs.",
    ),
    click.option(
        "--format",
        "fmt",
        type=click.Choice(["html", "png"]),
        default="html",
        show_default=True,
        help="html: the interactive page; png: each figure as a static image (needs kaleido).",
    ),
    click.option(
        "--sections",
        default=None,
        help=f"Comma-separated sections to include: {', '.join(SECTIONS)}  "
        "[default: all that apply].",
    ),
    click.option("--title", default="portfolio-sgd report", show_default=True, help="Page title."),
)
@section(
    STRATEGIES,
    click.option(
        "--backtest",
        "backtest_specs",
        multiple=True,
        metavar="SPEC",
        help="Backtest strategies (as for `backtest --strategies`); repeatable or "
        "comma-separated. equal-weight is added as a baseline.",
    ),
    click.option(
        "--compare",
        "compare_specs",
        default=None,
        metavar="SPEC,...",
        help="Portfolios side by side, e.g. min-variance,cvar:alpha=0.975,equal-weight.",
    ),
)
def command(
    output: str,
    fmt: str,
    sections: str | None,
    backtest_specs: tuple[str, ...],
    compare_specs: str | None,
    title: str,
    **kwargs: Any,
) -> None:
    """Write a self-contained interactive HTML report (plotly inlined; opens offline):
    summary, weights, frontier, backtest, estimation error, comparison and how to
    reproduce it."""
    from ..report import BacktestSettings, ReportOptions, build_report, check_sections

    chosen = check_sections(parse_list(sections)) if sections is not None else None
    check_writable(output)
    if fmt == "png":
        from ..report.export import check_png_export

        check_png_export()  # before any work
    kwargs["objective"] = kwargs["objective"] or "mean-variance"
    returns = load_cli_returns(kwargs)
    returns, bench = _benchmark(returns, kwargs, bool(backtest_specs))
    tracking = kwargs["objective"] == "tracking"
    spec, constraints, config = settings_from_cli(kwargs, progress=stderr_is_tty())
    backtest = None
    if backtest_specs:
        backtest = BacktestSettings(
            tuple(backtest_specs), lookback=kwargs["lookback"],
            rebalance_every=kwargs["rebalance_every"], expanding=kwargs["expanding"],
            cost_bps=kwargs["cost_bps"], seed=kwargs["seed"],
            device="cpu" if kwargs["device"] == "auto" else kwargs["device"],
        )  # fmt: skip
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
        from ..report.export import write_pngs

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
    from ..errors import ConfigError

    parent = Path(output).absolute().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise ConfigError(f"cannot write {output}: {parent} is not a writable folder")


def _benchmark(returns: Any, kwargs: dict[str, Any], backtest: bool) -> tuple[Any, Any]:
    """The tracking and backtest benchmark: ``--benchmark``, else sp500-index where it
    covers the data (``none``: no benchmark)."""
    name = kwargs.get("benchmark")
    tracking = kwargs["objective"] == "tracking"
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
    from ..data import dataset_info

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
