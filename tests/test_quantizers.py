"""keras.quantizers: values against hand computations and Keras 3 itself (on JAX), fake quantization's
straight-through gradients on every installed backend, the Quantizer classes and get/serialize/deserialize."""

import numpy as np
import pytest

import kerafront
from kerafront import ops
from kerafront import quantizers as Q
from kerafront.registry import available_backends

BACKENDS = available_backends()
RNG = np.random.default_rng(29)


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.fixture(scope="module")
def keras_quantizers():
    return pytest.importorskip("keras").quantizers


# ---------------------------------------------------------------------------------------------
# int8 / int4


def test_abs_max_quantize_by_hand():
    x = np.array([[1.0, -2.0, 0.5], [0.25, 0.1, -0.05]], "float32")
    quantized, scale = Q.abs_max_quantize(x, axis=-1)
    expected_scale = 127 / (np.array([[2.0], [0.25]]) + 1e-7)
    np.testing.assert_allclose(_numpy(scale), expected_scale, rtol=1e-6)
    np.testing.assert_array_equal(_numpy(quantized), [[64, -127, 32], [127, 51, -25]])  # 63.5 rounds to even
    assert _numpy(quantized).dtype == np.int8 and _numpy(scale).dtype == np.float32
    quantized, scale = Q.abs_max_quantize(x, axis=0, value_range=(-7, 7), to_numpy=True)
    np.testing.assert_array_equal(_numpy(quantized), [[7, -7, 7], [2, 0, -1]])
    assert _numpy(scale).shape == (1, 3)


@pytest.mark.parametrize("axis", [0, -1, (0, 1)])
@pytest.mark.parametrize("to_numpy", [False, True])
def test_abs_max_quantize_matches_keras(keras_quantizers, axis, to_numpy):
    x = RNG.standard_normal((5, 6)).astype("float32")
    ours = Q.abs_max_quantize(x, axis, to_numpy=to_numpy)
    theirs = keras_quantizers.abs_max_quantize(x, axis, to_numpy=to_numpy)
    np.testing.assert_array_equal(_numpy(ours[0]), np.asarray(theirs[0]))
    np.testing.assert_allclose(_numpy(ours[1]), np.asarray(theirs[1]), rtol=1e-6)


def test_grouped_quantize_by_hand():
    # one column, block 2: groups [0, 3] and [-2, 1.75]; range (-8, 7): 15 steps
    x = np.array([[0.0], [3.0], [-2.0], [1.75]], "float32")
    quantized, scale, zero_point = Q.abs_max_quantize_grouped_with_zero_point(x, block_size=2, epsilon=0.0)
    np.testing.assert_allclose(_numpy(scale), [[3 / 15], [3.75 / 15]], rtol=1e-6)
    np.testing.assert_array_equal(_numpy(zero_point), [[-8], [0]])  # round(-min / scale) - 8, clipped
    np.testing.assert_array_equal(_numpy(quantized), [[-8], [15 - 8], [-8], [7]])
    assert _numpy(zero_point).dtype == np.int8
    # dequantized values come back within half a step
    dequantized = (_numpy(quantized) - np.repeat(_numpy(zero_point), 2, axis=0)) * np.repeat(_numpy(scale), 2, 0)
    assert np.all(np.abs(dequantized - x) <= np.repeat(_numpy(scale), 2, 0) / 2 + 1e-6)


@pytest.mark.parametrize("to_numpy", [False, True])
@pytest.mark.parametrize("shape, block_size", [((7, 3), 3), ((8, 2), 4), ((5, 4), 8)])
def test_grouped_quantize_matches_keras(keras_quantizers, to_numpy, shape, block_size):
    x = RNG.standard_normal(shape).astype("float32")
    x[:, -1] = 0.5  # a constant column: a group with min == max
    ours = Q.abs_max_quantize_grouped_with_zero_point(x, block_size, to_numpy=to_numpy)
    theirs = keras_quantizers.abs_max_quantize_grouped_with_zero_point(x, block_size, to_numpy=to_numpy)
    np.testing.assert_array_equal(_numpy(ours[0]), np.asarray(theirs[0]))
    np.testing.assert_allclose(_numpy(ours[1]), np.asarray(theirs[1]), rtol=1e-6)
    np.testing.assert_array_equal(_numpy(ours[2]), np.asarray(theirs[2]))
    assert [_numpy(t).dtype for t in ours] == [np.asarray(t).dtype for t in theirs]


