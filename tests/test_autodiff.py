"""The NumPy backend's reverse mode: value_and_grad over pytrees, Box operators, finite differences."""

import numpy as np
import pytest

import kerafront_numpy as B
from kerafront import ops

RNG = np.random.default_rng(0)


def _normal(*shape, dtype=np.float64):
    return RNG.normal(size=shape).astype(dtype)


def _finite_difference(fn, x, eps=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += eps
        minus[idx] -= eps
        grad[idx] = (float(fn(plus)) - float(fn(minus))) / (2 * eps)
    return grad


def test_value_and_grad_of_a_dict_pytree():
    params = {"w": np.array([1.0, 2.0], np.float32), "b": np.array(0.5, np.float32)}
    x = np.array([3.0, 4.0], np.float32)

    def loss(p, inputs):
        return B.sum(B.add(B.multiply(p["w"], inputs), p["b"]))

    value, grads = B.value_and_grad(loss)(params, x)
    assert float(value) == pytest.approx(12.0)
    assert sorted(grads) == ["b", "w"]
    np.testing.assert_allclose(grads["w"], x)
    np.testing.assert_allclose(grads["b"], 2.0)
    assert grads["w"].dtype == np.float32 and grads["b"].shape == ()


def test_argnums_tuple_and_has_aux():
    def fn(a, b, c):
        out = B.sum(B.multiply(a, b))
        return out, {"double": B.multiply(out, 2.0)}

    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    (value, aux), (ga, gb) = B.value_and_grad(fn, argnums=(0, 1), has_aux=True)(a, b, None)
    assert float(value) == 13.0 and float(aux["double"]) == 26.0
    assert type(aux["double"]) is np.ndarray
    np.testing.assert_allclose(ga, b)
    np.testing.assert_allclose(gb, a)
    grads, aux = ops.grad(fn, argnums=1, has_aux=True)(a, b, None)
    np.testing.assert_allclose(grads, a)


def test_unused_leaves_get_zero_gradients_and_lists_keep_structure():
    def fn(params):
        return B.sum(B.square(params[0]))

    grads = ops.grad(fn)([np.array([1.0, -2.0]), (np.array([7.0]),)])
    assert isinstance(grads, list) and isinstance(grads[1], tuple)
    np.testing.assert_allclose(grads[0], [2.0, -4.0])
    np.testing.assert_array_equal(grads[1][0], [0.0])


def test_non_scalar_output_raises_naming_the_shape():
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        B.value_and_grad(lambda x: B.multiply(x, 2.0))(np.ones(2))


def test_integer_leaves_raise_naming_the_dtype():
    with pytest.raises(TypeError, match="int32"):
        B.value_and_grad(lambda x: B.sum(x))(np.ones(2, np.int32))


def test_nested_value_and_grad_is_refused_clearly():
    inner = ops.grad(lambda y: B.sum(y))
    with pytest.raises(ValueError, match="nested value_and_grad"):
        ops.grad(lambda x: B.sum(inner(x)))(np.ones(2))


def test_broadcast_gradients_are_summed_to_the_input_shape():
    x, bias = _normal(4, 3), _normal(1, 3)
    grads = ops.grad(lambda a, b: B.sum(B.multiply(B.add(a, b), 3.0)), argnums=(0, 1))(x, bias)
    np.testing.assert_allclose(grads[0], np.full((4, 3), 3.0))
    np.testing.assert_allclose(grads[1], np.full((1, 3), 12.0))


def test_gradient_dtype_follows_the_input():
    x = np.ones(3, np.float32)
    g = ops.grad(lambda a: B.sum(B.multiply(a, np.ones(3, np.float64))))(x)
    assert g.dtype == np.float32


def test_box_operators():
    x = np.array([1.0, 2.5, 3.5])

    def fn(a):
        y = (a * 2 + 1 - a / 4) ** 2 @ np.ones(3)
        return y - B.sum(1.0 / a) + abs(-a)[0] + 2 ** a[1] - (-a)[2]

    value, g = B.value_and_grad(fn)(x)
    ref = lambda a: float(np.sum((a * 2 + 1 - a / 4) ** 2) - np.sum(1 / a) + abs(a[0]) + 2 ** a[1] + a[2])
    assert float(value) == pytest.approx(ref(x))
    np.testing.assert_allclose(g, _finite_difference(ref, x), atol=1e-6)


def test_box_floor_divide_and_mod_follow_python_and_carry_no_gradient():
    def fn(a):
        return B.sum(a % 2.0) + B.sum(a // 1.0) + B.sum(a)

    value, g = B.value_and_grad(fn)(np.array([-1.5, 2.5]))
    assert float(value) == pytest.approx((0.5 + 0.5) + (-2.0 + 2.0) + 1.0)
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_box_attributes_and_comparisons():
    seen = {}

    def fn(a):
        seen.update(shape=a.shape, ndim=a.ndim, length=len(a), dtype=a.dtype, greater=a > 1.5)
        return B.sum(a)

    ops.grad(fn)(np.array([1.0, 2.0], np.float32))
    assert seen["shape"] == (2,) and seen["ndim"] == 1 and seen["length"] == 2
    assert seen["dtype"] == np.float32
    np.testing.assert_array_equal(seen["greater"], [False, True])


def test_indexing_gradient_scatter_adds_duplicates():
    x = np.arange(6.0).reshape(2, 3)
    g = ops.grad(lambda a: B.sum(a[np.array([0, 0, 1]), 1]) + B.sum(a[1, ::2]))(x)
    np.testing.assert_allclose(g, [[0.0, 2.0, 0.0], [1.0, 1.0, 1.0]])


def test_max_gradient_goes_to_the_first_tie_and_clip_is_closed():
    g = ops.grad(lambda a: B.max(a))(np.array([1.0, 3.0, 3.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 0.0])
    g = ops.grad(lambda a: B.sum(B.clip(a, 0.0, 1.0)))(np.array([-1.0, 0.0, 0.5, 1.0, 2.0]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])
    g = ops.grad(lambda a: B.sum(B.maximum(a, 1.0)))(np.array([1.0, 2.0, 0.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0, 0.0])


def test_stop_gradient_and_non_float_outputs_carry_no_gradient():
    def fn(a):
        mask = B.cast(B.greater(a, 0.0), "float64")
        return B.sum(B.multiply(B.stop_gradient(a), a)) + B.sum(mask)

    x = np.array([2.0, -3.0])
    np.testing.assert_allclose(ops.grad(fn)(x), x)


def test_split_and_top_k_are_differentiable():
    x = np.array([[1.0, 5.0, 2.0, 4.0]])
    g = ops.grad(lambda a: B.sum(B.top_k(a, 2)[0] * np.array([1.0, 10.0])))(x)
    np.testing.assert_array_equal(g, [[0.0, 1.0, 0.0, 10.0]])
    g = ops.grad(lambda a: B.sum(B.split(a, 2, axis=1)[1]))(x)
    np.testing.assert_array_equal(g, [[0.0, 0.0, 1.0, 1.0]])


def test_outside_value_and_grad_ops_return_plain_arrays():
    assert type(B.add(np.ones(2), 1.0)) is np.ndarray
    assert type(B.mean(np.ones(2))) is np.ndarray


@pytest.mark.parametrize("name, fn, shape", [
    ("softmax", lambda x: ops.softmax(x, axis=-1), (2, 4)),
    ("log_softmax", lambda x: ops.log_softmax(x), (2, 4)),
    ("logsumexp", lambda x: ops.logsumexp(x, axis=1), (3, 4)),
    ("gelu", lambda x: ops.gelu(x), (5,)),
    ("gelu_exact", lambda x: ops.gelu(x, approximate=False), (5,)),
    ("softplus", lambda x: ops.softplus(x), (5,)),
    ("moments", lambda x: ops.add(*ops.moments(x, axes=(0,))), (4, 3)),
    ("l2_normalize", lambda x: ops.l2_normalize(x), (3, 4)),
    ("categorical_crossentropy", lambda x: ops.categorical_crossentropy(
        np.eye(4)[[0, 2, 3]], ops.softmax(x)), (3, 4)),
    ("sparse_from_logits", lambda x: ops.sparse_categorical_crossentropy(
        np.array([1, 0, 3]), x, from_logits=True), (3, 4)),
])
def test_composites_match_finite_differences_in_float64(name, fn, shape):
    x = _normal(*shape)
    cotangent = _normal(*np.shape(fn(x)))

    def scalar(a):
        return B.sum(B.multiply(fn(a), cotangent))

    grad = ops.grad(scalar)(x)
    np.testing.assert_allclose(grad, _finite_difference(scalar, x), rtol=1e-5, atol=1e-7, err_msg=name)


def test_value_and_grad_runs_in_several_threads_at_once():
    """Two models fitting in parallel: each thread records on its own tape, so no thread sees another's
    value_and_grad as a nested one, and every gradient equals the single-thread result."""
    import sys
    import threading

    functions = [
        lambda x: B.sum(B.tanh(B.matmul(x, x.T))),
        lambda x: B.mean(B.square(B.exp(B.multiply(x, 0.1)))),
        lambda x: B.sum(B.multiply(B.sigmoid(x), B.sin(x))),
        lambda x: B.max(B.sum(B.square(x), axis=1)),
    ]
    inputs = [_normal(4, 3) for _ in functions]
    expected = [B.value_and_grad(fn)(x) for fn, x in zip(functions, inputs)]
    start = threading.Barrier(len(functions))
    problems = []

    def fit(i):
        start.wait()
        for step in range(100):
            try:
                value, grad = B.value_and_grad(functions[i])(inputs[i])
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                problems.append(f"thread {i}, step {step}: {error!r}")
                return
            if value != expected[i][0] or not np.array_equal(grad, expected[i][1]):
                problems.append(f"thread {i}, step {step}: value {value} / gradient {grad} differ from the "
                                f"single-thread {expected[i]}")
                return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside the recorded functions
    try:
        threads = [threading.Thread(target=fit, args=(i,)) for i in range(len(functions))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not problems, "\n".join(problems)
