"""``kerafront.ops`` functional, core and einops names, and the top-level ``Operation``/``Function``/
``SymbolicScope``/``remat``.

Values against Keras 3 itself (on JAX, the suite's Keras) and hand computations; ``custom_gradient``
and ``remat`` inside ``model.fit`` on every installed backend (eager NumPy and torch, JAX's compiled
pure step, TensorFlow's ``tf.function``), checked against a training step computed by hand; the
errors. The op table (``conformance_tests/cases/functional.py``) compares every backend's values and
VJPs with the NumPy reference.
"""

import numpy as np
import pytest

import kerafront
from kerafront import layers, ops, optimizers
from kerafront._keras_tensor import KerasTensor
from kerafront.registry import available_backends

BACKENDS = available_backends()
RNG = np.random.default_rng(18)


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def _normal(*shape):
    return RNG.normal(size=shape).astype("float32")


# ----------------------------------------------------------------------------------------------
# Against Keras 3

def _both(keras):
    """(name, kerafront result, Keras result) for each op, on the same inputs."""
    matrices = _normal(6, 2, 2) * 0.8
    x234, x35 = _normal(2, 3, 4), _normal(3, 5)
    predictions = np.array([[0.1, 0.4, 0.6, 0.9, 0.5], [0.1, 0.7, 0.9, 0.8, 0.3], [0.1, 0.6, 0.9, 0.9, 0.5]],
                           "float32")
    images = _normal(2, 6, 4, 3)
    inputs, duplicate_rows, updates = _normal(4, 3), np.array([[1], [3], [1], [0], [1]], "int32"), _normal(5, 3)
    rows = []
    for lib_name, lib in (("ours", kerafront), ("keras", keras)):
        o = lib.ops
        results = {
            "map": o.map(lambda v: o.sum(o.tanh(v) * v, axis=-1), x234),
            "vectorized_map": o.vectorized_map(lambda v: o.outer(v, v), x35),
            "switch_python": o.switch(1, [lambda a: a + 1.0, lambda a: a * 3.0], x35),
            "switch_tensor": o.switch(o.convert_to_tensor(7), [lambda a: a + 1.0, lambda a: a * 3.0], x35),
            "associative_scan": o.associative_scan(lambda a, b: o.matmul(a, b), matrices),
            "associative_scan_reverse": o.associative_scan(lambda a, b: o.matmul(a, b), matrices, reverse=True),
            "associative_scan_axis": o.associative_scan(o.add, x234, axis=2),
            "scatter_update": o.scatter_update(inputs, [[1], [3]], updates[:2]),
            "scatter_update_full": o.scatter_update(x35, [[0, 4], [2, 1]], np.array([7.0, -2.0], "float32")),
            "slice_update": o.slice_update(x35, [1, 2], np.full((2, 3), 5.0, "float32")),
            "in_top_k": o.in_top_k(np.array([2, 4, 3], "int32"), predictions, 2),
            "in_top_k_ties": o.in_top_k(np.array([3, 2, 1], "int32"), predictions, 1),
            "cdist": o.cdist(x234, x234[:, :2]),
            "saturate_cast": o.saturate_cast(np.array([-300.0, -1.0, 3.7, 256.0, 1e10], "float32"), "uint8"),
            "saturate_cast_int32": o.saturate_cast(np.array([-1e10, 5.5, 1e10], "float32"), "int32"),
            "rearrange": o.rearrange(images, "b (h1 h) (w1 w) c -> (b h1 w1) h w c", h1=2, w1=2),
            "rearrange_depth": o.rearrange(images, "b (h h1) (w w1) c -> b h w (c h1 w1)", h1=2, w1=2),
            "vectorize": o.vectorize(lambda a, b: o.matmul(a, b), signature="(m,n),(n)->(m)")(
                x234[:, :2], np.arange(4, dtype="float32")),
        }
        repeats = np.array([[3, 1, 2, 1], [7, 3, 3, -2]], "int32")
        for i, value in enumerate(o.unique(repeats, return_index=True, return_inverse=True, return_counts=True)):
            results[f"unique_{i}"] = value
        for i, value in enumerate(o.unique(repeats, size=7, fill_value=-9, return_inverse=True,
                                           return_counts=True)):
            results[f"unique_sized_{i}"] = value
        results["unique_truncated"] = o.unique(repeats, size=3)
        results["view_int_as_float"] = o.view(np.array([1, 2, 3], "int32"), "float32")
        results["view_float_as_bytes"] = o.view(x35, "uint8")
        results["view_bytes_as_int16"] = o.view(np.arange(12, dtype="uint8").reshape(3, 4) * 21, "int16")
        for reduction in ("add", "max", "min", "mul"):
            results[f"scatter_{reduction}"] = o.scatter_update(inputs, duplicate_rows, updates, reduction=reduction)
        results.update({f"unstack_{i}": t for i, t in enumerate(o.unstack(x234, axis=1))})
        rows.append({k: np.asarray(lib.ops.convert_to_numpy(v)) for k, v in results.items()})
    return rows


