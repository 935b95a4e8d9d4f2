"""Custom layers with only ``build``/``call`` in functional and Sequential models: shapes and dtypes come
from tracing ``call`` on KerasTensors (``kerafront.ops._symbolic``), values from running it, on every backend.

The rules themselves are checked op by op against the NumPy reference in
``conformance_tests/test_symbolic_rules.py``.
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops, registry
from kerafront.layers.symbolic import KerasTensor

BACKENDS = ["numpy", "torch", "jax", "tensorflow"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    if not registry.is_available(request.param):
        pytest.skip(f"{request.param} is not installed")
    with kerafront.backend_scope(request.param):
        yield request.param


def np_(x):
    return ops.convert_to_numpy(x)


class ScaledDense(L.Layer):
    """``scale * (x @ kernel) + bias``."""

    def __init__(self, units, scale=2.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="glorot_uniform")
        self.bias = self.add_weight(shape=(self.units,), initializer="ones")

    def call(self, x):
        return ops.add(ops.multiply(ops.matmul(x, self.kernel), self.scale), self.bias)


class AffineHead(L.Layer):
    """``(x * 2 + 1)[:, :2]``, written with operators."""

    def call(self, x):
        return (x * 2 + 1)[:, :2]


class ConcatReshape(L.Layer):
    """``[x, -x]`` joined on the last axis, then reshaped to (batch, 2, features)."""

    def call(self, x):
        return ops.reshape(ops.concatenate([x, -x], axis=-1), (-1, 2, x.shape[-1]))


class MinMax(L.Layer):
    """A tuple: the row minimum and maximum, each (batch, 1)."""

    def call(self, x):
        return ops.min(x, axis=-1, keepdims=True), ops.max(x, axis=-1, keepdims=True)


class WithNoise(L.Layer):
    """``[x, noise]`` with uniform noise from a SeedGenerator on the last axis."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seed_generator = kerafront.random.SeedGenerator(5)

    def call(self, x):
        noise = kerafront.random.uniform(ops.shape(x), seed=self.seed_generator)
        return ops.concatenate([x, noise], axis=-1)


class SumConv(L.Layer):
    """A 2-D convolution with a kernel of ones (each output: the sum of its 2x2 window over channels)."""

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(2, 2, input_shape[-1], 1), initializer="ones")

    def call(self, x):
        return ops.conv(x, self.kernel, padding="valid")


class Counter(L.Layer):
    """Counts its calls and keeps the last batch mean in non-trainable variables (assigns in call)."""

    def build(self, input_shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")
        self.last_mean = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False,
                                         name="last_mean")

    def call(self, x):
        self.calls.assign_add(1.0)
        self.last_mean.assign(ops.mean(x, axis=0))
        return x


def _dense_reference(layer, x):
    kernel, bias = layer.get_weights()
    return 2.0 * (x @ kernel) + bias


def test_sequential_of_custom_layers_infers_shapes_and_predicts(backend):
    dense = ScaledDense(4)
    model = kerafront.Sequential([L.Input((3,)), dense, AffineHead(), ConcatReshape()])
    assert [layer.output.shape for layer in model.layers] == [(None, 4), (None, 2), (None, 2, 2)]
    assert model.output_shape == (None, 2, 2)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype("float32")
    head = (_dense_reference(dense, x) * 2 + 1)[:, :2]
    expected = np.concatenate([head, -head], axis=-1).reshape(5, 2, 2)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-5)


