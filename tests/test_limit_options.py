"""Every measure's own limit option on the CLI (``--max-cdar 0.1``, ``--max-mad 0.01``).

The options are routed to the same limit path as ``--limit NAME=VALUE`` and the API's
``optimize(..., limit=(name, level))``: the same weights. Bad input is one ``Error:`` line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import portfolio_sgd as ps
from portfolio_sgd.cli.limit_flags import LIMIT_FLAG, rewrite_limit_flags
from portfolio_sgd.cli.main import main
from portfolio_sgd.cli.optimize import optimize_command
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.limits.parse import parse_limit_flag
from portfolio_sgd.measures.registry import limit_measures

START = "2022-01-01"
ARGS = ["optimize", "--objective", "max-return", "--start", START, "--format", "json"]


@pytest.fixture(scope="module")
def panel():  # noqa: ANN201
    return load_returns(dataset="sp500", start=START)


def _cli_weights(*extra: str) -> np.ndarray:
    res = CliRunner().invoke(main, [*ARGS, *extra])
    assert res.exit_code == 0, res.output
    return np.array(list(json.loads(res.stdout)["weights"].values()))


@pytest.mark.parametrize(
    ("option", "name", "level"), [("--max-cdar", "cdar", 0.1), ("--max-mad", "mad", 0.01)]
)
def test_a_measure_option_gives_the_api_weights(
    panel, option: str, name: str, level: float
) -> None:  # noqa: ANN001
    api = ps.optimize(panel, "max-return", limit=(name, level))
    assert (
        api.risk_limit is not None
        and api.risk_limit.measure == parse_limit_flag(f"{option}={level}").measure
    )
    np.testing.assert_allclose(_cli_weights(option, str(level)), api.weights.to_numpy(), atol=1e-12)


def test_every_limit_option_a_message_names_exists() -> None:
    for measure in limit_measures():
        limit = parse_limit_flag(f"{measure.limit_option}=0.5")
        assert limit.measure == measure.name and limit.option == measure.limit_option


def test_the_rewrite_leaves_declared_options_and_values_alone() -> None:
    args = ["--max-weight", "0.2", "--views", "--max-x", "--max-cdar=0.1", "--max-mad", "0.01"]
    assert rewrite_limit_flags(optimize_command, args) == [
        "--max-weight",
        "0.2",
        "--views",
        "--max-x",
        LIMIT_FLAG,
        "--max-cdar=0.1",
        LIMIT_FLAG,
        "--max-mad=0.01",
    ]
    assert rewrite_limit_flags(optimize_command, ["--", "--max-cdar", "1"])[0] == "--"


@pytest.mark.parametrize(
    "bad",
    [
        ("--max-cdar", "abc"),
        ("--max-cdar", "-1"),
        ("--max-cdar",),
        ("--max-nothing", "0.1"),
        ("--max-cdar", "0.0001", "--max-mad", "0.0001"),  # below the least risk: infeasible
    ],
)
def test_bad_limit_options_are_one_error_line(bad: tuple[str, ...]) -> None:
    res = CliRunner().invoke(main, [*ARGS, *bad])
    assert res.exit_code == 1, res.output
    assert len([line for line in res.output.splitlines() if line.startswith("Error:")]) == 1


def test_several_measure_options_at_once_match_the_api(panel) -> None:  # noqa: ANN001
    api = ps.optimize(panel, "max-return", limits={"cdar": 0.1, "cvar": 0.03})
    cli = _cli_weights("--max-cdar", "0.1", "--max-cvar", "0.03")
    np.testing.assert_allclose(cli, api.weights.to_numpy(), atol=1e-12)


def test_an_unknown_flag_names_the_options_there_are() -> None:
    with pytest.raises(ConfigError, match="--max-cdar"):
        parse_limit_flag("--max-nothing=0.1")


def test_help_lists_the_measure_options() -> None:
    res = CliRunner().invoke(main, ["optimize", "--help"])
    assert res.exit_code == 0 and f"{LIMIT_FLAG} VALUE" in res.stdout and "--max-cdar" in res.stdout