def test_pack_int4_by_hand():
    # Keras's documented example: low nibble first; -3 = 0b1101, 2 = 0b0010 -> 0b00101101 = 45
    original = np.array([[-3, 7], [2, -8], [1, 0]], "int8")
    packed, packed_shape, orig_len = Q.pack_int4(original, axis=0)
    np.testing.assert_array_equal(_numpy(packed), [[45, -121], [1, 0]])
    assert packed_shape == (2, 2) and orig_len == 3
    np.testing.assert_array_equal(_numpy(Q.unpack_int4(packed, orig_len, axis=0)), original)
    packed, packed_shape, orig_len = Q.pack_int4(np.array([[-3, 7, 2], [-8, 1, 0]], "int8"), axis=1)
    np.testing.assert_array_equal(_numpy(packed), [[125, 2], [24, 0]])
    assert packed_shape == (2, 2) and orig_len == 3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape, axis", [((5,), 0), ((3, 4), 1), ((7, 2), -2), ((2, 5, 3), 1), ((4, 3, 1), -1)])
def test_pack_unpack_round_trip(backend, shape, axis):
    values = RNG.integers(-8, 8, size=shape).astype("int8")
    with kerafront.backend_scope(backend):
        packed, packed_shape, orig_len = Q.pack_int4(values, axis=axis)
        assert tuple(ops.shape(packed)) == packed_shape
        assert packed_shape[axis] == (shape[axis] + 1) // 2 and orig_len == shape[axis]
        unpacked = Q.unpack_int4(packed, orig_len, axis=axis)
        np.testing.assert_array_equal(_numpy(unpacked), values)
        assert _numpy(unpacked).dtype == np.int8
        unsigned = values.astype("int16") & 0x0F  # the same nibbles read as [0, 15]
        packed_u, _, _ = Q.pack_int4(unsigned.astype("uint8"), axis=axis, dtype="uint8")
        np.testing.assert_array_equal(_numpy(Q.unpack_int4(packed_u, orig_len, axis=axis, dtype="uint8")), unsigned)


def test_pack_int4_matches_keras(keras_quantizers):
    values = RNG.integers(-8, 8, size=(5, 3)).astype("int8")
    for axis in (0, 1):
        ours, theirs = Q.pack_int4(values, axis), keras_quantizers.pack_int4(values, axis)
        np.testing.assert_array_equal(_numpy(ours[0]), np.asarray(theirs[0]))
        assert ours[1:] == tuple(theirs[1:])


def test_pack_and_unpack_reject_bad_dtypes():
    with pytest.raises(TypeError, match="expected a int8 tensor"):
        Q.pack_int4(np.zeros(3, "int32"))
    with pytest.raises(ValueError, match="'int8' or 'uint8'"):
        Q.pack_int4(np.zeros(3, "int8"), dtype="int4")
    with pytest.raises(TypeError, match="int8 or uint8 tensor"):
        Q.unpack_int4(np.zeros(3, "float32"), 3)


# ---------------------------------------------------------------------------------------------
# fake quantization


