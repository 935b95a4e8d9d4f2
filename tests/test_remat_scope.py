"""keras.RematScope: which layers a scope rematerializes (by mode), and that training is unchanged by it
while the backward pass really recomputes the forward (torch counts the second run)."""

import numpy as np
import pytest

import kerafront
from kerafront import _operation


class Counting(kerafront.layers.Layer):
    """tanh(x @ w); counts how often call runs (a recomputing backward runs it again)."""

    calls = 0

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], 3), initializer="glorot_uniform", name="w")

    def call(self, x):
        Counting.calls += 1
        return kerafront.ops.tanh(kerafront.ops.matmul(x, self.w))


def _spy(monkeypatch):
    wrapped = []
    original = _operation.remat

    def spy(f):
        wrapped.append(getattr(f, "__self__", f))
        return original(f)
    monkeypatch.setattr(_operation, "remat", spy)
    return wrapped


def _layers():
    return (kerafront.layers.Dense(50, activation="relu", name="big"),
            kerafront.layers.Dense(2, activation="relu", name="small"),
            kerafront.layers.Dense(2, name="plain"))


@pytest.mark.parametrize("mode,kwargs,expected", [
    ("full", {}, ["big", "small", "plain"]),
    ("list_of_layers", {"layer_names": ["small"]}, ["small"]),
    ("larger_than", {"output_size_threshold": 60}, ["big"]),
    (None, {}, []),
])
def test_the_scope_picks_the_layers_keras_picks(monkeypatch, mode, kwargs, expected):
    wrapped = _spy(monkeypatch)
    with kerafront.RematScope(mode, **kwargs):
        layers = _layers()
    x = np.ones((2, 4), "float32")
    for layer in layers:
        layer(x if layer.name != "plain" else np.ones((2, 50), "float32"))
    assert sorted(w.name for w in wrapped if isinstance(w, kerafront.layers.Layer)) == sorted(expected)


def test_activations_mode_wraps_only_the_activation(monkeypatch):
    wrapped = _spy(monkeypatch)
    with kerafront.RematScope("activations"):
        dense, plain = kerafront.layers.Dense(3, activation="relu"), kerafront.layers.Dense(3)
    x = np.ones((2, 4), "float32")
    dense(x), plain(x)
    # Keras's rule: every layer whose ``activation`` is set (Dense's default is ``linear``).
    assert wrapped == [kerafront.activations.get("relu"), kerafront.activations.get("linear")]
    assert dense.activation is kerafront.activations.get("relu")   # restored after the call


def test_layers_made_outside_the_scope_are_untouched(monkeypatch):
    wrapped = _spy(monkeypatch)
    with kerafront.RematScope("full"):
        pass
    kerafront.layers.Dense(2)(np.ones((1, 2), "float32"))
    assert wrapped == []
    with pytest.raises(ValueError, match="RematScope: mode"):
        kerafront.RematScope("everything")


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "tensorflow"])
def test_training_under_a_scope_equals_training_without(backend):
    pytest.importorskip({"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}[backend])
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 4)).astype("float32"), rng.normal(size=(8, 3)).astype("float32")
    results = []
    with kerafront.backend_scope(backend):
        for scoped in (False, True):
            kerafront.utils.set_random_seed(3)
            if scoped:
                with kerafront.RematScope("full"):
                    model = kerafront.Sequential([kerafront.Input((4,)), Counting()])
            else:
                model = kerafront.Sequential([kerafront.Input((4,)), Counting()])
            model.compile(optimizer=kerafront.optimizers.SGD(0.1), loss="mse", run_eagerly=backend == "torch")
            Counting.calls = 0
            model.train_on_batch(x, y)
            results.append((model.get_weights()[0], Counting.calls))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6, atol=1e-7)
    if backend == "torch":   # torch.utils.checkpoint runs the layer again in the backward pass
        assert results[1][1] == results[0][1] + 1
