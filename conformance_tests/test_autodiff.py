"""Autodiff and compile hooks on every backend: value_and_grad / grad over pytrees, argnums
tuples, has_aux, zero gradients for unused leaves, a tensor passed twice, dense gather gradients,
stop_gradient, compile, and conv_transpose as the input gradient of conv. Expected gradients are
written out analytically with NumPy."""

import numpy as np
import pytest

from conformance_tests import harness
from conformance_tests.tolerances import tolerance

RTOL, ATOL = tolerance("float32", "reduction")
rng = np.random.default_rng(2024)
X = rng.standard_normal((2, 3)).astype("float32")
Y = rng.standard_normal((2, 3)).astype("float32")
Z = rng.standard_normal((3,)).astype("float32")


def _np(ops, x):
    return np.asarray(ops.convert_to_numpy(x))


def _close(ops, actual, expected, what):
    np.testing.assert_allclose(_np(ops, actual), expected, rtol=RTOL, atol=ATOL, err_msg=what)


def _t(ops, x):
    return ops.convert_to_tensor(x)


def test_pytree_dict_of_lists(ops):
    params = {"a": [_t(ops, X), _t(ops, Y)], "b": _t(ops, Z)}

    def loss(p):
        return ops.add(ops.sum(ops.multiply(p["a"][0], p["a"][1])), ops.sum(ops.square(p["b"])))

    value, grads = ops.value_and_grad(loss)(params)
    assert isinstance(grads, dict) and sorted(grads) == ["a", "b"], f"gradient structure {type(grads)}"
    assert isinstance(grads["a"], list) and len(grads["a"]) == 2, f"grads['a'] is {type(grads['a'])}"
    _close(ops, value, (X * Y).sum() + (Z**2).sum(), "value")
    _close(ops, grads["a"][0], Y, "d/da[0]")
    _close(ops, grads["a"][1], X, "d/da[1]")
    _close(ops, grads["b"], 2 * Z, "d/db")
    for leaf in (grads["a"][0], grads["a"][1], grads["b"]):
        assert ops.dtype(leaf) == "float32"


def test_tuple_in_pytree(ops):
    value, grads = ops.value_and_grad(lambda p: ops.sum(ops.multiply(p[0], ops.exp(p[1]))))((_t(ops, X), _t(ops, Y)))
    assert isinstance(grads, tuple) and len(grads) == 2, f"gradient of a tuple is {type(grads)}"
    _close(ops, grads[0], np.exp(Y), "d/dp[0]")
    _close(ops, grads[1], X * np.exp(Y), "d/dp[1]")


def test_argnums_tuple(ops):
    def loss(x, y, z):
        return ops.sum(ops.add(ops.multiply(x, y), z))

    value, grads = ops.value_and_grad(loss, argnums=(0, 2))(_t(ops, X), _t(ops, Y), _t(ops, Z))
    assert isinstance(grads, tuple) and len(grads) == 2, f"argnums=(0, 2) gave {type(grads)}"
    _close(ops, value, (X * Y + Z).sum(), "value")
    _close(ops, grads[0], Y, "d/dx")
    _close(ops, grads[1], np.full((3,), 2.0), "d/dz (broadcast over 2 rows)")


def test_argnums_int_selects_one_argument(ops):
    grads = ops.grad(lambda x, y: ops.sum(ops.multiply(x, y)), argnums=1)(_t(ops, X), _t(ops, Y))
    _close(ops, grads, X, "d/dy")


def test_has_aux(ops):
    def loss(x):
        y = ops.tanh(x)
        return ops.sum(y), {"activations": y, "count": 6}

    (value, aux), grads = ops.value_and_grad(loss, has_aux=True)(_t(ops, X))
    _close(ops, value, np.tanh(X).sum(), "value")
    _close(ops, aux["activations"], np.tanh(X), "aux")
    assert aux["count"] == 6
    _close(ops, grads, 1 - np.tanh(X) ** 2, "grad")
    grads_only, aux_again = ops.grad(loss, has_aux=True)(_t(ops, X))
    _close(ops, grads_only, 1 - np.tanh(X) ** 2, "grad(has_aux=True)")
    _close(ops, aux_again["activations"], np.tanh(X), "aux from grad")


