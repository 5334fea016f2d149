"""The backtest's output folder as one unit, file modes, and the settings it refuses."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from portfolio_sgd.backtest import run_backtest
from portfolio_sgd.backtest.engine import MIN_OUT_OF_SAMPLE_ROWS
from portfolio_sgd.cli import main
from portfolio_sgd.errors import ConfigError, DataError
from portfolio_sgd.utils.atomic import atomic_files, atomic_write_text


def _frame(n_rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2020-01-01", periods=n_rows, name="date")
    return pd.DataFrame(rng.normal(0.0004, 0.01, (n_rows, 3)), index=index, columns=list("ABC"))


@pytest.fixture
def umask():  # noqa: ANN201
    """Set a umask for one test and restore the old one."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def test_save_replaces_a_previous_set_and_writes_a_manifest(tmp_path: Path) -> None:
    out = tmp_path / "bt"
    first = run_backtest(_frame(60, 1), ["equal-weight"], lookback=20, rebalance_every=5)
    second = run_backtest(_frame(60, 2), ["equal-weight"], lookback=20, rebalance_every=1)
    first.save(out)
    written = second.save(out)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in written)
    manifest = json.loads((out / "manifest.json").read_text())["files"]
    for name, digest in manifest.items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest
    equity = pd.read_csv(out / "equity.csv", index_col=0)
    expected = np.cumprod(1.0 + _frame(60, 2).iloc[20:].mean(axis=1).to_numpy())
    np.testing.assert_allclose(equity["equal-weight"].to_numpy(), expected, rtol=1e-10)
    assert [p.name for p in tmp_path.iterdir()] == ["bt"]


def test_save_refuses_a_folder_with_other_files(tmp_path: Path) -> None:
    result = run_backtest(_frame(60), ["equal-weight"], lookback=20, rebalance_every=5)
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="did not write"):
        result.save(home)
    assert [p.name for p in home.iterdir()] == ["notes.txt"]
    managed = tmp_path / "bt"
    result.save(managed)
    (managed / "extra.png").write_bytes(b"not in the manifest")
    with pytest.raises(ConfigError, match="did not write"):
        result.save(managed)
    # a set written before manifests existed (known names and figures only) is replaced
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "equity.csv").write_text("old")
    (legacy / "bt.png").write_bytes(b"old figure")
    result.save(legacy)
    assert not (legacy / "bt.png").exists() and (legacy / "manifest.json").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bt", "home", "legacy"]


@pytest.mark.parametrize(
    ("mask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)]
)
def test_files_honour_the_umask(
    tmp_path: Path, umask, mask: int, file_mode: int, dir_mode: int
) -> None:  # noqa: ANN001
    umask(mask)
    atomic_write_text(tmp_path / "one.txt", "x\n")
    assert stat.S_IMODE((tmp_path / "one.txt").stat().st_mode) == file_mode
    result = run_backtest(_frame(60), ["equal-weight"], lookback=20, rebalance_every=5)
    result.save(tmp_path / "bt")
    assert stat.S_IMODE((tmp_path / "bt").stat().st_mode) == dir_mode
    for path in (tmp_path / "bt").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == file_mode, path.name


def test_atomic_files_change_together_or_not_at_all(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("old a")
    b.write_text("old b")
    with pytest.raises(RuntimeError), atomic_files([a, b]) as (ta, tb):
        ta.write_text("new a")
        raise RuntimeError("disk full")
    assert (a.read_text(), b.read_text()) == ("old a", "old b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
    with atomic_files([a, b]) as (ta, tb):
        ta.write_text("new a")
        tb.write_text("new b")
    assert (a.read_text(), b.read_text()) == ("new a", "new b")


def test_cli_plot_inside_the_output_dir_joins_the_set(tmp_path: Path) -> None:
    path = tmp_path / "returns.csv"
    _frame(60).to_csv(path)
    out = tmp_path / "bt"
    args = [
        "backtest",
        "--returns",
        str(path),
        "--strategies",
        "equal-weight",
        "--lookback",
        "20",
        "--rebalance-every",
        "5",
        "--benchmark",
        "none",
        "--output-dir",
        str(out),
        "--plot",
        str(out / "figs" / "bt.png"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())["files"]
    assert "figs/bt.png" in manifest and (out / "figs" / "bt.png").stat().st_size > 1000
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_too_few_out_of_sample_rows_is_refused() -> None:
    frame = _frame(300)
    with pytest.raises(ConfigError, match=f"at least {MIN_OUT_OF_SAMPLE_ROWS}") as info:
        run_backtest(frame, ["equal-weight"], lookback=299)
    assert "leaves 1 out-of-sample row" in str(info.value) and "at most 280" in str(info.value)
    ok = run_backtest(frame, ["equal-weight"], lookback=280, rebalance_every=21)
    assert len(ok.returns) == MIN_OUT_OF_SAMPLE_ROWS


def test_batch_size_above_the_lookback_is_the_optimize_error(tmp_path: Path) -> None:
    frame = _frame(80)
    with pytest.raises(DataError, match="only 30 rows of returns.*fewer than the batch size 64"):
        run_backtest(frame, ["sgd:min-variance:m=64"], lookback=30)
    path = tmp_path / "returns.csv"
    frame.to_csv(path)
    runner = CliRunner()
    bt = runner.invoke(
        main,
        [
            "backtest",
            "--returns",
            str(path),
            "--strategies",
            "sgd:min-variance:m=64",
            "--lookback",
            "30",
            "--benchmark",
            "none",
        ],
    )
    small = _frame(30)
    small.to_csv(path)
    opt = runner.invoke(main, ["optimize", "--returns", str(path), "--batch-size", "64"])
    for result in (bt, opt):
        assert result.exit_code == 1
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1 and "only 30 rows of returns" in errors[0]
        assert "fewer than the batch size 64" in errors[0]
