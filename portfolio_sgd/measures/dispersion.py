"""The dispersion measures beyond the variance, in registration order.

Semi-variance and semi-deviation (below the mean), the mean absolute deviation, the first
lower partial moment (below 0, and below the mean as skfolio defines it) and the Gini mean
difference: one module each; the registry registers this tuple.
"""

from __future__ import annotations

from .gini import GINI
from .lower_partial_moment import FLPM, LPM1
from .mad import MAD
from .semi_deviation import SEMI_DEVIATION
from .semi_variance import SEMI_VARIANCE

__all__ = ["DISPERSION_MEASURES"]

DISPERSION_MEASURES = (SEMI_VARIANCE, SEMI_DEVIATION, MAD, LPM1, FLPM, GINI)
"""The dispersion measures' shared instances."""
