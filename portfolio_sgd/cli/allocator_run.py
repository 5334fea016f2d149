"""``portfolio-sgd optimize --objective hrp|herc|nco|...``: an allocator's run.

Loads the returns, builds the constraints and engine settings from the same options as
an SGD run, allocates (:func:`portfolio_sgd.optimize` with an
:class:`~portfolio_sgd.allocators.AllocatorSpec`), writes the weights (table, JSON or
CSV) and, with ``--plot``, the dendrogram. Options that need the engine's certificate
or its resampling (``--compare-exact``, ``--error-bars``, risk limits, ...) are refused.
"""

from __future__ import annotations

from typing import Any

import click

from ..allocators import AllocatorSpec, build_tree, distance_matrix, get_allocator
from ..allocators.dendrogram import plot_dendrogram
from ..api import optimize
from ..measures import performance as metrics
from ..results import OptimizationResult
from ..utils.csv_safe import escape_text_cells
from ..utils.jsonable import dumps
from .app import emit
from .settings import load_cli_returns, settings_from_cli

_FLAGS = {
    "budgets_file": "--budgets",
    "n_resamples": "--bootstrap",
    "prior": "--prior/--views",
}
"""Options whose flag is not their parameter name with dashes."""


def _spec(name: str, kwargs: dict[str, Any]) -> AllocatorSpec:
    """The allocator's settings from the parsed options."""
    given = {
        "linkage": kwargs.get("linkage"),
        "distance": kwargs.get("distance"),
        "measure": kwargs.get("measure"),
        "alpha": kwargs.get("alpha"),
        "n_clusters": kwargs.get("n_clusters"),
        "inner": kwargs.get("inner"),
        "outer": kwargs.get("outer"),
        "cv": _nco_cv(kwargs.get("nco_cv")),
    }
    return AllocatorSpec(name, **{k: v for k, v in given.items() if v is not None})


def _nco_cv(value: str | None) -> int | str | None:
    """``--nco-cv``: a number of folds, ``"ignore"``, or None (not given).

    Raises
    ------
    click.BadParameter
        For anything else.
    """
    if value is None or value.strip().lower() == "ignore":
        return None if value is None else "ignore"
    try:
        return int(value)
    except ValueError:
        raise click.BadParameter(
            f"expected a number of folds or 'ignore', got {value!r}", param_hint="--nco-cv"
        ) from None


def run_allocator(
    name: str, fmt: str, output: str | None, refused: dict[str, Any], **kwargs: Any
) -> None:
    """Allocate with ``name`` and emit the result (module docstring).

    Raises
    ------
    click.UsageError
        For an option an allocator does not take (named).
    """
    for option, value in refused.items():
        if value not in (None, False):
            flag = _FLAGS.get(option, "--" + option.replace("_", "-"))
            raise click.UsageError(f"--objective {name} is an allocator: it does not take {flag}")
    returns = load_cli_returns(kwargs)
    engine_only = {**kwargs, "objective": "min-variance", "measure": None}  # measure: the spec's
    _, constraints, config = settings_from_cli(engine_only)
    spec = _spec(name, kwargs)
    result = optimize(returns, spec, constraints, config, prior=kwargs.get("prior"))
    payload = result.to_dict()
    performance = metrics.fixed_weight_performance(returns, result.weights.to_numpy())
    payload["annual_return"] = performance["annual_return"]
    payload["annual_volatility"] = performance["annual_volatility"]
    if fmt == "json":
        emit(dumps(payload), output)
    elif fmt == "csv":
        frame = result.weights.rename("weight").rename_axis("ticker").to_frame()
        emit(escape_text_cells(frame).to_csv(float_format="%.10g").rstrip("\n"), output)
    else:
        emit(_table(result, payload), output)
    plot_path = kwargs.get("plot_path")
    if plot_path:
        if not get_allocator(name).uses_tree:
            raise click.UsageError(f"--plot draws the tree of hrp, herc or nco, not of {name}")
        tree = build_tree(distance_matrix(returns.to_numpy(), spec.distance), spec.linkage)
        clusters = payload["allocator"]["clusters"]  # type: ignore[index]
        plot_dendrogram(tree, list(returns.columns), plot_path, len(clusters) or None)


ALLOCATOR_ONLY = ("linkage", "distance", "n_clusters", "inner", "outer", "plot_path", "nco_cv")
"""Options that only an allocator takes."""


def refuse_allocator_options(kwargs: dict[str, Any]) -> None:
    """Refuse allocator-only options on an SGD run (one line naming the first).

    Raises
    ------
    click.UsageError
    """
    for name in ALLOCATOR_ONLY:
        if kwargs.get(name) is not None:
            option = "--plot" if name == "plot_path" else "--" + name.replace("_", "-")
            raise click.UsageError(
                f"{option} applies to the allocators (--objective hrp, herc, nco, ...)"
            )


def _table(result: OptimizationResult, payload: dict[str, Any]) -> str:
    """The text table of an allocation."""
    info: dict[str, Any] = payload["allocator"]
    w = result.weights.sort_values(ascending=False)
    lines = [
        f"portfolio-sgd: {result.objective} on {len(w)} assets x {result.n_scenarios} "
        f"scenarios ({result.start} .. {result.end})",
        "",
        f"{'ticker':<12}{'weight':>10}",
        *(f"{t:<12}{v:>10.4f}" for t, v in w.items()),
        "",
    ]
    if info["linkage"]:
        lines.append(f"tree                {info['linkage']} linkage, {info['distance']} distance")
    if info["measure"]:
        lines.append(f"risk measure        {info['measure']} ({result.objective_value:.6g})")
    if info["clusters"]:
        lines.append(f"clusters            {len(info['clusters'])}")
    lines += [
        f"annual return       {payload['annual_return']:.2%}",
        f"annual volatility   {payload['annual_volatility']:.2%}",
        f"constraints         {_constraint_summary(result)}; redistribution: "
        f"{info['redistribution']}",
        f"certificate         {result.certificate_method}",
    ]
    return "\n".join(lines)


def _constraint_summary(result: OptimizationResult) -> str:
    """``all met`` or the violated constraints."""
    bad = [str(r["constraint"]) for r in result.constraints_report if r["status"] == "violated"]
    return "all met" if not bad else "VIOLATED: " + ", ".join(bad)
