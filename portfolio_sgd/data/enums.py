"""String enums for the data layer's choices, and a helper that validates them."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from portfolio_sgd.errors import DataError
from portfolio_sgd.utils.choices import parse_choice

__all__ = ["DataLayout", "InvalidChoiceError", "NanPolicy", "ReturnsMethod", "coerce_choice"]


class InvalidChoiceError(DataError, ValueError):
    """A value that is not one of an enum's choices (both a DataError and a ValueError)."""


class NanPolicy(str, Enum):
    """What :func:`~portfolio_sgd.data.load_returns` does with missing values.

    ``DROP_ASSETS`` drops assets whose history does not cover the window (logged as a
    warning), ``DROP_ROWS`` drops dates where any asset is missing, ``RAISE`` raises a
    :class:`~portfolio_sgd.errors.DataError` naming the first missing cell.
    """

    DROP_ASSETS = "drop-assets"
    DROP_ROWS = "drop-rows"
    RAISE = "raise"

    def __str__(self) -> str:
        return self.value


class ReturnsMethod(str, Enum):
    """How prices become returns: ``simple`` p_t/p_{t-1} - 1, or ``log`` log(p_t/p_{t-1})."""

    SIMPLE = "simple"
    LOG = "log"

    def __str__(self) -> str:
        return self.value


class DataLayout(str, Enum):
    """Table layout: ``wide`` (date index, one column per asset) or ``long`` (date, ticker, value)."""

    WIDE = "wide"
    LONG = "long"

    def __str__(self) -> str:
        return self.value


E = TypeVar("E", bound=Enum)


def coerce_choice(enum_cls: type[E], value: E | str, what: str) -> E:
    """Return ``value`` as a member of ``enum_cls``, accepting the member or its string value.

    Parameters
    ----------
    enum_cls : type of Enum
        The str Enum to convert to.
    value : Enum member or str
        The user's choice; strings are matched case-insensitively, ``_`` counts as ``-``.
    what : str
        Name of the argument, used in the error message.

    Raises
    ------
    InvalidChoiceError
        If ``value`` is not a valid choice; the message lists the valid ones.
    """
    return parse_choice(enum_cls, value, what, error=InvalidChoiceError)