def test_values_match_keras():
    keras = pytest.importorskip("keras")
    ours, theirs = _both(keras)
    assert sorted(ours) == sorted(theirs)
    for name in ours:
        assert ours[name].dtype == theirs[name].dtype, name
        np.testing.assert_allclose(ours[name], theirs[name], rtol=1e-5, atol=1e-6, err_msg=name)


# ----------------------------------------------------------------------------------------------
# Hand-computed values

def test_scatter_update_duplicates_by_hand():
    inputs, rows = np.full((4,), 1.5, "float32"), [[0], [0], [1]]
    updates = np.array([1.0, 2.0, 3.0], "float32")
    expected = {None: [2.0, 3.0, 1.5, 1.5], "add": [4.5, 4.5, 1.5, 1.5], "max": [2.0, 3.0, 1.5, 1.5],
                "min": [1.0, 1.5, 1.5, 1.5], "mul": [3.0, 4.5, 1.5, 1.5]}
    for reduction, want in expected.items():
        np.testing.assert_array_equal(_numpy(ops.scatter_update(inputs, rows, updates, reduction=reduction)), want)


def test_saturate_cast_and_in_top_k_by_hand():
    np.testing.assert_array_equal(_numpy(ops.saturate_cast(np.array([-1.0, 256.0, 3.7], "float32"), "uint8")),
                                  [0, 255, 3])
    # float32 cannot hold 2**31 - 1: Keras's bound rounds toward zero, to 2**31 - 128
    np.testing.assert_array_equal(_numpy(ops.saturate_cast(np.array([1e10], "float32"), "int32")), [2147483520])
    predictions = np.array([[0.5, 0.9, 0.9, 0.1]], "float32")
    np.testing.assert_array_equal(_numpy(ops.in_top_k(np.array([2]), predictions, 1)), [True])  # a tie is in
    np.testing.assert_array_equal(_numpy(ops.in_top_k(np.array([0]), predictions, 2)), [False])
    np.testing.assert_array_equal(_numpy(ops.in_top_k(np.array([3]), predictions, 10)), [True])


def test_vectorize_broadcasts_like_numpy():
    def f(a, b):
        return ops.add(ops.sum(a), b)

    a, b = _normal(2, 1, 3), _normal(4)
    got = ops.vectorize(f, signature="(n),()->()")(a, b)
    np.testing.assert_allclose(_numpy(got), np.vectorize(lambda u, v: u.sum() + v, signature="(n),()->()")(a, b),
                               rtol=1e-6)
    assert kerafront.ops.numpy.vectorize is ops.vectorize
    np.testing.assert_array_equal(_numpy(ops.vectorize(lambda u, v: ops.add(u, v))(np.array([1, 2, 3]), 2)), [3, 4, 5])


def test_rearrange_symbolic_and_errors():
    out = ops.rearrange(KerasTensor((None, 6, 4)), "b (h w) c -> b h (w c)", h=3)
    assert out.shape == (None, 3, 8)
    with pytest.raises(ValueError, match="rearrange: both sides"):
        ops.rearrange(np.zeros((2, 3)), "a b -> a c")
    with pytest.raises(ValueError, match="cannot be split"):
        ops.rearrange(np.zeros((2, 7)), "a (b c) -> a b c", b=2)
    with pytest.raises(ValueError, match="cannot infer"):
        ops.rearrange(np.zeros((2, 8)), "a (b c) -> a b c")
    with pytest.raises(ValueError, match="has 3 axes"):
        ops.rearrange(np.zeros((2, 8)), "a b c -> c b a")


