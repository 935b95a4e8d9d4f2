"""ConvLSTM1D/2D/3D against Keras 3 itself (on JAX) with copied weights, on every installed backend:
outputs, final states, masks, initial states, stateful batches, configs, weight names and gradients."""

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.registry import available_backends

keras = pytest.importorskip("keras")

BACKENDS = available_backends()
RNG = np.random.default_rng(41)
CF = "channels_first"

# (class name, constructor arguments, input shape)
CONFIGS = [
    ("ConvLSTM1D", dict(filters=3, kernel_size=3, strides=2, return_state=True), (2, 3, 7, 2)),
    ("ConvLSTM1D", dict(filters=2, kernel_size=2, dilation_rate=2, go_backwards=True, return_sequences=True),
     (2, 3, 7, 2)),
    ("ConvLSTM2D", dict(filters=3, kernel_size=2, padding="same", return_sequences=True, return_state=True),
     (2, 4, 5, 4, 2)),
    ("ConvLSTM2D", dict(filters=2, kernel_size=(2, 3), data_format=CF, use_bias=False, activation="relu",
                        recurrent_activation="hard_sigmoid"), (2, 3, 2, 5, 6)),
    ("ConvLSTM3D", dict(filters=2, kernel_size=2, padding="same", return_sequences=True), (1, 2, 3, 4, 3, 2)),
]
IDS = ["1d_strided_state", "1d_dilated_backwards", "2d_same_sequences_state", "2d_cf_no_bias", "3d_same"]


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def _pair(name, kwargs, shape):
    """A Keras layer and its random weights (scaled so the gates do not saturate)."""
    theirs = getattr(keras.layers, name)(**kwargs)
    theirs.build(shape)
    weights = [RNG.standard_normal(tuple(w.shape)).astype("float32") * 0.4 for w in theirs.weights]
    theirs.set_weights(weights)
    return theirs, weights


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, kwargs, shape", CONFIGS, ids=IDS)
def test_outputs_and_states_match_keras(backend, name, kwargs, shape):
    theirs, weights = _pair(name, kwargs, shape)
    x = RNG.standard_normal(shape).astype("float32")
    expected = [np.asarray(t) for t in _as_list(theirs(x))]
    with kerafront.backend_scope(backend):
        ours = getattr(L, name)(**kwargs)
        ours.build(shape)
        ours.set_weights(weights)
        got = [_numpy(t) for t in _as_list(ours(x))]
        assert ours.compute_output_shape(shape) == (tuple(t.shape for t in expected) if len(expected) > 1
                                                    else expected[0].shape)
    assert [g.shape for g in got] == [e.shape for e in expected]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, kwargs, shape", CONFIGS, ids=IDS)
def test_config_and_weights_match_keras(name, kwargs, shape):
    theirs, _ = _pair(name, kwargs, shape)
    ours = getattr(L, name)(**kwargs)
    ours.build(shape)
    assert [(w.name, w.shape) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
    assert [w.path for w in ours.weights] == [w.path.replace(theirs.name, ours.name) for w in theirs.weights]
    ours_config, their_config = ours.get_config(), theirs.get_config()
    assert list(ours_config) == list(their_config)
    for key in ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
                "recurrent_activation", "use_bias", "unit_forget_bias", "dropout", "recurrent_dropout", "seed",
                "return_sequences", "return_state", "go_backwards", "stateful", "unroll"):
        assert ours_config[key] == their_config[key], key
    rebuilt = type(ours).from_config(ours_config)
    assert rebuilt.get_config() == ours_config


