"""Example input files, shipped inside the wheel, to try every file option on.

:func:`write_examples` copies them into a folder (``portfolio-sgd examples DIR`` on the
command line). Each file is in the exact format its option reads, and its tickers are
those of the bundled ``sp500`` dataset (the default), so every command below works from
the folder the files were written to::

    portfolio-sgd optimize --returns returns_wide.csv
    portfolio-sgd optimize --returns returns_long.csv --layout long
    portfolio-sgd optimize --objective min-variance --previous-weights holdings.csv --cost-bps 10
    portfolio-sgd optimize --objective min-variance --previous-weights holdings.csv --costs costs.csv
    portfolio-sgd optimize --objective risk-parity --budgets budgets.csv
    portfolio-sgd optimize --objective min-variance --groups sectors.csv --constraint "Energy >= 0.1"
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

from ..errors import DataError
from ..utils.atomic import atomic_files

__all__ = ["EXAMPLE_FILES", "write_examples"]

_PACKAGE = "portfolio_sgd.bundled_data"

#: The example files, by name, with the option that reads each one.
EXAMPLE_FILES: dict[str, str] = {
    "returns_wide.csv": "--returns (wide: Date, then one column of simple returns per asset)",
    "returns_long.csv": "--returns --layout long (date,ticker,value rows)",
    "holdings.csv": "--previous-weights (ticker,weight)",
    "costs.csv": "--costs (ticker,bps)",
    "budgets.csv": "--budgets (ticker,budget) with --objective risk-parity",
    "sectors.csv": "--groups (asset,sector), with --constraint over the sector names",
}


def _read_bundled(name: str) -> bytes:
    """The bytes of one bundled example file (the installed package, else the checkout)."""
    try:
        resource = importlib.resources.files(_PACKAGE) / "examples" / name
    except ModuleNotFoundError:
        resource = None
    if resource is not None and resource.is_file():
        return resource.read_bytes()
    fallback = Path(__file__).resolve().parents[2] / "data" / "examples" / name
    if not fallback.is_file():
        raise DataError(f"example file {name!r} is missing; reinstall portfolio-sgd")
    return fallback.read_bytes()


def write_examples(directory: str | os.PathLike[str], overwrite: bool = False) -> list[Path]:
    """Write the example input files into ``directory`` (created if missing).

    The files appear together: they are written to temporary siblings and renamed only
    once all are written, so an interrupted call leaves none of them half-written.

    Parameters
    ----------
    directory : path-like
        Destination folder.
    overwrite : bool
        Replace files of the same names; without it an existing file is an error and
        nothing is written.

    Returns
    -------
    list of Path
        The files written, in the order of :data:`EXAMPLE_FILES`.

    Raises
    ------
    DataError
        ``directory`` is a file, or (without ``overwrite``) one of the files exists.
    """
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        raise DataError(f"{os.fspath(directory)}: is not a folder")
    targets = [folder / name for name in EXAMPLE_FILES]
    if not overwrite:
        existing = [p.name for p in targets if p.exists()]
        if existing:
            raise DataError(
                f"{os.fspath(directory)}: {', '.join(existing)} already exist"
                " (use --overwrite to replace them)"
            )
    contents = [_read_bundled(name) for name in EXAMPLE_FILES]
    with atomic_files(targets) as temps:
        for tmp, data in zip(temps, contents, strict=True):
            tmp.write_bytes(data)
    return targets
