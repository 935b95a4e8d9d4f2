"""Level 5: a model saved on any backend loads on any other and predicts the same."""

import itertools

import numpy as np
import pytest

import kerafront
from kerafront import layers
from kerafront.layers.testing import LAYER_CASES
from kerafront.saving import load_model, save_model
from kerafront.registry import available_backends

PREDICTION_RTOL, PREDICTION_ATOL = 1e-4, 1e-5  # float32 conv/matmul kernels differ by a few ulp


def _model():
    kerafront.utils.set_random_seed(3)
    inputs = kerafront.Input(shape=(8, 8, 2))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(inputs)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(3, activation="softmax")(x)
    model = kerafront.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def pytest_generate_tests(metafunc):
    if "pair" in metafunc.fixturenames:
        backends = metafunc.config.kerafront_backends
        pairs = list(itertools.product(backends, available_backends()))
        metafunc.parametrize("pair", pairs, ids=[f"{a}->{b}" for a, b in pairs])


def test_save_on_one_backend_load_on_another(pair, tmp_path):
    source, target = pair
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 8, 8, 2)).astype("float32")
    y = rng.integers(0, 3, 4)
    with kerafront.backend_scope(source):
        model = _model()
        model.fit(x, y, epochs=1, verbose=0)
        expected = model.predict(x, verbose=0)
        path = tmp_path / f"{source}.kerafront"
        save_model(model, path)
    with kerafront.backend_scope(target):
        loaded = load_model(path)
        got = loaded.predict(x, verbose=0)
        assert kerafront.ops.is_tensor(loaded.variables[0].value)
    np.testing.assert_allclose(got, expected, rtol=PREDICTION_RTOL, atol=PREDICTION_ATOL,
                               err_msg=f"saved on {source}, loaded on {target}")


LAYER_ROWS = {case.id: case for case in LAYER_CASES if "lambda" not in case.id}


@pytest.mark.parametrize("case_id", sorted(LAYER_ROWS))
def test_each_layer_saved_on_numpy_loads_on_another_backend(other_backend, case_id, tmp_path):
    """Every savable row of the layer table: a one-layer model saved on the reference predicts the same
    after loading on ``other_backend`` (config, weights and any state such as vocabularies)."""
    case = LAYER_ROWS[case_id]
    x = case.inputs(np.random.default_rng(0))
    path = tmp_path / f"{case_id}.kerafront"
    with kerafront.backend_scope("numpy"):
        kerafront.utils.set_random_seed(0)
        shapes = case.input_shapes if isinstance(case.input_shapes, list) else [case.input_shapes]
        dtype = "int32" if case.int_inputs else None
        inputs = [kerafront.Input(shape=s[1:], dtype=dtype) for s in shapes]
        layer = case.make()
        model = kerafront.Model(inputs, layer(inputs if isinstance(case.input_shapes, list) else inputs[0]))
        rng = np.random.default_rng(1)
        model.set_weights([0.5 * rng.standard_normal(w.shape).astype(w.dtype) + ("variance" in v.path)
                           if w.dtype.kind == "f" else w for w, v in zip(model.get_weights(), model.weights)])
        expected = model.predict(x, verbose=0)
        save_model(model, path)
    with kerafront.backend_scope(other_backend):
        loaded = load_model(path)
        got = loaded.predict(x, verbose=0)
    np.testing.assert_allclose(got, expected, rtol=PREDICTION_RTOL, atol=PREDICTION_ATOL,
                               err_msg=f"{case_id}: saved on numpy, loaded on {other_backend}")
