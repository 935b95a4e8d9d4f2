"""Keras 3's remaining initializer, activation, regularizer and constraint names, against closed forms and
Keras itself (those comparisons skip where ``keras`` is not installed).

Covered: the activations celu ... threshold and their ``kerafront.ops`` composites; the ``STFT``
initializer and the snake_case initializer names; ``OrthogonalRegularizer`` and ``l1``/``l2``/``l1_l2``;
the snake_case constraint names.
"""

import math

import numpy as np
import pytest

import kerafront
from kerafront import activations, constraints, initializers, ops, regularizers

X = np.array([-3.0, -1.5, -1.0, -0.7, -0.5, -0.2, 0.0, 0.3, 0.5, 0.9, 1.0, 1.2, 2.5], "float32")
NEW_ACTIVATIONS = ["celu", "hard_shrink", "hard_tanh", "soft_shrink", "sparse_plus", "sparse_sigmoid", "squareplus",
                   "tanh_shrink"]


def _keras():
    return pytest.importorskip("keras")


# ----------------------------------------------------------------------------------------------
# Activations and their ops

@pytest.mark.parametrize("name", NEW_ACTIVATIONS)
def test_activation_matches_keras(name):
    keras = _keras()
    ours = np.asarray(getattr(activations, name)(X))
    np.testing.assert_allclose(ours, np.asarray(getattr(keras.activations, name)(X)), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.asarray(getattr(ops, name)(X)), ours, rtol=0, atol=0)


@pytest.mark.parametrize("name, kwargs", [("celu", {"alpha": 0.5}), ("hard_shrink", {"threshold": 1.0}),
                                          ("soft_shrink", {"threshold": 1.0}), ("squareplus", {"b": 1.0}),
                                          ("threshold", {"threshold": 0.5, "default_value": -2.0}),
                                          ("glu", {"axis": 0}), ("hard_swish", {})])
def test_op_with_arguments_matches_keras(name, kwargs):
    keras = _keras()
    x = X[1:] if name == "glu" else X
    np.testing.assert_allclose(np.asarray(getattr(ops, name)(x, **kwargs)),
                               np.asarray(getattr(keras.ops, name)(x, **kwargs)), rtol=1e-6, atol=1e-7)


def test_closed_forms():
    np.testing.assert_allclose(ops.celu(np.float32(-1.0), alpha=2.0), 2 * (math.exp(-0.5) - 1), rtol=1e-6)
    np.testing.assert_allclose(ops.squareplus(np.float32(0.0)), 1.0)  # (0 + sqrt(4)) / 2
    np.testing.assert_allclose(ops.sparse_plus(np.array([-1.0, 0.0, 1.0], "float32")), [0.0, 0.25, 1.0])
    np.testing.assert_allclose(ops.sparse_sigmoid(np.array([-2.0, 0.0, 0.5, 2.0], "float32")), [0, 0.5, 0.75, 1])
    np.testing.assert_allclose(ops.tanh_shrink(np.float32(1.0)), 1 - math.tanh(1.0), rtol=1e-6)
    glu = ops.glu(np.array([[1.0, 2.0, 0.0, math.log(3.0)]], "float32"))
    np.testing.assert_allclose(glu, [[0.5, 2 * 0.75]], rtol=1e-6)  # [1, 2] * sigmoid([0, log 3])
    np.testing.assert_allclose(ops.threshold(np.array([0.2, 0.5, 0.7], "float32"), 0.5, 9.0), [9.0, 9.0, 0.7])


