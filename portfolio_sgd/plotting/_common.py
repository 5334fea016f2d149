"""Shared figure helpers: a constrained-layout Figure without pyplot, atomic PNG saving."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..utils.atomic import atomic_write_with

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure


def _save(fig: Figure, path: str | Path | None, dpi: int) -> Figure:
    if path is not None:
        atomic_write_with(path, lambda tmp: fig.savefig(tmp, format="png", dpi=dpi))
    return fig


def _new_figure(figsize: tuple[float, float]) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")
