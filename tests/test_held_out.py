"""The GUI's torch-free held-out rows are the trainer's validation split, row for row."""

from __future__ import annotations

import numpy as np
import pytest

from engine.data.features import validation_split
from engine.data.held_out import held_out_rows


@pytest.mark.parametrize("count", [1, 2, 3, 12, 40, 999, 5000])
@pytest.mark.parametrize("fraction", [0.0, 0.1, 0.3, 0.5])
@pytest.mark.parametrize("seed", [0, 7, 2**31 - 1])
def test_held_out_rows_are_the_validation_split(count: int, fraction: float, seed: int) -> None:
    _, held = validation_split(count, fraction, seed)
    np.testing.assert_array_equal(held_out_rows(count, fraction, seed), held)