def test_sparsemax_is_the_simplex_projection():
    """Keras 3.15.1 sums the cumulative sums over the support (rows 1 and 3 below do not sum to 1 there);
    kerafront computes the Euclidean projection onto the simplex, worked by hand here."""
    x = np.array([[0.5, 0.4, -1.0], [1.0, 0.0, -1.0], [0.1, 0.2, 0.3]], "float32")
    # row 1: support {0.5, 0.4}, tau = (0.9 - 1) / 2; row 2: support {1}, tau = 0; row 3: all, tau = (0.6 - 1) / 3
    expected = [[0.55, 0.45, 0.0], [1.0, 0.0, 0.0], [0.1 + 0.4 / 3, 0.2 + 0.4 / 3, 0.3 + 0.4 / 3]]
    np.testing.assert_allclose(activations.sparsemax(x), expected, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ops.sparsemax(x.T, axis=0), np.transpose(expected), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(np.sum(ops.sparsemax(np.random.default_rng(0).normal(size=(4, 7))), -1), 1.0)


def test_sparsemax_with_one_kept_entry_matches_keras():
    keras = _keras()
    x = np.array([[3.0, 0.5, -1.0], [-2.0, 4.0, 1.0]], "float32")
    np.testing.assert_allclose(ops.sparsemax(x), np.asarray(keras.ops.sparsemax(x)), atol=1e-7)


def test_sparsemax_gradient_is_the_projection_jacobian():
    x = np.array([0.5, 0.4, -1.0])
    g = np.array([1.0, 3.0, 5.0])
    _, grad = ops.value_and_grad(lambda v: ops.sum(ops.multiply(ops.sparsemax(v), g)))(x)
    # support {0, 1}: J = I - 1/2 there, 0 elsewhere
    np.testing.assert_allclose(ops.convert_to_numpy(grad), [1 - 2.0, 3 - 2.0, 0.0], atol=1e-12)


def test_glu_rejects_an_odd_axis():
    with pytest.raises(ValueError, match="glu: x must have an even size along axis -1"):
        ops.glu(np.zeros((2, 3), "float32"))


@pytest.mark.parametrize("name", NEW_ACTIVATIONS + ["glu", "sparsemax", "threshold"])
def test_activation_names_resolve_and_serialize(name):
    fn = activations.get(name)
    assert fn is getattr(activations, name) and activations.serialize(fn) == name
    assert name in activations.__all__


def test_activation_signatures_match_keras():
    keras = _keras()
    import inspect
    for name in NEW_ACTIVATIONS + ["glu", "sparsemax", "threshold"]:
        ours = inspect.signature(getattr(activations, name))
        theirs = inspect.signature(getattr(keras.activations, name))
        assert str(ours) == str(theirs), name


def test_dense_with_new_activation_name():
    layer = kerafront.layers.Dense(2, activation="squareplus", kernel_initializer="ones")
    out = layer(np.array([[1.0, -2.0]], "float32"))
    np.testing.assert_allclose(out, [[(-1 + math.sqrt(5)) / 2] * 2], rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Initializers

SNAKE_INITIALIZERS = ["constant", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "identity",
                      "lecun_normal", "lecun_uniform", "ones", "orthogonal", "random_normal", "random_uniform", "stft",
                      "truncated_normal", "variance_scaling", "zeros"]


@pytest.mark.parametrize("name", SNAKE_INITIALIZERS + ["OrthogonalInitializer", "STFT", "STFTInitializer"])
def test_initializer_names_are_keras_classes(name):
    keras = _keras()
    ours, theirs = getattr(initializers, name), getattr(keras.initializers, name)
    assert isinstance(ours, type) and issubclass(ours, initializers.Initializer)
    assert ours.__name__ == theirs.__name__.replace("IdentityInitializer", "Identity")
    assert type(initializers.get(name)) is ours and name in initializers.__all__


@pytest.mark.parametrize("shape, gain", [((6, 3), 1.0), ((3, 6), 2.0), ((2, 2, 4), 0.5)])
def test_orthogonal_initializer_is_orthogonal(shape, gain):
    w = initializers.OrthogonalInitializer(gain=gain, seed=3).numpy(shape).reshape(-1, shape[-1])
    small = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    np.testing.assert_allclose(small, gain ** 2 * np.eye(min(w.shape)), atol=1e-12)


STFT_SETTINGS = [dict(side="real", window="hann", scaling="density", periodic=False),
                 dict(side="imag", window="hann", scaling="spectrum", periodic=True),
                 dict(side="real", window="hamming", scaling=None, periodic=False),
                 dict(side="imag", window="blackman", scaling="density", periodic=False),
                 dict(side="real", window="bartlett", scaling="spectrum", periodic=True),
                 dict(side="imag", window=None, scaling="density", periodic=False)]


@pytest.mark.parametrize("settings", STFT_SETTINGS, ids=lambda s: f"{s['side']}-{s['window']}-{s['scaling']}")
def test_stft_matches_keras(settings):
    keras = _keras()
    if settings["window"] == "bartlett":
        pytest.importorskip("scipy")
    ours = initializers.STFT(**settings)
    theirs = keras.initializers.STFT(**settings)
    shape = (8, 1, 5)
    np.testing.assert_allclose(np.asarray(ours(shape)), np.asarray(theirs(shape)), atol=2e-6)
    assert ours.get_config() == theirs.get_config()
    assert list(ours.get_config()) == list(theirs.get_config())


def test_stft_closed_form():
    """No window: real side cos(-2 pi t f / 8), imaginary side sin, for frame 4 and 5 bins (fft_length 8)."""
    t, f = np.meshgrid(np.arange(4), np.arange(5), indexing="ij")
    real = initializers.STFT(window=None).numpy((4, 1, 5))[:, 0, :]
    imag = initializers.stft(side="imag", window=None).numpy((4, 1, 5))[:, 0, :]
    np.testing.assert_allclose(real, np.cos(-2 * np.pi * t * f / 8), atol=1e-15)
    np.testing.assert_allclose(imag, np.sin(-2 * np.pi * t * f / 8), atol=1e-15)
    window = np.array([1.0, 2.0, 3.0, 4.0])
    spectrum = initializers.STFTInitializer(window=window, scaling="spectrum").numpy((4, 1, 5))[:, 0, :]
    np.testing.assert_allclose(spectrum, np.cos(-2 * np.pi * t * f / 8) * window[:, None] / 10.0, atol=1e-15)
    hann = initializers.STFT(scaling=None).numpy((5, 1, 2))[:, 0, 0]
    np.testing.assert_allclose(hann, [0.0, 0.5, 1.0, 0.5, 0.0], atol=1e-15)  # symmetric Hann of length 5


def test_stft_bad_arguments():
    with pytest.raises(ValueError, match="side must be 'real' or 'imag'"):
        initializers.STFT(side="both")
    with pytest.raises(ValueError, match="scaling must be None, 'density' or 'spectrum'"):
        initializers.STFT(scaling="energy")
    with pytest.raises(ValueError, match=r"window must have shape \(4,\)"):
        initializers.STFT(window=np.ones(3)).numpy((4, 1, 3))
    with pytest.raises(ValueError, match="needs a shape"):
        initializers.STFT().numpy((4, 3))


def test_stft_config_round_trip():
    config = kerafront.saving.serialize(initializers.STFT(side="imag", window="hamming", periodic=True))
    rebuilt = initializers.get(config)
    assert isinstance(rebuilt, initializers.STFT) and rebuilt.get_config()["window"] == "hamming"
    np.testing.assert_array_equal(rebuilt.numpy((6, 1, 4)),
                                  initializers.STFT(side="imag", window="hamming", periodic=True).numpy((6, 1, 4)))


# ----------------------------------------------------------------------------------------------
# Regularizers

@pytest.mark.parametrize("name", ["l1", "l2", "l1_l2", "orthogonal_regularizer", "OrthogonalRegularizer"])
def test_regularizer_names_are_keras_classes(name):
    keras = _keras()
    ours, theirs = getattr(regularizers, name), getattr(keras.regularizers, name)
    assert isinstance(ours, type) and ours.__name__ == theirs.__name__ and name in regularizers.__all__
    assert type(regularizers.get(name)) is ours
    ours_config, theirs_config = ours().get_config(), theirs().get_config()
    assert list(ours_config) == list(theirs_config)
    assert ours_config == pytest.approx(theirs_config, rel=1e-7)  # Keras keeps the float32-rounded factor


def test_orthogonal_regularizer_by_hand():
    """Rows [1, 0] and [1, 1]: unit vectors at 45 degrees, cosine 1/sqrt(2), one pair counted twice."""
    w = np.array([[1.0, 0.0], [1.0, 1.0]], "float32")
    np.testing.assert_allclose(regularizers.OrthogonalRegularizer(factor=0.2)(w), 0.2 * 0.5 * math.sqrt(2), rtol=1e-6)
    # columns [1, 1] and [0, 1]: the same angle
    np.testing.assert_allclose(regularizers.orthogonal_regularizer(0.2, mode="columns")(w), 0.2 * 0.5 * math.sqrt(2),
                               rtol=1e-6)
    np.testing.assert_allclose(regularizers.OrthogonalRegularizer(1.0)(np.eye(3, dtype="float32")), 0.0, atol=1e-7)
    np.testing.assert_allclose(regularizers.OrthogonalRegularizer(1.0)(np.ones((1, 3), "float32")), 0.0)


@pytest.mark.parametrize("mode", ["rows", "columns"])
def test_orthogonal_regularizer_matches_keras(mode):
    keras = _keras()
    w = np.random.default_rng(1).normal(size=(4, 3)).astype("float32")
    w[2] = 0.0  # a zero row: the norm floor at epsilon
    ours = regularizers.OrthogonalRegularizer(0.05, mode=mode)
    theirs = keras.regularizers.OrthogonalRegularizer(0.05, mode=mode)
    # a Keras tensor: Keras's NumPy path of normalize breaks on axis 0 (columns)
    np.testing.assert_allclose(ours(w), np.asarray(theirs(keras.ops.convert_to_tensor(w))), rtol=1e-5)
    assert ours.get_config()["mode"] == theirs.get_config()["mode"]
    assert ours.get_config()["factor"] == pytest.approx(theirs.get_config()["factor"], rel=1e-7)


def test_orthogonal_regularizer_bad_input():
    with pytest.raises(ValueError, match="factor must be a non-negative finite number"):
        regularizers.OrthogonalRegularizer(factor=-1.0)
    with pytest.raises(ValueError, match="mode must be 'rows' or 'columns'"):
        regularizers.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match=r"rank 2, got shape \(2, 2, 2\)"):
        regularizers.OrthogonalRegularizer()(np.ones((2, 2, 2), "float32"))


def test_orthogonal_regularizer_in_a_layer():
    layer = kerafront.layers.Dense(2, kernel_regularizer="orthogonal_regularizer", kernel_initializer="ones")
    layer(np.ones((1, 2), "float32"))
    # kernel rows [1, 1] and [1, 1]: cosine 1, counted twice over one pair -> 0.01 * 0.5 * 2
    np.testing.assert_allclose(ops.convert_to_numpy(layer.losses[0]), 0.01, rtol=1e-6)


@pytest.mark.parametrize("name, args", [("l1", (0.3,)), ("l2", (0.3,)), ("l1_l2", (0.1, 0.2))])
def test_snake_regularizers_match_keras(name, args):
    keras = _keras()
    w = np.array([[1.0, -2.0], [0.5, 3.0]], "float32")
    np.testing.assert_allclose(getattr(regularizers, name)(*args)(w),
                               np.asarray(getattr(keras.regularizers, name)(*args)(w)), rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# Constraints

@pytest.mark.parametrize("name, kwargs", [("max_norm", {"max_value": 1.5}), ("min_max_norm", {"min_value": 2.0}),
                                          ("non_neg", {}), ("unit_norm", {"axis": 1})])
def test_snake_constraints_match_keras(name, kwargs):
    keras = _keras()
    ours, theirs = getattr(constraints, name), getattr(keras.constraints, name)
    assert isinstance(ours, type) and ours.__name__ == theirs.__name__ and name in constraints.__all__
    assert type(constraints.get(name)) is ours
    w = np.array([[1.0, -2.0, 0.1], [0.5, 3.0, -0.2]], "float32")
    np.testing.assert_allclose(ours(**kwargs)(w), np.asarray(theirs(**kwargs)(w)), rtol=1e-6, atol=1e-7)
    assert ours(**kwargs).get_config() == theirs(**kwargs).get_config()
