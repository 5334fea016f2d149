"""Entropy-pooling views as linear constraints on scenario probabilities.

Views are text, as in skfolio's ``EntropyPooling``:

- mean: linear, e.g. ``"AAPL == 0.0015"``, ``"AAPL - MSFT >= 0.0002"``,
  ``"JPM <= 0.8 * prior(JPM)"`` (``prior(X)``: the sample value of the measure);
- variance, volatility: ``"BAC == 4 * prior(BAC)"`` (variance), ``"BAC == 0.03"``
  (volatility, one asset per view: its square is a variance view);
- correlation: ``"(BAC, JPM) == 0.6"``;
- value at risk, CVaR: ``"GE == 0.03"`` (a positive loss, one asset per view, at the
  pooling's confidence level).

Non-linear moments are linearised at the previous stage's mean and variance (and those
are held fixed, softly, for the assets a view touches), as in skfolio.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from ..errors import ConfigError
from .entropy_dual import MomentConstraints
from .views import ParsedViews, check_ticker

_PRIOR = re.compile(r"prior\(\s*([^()]+?)\s*\)")
_CORRELATION = re.compile(r"^\s*\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)\s*(==|<=|>=)\s*(\S+)\s*$")
_KIND = {"==": "eq", "<=": "ineq"}


def with_prior_values(
    views: Sequence[str], tickers: list[str], value: Callable[[int], float]
) -> list[str]:
    """``views`` with each ``prior(X)`` replaced by ``value(index of X)``."""

    def repl(match: re.Match[str]) -> str:
        name = match.group(1).strip("'\"`")
        if name not in tickers:
            raise ConfigError(f"view {match.string!r}: unknown ticker {name!r} in prior()")
        return repr(float(value(tickers.index(name))))

    return [_PRIOR.sub(repl, view) for view in views]


def add_linear(
    constraints: MomentConstraints, parsed: ParsedViews, columns: np.ndarray
) -> np.ndarray:
    """Add ``p' (columns @ P_k) (sense) q_k`` for each view; the assets touched (N,) bool."""
    for k in range(len(parsed.targets)):
        constraints.add(columns @ parsed.picking[k], parsed.targets[k], _KIND[parsed.senses[k]])
    return (parsed.picking != 0).any(axis=0)


def single_asset(parsed: ParsedViews, what: str) -> np.ndarray:
    """The asset index (K,) of each view on one asset with coefficient 1."""
    picks = parsed.picking
    ok = ((picks != 0).sum(axis=1) == 1) & (picks.sum(axis=1) == 1)
    if not ok.all():
        text = parsed.texts[int(np.flatnonzero(~ok)[0])]
        raise ConfigError(
            f"{what} view {text!r}: name one asset, coefficient 1 (e.g. 'AAPL == 0.02')"
        )
    return picks.argmax(axis=1)


def volatility_as_variance(parsed: ParsedViews) -> ParsedViews:
    """Volatility views as variance views (one asset each; the target squared)."""
    single_asset(parsed, "volatility")
    if (parsed.targets < 0).any():
        raise ConfigError("volatility views must be >= 0")
    return ParsedViews(parsed.picking, parsed.targets**2, parsed.senses, parsed.texts)


def parse_correlation(view: str, tickers: list[str]) -> tuple[int, int, str, float]:
    """``"(A, B) op c"`` -> ``(i, j, op, c)`` with ``op`` in ``{"==", "<=", ">="}``.

    Raises
    ------
    ConfigError
        For another form, an unknown ticker, one asset twice, or ``c`` outside [-1, 1].
    """
    match = _CORRELATION.match(view)
    if match is None:
        raise ConfigError(f"correlation view {view!r}: write it as '(AAPL, MSFT) == 0.5'")
    names = [match.group(k).strip("'\"`") for k in (1, 2)]
    for name in names:
        check_ticker(name, tickers, view)
    if names[0] == names[1]:
        raise ConfigError(f"correlation view {view!r}: names one asset twice")
    try:
        value = float(match.group(4))
    except ValueError:
        raise ConfigError(f"correlation view {view!r}: the right side must be a number") from None
    if not -1.0 <= value <= 1.0:
        raise ConfigError(f"correlation view {view!r}: a correlation lies in [-1, 1]")
    return tickers.index(names[0]), tickers.index(names[1]), match.group(3), value
