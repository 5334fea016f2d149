"""Fuzzing the option combinations (issue 23): every combination of optimize, frontier
and backtest options either works or is refused with one ``Error:`` line (exit 1), or is
a click usage error (exit 2); never a traceback, never an exception other than the
package's own.

Hypothesis draws a subset of each command's options and a value for each, edge cases
included (0, negative, above 1, nan, inf, huge; files with hyphenated labels, absent
members, duplicates). The data is fixed and tiny (60 rows x 5 real assets, handed to the
commands in-process: reading files is fuzzed in ``test_fuzz_inputs``) and runs take a
few steps, so the whole module stays around a minute on one core.

The oracle is the CLI's contract, not the numbers: exit code in {0, 1, 2, 3}; on 1
exactly one ``Error:`` line; on 0 or 3 with ``--format json`` stdout is one JSON document.
Runs are reproducible (``derandomize=True``); ``PORTFOLIO_SGD_FUZZ_EXAMPLES`` scales the
number of cases (default 1: 1,040 combinations).
"""

from __future__ import annotations

import functools
import json
import os

import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portfolio_sgd.cli import backtest_run as backtest_cli
from portfolio_sgd.cli import frontier_run as frontier_cli
from portfolio_sgd.cli import main
from portfolio_sgd.cli import optimize_run as optimize_cli
from portfolio_sgd.data import load_returns
from portfolio_sgd.objectives import objective_names

SCALE = float(os.environ.get("PORTFOLIO_SGD_FUZZ_EXAMPLES", "1"))
ROWS, ASSETS = 60, 5


def fuzz(n: int):
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@functools.cache
def tiny() -> pd.DataFrame:
    return load_returns(dataset="sp500").iloc[-ROWS:, :ASSETS]


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, str]:
    """Input files, good and bad, over the tiny data's tickers."""
    t = list(tiny().columns)
    folder = tmp_path_factory.mktemp("options")
    texts = {
        "groups": "asset,group\n" + "".join(f"{a},{g}\n" for a, g in zip(t, "ABABA", strict=True)),
        "groups-hyphen": f"asset,group\n{t[0]},Tech-Growth\n{t[1]},Tech\n{t[2]},Growth\n",
        "groups-absent": f"asset,group\n{t[0]},A\nZZZZ,A\n{t[1]},B\n",
        "groups-dup": f"asset,group\n{t[0]},A\n{t[0]},A\n",
        "prev": "ticker,weight\n" + "".join(f"{a},0.2\n" for a in t),
        "prev-unknown": f"ticker,weight\n{t[0]},0.5\nNOPE,0.5\n",
        "costs": "ticker,bps\n" + "".join(f"{a},{5 * (i + 1)}\n" for i, a in enumerate(t)),
        "costs-dup": f"ticker,bps\n{t[0]},5\n{t[0]},6\n",
        "budgets": "ticker,budget\n" + "".join(f"{a},{i + 1}\n" for i, a in enumerate(t)),
        "budgets-dup": "ticker,budget\n" + "".join(f"{a},1\n" for a in t) + f"{t[0]},2\n",
    }
    out = {}
    for name, text in texts.items():
        path = folder / f"{name}.csv"
        path.write_text(text)
        out[name] = str(path)
    return out


@pytest.fixture(autouse=True)
def tiny_data(monkeypatch) -> None:
    """Every command gets the tiny panel instead of loading the default dataset."""
    for module in (optimize_cli, frontier_cli, backtest_cli):
        monkeypatch.setattr(module, "load_cli_returns", lambda *a, **k: tiny().copy())


NUMBER = st.sampled_from(["0", "-0.1", "0.05", "0.2", "0.5", "1", "2", "1e9", "nan", "inf"])
WEIGHT = st.sampled_from(["-0.5", "-0.1", "0", "0.05", "0.25", "0.5", "1", "1.5", "nan"])
POSITIVE = st.sampled_from(["0.01", "0.1", "0.3", "1", "3", "18", "1e6"])


def _constraint() -> st.SearchStrategy[str]:
    t = list(tiny().columns)
    return st.sampled_from(
        [
            f"{t[0]} <= 0.3",
            f"{t[0]} + {t[1]} >= 0.2",
            "A <= 0.4",
            "B >= 0.9",
            "A == 0.5",
            "Tech-Growth <= 0.01",
            "`Tech-Growth` <= 0.2",
            "Tech - Growth <= 0",
            f"{t[0]} <= 1x",
            "NOPE <= 0.1",
            "A <= B",
            f"2 * {t[2]} <= A",
            "A < 0.3",
            "1 <= 2",
        ]
    )


