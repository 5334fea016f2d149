"""``risk --study scaling|annealing`` with --batch-sizes: no size dropped silently, and a
readable table header (regressions of issue 22)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli import main
from portfolio_sgd.estimation.batch_size.report import format_table

FAST = ["--seeds", "2", "--steps", "520", "--draws", "64", "--device", "cpu", "--quiet"]


@pytest.mark.parametrize("study", ["scaling", "annealing"])
def test_several_batch_sizes_for_a_study_are_refused_not_dropped(study: str) -> None:
    result = CliRunner().invoke(main, ["risk", "--study", study, "--batch-sizes", "16,64", *FAST])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and result.stderr.strip() == errors[0]
    assert f"--study {study} takes one batch size" in errors[0]
    assert "16,64" in errors[0] and "--batch-sizes 16" in errors[0]


def test_scaling_with_one_explicit_size_uses_it_and_the_header_is_readable() -> None:
    args = ["risk", "--study", "scaling", "--batch-sizes", "16", "--factors", "1,2", *FAST]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    header = next(line for line in result.stdout.splitlines() if line.startswith("series"))
    assert "lrbatch_size" not in header
    assert {"lr", "batch_size", "temperature"} <= set(header.split())
    csv = CliRunner().invoke(main, [*args, "--format", "csv"])
    frame = pd.read_csv(io.StringIO(csv.stdout))
    assert list(frame.loc[frame["series"] == "scaled", "batch_size"]) == [16, 32]


def test_table_headers_longer_than_their_format_never_run_together() -> None:
    frame = pd.DataFrame({"lr": [0.5, 1.0], "batch_size": [16, 32]})
    text = format_table(frame, (("lr", "lr", "{:>14.4g}"), ("batch_size", "batch_size", "{:>8d}")))
    head, *rows = text.splitlines()
    assert head.split() == ["lr", "batch_size"]
    assert [r.split() for r in rows] == [["0.5", "16"], ["1", "32"]]
    assert len({len(head), *map(len, rows)}) == 1  # aligned
