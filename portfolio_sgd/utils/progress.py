"""Progress of long loops: an honest bar on a terminal, a periodic line elsewhere.

The loops (the engine's steps, a backtest's rebalances) open a :class:`Progress` and
update it. It draws a tqdm bar when asked (``progress=True``), and, when a caller has
opened :func:`progress_lines` (the CLI does, when stderr is not a terminal), it hands
the counts to a :class:`ProgressLines` that writes one short line every ``interval``
seconds once the run has lasted ``delay`` seconds, e.g.
``optimize: step 1200, 18 s, objective 0.000123``. The library itself never writes:
lines go to the ``write`` callable the caller gives.

A bar shows a total (and so an estimate of the time left) only when the loop really
runs to it: a backtest's rebalances do; the engine's step budget is a cap that the
tolerance test usually stops well before, so its bar shows steps, rate and elapsed time.

Pure standard library: importing this module loads no torch.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

__all__ = ["Progress", "ProgressLines", "progress_lines"]

_LINES: ContextVar[ProgressLines | None] = ContextVar("portfolio_sgd_progress_lines", default=None)


class ProgressLines:
    """Writes one progress line every ``interval`` seconds, the first after ``delay``.

    Parameters
    ----------
    label : str
        The line's prefix, e.g. ``"optimize"``.
    write : callable
        Called with each line (the CLI writes it to stderr).
    interval, delay : float
        Seconds between lines, and before the first (a run shorter than ``delay`` prints
        nothing).
    clock : callable
        Seconds (``time.monotonic``; tests pass a fake clock).
    """

    def __init__(
        self,
        label: str,
        write: Callable[[str], None],
        *,
        interval: float = 10.0,
        delay: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label = label
        self.write = write
        self.interval = float(interval)
        self.clock = clock
        self.started = clock()
        self.next_at = self.started + float(delay)
        self.active: list[Progress] = []
        self.opened: dict[str, int] = {}
        self.lines = 0
        self._lock = threading.Lock()

    def open(self, progress: Progress) -> None:
        with self._lock:
            self.active.append(progress)
            self.opened[progress.unit] = self.opened.get(progress.unit, 0) + 1

    def close(self, progress: Progress) -> None:
        with self._lock:
            if progress in self.active:
                self.active.remove(progress)

    def tick(self, *, convert: bool = True, grace: float = 0.0) -> None:
        """Write a line if one is due (cheap otherwise: one clock read).

        The heartbeat thread passes ``convert=False`` (an objective is shown only if it is
        already a Python number: it never touches a device tensor from another thread)
        and a ``grace``: it writes only a line overdue by that long, so a running loop,
        which ticks every step, writes its own lines with the objective.
        """
        now = self.clock()
        if now < self.next_at + grace:
            return
        with self._lock:
            if now < self.next_at + grace:
                return
            self.next_at = now + self.interval
            text = self.line(now, convert=convert)
            self.lines += 1
        self.write(text)

    def line(self, now: float | None = None, *, convert: bool = True) -> str:
        """The current line: every open loop's count, the elapsed time, the objective."""
        now = self.clock() if now is None else now
        parts = []
        active = list(self.active)
        for p in active:
            count = f"{p.unit} {p.n}" + (f"/{p.total}" if p.total is not None else "")
            runs = self.opened.get(p.unit, 0)
            if p.total is None and runs > 1:
                count += f" (run {runs})"
            parts.append(count)
        parts.append(f"{now - self.started:.0f} s")
        values = (p.objective(convert=convert) for p in reversed(active))
        objective = next((v for v in values if v is not None), None)
        if objective is not None:
            parts.append(f"objective {objective:.6g}")
        return f"{self.label}: " + ", ".join(parts)


@contextlib.contextmanager
def progress_lines(
    label: str,
    write: Callable[[str], None],
    *,
    interval: float = 10.0,
    delay: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    heartbeat: bool = False,
) -> Iterator[ProgressLines]:
    """Within this block, every :class:`Progress` reports to one :class:`ProgressLines`.

    With ``heartbeat``, a daemon thread also ticks it, so lines keep coming through
    stretches without a loop (loading data, an exact reference solve): e.g.
    ``risk: 16 s`` before the first step.
    """
    lines = ProgressLines(label, write, interval=interval, delay=delay, clock=clock)
    token = _LINES.set(lines)
    stop = threading.Event()
    thread = None
    if heartbeat:
        poll = max(0.05, min(1.0, lines.interval / 2))

        def beat() -> None:
            while not stop.wait(poll):
                lines.tick(convert=False, grace=poll)

        thread = threading.Thread(target=beat, name="portfolio-sgd-progress", daemon=True)
        thread.start()
    try:
        yield lines
    finally:
        stop.set()
        if thread is not None:
            thread.join(timeout=5)
        _LINES.reset(token)


class Progress:
    """One loop's progress: a tqdm bar (when ``bar``), and the periodic lines when open.

    Parameters
    ----------
    bar : bool
        Draw a tqdm bar on stderr.
    desc, unit : str
        The bar's label and the unit counted (``"step"``, ``"rebalance"``).
    total : int or None
        The count the loop really reaches, or None when it may stop earlier (no estimate
        of the time left is shown then).
    """

    def __init__(self, bar: bool, desc: str, unit: str, total: int | None = None) -> None:
        self.unit = unit
        self.total = total
        self.n = 0
        self._objective: Any = None
        self._bar = None
        self._shown_at = 0.0
        if bar:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=desc, unit=unit, leave=False)
        self._lines = _LINES.get()
        if self._lines is not None:
            self._lines.open(self)

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._bar is not None:
            self._bar.update(n)
            now = time.monotonic()
            if self._objective is not None and now - self._shown_at > 0.5:
                value = self.objective()
                if value is not None:
                    self._bar.set_postfix_str(f"objective {value:.6g}", refresh=False)
                self._shown_at = now
        if self._lines is not None:
            self._lines.tick()

    def set_objective(self, value: Any) -> None:
        """The latest objective value(s): a float or a tensor (its minimum is shown).

        It is converted only when shown, so a device tensor is not synchronised per step.
        """
        self._objective = value

    def objective(self, *, convert: bool = True) -> float | None:
        """The latest objective as a float (a tensor's minimum), or None.

        ``convert=False``: None unless it is already a Python number.
        """
        value = self._objective
        if value is None:
            return None
        if not convert and not isinstance(value, (int, float)):
            return None
        try:
            if hasattr(value, "min") and getattr(value, "ndim", 0):
                value = value.min()
            return float(value)
        except (TypeError, ValueError, RuntimeError):
            return None

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self._lines is not None:
            self._lines.close(self)
            self._lines = None
