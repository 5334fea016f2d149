"""The :class:`Constraints` record: the feasible set as a composition of parts."""

from __future__ import annotations

import functools
import math
import numbers
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch

from ..errors import ConfigError, InfeasibleConstraintError
from .base import ConstraintPart
from .bounds import Bounds
from .budget import Budget
from .cardinality import Cardinality
from .group_kernel import GroupPlan, GroupProjector, disjoint_group_plan
from .groups import groups_to_dict, normalize_groups
from .leverage import Leverage
from .linear import LinearConstraints, normalize_linear, normalize_matrix
from .mandate import (
    bounds_vectors,
    exposure_cap,
    is_classic,
    mandate_dict,
    normalise_mandate,
    resolve_mandate,
    validate_mandate,
)
from .oracle import FeasibleSet
from .projection import Projector, projector_for
from .record import ConstraintsRecord
from .record_checks import (
    check_linear_feasible,
    matrix_width,
    resolved_linear,
    validate_trading,
    vector_length,
)
from .trading.oracle import TradingSet
from .trading.terms import (
    PER_ASSET,
    TRADING_FIELDS,
    TradingTerms,
    has_trading,
    normalise,
    vector,
)
from .trading.turnover import Turnover


@dataclass(frozen=True)
class Constraints(ConstraintsRecord):
    """Portfolio constraints: the fields of :class:`~.record.ConstraintsRecord` (see there),
    with their checks, projection, linear oracle and cvxpy form."""

    def __post_init__(self) -> None:
        """Canonical hashable forms of the group, linear and trading fields (JSON lists
        accepted)."""
        put = functools.partial(object.__setattr__, self)
        for name in PER_ASSET:  # scalars, tuples or dicts: hashable-free JSON forms
            put(name, normalise(getattr(self, name), name))
        if self.max_turnover is not None:
            put("max_turnover", float(self.max_turnover))
        put("groups", normalize_groups(self.groups))
        put("linear", normalize_linear(self.linear))
        for name in ("A_ub", "b_ub", "A_eq", "b_eq"):
            put(name, normalize_matrix(name, getattr(self, name)))
        if self.assets is not None:
            put("assets", tuple(str(a) for a in self.assets))
        normalise_mandate(self, put)

    @property
    def has_linear(self) -> bool:
        """Whether there are linear rows (strings or matrices)."""
        return bool(self.linear) or self.A_ub is not None or self.A_eq is not None

    def bind(self, tickers: list[str] | tuple[str, ...]) -> Constraints:
        """These constraints with names resolved against ``tickers`` (the returns' columns)."""
        bound = resolve_mandate(self, tickers)  # bounds by ticker -> vectors
        if not bound.has_linear or bound.assets == tuple(tickers):
            return bound
        return replace(bound, assets=tuple(tickers))

    def linear_part(self, n_assets: int | None = None) -> LinearConstraints | None:
        """The numeric :class:`LinearConstraints` (None without rows), resolved once."""
        if not self.has_linear:
            return None
        tickers = self.assets
        if tickers is None:
            if self.linear:
                raise ConfigError(
                    "linear constraints name assets or groups: bind them to the tickers "
                    "first (Constraints.bind(tickers); optimize() does this)"
                )
            tickers = tuple(f"asset_{i}" for i in range(int(n_assets or 0)))
        if n_assets is not None and len(tickers) != n_assets:
            raise ConfigError(f"constraints bound to {len(tickers)} assets, got {n_assets}")
        return resolved_linear(self, tickers)

    @property
    def parts(self) -> tuple[ConstraintPart, ...]:
        """The parts that can bind: budget, bounds, the leverage cap if it can matter, and
        the linear rows (if bound, or given as matrices only)."""
        return self._parts_for(None)

    def turnover_part(self, n_assets: int | None = None) -> Turnover | None:
        """The turnover part (limits against the holdings), or None without limits."""
        if self.max_turnover is None and self.max_asset_turnover is None:
            return None
        n = n_assets if n_assets is not None else vector_length(self)
        previous = tuple(vector(self.previous_weights, n, "previous_weights", 0.0).tolist())
        limits = None
        if self.max_asset_turnover is not None:
            limits = tuple(vector(self.max_asset_turnover, n, "max_asset_turnover", 0.0).tolist())
        return Turnover(previous, self.max_turnover, limits, self.min_weight, self.max_weight)

    # ------------------------------------------------------------------ checks
    def validate(self, n_assets: int) -> None:
        """Raise :class:`InfeasibleConstraintError` if no portfolio of ``n_assets`` is feasible.

        Each part checks its own parameters and its feasibility with the budget. A record
        (frozen) that passed for ``n_assets`` is not checked again for it (a solve asks
        several times: projector, start, oracle, projection).
        """
        if not isinstance(n_assets, numbers.Integral) or n_assets < 1:
            raise InfeasibleConstraintError(
                f"n_assets must be a positive integer, got {n_assets!r}"
            )
        passed = self.__dict__.setdefault("_validated_for", set())
        if int(n_assets) in passed:
            return
        self._check(n_assets)
        passed.add(int(n_assets))

    def _check(self, n_assets: int) -> None:
        """:meth:`validate`'s checks, every time."""
        Bounds(self.min_weight, self.max_weight, self.long_short, self.budget).validate(n_assets)
        if self.max_leverage is not None and is_classic(self):
            Leverage(self.max_leverage).validate(n_assets)
        validate_mandate(self, n_assets)
        card = self.cardinality
        if card is not None and (self.has_linear or has_trading(self)):  # before their checks
            raise ConfigError(
                "max_assets/min_position do not combine with group/linear constraints "
                "or trading costs/turnover limits yet"
            )
        if self.has_linear:
            check_linear_feasible(self, int(n_assets))
        if has_trading(self):
            validate_trading(self, n_assets)
        if card is not None:
            if self.long_short or self.min_weight != 0:
                raise InfeasibleConstraintError(
                    "max_assets/min_position need a long-only portfolio with min_weight 0, "
                    f"got min_weight {self.min_weight:g}"
                    + (" and long_short" if self.long_short else "")
                )
            card.validate(n_assets)

    # ------------------------------------------------------------ cardinality
    @property
    def cardinality(self) -> Cardinality | None:
        """The combinatorial part (count cap, minimum position), or None without one."""
        if self.max_assets is None and not self.min_position:
            return None
        if not isinstance(self.max_weight, float):  # per asset (or by ticker)
            raise ConfigError("max_assets/min_position do not combine with per-asset bounds yet")
        return Cardinality(self.max_assets, float(self.min_position), float(self.max_weight))

    @property
    def is_combinatorial(self) -> bool:
        """Whether a cardinality cap or a minimum position is set."""
        return self.cardinality is not None

    def relaxed(self) -> Constraints:
        """The convex relaxation: these constraints without the cardinality part."""
        return replace(self, max_assets=None, min_position=0.0)

    def _cap(self) -> float | None:
        """The leverage cap if it can matter (long-short, finite), else ``None``."""
        if is_classic(self):
            lev = self.max_leverage
            if lev is None or math.isinf(lev) or self.min_weight >= 0:
                return None
            return float(lev)
        part = exposure_cap(self)
        return None if part is None else part.cap

    @property
    def allows_metric_projection(self) -> bool:
        """Whether a diagonal-metric projection exists: budget and bounds, plus limits on
        disjoint groups (the group kernel projects in any diagonal metric).

        Other linear rows (and a leverage cap) are projected in the Euclidean metric: the
        engine then does not precondition its steps.
        """
        if (self.max_leverage is not None and self.long_short) or not is_classic(self):
            return False
        return not self.has_linear or self._group_plan() is not None

    def _group_plan(self) -> GroupPlan | None:
        """The disjoint-group plan of the linear rows, if they are all group limits."""
        linear = next((p for p in self.parts if isinstance(p, LinearConstraints)), None)
        if linear is None or self._cap() is not None or not is_classic(self):
            return None
        n = linear.a_ub.shape[1]
        return disjoint_group_plan(linear, n, float(self.min_weight), float(self.max_weight))

    def metric_projector(self, n_assets: int, d: torch.Tensor) -> Projector | None:
        """The projection in the diagonal metric ``d`` (N,) for sets with group limits.

        None for sets without linear rows (the engine uses the box-sum metric kernel,
        :func:`~portfolio_sgd.constraints.project_box_sum_metric`).
        """
        self.validate(n_assets)
        plan = self._group_plan() if self.has_linear else None
        if plan is None:
            return None
        kernel = GroupProjector(plan)
        return lambda v: kernel(v, d)

    # ------------------------------------------------------------- projection
    def project(self, w: torch.Tensor) -> torch.Tensor:
        """Euclidean projection of each row of ``w`` (K, N) or (N,) onto the feasible set.

        Returns
        -------
        torch.Tensor, same shape, dtype and device as ``w``
            Feasible weights; ``P(P(w)) == P(w)`` up to rounding.

        Raises
        ------
        InfeasibleConstraintError
            If the constraints are infeasible for ``N = w.shape[-1]`` assets.
        """
        n = int(w.shape[-1]) if w.ndim > 0 else 0
        return self.projector(n)(w)

    def projector(self, n_assets: int) -> Projector:
        """The projection kernel for ``n_assets``, validated once (for per-step use).

        The exact kernel of the composition (see :mod:`.projection`).
        """
        self.validate(n_assets)
        return projector_for(self._parts_for(n_assets))

    def feasible_start(
        self, n_assets: int, *, dtype: torch.dtype = torch.float64, device: Any = None
    ) -> torch.Tensor:
        """A feasible starting point (N,): the equal-weight portfolio, projected (the
        current holdings, projected, when they are given)."""
        self.validate(n_assets)
        start = torch.full((n_assets,), 1.0 / n_assets, dtype=dtype, device=device)
        if self.previous_weights is not None:
            held = vector(self.previous_weights, n_assets, "previous_weights", 0.0)
            start = torch.as_tensor(held, dtype=dtype, device=device)
        return self.project(start)

    # ----------------------------------------------------------- reporting
    def violations(self, w: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each part's largest violation by the rows of ``w`` (K, N): name -> (K,)."""
        parts = self._parts_for(int(w.shape[-1]))
        parts = (*parts, self.cardinality) if self.is_combinatorial else parts
        return {part.name: part.violation(w) for part in parts if part is not None}

    def is_feasible(self, w: torch.Tensor, atol: float = 1e-6) -> torch.Tensor:
        """Row-wise feasibility test within ``atol`` (every part, finite weights).

        Returns
        -------
        torch.Tensor of bool, shape (K,) (or a 0-d tensor for an (N,) input)
        """
        parts = list(self._parts_for(int(w.shape[-1])))
        lev = self.max_leverage
        if lev is not None and not math.isinf(lev) and self._cap() is None:
            parts.append(Leverage(float(lev)))  # checked even where it cannot bind
        card = self.cardinality
        if card is not None:
            parts.append(card)
        ok = torch.isfinite(w).all(dim=-1)
        for part in parts:
            ok = ok & (part.violation(w) <= atol)
        return ok

    def linear_oracle(self, n_assets: int) -> FeasibleSet | TradingSet:
        """The linear minimisation oracle of the set (for optimality certificates).

        Returns
        -------
        FeasibleSet or TradingSet
            ``.minimize(c)`` gives ``argmin_{s in C} c.s`` row by row (with trading terms,
            plus the costs ``sum c |s - p|``).
        """
        self.validate(n_assets)
        linear = self.linear_part(n_assets)
        rows = {}
        if linear is not None:
            rows = {
                "a_ub": linear.a_ub,
                "b_ub": linear.b_ub,
                "a_eq": linear.a_eq,
                "b_eq": linear.b_eq,
            }
        lo, hi = (
            (self.min_weight, self.max_weight)
            if is_classic(self)
            else bounds_vectors(self, n_assets)
        )
        base = FeasibleSet(n_assets, lo, hi, self._cap(), **rows, budget=self.budget)
        if not has_trading(self):
            return base
        return TradingSet(base, TradingTerms.of(self, n_assets))

    def cvxpy(self, cp: Any, w: Any) -> list[Any]:
        """The cvxpy form of every part, for the exact reference."""
        parts = self.parts if not has_trading(self) else self._parts_for(int(w.shape[0]))
        return [c for part in parts for c in part.cvxpy(cp, w)]

    def _parts_for(self, n_assets: int | None) -> tuple[ConstraintPart, ...]:
        """``parts``, with the turnover part sized for ``n_assets`` (None: from a vector
        setting) and the linear rows (if bound, or given as matrices only)."""
        parts: list[ConstraintPart] = [
            Budget(self.budget),
            Bounds(self.min_weight, self.max_weight, self.long_short, self.budget),
        ]
        cap = self._cap()
        if cap is not None:
            parts.append(Leverage(cap) if is_classic(self) else exposure_cap(self))
        width = None if self.assets is not None else matrix_width(self)
        linear = self.linear_part(width) if self.has_linear else None
        if linear is not None:
            parts.append(linear)
        if self.max_turnover is not None or self.max_asset_turnover is not None:
            parts.append(self.turnover_part(n_assets))  # type: ignore[arg-type]
        return tuple(parts)

    # ---------------------------------------------------------- serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable); the group, linear, trading and cardinality
        fields only when set."""
        out = asdict(self)
        for name in ("budget", "max_short", "max_long"):
            del out[name]
        out.update(mandate_dict(self))
        if not out["allow_absent_members"]:
            del out["allow_absent_members"]
        for name in ("groups", "linear", "A_ub", "b_ub", "A_eq", "b_eq", "assets"):
            value = out.pop(name)
            if name == "groups" and value is not None:
                out[name] = groups_to_dict(self.groups)
            elif value:
                out[name] = [list(r) if isinstance(r, tuple) else r for r in value]
        for name in TRADING_FIELDS:
            if out[name] is None or (
                name in ("transaction_costs", "market_impact") and out[name] == 0
            ):
                del out[name]
        if out.get("max_assets") is None:
            out.pop("max_assets", None)
        if not out.get("min_position"):
            out.pop("min_position", None)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Constraints:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        fields = ("min_weight", "max_weight", "long_short", "max_leverage")
        fields += ("groups", "linear", "A_ub", "b_ub", "A_eq", "b_eq", "assets", *TRADING_FIELDS)
        fields += ("max_assets", "min_position", "allow_absent_members")
        fields += ("budget", "max_short", "max_long")
        return cls(**{k: data[k] for k in fields if k in data})
