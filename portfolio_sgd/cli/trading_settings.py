"""The trading options' values as :class:`~portfolio_sgd.constraints.Constraints` fields
(imported when a command runs; :mod:`.trading` declares the options)."""

from __future__ import annotations

import math
from typing import Any

import click
import pandas as pd

from ..errors import ConfigError, DataError


def trading_settings(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Constraints fields from the parsed trading options (removed from ``kwargs``).

    Raises
    ------
    ConfigError
        Both ``--cost-bps`` and ``--costs``.
    DataError
        An unreadable or malformed file.
    """
    prev_file = kwargs.pop("previous_weights_file", None)
    bps = kwargs.pop("cost_bps", None)
    costs_file = kwargs.pop("costs_file", None)
    impact = kwargs.pop("impact", None)
    if bps is not None and costs_file is not None:
        raise ConfigError("give either --cost-bps or --costs, not both")
    out: dict[str, Any] = {}
    if prev_file is not None:
        out["previous_weights"] = read_ticker_values(prev_file, "weight")
    if bps is not None:
        out["transaction_costs"] = float(bps) / 1e4
    if costs_file is not None:
        bps_map = read_ticker_values(costs_file, "bps")
        if any(v < 0 for v in bps_map.values()):
            raise DataError(f"{costs_file}: costs must be >= 0 bps")
        out["transaction_costs"] = {k: v / 1e4 for k, v in bps_map.items()}
    if impact is not None:
        out["market_impact"] = float(impact)
    if prev_file is None and (bps is not None or costs_file is not None or impact is not None):
        uniform = costs_file is None and impact is None
        click.echo(
            "warning: costs without --previous-weights are charged on trading from cash"
            + (
                " (every weight is bought: a uniform --cost-bps on a long-only portfolio "
                "costs the same for every portfolio and does not change the weights)"
                if uniform and not kwargs.get("long_short")
                else ""
            ),
            err=True,
        )
    return out


def read_ticker_values(path: str, what: str) -> dict[str, float]:
    """A two-column CSV ``ticker,<what>`` (a header row is optional) as a dict.

    Raises
    ------
    DataError
        A missing file, not two columns, a non-numeric or non-finite value, a duplicate.
    """
    try:
        frame = pd.read_csv(path, header=None, dtype=str, skipinitialspace=True)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a CSV of ticker,{what} ({exc})".splitlines()[0]) from None
    if frame.shape[1] != 2:
        raise DataError(f"{path}: expected two columns ticker,{what}, got {frame.shape[1]}")
    first = str(frame.iloc[0, 1]).strip()
    if not _is_number(first):  # a header row
        frame = frame.iloc[1:]
    out: dict[str, float] = {}
    for ticker, value in frame.itertuples(index=False):
        name, text = str(ticker).strip(), str(value).strip()
        if not _is_number(text) or not math.isfinite(float(text)):
            raise DataError(f"{path}: {what} {text!r} of {name!r} is not a finite number")
        if name in out:
            raise DataError(f"{path}: ticker {name!r} appears twice")
        out[name] = float(text)
    if not out:
        raise DataError(f"{path}: no rows of ticker,{what}")
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def trading_lines(trading: dict[str, float] | None) -> list[str]:
    """Table lines for the cost term and the turnover (none without trading settings)."""
    if trading is None:
        return []
    return [
        f"transaction cost    {trading['transaction_cost']:.8g} (in the objective value)",
        f"turnover (one-way)  {trading['turnover']:.4f}",
    ]