def _engine() -> dict[str, st.SearchStrategy[list[str]]]:
    """Engine options (steps stay small)."""
    return {
        "--steps": st.sampled_from(["1", "3", "8"]).map(lambda v: ["--steps", v]),
        "--lr": st.sampled_from(["1e-3", "0.5", "1e6", "0", "-1"]).map(lambda v: ["--lr", v]),
        "--optimizer": st.sampled_from(["sgd", "adam"]).map(lambda v: ["--optimizer", v]),
        "--sampling": st.sampled_from(["replacement", "shuffle"]).map(lambda v: ["--sampling", v]),
        "--batch-schedule": st.sampled_from(
            ["constant", "linear-scaling", "log-growth", "geometric"]
        ).map(lambda v: ["--batch-schedule", v]),
        "--averaging": st.sampled_from(["none", "polyak", "tail"]).map(
            lambda v: ["--averaging", v]
        ),
        "--dtype": st.sampled_from(["float32", "float64"]).map(lambda v: ["--dtype", v]),
        "--batch-size": st.sampled_from(["1", "7", "60", "61"]).map(lambda v: ["--batch-size", v]),
        "--tol": st.sampled_from(["0", "1e-3", "-1"]).map(lambda v: ["--tol", v]),
        "--seed": st.sampled_from(["0", "7"]).map(lambda v: ["--seed", v]),
        "--no-precondition": st.just(["--no-precondition"]),
        "--momentum": st.sampled_from(["0", "0.99", "2"]).map(lambda v: ["--momentum", v]),
        "--cvar-smoothing": st.sampled_from(["0", "0.1", "-1"]).map(
            lambda v: ["--cvar-smoothing", v]
        ),
        "--tail-fraction": st.sampled_from(["0", "0.5", "1", "2"]).map(
            lambda v: ["--tail-fraction", v]
        ),
    }


def _mandate(files: dict[str, str]) -> dict[str, st.SearchStrategy[list[str]]]:
    """Objective and constraint options shared by optimize and frontier."""
    groups = [files[k] for k in ("groups", "groups-hyphen", "groups-absent", "groups-dup")]
    return {
        "--min-weight": WEIGHT.map(lambda v: ["--min-weight", v]),
        "--max-weight": WEIGHT.map(lambda v: ["--max-weight", v]),
        "--groups": st.sampled_from(groups).map(lambda v: ["--groups", v]),
        "--allow-absent-members": st.just(["--allow-absent-members"]),
        "--constraint": st.lists(_constraint(), min_size=1, max_size=2).map(
            lambda cs: [x for c in cs for x in ("--constraint", c)]
        ),
        "--alpha": st.sampled_from(["0.5", "0.95", "1", "0", "-1"]).map(lambda v: ["--alpha", v]),
    }


def _optimize_options(files: dict[str, str]) -> dict[str, st.SearchStrategy[list[str]]]:
    t = list(tiny().columns)
    return {
        "--objective": st.sampled_from(objective_names()).map(lambda v: ["--objective", v]),
        **_mandate(files),
        **_engine(),
        "--long-short": st.just(["--long-short"]),
        "--max-leverage": st.sampled_from(["0.5", "1", "1.5", "3"]).map(
            lambda v: ["--max-leverage", v]
        ),
        "--risk-aversion": NUMBER.map(lambda v: ["--risk-aversion", v]),
        "--return-weight": NUMBER.map(lambda v: ["--return-weight", v]),
        "--benchmark": st.sampled_from([t[0], "NOPE"]).map(lambda v: ["--benchmark", v]),
        "--error-bars": st.just(["--error-bars", "--bootstrap", "3"]),
        "--block-length": st.sampled_from(["1", "5.5", "6", "7", "1000"]).map(
            lambda v: ["--block-length", v]
        ),
        "--half-life": st.sampled_from(["1e-6", "5", "20", "1000"]).map(
            lambda v: ["--half-life", v]
        ),
        "--resample": st.just(["--resample", "--bootstrap", "2"]),
        "--shrinkage": st.sampled_from(["none", "ledoit-wolf", "oas"]).map(
            lambda v: ["--shrinkage", v]
        ),
        "--max-volatility": POSITIVE.map(lambda v: ["--max-volatility", v]),
        "--max-cvar": POSITIVE.map(lambda v: ["--max-cvar", v]),
        "--max-assets": st.sampled_from(["0", "1", "2", "5", "9"]).map(
            lambda v: ["--max-assets", v]
        ),
        "--min-position": st.sampled_from(["-0.1", "0", "0.1", "0.5", "2"]).map(
            lambda v: ["--min-position", v]
        ),
        "--previous-weights": st.sampled_from([files["prev"], files["prev-unknown"]]).map(
            lambda v: ["--previous-weights", v]
        ),
        "--cost-bps": st.sampled_from(["0", "10", "1e4"]).map(lambda v: ["--cost-bps", v]),
        "--costs": st.sampled_from([files["costs"], files["costs-dup"]]).map(
            lambda v: ["--costs", v]
        ),
        "--impact": st.sampled_from(["0", "0.01"]).map(lambda v: ["--impact", v]),
        "--max-turnover": st.sampled_from(["0", "0.05", "1"]).map(lambda v: ["--max-turnover", v]),
        "--max-asset-turnover": st.sampled_from(["0", "0.1"]).map(
            lambda v: ["--max-asset-turnover", v]
        ),
        "--budgets": st.sampled_from([files["budgets"], files["budgets-dup"]]).map(
            lambda v: ["--budgets", v]
        ),
        "--format": st.sampled_from(["table", "json", "csv"]).map(lambda v: ["--format", v]),
        "--strict": st.just(["--strict"]),
    }


