"""The analyst scripts run end to end on a small window.

All three run as ``__main__`` in one child interpreter (``sys.executable``), so the suite
pays the torch import and first-optimiser start-up once rather than three times.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = {
    "backtest_batch_size.py": "batch_size",
    "backtest_warm_start.py": "warm start saves",
    "backtest_objectives.py": "sgd:kelly",
}
RUNNER = """
import runpy, sys
for path in sys.argv[1:]:
    sys.argv = [path, "--quick", "--start", "2020-01-01"]
    print(f"=== {path}", flush=True)
    runpy.run_path(path, run_name="__main__")
"""


@pytest.mark.slow  # three walk-forward backtests in a child interpreter
def test_scripts_run_on_a_small_window() -> None:
    paths = [str(ROOT / "scripts" / name) for name in SCRIPTS]
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    sections = proc.stdout.split("=== ")[1:]
    assert len(sections) == len(SCRIPTS)
    for section, (name, needle) in zip(sections, SCRIPTS.items(), strict=True):
        assert section.startswith(str(ROOT / "scripts" / name)) and needle in section, section