def test_fake_quant_by_hand():
    # [0, 255] with 8 bits: scale 1, levels are the integers; values outside are clamped
    x = np.array([0.4, 0.6, 300.0, -5.0, 253.5], "float32")  # halves round up
    np.testing.assert_allclose(_numpy(Q.fake_quant_with_min_max_vars(x, 0.0, 255.0)), [0, 1, 255, 0, 254])
    # [-1, 2] with 2 bits: 3 steps of 1.0; 0 is already a level; narrow_range: 2 steps of 1.5, min nudged
    # from -1 to -1.5 so that 0.0 is a level: levels -1.5, 0, 1.5
    x = np.array([-2.0, -0.4, 0.6, 1.4, 3.0], "float32")
    np.testing.assert_allclose(_numpy(Q.fake_quant_with_min_max_vars(x, -1.0, 2.0, num_bits=2)), [-1, 0, 1, 1, 2])
    np.testing.assert_allclose(_numpy(Q.fake_quant_with_min_max_vars(x, -1.0, 2.0, num_bits=2, narrow_range=True)),
                               [-1.5, 0, 0, 1.5, 1.5])


FAKE_QUANT = [((-1.0, 2.0), 8, False, None), ((-0.3, 1.7), 4, True, None), ((0.2, 1.0), 3, False, None),
              (([-1.0, -0.5, 0.0], [1.0, 2.0, 0.5]), 8, False, -1), (([-1.0, -0.2], [0.5, 3.0]), 5, True, 0)]


def _fake_quant_data(ranges, axis):
    low, high = (np.asarray(v, "float32") for v in ranges)
    shape = (2, 3) if axis in (None, -1) else (2, 4)
    x = RNG.uniform(-3.5, 3.5, size=shape).astype("float32")
    return x, low, high


@pytest.mark.parametrize("ranges, num_bits, narrow_range, axis", FAKE_QUANT)
def test_fake_quant_matches_keras(keras_quantizers, ranges, num_bits, narrow_range, axis):
    x, low, high = _fake_quant_data(ranges, axis)
    if axis == 0:  # Keras on JAX broadcasts per-channel ranges along the last axis only: compare transposed
        ours = _numpy(Q.fake_quant_with_min_max_vars(x, low, high, num_bits, narrow_range, axis=0))
        theirs = keras_quantizers.fake_quant_with_min_max_vars(x.T, low, high, num_bits, narrow_range, axis=-1)
        np.testing.assert_allclose(ours, np.asarray(theirs).T, rtol=1e-6, atol=1e-6)
        return
    ours = Q.fake_quant_with_min_max_vars(x, low, high, num_bits, narrow_range, axis)
    theirs = keras_quantizers.fake_quant_with_min_max_vars(x, low, high, num_bits, narrow_range, axis)
    np.testing.assert_allclose(_numpy(ours), np.asarray(theirs), rtol=1e-6, atol=1e-6)


def _keras_fake_quant_grads(keras_quantizers, x, low, high, num_bits, narrow_range, axis, cotangent):
    jax = pytest.importorskip("jax")
    if pytest.importorskip("keras").backend.backend() != "jax":
        pytest.skip("Keras runs on another backend in this process.")

    def loss(x, low, high):
        out = keras_quantizers.fake_quant_with_min_max_vars(x, low, high, num_bits, narrow_range, axis)
        return (out * cotangent).sum()

    return [np.asarray(g) for g in jax.grad(loss, argnums=(0, 1, 2))(x, low, high)]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("ranges, num_bits, narrow_range, axis", FAKE_QUANT[:4])
