"""``--help`` reads in groups, lists every option, and documents the backtest spec keys."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli.main import COMMANDS, main
from portfolio_sgd.cli.sections import DATA, ENGINE, OBJECTIVE, OTHER, OUTPUT, sections_of


def _help(*args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--help"], prog_name="portfolio-sgd")
    assert result.exit_code == 0, result.output
    return result.stdout


def _command(name: str) -> click.Command:
    ctx = main.make_context("portfolio-sgd", ["--help"], resilient_parsing=True)
    command = main.get_command(ctx, name)
    assert command is not None
    return command


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_option_is_in_a_labelled_group_and_in_the_help(name: str) -> None:
    command = _command(name)
    groups = sections_of(command)
    assert set(groups.get(OTHER, [])) <= {"help"}, groups.get(OTHER)
    text = _help(name)
    for param in command.params:
        if isinstance(param, click.Option):
            assert not param.hidden
            assert param.opts[0] in text, param.opts[0]


@pytest.mark.parametrize("name", ["optimize", "frontier", "risk", "backtest"])
def test_groups_come_in_order_data_objective_output_engine(name: str) -> None:
    text = _help(name)
    titles = [t for t in (DATA, OBJECTIVE, OUTPUT, ENGINE) if f"\n{t}:\n" in text]
    positions = [text.index(f"\n{t}:\n") for t in titles]
    assert positions == sorted(positions), titles
    assert DATA in titles and OUTPUT in titles and ENGINE in titles
    # the engine internals come after --format and --error-bars, not before
    assert text.index("--format") < text.index("--seed INTEGER")
    if name == "optimize":
        assert text.index("--error-bars") < text.index("--lr ")
        assert text.index("--quiet") < text.index("--batch-size")


@pytest.mark.parametrize("name", ["optimize", "frontier"])
def test_split_is_documented(name: str) -> None:
    text = _help(name)
    assert "--split [data|runs]" in text and "torchrun" in text


def test_split_rejects_a_bad_value_as_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["optimize", "--split", "rows"])
    assert result.exit_code == 2
    assert "Invalid value for '--split'" in result.stderr


def test_every_spec_key_the_parser_accepts_is_in_backtest_help() -> None:
    from portfolio_sgd.backtest import strategies

    text = _help("backtest")
    listed = set(re.findall(r"^\s+([\w/]+)\*?\s{2,}", text, flags=re.M))
    names = {name for entry in listed for name in entry.split("/")}
    assert set(strategies._ALIASES) <= names, set(strategies._ALIASES) - names
    for kind in ("sgd:<objective>", "exact:<objective>", "equal-weight", "buy-and-hold"):
        assert kind in text


def test_the_spec_table_drives_the_parser() -> None:
    from portfolio_sgd.backtest import parse_strategy
    from portfolio_sgd.backtest.specs import SPEC_KEYS
    from portfolio_sgd.errors import ConfigError

    values = {"int": "3", "float": "0.5", "str": "oas"}
    for key in SPEC_KEYS:
        for name in key.names:
            text = f"sgd:min-variance:{name}={values[key.kind]}"
            if key.field == "block_length":
                text += ":resample=3"
            if key.field in ("resample", "block_length"):
                text = text.replace("=0.5", "=2.0")
            if key.field == "cost_horizon":  # periods >= 1, with a cost to amortise
                text = f"sgd:min-variance:cost=10:{name}=2.0"
            parse_strategy(text)  # accepted
        if key.sgd_only:
            with pytest.raises(ConfigError, match="unknown parameter"):
                parse_strategy(f"exact:min-variance:{key.key}={values[key.kind]}")


def test_split_runs_through_the_script_under_torchrun_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    result = CliRunner().invoke(main, ["frontier", "--split", "runs"])
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().startswith("Error: --split runs needs `torchrun")
    assert len(result.stderr.strip().splitlines()) == 1
