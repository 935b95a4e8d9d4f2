"""examples/image_augmentation.py: its data checked by hand, and a tiny run on every backend whose loss falls."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

import kerafront

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "image_augmentation.py"
_spec = importlib.util.spec_from_file_location("kerafront_example_image_augmentation", EXAMPLE)
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)
FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def test_dataset_classes_are_horizontal_and_vertical_stripes():
    images, labels = example.make_dataset(40, size=12, seed=3)
    assert images.shape == (40, 12, 12, 3) and images.dtype == np.float32 and labels.dtype == np.int32
    assert images.min() >= 0 and images.max() <= 255 and labels.sum() == 20
    # Horizontal stripes vary down the rows and barely along them; vertical ones the other way round.
    along_rows = np.abs(np.diff(images, axis=2)).mean(axis=(1, 2, 3))
    along_cols = np.abs(np.diff(images, axis=1)).mean(axis=(1, 2, 3))
    np.testing.assert_array_equal(labels, (along_rows > along_cols).astype("int32"))


def test_augmentation_runs_only_in_training():
    model = example.make_model(size=8)
    images, _ = example.make_dataset(4, size=8)
    augment = kerafront.Sequential(model.layers[:5])  # the four augmentations and Rescaling
    np.testing.assert_allclose(np.asarray(augment(images)), images / 255.0, rtol=1e-6)
    assert not np.allclose(np.asarray(augment(images, training=True)), images / 255.0)


@pytest.mark.parametrize("backend", sorted(FRAMEWORKS))
def test_example_loss_falls(backend, capsys):
    pytest.importorskip(FRAMEWORKS[backend])
    with kerafront.backend_scope(backend):
        result = example.main(size=8, samples=96, epochs=5, verbose=0)
    assert f"backend={backend}" in capsys.readouterr().out
    losses = result["history"]["loss"]
    assert len(losses) == 5 and losses[-1] < 0.9 * losses[0], losses
