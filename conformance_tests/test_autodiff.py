"""Autodiff and compile hooks on every backend: value_and_grad / grad over pytrees, argnums
tuples, has_aux, zero gradients for unused leaves, stop_gradient, compile. Expected gradients are
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
