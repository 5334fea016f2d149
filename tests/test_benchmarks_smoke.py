"""Smoke test of the benchmark suite: its smallest configuration, end to end."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip(
    "cvxpy", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)
pytest.importorskip(
    "psutil", reason="needs the dev extra: pip install -e '.[dev]' (make test installs it)"
)

from benchmarks.run import run_suite  # noqa: E402


@pytest.mark.slow  # three worker processes, each importing torch: ~30 s on 2 quiet cores
def test_tiny_suite_writes_wellformed_outputs(tmp_path):
    doc = run_suite(
        sizes=["tiny"],
        objectives=["cvar"],  # the non-smooth path; one exact solve keeps this < 20 s
        out_dir=tmp_path,
        skfolio=False,
        exact_limit=60.0,
        bandwidth_mb=64,
        label="smoke",
    )
    data = json.loads((tmp_path / "smoke.json").read_text())  # strict JSON (no NaN/inf)
    assert data["config"]["sizes"] == ["tiny"]
    assert data["machine"]["torch_threads"] == 2
    assert data["bandwidth"]["read_bytes_per_s"] > 0
    assert [(r["size"], r["objective"]) for r in data["rows"]] == [("tiny", "cvar")]
    for row in data["rows"]:
        assert row["cvxpy"]["status"] in ("optimal", "optimal_inaccurate")
        assert row["reference_source"] == "cvxpy+clarabel"
        sgd = row["sgd"]
        # Gaps are measured against an independent exact solve: the defaults must reach
        # 1e-3 on this easy problem, and times must be ordered along the trace.
        assert sgd["final_gap"] is not None and sgd["final_gap"] < 1e-3
        assert sgd["t_1e-03"] is not None and 0 < sgd["t_1e-03"] <= sgd["time_total"]
        times = [p[0] for p in sgd["gap_trace"]]
        assert times == sorted(times)
        assert sgd["peak_rss_mb"] > 50
        assert math.isfinite(row["ratio"]["1e-03"]["value"])
    targets = {t["target"] for t in data["targets"]}
    assert any(t.startswith("memory tiny cvar") for t in targets)

    md = (tmp_path / "smoke.md").read_text()
    assert md == doc["markdown"]
    table = [line for line in md.splitlines() if line.startswith("| ")]
    header = table[0]
    assert "SGD → 1e-3" in header and "cvxpy+Clarabel" in header
    n_cols = header.count("|")
    rows = [line for line in table if "tiny" in line and "memory" not in line]
    assert rows and rows[0].count("|") == n_cols
    png = (tmp_path / "smoke_roofline.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
