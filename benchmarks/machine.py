"""Description of the machine a result was measured on."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def code_version() -> dict[str, str]:
    """Commit of the checkout and a hash of uncommitted changes to the package (read-only git)."""
    import hashlib
    import subprocess
    from importlib.util import find_spec

    spec = find_spec("portfolio_sgd")
    origin = spec.origin if spec is not None and spec.origin else __file__
    root = Path(origin).resolve().parent.parent  # the checkout holding the package
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        diff = subprocess.run(
            ["git", "diff", "HEAD", "--", "portfolio_sgd"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return {"commit": "unknown", "package_diff_sha1": "unknown"}
    return {
        "commit": head,
        "package_diff_sha1": hashlib.sha1(diff).hexdigest() if diff else "clean",
    }


def machine_info(threads: int) -> dict[str, Any]:
    """CPU model, cores, RAM, library versions, torch threads, device, load average.

    torch is not imported here (the parent process stays light); the bandwidth worker
    reports torch's own view (threads, CUDA availability).
    """
    from importlib import metadata

    import psutil

    versions: dict[str, str] = {}
    for dist in ("torch", "numpy", "cvxpy", "clarabel", "skfolio", "portfolio-sgd"):
        try:
            versions[dist.replace("-", "_")] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist.replace("-", "_")] = "not installed"
    return {
        "cpu": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "physical_cores": psutil.cpu_count(logical=False),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "torch_threads": int(threads),
        "device": "cpu",
        "load_average_at_start": list(os.getloadavg()),
        "code": code_version(),
    }