def test_errors_name_the_op():
    with pytest.raises(ValueError, match="scatter_update: invalid reduction"):
        ops.scatter_update(np.zeros(3), [[0]], [1.0], reduction="mean")
    with pytest.raises(ValueError, match=r"scatter_update: updates must have shape"):
        ops.scatter_update(np.zeros((3, 2)), [[0]], np.ones((1, 3)))
    with pytest.raises(ValueError, match="slice_update: updates of length 3 starting at 2 do not fit"):
        ops.slice_update(np.zeros((4,)), [2], np.ones((3,)))
    with pytest.raises(ValueError, match="unstack: num=4 does not match"):
        ops.unstack(np.zeros((3, 2)), num=4)
    with pytest.raises(ValueError, match="in_top_k: k must be a positive int"):
        ops.in_top_k(np.array([0]), np.ones((1, 3)), 0)
    with pytest.raises(ValueError, match="switch: branches must be a non-empty"):
        ops.switch(0, [], 1.0)
    with pytest.raises(ValueError, match="cdist: expected x of shape"):
        ops.cdist(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="vectorize: invalid signature"):
        ops.vectorize(lambda a: a, signature="(n)->")(np.ones(3))
    with pytest.raises(ValueError, match="associative_scan: every leaf"):
        ops.associative_scan(ops.add, (np.ones(3), np.ones(4)))


# ----------------------------------------------------------------------------------------------
# custom_gradient

@ops.custom_gradient
def _log1pexp(x):
    e = ops.exp(x)

    def grad(*args, upstream=None):
        if upstream is None:
            (upstream,) = args
        return ops.multiply(upstream, ops.subtract(1.0, ops.divide(1.0, ops.add(1.0, e))))

    return ops.log(ops.add(1.0, e)), grad


@ops.custom_gradient
def _product_grad_only_to_x(x, y):
    def grad(upstream):
        return ops.multiply(upstream, y), None

    return ops.multiply(x, y), grad


@ops.custom_gradient
def _torch_style(x):
    def grad(*args, upstream):
        (x_value,) = args
        return ops.multiply(upstream, ops.multiply(2.0, x_value))

    return ops.square(x), grad


@pytest.mark.parametrize("backend", BACKENDS)
def test_custom_gradient_replaces_the_gradient(backend):
    with kerafront.backend_scope(backend):
        x = np.array([0.0, 100.0], "float32")
        value, grads = ops.value_and_grad(lambda v: ops.sum(_log1pexp(v)))(x)
        # the stable gradient 1 - 1 / (1 + e^x) where the autodiff one, e^x / (1 + e^x), is inf / inf
        np.testing.assert_allclose(_numpy(grads), [0.5, 1.0], rtol=1e-6)
        assert np.isinf(_numpy(value))
        y = np.array([2.0, -3.0], "float32")
        grads = ops.grad(lambda a, b: ops.sum(_product_grad_only_to_x(a, b)), argnums=(0, 1))(x, y)
        np.testing.assert_allclose(_numpy(grads[0]), y)
        np.testing.assert_allclose(_numpy(grads[1]), [0.0, 0.0])
        np.testing.assert_allclose(_numpy(ops.grad(lambda v: ops.sum(_torch_style(v)))(y)), 2 * y)
        assert _log1pexp(KerasTensor((None, 3))).shape == (None, 3)


class _GradientTimesThree(layers.Layer):
    """Identity forward; the gradient flowing back is tripled (a custom_gradient op inside a layer)."""

    def call(self, inputs):
        @ops.custom_gradient
        def triple_gradient(x):
            return ops.multiply(x, 1.0), lambda upstream: ops.multiply(upstream, 3.0)

        return triple_gradient(inputs)


def _one_step_by_hand(x, y, w, lr, factor):
    """One SGD step of ``mean((x @ w - y) ** 2)`` with the gradient at the prediction scaled by ``factor``."""
    prediction = x @ w
    d_prediction = factor * 2.0 * (prediction - y) / prediction.size
    return w - lr * x.T @ d_prediction


