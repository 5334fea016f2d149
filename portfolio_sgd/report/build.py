"""Build a report: run what each chosen section needs, then assemble the page.

>>> from portfolio_sgd.report import build_report
>>> report = build_report(returns, "min-variance", backtest=BacktestSettings(["sgd:min-variance"]))  # doctest: +SKIP
>>> report.write("report.html")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..api import optimize, resolve_settings
from ..backtest import BacktestResult, parse_strategies, run_backtest
from ..backtest.strategies import BACKTEST_ENGINE
from ..constraints import Constraints
from ..engine.config import EngineConfig
from ..errors import ConfigError
from ..measures.performance import fixed_weight_performance
from ..objectives import ObjectiveSpec
from ..plotting.page import Section, render_page
from ..results import OptimizationResult
from ..solvers.frontier import (
    FRONTIER_CONFIG,
    efficient_frontier,
    frontier_objective,
    portfolio_risk,
)
from ..utils.atomic import atomic_write_text
from .compare import compare_portfolios, parse_compare
from .contributions import measure_of, risk_contributions
from .estimation import noise_summary
from .names import SECTIONS
from .sections import (
    backtest_section,
    compare_section,
    estimation_section,
    frontier_section,
    reproduce_section,
    summary_section,
    versions,
    weights_section,
)

DEFAULT_BOOTSTRAP = 100
"""Bootstrap resamples of the report's error bars when none are asked for."""
FRONTIER_POINTS = 12
FRONTIER_STEPS = 2000
"""Step budget of each frontier run when the config gives none (steps, epochs or a time
budget): the frontier is context, not the result, and its points report their own
certificates."""
BASELINE = "equal-weight"


@dataclass(frozen=True)
class BacktestSettings:
    """The report's walk-forward backtest (see :func:`portfolio_sgd.backtest.run_backtest`).

    ``equal-weight`` is added as a baseline when not among ``strategies``.
    """

    strategies: tuple[str, ...]
    lookback: int = 252
    rebalance_every: int = 21
    expanding: bool = False
    cost_bps: float = 10.0
    seed: int = 0
    device: str = "cpu"

    def specs(self) -> list[str]:
        """The strategy specs with the baseline."""
        specs = [s.strip() for item in self.strategies for s in item.split(",") if s.strip()]
        if BASELINE not in specs:
            specs.append(BASELINE)
        return specs


