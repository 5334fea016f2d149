"""The objective's name and scalar parameters: :class:`Objective` and :class:`ObjectiveSpec`."""

from __future__ import annotations

import functools
import math
from dataclasses import asdict, dataclass, field
from enum import Enum

from ..errors import ConfigError
from ..measures.registry import get_measure
from .base import PortfolioObjective
from .registry import OBJECTIVE_CLASSES, canonical_name, generalised_class, objective_class
from .shrinkage import Shrinkage, parse_shrinkage
from .shrunk import ShrunkObjective

DEFAULT_RISK_AVERSION = 10.0
"""Default mean-variance risk aversion (for daily returns: a diversified portfolio)."""


class _ObjectiveName(str, Enum):
    """Base of the generated :class:`Objective` enum (parsing and class lookup)."""

    @classmethod
    def parse(cls, value: object) -> _ObjectiveName:
        """The member for a name, an alias or a member; else :class:`ConfigError`."""
        name = canonical_name(value)
        if name is None:
            names = ", ".join(m.value for m in cls)
            raise ConfigError(f"unknown objective {value!r}; choose one of: {names}")
        return cls(name)

    @property
    def objective_class(self) -> type[PortfolioObjective]:
        """The registered :class:`PortfolioObjective` subclass."""
        return objective_class(self.value)

    @property
    def is_smooth(self) -> bool:
        """Whether the objective is differentiable."""
        return self.objective_class.is_smooth

    @property
    def uses_mean(self) -> bool:
        """Whether the per-scenario loss is centred on the full-data mean ``mu.w``."""
        return self.objective_class.uses_mean


Objective = _ObjectiveName(  # type: ignore[call-overload]
    "Objective",
    [(cls.member, cls.name) for cls in OBJECTIVE_CLASSES],
    module=__name__,
    qualname="Objective",
)
Objective.__doc__ = "Names of the registered objectives (generated from the registry)."


