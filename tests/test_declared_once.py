"""Settings are declared once: CLI options and estimator parameters come from the records.

A field added to :class:`EngineConfig` (here, on a derived record) becomes a command-line
option and an estimator parameter with its help text, with no second declaration; the
command modules import no library module inside a function (:mod:`portfolio_sgd.cli.lazy`).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from portfolio_sgd.cli.lazy import Lazy, resolve
from portfolio_sgd.cli.options import CLI_ONLY_ENGINE_FIELDS, ENGINE_OPTIONS
from portfolio_sgd.cli.record_options import record_options
from portfolio_sgd.engine.config import EngineConfig, setting
from portfolio_sgd.engine.shorthands import (
    ENGINE_FIELDS,
    ESTIMATOR_SETTINGS,
    SHORTHANDS,
    settings_doc,
    settings_signature,
)
from portfolio_sgd.estimators.sgd_portfolio import SGDPortfolio


@dataclasses.dataclass(frozen=True)
class _Extended(EngineConfig):
    knob_level: float = setting(1.5, "How far to turn the knob.")
    knob_count: int = setting(3, "How many knobs.", min=2)


def test_a_new_engine_field_is_a_cli_option_with_its_help_and_default() -> None:
    options = record_options(_Extended)
    assert set(options) == {f.name for f in dataclasses.fields(_Extended)}

    @click.command()
    @click.option(*options["knob_level"][0], **options["knob_level"][1])
    @click.option(*options["knob_count"][0], **options["knob_count"][1])
    def cmd(knob_level: float, knob_count: int) -> None:
        click.echo(f"{knob_level} {knob_count}")

    text = CliRunner().invoke(cmd, ["--help"]).output
    assert "--knob-level FLOAT" in text and "How far to turn the knob." in text
    assert "[default: 1.5]" in text
    assert "x>=2" in text  # the range from the field's metadata
    assert CliRunner().invoke(cmd, []).output.strip() == "1.5 3"
    assert CliRunner().invoke(cmd, ["--knob-count", "1"]).exit_code == 2


def test_a_new_engine_field_is_an_estimator_parameter_with_its_help() -> None:
    names = [f.name for f in dataclasses.fields(_Extended)]

    def init(self, objective="mean-variance", **settings):  # noqa: ANN001, ANN202
        return None

    parameters = settings_signature(init, names, records=(_Extended,)).parameters
    assert parameters["knob_level"].default is None
    assert parameters["knob_level"].kind is inspect.Parameter.KEYWORD_ONLY
    doc = settings_doc(names, records=(_Extended,))
    assert "knob_level : float, optional" in doc and "How far to turn the knob." in doc


def test_the_estimators_take_every_engine_field() -> None:
    params = SGDPortfolio().get_params()
    assert set(ENGINE_FIELDS) <= set(params) and set(SHORTHANDS) <= set(params)
    assert set(params) == {"objective", "constraints", "config", *ESTIMATOR_SETTINGS}
    assert all(params[name] is None for name in ESTIMATOR_SETTINGS)
    for field in dataclasses.fields(EngineConfig):
        assert field.metadata["help"] in (SGDPortfolio.__doc__ or ""), field.name
    assert "Per-asset upper bound. Overrides ``Constraints.max_weight``." in SGDPortfolio.__doc__
    assert "CVaR confidence level in (0, 1)." in SGDPortfolio.__doc__
    model = SGDPortfolio("min-variance", nesterov=False, batch_size=64)
    assert model.get_params()["nesterov"] is False
    assert "nesterov=False" in repr(model)
    with pytest.raises(TypeError, match="no_such_setting"):
        SGDPortfolio(no_such_setting=1)


def test_the_skfolio_estimators_take_every_engine_field() -> None:
    skfolio = pytest.importorskip("portfolio_sgd.skfolio")
    for cls in (skfolio.SGDMeanRisk, skfolio.SGDRiskBudgeting):
        params = cls().get_params()
        assert set(ENGINE_FIELDS) <= set(params), cls.__name__
        assert cls(cvar_polish=False).get_params()["cvar_polish"] is False


def test_the_cli_engine_options_are_the_engine_fields() -> None:
    assert set(ENGINE_OPTIONS) == set(ENGINE_FIELDS) - set(CLI_ONLY_ENGINE_FIELDS)
    decls, attrs = ENGINE_OPTIONS["cvar_polish"]
    assert decls == ("--cvar-polish/--no-cvar-polish",) and attrs["default"] is True
    decls, attrs = ENGINE_OPTIONS["batch_schedule"]
    assert list(attrs["type"].choices) == ["constant", "linear-scaling", "log-growth", "geometric"]
    assert attrs["default"] == "geometric"


def test_a_lazy_callable_imports_its_target_on_call() -> None:
    assert resolve("portfolio_sgd.engine.shorthands:SHORTHANDS") is SHORTHANDS
    assert Lazy("portfolio_sgd.engine.shorthands:field_names")(_Extended)[-1] == "knob_count"


def test_no_library_import_inside_a_cli_function() -> None:
    folder = Path(__file__).resolve().parents[1] / "portfolio_sgd" / "cli"
    found = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text())
        for func in ast.walk(tree):
            if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.ImportFrom) and (
                    node.level > 0 or (node.module or "").startswith("portfolio_sgd")
                ):
                    found.append(f"{path.name}:{node.lineno}")
                elif isinstance(node, ast.Import) and any(
                    a.name.startswith(("portfolio_sgd", "numpy", "pandas", "torch"))
                    for a in node.names
                ):
                    found.append(f"{path.name}:{node.lineno}")
    assert found == []
