"""The default network boundary: ``yfinance.download``, made quiet and honest.

yfinance reports failures by logging them and returning empty columns. Here its log
records and warnings are captured (none reach the terminal), and an unreachable network
becomes a :class:`~portfolio_sgd.errors.FetchError` that says so, instead of an empty
answer that would read as "unknown ticker".
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Sequence

import pandas as pd

from portfolio_sgd.data._format import name_list, one_line
from portfolio_sgd.errors import FetchError

__all__ = ["yfinance_download"]


def yfinance_download(tickers: Sequence[str], *, start: str, end: str) -> pd.DataFrame:
    """The default downloader: ``yfinance.download`` of daily auto-adjusted prices.

    yfinance reports failures by logging them and returning empty columns; its log lines
    and warnings are captured here (none reach the terminal). A failure to reach Yahoo
    (DNS, connection, timeout) raises; other failures (an unknown symbol) leave the
    ticker's columns empty, for :func:`fetch_prices` to report.

    Returns
    -------
    pandas.DataFrame
        yfinance's frame unchanged: shape (T, 5 * N), MultiIndex columns (Price, Ticker).

    Raises
    ------
    FetchError
        The network is unreachable (the message says so and quotes yfinance's reason).
    """
    try:
        import yfinance
    except ImportError as exc:  # pragma: no cover - yfinance is a dependency
        raise FetchError("yfinance is not installed; pip install yfinance") from exc
    records = _LogCapture()
    yf_logger = logging.getLogger("yfinance")
    saved = yf_logger.propagate
    yf_logger.addHandler(records)
    yf_logger.propagate = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = yfinance.download(
                list(tickers),
                start=start,
                end=end,
                auto_adjust=True,
                progress=False,
                group_by="column",
                threads=False,
            )
    finally:
        yf_logger.removeHandler(records)
        yf_logger.propagate = saved
    network = [m for m in records.messages if _NETWORK_ERROR.search(m)]
    if network:
        reason = _network_reason(network[-1])
        raise FetchError(
            f"download failed for {name_list(list(tickers))}: network unreachable, cannot reach "
            f"Yahoo Finance ({reason[:160]})"
        )
    return frame


_NETWORK_ERROR = re.compile(
    r"(?i)DNSError|Could not resolve|resolve host|ConnectionError|Connection refused|"
    r"Failed to connect|Network is unreachable|timed out|Timeout|curl: \((6|7|28|35|56)\)|"
    r"NameResolution|Max retries"
)


def _network_reason(message: str) -> str:
    """``DNSError: Could not resolve host: ...`` out of a yfinance failure report."""
    kind = re.search(r"\b(\w*(?:Error|Timeout))\b", message)
    detail = re.search(
        r"(Could not resolve host: [\w-]+(?:\.[\w-]+)+|Failed to connect[^.'\"]*|Connection refused|"
        r"Network is unreachable|timed out[^.'\"]*)",
        message,
    )
    parts = [m.group(1) for m in (kind, detail) if m is not None]
    return ": ".join(parts) if parts else one_line(Exception(message))[:160]


class _LogCapture(logging.Handler):
    """Collects the messages of log records (yfinance's failure reports)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.messages.append(record.getMessage())
        except Exception:  # a broken record must not break the download  # noqa: BLE001
            self.messages.append(str(record.msg))
