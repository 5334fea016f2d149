"""The exact-finish part of a result: what the engine's finish did (CVaR's tail LP)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class FinishReport:
    """The engine's exact finish of a run.

    Attributes
    ----------
    polish : str
        ``"off"``, ``"none"`` (the objective has none) or its account (status, LPs,
        window rows, seconds).
    polished : bool
        True when the weights are the verified exact optimum from that finish.
    """

    polish: str = "off"
    polished: bool = False

    def json_entries(self) -> dict[str, object]:
        """``polish`` and ``polished`` at the top of the result's JSON."""
        return asdict(self)
