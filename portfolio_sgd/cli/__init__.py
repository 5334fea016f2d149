"""Command-line interface: a thin click layer over the library.

Every option maps to a library argument. Domain errors become one ``Error: ...`` line on
stderr and exit code 1; usage errors exit with 2. Results go to stdout, diagnostics and
progress to stderr.
"""

from __future__ import annotations

from .main import main

__all__ = ["main"]
