"""Error handling, logging and output helpers shared by every command."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import click

from ..atomic import atomic_write_text
from ..errors import PortfolioSGDError


class PortfolioGroup(click.Group):
    """A click group that turns domain errors into ``Error: ...`` and exit code 1."""

    def invoke(self, ctx: click.Context) -> object:
        _configure_logging()
        try:
            return super().invoke(ctx)
        except PortfolioSGDError as exc:
            message = " ".join(str(exc).split())
            click.echo(f"Error: {message}", err=True)
            ctx.exit(1)
        except (OSError, MemoryError) as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        click.echo(f"{record.levelname.lower()}: {record.getMessage()}", err=True)


def _configure_logging() -> None:
    logger = logging.getLogger("portfolio_sgd")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.setLevel(logging.INFO)
    logger.propagate = False


def stderr_is_tty() -> bool:
    """Whether progress bars should be shown."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def emit(text: str, output: str | None) -> None:
    """Print ``text`` on stdout, or write it atomically to ``output``."""
    if output:
        atomic_write_text(Path(output), text if text.endswith("\n") else text + "\n")
        click.echo(f"wrote {output}", err=True)
    else:
        click.echo(text)


def to_json(payload: object) -> str:
    """Pretty JSON with non-finite floats as null."""
    return json.dumps(_clean(payload), indent=2)


def _clean(value: object) -> object:
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def parse_list(value: str | None, cast: type = str, what: str = "value") -> list:
    """Split a comma-separated option, raising a usage error on bad items."""
    if value is None:
        return []
    items = [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [cast(v) for v in items]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated {what}s, got {value!r}") from None
