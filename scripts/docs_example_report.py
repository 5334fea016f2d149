"""mkdocs hook: build an example report for the site, so the docs embed a real one.

``mkdocs.yml`` lists this file under ``hooks``. When mkdocs collects the site's files, it
runs ``python -m portfolio_sgd report`` on the bundled sp500 data (2019-2022, with a
quarterly min-variance backtest) into a temporary folder and adds the page to the site as
``example-report.html``, which ``docs/report.md`` links to and embeds (so ``--strict``
checks the link). The report is generated at every build, never committed.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.structure.files import File, Files

NAME = "example-report.html"
COMMAND = [
    *("report", "--start", "2019-01-01", "--backtest", "sgd:min-variance"),
    *("--rebalance-every", "63"),
]
_FOLDER = tempfile.TemporaryDirectory(prefix="portfolio-sgd-docs-")


def on_files(files: Files, config) -> Files:  # noqa: ANN001 (mkdocs' hook signature)
    """Add the freshly built example report to the site; fail the build if it fails."""
    target = Path(_FOLDER.name) / NAME
    command = [sys.executable, "-m", "portfolio_sgd", *COMMAND, "--output", str(target)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the example report failed: {done.stderr.strip()[-500:]}")
    files.append(File.generated(config, NAME, abs_src_path=str(target)))
    return files