def _fit_one_step(model_layers, x, y, w):
    model = kerafront.Sequential([kerafront.Input((x.shape[1],))] + model_layers)
    model.layers[0].set_weights([w])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    return model.layers[0].get_weights()[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_custom_gradient_inside_fit(backend):
    x, y, w = _normal(4, 2), _normal(4, 1), _normal(2, 1)
    with kerafront.backend_scope(backend):
        trained = _fit_one_step([layers.Dense(1, use_bias=False), _GradientTimesThree()], x, y, w)
    np.testing.assert_allclose(trained, _one_step_by_hand(x, y, w, 0.1, 3.0), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------------------------
# remat, Operation, Function, SymbolicScope

class _RematMLP(layers.Layer):
    def build(self, input_shape):
        self.hidden = self.add_weight((input_shape[-1], 3), name="hidden")

    def call(self, inputs):
        return kerafront.remat(lambda a, scale: ops.multiply(ops.tanh(ops.matmul(a, self.hidden)), scale))(
            inputs, 2.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_remat_inside_fit_gives_the_plain_gradients(backend):
    x, y = _normal(4, 2), _normal(4, 1)
    w1, w2 = _normal(2, 3), _normal(3, 1)
    with kerafront.backend_scope(backend):
        model = kerafront.Sequential([kerafront.Input((2,)), _RematMLP(), layers.Dense(1, use_bias=False)])
        model.set_weights([w1, w2])
        model.compile(optimizer=optimizers.SGD(learning_rate=0.1), loss="mse")
        model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
        got = [np.asarray(w) for w in model.get_weights()]
    hidden = np.tanh(x @ w1) * 2.0
    d_prediction = 2.0 * (hidden @ w2 - y) / len(x)
    d_hidden = d_prediction @ w2.T * 2.0 * (1 - np.tanh(x @ w1) ** 2)
    np.testing.assert_allclose(got[0], w1 - 0.1 * x.T @ d_hidden, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1], w2 - 0.1 * hidden.T @ d_prediction, rtol=1e-5, atol=1e-6)


class _Affine(kerafront.Operation):
    def __init__(self, scale=2.0, shift=0.0, name=None):
        super().__init__(name=name)
        self.scale, self.shift = scale, shift

    def call(self, x):
        return ops.add(ops.multiply(x, self.scale), self.shift)


def test_operation_and_function():
    op = _Affine(3.0, shift=1.0)
    assert op.get_config() == {"name": op.name, "scale": 3.0, "shift": 1.0}
    assert _Affine.from_config(op.get_config()).scale == 3.0
    np.testing.assert_allclose(_numpy(op(np.array([1.0, 2.0], "float32"))), [4.0, 7.0])
    a, b = kerafront.Input((3,)), kerafront.Input((3,))
    dense = layers.Dense(3, kernel_initializer="identity", use_bias=False)
    out = layers.Add()([op(a), dense(_Affine(-1.0)(b))])
    function = kerafront.Function([a, b], out)
    assert op.output.shape == (None, 3)
    assert [type(o).__name__ for o in function.operations] == ["_Affine", "_Affine", "Dense", "Add"]
    u, v = _normal(2, 3), _normal(2, 3)
    np.testing.assert_allclose(_numpy(function([u, v])), 3.0 * u + 1.0 - v, rtol=1e-6)
    assert function([KerasTensor((None, 3)), KerasTensor((None, 3))]).shape == (None, 3)
    with pytest.raises(ValueError, match="expects 2 inputs"):
        function([u])
    with pytest.raises(ValueError, match="not among the inputs"):
        kerafront.Function(a, out)


def test_symbolic_scope():
    from kerafront._operation import in_symbolic_scope

    seen = []

    class Probe(kerafront.Operation):
        def call(self, x):
            seen.append(in_symbolic_scope())
            return x

    assert not in_symbolic_scope()
    with kerafront.SymbolicScope():
        assert in_symbolic_scope()
    Probe()(KerasTensor((2,)))
    Probe()(np.ones(2))
    assert seen == [True, False]


def test_remat_recomputes_on_torch():
    """torch's checkpoint runs ``f`` again in the backward pass: twice per gradient, against once without remat."""
    pytest.importorskip("torch")
    calls = []

    def f(a):
        calls.append(1)
        return ops.sum(ops.tanh(a))

    with kerafront.backend_scope("torch"):
        x = np.array([0.5, -1.0], "float32")
        plain = _numpy(ops.grad(f)(x))
        assert len(calls) == 1
        rematerialized = _numpy(ops.grad(kerafront.remat(f))(x))
        assert len(calls) == 3
    np.testing.assert_allclose(rematerialized, plain, rtol=1e-6)
    np.testing.assert_allclose(plain, 1 - np.tanh(x) ** 2, rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_unique_with_size_compiles_and_without_size_says_why(backend):
    x = np.array([4, 1, 4, 0, 1, 4], "int32")
    with kerafront.backend_scope(backend):
        values, counts = ops.compile(lambda v: ops.unique(v, size=4, fill_value=-1, return_counts=True))(x)
        np.testing.assert_array_equal(_numpy(values), [0, 1, 4, -1])
        np.testing.assert_array_equal(_numpy(counts), [1, 2, 3, 0])
        if backend in ("jax", "tensorflow"):   # compile traces: the values are not known
            with pytest.raises(ValueError, match="unique: without size"):
                ops.compile(lambda v: ops.unique(v))(x)
