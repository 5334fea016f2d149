"""One home for parsing a user's choice into a str Enum member."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

from ..errors import ConfigError, PortfolioSGDError

E = TypeVar("E", bound=Enum)


def parse_choice(
    enum_cls: type[E],
    value: object,
    what: str,
    error: type[PortfolioSGDError] = ConfigError,
) -> E:
    """``value`` as a member of ``enum_cls``: the member itself or its string value.

    Strings match case-insensitively, with ``_`` and spaces counting as ``-``.

    Parameters
    ----------
    enum_cls : type of Enum
        A str Enum.
    value : Enum member or str
    what : str
        What the value is, for the message (e.g. ``"batch schedule"``).
    error : type of PortfolioSGDError
        The error raised (:class:`ConfigError` by default).

    Raises
    ------
    error
        One line naming the value and listing the choices.
    """
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        key = value.strip().lower().replace("_", "-").replace(" ", "-")
        for member in enum_cls:
            if member.value == key:
                return member
    names = ", ".join(repr(str(m.value)) for m in enum_cls)
    raise error(f"unknown {what} {value!r}; choose one of: {names}")