def test_fake_quant_gradients_match_keras(keras_quantizers, backend, ranges, num_bits, narrow_range, axis):
    x, low, high = _fake_quant_data(ranges, axis)
    cotangent = RNG.standard_normal(x.shape).astype("float32")
    expected = _keras_fake_quant_grads(keras_quantizers, x, low, high, num_bits, narrow_range, axis, cotangent)

    def loss(x, low, high):
        out = Q.fake_quant_with_min_max_vars(x, low, high, num_bits, narrow_range, axis)
        return ops.sum(ops.multiply(out, cotangent))

    with kerafront.backend_scope(backend):
        _, grads = ops.value_and_grad(loss, argnums=(0, 1, 2))(*(ops.convert_to_tensor(v) for v in (x, low, high)))
        grads = [_numpy(g) for g in grads]
    for got, want in zip(grads, expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_fake_quant_straight_through_gradient_by_hand(backend):
    # [0, 255]: inside values pass the upstream gradient; below 0 it goes to min, above 255 to max
    x = np.array([-3.0, 0.0, 7.4, 255.0, 300.0, 12.0], "float32")
    upstream = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "float32")

    def loss(x, low, high):
        return ops.sum(ops.multiply(Q.fake_quant_with_min_max_vars(x, low, high), upstream))

    with kerafront.backend_scope(backend):
        _, (dx, dlow, dhigh) = ops.value_and_grad(loss, argnums=(0, 1, 2))(
            ops.convert_to_tensor(x), ops.convert_to_tensor(np.float32(0.0)), ops.convert_to_tensor(np.float32(255)))
        dx, dlow, dhigh = _numpy(dx), _numpy(dlow), _numpy(dhigh)
    np.testing.assert_allclose(dx, [0, 2, 3, 4, 0, 6])  # Keras's rule: inclusive bounds for the inputs
    np.testing.assert_allclose(dlow, 1 + 2)  # x <= nudged_min
    np.testing.assert_allclose(dhigh, 4 + 5)  # x >= nudged_max


def test_fake_quant_rejects_bad_arguments():
    with pytest.raises(ValueError, match="num_bits must be an integer in"):
        Q.fake_quant_with_min_max_vars(np.zeros(3, "float32"), 0.0, 1.0, num_bits=1)
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        Q.fake_quant_with_min_max_vars(np.zeros((2, 3), "float32"), 0.0, 1.0, axis=2)
    with pytest.raises(ValueError, match="scalar or 1-D"):
        Q.fake_quant_with_min_max_vars(np.zeros((2, 3), "float32"), np.zeros((2, 3)), np.ones((2, 3)), axis=1)


# ---------------------------------------------------------------------------------------------
# float8


def test_quantize_and_dequantize_by_hand():
    # float8_e4m3fn: 3 mantissa bits. 0.3 lies in [0.25, 0.5): step 1/32 -> 0.3125; 1000 clips to 448;
    # 2**-9 is the smallest subnormal (step 2**-9 below 2**-6); 0.0009 -> 2**-9 * round(0.46) = 0
    x = np.array([0.3, 1000.0, -0.3, 2.0 ** -9, 0.0009, 17.0], "float32")
    got = _numpy(Q.quantize_and_dequantize(x, np.float32(1.0), "float8_e4m3fn", "float32"))
    np.testing.assert_array_equal(got, [0.3125, 448.0, -0.3125, 2.0 ** -9, 0.0, 16.0])  # 17 = 16 + 1: tie -> even
    # scale 2: quantize x / 2, multiply back; float8_e5m2 has 2 mantissa bits: 0.15 -> 0.15625
    got = _numpy(Q.quantize_and_dequantize(np.array([0.3], "float32"), np.float32(2.0), "float8_e5m2", "float32"))
    np.testing.assert_array_equal(got, [0.3125])


@pytest.mark.parametrize("quantized_dtype", ["float8_e4m3fn", "float8_e5m2", "float16", "bfloat16"])
def test_quantize_and_dequantize_matches_keras(keras_quantizers, quantized_dtype):
    x = np.concatenate([RNG.standard_normal(200) * 10.0 ** RNG.integers(-6, 5, size=200),
                        [0.0, -0.0, 448.0, 500.0, -1e6, 2.0 ** -20]]).astype("float32")
    for scale in (np.float32(1.0), np.float32(0.37)):
        ours = Q.quantize_and_dequantize(x, scale, quantized_dtype, "float32")
        theirs = keras_quantizers.quantize_and_dequantize(x, scale, quantized_dtype, "float32")
        np.testing.assert_array_equal(_numpy(ours), np.asarray(theirs))


