"""``--beta``: the CLI name of the drawdown measures' level (skfolio's ``cdar_beta``).

``--measure cdar --beta 0.9`` is the API's ``optimize(..., measure="cdar", alpha=0.9)``;
``--beta`` with ``--alpha``, or with no measure whose level is a beta, is one error line.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import portfolio_sgd as ps
from portfolio_sgd.cli.beta_level import alpha_with_beta
from portfolio_sgd.cli.main import main
from portfolio_sgd.data import load_returns
from portfolio_sgd.errors import ConfigError
from portfolio_sgd.measures.limit import RiskLimit

START = "2022-07-01"
ARGS = ["optimize", "--objective", "min-risk", "--start", START, "--format", "json"]


def test_beta_is_the_level_of_cdar() -> None:
    res = CliRunner().invoke(main, [*ARGS, "--measure", "cdar", "--beta", "0.9"])
    assert res.exit_code == 0, res.output
    cli = np.array(list(json.loads(res.stdout)["weights"].values()))
    api = ps.optimize(
        load_returns(dataset="sp500", start=START), "min-risk", measure="cdar", alpha=0.9
    )
    assert api.spec.alpha == 0.9
    np.testing.assert_allclose(cli, api.weights.to_numpy(), atol=1e-12)


def test_beta_reaches_a_cdar_limit_and_is_refused_without_one() -> None:
    assert alpha_with_beta(0.95, 0.9, None, [RiskLimit("cdar", 0.1)]) == 0.9
    assert alpha_with_beta(0.95, None, "cdar", []) == 0.95
    with pytest.raises(ConfigError, match="--beta"):
        alpha_with_beta(0.95, 0.9, "variance", [RiskLimit("volatility", 0.2)])


@pytest.mark.parametrize(
    "bad",
    [
        ("--measure", "cdar", "--beta", "0.9", "--alpha", "0.9"),
        ("--measure", "variance", "--beta", "0.9"),
        ("--measure", "cvar", "--beta", "0.9"),
    ],
)
def test_bad_beta_is_one_error_line(bad: tuple[str, ...]) -> None:
    res = CliRunner().invoke(main, [*ARGS, *bad])
    assert res.exit_code == 1, res.output
    assert len([line for line in res.output.splitlines() if line.startswith("Error:")]) == 1