def _frontier_options(files: dict[str, str]) -> dict[str, st.SearchStrategy[list[str]]]:
    return {
        "--objective": st.sampled_from(["mean-variance", "cvar"]).map(lambda v: ["--objective", v]),
        "--points": st.sampled_from(["2", "3", "5"]).map(lambda v: ["--points", v]),
        **_mandate(files),
        **_engine(),
        "--format": st.sampled_from(["table", "json", "csv"]).map(lambda v: ["--format", v]),
        "--strict": st.just(["--strict"]),
    }


SPECS = [
    "equal-weight",
    "buy-and-hold",
    "sgd:min-variance:steps=3",
    "sgd:mean-variance:lambda=5",
    "sgd:min-variance:cost=10:steps=3",
    "sgd:cvar:alpha=0.9:steps=3",
    "exact:min-variance",
    "sgd:min-variance:block=2:resample=2:steps=3",
    "sgd:min-variance:hl=1e-6",
    "sgd:min-variance:hl=30:steps=3",
    "sgd:risk-parity:steps=3",
    "sgd:kelly:steps=3",
    "sgd:min-variance:turnover=0.05:steps=3",
    "sgd:nope",
    "sgd:min-variance:m=0",
    "sgd:min-variance:shrinkage=oas:steps=3",
    "exact:cvar:alpha=0.9",
    "sgd:min-variance:lr=-1",
]


def _backtest_options() -> dict[str, st.SearchStrategy[list[str]]]:
    return {
        "--strategies": st.lists(st.sampled_from(SPECS), min_size=1, max_size=3).map(
            lambda s: ["--strategies", ",".join(s)]
        ),
        "--lookback": st.sampled_from(["10", "30", "35", "40", "45", "200"]).map(
            lambda v: ["--lookback", v]
        ),
        "--rebalance-every": st.sampled_from(["0", "5", "10", "20", "100"]).map(
            lambda v: ["--rebalance-every", v]
        ),
        "--expanding": st.just(["--expanding"]),
        "--cost-bps": st.sampled_from(["0", "10", "-1"]).map(lambda v: ["--cost-bps", v]),
        "--cold-start": st.just(["--cold-start"]),
        "--benchmark": st.sampled_from([list(tiny().columns)[0], "NOPE"]).map(
            lambda v: ["--benchmark", v]
        ),
        "--format": st.sampled_from(["table", "json"]).map(lambda v: ["--format", v]),
    }


@st.composite
def combos(draw, options: dict[str, st.SearchStrategy[list[str]]], most: int) -> list[str]:
    names = draw(st.lists(st.sampled_from(sorted(options)), max_size=most, unique=True))
    return [x for name in names for x in draw(options[name])]


def check_contract(command: str, args: list[str]) -> None:
    """The CLI contract for one invocation (see the module docstring)."""
    out = CliRunner().invoke(main, [command, *args])
    where = f"portfolio-sgd {command} {' '.join(args)}\n{out.output}"
    if out.exception is not None and not isinstance(out.exception, SystemExit):
        raise AssertionError(f"{type(out.exception).__name__}: {out.exception}\n{where}")
    assert out.exit_code in (0, 1, 2, 3), where
    assert "Traceback" not in out.output, where
    if out.exit_code == 1:
        errors = [line for line in out.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, where
    if out.exit_code in (0, 3) and "--format" in args:
        if args[args.index("--format") + 1] == "json":
            json.loads(out.stdout)  # stdout is the result alone


@fuzz(580)
@given(data=st.data())
def test_optimize_option_combinations(files, data) -> None:
    args = data.draw(combos(_optimize_options(files), 6))
    if "--steps" not in args:
        args += ["--steps", "3"]
    check_contract("optimize", args)


@fuzz(330)
@given(data=st.data())
def test_optimize_mandate_combinations(files, data) -> None:
    """The mandate options alone, more of them at once (where the bugs of issue 23 were)."""
    keys = (
        "--min-weight",
        "--max-weight",
        "--groups",
        "--allow-absent-members",
        "--constraint",
        "--long-short",
        "--max-leverage",
        "--max-assets",
        "--min-position",
        "--max-volatility",
        "--objective",
        "--cost-bps",
        "--previous-weights",
    )
    options = {k: v for k, v in _optimize_options(files).items() if k in keys}
    check_contract("optimize", [*data.draw(combos(options, 7)), "--steps", "3"])


@fuzz(80)
@given(data=st.data())
def test_frontier_option_combinations(files, data) -> None:
    args = data.draw(combos(_frontier_options(files), 6))
    args += [] if "--steps" in args else ["--steps", "3"]
    args += [] if "--points" in args else ["--points", "3"]
    check_contract("frontier", args)


@fuzz(50)
@given(data=st.data())
def test_backtest_option_combinations(data) -> None:
    args = data.draw(combos(_backtest_options(), 5))
    args += [] if "--lookback" in args else ["--lookback", "30"]
    args += [] if "--rebalance-every" in args else ["--rebalance-every", "10"]
    args += [] if "--strategies" in args else ["--strategies", "sgd:min-variance:steps=3"]
    check_contract("backtest", args)
