"""Public names of a package imported on first use (PEP 562), so that importing the
package (and ``--help``) loads no heavy module until a name is asked for."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_names"]


def lazy_names(
    package: str, public: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``(__getattr__, __dir__)`` of ``package`` whose public names live in the
    modules ``public`` maps them to (relative names, e.g. ``{"Constraints": ".feasible_set"}``).

    ``__getattr__`` imports a name's module on first use and caches the name in the package;
    any other name is an ``AttributeError``, as for a plain module.
    """

    def __getattr__(name: str) -> Any:
        module = public.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *public})

    return __getattr__, __dir__