def test_unit_forget_bias_initialises_the_forget_block_to_ones():
    layer = L.ConvLSTM2D(2, 2, bias_initializer="ones", unit_forget_bias=True)
    layer.build((1, 2, 4, 4, 1))
    np.testing.assert_array_equal(_numpy(layer.cell.bias), np.ones(8))
    layer = L.ConvLSTM1D(2, 2)
    layer.build((1, 2, 4, 1))
    np.testing.assert_array_equal(_numpy(layer.cell.bias), [0, 0, 1, 1, 0, 0, 0, 0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_mask_and_initial_state_match_keras(backend):
    """Keras 3.15 on JAX cannot mask ConvLSTM outputs (a broadcasting error), so the reference for a
    masked sample is Keras on that sample with its masked steps removed: a masked step repeats the
    previous output and keeps the states."""
    kwargs = dict(filters=2, kernel_size=2, padding="same", return_sequences=True, return_state=True)
    shape = (2, 4, 3, 3, 1)
    theirs, weights = _pair("ConvLSTM2D", kwargs, shape)
    x = RNG.standard_normal(shape).astype("float32")
    mask = np.array([[True, True, False, True], [True, False, False, False]])
    h0, c0 = (RNG.standard_normal((2, 3, 3, 2)).astype("float32") for _ in range(2))
    unmasked = [np.asarray(t) for t in theirs(x, initial_state=[h0, c0])]
    with kerafront.backend_scope(backend):
        ours = L.ConvLSTM2D(**kwargs)
        ours.build(shape)
        ours.set_weights(weights)
        got_unmasked = [_numpy(t) for t in ours(x, initial_state=[h0, c0])]
        got = [_numpy(t) for t in ours(x, mask=mask, initial_state=[h0, c0])]
    for g, e in zip(got_unmasked, unmasked):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    for sample in range(2):
        kept = np.flatnonzero(mask[sample])
        outputs, h, c = (np.asarray(t)[0] for t in theirs(x[sample:sample + 1, kept], initial_state=[
            h0[sample:sample + 1], c0[sample:sample + 1]]))
        last_kept = np.maximum.accumulate(np.where(mask[sample], np.arange(4), -1))  # index into kept steps
        expected = outputs[np.searchsorted(kept, last_kept)]
        np.testing.assert_allclose(got[0][sample], expected, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got[1][sample], h, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got[2][sample], c, rtol=1e-5, atol=1e-5)


def test_stateful_carries_states_between_batches_as_keras():
    kwargs = dict(filters=2, kernel_size=2, stateful=True)
    shape = (2, 3, 5, 1)
    theirs, weights = _pair("ConvLSTM1D", kwargs, shape)
    first, second = (RNG.standard_normal(shape).astype("float32") for _ in range(2))
    expected = [np.asarray(theirs(first)), np.asarray(theirs(second))]
    ours = L.ConvLSTM1D(**kwargs)
    ours.build(shape)
    ours.set_weights(weights)
    got = [_numpy(ours(first)), _numpy(ours(second))]
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-5)
    ours.reset_state()
    np.testing.assert_allclose(_numpy(ours(first)), expected[0], rtol=1e-5, atol=1e-5)
    assert len(ours.get_weights()) == 3  # the states are not weights


def test_gradients_match_keras_on_jax():
    jax = pytest.importorskip("jax")
    if keras.backend.backend() != "jax":
        pytest.skip("Keras runs on another backend in this process.")
    kwargs = dict(filters=2, kernel_size=2, padding="same", return_sequences=True)
    shape = (2, 3, 4, 2)
    theirs, weights = _pair("ConvLSTM1D", kwargs, shape)
    x = RNG.standard_normal(shape).astype("float32")
    cotangent = RNG.standard_normal((2, 3, 4, 2)).astype("float32")

    def their_loss(trainable, inputs):
        outputs, _ = theirs.stateless_call(trainable, [v.value for v in theirs.non_trainable_variables], inputs)
        return (outputs * cotangent).sum()

    their_grads, their_x_grad = jax.grad(their_loss, argnums=(0, 1))([w.value for w in theirs.trainable_weights], x)
    ours = L.ConvLSTM1D(**kwargs)
    ours.build(shape)
    ours.set_weights(weights)

    def our_loss(variables, inputs):
        return ops.sum(ops.multiply(ours(inputs), cotangent))

    _, (our_grads, our_x_grad) = ops.value_and_grad(our_loss, argnums=(0, 1))(ours.trainable_variables, x)
    for g, e in zip(our_grads, their_grads):
        np.testing.assert_allclose(_numpy(g), np.asarray(e), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_numpy(our_x_grad), np.asarray(their_x_grad), rtol=1e-4, atol=1e-5)


def test_functional_model_shapes_and_dropout_only_in_training():
    inputs = kerafront.Input((3, 5, 5, 1))
    outputs = L.ConvLSTM2D(2, 3, dropout=0.3, recurrent_dropout=0.3, seed=1, return_sequences=True)(inputs)
    assert tuple(outputs.shape) == (None, 3, 3, 3, 2)
    model = kerafront.Model(inputs, outputs)
    x = RNG.standard_normal((2, 3, 5, 5, 1)).astype("float32")
    inference = _numpy(model(x))
    np.testing.assert_array_equal(_numpy(model(x)), inference)
    assert not np.allclose(_numpy(model(x, training=True)), inference)


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="filters must be a positive integer"):
        L.ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match="strides > 1 cannot be combined with dilation_rate > 1"):
        L.ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="static spatial dimensions"):
        L.ConvLSTM2D(2, 3)(kerafront.Input((3, None, 5, 1)))
    with pytest.raises(ValueError, match="too small"):
        L.ConvLSTM1D(2, 5)(np.zeros((1, 2, 3, 1), "float32"))
    with pytest.raises(ValueError, match="expected rank 5"):
        L.ConvLSTM2D(2, 3)(np.zeros((1, 2, 5, 1), "float32"))
    layer = L.ConvLSTM1D(2, 2)
    with pytest.raises(ValueError, match="initial_state must be 2 tensors"):
        layer(np.zeros((1, 2, 4, 1), "float32"), initial_state=[np.zeros((1, 2), "float32")] * 2)