@dataclass(frozen=True)
class Report:
    """A built report: its sections and the numbers behind them.

    Attributes
    ----------
    title : str
    sections : tuple of Section
    data : dict
        JSON-ready numbers: ``result`` (the optimisation's ``to_dict()``), and where
        built ``risk_contributions``, ``frontier``, ``backtest``, ``estimation``,
        ``compare``, ``command``, ``versions``.
    result : OptimizationResult
    backtest : BacktestResult or None
    """

    title: str
    sections: tuple[Section, ...]
    data: dict[str, Any]
    result: Any
    backtest: BacktestResult | None = None

    def to_html(self) -> str:
        """The whole self-contained HTML page."""
        return render_page(self.title, self.sections, self.data)

    def to_dict(self) -> dict[str, Any]:
        """The report's numbers (as embedded in the page)."""
        return dict(self.data)

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` atomically (a temporary sibling, then a rename)."""
        target = Path(path)
        atomic_write_text(target, self.to_html())
        return target

    def _repr_html_(self) -> str:  # pragma: no cover - notebooks
        return self.to_html()


def supports_bootstrap(spec: ObjectiveSpec, config: EngineConfig) -> bool:
    """Whether bootstrap error bars apply: row-weighted runs need an objective without a
    VaR level on the budget set, sampled with replacement (:mod:`portfolio_sgd.engine.weighting`)."""
    impl = spec.impl
    sampling = str(getattr(config.sampling, "value", config.sampling))
    return not impl.has_var_level and impl.feasible_set == "budget" and sampling == "replacement"


def check_sections(sections: Sequence[str] | None) -> tuple[str, ...]:
    """The chosen sections in page order (None: all).

    Raises
    ------
    ConfigError
        An unknown section name.
    """
    if sections is None:
        return SECTIONS
    chosen = [s.strip().lower() for s in sections if s.strip()]
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        raise ConfigError(f"unknown section {unknown[0]!r}; sections: {', '.join(SECTIONS)}")
    return tuple(s for s in SECTIONS if s in chosen)


@dataclass(frozen=True)
class ReportOptions:
    """What :func:`build_report` adds to the optimisation (all optional).

    ``bootstrap=None`` draws :data:`DEFAULT_BOOTSTRAP` resamples for the weights section
    where the objective supports row-weighted runs (not CVaR, not risk parity), and none
    elsewhere; a number asks for that many (an error where unsupported).
    """

    benchmark: pd.Series | None = None
    backtest: BacktestSettings | None = None
    backtest_benchmark: pd.Series | None = None
    compare: tuple[str, ...] = ()
    sections: tuple[str, ...] | None = None
    bootstrap: int | None = None
    block_length: float | None = None
    resample: bool = False
    optimize_options: dict[str, Any] = field(default_factory=dict)
    provenance: str = ""
    command: tuple[str, ...] | None = None
    title: str = "portfolio-sgd report"


def build_report(
    returns: pd.DataFrame,
    objective: str | ObjectiveSpec = "mean-variance",
    constraints: Constraints | None = None,
    config: EngineConfig | None = None,
    options: ReportOptions | None = None,
) -> Report:
    """Optimise, then build the sections the options ask for.

    Parameters
    ----------
    returns : DataFrame, shape (T, N)
        Dated simple returns.
    objective, constraints, config
        As for :func:`portfolio_sgd.optimize`.
    options : ReportOptions, optional

    Returns
    -------
    Report

    Raises
    ------
    ConfigError
        An unknown section, a bad backtest or compare spec (checked before any
        optimisation), or a backtest section without strategies.
    """
    opts = options or ReportOptions()
    chosen = _chosen_sections(opts)
    spec, constraints, config = resolve_settings(objective, constraints, config)
    strategies = _strategies(opts.backtest, constraints) if "backtest" in chosen else None
    compared = parse_compare(opts.compare) if "compare" in chosen else None
    result = _optimize(returns, (spec, constraints, config), opts, "weights" in chosen)
    data: dict[str, Any] = {"result": result.to_dict(), "sections": list(chosen)}
    built: dict[str, Section] = {}
    measure = measure_of(result.objective)
    performance = fixed_weight_performance(returns, result.weights.to_numpy())
    data["performance"] = performance
    built["summary"] = summary_section(result, measure, opts.provenance, performance)
    if "weights" in chosen:
        rc = risk_contributions(returns, result.weights, measure, spec.alpha, constraints.groups)
        data["risk_contributions"] = rc.to_dict()
        built["weights"] = weights_section(result, rc)
    others: dict[str, tuple[float, float]] = {}
    if compared is not None:
        weights, perf = compare_portfolios(returns, compared, constraints, config)
        data["compare"] = {"weights": weights.to_dict(), "performance": perf.to_dict("index")}
        built["compare"] = compare_section(weights, perf)
        others = _points(returns, weights, measure, spec.alpha)
    if "frontier" in chosen:
        built["frontier"] = _frontier(
            returns, result, measure, spec, constraints, config, others, data
        )
    if strategies is not None:
        bt = _backtest(returns, strategies, opts, config)
        data["backtest"] = bt.to_dict()
        built["backtest"] = backtest_section(bt)
    else:
        bt = None
    if "estimation" in chosen:
        noise = noise_summary(returns, result, opts.benchmark)
        data["estimation"] = noise.to_dict()
        built["estimation"] = estimation_section(noise)
    if "reproduce" in chosen:
        data["command"] = list(opts.command) if opts.command else None
        data["versions"] = versions()
        built["reproduce"] = reproduce_section(opts.command)
    sections = tuple(built[s] for s in chosen if s in built)
    if "summary" not in chosen:
        sections = tuple(s for s in sections if s.key != "summary")
    return Report(opts.title, sections, data, result, bt)


def _optimize(
    returns: pd.DataFrame,
    settings: tuple[ObjectiveSpec, Constraints, EngineConfig],
    opts: ReportOptions,
    weights_shown: bool,
) -> OptimizationResult:
    """The report's portfolio, with default error bars where the weights section is shown,
    nobody asked for a bootstrap, and the objective supports one."""
    spec, constraints, config = settings
    bootstrap = opts.bootstrap
    if bootstrap is None and weights_shown and supports_bootstrap(spec, config):
        bootstrap = DEFAULT_BOOTSTRAP
    return optimize(
        returns,
        spec,
        constraints,
        config,
        benchmark=opts.benchmark,
        bootstrap=bootstrap,
        block_length=opts.block_length,
        resample=opts.resample,
        **opts.optimize_options,
    )


def _chosen_sections(opts: ReportOptions) -> tuple[str, ...]:
    """The sections asked for (by default all that apply), each with what it needs."""
    chosen = check_sections(opts.sections)
    if opts.sections is None:
        chosen = tuple(
            s
            for s in chosen
            if (s != "backtest" or opts.backtest) and (s != "compare" or opts.compare)
        )
    if "backtest" in chosen and opts.backtest is None:
        raise ConfigError("the backtest section needs strategies: pass --backtest SPEC")
    if "compare" in chosen and not opts.compare:
        raise ConfigError("the compare section needs --compare SPEC,...")
    return chosen


def _strategies(settings: BacktestSettings | None, constraints: Constraints) -> list[Any]:
    assert settings is not None
    config = dataclasses.replace(BACKTEST_ENGINE, device=settings.device)
    return parse_strategies(settings.specs(), constraints=constraints, config=config)


def _backtest(
    returns: pd.DataFrame, strategies: list[Any], opts: ReportOptions, config: EngineConfig
) -> BacktestResult:
    settings = opts.backtest
    assert settings is not None
    return run_backtest(
        returns,
        strategies,
        lookback=settings.lookback,
        rebalance_every=settings.rebalance_every,
        expanding=settings.expanding,
        cost_bps=settings.cost_bps,
        benchmark=opts.backtest_benchmark,
        seed=settings.seed,
        progress=bool(config.progress),
    )


def _points(
    returns: pd.DataFrame, weights: pd.DataFrame, measure: str, alpha: float
) -> dict[str, tuple[float, float]]:
    """``{name: (frontier risk, 252 x mean return)}`` of each column of ``weights``."""
    x = returns.to_numpy(dtype=np.float64) @ weights.to_numpy()
    risk = portfolio_risk(frontier_objective(measure), x, alpha)
    return {str(n): (float(risk[k]), float(252 * x[:, k].mean())) for k, n in enumerate(weights)}


def _frontier(
    returns: pd.DataFrame,
    result: Any,
    measure: str,
    spec: ObjectiveSpec,
    constraints: Constraints,
    config: EngineConfig,
    others: dict[str, tuple[float, float]],
    data: dict[str, Any],
) -> Section:
    """The frontier of the chosen measure, the chosen portfolio and the resampled cloud."""
    objective = frontier_objective(measure)
    budget = {}
    if config.steps is None and config.epochs is None and config.time_budget is None:
        budget["max_steps_default"] = min(config.max_steps_default, FRONTIER_STEPS)
    frontier_config = dataclasses.replace(
        config, precondition=FRONTIER_CONFIG.precondition, progress=False, **budget
    )
    front = efficient_frontier(
        returns, objective, FRONTIER_POINTS, constraints, frontier_config, alpha=spec.alpha
    )
    chosen = _points(returns, result.weights.to_frame("chosen"), measure, spec.alpha)["chosen"]
    cloud = None
    bars = result.error_bars
    if bars is not None and bars.resampled:
        boot = bars.bootstrap_weights.T
        pts = _points(returns, boot, measure, spec.alpha)
        cloud = np.array(list(pts.values()))
    data["frontier"] = {**front.to_dict(), "chosen": list(chosen)}
    return frontier_section(front, chosen, cloud, others)