@dataclass(frozen=True)
class ObjectiveSpec:
    """An objective together with its scalar parameters.

    Parameters
    ----------
    objective : Objective or str
        Which objective (a registered name or alias).
    risk_aversion : float
        ``lam`` of mean-variance, ``>= 0``.
    alpha : float
        CVaR confidence level in (0, 1), e.g. 0.95.
    return_weight : float
        ``lam_r`` of mean-CVaR; 0 gives min-CVaR.
    measure : str, optional
        The risk measure of an objective written over any measure (``min-risk``,
        ``utility``, ``max-ratio``; a registered name or alias, stored by name). Default:
        variance (volatility for max-ratio).
    risk_free_rate : float
        ``rf`` of max-ratio ``(mean - rf) / risk``, per period of the data (daily for daily
        returns); 0 by default. Only max-ratio takes a nonzero one.
    budgets : tuple of float, optional
        Risk budgets ``b`` (N,) of risk parity, in the data's asset order: finite and
        ``> 0`` (normalised to sum 1 where used); None means equal budgets ``1/N``. Only
        risk parity takes them (its length is checked against the data).
    """

    objective: Objective = Objective.MEAN_VARIANCE  # type: ignore[attr-defined]
    risk_aversion: float = field(
        default=DEFAULT_RISK_AVERSION, metadata={"help": "lambda of mean-variance, >= 0."}
    )
    alpha: float = field(default=0.95, metadata={"help": "CVaR confidence level in (0, 1)."})
    return_weight: float = field(default=0.0, metadata={"help": "Mean-return weight of mean-CVaR."})
    budgets: tuple[float, ...] | None = None
    shrinkage: str = field(
        default="none", metadata={"help": "Covariance shrinkage: none, ledoit-wolf or oas."}
    )
    shrinkage_intensity: float | None = None
    shrinkage_target: float | None = None
    measure: str | None = None
    risk_free_rate: float = field(
        default=0.0, metadata={"help": "Risk-free rate of max-ratio, per period of the data."}
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "objective", Objective.parse(self.objective))
        if not (math.isfinite(self.risk_aversion) and self.risk_aversion >= 0):
            raise ConfigError(
                f"risk_aversion must be a finite number >= 0, got {self.risk_aversion}"
            )
        if not (0.0 < self.alpha < 1.0):
            raise ConfigError(f"alpha must lie strictly between 0 and 1, got {self.alpha}")
        if not (math.isfinite(self.return_weight) and self.return_weight >= 0):
            raise ConfigError(
                f"return_weight must be a finite number >= 0, got {self.return_weight}"
            )
        if self.budgets is not None:
            object.__setattr__(self, "budgets", _parse_budgets(self.budgets))
            if not self.objective.objective_class.takes_budgets:
                raise ConfigError(
                    f"risk budgets apply to risk parity only, not {self.objective.value}"
                )
        self._check_shrinkage()
        self._check_measure()
        self._check_risk_free_rate()

    def _check_measure(self) -> None:
        """Store ``measure`` by its registered name; only objectives written over a measure
        (``min-risk``, ``utility``) take one."""
        if self.measure is None:
            return
        measure = get_measure(self.measure)
        object.__setattr__(self, "measure", measure.name)
        general = generalised_class(self.objective.objective_class)
        if general is not None:  # e.g. risk-parity with a measure: risk budgeting over it
            object.__setattr__(self, "objective", Objective.parse(general.name))
        if not (measure.is_expectation or self.objective.objective_class.accepts_any_measure):
            raise ConfigError(
                f"measure {measure.name} is not an expectation of a per-scenario loss; "
                f"optimise {measure.penalised_by or 'another measure'} instead"
            )
        if not self.objective.objective_class.takes_measure:
            raise ConfigError(
                f"objective {self.objective.value} has its own measure; give a measure with "
                "min-risk or utility"
            )

    def _check_risk_free_rate(self) -> None:
        """``risk_free_rate`` is finite, and only a ratio (max-ratio) takes a nonzero one."""
        rate = self.risk_free_rate
        if not math.isfinite(rate):
            raise ConfigError(f"risk_free_rate must be a finite number, got {rate}")
        if rate != 0 and not self.objective.objective_class.solved_as_ratio:
            raise ConfigError(f"a risk-free rate applies to max-ratio, not {self.objective.value}")

    def _check_shrinkage(self) -> None:
        """Parse ``shrinkage``; refuse it where meaningless and check ``delta``, ``F``."""
        kind = parse_shrinkage(self.shrinkage)
        object.__setattr__(self, "shrinkage", kind.value)
        if kind is Shrinkage.NONE:
            return
        self.objective.objective_class(self).shrink_parts(0.0)  # raises where meaningless
        delta, target = self.shrinkage_intensity, self.shrinkage_target
        if delta is not None and not (0.0 <= delta <= 1.0):
            raise ConfigError(f"shrinkage intensity must lie in [0, 1], got {delta}")
        if target is not None and not (math.isfinite(target) and target >= 0):
            raise ConfigError(f"shrinkage target must be a finite number >= 0, got {target}")

    @functools.cached_property
    def impl(self) -> PortfolioObjective:
        """The objective's implementation (a :class:`PortfolioObjective`) for these parameters.

        Built once per spec (the engine asks for it on every step).
        """
        base = self.objective.objective_class(self)
        if self.shrinkage == "none":
            return base
        return ShrunkObjective(self, base)

    @property
    def has_var_level(self) -> bool:
        """Whether the objective carries the auxiliary VaR variable ``t``."""
        return self.impl.has_var_level

    def to_dict(self) -> dict[str, object]:
        """Plain-dict form (enum as its string value)."""
        d = asdict(self)
        d["objective"] = self.objective.value
        d["budgets"] = None if self.budgets is None else list(self.budgets)
        if self.measure is None:  # the objectives with their own measure: as before
            d.pop("measure")
        if not self.objective.objective_class.solved_as_ratio:  # as before
            d.pop("risk_free_rate")
        return d


def _parse_budgets(values: object) -> tuple[float, ...]:
    """Budgets as a tuple of floats, each finite and ``> 0``; else a one-line ConfigError."""
    try:
        budgets = tuple(float(v) for v in values)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise ConfigError(f"budgets must be a sequence of numbers, got {values!r}") from None
    if not budgets:
        raise ConfigError("budgets must not be empty")
    bad = [b for b in budgets if not (math.isfinite(b) and b > 0)]
    if bad:
        raise ConfigError(f"budgets must be finite numbers > 0, got {bad[0]!r}")
    return budgets
