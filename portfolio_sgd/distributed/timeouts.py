"""How long a rank waits for the others: the rendezvous, and each collective.

Two environment variables, in seconds (read when the process group starts):

- ``PORTFOLIO_SGD_JOIN_TIMEOUT`` (default 300): the rendezvous. A master that cannot be
  reached (wrong ``MASTER_ADDR``/``MASTER_PORT``) or ranks that never join (an
  ``--nnodes`` larger than the nodes started) end the run with one error line after it.
- ``PORTFOLIO_SGD_COLLECTIVE_TIMEOUT`` (default 1800, torch's own default): any one
  collective, e.g. ranks waiting while rank 0 solves a finishing LP. A rank whose peer
  died sees the closed connection at once; this bounds a peer that hangs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from ..errors import ConfigError

JOIN_ENV = "PORTFOLIO_SGD_JOIN_TIMEOUT"
COLLECTIVE_ENV = "PORTFOLIO_SGD_COLLECTIVE_TIMEOUT"
DEFAULT_JOIN_S = 300.0
DEFAULT_COLLECTIVE_S = 1800.0


@dataclass(frozen=True)
class Timeouts:
    """The rendezvous and collective timeouts of a process group."""

    join: timedelta
    collective: timedelta


def read_timeouts() -> Timeouts:
    """The timeouts from the environment (defaults above).

    Raises
    ------
    ConfigError
        For a value that is not a positive number of seconds.
    """
    return Timeouts(
        join=timedelta(seconds=_seconds(JOIN_ENV, DEFAULT_JOIN_S)),
        collective=timedelta(seconds=_seconds(COLLECTIVE_ENV, DEFAULT_COLLECTIVE_S)),
    )


def _seconds(name: str, default: float) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a positive number of seconds, got {text!r}")
    return value
