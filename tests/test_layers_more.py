"""More of ``keras.layers`` and ``keras.ops.nn`` against Keras 3 itself (NumPy backend; skipped without Keras):
Keras's alias spellings, DepthwiseConv1D, SeparableConv1D, RMSNormalization, adaptive pooling, and the ops
rms_normalization, batch_normalization, adaptive pools, depth_to_space, space_to_depth and psnr."""

import os

import numpy as np
import pytest

import kerafront
from kerafront import layers as L, ops

os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
keras = pytest.importorskip("keras")

RNG = np.random.default_rng(18)
ALIASES = {"AvgPool1D": "AveragePooling1D", "AvgPool2D": "AveragePooling2D", "AvgPool3D": "AveragePooling3D",
           "MaxPool1D": "MaxPooling1D", "MaxPool2D": "MaxPooling2D", "MaxPool3D": "MaxPooling3D",
           "GlobalAvgPool1D": "GlobalAveragePooling1D", "GlobalAvgPool2D": "GlobalAveragePooling2D",
           "GlobalAvgPool3D": "GlobalAveragePooling3D", "GlobalMaxPool1D": "GlobalMaxPooling1D",
           "GlobalMaxPool2D": "GlobalMaxPooling2D", "GlobalMaxPool3D": "GlobalMaxPooling3D",
           "Convolution1D": "Conv1D", "Convolution2D": "Conv2D", "Convolution3D": "Conv3D",
           "Convolution1DTranspose": "Conv1DTranspose", "Convolution2DTranspose": "Conv2DTranspose",
           "Convolution3DTranspose": "Conv3DTranspose", "SeparableConvolution1D": "SeparableConv1D",
           "SeparableConvolution2D": "SeparableConv2D"}


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def _keras_numpy(x):
    return np.asarray(keras.ops.convert_to_numpy(x))


@pytest.mark.parametrize("alias", sorted(ALIASES))
def test_aliases_are_the_classes_keras_aliases(alias):
    assert getattr(L, alias) is getattr(L, ALIASES[alias])
    assert getattr(keras.layers, alias) is getattr(keras.layers, ALIASES[alias])  # the same pairing in Keras


