"""The allocator's report in :class:`~portfolio_sgd.results.OptimizationResult`."""

from __future__ import annotations

from dataclasses import dataclass

CERTIFICATE = "none (heuristic allocator)"
"""The ``certificate_method`` of an allocation: no optimality gap is claimed."""


@dataclass(frozen=True)
class AllocatorReport:
    """How the weights were allocated.

    Attributes
    ----------
    allocator : str
        The allocator's name.
    linkage, distance : str or None
        The tree's settings (None for the naive baselines).
    measure : str or None
        The measure of the splits (HRP, HERC), else None.
    order : tuple of str
        The assets in seriation order (HRP, the order it bisects); empty otherwise.
    clusters : tuple of tuple of str
        HERC's and NCO's flat clusters; empty otherwise.
    redistribution : str
        The rule that made the weights feasible: ``"none"`` (already were),
        ``"relative"`` or ``"euclidean"`` (:mod:`portfolio_sgd.allocators.redistribute`).
    """

    allocator: str
    linkage: str | None = None
    distance: str | None = None
    measure: str | None = None
    order: tuple[str, ...] = ()
    clusters: tuple[tuple[str, ...], ...] = ()
    redistribution: str = "none"

    def json_entries(self) -> dict[str, object]:
        """The ``allocator`` entry of the result's JSON."""
        return {
            "allocator": {
                "name": self.allocator,
                "linkage": self.linkage,
                "distance": self.distance,
                "measure": self.measure,
                "order": list(self.order),
                "clusters": [list(c) for c in self.clusters],
                "redistribution": self.redistribution,
            }
        }
