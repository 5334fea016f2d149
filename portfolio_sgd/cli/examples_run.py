"""``portfolio-sgd examples``, the run (imported when the command runs; :mod:`.examples`
declares it)."""

from __future__ import annotations

from pathlib import Path

from ..data import examples


def write_examples(directory: str, overwrite: bool) -> list[tuple[Path, str]]:
    """Write the example files into ``directory``: each path written, with what it holds."""
    paths = examples.write_examples(directory, overwrite=overwrite)
    return [(path, examples.EXAMPLE_FILES[path.name]) for path in paths]
