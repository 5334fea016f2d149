"""The typed mapping of a result's feature reports (limit, cardinality, error bars, ...).

Each feature that ran adds one report record to ``OptimizationResult.reports``, keyed
by the record's type: ``result.reports.get(RiskLimitReport)`` is that run's limit report,
or None when no limit was asked for. A report writes its own part of the result's JSON
(:meth:`Report.json_entries`), so the flat ``to_dict`` keys stay where users read them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Protocol, TypeVar, runtime_checkable


@runtime_checkable
class Report(Protocol):
    """A feature report: a frozen record that knows its entries in the result's JSON."""

    def json_entries(self) -> dict[str, object]:
        """The keys this report adds to ``OptimizationResult.to_dict()``."""
        ...  # pragma: no cover


R = TypeVar("R", bound=Report)


class Reports(Mapping[type, Report]):
    """An immutable mapping ``report type -> report`` (at most one report per type).

    Parameters
    ----------
    reports : Report
        The reports; a later one of the same type replaces an earlier one.
    """

    def __init__(self, *reports: Report) -> None:
        items: dict[type, Report] = {}
        for report in reports:
            if not isinstance(report, Report):
                raise TypeError(f"{type(report).__name__} is not a Report")
            items[type(report)] = report
        self._items = items

    def __getitem__(self, kind: type) -> Report:
        return self._items[kind]

    def __iter__(self) -> Iterator[type]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Reports({', '.join(t.__name__ for t in self._items)})"

    def of(self, kind: type[R]) -> R | None:
        """The report of type ``kind``, or None (typed: ``kind``'s instances)."""
        found = self._items.get(kind)
        return found if isinstance(found, kind) else None

    def with_reports(self, *reports: Report) -> Reports:
        """A copy with ``reports`` added (replacing those of the same types)."""
        return Reports(*self._items.values(), *reports)
