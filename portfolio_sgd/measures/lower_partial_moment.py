"""First lower partial moment ``LPM1 = E[(tau - x)_+]``: the mean shortfall below a target.

``tau`` is a fixed target (``lpm1``: 0, in daily return units) or the portfolio's own mean
return (``first-lower-partial-moment``: skfolio's default ``min_acceptable_return``; it
equals half the mean absolute deviation). Per scenario ``(tau - x_t)_+``, with
``smoothing = s > 0`` the softplus ``s log(1 + exp((tau - x_t) / s))`` (within ``s log 2``
above). An LP: its certificate and exact finish are the window LP of :mod:`.piecewise`.
Below the mean it is positively homogeneous (an Euler decomposition); below a fixed
target it is not.

Another target is one line: ``register_measure(LowerPartialMoment(0.0005, "lpm1-5bp"))``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import ConfigError
from .base import Derivatives
from .kernels.scenario_pieces import ScenarioPieces
from .piecewise import PiecewiseLinearMeasure
from .scales import data_scales

__all__ = ["FLPM", "LPM1", "LowerPartialMoment"]


class LowerPartialMoment(PiecewiseLinearMeasure):
    """``E[(tau - x_t)_+]`` below ``target`` (None: below the mean ``mu.w``).

    Parameters
    ----------
    target : float or None
        Daily return ``tau``; None centres on the mean return.
    name : str
        The registered name.
    aliases : tuple of str
    """

    label: ClassVar[str] = "daily first lower partial moment"
    short_label: ClassVar[str] = "LPM1"

    def __init__(
        self, target: float | None = 0.0, name: str = "lpm1", aliases: tuple[str, ...] = ()
    ) -> None:
        self.target = target
        self.name = name  # type: ignore[misc]
        self.aliases = aliases  # type: ignore[misc]
        self.uses_mean = target is None  # type: ignore[misc]
        self.decomposes = target is None  # type: ignore[misc]
        self.limit_option = f"--max-{name}"  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"LowerPartialMoment(target={self.target!r}, name={self.name!r})"

    def _shortfall(self, x: torch.Tensor, mean_return: torch.Tensor) -> torch.Tensor:
        """``tau - x`` (K, B)."""
        if self.target is None:
            return mean_return[:, None] - x
        return self.target - x

    def losses(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> torch.Tensor:
        z = self._shortfall(x, mean_return)
        return smoothing * F.softplus(z / smoothing) if smoothing > 0 else torch.relu(z)

    def derivatives(
        self,
        x: torch.Tensor,
        mean_return: torch.Tensor,
        var_level: torch.Tensor | None = None,
        alpha: float = 0.95,
        smoothing: float = 0.0,
    ) -> Derivatives:
        z = self._shortfall(x, mean_return)
        step = torch.sigmoid(z / smoothing) if smoothing > 0 else (z > 0).to(x.dtype)
        return -step, (step if self.target is None else None), None

    def numpy_value(self, x: np.ndarray, alpha: float = 0.95) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        tau = x.mean(axis=0) if self.target is None else self.target
        return np.maximum(tau - x, 0.0).mean(axis=0)

    def cvxpy_expression(
        self, cp: Any, w: Any, returns: np.ndarray, alpha: float
    ) -> tuple[Any, list]:
        s1 = self.cvxpy_scale(returns)
        if self.target is None:
            shortfall = -((returns - returns.mean(axis=0)) / s1) @ w
        else:
            shortfall = self.target / s1 - (returns / s1) @ w
        return cp.sum(cp.pos(shortfall)) / returns.shape[0], []

    def cvxpy_scale(self, returns: np.ndarray) -> float:
        return data_scales(returns)[0]

    def pieces(self, returns: np.ndarray) -> ScenarioPieces:
        """``(l_t)_+``, ``l_t = tau - x_t`` (``tau = mean(x)`` when centred)."""
        centred = 1.0 if self.target is None else 0.0
        return ScenarioPieces(returns, -1.0, centred, self.target or 0.0, 0.0, 1.0)

    def contributions(
        self, returns: np.ndarray, w: np.ndarray, alpha: float = 0.95
    ) -> tuple[float, np.ndarray]:
        """Below the mean: LPM1 and ``w_i E[1{z_t < 0} (mu_i - R_ti)]``; else refused."""
        if self.target is not None:
            raise ConfigError(
                f"the {self.name} measure (below a fixed target) is not positively "
                "homogeneous: it has no Euler risk decomposition"
            )
        centred = np.asarray(returns, dtype=np.float64)
        centred = centred - centred.mean(axis=0)
        z = centred @ w
        down = (z < 0).astype(np.float64)
        return float(np.maximum(-z, 0.0).mean()), w * (down @ -centred) / len(z)


LPM1 = LowerPartialMoment(0.0, "lpm1", ("lower-partial-moment", "lpm"))
"""The first lower partial moment below a zero daily return."""
FLPM = LowerPartialMoment(None, "first-lower-partial-moment", ("flpm",))
"""The first lower partial moment below the mean (skfolio's ``FIRST_LOWER_PARTIAL_MOMENT``)."""
