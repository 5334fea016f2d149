"""Run the portfolio-sgd CLI and write this process's peak RSS (VmHWM) to a file at exit.

``python -m benchmarks.rss_child OUT_DIR optimize ...`` (under torchrun: ``torchrun ...
-m benchmarks.rss_child OUT_DIR optimize ...``) writes ``OUT_DIR/rank<RANK>.mb`` (``single``
without torchrun): the peak resident set in MB, read from ``/proc/self/status`` VmHWM.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path


def peak_rss_mb() -> float:
    """VmHWM of this process in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    out = Path(sys.argv[1])
    name = f"rank{os.environ['RANK']}" if "RANK" in os.environ else "single"
    atexit.register(lambda: (out / f"{name}.mb").write_text(f"{peak_rss_mb():.1f}\n"))
    from portfolio_sgd.cli import main as cli

    sys.argv = ["portfolio-sgd", *sys.argv[2:]]
    cli()


if __name__ == "__main__":
    main()
