"""The strategy spec grammar's tables: kinds, parameter keys, default strategies.

:func:`portfolio_sgd.backtest.strategies.parse_strategy` reads its keys from
:data:`SPEC_KEYS`, and ``portfolio-sgd backtest --help`` lists them from the same table,
so the help cannot drift from the parser. Pure data: importing it loads no torch.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_STRATEGIES", "SPEC_KINDS", "SPEC_KEYS", "SpecKey", "spec_help"]

DEFAULT_STRATEGIES = (
    "sgd:min-variance:m=64",
    "sgd:min-variance:m=128",
    "exact:min-variance",
    "equal-weight",
)


@dataclass(frozen=True)
class SpecKey:
    """One ``key=value`` parameter of a strategy spec.

    Attributes
    ----------
    key : str
        The short key shown in help (``m``, ``lambda``, ``hl``).
    field : str
        The canonical parameter it sets (``batch_size``, ``risk_aversion``).
    kind : {"int", "float", "str"}
    sgd_only : bool
        Accepted by ``sgd:`` strategies only (``exact:`` refuses it).
    meaning : str
        One line for ``--help``.
    aliases : tuple of str
        Other spellings the parser accepts (the long field names).
    """

    key: str
    field: str
    kind: str
    sgd_only: bool
    meaning: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling the parser accepts."""
        return (self.key, *self.aliases)


SPEC_KINDS = (
    ("sgd:<objective>[:key=value...]", "mini-batch SGD, warm-started"),
    ("exact:<objective>[:key=value...]", "the reference solver (cvxpy)"),
    ("equal-weight", "1/N at every rebalance"),
    ("buy-and-hold", "1/N bought once, then left to drift"),
)

SPEC_KEYS: tuple[SpecKey, ...] = (
    SpecKey("m", "batch_size", "int", True, "batch size (default 256)", ("batch_size",)),
    SpecKey(
        "lambda", "risk_aversion", "float", False, "risk aversion (default 10)", ("risk_aversion",)
    ),
    SpecKey("alpha", "alpha", "float", False, "CVaR level (default 0.95)"),
    SpecKey(
        "rw",
        "return_weight",
        "float",
        False,
        "mean-CVaR return weight (default 0)",
        ("return_weight",),
    ),
    SpecKey("tol", "tol", "float", True, "relative objective tolerance for stopping"),
    SpecKey("steps", "steps", "int", True, "maximum SGD steps per rebalance"),
    SpecKey("lr", "lr", "float", True, "step size (default automatic)"),
    SpecKey(
        "eval",
        "eval_every",
        "int",
        True,
        "steps between full evaluations (default 10)",
        ("eval_every",),
    ),
    SpecKey(
        "resample",
        "resample",
        "int",
        True,
        "B: trade the mean of B bootstrap optima (Michaud)",
    ),
    SpecKey(
        "block",
        "block_length",
        "float",
        True,
        "stationary-bootstrap mean block length (with resample)",
        ("block_length",),
    ),
    SpecKey("hl", "half_life", "float", True, "recency half-life in periods", ("half_life",)),
    SpecKey(
        "shrinkage",
        "shrinkage",
        "str",
        True,
        "covariance shrinkage: ledoit-wolf or oas",
    ),
    SpecKey(
        "cost",
        "cost_bps",
        "float",
        False,
        "bps per unit traded from the drifted holdings",
    ),
    SpecKey(
        "horizon",
        "cost_horizon",
        "float",
        False,
        "periods a trade's cost is amortised over (default: the rebalance interval)",
        ("cost_horizon",),
    ),
    SpecKey("turnover", "max_turnover", "float", False, "one-way turnover cap per rebalance"),
)
"""Every parameter key of a spec, in the order ``--help`` lists them."""


def spec_help() -> str:
    """The spec grammar and every key with its meaning, as click epilog lines."""
    width = max(len(k) for k, _ in SPEC_KINDS) + 2
    lines = ["Strategies (comma-separated; each names its column in every output):"]
    lines += [f"  {kind:<{width}}{meaning}" for kind, meaning in SPEC_KINDS]
    lines += ["  objectives: mean-variance, min-variance, cvar, kelly, tracking", ""]
    lines.append("Spec keys (key=value, joined by ':'; * = sgd only):")
    keys = [("/".join(k.names) + ("*" if k.sgd_only else ""), k.meaning) for k in SPEC_KEYS]
    width = max(len(name) for name, _ in keys) + 2
    lines += [f"  {name:<{width}}{meaning}" for name, meaning in keys]
    lines.append("  e.g. sgd:min-variance:m=64:cost=10:turnover=0.1")
    return "\n".join(lines)