def test_quantize_and_dequantize_gradient_passes_the_rounding():
    x = np.array([0.3, 1000.0, -2.2], "float32")

    def loss(x):
        return ops.sum(Q.quantize_and_dequantize(x, np.float32(1.0), "float8_e4m3fn", "float32"))

    _, grad = ops.value_and_grad(loss)(ops.convert_to_tensor(x))
    np.testing.assert_array_equal(_numpy(grad), [1.0, 0.0, 1.0])  # clipped at 448: no gradient
    with pytest.raises(ValueError, match="quantized_dtype must be one of"):
        Q.quantize_and_dequantize(x, 1.0, "int8", "float32")


def test_compute_float8_scale_and_amax_history_by_hand(keras_quantizers):
    amax = np.array([0.0, 2.0, np.inf, 5.0], "float32")
    scale = Q.compute_float8_scale(amax, np.float32(3.0), 448.0, margin=1)
    np.testing.assert_allclose(_numpy(scale), [3.0, 2.0 * 2 / 448, 3.0, 5.0 * 2 / 448], rtol=1e-6)  # kept at 0, inf
    np.testing.assert_allclose(_numpy(scale), np.asarray(keras_quantizers.compute_float8_scale(amax, np.float32(3.0),
                                                                                                448.0, 1)), rtol=1e-6)
    history = Q.compute_float8_amax_history(np.array([[-7.0, 2.0]], "float32"),
                                            np.array([1.0, 2.0, 3.0, 4.0], "float32"))
    np.testing.assert_array_equal(_numpy(history), [7.0, 3.0, 4.0, 1.0])


# ---------------------------------------------------------------------------------------------
# Quantizer objects


def test_abs_max_quantizer_and_lookup():
    x = np.array([[1.0, -2.0], [0.5, 4.0]], "float32")
    quantizer = Q.AbsMaxQuantizer()
    quantized, scale = quantizer(x)
    np.testing.assert_array_equal(_numpy(quantized), _numpy(Q.abs_max_quantize(x, -1)[0]))
    np.testing.assert_array_equal(_numpy(Q.AbsMaxQuantizer(axis=0)(x)[0]), _numpy(Q.abs_max_quantize(x, 0)[0]))
    assert quantizer.get_config() == {"value_range": (-127, 127), "epsilon": 1e-7, "output_dtype": "int8"}
    assert Q.AbsMaxQuantizer(axis=0).get_config()["axis"] == (0,)
    rebuilt = Q.deserialize(Q.serialize(Q.AbsMaxQuantizer(axis=1, value_range=(-7, 7))))
    assert isinstance(rebuilt, Q.AbsMaxQuantizer) and rebuilt.axis == (1,) and tuple(rebuilt.value_range) == (-7, 7)
    assert isinstance(Q.get("abs_max_quantizer"), Q.AbsMaxQuantizer)
    assert Q.get("AbsMaxQuantizer", value_range=(-3, 3)).value_range == (-3, 3)
    assert Q.get(None) is None and Q.get(quantizer) is quantizer
    assert kerafront.Quantizer is Q.Quantizer and kerafront.quantizers is Q
    assert Q.Quantizer()(x) is x
    with pytest.raises(NotImplementedError):
        Q.Quantizer().get_config()
    with pytest.raises(ValueError, match="Could not interpret quantizer identifier"):
        Q.get("int3")
    with pytest.raises(ValueError, match="value_range within"):
        Q.AbsMaxQuantizer(value_range=(-200, 200))


def test_names_match_keras():
    keras = pytest.importorskip("keras")
    theirs = {name for name in dir(keras.quantizers) if not name.startswith("_")}
    not_here = {"QuantizationConfig", "Int8QuantizationConfig", "Int4QuantizationConfig", "Float8QuantizationConfig",
                "AWQConfig", "GPTQConfig"}  # configs of model.quantize, which kerafront does not have
    assert theirs - set(Q.__all__) == not_here
