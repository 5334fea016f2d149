"""Whole-share orders: target weights -> integer trades from current holdings.

:func:`allocate` solves the exact MILP (:mod:`.milp`, HiGHS) up to
:data:`~.allocation.MILP_MAX_ASSETS` assets and a greedy rule (:mod:`.greedy`) above;
:mod:`.inputs` reads the price, holdings, lot-size and weights files.
"""

from __future__ import annotations

from .allocation import MILP_MAX_ASSETS, Allocation, allocate
from .problem import OrderProblem, order_problem

__all__ = ["MILP_MAX_ASSETS", "Allocation", "OrderProblem", "allocate", "order_problem"]