def test_functional_model_with_tuple_outputs_noise_and_conv(backend):
    images = L.Input((4, 4, 2))
    summed = SumConv()(images)
    low, high = MinMax()(L.Reshape((9,))(summed))
    vectors = L.Input((3,))
    noisy = WithNoise()(vectors)
    assert (summed.shape, low.shape, high.shape, noisy.shape) == ((None, 3, 3, 1), (None, 1), (None, 1), (None, 6))
    model = kerafront.Model([images, vectors], [low, high, noisy])
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 4, 4, 2)).astype("float32")
    v = rng.standard_normal((2, 3)).astype("float32")
    out_low, out_high, out_noisy = model.predict([x, v], verbose=0)
    sums = np.array([[[x[b, i:i + 2, j:j + 2].sum() for j in range(3)] for i in range(3)] for b in range(2)])
    np.testing.assert_allclose(out_low[:, 0], sums.reshape(2, 9).min(axis=1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out_high[:, 0], sums.reshape(2, 9).max(axis=1), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(out_noisy[:, :3], v, rtol=1e-6)
    assert out_noisy.shape == (2, 6) and ((out_noisy[:, 3:] >= 0) & (out_noisy[:, 3:] < 1)).all()


def test_tracing_changes_no_variable(backend):
    counter = Counter()
    seeded = WithNoise()
    state = np_(seeded.seed_generator.state.value).copy()
    model = kerafront.Sequential([L.Input((2,)), counter, seeded])
    assert model.output_shape == (None, 4)
    assert float(np_(counter.calls.value)) == 0.0 and np_(counter.last_mean.value).tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(np_(seeded.seed_generator.state.value), state)
    counter(np.array([[1.0, 2.0], [3.0, 6.0]], "float32"))  # an eager call assigns
    assert float(np_(counter.calls.value)) == 1.0 and np_(counter.last_mean.value).tolist() == [2.0, 4.0]


def test_losses_added_while_tracing_are_dropped():
    class Penalized(L.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x) * 0.5)
            return x * 2

    model = kerafront.Sequential([L.Input((3,)), Penalized()])
    assert model.output_shape == (None, 3) and model.losses == []
    model(np.ones((2, 3), "float32"))
    assert [float(np_(loss)) for loss in model.losses] == [3.0]


def test_output_dtype_comes_from_the_trace():
    class ToInt(L.Layer):
        def call(self, x):
            return ops.cast(x * 10, "int32")

    class Halve(L.Layer):
        def call(self, x):
            return x / 2

    ints = ToInt()(L.Input((3,)))
    assert (ints.shape, ints.dtype) == ((None, 3), "int32")
    halves = Halve()(ints)  # integer true division gives floatx, as on real tensors
    assert halves.dtype == "float32"
    counts = L.Input((2,), dtype="int32")
    model = kerafront.Model(counts, Halve()(counts))
    assert model.outputs[0].dtype == "float32"
    np.testing.assert_allclose(model.predict(np.array([[3, 4]], "int32"), verbose=0), [[1.5, 2.0]])


def test_summary_shows_inferred_shapes():
    model = kerafront.Sequential([L.Input((3,)), ScaledDense(4, name="scaled"), AffineHead(name="head")])
    lines = []
    model.summary(print_fn=lines.append)
    rows = {line.split()[0]: line for line in lines if line.strip().startswith(("scaled", "head"))}
    assert "(None, 4)" in rows["scaled"] and "16" in rows["scaled"]
    assert "(None, 2)" in rows["head"]


def test_a_failing_trace_names_the_layer_and_suggests_compute_output_shape():
    class Branchy(L.Layer):
        def call(self, x):
            return x if ops.sum(x) > 0 else -x

    with pytest.raises(TypeError) as info:
        Branchy(name="branchy")(L.Input((3,)))
    message = str(info.value)
    for part in ('"branchy"', "Branchy", "(None, 3)", "no truth value", "compute_output_shape"):
        assert part in message, message

    class Mismatch(L.Layer):
        def call(self, x):
            return ops.matmul(x, ops.ones((4, 2)))

    with pytest.raises(ValueError, match=r'"mismatch" \(Mismatch\).*matmul: inner dimensions differ'):
        kerafront.Sequential([L.Input((3,)), Mismatch(name="mismatch")])


def test_a_nested_layer_failure_names_the_inner_layer():
    class Inner(L.Layer):
        def call(self, x):
            return ops.matmul(x, ops.ones((5, 2)))

    class Outer(L.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = Inner(name="inner")

        def call(self, x):
            return self.inner(x)

    with pytest.raises(ValueError, match='"inner" \\(Inner\\).*inner dimensions') as info:
        Outer(name="outer")(L.Input((3,)))
    assert "outer" not in str(info.value)


def test_compute_output_shape_still_wins_when_defined():
    class Declared(L.Layer):
        def call(self, x):
            raise AssertionError("call must not run while shapes are inferred")

        def compute_output_shape(self, input_shape):
            return input_shape[:-1] + (7,)

    assert Declared()(L.Input((3,))).shape == (None, 7)


def test_training_reaches_call_when_it_accepts_it():
    seen = []

    class Flagged(L.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    layer = Flagged()
    layer.compute_output_spec(KerasTensor((None, 2)), training=True)
    assert seen == [True]
    AffineHead().compute_output_spec(KerasTensor((None, 3)), training=True)  # call without training: not passed


def test_subclassed_model_builds_by_tracing_call():
    class Residual(kerafront.Model):
        def __init__(self):
            super().__init__()
            self.dense = L.Dense(3)
            self.counter = Counter()

        def call(self, x):
            return self.counter(ops.add(self.dense(x), x))

    model = Residual()
    model.build((None, 3))
    assert model.dense.kernel.shape == (3, 3) and float(np_(model.counter.calls.value)) == 0.0
    assert model.compute_output_spec(KerasTensor((None, 3))).shape == (None, 3)


def test_keras_tensor_operators_and_indexing():
    x, y = KerasTensor((None, 3), "float32"), KerasTensor((3,), "int32")
    assert (x + y).shape == (None, 3) and (y * 2).dtype == "int32" and (y / 2).dtype == "float32"
    assert (2 - x).shape == (None, 3) and (y // 2).dtype == "int32" and (y % 2).dtype == "int32"
    assert (x ** 2).dtype == "float32" and (-y).dtype == "int32" and abs(x).shape == (None, 3)
    assert (x @ KerasTensor((3, 5))).shape == (None, 5) and (np.ones((4, 2), "float32") @ KerasTensor((2, 3))).shape \
        == (4, 3)
    assert (x < 1).dtype == "bool" and (x >= y).shape == (None, 3) and (1.0 > x).dtype == "bool"
    assert (np.ones(3, "float32") + x).shape == (None, 3)
    assert x[0].shape == (3,) and x[:, 1].shape == (None,) and x[..., None].shape == (None, 3, 1)
    assert x[:, ::2].shape == (None, 2) and x[1:].shape == (None, 3) and x[:, -2:].shape == (None, 2)
    assert x == x and x != KerasTensor((None, 3)) and len({x, x}) == 1
    with pytest.raises(IndexError, match="out of range"):
        x[:, 3]
    with pytest.raises(TypeError, match="ops.take"):
        x[np.array([0, 1])]
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError, match="iterated"):
        list(x)


def test_variable_operators_and_keywords_with_keras_tensors():
    variable = kerafront.Variable(np.ones((3,), "float32"))
    x = KerasTensor((None, 3), "float32")
    assert (variable * x).shape == (None, 3) and (x - variable).shape == (None, 3)
    assert (variable < x).dtype == "bool"
    assert ops.where(x > 0, x1=x, x2=variable).shape == (None, 3)
    assert ops.where(condition=KerasTensor((2, 1), "bool"), x1=1.0, x2=2.0).shape == (2, 1)
    assert ops.add(x1=variable, x2=variable).tolist() == [2.0, 2.0, 2.0]  # keyword Variables are unwrapped


def test_shapes_read_from_keras_tensors_keep_ops_symbolic():
    x = KerasTensor((2, 3), "float16")
    zeros = ops.zeros_like(x)
    assert isinstance(zeros, KerasTensor) and (zeros.shape, zeros.dtype) == ((2, 3), "float16")
    assert ops.ones(ops.shape(KerasTensor((None, 4)))).shape == (None, 4)
    assert ops.reshape(KerasTensor((None, 6)), (ops.shape(x)[0], -1)).shape == (2, None)
    assert ops.softmax(KerasTensor((None, 4))).shape == (None, 4)  # an overridable composite: the pure one runs


def test_import_kerafront_stays_light():
    code = "import sys, kerafront\nprint(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    env = {k: v for k, v in os.environ.items() if not k.startswith("KERAFRONT_") and k != "KERAS_BACKEND"}
    env["KERAFRONT_BACKEND"] = "numpy"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
