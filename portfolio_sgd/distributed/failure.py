"""What a rank reports when the group cannot go on: a failed rendezvous, a rank that left.

Torch raises multi-line errors (``DistBackendError``, ``DistStoreError``, gloo's
"Connection closed by peer") from a collective whose peer died, and from a rendezvous
that timed out. :func:`collective_guard` turns each into one :class:`RankFailure` line,
which the command line prints as ``Error: ...`` with exit status 1; the timeouts that
bound every wait are :mod:`.timeouts`'.

Under torchrun a rank that ends makes the launcher stop the others with SIGTERM;
:func:`stop_on_sigterm` turns that signal into a :class:`RankFailure` too, so the
surviving rank 0 prints one line instead of dying silently.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from typing import Any

from ..errors import PortfolioSGDError


class RankFailure(PortfolioSGDError):
    """The process group failed: a rendezvous timed out, or a rank left mid-run."""


def one_line(exc: BaseException) -> str:
    """The first non-empty line of ``exc``'s message (torch's are many lines)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


@contextlib.contextmanager
def collective_guard(what: str) -> Iterator[None]:
    """Run collectives; a torch distributed failure becomes one :class:`RankFailure` line.

    Parameters
    ----------
    what : str
        The operation, for the message ("a collective", "the rendezvous at host:port").
    """
    try:
        yield
    except RankFailure:
        raise
    except RuntimeError as exc:  # DistError and gloo's errors are RuntimeErrors
        raise RankFailure(
            f"{what} failed: another rank ended or cannot be reached ({one_line(exc)})"
        ) from None


def stop_on_sigterm() -> None:
    """Raise :class:`RankFailure` in the main thread when the launcher sends SIGTERM."""
    signal.signal(signal.SIGTERM, _raise_stopped)


def _raise_stopped(signum: int, frame: Any) -> None:  # noqa: ARG001
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process
    raise RankFailure(
        "stopped by the launcher (SIGTERM): another rank failed or the run was interrupted"
    )
