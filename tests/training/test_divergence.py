"""divergence.all_finite: the trainer's per-step check, one sum instead of a look at every
number, must say exactly what np.isfinite(array).all() says."""

import warnings

import numpy as np
import pytest

from mgrad_cli.training.divergence import all_finite


@pytest.mark.parametrize("values", [
    [1.0, 2.0, -3.0],
    [1e308, 1e308],            # finite numbers whose sum overflows: still all finite
    [-1e308, -1e308, 5.0],
    [1.0, np.inf],
    [np.inf, -np.inf],         # their sum is nan
    [np.nan, 0.0],
    [],
])
def test_all_finite_says_what_isfinite_says(values):
    array = np.array(values, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflowing sum warns no one
        assert all_finite(array) == bool(np.isfinite(array).all())
