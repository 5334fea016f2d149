"""Entropy pooling: views become scenario probabilities of least relative entropy.

The prior gives every scenario probability ``1/T``; the posterior ``p`` is the closest
to it in relative entropy that meets the views (:mod:`.entropy_dual`). Views are taken
in stages, as in skfolio's ``EntropyPooling`` (the tests match its probabilities):

1. means, values at risk and CVaRs (:mod:`.cvar_views`);
2. variances and volatilities, linearised at stage 1's mean (held fixed, softly, for
   the assets they name);
3. correlations, at stage 2's mean and variance (both held fixed for their assets).

The optimiser then uses the sample scenarios with ``p`` as row weights (every measure),
and the report gives the effective number of scenarios ``exp(entropy(p))`` and Kish's
``1 / sum p^2``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.special

from ..errors import ConfigError
from .base import PriorResult
from .cvar_views import solve_with_cvar
from .entropy_dual import MomentConstraints
from .entropy_views import (
    add_linear,
    parse_correlation,
    single_asset,
    volatility_as_variance,
    with_prior_values,
)
from .views import ParsedViews, parse_views


@dataclass(frozen=True)
class EntropyPooling:
    """The entropy-pooling prior (views: see :mod:`.entropy_views`).

    Parameters
    ----------
    mean_views, variance_views, volatility_views, correlation_views : sequence of str
    value_at_risk_views, cvar_views : sequence of str
        Positive losses, one asset per view.
    value_at_risk_beta, cvar_beta : float, default 0.95
        Confidence levels of the VaR and CVaR views.
    """

    mean_views: Sequence[str] | None = None
    variance_views: Sequence[str] | None = None
    volatility_views: Sequence[str] | None = None
    correlation_views: Sequence[str] | None = None
    value_at_risk_views: Sequence[str] | None = None
    cvar_views: Sequence[str] | None = None
    value_at_risk_beta: float = 0.95
    cvar_beta: float = 0.95

    def fit(self, returns: pd.DataFrame) -> PriorResult:
        """The pooled probabilities of the scenarios ``returns`` (T, N)."""
        for beta in (self.value_at_risk_beta, self.cvar_beta):
            if not 0.0 < beta < 1.0:
                raise ConfigError(f"entropy pooling: a confidence level lies in (0, 1), got {beta}")
        x = returns.to_numpy(dtype=np.float64)
        tickers = [str(c) for c in returns.columns]
        prior = np.full(len(x), 1.0 / len(x))
        sample_var = np.var(x, axis=0, ddof=1)
        cons = MomentConstraints()
        fixed = {"mean": np.zeros(len(tickers), bool), "var": np.zeros(len(tickers), bool)}
        cvar = self._views(self.cvar_views, tickers, lambda i: np.nan)
        if self.mean_views:
            add_linear(cons, self._views(self.mean_views, tickers, lambda i: x[:, i].mean()), x)
        self._add_value_at_risk(cons, x, tickers)
        p = solve_with_cvar(prior, cons, x, cvar, self.cvar_beta)
        second = self._second_moment_views(tickers, sample_var)
        if second is not None:
            mean = p @ x
            touched = add_linear(cons, second, (x - mean) ** 2)
            _fix(cons, x, mean, None, touched, fixed)
            p = solve_with_cvar(prior, cons, x, cvar, self.cvar_beta)
        if self.correlation_views:
            self._add_correlations(cons, x, p, tickers, fixed)
            p = solve_with_cvar(prior, cons, x, cvar, self.cvar_beta)
        return _result(returns, p, prior)

    def _views(self, views: Sequence[str] | None, tickers: list[str], value) -> ParsedViews | None:  # noqa: ANN001
        """Linear views with ``prior(X)`` replaced by ``value(i)``, or None."""
        if not views:
            return None
        return parse_views(with_prior_values(list(views), tickers, value), tickers)

    def _second_moment_views(
        self, tickers: list[str], sample_var: np.ndarray
    ) -> ParsedViews | None:
        """Variance views and volatility views (as variances), stacked, or None."""
        parts = [self._views(self.variance_views, tickers, lambda i: sample_var[i])]
        vol = self._views(self.volatility_views, tickers, lambda i: np.sqrt(sample_var[i]))
        parts.append(None if vol is None else volatility_as_variance(vol))
        given = [part for part in parts if part is not None]
        if not given:
            return None
        return ParsedViews(
            np.vstack([g.picking for g in given]),
            np.concatenate([g.targets for g in given]),
            tuple(s for g in given for s in g.senses),
            tuple(t for g in given for t in g.texts),
        )

    def _add_value_at_risk(
        self, cons: MomentConstraints, x: np.ndarray, tickers: list[str]
    ) -> None:
        """``P(X_i <= -v) (sense) 1 - beta`` for each VaR view ``v``."""
        views = self._views(self.value_at_risk_views, tickers, lambda i: np.nan)
        if views is None:
            return
        assets = single_asset(views, "value-at-risk")
        for k, i in enumerate(assets):
            level = views.targets[k]
            if level <= 0 or not (x[:, i] <= -level).any():
                raise ConfigError(
                    f"value-at-risk view {views.texts[k]!r}: a positive loss the data reaches"
                )
            tail = (x[:, i] <= -level).astype(float)
            kind = "eq" if views.senses[k] == "==" else "ineq"
            cons.add(tail, 1.0 - self.value_at_risk_beta, kind)

    def _add_correlations(
        self, cons: MomentConstraints, x: np.ndarray, p: np.ndarray, tickers: list[str], fixed: dict
    ) -> None:
        """``E[X_i X_j] (sense) m_i m_j + c s_i s_j`` at the current mean and variance."""
        mean = p @ x
        var = p @ (x - mean) ** 2
        touched = np.zeros(len(tickers), bool)
        for view in self.correlation_views or ():
            i, j, op, c = parse_correlation(view, tickers)
            b = mean[i] * mean[j] + c * np.sqrt(var[i] * var[j])
            sign = -1.0 if op == ">=" else 1.0
            cons.add(sign * x[:, i] * x[:, j], sign * b, "eq" if op == "==" else "ineq")
            touched[[i, j]] = True
        _fix(cons, x, mean, var, touched, fixed)


def _fix(
    cons: MomentConstraints,
    x: np.ndarray,
    mean: np.ndarray,
    var: np.ndarray | None,
    touched: np.ndarray,
    fixed: dict,
) -> None:
    """Hold the mean (and the variance, if given) of the ``touched`` assets, softly."""
    for i in np.flatnonzero(touched & ~fixed["mean"]):
        cons.add(x[:, i], mean[i], "soft")
        fixed["mean"][i] = True
    if var is None:
        return
    for i in np.flatnonzero(touched & ~fixed["var"]):
        cons.add((x[:, i] - mean[i]) ** 2, var[i], "soft")
        fixed["var"][i] = True


def _result(returns: pd.DataFrame, p: np.ndarray, prior: np.ndarray) -> PriorResult:
    """The :class:`PriorResult` of the pooled probabilities ``p`` (T,)."""
    x = returns.to_numpy(dtype=np.float64)
    tickers = list(returns.columns)
    cov = np.cov(x, rowvar=False, aweights=p)
    details = {
        "relative_entropy": float(scipy.special.rel_entr(p, prior).sum()),
        "effective_number_of_scenarios": float(np.exp(scipy.special.entr(p).sum())),
    }
    return PriorResult(
        mean=pd.Series(p @ x, index=tickers),
        covariance=pd.DataFrame(cov, index=tickers, columns=tickers),
        returns=returns,
        probabilities=p,
        details=details,
    )