def test_unused_leaves_get_zeros(ops):
    params = {"used": _t(ops, X), "unused": _t(ops, Z), "also_unused": [_t(ops, Y)]}
    grads = ops.grad(lambda p: ops.sum(ops.sin(p["used"])))(params)
    _close(ops, grads["used"], np.cos(X), "used leaf")
    for name, leaf, shape in (("unused", grads["unused"], Z.shape), ("also_unused", grads["also_unused"][0], Y.shape)):
        assert leaf is not None, f"{name}: gradient is None, expected zeros"
        assert tuple(ops.shape(leaf)) == shape and ops.dtype(leaf) == "float32"
        np.testing.assert_array_equal(_np(ops, leaf), np.zeros(shape), err_msg=name)


def test_stop_gradient_blocks(ops):
    grads = ops.grad(lambda x: ops.sum(ops.multiply(x, ops.stop_gradient(x))))(_t(ops, X))
    _close(ops, grads, X, "d/dx of x * stop_gradient(x) is x, not 2x")
    blocked = ops.grad(lambda x: ops.add(ops.sum(ops.stop_gradient(ops.exp(x))), ops.sum(ops.multiply(x, 0.0))))(
        _t(ops, X))
    np.testing.assert_array_equal(_np(ops, blocked), np.zeros_like(X))


def test_gradient_through_integer_cast_is_zero_or_absent(ops):
    """A path through an integer cast carries no gradient; the float path still does."""
    grads = ops.grad(lambda x: ops.add(ops.sum(ops.cast(ops.cast(x, "int32"), "float32")), ops.sum(x)))(_t(ops, X))
    _close(ops, grads, np.ones_like(X), "d/dx")


def test_value_and_grad_of_a_python_scalar_multiple(ops):
    value, grads = ops.value_and_grad(lambda x: ops.multiply(ops.mean(ops.square(x)), 3.0))(_t(ops, X))
    _close(ops, value, 3 * (X**2).mean(), "value")
    _close(ops, grads, 6 * X / X.size, "grad")


def test_compile_matches_eager(ops):
    def step(params, batch):
        loss, grads = ops.value_and_grad(lambda p: ops.mean(ops.square(ops.subtract(ops.matmul(batch, p["w"]),
                                                                                     1.0))))(params)
        return loss, {"w": ops.subtract(params["w"], ops.multiply(grads["w"], 0.1))}

    params = {"w": _t(ops, rng.standard_normal((3, 2)).astype("float32"))}
    batch = _t(ops, X)
    eager_loss, eager_params = step(params, batch)
    compiled = ops.compile(step)
    for _ in range(2):  # the second call reuses the compiled function
        loss, new_params = compiled(params, batch)
        _close(ops, loss, _np(ops, eager_loss), "compiled loss")
        _close(ops, new_params["w"], _np(ops, eager_params["w"]), "compiled update")


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_gradient_dtype_follows_the_input(ops, backend, dtype):
    harness.require_dtype(backend, dtype)
    x = ops.convert_to_tensor(X.astype(dtype))
    grads = ops.grad(lambda v: ops.sum(ops.square(v)))(x)
    assert ops.dtype(grads) == dtype
    np.testing.assert_allclose(_np(ops, grads).astype(np.float64), 2 * X.astype(dtype).astype(np.float64),
                               rtol=tolerance(dtype)[0], atol=tolerance(dtype)[1])


