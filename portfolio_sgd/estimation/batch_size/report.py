"""Report records of the risk studies (frozen dataclasses) and their plain-language reading."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ...utils.jsonable import records, to_jsonable
from .checks import SLOPE_TOLERANCE, slope_verdict

_TABLE_COLUMNS = (
    ("batch_size", "m", "{:>6d}"),
    ("grad_var_measured", "gvar meas", "{:>11.4g}"),
    ("grad_var_predicted", "gvar pred", "{:>11.4g}"),
    ("grad_var_ratio", "ratio", "{:>7.3f}"),
    ("temperature", "temp", "{:>11.4g}"),
    ("weight_dispersion", "dispersion", "{:>11.4g}"),
    ("l1_to_optimum", "L1 to w*", "{:>10.4g}"),
    ("excess_objective", "excess", "{:>11.4g}"),
    ("excess_objective_averaged", "excess avg", "{:>11.4g}"),
    ("seconds_per_update", "ms/update", "{:>10.4g}"),
)


def format_table(frame: pd.DataFrame, columns: tuple[tuple[str, str, str], ...]) -> str:
    """Fixed-width text table of the ``columns`` (key, header, format) present in ``frame``."""
    cols = [c for c in columns if c[0] in frame.columns]
    # a column is as wide as its format, or its header plus a space, so that headers
    # never run together (``lr`` then ``batch_size`` printed ``lrbatch_size``)
    widths = [
        max(len(fmt.format(1)) if "d}" in fmt else len(fmt.format(1.0)), len(h) + 1)
        for _, h, fmt in cols
    ]

    def cell(text: str, width: int) -> str:
        text = text.strip()
        return f"{text:>{width}}" if len(text) < width else " " + text

    head = "".join(cell(h, w) for (_, h, _), w in zip(cols, widths, strict=True))
    lines = [head]
    for _, row in frame.iterrows():
        cells = []
        for (key, _, fmt), width in zip(cols, widths, strict=True):
            value = row[key]
            if key == "seconds_per_update":
                value = value * 1e3
            cells.append(cell(fmt.format(int(value) if "d}" in fmt else float(value)), width))
        lines.append("".join(cells))
    return "\n".join(lines)


@dataclass(frozen=True)
class RiskReport:
    """Result of :func:`portfolio_sgd.estimation.batch_size.batch_size_sweep`: one row per batch size m.

    Attributes
    ----------
    objective : str
    n_assets, n_train, n_test : int
        N, train rows T and held-out rows (0 without a split).
    sampling : str
    seeds : int
        Runs per batch size S.
    lr : float
        Constant step size eta; ``lr_source`` says whether it was given or automatic.
    curvature, mu_min : float
        Largest Hessian eigenvalue L and smallest tangent-space curvature at w*.
    steps, burn_in, eval_every : int
        SGD steps, discarded burn-in and evaluation spacing.
    window : (int, int)
        Steps (exclusive, inclusive] over which the stationary excess objective of the
        last iterate is averaged; the iterate is averaged over the steps after it.
    sigma2 : float
        Per-sample gradient variance at w* (tangent-space trace covariance).
    f_star : float
        f(w*) on the train period.
    rows : DataFrame, shape (M, ...)
        Per-m columns: ``batch_size``, ``lr``, ``sigma2_sgd`` (sigma^2 at the SGD
        solutions), ``grad_var_measured``, ``grad_var_predicted``, ``grad_var_ratio``,
        ``temperature``, ``weight_dispersion`` (mean per-asset std across seeds),
        ``l1_to_optimum``, ``excess_objective`` (stationary mean) and its standard error
        ``excess_objective_se``, ``excess_objective_final`` (last iterate),
        ``excess_objective_averaged``, ``l1_averaged``, ``seconds_per_update``,
        ``time_to_target`` and, with a split, ``oos_variance``, ``oos_return``, ``oos_cvar``
        of each m's mean portfolio.
    slope_excess, slope_dispersion : float
        Log-log slopes against m (theory: -1 and -1/2).
    cost : dict
        Fitted time per update ``a + b m`` and the measurements.
    recommendation : dict or None
        Cost-model recommendation (``batch_size``, ``why``, ...); None when withheld.
    optimum_oos : dict or None
        Out-of-sample variance, return and CVaR of w*.
    w_star : Series, shape (N,)
    device : str
    sweep_wall_time, wall_time : float
        Seconds in the SGD sweep and in the whole study.
    notes : tuple of str
        Free-form remarks.
    diagnostics : tuple of str
        Why the runs cannot support conclusions (unstable step, divergence, no
        stationarity, a slope against the theory); empty when they can. A non-empty
        tuple withholds the recommendation and replaces the reading's conclusions.
    recommendation_withheld : str or None
        Why there is no recommendation.
    """

    objective: str
    n_assets: int
    n_train: int
    n_test: int
    sampling: str
    seeds: int
    lr: float
    lr_source: str
    curvature: float
    mu_min: float
    steps: int
    burn_in: int
    window: tuple[int, int]
    eval_every: int
    sigma2: float
    f_star: float
    rows: pd.DataFrame
    slope_excess: float
    slope_dispersion: float
    cost: dict[str, Any]
    recommendation: dict[str, Any] | None
    optimum_oos: dict[str, float] | None
    w_star: pd.Series
    device: str
    sweep_wall_time: float
    wall_time: float
    notes: tuple[str, ...] = field(default_factory=tuple)
    diagnostics: tuple[str, ...] = field(default_factory=tuple)
    recommendation_withheld: str | None = None

    @property
    def reliable(self) -> bool:
        """Whether the runs support the study's conclusions (no diagnostics)."""
        return not self.diagnostics

    @property
    def regime(self) -> str:
        """How the sweep ran and why it is stationary (one sentence)."""
        relax = 1.0 / (self.lr * self.mu_min)
        return (
            f"plain SGD (no momentum) at constant step {self.lr:.4g} ({self.lr_source}) and constant batch, "
            f"{self.steps} steps from equal weights = {self.steps / relax:.1f} relaxation times "
            f"1/(eta*mu) = {relax:.0f} steps; burn-in {self.burn_in} steps, stationary excess averaged over "
            f"steps {self.window[0]}-{self.window[1]} (every {self.eval_every}), iterate averaged over the "
            "last half"
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-m table (a copy)."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: top-level ``sigma2``, ``lr``, ``rows`` and the metadata."""
        return to_jsonable(
            {
                "study": "sweep",
                "objective": self.objective,
                "sigma2": self.sigma2,
                "lr": self.lr,
                "lr_source": self.lr_source,
                "rows": records(self.rows),
                "n_assets": self.n_assets,
                "n_train": self.n_train,
                "n_test": self.n_test,
                "sampling": self.sampling,
                "seeds": self.seeds,
                "curvature": self.curvature,
                "mu_min": self.mu_min,
                "steps": self.steps,
                "burn_in": self.burn_in,
                "window": list(self.window),
                "eval_every": self.eval_every,
                "regime": self.regime,
                "gradient_convention": "tangent space: per-sample gradients minus their mean over assets",
                "f_star": self.f_star,
                "slope_excess": self.slope_excess,
                "slope_dispersion": self.slope_dispersion,
                "slope_excess_verdict": slope_verdict(
                    self.slope_excess, -1.0, SLOPE_TOLERANCE["excess"]
                ),
                "slope_dispersion_verdict": slope_verdict(
                    self.slope_dispersion, -0.5, SLOPE_TOLERANCE["dispersion"]
                ),
                "reliable": self.reliable,
                "diagnostics": list(self.diagnostics),
                "cost_model": self.cost,
                "recommendation": self.recommendation,
                "recommendation_withheld": self.recommendation_withheld,
                "optimum_oos": self.optimum_oos,
                "w_star": {str(k): float(v) for k, v in self.w_star.items()},
                "device": self.device,
                "sweep_wall_time": self.sweep_wall_time,
                "wall_time": self.wall_time,
                "reading": self.reading(),
            }
        )

    def reading(self) -> str:
        """One plain-language paragraph: the recommended m and what the noise means in weights.

        With diagnostics it states the problems and draws no conclusion instead.
        """
        rows = self.rows.sort_values("batch_size")
        if self.diagnostics:
            return (
                "These runs do not support conclusions about gradient noise: "
                + "; ".join(self.diagnostics)
                + ". The table describes the runs as they are; no batch size is recommended."
            )
        small = rows.iloc[0]
        big = rows.iloc[-1]
        rec = self.recommendation
        n = self.n_assets
        ratio = rows["grad_var_ratio"]
        text = (
            f"The mini-batch gradient variance measured at the optimum matches the prediction "
            f"sigma^2/m to within {100 * float((ratio - 1).abs().max()):.0f}% across the grid, "
            f"and the excess objective falls with m at a log-log slope of {self.slope_excess:.2f} "
            f"(theory: -1). At the smallest batch, m = {int(small['batch_size'])}, runs that differ only "
            f"in their random batches end with weights that differ by about "
            f"{100 * small['weight_dispersion']:.1f} percentage points per asset (standard deviation "
            f"across {self.seeds} seeds; an equal weight is {100 / n:.1f}%), and sit an L1 distance of "
            f"{small['l1_to_optimum']:.3f} from the exact optimum: that is "
            f"{100 * small['l1_to_optimum'] / 2:.0f}% of the portfolio in the wrong place, purely from "
            f"gradient noise. At m = {int(big['batch_size'])} the dispersion is "
            f"{100 * big['weight_dispersion']:.2f} points. "
            f"Recommended batch size: m = {rec['batch_size']}, the fastest to reach an excess objective of "
            f"{rec['target']:.3g} under the measured cost model ({rec['why']})."
        )
        if self.optimum_oos is not None and "oos_variance" in rows:
            text += (
                f" Out of sample, the m = {int(small['batch_size'])} mean portfolio has variance "
                f"{small['oos_variance']:.4g} against {self.optimum_oos['variance']:.4g} for the exact optimum."
            )
        return text

    def table(self) -> str:
        """A readable text table with the header, the per-m rows and the reading."""
        cost = self.cost
        lines = [
            f"portfolio-sgd risk: {self.objective}, {self.n_assets} assets x {self.n_train} train scenarios"
            + (f" ({self.n_test} held out)" if self.n_test else "")
            + f", {self.seeds} seeds per m, sampling {self.sampling}, device {self.device}",
            f"regime: {self.regime}",
            f"sigma^2 at w* = {self.sigma2:.4g} (tangent-space trace covariance), f(w*) = {self.f_star:.6g}",
            "",
            format_table(self.rows, _TABLE_COLUMNS),
            "",
            f"log-log slope vs m: excess {self.slope_excess:.2f} (theory -1), dispersion "
            f"{self.slope_dispersion:.2f} (theory -0.5)",
            f"cost model: {cost['a'] * 1e3:.4g} ms + {cost['b'] * 1e6:.4g} us * m per update",
        ]
        lines += [f"WARNING: {d}" for d in self.diagnostics]
        if self.optimum_oos is not None:
            o = self.optimum_oos
            lines.append(
                f"out of sample, w*: variance {o['variance']:.4g}, return {o['return']:.4g}, CVaR95 {o['cvar']:.4g}"
            )
            oos = self.rows[["batch_size", "oos_variance", "oos_return", "oos_cvar"]]
            lines.append(
                format_table(
                    oos,
                    (
                        ("batch_size", "m", "{:>6d}"),
                        ("oos_variance", "oos var", "{:>12.4g}"),
                        ("oos_return", "oos ret", "{:>12.4g}"),
                        ("oos_cvar", "oos CVaR95", "{:>12.4g}"),
                    ),
                )
            )
        lines += [
            f"wall time {self.wall_time:.1f} s (sweep {self.sweep_wall_time:.1f} s)",
            "",
            self.reading(),
        ]
        return "\n".join(lines)


@dataclass(frozen=True)
class StudyReport:
    """Result of the linear-scaling or the annealing study.

    Attributes
    ----------
    study : str
        ``"scaling"`` or ``"annealing"``.
    objective : str
    lr : float
        Reference step size.
    sigma2 : float
        Per-sample gradient variance at w*.
    f_star : float
    rows : DataFrame
        The study's table (see the study functions).
    curves : DataFrame
        Long-format curves for the plot (annealing: ``schedule``, ``samples``,
        ``excess_objective``); empty for scaling.
    settings : dict
        Steps, seeds and other settings.
    summary : str
        Plain-language reading (states the diagnostics instead of conclusions if any).
    wall_time : float
    diagnostics : tuple of str
        Why the runs cannot support the study's conclusions; empty when they can.
    """

    study: str
    objective: str
    lr: float
    sigma2: float
    f_star: float
    rows: pd.DataFrame
    curves: pd.DataFrame
    settings: dict[str, Any]
    summary: str
    wall_time: float
    diagnostics: tuple[str, ...] = field(default_factory=tuple)

    @property
    def reliable(self) -> bool:
        """Whether the runs support the study's conclusions (no diagnostics)."""
        return not self.diagnostics

    def to_frame(self) -> pd.DataFrame:
        """The study table (a copy)."""
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form with top-level ``sigma2``, ``lr`` and ``rows``."""
        return to_jsonable(
            {
                "study": self.study,
                "objective": self.objective,
                "sigma2": self.sigma2,
                "lr": self.lr,
                "f_star": self.f_star,
                "rows": records(self.rows),
                "settings": self.settings,
                "reading": self.summary,
                "reliable": self.reliable,
                "diagnostics": list(self.diagnostics),
                "wall_time": self.wall_time,
            }
        )

    def reading(self) -> str:
        """The plain-language reading."""
        return self.summary

    def table(self) -> str:
        """Readable text: header, table, reading."""
        cols = tuple(
            (c, c, "{:>8d}" if pd.api.types.is_integer_dtype(self.rows[c]) else "{:>14.4g}")
            for c in self.rows.columns
            if pd.api.types.is_numeric_dtype(self.rows[c])
        )
        label = [c for c in self.rows.columns if not pd.api.types.is_numeric_dtype(self.rows[c])]
        frame = format_table(self.rows, cols)
        if label:
            key = label[0]
            width = max(len(str(v)) for v in [key, *self.rows[key]]) + 2
            body = frame.split("\n")
            body = [f"{key:<{width}}" + body[0]] + [
                f"{str(v):<{width}}" + line
                for v, line in zip(self.rows[key], body[1:], strict=True)
            ]
            frame = "\n".join(body)
        settings = ", ".join(
            f"{k} {v}" for k, v in self.settings.items() if not isinstance(v, (list, dict))
        )
        return "\n".join(
            [
                f"portfolio-sgd risk ({self.study}): {self.objective}, sigma^2 at w* = {self.sigma2:.4g}, "
                f"f(w*) = {self.f_star:.6g}",
                f"settings: {settings}",
                *(f"WARNING: {d}" for d in self.diagnostics),
                "",
                frame,
                "",
                f"wall time {self.wall_time:.1f} s" if math.isfinite(self.wall_time) else "",
                "",
                self.summary,
            ]
        )