def _same_layer(ours, theirs, x):
    """Build both on ``x``, copy Keras's weights into ours, compare names, shapes, outputs and config keys."""
    expected = _keras_numpy(theirs(x))
    ours.build(x.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(_numpy(ours(x)), expected, rtol=1e-5, atol=1e-5)
    assert ours.count_params() == theirs.count_params()
    ours_config, theirs_config = ours.get_config(), theirs.get_config()
    assert set(ours_config) == set(theirs_config)
    for key in ("kernel_size", "strides", "dilation_rate", "depth_multiplier", "padding", "data_format", "axis",
                "epsilon", "output_size", "filters"):
        if key in theirs_config:
            assert tuple(np.atleast_1d(ours_config[key])) == tuple(np.atleast_1d(theirs_config[key])), key
    return ours


@pytest.mark.parametrize("kwargs", [{}, {"depth_multiplier": 2, "strides": 2, "padding": "same"},
                                    {"dilation_rate": 2, "data_format": "channels_first"}])
def test_depthwise_conv1d_matches_keras(kwargs):
    x = RNG.standard_normal((2, 3, 7) if kwargs.get("data_format") else (2, 7, 3)).astype("float32")
    _same_layer(L.DepthwiseConv1D(3, **kwargs), keras.layers.DepthwiseConv1D(3, **kwargs), x)


@pytest.mark.parametrize("kwargs", [{}, {"depth_multiplier": 2, "padding": "same", "activation": "relu"},
                                    {"strides": 2, "data_format": "channels_first"}])
def test_separable_conv1d_matches_keras(kwargs):
    x = RNG.standard_normal((2, 3, 8) if kwargs.get("data_format") else (2, 8, 3)).astype("float32")
    bias = {"bias_initializer": "ones"}
    layer = _same_layer(L.SeparableConv1D(4, 3, **kwargs, **bias), keras.layers.SeparableConv1D(4, 3, **kwargs, **bias),
                        x)
    assert [tuple(w.shape) for w in layer.weights][1] == (1, 3 * kwargs.get("depth_multiplier", 1), 4)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_rms_normalization_matches_keras_and_the_formula(axis):
    x = RNG.standard_normal((2, 3, 4)).astype("float32")
    theirs = keras.layers.RMSNormalization(axis=axis, epsilon=1e-3)
    theirs.build(x.shape)
    theirs.set_weights([RNG.standard_normal(tuple(np.asarray(theirs.scale).shape)).astype("float32")])
    ours = _same_layer(L.RMSNormalization(axis=axis, epsilon=1e-3), theirs, x)
    axes = (-1,) if axis == -1 else tuple(axis)
    scale = ours.get_weights()[0]
    by_hand = x / np.sqrt(np.mean(x.astype(np.float64) ** 2, axis=axes, keepdims=True) + 1e-3) * scale
    np.testing.assert_allclose(_numpy(ours(x)), by_hand, rtol=1e-5, atol=1e-6)
    assert ours.get_config()["axis"] == theirs.get_config()["axis"]


@pytest.mark.parametrize("name,output_size,shape,data_format", [
    ("AdaptiveAveragePooling1D", 3, (2, 7, 3), "channels_last"),
    ("AdaptiveMaxPooling1D", 4, (2, 6, 2), "channels_first"),
    ("AdaptiveAveragePooling2D", (3, 2), (1, 5, 7, 2), "channels_last"),
    ("AdaptiveMaxPooling2D", 3, (1, 2, 5, 7), "channels_first"),
    ("AdaptiveAveragePooling3D", (2, 2, 3), (1, 4, 3, 5, 2), "channels_last"),
    ("AdaptiveMaxPooling3D", 2, (1, 3, 4, 5, 2), "channels_last"),
])
def test_adaptive_pooling_matches_keras(name, output_size, shape, data_format):
    x = RNG.standard_normal(shape).astype("float32")
    ours = getattr(L, name)(output_size, data_format=data_format)
    theirs = getattr(keras.layers, name)(output_size, data_format=data_format)
    _same_layer(ours, theirs, x)
    assert ours.compute_output_shape(shape) == tuple(theirs.compute_output_shape(shape))


def test_adaptive_average_pool_by_hand():
    x = np.arange(5, dtype="float32").reshape(1, 5, 1)  # windows [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(_numpy(ops.adaptive_average_pool(x, 3))[0, :, 0], [0.5, 2.0, 3.5])
    np.testing.assert_allclose(_numpy(ops.adaptive_max_pool(x, 3))[0, :, 0], [1.0, 3.0, 4.0])


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pixel_shuffles_match_keras(data_format):
    x = RNG.standard_normal((2, 3, 2, 8) if data_format == "channels_last" else (2, 8, 3, 2)).astype("float32")
    shuffled = _numpy(ops.depth_to_space(x, 2, data_format=data_format))
    np.testing.assert_array_equal(shuffled, _keras_numpy(keras.ops.depth_to_space(x, 2, data_format=data_format)))
    np.testing.assert_array_equal(_numpy(ops.space_to_depth(shuffled, 2, data_format=data_format)), x)


def test_psnr_rms_and_batch_normalization_match_keras():
    x1, x2 = RNG.random((2, 4, 3)).astype("float32"), RNG.random((2, 4, 3)).astype("float32")
    np.testing.assert_allclose(_numpy(ops.psnr(x1, x2, 1.0)), _keras_numpy(keras.ops.psnr(x1, x2, 1.0)), rtol=1e-5)
    np.testing.assert_allclose(_numpy(ops.psnr(x1, x2, 1.0)), -10 * np.log10(np.mean((x1 - x2) ** 2)), rtol=1e-5)
    scale = RNG.standard_normal(3).astype("float32")
    np.testing.assert_allclose(_numpy(ops.rms_normalization(x1, scale)),
                               _keras_numpy(keras.ops.rms_normalization(x1, scale)), rtol=1e-5, atol=1e-6)
    mean, variance, offset = (RNG.random(4).astype("float32") for _ in range(3))
    np.testing.assert_allclose(
        _numpy(ops.batch_normalization(x1, mean, variance, 1, offset=offset, scale=None, epsilon=1e-2)),
        _keras_numpy(keras.ops.batch_normalization(x1, mean, variance, 1, offset=offset, epsilon=1e-2)),
        rtol=1e-5, atol=1e-6)


def test_bad_arguments_name_the_layer_or_op():
    with pytest.raises(ValueError, match="AdaptiveMaxPooling2D: output_size"):
        L.AdaptiveMaxPooling2D((2, 3, 4))
    with pytest.raises(ValueError, match="depth_to_space: the channels"):
        ops.depth_to_space(np.zeros((1, 2, 2, 3), "float32"), 2)
    with pytest.raises(ValueError, match="psnr: x1 and x2"):
        ops.psnr(np.zeros((2, 3), "float32"), np.zeros((3, 2), "float32"), 1.0)
    with pytest.raises(TypeError, match="RMSNormalization: axis"):
        L.RMSNormalization(axis="last")
    with pytest.raises(ValueError, match="DepthwiseConv1D: depth_multiplier"):
        L.DepthwiseConv1D(3, depth_multiplier=0)
    assert kerafront.layers.deserialize(kerafront.layers.serialize(L.MaxPool2D(3))).pool_size == (3, 3)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_reversible_embedding_matches_keras(tie_weights):
    ids = np.array([[1, 0, 4], [3, 2, 0]])
    kwargs = {"tie_weights": tie_weights, "logit_soft_cap": 2.0, "mask_zero": True}
    ours, theirs = L.ReversibleEmbedding(5, 3, **kwargs), keras.layers.ReversibleEmbedding(5, 3, **kwargs)
    hidden = _keras_numpy(theirs(ids))
    ours.build(ids.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(_numpy(ours(ids)), hidden, rtol=1e-6)
    logits = _numpy(ours(hidden, reverse=True))
    np.testing.assert_allclose(logits, _keras_numpy(theirs(hidden, reverse=True)), rtol=1e-5, atol=1e-6)
    kernel = ours.get_weights()[0].T if tie_weights else ours.get_weights()[1]
    np.testing.assert_allclose(logits, np.tanh(hidden @ kernel / 2.0) * 2.0, rtol=1e-5, atol=1e-6)
    # kerafront's Embedding has no quantization (its config has no quantization_config): the other keys match
    assert set(ours.get_config()) == set(theirs.get_config()) - {"quantization_config"}
    assert ours.compute_output_shape((2, 3, 3), reverse=True) == (2, 3, 5)


def test_pipeline_applies_its_layers_in_turn_like_keras():
    x = RNG.standard_normal((2, 4)).astype("float32")
    ours = L.Pipeline([L.Dense(3, name="d"), L.Activation("tanh", name="a")])
    theirs = keras.layers.Pipeline([keras.layers.Dense(3, name="d"), keras.layers.Activation("tanh", name="a")])
    expected = _keras_numpy(theirs(x))
    ours.build(x.shape)
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    kernel, bias = ours.get_weights()
    np.testing.assert_allclose(_numpy(ours(x)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_numpy(ours(x)), np.tanh(x @ kernel + bias), rtol=1e-5, atol=1e-6)
    assert set(ours.get_config()) == set(theirs.get_config()) == {"layers", "name"}
    assert [layer.name for layer in L.Pipeline.from_config(ours.get_config()).layers] == ["d", "a"]


def test_wrapper_builds_its_layer_and_serializes_it():
    class Doubled(L.Wrapper):
        def call(self, inputs):
            return ops.multiply(self.layer(inputs), 2.0)

        def compute_output_shape(self, input_shape):
            return self.layer.compute_output_shape(input_shape)

    x = RNG.standard_normal((2, 4)).astype("float32")
    wrapped = Doubled(L.Dense(2, kernel_initializer="ones", bias_initializer="ones"))
    np.testing.assert_allclose(_numpy(wrapped(x)), 2 * (x.sum(axis=1, keepdims=True) + 1) * np.ones((1, 2)),
                               rtol=1e-5)
    config = wrapped.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert Doubled.from_config(config).layer.units == 2
    assert set(config) == set(keras.layers.Wrapper(keras.layers.Dense(2)).get_config())
    with pytest.raises(ValueError, match="Doubled: layer must be a kerafront layer"):
        Doubled("dense")


@pytest.mark.parametrize("power_iterations", [1, 3])
def test_spectral_normalization_matches_keras(power_iterations):
    x = RNG.standard_normal((2, 4)).astype("float32")
    ours = L.SpectralNormalization(L.Dense(3), power_iterations=power_iterations)
    theirs = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=power_iterations)
    theirs.build(x.shape)
    ours.build(x.shape)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert [w.trainable for w in ours.weights] == [w.trainable for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    kernel = ours.layer.get_weights()[0].astype(np.float64)
    u = np.asarray(ours.vector_u.numpy() if hasattr(ours.vector_u, "numpy") else ours.vector_u.value, np.float64)
    for _ in range(power_iterations):  # power iteration by hand
        v = u @ kernel.T / np.linalg.norm(u @ kernel.T)
        u = v @ kernel / np.linalg.norm(v @ kernel)
    sigma = (v @ kernel @ u.T).item()
    expected = _keras_numpy(theirs(x, training=True))
    np.testing.assert_allclose(_numpy(ours(x, training=True)), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.layer.get_weights()[0], kernel / sigma, rtol=1e-5, atol=1e-7)
    for got, want in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(got, np.asarray(want), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(_numpy(ours(x)), _keras_numpy(theirs(x)), rtol=1e-5, atol=1e-6)  # inference: no update
    assert set(ours.get_config()) == set(theirs.get_config())
    with pytest.raises(ValueError, match="SpectralNormalization: power_iterations"):
        L.SpectralNormalization(L.Dense(3), power_iterations=0)


def _gqa_by_hand(q, v, weights, kv_heads):
    """Grouped-query attention from its definition: query head i reads key/value head i // repeats."""
    wq, bq, wk, bk, wv, bv, wo, bo = weights
    query = np.einsum("bqm,muh->bquh", q, wq) + bq
    key, value = np.einsum("bkm,mvh->bkvh", v, wk) + bk, np.einsum("bkm,mvh->bkvh", v, wv) + bv
    heads, head_dim = wq.shape[1], wq.shape[2]
    out = np.zeros(query.shape)
    for i in range(heads):
        j = i // (heads // kv_heads)
        logits = query[:, :, i] @ key[:, :, j].transpose(0, 2, 1) / np.sqrt(head_dim)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        out[:, :, i] = (p / p.sum(-1, keepdims=True)) @ value[:, :, j]
    return np.einsum("bquh,uhm->bqm", out, wo) + bo


@pytest.mark.parametrize("kwargs", [{}, {"flash_attention": False}, {"use_causal_mask": True}])
def test_group_query_attention_matches_keras_and_the_definition(kwargs):
    q, v = RNG.standard_normal((2, 4, 6)).astype("float32"), RNG.standard_normal((2, 4, 6)).astype("float32")
    call_kwargs = {"use_causal_mask": True} if kwargs.get("use_causal_mask") else {}
    layer_kwargs = {k: w for k, w in kwargs.items() if k != "use_causal_mask"}
    ours = L.GroupQueryAttention(3, 4, 2, bias_initializer="random_normal", **layer_kwargs)
    theirs = keras.layers.GroupQueryAttention(3, 4, 2, bias_initializer="random_normal", **layer_kwargs)
    expected = _keras_numpy(theirs(q, v, **call_kwargs))
    ours.build(q.shape, v.shape)
    assert [w.path.split("/", 1)[1] for w in ours.weights] == [w.path.split("/", 1)[1] for w in theirs.weights]
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    np.testing.assert_allclose(_numpy(ours(q, v, **call_kwargs)), expected, rtol=1e-5, atol=1e-5)
    if not call_kwargs:
        np.testing.assert_allclose(expected, _gqa_by_hand(q, v, ours.get_weights(), 2), rtol=1e-4, atol=1e-5)
    assert set(ours.get_config()) == set(theirs.get_config()) - {"flash_attention"}
    _, scores = ours(q, v, return_attention_scores=True)
    assert tuple(ops.shape(scores)) == (2, 4, 4, 4)
    with pytest.raises(ValueError, match="divisible by num_key_value_heads"):
        L.GroupQueryAttention(3, 4, 3)


def test_multi_hot_unfold_and_fold_match_keras():
    labels = np.array([[0, 2, 2], [3, 1, 1]])
    np.testing.assert_array_equal(_numpy(ops.multi_hot(labels, 4)), [[1, 0, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_array_equal(_numpy(ops.multi_hot(labels, 4)), _keras_numpy(keras.ops.multi_hot(labels, 4)))
    x = RNG.standard_normal((2, 3, 5, 6)).astype("float32")
    kwargs = {"kernel_size": (2, 3), "dilation": (1, 2), "padding": 1, "stride": 2}
    columns = _numpy(ops.unfold(x, **kwargs))
    np.testing.assert_allclose(columns, _keras_numpy(keras.ops.unfold(x, **kwargs)), rtol=1e-6)
    np.testing.assert_allclose(_numpy(ops.fold(columns, (5, 6), **kwargs)),
                               _keras_numpy(keras.ops.fold(columns, (5, 6), **kwargs)), rtol=1e-5, atol=1e-6)
    # without overlap or padding, fold inverts unfold exactly
    np.testing.assert_array_equal(_numpy(ops.fold(ops.unfold(x[..., :4, :6], 2, stride=2), (4, 6), 2, stride=2)),
                                  x[..., :4, :6])


@pytest.mark.parametrize("output_mode", ["int", "one_hot"])
def test_hashed_crossing_gives_keras_bins(output_mode):
    tf = pytest.importorskip("tensorflow")  # Keras's HashedCrossing runs TensorFlow's cross_hashed on every backend
    ints = np.array([[1], [2], [-3], [2 ** 40]])
    strings = np.array([["A"], ["B"], ["é"], ["A"]])
    for inputs in ([ints, strings], [strings, ints, ints], [ints[:, 0], ints[:, 0]]):
        ours = _numpy(L.HashedCrossing(97, output_mode=output_mode)(inputs))
        if output_mode == "int":  # Keras's int64 bins need JAX's x64 mode: compare with the op Keras calls
            columns = [tf.constant(x.reshape(-1, 1)) for x in inputs]
            theirs = tf.sparse.to_dense(tf.sparse.cross_hashed(columns, 97)).numpy().reshape(ours.shape)
        else:
            theirs = _keras_numpy(keras.layers.HashedCrossing(97, output_mode=output_mode)(inputs))
        np.testing.assert_array_equal(ours, theirs)
    assert set(L.HashedCrossing(3).get_config()) == set(keras.layers.HashedCrossing(3).get_config())
    with pytest.raises(ValueError, match="HashedCrossing: inputs must have equal shapes"):
        L.HashedCrossing(3)([ints, ints[:2]])
