"""Every shell example in README.md and docs/ runs as written, from an empty folder.

Conventions of the markdown (the README says so too):

- A ```bash block holds only ``portfolio-sgd ...`` commands (one per line, ``\\``
  continues a line, ``#`` starts a comment). Each is run in a fresh temporary folder
  where ``portfolio-sgd examples .`` has written the example input files (an
  ``examples`` command itself runs in an empty folder).
- A line with the comment ``# not run in CI: <reason>`` is skipped (network downloads).
- ```console and ```text blocks are shown, never run (set-up, torchrun launches,
  transcripts with output).

The executable is ``$PORTFOLIO_SGD_BIN/portfolio-sgd`` when that variable is set (a
folder, e.g. a virtualenv's ``bin`` with the built wheel installed), else the one next to
the running Python. One test per command, so pytest-xdist spreads them.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SKIP_MARK = "# not run in CI:"
TIMEOUT_S = 240  # per command; each takes a few seconds, most of them importing torch


@dataclass(frozen=True)
class Block:
    source: str  # "docs/guide/costs.md:12"
    commands: tuple[str, ...]
    skipped: tuple[str, ...]


def markdown_files() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def bash_blocks(path: Path) -> list[Block]:
    """The ```bash blocks of one markdown file, with their commands joined and split."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```bash":
            i += 1
            continue
        start = i + 1
        body: list[str] = []
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            body.append(lines[i])
            i += 1
        i += 1
        commands: list[str] = []
        skipped: list[str] = []
        pending = ""
        for raw in body:
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            pending = ""
            if not line or line.startswith("#"):
                continue
            (skipped if SKIP_MARK in line else commands).append(line)
        rel = path.relative_to(REPO).as_posix()
        blocks.append(Block(f"{rel}:{start}", tuple(commands), tuple(skipped)))
    return blocks


BLOCKS = [block for path in markdown_files() for block in bash_blocks(path)]


def executable() -> str:
    folder = os.environ.get("PORTFOLIO_SGD_BIN") or str(Path(sys.executable).parent)
    exe = Path(folder) / "portfolio-sgd"
    if not exe.exists():
        pytest.fail(f"no portfolio-sgd executable in {folder} (set PORTFOLIO_SGD_BIN)")
    return str(exe)


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
    )


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = dict(os.environ)
    env["PORTFOLIO_SGD_CACHE"] = str(tmp_path_factory.mktemp("cache"))  # never the home cache
    env["MPLBACKEND"] = "Agg"
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


@pytest.fixture(scope="module")
def example_files(tmp_path_factory: pytest.TempPathFactory, environment) -> Path:
    """A folder where ``portfolio-sgd examples .`` ran once (copied into each block's)."""
    folder = tmp_path_factory.mktemp("examples")
    done = run([executable(), "examples", "."], folder, environment)
    assert done.returncode == 0, done.stderr
    return folder


def test_blocks_found_and_every_command_is_portfolio_sgd() -> None:
    assert len(BLOCKS) >= 10, "expected the README and docs to hold bash examples"
    readme = [b for b in BLOCKS if b.source.startswith("README.md")]
    assert readme and sum(len(b.commands) for b in readme) >= 5
    for block in BLOCKS:
        for command in block.commands + block.skipped:
            assert shlex.split(command, comments=True)[0] == "portfolio-sgd", (
                f"{block.source}: a bash block holds only portfolio-sgd commands; "
                f"show other commands in a console block: {command!r}"
            )


def test_skipped_lines_say_why() -> None:
    for block in BLOCKS:
        for line in block.skipped:
            reason = line.split(SKIP_MARK, 1)[1].strip()
            assert reason, f"{block.source}: {line!r} gives no reason"


COMMANDS = [
    (f"{block.source}#{i}", command)
    for block in BLOCKS
    for i, command in enumerate(block.commands, start=1)
]


@pytest.mark.parametrize(("where", "command"), COMMANDS, ids=[w for w, _ in COMMANDS])
def test_bash_command_runs(
    where: str, command: str, tmp_path: Path, environment, example_files
) -> None:
    """One command of a bash block, in a fresh folder holding the example files.

    ``portfolio-sgd examples ...`` runs in an empty folder instead (it refuses to replace
    files), which is where a reader following the block would run it.
    """
    argv = shlex.split(command, comments=True)
    if argv[1:2] != ["examples"]:
        for file in example_files.iterdir():
            shutil.copy(file, tmp_path / file.name)
    done = run([executable(), *argv[1:]], tmp_path, environment)
    assert done.returncode == 0, (
        f"{where}: {command!r} exited {done.returncode}\n{done.stderr[-3000:]}"
    )
