"""The :class:`~portfolio_sgd.constraints.Constraints` record's fields, declared once and
torch-free: the command line builds its constraint options from them (flag, type, default
and help; :mod:`portfolio_sgd.cli.record_options`) without loading torch. The methods
(validation, projection, oracle) are :class:`~.feasible_set.Constraints`'."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ConstraintsRecord:
    """Portfolio constraints: budget, per-asset bounds, exposure caps, linear rows, trading.

    Parameters
    ----------
    min_weight : float, vector (N,), Series or mapping ticker -> bound, default 0.0
        Per-asset lower bound ``lo``. Must be ``>= 0`` unless ``long_short`` is true.
        A mapping's unlisted tickers take 0 (or its ``"*"`` entry); see
        :mod:`.weight_bounds`.
    max_weight : float, vector (N,), Series or mapping ticker -> bound, default 1.0
        Per-asset upper bound ``hi`` (a mapping's unlisted tickers take 1, or ``"*"``).
    long_short : bool, default False
        Allow negative weights (``lo < 0``).
    max_leverage : float or None, default None
        Gross-leverage cap ``L``: ``sum |w_i| <= L``. ``None`` (or ``inf``) means no cap.
        Must be ``>= 1`` (any fully-invested portfolio has ``sum |w| >= 1``). With
        ``lo >= 0`` it is always satisfied and has no effect.
    previous_weights : vector (N,), mapping ticker -> weight, or None
        Current holdings ``p`` (a ticker not in a mapping holds 0; None: all 0, i.e.
        trading from cash once costs or turnover limits are given).
    transaction_costs : float, vector (N,) or mapping, default 0.0
        ``c_i`` in return units per unit traded (10 bps = 0.001): every objective gains
        ``sum_i c_i |w_i - p_i|`` (see :mod:`portfolio_sgd.constraints.trading.terms`).
    market_impact : float, vector (N,) or mapping, default 0.0
        ``kappa_i`` of an impact term ``sum_i kappa_i |w_i - p_i|^1.5``.
    max_turnover : float or None
        One-way turnover cap ``1/2 sum_i |w_i - p_i| <= delta``.
    max_asset_turnover : float, vector (N,), mapping or None
        Per-asset limits ``|w_i - p_i| <= delta_i``.
    groups : mapping, DataFrame or None, default None
        Asset memberships: asset -> label, list of labels or {label: membership}, or a
        DataFrame assets x labels (fractional memberships allowed); see
        :mod:`.groups`. Stored in a canonical hashable form. Every asset listed must be
        a column of the returns (a misspelt ticker is an error with a suggestion).
    allow_absent_members : bool, default False
        Accept group members that are not columns of the returns (a universe wider than
        the data): they are ignored, and a :class:`~portfolio_sgd.errors.PortfolioSGDWarning`
        counts them.
    linear : sequence of str, default ()
        Linear constraints over asset and group names, e.g. ``"Tech <= 0.3"``,
        ``"Equity <= 2 * Bond"``, ``"AAPL + MSFT <= 0.15"``, ``"Energy == 0.05"`` (see
        :mod:`.linear_parse`).
    A_ub, b_ub, A_eq, b_eq : array-like or None
        Matrix forms ``A_ub w <= b_ub`` (m, N), (m,) and ``A_eq w = b_eq``, columns in the
        order of the returns' tickers.
    assets : sequence of str or None
        The tickers the names are resolved against (set by :meth:`bind`; ``optimize``
        binds to the returns' columns).
    max_assets : int or None, default None
        Cardinality ``k``: at most ``k`` non-zero weights (long-only, ``min_weight = 0``).
    min_position : float, default 0.0
        Minimum position ``x``: each weight is 0 or at least ``x``. With ``max_assets``
        it makes the problem combinatorial; :func:`portfolio_sgd.optimize` then runs the
        heuristic of :mod:`portfolio_sgd.cardinality` (see :meth:`relaxed`).
    budget : float or (float, float), default 1.0
        ``sum(w) = budget`` (below 1 the rest is cash; 0 is a dollar-neutral book), or
        ``lo <= sum(w) <= hi`` for a pair (see :mod:`.mandate`).
    max_short, max_long : float or None, default None
        Caps on the total short ``sum max(-w_i, 0)`` and long ``sum max(w_i, 0)``
        exposures (they bind only with negative lower bounds).

    Notes
    -----
    With linear rows, feasibility is decided by an LP (HiGHS) in :meth:`validate`, before
    any step, and an infeasible set names a conflicting subset of its constraints.

    Without them, for one bound per asset and a budget of 1, the set is non-empty exactly
    when ``lo <= hi``, ``N lo <= 1 <= N hi``, ``L >= 1``: then ``1/N`` is feasible (gross
    leverage 1), so the cap never conflicts. With per-asset bounds or another budget ``B``
    it is ``lo_i <= hi_i``, ``sum lo <= B <= sum hi``, and the least gross exposure the
    bounds force within the caps (:mod:`.mandate`).
    """

    min_weight: Any = field(default=0.0, metadata={"help": "Per-asset lower bound.", "type": float})
    max_weight: Any = field(default=1.0, metadata={"help": "Per-asset upper bound.", "type": float})
    long_short: bool = field(
        default=False, metadata={"help": "Allow negative weights (with --min-weight < 0)."}
    )
    max_leverage: float | None = field(
        default=None, metadata={"help": "Gross leverage cap sum|w| (long-short)."}
    )
    previous_weights: Any = None
    transaction_costs: Any = 0.0
    market_impact: Any = 0.0
    max_turnover: float | None = None
    max_asset_turnover: Any = None
    groups: Any = None
    allow_absent_members: bool = False
    linear: Any = ()
    A_ub: Any = None
    b_ub: Any = None
    A_eq: Any = None
    b_eq: Any = None
    assets: Any = None
    max_assets: int | None = field(
        default=None, metadata={"help": "Cardinality: hold at most this many assets."}
    )
    min_position: float = field(
        default=0.0, metadata={"help": "Minimum position: every weight is 0 or at least this."}
    )
    budget: Any = field(
        default=1.0,
        metadata={
            "help": "Sum of the weights (the rest is cash; 0: dollar-neutral).",
            "type": float,
        },
    )
    max_short: float | None = field(
        default=None, metadata={"help": "Cap on the total short exposure sum max(-w, 0)."}
    )
    max_long: float | None = field(
        default=None, metadata={"help": "Cap on the total long exposure sum max(w, 0)."}
    )
