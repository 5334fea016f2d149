"""The allocators by name: ``hrp``, ``herc``, ``nco`` and the naive baselines.

Each :class:`Allocator` names its algorithm, its redistribution rule
(:mod:`.redistribute`) and what it uses (a tree, a measure). ``optimize(returns,
objective="hrp")`` and ``--objective hrp`` reach them through :func:`allocator_name`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .allocation import Allocation, Inputs
from .herc import herc_weights
from .hrp import hrp_weights
from .naive import equal_weights, inverse_volatility_weights, max_diversification_weights
from .nco import nco_weights


@dataclass(frozen=True)
class Allocator:
    """One allocator.

    Attributes
    ----------
    name : str
    aliases : tuple of str
    rule : {"relative", "euclidean"}
        How its weights are made feasible when they are not.
    uses_tree, uses_measure : bool
        Whether it reads the tree settings (linkage, distance) and the measure.
    takes_prior : bool
        Whether it measures risks on a prior's scenarios (HRP, HERC, inverse
        volatility: skfolio's estimators that take a ``prior_estimator``).
    run : callable
        ``Inputs -> Allocation``.
    """

    name: str
    aliases: tuple[str, ...]
    rule: str
    uses_tree: bool
    uses_measure: bool
    run: Callable[[Inputs], Allocation]
    takes_prior: bool = False


def _hrp(inputs: Inputs) -> Allocation:
    order = inputs.tree.seriation()
    spec = inputs.spec
    w = hrp_weights(inputs.values, order, inputs.measure, spec.alpha, inputs.lower, inputs.upper)
    return Allocation(w, order=order, tree=inputs.tree)


def _herc(inputs: Inputs) -> Allocation:
    labels = inputs.labels()
    w = herc_weights(inputs.values, inputs.tree, labels, inputs.measure, inputs.spec.alpha)
    return Allocation(w, labels=labels, tree=inputs.tree)


def _nco(inputs: Inputs) -> Allocation:
    labels = inputs.labels()
    spec = inputs.spec
    w = nco_weights(
        inputs.returns, labels, spec.inner, spec.outer, inputs.solve, spec.cv, inputs.config
    )
    return Allocation(w, labels=labels, tree=inputs.tree)


ALLOCATORS: tuple[Allocator, ...] = (
    Allocator("hrp", ("hierarchical-risk-parity",), "relative", True, True, _hrp, True),
    Allocator(
        "herc", ("hierarchical-equal-risk-contribution",), "relative", True, True, _herc, True
    ),
    Allocator("nco", ("nested-clusters",), "euclidean", True, False, _nco),
    Allocator(
        "equal-weight",
        ("equal-weighted", "1/n"),
        "euclidean",
        False,
        False,
        lambda i: Allocation(equal_weights(i.returns.shape[1])),
    ),
    Allocator(
        "inverse-volatility",
        ("inverse-vol",),
        "euclidean",
        False,
        False,
        lambda i: Allocation(inverse_volatility_weights(i.values)),
        True,
    ),
    Allocator(
        "max-diversification",
        ("maximum-diversification",),
        "euclidean",
        False,
        False,
        lambda i: Allocation(max_diversification_weights(i.returns, i.config)),
    ),
)
"""Every allocator, in the order the CLI lists them."""


def allocator_names() -> list[str]:
    """The allocators' names."""
    return [a.name for a in ALLOCATORS]


def allocator_name(value: object) -> str | None:
    """The allocator named by ``value`` (name or alias; case and ``_`` normalised), else None."""
    raw = getattr(value, "value", value)
    if not isinstance(raw, str):
        return None
    key = raw.strip().lower().replace("_", "-").replace(" ", "-")
    for allocator in ALLOCATORS:
        if key == allocator.name or key in allocator.aliases:
            return allocator.name
    return None


def get_allocator(name: str) -> Allocator:
    """The allocator registered as ``name`` (a canonical name; KeyError otherwise)."""
    for allocator in ALLOCATORS:
        if allocator.name == name:
            return allocator
    raise KeyError(name)
