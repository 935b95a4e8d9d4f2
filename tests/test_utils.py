"""kerafront.utils: to_categorical, set_random_seed, clear_session."""

import random

import numpy as np
import pytest

import kerafront
from kerafront.utils import to_categorical


def test_to_categorical():
    out = to_categorical([0, 2, 1, 2])
    np.testing.assert_array_equal(out, np.eye(3, dtype="float32")[[0, 2, 1, 2]])
    assert out.dtype == np.float32
    column = to_categorical(np.array([[1], [0]]), num_classes=4)
    np.testing.assert_array_equal(column, [[0, 1, 0, 0], [1, 0, 0, 0]])
    assert to_categorical(np.array([[0, 1], [1, 1]])).shape == (2, 2, 2)
    with pytest.raises(ValueError, match="out of range for num_classes=2"):
        to_categorical([0, 2], num_classes=2)
    with pytest.raises(ValueError, match=">= 0"):
        to_categorical([-1, 0])
    with pytest.raises(ValueError, match="integers"):
        to_categorical([0.5])


def test_set_random_seed_seeds_every_generator(monkeypatch):
    calls = []
    monkeypatch.setattr(kerafront.random, "set_global_seed", lambda seed, f=kerafront.random.set_global_seed:
                        (calls.append(seed), f(seed)))
    kerafront.utils.set_random_seed(42)
    a = (random.random(), np.random.random(), kerafront.random.global_rng().random())
    kerafront.utils.set_random_seed(42)
    assert (random.random(), np.random.random(), kerafront.random.global_rng().random()) == a
    assert calls == [42, 42]
    with pytest.raises(ValueError, match="seed must be an int"):
        kerafront.utils.set_random_seed("1")


def test_clear_session_restarts_names():
    kerafront.utils.clear_session()
    first = kerafront.layers.Dense(1).name
    kerafront.utils.clear_session()
    assert kerafront.layers.Dense(1).name == first == "dense"
