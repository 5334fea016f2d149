"""Static export of a report's figures as PNG files (plotly + kaleido).

kaleido (the optional ``png`` extra) renders through a Chrome or Chromium browser; when
either is missing, the export stops with one :class:`~portfolio_sgd.errors.ConfigError`
that says how to get it. The static figures of the other commands (``--plot``) use
matplotlib and need neither.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import ConfigError
from ..utils.atomic import atomic_directory

if TYPE_CHECKING:  # pragma: no cover
    from .build import Report

HOW_TO_GET_KALEIDO = (
    "PNG export needs kaleido and a Chrome/Chromium browser: pip install 'portfolio-sgd[png]' "
    "(kaleido), then apt-get install chromium (or run plotly_get_chrome)"
)


def check_png_export() -> None:
    """Raise :class:`ConfigError` (saying how to get it) when kaleido is not installed."""
    if importlib.util.find_spec("kaleido") is None:
        raise ConfigError(HOW_TO_GET_KALEIDO)


def write_pngs(report: Report, folder: str | Path, scale: float = 1.0) -> list[Path]:
    """Write every figure of ``report`` as ``<section>-<figure>.png`` into ``folder``.

    The folder is built in a temporary sibling and swapped in (all PNGs or none); an
    existing folder is replaced only when it holds nothing but PNGs.

    Raises
    ------
    ConfigError
        kaleido is not installed, or it cannot start a browser (the message says how to
        get both).
    """
    check_png_export()
    target = Path(folder)
    names: list[str] = []

    def only_pngs(path: Path) -> bool:
        return all(p.suffix == ".png" for p in path.iterdir())

    try:
        with atomic_directory(target, replaceable=only_pngs) as tmp:
            for section in report.sections:
                for div_id, fig in section.figures:
                    name = f"{section.key}-{div_id.removeprefix('fig-')}.png"
                    fig.write_image(str(tmp / name), format="png", scale=scale)
                    names.append(name)
    except FileExistsError as exc:
        raise ConfigError(f"cannot write the PNG folder: {exc}") from None
    except (RuntimeError, ValueError) as exc:  # kaleido without a usable browser
        if "chrome" in str(exc).lower() or "kaleido" in str(exc).lower():
            raise ConfigError(f"{HOW_TO_GET_KALEIDO} ({str(exc).splitlines()[0]})") from None
        raise
    return [target / n for n in names]
