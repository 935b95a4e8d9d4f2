"""Control flow (``scan``, ``while_loop``, ``cond``, ``fori_loop``) on every installed backend.

The op table (``conformance_tests/cases/control_flow.py``) compares values and VJPs with the NumPy
reference; here: a scan-based layer trained by ``fit`` (its kernels read inside ``f``, so gradients
flow to closed-over Variables in each backend's step mode: eager, JAX's pure step, TensorFlow's
stateful ``tf.function``) against the same layer unrolled in Python, gradients w.r.t. closed-over
Variables under ``ops.value_and_grad``, symbolic (functional API) use, the errors, and values against
Keras 3 itself (``dot_product_attention`` with a fully masked row, ``scan``, ``fori_loop``).
"""

import os
import subprocess
import sys

import numpy as np
import pytest

import kerafront
from kerafront import layers, ops, optimizers
from kerafront._keras_tensor import KerasTensor
from kerafront.registry import available_backends

BACKENDS = available_backends()


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


class TinyRNN(layers.Layer):
    """``h_t = tanh(x_t W + h_{t-1} R)``; returns the last state and the mean of the states."""

    def __init__(self, units, unrolled=False, **kwargs):
        super().__init__(**kwargs)
        self.units, self.unrolled = units, unrolled

    def build(self, input_shape):
        self.kernel = self.add_weight((input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight((self.units, self.units), initializer="orthogonal", name="recurrent")

    def step(self, h, x):
        h = ops.tanh(ops.add(ops.matmul(x, self.kernel), ops.matmul(h, self.recurrent_kernel)))
        return h, h

    def call(self, inputs):
        h = ops.zeros((ops.shape(inputs)[0], self.units))
        steps = ops.transpose(inputs, (1, 0, 2))
        if self.unrolled:
            states = []
            for t in range(ops.shape(inputs)[1]):
                h, _ = self.step(h, steps[t])
                states.append(h)
            return ops.concatenate([h, ops.mean(ops.stack(states), axis=0)], axis=-1)
        h, states = ops.scan(self.step, h, steps)
        return ops.concatenate([h, ops.mean(states, axis=0)], axis=-1)


def _trained_weights(unrolled):
    kerafront.utils.set_random_seed(3)
    model = kerafront.Sequential([kerafront.Input((5, 2)), TinyRNN(3, unrolled=unrolled), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(learning_rate=0.5), loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(8, 5, 2)).astype("float32"), rng.normal(size=(8, 1)).astype("float32")
    model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return model.get_weights(), _numpy(model.predict(x, verbose=0))


@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_through_scan_matches_the_unrolled_loop(backend):
    with kerafront.backend_scope(backend):
        scanned, scanned_predictions = _trained_weights(unrolled=False)
        unrolled, unrolled_predictions = _trained_weights(unrolled=True)
    kerafront.utils.set_random_seed(3)
    initial = kerafront.Sequential([kerafront.Input((5, 2)), TinyRNN(3), layers.Dense(1)]).get_weights()
    for got, want, start in zip(scanned, unrolled, initial):
        assert not np.allclose(want, start), "the reference did not train"
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(scanned_predictions, unrolled_predictions, rtol=2e-5, atol=2e-6)


def _reference_scan(w, h0, xs, reverse):
    """NumPy definition of the scan in ``test_gradients_reach_closed_over_variables``, with its VJP."""
    order = range(len(xs) - 1, -1, -1) if reverse else range(len(xs))
    h, hs, ys = h0, {}, np.zeros(len(xs))
    for t in order:
        hs[t] = h
        h = np.tanh(h @ w + xs[t])
        ys[t] = h.sum()
    loss = (h ** 2).sum() + (ys * np.arange(1, len(xs) + 1)).sum()
    g_h, g_w, g_xs = 2 * h, np.zeros_like(w), np.zeros_like(xs)
    for t in reversed(list(order)):
        g_h = g_h + (t + 1)
        g_pre = g_h * (1 - np.tanh(hs[t] @ w + xs[t]) ** 2)
        g_w += np.outer(hs[t], g_pre)
        g_xs[t] = g_pre
        g_h = g_pre @ w.T
    return loss, g_w, g_h, g_xs


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_reach_closed_over_variables(backend, reverse):
    rng = np.random.default_rng(1)
    w0, h0, xs = rng.normal(size=(3, 3)) * 0.5, rng.normal(size=3), rng.normal(size=(4, 3))
    with kerafront.backend_scope(backend):
        w = kerafront.Variable(w0.astype("float32"))

        def loss(h, x):
            def f(carry, x_t):
                carry = ops.tanh(ops.add(ops.matmul(carry, w), x_t))
                return carry, ops.sum(carry)
            h_last, ys = ops.scan(f, h, x, reverse=reverse)
            weights = ops.arange(1, 5, dtype="float32")
            return ops.add(ops.sum(ops.square(h_last)), ops.sum(ops.multiply(ys, weights)))

        value, (g_w, (g_h, g_x)) = ops.value_and_grad(lambda v, hx: loss(*hx), argnums=(0, 1))(
            w, (ops.convert_to_tensor(h0.astype("float32")), ops.convert_to_tensor(xs.astype("float32"))))
        got = [_numpy(t) for t in (value, g_w, g_h, g_x)]
    for result, expected in zip(got, _reference_scan(w0, h0, xs, reverse)):
        np.testing.assert_allclose(result, expected, rtol=2e-5, atol=2e-5)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scan_inside_a_compiled_function(backend):
    with kerafront.backend_scope(backend):
        def running_sums(xs):
            return ops.scan(lambda c, x: (ops.add(c, x), ops.multiply(c, 2.0)), ops.zeros((2,)), xs)

        xs = np.arange(8, dtype="float32").reshape(4, 2)
        carry, ys = ops.compile(running_sums)(ops.convert_to_tensor(xs))
        np.testing.assert_allclose(_numpy(carry), xs.sum(0))
        np.testing.assert_allclose(_numpy(ys), 2 * np.concatenate([[[0, 0]], np.cumsum(xs, 0)[:-1]]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_pytrees_keep_their_structure(backend):
    with kerafront.backend_scope(backend):
        def f(carry, x):
            total, count = carry["total"], carry["count"]
            return {"total": ops.add(total, x[0]), "count": ops.add(count, 1)}, (x[1], None)

        xs = [ops.convert_to_tensor(np.ones((3, 2), "float32")), ops.convert_to_tensor(np.arange(3, dtype="int32"))]
        carry, (ys, nothing) = ops.scan(f, {"total": np.zeros(2, "float32"), "count": 0}, xs)
        loop = ops.while_loop(lambda i, s: ops.less(i, 3), lambda i, s: (ops.add(i, 1), ops.multiply(s, 2.0)),
                              [0, 1.0])
        single = ops.while_loop(lambda s: ops.less(s, 10.0), lambda s: ops.multiply(s, 3.0), 1.0,
                                maximum_iterations=2)
        assert sorted(carry) == ["count", "total"] and nothing is None
        np.testing.assert_allclose(_numpy(carry["total"]), [3.0, 3.0])
        assert int(_numpy(carry["count"])) == 3 and ops.dtype(carry["count"]) == "int32"
        np.testing.assert_array_equal(_numpy(ys), [0, 1, 2])
        assert isinstance(loop, tuple) and int(_numpy(loop[0])) == 3 and float(_numpy(loop[1])) == 8.0
        assert float(_numpy(single)) == 9.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_cond_and_fori_loop(backend):
    with kerafront.backend_scope(backend):
        x = ops.convert_to_tensor(np.array([1.0, -2.0], "float32"))
        picked = [_numpy(ops.cond(p, lambda: ops.multiply(x, 2.0), lambda: ops.negative(x)))
                  for p in (True, ops.convert_to_tensor(np.array(False)))]
        summed = ops.fori_loop(0, 4, lambda i, s: ops.add(s, ops.cast(i, "float32")), ops.zeros(()))
        upper = ops.convert_to_tensor(np.array(4, "int32"))
        dynamic = ops.fori_loop(1, upper, lambda i, s: ops.multiply(s, ops.cast(i, "float32")), ops.ones(()))
        grad = ops.grad(lambda v: ops.fori_loop(0, 3, lambda i, s: ops.multiply(s, v), ops.ones(())))(
            ops.convert_to_tensor(np.array(1.5, "float32")))
        assert float(_numpy(summed)) == 6.0 and float(_numpy(dynamic)) == 6.0
        np.testing.assert_allclose(_numpy(grad), 3 * 1.5 ** 2, rtol=1e-6)
    np.testing.assert_allclose(picked[0], [2.0, -4.0])
    np.testing.assert_allclose(picked[1], [-1.0, 2.0])


def test_symbolic_scan_gives_shapes_for_the_functional_api():
    inputs = kerafront.Input((7, 2))
    outputs = TinyRNN(3)(inputs)
    assert outputs.shape == (None, 6)
    model = kerafront.Model(inputs, outputs)
    assert _numpy(model(np.ones((4, 7, 2), "float32"))).shape == (4, 6)
    carry, ys = ops.scan(lambda c, x: ((ops.add(c[0], x),), ops.cast(x, "int32")), (KerasTensor((None, 2)),),
                         KerasTensor((5, None, 2)))
    assert isinstance(carry, tuple) and carry[0].shape == (None, 2)
    assert (ys.shape, ys.dtype) == ((5, None, 2), "int32")
    branch = ops.cond(KerasTensor((), "bool"), lambda: KerasTensor((None, 3)), lambda: KerasTensor((4, None)))
    assert branch.shape == (4, 3)


def _ones(*shape):
    return np.ones(shape, "float32")


ERRORS = {
    "no_length": (lambda: ops.scan(lambda c, x: (c, x), 0.0), "scan: xs is None"),
    "lengths_differ": (lambda: ops.scan(lambda c, x: (c, x), 0.0, (_ones(3, 2), _ones(4))),
                       "share their leading length"),
    "length_mismatch": (lambda: ops.scan(lambda c, x: (c, x), 0.0, _ones(3), length=4), "length=4 differs"),
    "carry_structure": (lambda: ops.scan(lambda c, x: ((c, c), x), np.zeros(2, "float32"), _ones(3, 2)),
                        "scan: the carry f returns must keep the structure"),
    "carry_shape": (lambda: ops.scan(lambda c, x: (ops.add(c, x), x), np.zeros((2,), "float32"),
                                     np.ones((3, 4, 2), "float32")), r"expected float32\[2\], got float32\[4, 2\]"),
    "not_a_pair": (lambda: ops.scan(lambda c, x: c, 0.0, np.ones((3,), "float32")), "f must return a pair"),
    "unroll": (lambda: ops.scan(lambda c, x: (c, x), 0.0, np.ones((3,), "float32"), unroll=0), "scan: unroll"),
    "cond_pred_shape": (lambda: ops.cond(np.array([True, False]), lambda: 1.0, lambda: 2.0),
                        r"cond: pred must be a scalar.*got shape \(2,\)"),
    "while_body_shape": (lambda: ops.while_loop(lambda x: ops.less(ops.sum(x), 5.0),
                                                lambda x: ops.concatenate([x, x]), np.ones(1, "float32")),
                         "while_loop: the loop variables body returns"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
@pytest.mark.parametrize("backend", BACKENDS)
def test_bad_input_raises_a_value_error_naming_the_op(backend, name):
    call, message = ERRORS[name]
    with kerafront.backend_scope(backend):
        with pytest.raises(ValueError, match=message):
            call()


_KERAS_SCRIPT = """
import sys
import numpy as np
import keras
from keras import ops
data = dict(np.load(sys.argv[1]))
q, k, v, mask, bias = (data[n] for n in ("q", "k", "v", "mask", "bias"))
out = {"attention": ops.dot_product_attention(q, k, v, bias=bias, mask=mask, is_causal=True),
       "attention_plain": ops.dot_product_attention(q, k, v, mask=mask)}
carry, ys = ops.scan(lambda c, x: ((c[0] * 0.5 + x["a"], c[1] + 1), (ops.tanh(c[0]), x["a"] * 2)),
                     (data["init"], 0), {"a": data["xs"]}, reverse=True)
out.update(scan_carry=carry[0], scan_count=carry[1], scan_y0=ys[0], scan_y1=ys[1])
out["fori"] = ops.fori_loop(0, 4, lambda i, s: s * 1.5 + i, data["init"])
np.savez(sys.argv[2], **{key: np.asarray(value) for key, value in out.items()})
"""


def test_values_match_keras(tmp_path):
    """``dot_product_attention`` (grouped heads, a fully masked row, causal, bias), ``scan`` (pytrees, reverse)
    and ``fori_loop`` against Keras 3 on its JAX backend, run in a fresh process."""
    pytest.importorskip("keras")
    pytest.importorskip("jax")
    rng = np.random.default_rng(4)
    mask = rng.random((1, 1, 3, 5)) < 0.6
    mask[..., 0], mask[0, 0, 2] = True, False
    data = {"q": rng.normal(size=(1, 3, 4, 2)), "k": rng.normal(size=(1, 5, 2, 2)), "v": rng.normal(size=(1, 5, 2, 2)),
            "bias": rng.normal(size=(1, 4, 3, 5)), "init": rng.normal(size=(2,)), "xs": rng.normal(size=(3, 2))}
    data = {name: value.astype("float32") for name, value in data.items()}
    np.savez(tmp_path / "inputs.npz", mask=mask, **data)
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    subprocess.run([sys.executable, "-c", _KERAS_SCRIPT, str(tmp_path / "inputs.npz"), str(tmp_path / "keras.npz")],
                   check=True, env=env, capture_output=True, timeout=300)
    theirs = dict(np.load(tmp_path / "keras.npz"))
    ours = {"attention": ops.dot_product_attention(data["q"], data["k"], data["v"], bias=data["bias"], mask=mask,
                                                   is_causal=True),
            "attention_plain": ops.dot_product_attention(data["q"], data["k"], data["v"], mask=mask)}
    carry, ys = ops.scan(lambda c, x: ((ops.add(ops.multiply(c[0], 0.5), x["a"]), ops.add(c[1], 1)),
                                       (ops.tanh(c[0]), ops.multiply(x["a"], 2.0))),
                         (data["init"], 0), {"a": data["xs"]}, reverse=True)
    ours.update(scan_carry=carry[0], scan_count=carry[1], scan_y0=ys[0], scan_y1=ys[1])
    ours["fori"] = ops.fori_loop(0, 4, lambda i, s: ops.add(ops.multiply(s, 1.5), ops.cast(i, "float32")), data["init"])
    assert sorted(ours) == sorted(theirs)
    for name, value in ours.items():
        np.testing.assert_allclose(_numpy(value), theirs[name], rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_reaches_each_element_of_a_1d_xs(backend, reverse):
    """Scanning a 1-D ``xs`` hands the step 0-d slices; d/dx of sum(x_t ** 2) is 2 x on every backend
    (the NumPy backend once handed out NumPy scalars, which left its tape: a zero gradient)."""
    with kerafront.backend_scope(backend):
        def loss(xs):
            def step(carry, x):
                return ops.add(carry, ops.multiply(x, x)), x
            carry, _ = ops.scan(step, ops.convert_to_tensor(np.float32(0.0)), xs, reverse=reverse)
            return carry

        xs = ops.convert_to_tensor(np.array([1.0, -2.0, 3.0], "float32"))
        np.testing.assert_allclose(ops.convert_to_numpy(ops.grad(loss)(xs)), [2.0, -4.0, 6.0], rtol=1e-6)
