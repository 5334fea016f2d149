"""Progress on stderr for the long commands: a bar on a terminal, else periodic lines.

On a terminal the library's tqdm bar shows (steps, rate, elapsed time; a total only where
the loop really runs to it). When stderr is not a terminal (a log file, CI, a pipe) a run
that lasts more than :data:`DELAY` seconds prints one short line every :data:`INTERVAL`
seconds, e.g. ``optimize: step 1200, 18 s, objective 0.000123`` (between loops, while data
loads or an exact solver runs, ``risk: 16 s``). ``--quiet`` turns both off.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator

import click

from ..utils.progress import progress_lines
from .app import stderr_is_tty

INTERVAL = 10.0
"""Seconds between progress lines when stderr is not a terminal."""
DELAY = 5.0
"""Seconds before the first line (shorter runs print none)."""


def show_progress(quiet: bool) -> bool:
    """Whether the library should draw its tqdm bar: on a terminal, unless ``--quiet``."""
    return not quiet and stderr_is_tty()


@contextlib.contextmanager
def command_progress(
    label: str,
    quiet: bool,
    *,
    interval: float | None = None,
    delay: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[None]:
    """Periodic progress lines on stderr for the block, when stderr is not a terminal.

    ``interval`` and ``delay`` default to :data:`INTERVAL` and :data:`DELAY` (read at call
    time, so tests can shorten them).
    """
    if quiet or stderr_is_tty() or os.environ.get("RANK", "0") != "0":
        yield  # a bar instead, or nothing (quiet; torchrun ranks other than 0)
        return
    with progress_lines(
        label,
        lambda line: click.echo(line, err=True),
        interval=INTERVAL if interval is None else interval,
        delay=DELAY if delay is None else delay,
        clock=clock,
        heartbeat=True,
    ):
        yield
