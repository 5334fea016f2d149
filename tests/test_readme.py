"""The README's Python example runs as written (so the documentation stays true)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    assert blocks, "the README has no Python example"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)  # noqa: S102
    weights = namespace["model"].weights_
    assert abs(weights.sum() - 1) < 1e-9 and weights.max() <= 0.15 + 1e-12
    assert namespace["sweep"].weights.shape == (64, weights.shape[0])
    gap = (namespace["model"].result_.objective_value - namespace["exact"].value) / namespace[
        "exact"
    ].value
    assert gap < 1e-3
