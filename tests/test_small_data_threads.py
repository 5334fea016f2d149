"""One torch thread for small full-data passes; validation memoised per record."""

from __future__ import annotations

import pytest
import torch

from portfolio_sgd import Constraints
from portfolio_sgd.errors import InfeasibleConstraintError
from portfolio_sgd.utils.small_data_threads import SMALL_ELEMENTS, small_data_threads


def test_small_passes_run_on_one_thread_and_restore_the_setting() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        with small_data_threads(1000):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
        with small_data_threads(SMALL_ELEMENTS):
            assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_validation_is_memoised_only_after_it_passes() -> None:
    ok = Constraints(max_weight=0.3)
    ok.validate(5)
    ok.validate(5)
    bad = Constraints(max_weight=0.1)
    for _ in range(2):  # refused every time: a failure is never cached
        with pytest.raises(InfeasibleConstraintError):
            bad.validate(5)
    with pytest.raises(InfeasibleConstraintError):
        ok.validate(3)  # another size is checked afresh (3 x 0.3 < 1)
