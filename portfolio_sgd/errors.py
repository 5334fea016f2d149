"""Domain errors.

Every error the library raises on purpose subclasses :class:`PortfolioSGDError`, so the
CLI can turn it into a one-line ``Error: ...`` message and exit code 1.
"""

from __future__ import annotations


class PortfolioSGDError(Exception):
    """Base class of every domain error raised by portfolio-sgd."""


class DataError(PortfolioSGDError):
    """Input data is unusable: unreadable, non-numeric, too short, duplicated, ..."""


class UnknownDatasetError(DataError):
    """A bundled dataset name that does not exist."""


class FetchError(DataError):
    """A download failed: network error, unknown ticker or empty result."""


class InfeasibleConstraintError(PortfolioSGDError):
    """A constraint specification that no portfolio can satisfy."""


class ConfigError(PortfolioSGDError):
    """An invalid optimiser, study or backtest configuration."""


class DivergenceError(PortfolioSGDError):
    """The optimiser produced a non-finite loss (usually: the learning rate is too large)."""


class PortfolioSGDWarning(UserWarning):
    """A warning of portfolio-sgd's own (the CLI shows it as one ``warning:`` line)."""
