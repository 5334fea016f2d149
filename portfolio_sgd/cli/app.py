"""Error handling, logging and output helpers shared by every command.

Nothing here imports torch, numpy or pandas: ``--help`` and ``--version`` must answer at
once (see ``tests/test_cli_startup.py``).
"""

from __future__ import annotations

import logging
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

import click

from ..errors import PortfolioSGDError, PortfolioSGDWarning
from ..utils.atomic import atomic_write_text
from .lazy import resolve


class PortfolioGroup(click.Group):
    """A click group that turns domain errors into ``Error: ...`` and exit code 1.

    Commands are registered lazily: ``lazy_commands`` maps a command name to
    ``"module:attribute"``, and the module is imported only when that command is looked
    up (its ``--help`` included), through :func:`.lazy.resolve`. A command module declares
    options only; its callback runs a :class:`.lazy.Lazy` naming the command's run module,
    so ``portfolio-sgd CMD --help`` stays fast.
    """

    def __init__(self, *args: object, lazy_commands: Mapping[str, str] | None = None, **kwargs):  # noqa: ANN204
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The registered commands in the table's order, then any added directly."""
        extra = sorted(name for name in self.commands if name not in self.lazy_commands)
        return [*self.lazy_commands, *extra]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, importing its module on first use."""
        if cmd_name not in self.commands and cmd_name in self.lazy_commands:
            self.commands[cmd_name] = resolve(self.lazy_commands[cmd_name])
        return self.commands.get(cmd_name)

    def invoke(self, ctx: click.Context) -> object:
        _configure_logging()
        try:
            with warnings.catch_warnings():
                _filter_warnings()
                return super().invoke(ctx)
        except PortfolioSGDError as exc:
            message = " ".join(str(exc).split())
            if not getattr(exc, "echoed_by_rank0", False):  # an error all ranks agreed on
                click.echo(f"Error: {message}", err=True)
            ctx.exit(1)
        except (OSError, MemoryError) as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)


def _filter_warnings() -> None:
    """Only portfolio-sgd's own warnings reach the terminal, each as one ``warning:`` line.

    Third-party warnings (pandas deprecations, numpy overflow, yfinance, ...) are noise
    to a CLI user and are dropped; call inside ``warnings.catch_warnings()``.
    """
    warnings.simplefilter("ignore")
    warnings.simplefilter("default", PortfolioSGDWarning)
    warnings.showwarning = _show_warning


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
    if issubclass(category, PortfolioSGDWarning):
        click.echo(f"warning: {' '.join(str(message).split())}", err=True)


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        message = " ".join(record.getMessage().split())
        click.echo(f"{record.levelname.lower()}: {message}", err=True)


def _configure_logging() -> None:
    logger = logging.getLogger("portfolio_sgd")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.setLevel(logging.INFO)
    logger.propagate = False
    root = logging.getLogger()
    if not root.handlers:  # other libraries' records would reach stderr via lastResort
        root.addHandler(logging.NullHandler())


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


def parse_list(value: str | None, cast: type = str, what: str = "value") -> list:
    """Split a comma-separated option, raising a usage error on bad items."""
    if value is None:
        return []
    items = [v.strip() for v in value.split(",") if v.strip()]
    try:
        return [cast(v) for v in items]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated {what}s, got {value!r}") from None
