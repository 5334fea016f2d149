"""Options in labelled groups: ``--help`` lists data, objective, output, then the engine.

A plain click command prints one flat ``Options:`` list. :func:`section` tags the options
it wraps with a title, and :class:`GroupedCommand` prints one block per title, in the order
of :data:`SECTION_ORDER` (a title it does not know goes before ``Output``). Options
without a title (``--help``) come last, under ``Other options``.

This needs nothing beyond click (no extra dependency, nothing slow to import).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]

DATA = "Data"
OBJECTIVE = "Objective and constraints"
TRADING = "Holdings and costs"
ESTIMATION = "Estimation"
STUDY = "Study"
STRATEGIES = "Strategies and walk-forward"
OUTPUT = "Output"
ENGINE = "Engine (SGD internals)"
DISTRIBUTED = "Distributed (torchrun)"
OTHER = "Other options"

SECTION_ORDER = (
    DATA,
    OBJECTIVE,
    TRADING,
    ESTIMATION,
    STUDY,
    STRATEGIES,
    OUTPUT,
    ENGINE,
    DISTRIBUTED,
    OTHER,
)
"""The order of the groups in ``--help``: what to optimise first, engine internals last."""


def section(title: str, *decorators: F) -> Callable[[F], F]:
    """Apply click option ``decorators`` (top to bottom) and file their options under ``title``.

    An option already filed (by an inner :func:`section`) keeps its title.
    """

    def apply(func: F) -> F:
        for deco in reversed(decorators):
            before = len(getattr(func, "__click_params__", ()))
            func = deco(func)
            params = getattr(func, "__click_params__", [])
            for param in params[before:]:
                if getattr(param, "help_section", None) is None:
                    param.help_section = title  # type: ignore[attr-defined]
        return func

    return apply


def _rank(title: str) -> float:
    if title in SECTION_ORDER:
        return float(SECTION_ORDER.index(title))
    return SECTION_ORDER.index(OUTPUT) - 0.5


class GroupedCommand(click.Command):
    """A click command whose ``--help`` lists its options in labelled groups."""

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        groups: dict[str, list[tuple[str, str]]] = {}
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is not None:
                title = getattr(param, "help_section", None) or OTHER
                groups.setdefault(title, []).append(record)
        # one first-column width for every group, so the help texts line up across them
        width = min(max((len(t) for rows in groups.values() for t, _ in rows), default=0), 30)
        for title in sorted(groups, key=_rank):
            with formatter.section(title):
                formatter.write_dl([(t.ljust(width), h) for t, h in groups[title]])


def sections_of(command: click.Command) -> dict[str, list[str]]:
    """The option names of ``command`` per help group (for tests and docs)."""
    out: dict[str, list[str]] = {}
    for param in command.params:
        if isinstance(param, click.Option):
            title = getattr(param, "help_section", None) or OTHER
            out.setdefault(title, []).append(param.name or "")
    return out
