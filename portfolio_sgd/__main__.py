"""``python -m portfolio_sgd``: the command line (also what ``torchrun -m portfolio_sgd`` runs).

Under torchrun, ``--split runs`` (anywhere on the line) divides the runs of a sweep
(``frontier``, ``optimize --bootstrap``) among the ranks, each with all the data,
instead of sharding the scenarios (``--split data``, the default); rank 0 alone writes
the output.
"""

from __future__ import annotations

import contextlib
import os
import sys

from .cli import main
from .cli.lazy import Lazy
from .errors import ConfigError

SPLIT_CHOICES = ("data", "runs")
TORCHRUN_KEYS = ("RANK", "WORLD_SIZE")
"""What :func:`portfolio_sgd.distributed.launched_by_torchrun` checks, read here without
importing the distributed package (which imports torch)."""
SPLIT_RUNS = Lazy("portfolio_sgd.distributed.split:split_runs")
"""The run splitter, named (its package imports torch; ``--help`` stays fast)."""


def under_torchrun() -> bool:
    """Whether this process is a torchrun worker (RANK and WORLD_SIZE are set)."""
    return all(key in os.environ for key in TORCHRUN_KEYS)


def split_mode(argv: list[str]) -> tuple[str, list[str]]:
    """The ``--split`` value ("data" by default) and the arguments without it."""
    rest, mode, i = [], "data", 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--split" or arg.startswith("--split="):
            value = (
                arg.split("=", 1)[1] if "=" in arg else (argv[i + 1] if i + 1 < len(argv) else "")
            )
            if value not in SPLIT_CHOICES:
                raise ConfigError(f"--split must be 'data' or 'runs', got {value!r}")
            mode, i = value, i + (1 if "=" in arg else 2)
            continue
        rest.append(arg)
        i += 1
    return mode, rest


def run(argv: list[str]) -> None:
    """The CLI on ``argv``, with the runs split among torchrun ranks when asked."""
    try:
        mode, argv = split_mode(argv)
    except ConfigError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    if mode == "data" or not under_torchrun():
        main(args=argv)  # no torch import here: `python -m portfolio_sgd --help` is fast
        return
    with SPLIT_RUNS() as ctx, contextlib.ExitStack() as stack:
        if not ctx.is_main:  # rank 0 alone prints, warns and writes; errors show everywhere
            stack.enter_context(contextlib.redirect_stdout(open(os.devnull, "w")))  # noqa: SIM115
            stack.enter_context(contextlib.redirect_stderr(ErrorsOnly(sys.stderr)))
            argv = _without_output(argv)
        main(args=argv)


class ErrorsOnly:
    """A text stream that passes on only ``Error:`` lines (and anything not a diagnostic
    line): the stderr of ranks other than 0, so a warning is printed once, not per rank."""

    QUIET = ("warning:", "info:", "note:", "wrote ")

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream = stream
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            if not line.startswith(self.QUIET):
                self.stream.write(line + "\n")
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def isatty(self) -> bool:
        return False


def _without_output(argv: list[str]) -> list[str]:
    """``argv`` without ``--output``/``-o`` (and the plot/save paths) for ranks other than 0."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("--output", "-o", "--plot"):
            skip = True
            continue
        if arg.startswith(("--output=", "--plot=")):
            continue
        out.append(arg)
    return out


if __name__ == "__main__":
    run(sys.argv[1:])
