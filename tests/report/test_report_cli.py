"""``portfolio-sgd report`` on bad input: one ``Error:`` line, exit 1, no file written.

Every refusal here happens before the optimisation (or, for a backtest that fails while
running, before the page is written), and no temporary sibling is left behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from portfolio_sgd.cli.main import main

QUICK = ["--start", "2021-01-01", "--bootstrap", "5", "--sections", "summary,reproduce"]


def _run(args: list[str]) -> tuple[int, str]:
    done = CliRunner().invoke(main, ["report", *args])
    return done.exit_code, done.stderr


def _only_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if not line.startswith(("info:", "warning:"))]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: ") and "Traceback" not in stderr
    return lines[0]


def test_unknown_section_is_one_error_line(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, err = _run([*QUICK[:4], "--sections", "summary,nope", "--output", str(out)])
    assert code == 1
    assert "unknown section 'nope'" in _only_error_line(err)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_path_fails_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err = _run([*QUICK, "--output", str(blocker / "r.html")])
    assert code == 1
    assert "cannot write" in _only_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("sgd:nope", "unknown objective"),  # refused while parsing, before optimising
        ("sgd:min-variance:m=5000", "batch size"),  # refused by the backtest itself
    ],
)
def test_failing_backtest_spec_leaves_no_file(tmp_path: Path, spec: str, message: str) -> None:
    out = tmp_path / "r.html"
    args = [
        "--start",
        "2020-01-01",
        "--bootstrap",
        "5",
        "--backtest",
        spec,
        "--sections",
        "summary,backtest",
        "--output",
        str(out),
    ]
    code, err = _run(args)
    assert code == 1
    assert message in _only_error_line(err)
    assert list(tmp_path.iterdir()) == []  # no page, no temporary sibling


def test_backtest_section_without_strategies_is_refused(tmp_path: Path) -> None:
    code, err = _run([*QUICK[:4], "--sections", "backtest", "--output", str(tmp_path / "r.html")])
    assert code == 1
    assert "--backtest" in _only_error_line(err)


def test_bad_compare_spec_is_one_error_line(tmp_path: Path) -> None:
    code, err = _run([*QUICK[:4], "--compare", "cvar:beta=2", "--output", str(tmp_path / "r.html")])
    assert code == 1
    assert "unknown parameter 'beta=2'" in _only_error_line(err)


def test_png_without_kaleido_says_how_to_get_it(tmp_path: Path) -> None:
    pytest.importorskip("plotly")
    import importlib.util

    if importlib.util.find_spec("kaleido") is not None:
        pytest.skip("kaleido is installed: the message is for its absence")
    code, err = _run([*QUICK, "--format", "png", "--output", str(tmp_path / "figs")])
    assert code == 1
    line = _only_error_line(err)
    assert "pip install 'portfolio-sgd[png]'" in line and "chromium" in line
    assert list(tmp_path.iterdir()) == []


def test_summary_and_reproduce_only(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    code, err = _run([*QUICK, "--output", str(out)])
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert 'id="summary"' in text and 'id="reproduce"' in text and 'id="weights"' not in text
    assert "portfolio-sgd report --start 2021-01-01" in text  # the command, rebuilt
