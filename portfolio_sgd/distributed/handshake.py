"""The first collective of a group: every rank runs the same versions and arguments.

Ranks on different nodes may have different installs. Before any data is read, each
rank's package, torch and Python versions and a hash of its arguments are gathered;
any difference ends the run on every rank. Rank 0 raises a :class:`ConfigError` naming
the first rank that differs (one ``Error:`` line); the other ranks wait until rank 0's
process ends (its connection closes) and leave with exit status 1 and no message, so
the error is printed once and a launcher sees rank 0 fail first.
"""

from __future__ import annotations

import hashlib
import platform
import sys
from collections.abc import Sequence
from importlib import metadata

import torch

from ..errors import ConfigError
from .context import DistContext
from .failure import collective_guard

PACKAGE = "portfolio-sgd"


def package_version() -> str:
    """The installed version of this package ("unknown" when it is not installed)."""
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "unknown"


def identity(arguments: Sequence[str]) -> tuple[str, str]:
    """``(versions, arguments hash)`` of this rank."""
    versions = f"{PACKAGE} {package_version()}, torch {torch.__version__}, "
    versions += f"Python {platform.python_version()}"
    digest = hashlib.sha256("\0".join(arguments).encode()).hexdigest()[:12]
    return versions, digest


def check_same_setup(ctx: DistContext, arguments: Sequence[str] = ()) -> None:
    """Raise on rank 0 (exit quietly elsewhere) when the ranks' versions or arguments differ.

    Parameters
    ----------
    ctx : DistContext
    arguments : sequence of str
        What the rank was started with (the command line), compared by hash.

    Raises
    ------
    ConfigError
        On rank 0, naming the first rank that differs from it.
    SystemExit
        On the other ranks, with status 1, after rank 0's process has ended.
    """
    if not ctx.active:
        return
    mine = identity(arguments)
    with collective_guard("the start-up check of versions and arguments"):
        every = ctx.gather_objects(mine)
    message = _difference(every)
    if message is None:
        return
    if ctx.is_main:
        raise ConfigError(message)
    ctx.wait_for_main_exit()
    sys.exit(1)


def _difference(every: list) -> str | None:
    """The first difference from rank 0 of ``every`` rank's identity, as one line."""
    versions0, args0 = every[0]
    for rank, (versions, args) in enumerate(every):
        if versions != versions0:
            return (
                f"ranks run different versions: rank 0 has {versions0}, rank {rank} has "
                f"{versions}; install the same versions on every node"
            )
        if args != args0:
            return (
                f"ranks were started with different arguments (rank {rank}'s differ from "
                "rank 0's); start every rank with the same command line"
            )
    return None
