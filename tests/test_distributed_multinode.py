"""Two torchrun "nodes" on the loopback give the single-process answer (docs/multi-node.md).

Node 0 and node 1 are two ``torchrun --nnodes 2 --node-rank R --nproc-per-node 1
--master-addr 127.0.0.1 --master-port P`` invocations (the static rendezvous), each
reading its half of a CSV file; their result must equal one plain process on the
same arguments: objective within 1e-9 relative, weights within 1e-6, and the same
certificate verdict. Slow: three processes import torch and two agents rendezvous.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from portfolio_sgd.distributed.launch import free_port

ROOT = Path(__file__).resolve().parents[1]
TORCHRUN = Path(sys.executable).with_name("torchrun")


def panel(path: Path) -> Path:
    """A 4000 x 12 factor-model panel saved as CSV (a date column, one per asset)."""
    rng = np.random.default_rng(5)
    factors = rng.normal(0.0, 0.01, (4000, 2))
    loadings = rng.uniform(0.3, 1.2, (2, 12))
    values = 3e-4 + factors @ loadings / 2 + rng.normal(0.0, 0.01, (4000, 12))
    index = pd.bdate_range("2000-01-03", periods=len(values), name="Date")
    columns = [f"A{i:02d}" for i in range(values.shape[1])]
    pd.DataFrame(values, index=index, columns=columns).to_csv(path, float_format="%.17g")
    return path


def env() -> dict[str, str]:
    return {
        **os.environ,
        "OMP_NUM_THREADS": "1",
        "PORTFOLIO_SGD_JOIN_TIMEOUT": "120",
        "TORCH_CPP_LOG_LEVEL": "FATAL",
    }


def node(rank: int, port: int, args: list[str]) -> subprocess.Popen:
    command = [
        str(TORCHRUN),
        "--nnodes",
        "2",
        "--node-rank",
        str(rank),
        "--nproc-per-node",
        "1",
        "--master-addr",
        "127.0.0.1",
        "--master-port",
        str(port),
        "-m",
        "portfolio_sgd",
        *args,
    ]
    return subprocess.Popen(command, env=env(), cwd=ROOT, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("objective", ["min-variance", "cvar"])
def test_two_nodes_on_the_loopback_equal_one_process(tmp_path, objective) -> None:
    data = panel(tmp_path / "panel.csv")
    args = ["optimize", "--returns", str(data), "--objective", objective, "--format", "json"]
    single = subprocess.run(
        [sys.executable, "-m", "portfolio_sgd", *args, "--output", str(tmp_path / "one.json")],
        env=env(),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert single.returncode == 0, single.stderr
    port = free_port()
    out = ["--output", str(tmp_path / "two.json")]
    nodes = [node(0, port, args + out), node(1, port, args + out)]
    for proc in nodes:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err[-2000:]
    one = json.loads((tmp_path / "one.json").read_text())
    two = json.loads((tmp_path / "two.json").read_text())
    assert two["world_size"] == 2
    value1, value2 = one["objective_value"], two["objective_value"]
    assert abs(value2 - value1) <= 1e-9 * abs(value1)
    w1 = np.array([one["weights"][k] for k in sorted(one["weights"])])
    w2 = np.array([two["weights"][k] for k in sorted(two["weights"])])
    assert np.abs(w2 - w1).max() <= 1e-6
    assert one["converged"] == two["converged"]