def test_a_keras_file_with_conv_lstm_layers_loads(tmp_path):
    pytest.importorskip("h5py")  # a .keras archive holds its weights in HDF5
    model = keras.Sequential([keras.Input((3, 5, 1)), keras.layers.ConvLSTM1D(2, 2, return_sequences=True,
                                                                                padding="same"),
                              keras.layers.ConvLSTM1D(1, 3)])
    model.set_weights([RNG.standard_normal(tuple(w.shape)).astype("float32") * 0.4 for w in model.weights])
    path = str(tmp_path / "conv_lstm.keras")
    model.save(path)
    loaded = kerafront.saving.load_model(path)
    x = RNG.standard_normal((2, 3, 5, 1)).astype("float32")
    np.testing.assert_allclose(_numpy(loaded(x)), np.asarray(model(x)), rtol=1e-5, atol=1e-6)


def _trained(lib, weights, x, y):
    model = lib.Sequential([lib.Input((3, 4, 1)), lib.layers.ConvLSTM1D(2, 2, return_sequences=True),
                            lib.layers.ConvLSTM1D(1, 2), lib.layers.Flatten(), lib.layers.Dense(1)])
    model.set_weights(weights)
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    return history.history["loss"], model.get_weights()


def test_training_matches_keras():
    x = RNG.standard_normal((4, 3, 4, 1)).astype("float32")
    y = RNG.standard_normal((4, 1)).astype("float32")
    shapes = [(2, 1, 8), (2, 2, 8), (8,), (2, 2, 4), (2, 1, 4), (4,), (2, 1), (1,)]
    weights = [RNG.standard_normal(s).astype("float32") * 0.4 for s in shapes]
    their_losses, their_weights = _trained(keras, weights, x, y)
    our_losses, our_weights = _trained(kerafront, weights, x, y)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)
    for ours, theirs, start in zip(our_weights, their_weights, weights):
        assert not np.allclose(theirs, start)
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-4, atol=1e-6)
