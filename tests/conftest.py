"""Frontend unit tests run on the NumPy backend (fast); cross-backend checks live in conformance_tests/."""

import numpy as np
import pytest

import kerafront


@pytest.fixture(autouse=True)
def _numpy_backend_and_defaults():
    previous = kerafront.backend()
    if previous != "numpy":
        kerafront.set_backend("numpy")
    floatx, data_format = kerafront.config.floatx(), kerafront.config.image_data_format()
    yield
    kerafront.config.set_floatx(floatx)
    kerafront.config.set_image_data_format(data_format)
    if kerafront.backend() != previous:
        kerafront.set_backend(previous)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
