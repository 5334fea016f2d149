"""Each measure's own limit option on the command line: ``--max-cdar 0.1``, ``--max-mad 0.01``.

Every registered measure with a limit names its CLI option (``RiskMeasure.limit_option``,
e.g. ``--max-cdar``, ``--max-drawdown``), and messages name it. Declaring one click option
per measure would need the registry, which imports torch, so ``--help`` would no longer
answer at once. Instead :class:`LimitFlagCommand` rewrites, before click parses, every
``--max-X VALUE`` (or ``--max-X=VALUE``) that the command does not declare itself into the
one option :data:`limit_flag_option` (shown in ``--help`` as ``--max-<measure> VALUE``)
with the value ``--max-X=VALUE``. When the command runs,
:func:`portfolio_sgd.limits.parse.parse_limit_flag` finds the measure whose
``limit_option`` is ``--max-X`` (measures of plugins included) and routes the limit to the
same path as ``--limit NAME=VALUE``; an option no measure has is one ``Error:`` line.
"""

from __future__ import annotations

from typing import Any

import click

from .sections import GroupedCommand

__all__ = ["LIMIT_FLAG", "LimitFlagCommand", "limit_flag_option"]

LIMIT_FLAG = "--max-<measure>"
"""The declared option that carries every rewritten ``--max-X=VALUE``."""

PREFIX = "--max-"
"""What a measure's limit option starts with."""


class _LimitFlagOption(click.Option):
    """The carrier option, listed in ``--help`` as ``--max-<measure> VALUE``."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        return (f"{LIMIT_FLAG} VALUE", str(self.help))


limit_flag_option = click.option(
    LIMIT_FLAG,
    "limit_flags",
    cls=_LimitFlagOption,
    multiple=True,
    help="Risk limit by a measure's own option, repeatable with --objective max-return: "
    "--max-cdar 0.1, --max-mad 0.01, --max-drawdown 0.25, --max-evar, --max-ulcer-index, "
    "... (one per measure with a limit; the same as --limit cdar=0.1).",
)
"""The ``optimize`` option that receives every undeclared ``--max-X VALUE``."""


def _value_options(command: click.Command) -> dict[str, int]:
    """The option strings of ``command`` that take values, and how many (nargs)."""
    out: dict[str, int] = {}
    for param in command.params:
        if isinstance(param, click.Option) and not (param.is_flag or param.count):
            out.update(dict.fromkeys(param.opts, param.nargs))
    return out


def _declared(command: click.Command) -> set[str]:
    """Every option string ``command`` declares (``--max-weight``, ``--max-cvar``, ...)."""
    names: set[str] = set()
    for param in command.params:
        if isinstance(param, click.Option):
            names.update(param.opts, param.secondary_opts)
    return names


def rewrite_limit_flags(command: click.Command, args: list[str]) -> list[str]:
    """``args`` with every undeclared ``--max-X VALUE`` as ``--max-<measure> --max-X=VALUE``.

    Values of the options that take one are skipped (``--views "--max-x"`` stays a value),
    as is everything after ``--``. A last ``--max-X`` without a value passes an empty
    value (refused, as not a number, when the command runs).
    """
    takes = _value_options(command)
    declared = _declared(command)
    out: list[str] = []
    i = 0
    while i < len(args):
        token = args[i]
        name, eq, value = token.partition("=")
        if token == "--":
            return out + args[i:]
        if name in takes and not eq:
            out += args[i : i + 1 + takes[name]]
            i += 1 + takes[name]
            continue
        if name.startswith(PREFIX) and name not in declared:
            if not eq and i + 1 < len(args):
                value, i = args[i + 1], i + 1
            out += [LIMIT_FLAG, f"{name}={value}"]
        else:
            out.append(token)
        i += 1
    return out


class LimitFlagCommand(GroupedCommand):
    """A grouped command that accepts every measure's ``--max-X VALUE`` limit option."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> Any:
        return super().parse_args(ctx, rewrite_limit_flags(self, list(args)))
