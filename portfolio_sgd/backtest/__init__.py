"""Walk-forward backtesting of SGD, exact and baseline portfolios.

Semantics (pinned by ``tests/backtest``), for returns ``R`` of shape (T, N):

- **Rebalance dates.** Rows ``t_k = lookback + k * rebalance_every`` for every
  ``t_k < T`` (defaults 252 and 21). At ``t_k`` a strategy chooses its target weights
  from rows ``[t_k - lookback, t_k)`` only (rolling), or ``[0, t_k)`` with
  ``expanding=True``; row ``t_k`` and later rows are never seen (no look-ahead).
- **Holding.** The target is held from the start of day ``t_k``: the portfolio return of
  day ``t`` is ``w_t . r_t``, and between rebalances the holding drifts,
  ``w_{t+1} = w_t * (1 + r_t) / sum(w_t * (1 + r_t))``.
- **Costs.** Each rebalance trades ``turnover = sum |w_target - w_drifted|`` (the first
  one buys from cash: ``sum |w_target|``) and pays ``cost_bps / 1e4 * turnover``,
  subtracted from that day's portfolio return.
- **Strategies.** ``sgd:<objective>[:m=64]`` (mini-batch SGD; warm-started from the
  drifted previous weights unless ``warm_start=False``), ``exact:<objective>`` (the
  reference solver), ``equal-weight`` (1/N at every rebalance) and ``buy-and-hold``
  (1/N bought at the first rebalance, then only drift). Rebalance ``k`` of an SGD
  strategy uses seed ``seed + k``; steps per rebalance are recorded.
- **Outputs.** Daily returns after costs from row ``lookback`` on (the first
  out-of-sample day), equity ``cumprod(1 + r)``, target weights at every rebalance,
  turnover and cost per rebalance, and metrics per strategy (see
  :mod:`portfolio_sgd.measures.performance`; ``avg_turnover`` excludes the initial purchase,
  ``total_cost`` includes it). A benchmark series is reported alongside, never traded.

>>> from portfolio_sgd.backtest import run_backtest
>>> from portfolio_sgd.data import load_returns
>>> result = run_backtest(load_returns(dataset="sp500", start="2015-01-01"),
...                       ["sgd:min-variance:m=64", "equal-weight"], cost_bps=10)  # doctest: +SKIP
>>> result.metrics[["annual_return", "sharpe"]]  # doctest: +SKIP
"""

from __future__ import annotations

from ..utils.lazy_names import lazy_names
from .specs import DEFAULT_STRATEGIES

_PUBLIC = {
    "check_settings": ".engine",
    "rebalance_rows": ".engine",
    "run_backtest": ".engine",
    "BacktestResult": ".result",
    "BuyAndHold": ".strategies",
    "Decision": ".strategies",
    "EqualWeight": ".strategies",
    "ExactStrategy": ".strategies",
    "SGDStrategy": ".strategies",
    "Strategy": ".strategies",
    "parse_strategies": ".strategies",
    "parse_strategy": ".strategies",
}
"""Public name -> its module, imported on first use (PEP 562): the spec tables in
:mod:`.specs` (read by ``backtest --help``) load without torch."""


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)


__all__ = [
    "DEFAULT_STRATEGIES",
    "BacktestResult",
    "BuyAndHold",
    "Decision",
    "EqualWeight",
    "ExactStrategy",
    "SGDStrategy",
    "Strategy",
    "check_settings",
    "parse_strategies",
    "parse_strategy",
    "rebalance_rows",
    "run_backtest",
]
