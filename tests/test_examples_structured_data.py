"""examples/structured_data.py: its model trains above chance on every installed backend."""

import importlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

import kerafront

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "structured_data.py"
_spec = importlib.util.spec_from_file_location("kerafront_example_structured_data", EXAMPLE)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)


def test_labels_are_balanced_and_depend_on_every_feature():
    numeric, city, labels = example.make_data(2000, seed=3)
    assert numeric.shape == (2000, 2) and city.shape == (2000,) and labels.shape == (2000, 1)
    assert 0.3 < labels.mean() < 0.7
    assert labels[city == "tokyo"].mean() > labels[city == "cairo"].mean() + 0.3


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "tensorflow"])
def test_example_trains_above_chance(backend, capsys):
    if backend != "numpy":
        pytest.importorskip(backend)
    with kerafront.backend_scope(backend):
        result = example.main(epochs=4, n_train=400, verbose=0)
    assert f"backend={backend}" in capsys.readouterr().out
    assert result["accuracy"] > 0.75  # chance is about 0.5
    losses = result["history"]["loss"]
    assert losses[-1] < losses[0] and np.isfinite(losses).all()