def test_argnums_tuple_over_a_pytree_with_aux_and_a_constant_argument(ops):
    def loss(params, x, scale):
        value = ops.multiply(ops.sum(ops.multiply(params["w"][0], x)), scale)
        return value, {"double": ops.multiply(value, 2.0)}

    params = {"w": [_t(ops, Z)], "unused": (_t(ops, Y[0]),)}
    x = _t(ops, X[0])
    (value, aux), (g_params, g_x) = ops.value_and_grad(loss, argnums=(0, 1), has_aux=True)(params, x, 2.0)
    _close(ops, value, 2 * (Z * X[0]).sum(), "value")
    _close(ops, aux["double"], 4 * (Z * X[0]).sum(), "aux")
    assert isinstance(g_params["unused"], tuple), f"gradient of a tuple leaf is {type(g_params['unused'])}"
    _close(ops, g_params["w"][0], 2 * X[0], "d/dw")
    np.testing.assert_array_equal(_np(ops, g_params["unused"][0]), np.zeros(3), err_msg="unused leaf")
    _close(ops, g_x, 2 * Z, "d/dx")


def test_a_tensor_passed_twice_gets_a_gradient_per_position(ops):
    shared = _t(ops, Z)
    grads = ops.grad(lambda pair: ops.add(ops.sum(ops.multiply(pair[0], 3.0)), ops.sum(pair[1])))([shared, shared])
    _close(ops, grads[0], np.full(3, 3.0), "first position")
    _close(ops, grads[1], np.ones(3), "second position")


def test_gather_gradients_are_dense_tensors_that_add_up_repeats(ops):
    grads = ops.grad(lambda v: ops.sum(ops.take(v, [0, 0, 2], axis=0)))(_t(ops, Z))
    assert ops.is_tensor(grads), f"gradient of take is {type(grads).__name__}, not a dense tensor"
    _close(ops, grads, [2.0, 0.0, 1.0], "d/dv of sum(take(v, [0, 0, 2]))")


# conv geometries (inputs, kernel, strides, padding, dilation, data_format) whose inputs have the
# length that conv_transpose gives back: ``in * stride`` for "same", ``(in - 1) * stride + k'`` for "valid".
TRANSPOSE_GEOMETRIES = {
    "2d_same_stride2": ((1, 6, 4, 3), (3, 3, 3, 2), 2, "same", 1, "channels_last"),
    "2d_same_stride2_even_kernel": ((2, 8, 8, 3), (4, 4, 3, 2), 2, "same", 1, "channels_last"),
    "1d_valid_stride2": ((2, 7, 3), (3, 3, 2), 2, "valid", 1, "channels_last"),
    "1d_same_stride3_kernel5": ((1, 9, 3), (5, 3, 2), 3, "same", 1, "channels_last"),
    "2d_same_dilation2": ((1, 7, 7, 3), (3, 3, 3, 2), 1, "same", 2, "channels_last"),
    "2d_cf_same_strides_2x1": ((1, 3, 6, 5), (3, 2, 3, 2), (2, 1), "same", 1, "channels_first"),
}


@pytest.mark.parametrize("geometry", sorted(TRANSPOSE_GEOMETRIES))
def test_conv_transpose_is_the_input_gradient_of_conv(ops, geometry):
    """spec: conv_transpose(y, kernel) is the VJP of conv(x, kernel) w.r.t. x (the same kernel array)."""
    x_shape, k_shape, strides, padding, dilation, data_format = TRANSPOSE_GEOMETRIES[geometry]
    options = {"strides": strides, "padding": padding, "data_format": data_format, "dilation_rate": dilation}
    draw = np.random.default_rng(7)
    kernel = _t(ops, draw.standard_normal(k_shape).astype("float32"))
    y_shape = tuple(ops.shape(ops.conv(ops.zeros(x_shape), kernel, **options)))
    cotangent = _t(ops, draw.standard_normal(y_shape).astype("float32"))
    vjp = ops.grad(lambda x: ops.sum(ops.multiply(ops.conv(x, kernel, **options), cotangent)))(ops.zeros(x_shape))
    transposed = ops.conv_transpose(cotangent, kernel, **options)
    assert tuple(ops.shape(transposed)) == x_shape, f"{geometry}: conv_transpose gave {ops.shape(transposed)}"
    np.testing.assert_allclose(_np(ops, transposed), _np(ops, vjp), rtol=tolerance("float32", "linalg")[0],
                               atol=tolerance("float32", "linalg")[1], err_msg=geometry)
