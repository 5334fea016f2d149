"""Honest progress: periodic lines off a terminal (fake clock), no false total, --quiet."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from portfolio_sgd.utils.progress import Progress, ProgressLines, progress_lines


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_lines_start_after_the_delay_then_come_every_interval() -> None:
    clock, written = FakeClock(), []
    with progress_lines("optimize", written.append, interval=10, delay=5, clock=clock):
        p = Progress(False, desc="SGD steps", unit="step")
        for _ in range(40):  # 40 steps, 0.5 s each: 20 s in all
            clock.now += 0.5
            p.update()
            if p.n == 20:
                p.set_objective(1.25e-4)
        p.close()
    # first line once 5 s have passed (step 10), then at 15 s (step 30)
    assert written == ["optimize: step 10, 5 s", "optimize: step 30, 15 s, objective 0.000125"]


def test_a_short_run_prints_nothing() -> None:
    clock, written = FakeClock(), []
    with progress_lines("risk", written.append, interval=10, delay=5, clock=clock):
        p = Progress(False, desc="SGD steps", unit="step")
        for _ in range(100):
            clock.now += 0.04  # 4 s in all
            p.update()
        p.close()
    assert written == []


def test_nested_loops_show_the_total_only_where_it_is_reached() -> None:
    clock, written = FakeClock(), []
    with progress_lines("backtest", written.append, interval=10, delay=2, clock=clock):
        outer = Progress(False, desc="rebalances", unit="rebalance", total=40)
        outer.update(12)
        inner = Progress(False, desc="SGD steps", unit="step")
        clock.now += 3
        inner.update(150)
        inner.close()
    assert written == ["backtest: rebalance 12/40, step 150, 3 s"]


def test_runs_are_counted_when_one_study_runs_the_engine_many_times() -> None:
    clock, written = FakeClock(), []
    with progress_lines("risk", written.append, interval=10, delay=60, clock=clock) as lines:
        assert isinstance(lines, ProgressLines)
        for _ in range(3):
            Progress(False, desc="SGD steps", unit="step").close()
        p = Progress(False, desc="SGD steps", unit="step")
        clock.now += 7
        p.n = 300
        assert lines.line() == "risk: step 300 (run 4), 7 s"


def test_without_an_open_block_the_library_writes_nothing(capsys) -> None:
    p = Progress(False, desc="SGD steps", unit="step")
    for _ in range(10):
        p.update()
    p.close()
    assert capsys.readouterr() == ("", "")


def test_the_engine_bar_has_no_total_to_a_step_cap_it_rarely_reaches() -> None:
    from portfolio_sgd.engine.config import EngineConfig
    from portfolio_sgd.engine.loop import _progress

    progress = _progress(EngineConfig(max_steps_default=20_000))
    assert progress.total is None and progress.unit == "step"
    progress.close()


@pytest.fixture
def fast_lines(monkeypatch):
    import portfolio_sgd.cli.progress as cli_progress

    monkeypatch.setattr(cli_progress, "INTERVAL", 0.0)
    monkeypatch.setattr(cli_progress, "DELAY", 0.0)


def test_optimize_off_a_terminal_prints_progress_lines_on_stderr(fast_lines) -> None:
    from portfolio_sgd.cli import main

    # the exact finish off: min-variance would otherwise be solved before any step
    args = ["optimize", "--objective", "min-variance", "--steps", "60", "--no-cvar-polish"]
    args += ["--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)  # the result alone on stdout
    lines = [x for x in result.stderr.splitlines() if x.startswith("optimize: step ")]
    assert lines and all(" s" in x for x in lines)
    assert any("objective" in x for x in lines)

    quiet = CliRunner().invoke(main, [*args, "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert "optimize: step" not in quiet.stderr


def test_the_heartbeat_writes_between_loops_without_touching_tensors() -> None:
    import threading

    clock, written, seen = FakeClock(), [], threading.Event()

    def write(line: str) -> None:
        written.append(line)
        seen.set()

    with progress_lines("risk", write, interval=0.1, delay=5, clock=clock, heartbeat=True):
        p = Progress(False, desc="SGD steps", unit="step")
        p.set_objective(object())  # not a number: the heartbeat must not convert it
        clock.now += 16  # e.g. an exact reference solve, no loop running
        assert seen.wait(2.0)
        p.close()
    assert written[0] == "risk: step 0, 16 s"
