"""Trading against current holdings: the model of costs, impact and turnover limits.

The settings are fields of :class:`~portfolio_sgd.constraints.Constraints`
(``previous_weights``, ``transaction_costs``, ``market_impact``, ``max_turnover``,
``max_asset_turnover``). This subpackage is their one home:

* :mod:`.terms`: :class:`TradingTerms` (the settings resolved to numbers for N assets), the
  cost term ``sum c |w - p| + sum kappa |w - p|^1.5`` (value, cvxpy form, engine prox);
* :mod:`.turnover`: :class:`Turnover`, the constraint part of the turnover limits;
* :mod:`.kernel`: :func:`prox_trading`, the exact cost prox combined with the projection;
* :mod:`.breakpoints`: the root of a sum of clipped linear functions from its sorted
  breakpoints (the loop-free budget and turnover-cap solves of :mod:`.kernel`);
* :mod:`.impact`: the same prox with market impact, by safeguarded root-finding;
* :mod:`.oracle`: :class:`TradingSet`, the feasible set with the costs and its
  cost-aware linear minimisation oracle (for certificates and exact finishes).

Parsing the settings from the command line (``cli/trading.py``) and re-basing them on
drifted holdings in a backtest (``backtest/trading.py``) stay in their front ends.
"""

from __future__ import annotations

from .kernel import prox_trading
from .oracle import TradingSet
from .terms import TRADING_FIELDS, TradingTerms, has_trading, resolve_tickers, trading_report
from .turnover import Turnover

__all__ = [
    "TRADING_FIELDS",
    "TradingSet",
    "TradingTerms",
    "Turnover",
    "has_trading",
    "prox_trading",
    "resolve_tickers",
    "trading_report",
]
