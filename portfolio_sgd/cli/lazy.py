"""The command line's one lazy mechanism: a callable named by ``"module:attribute"``.

``--help`` must answer without loading the library (torch, numpy, pandas): a command's
declaration module (its click options) imports nothing heavy, and everything that runs
is named, not imported: :data:`portfolio_sgd.cli.main.COMMANDS` names each command, and
a command's callback calls a :class:`Lazy` naming its run function in the command's run
module (``optimize`` -> ``portfolio_sgd.cli.optimize_run:run_optimize``), which imports
the library at its top. :func:`resolve` is the only place that imports by name.
``tests/test_cli_startup.py`` checks that ``--help`` of every command loads no torch.
"""

from __future__ import annotations

import importlib
from typing import Any


def resolve(target: str) -> Any:
    """The object ``"package.module:attribute"`` names, importing its module."""
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


class Lazy:
    """A function named by ``"module:attribute"``, imported on its first call.

    Parameters
    ----------
    target : str
        ``"package.module:function"``.
    """

    def __init__(self, target: str) -> None:
        self.target = target

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the named function with the arguments given."""
        return resolve(self.target)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Lazy({self.target!r})"
