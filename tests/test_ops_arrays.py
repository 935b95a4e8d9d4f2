"""Keras's array ops (kerafront/ops/arrays.py) and the ``kerafront.ops.numpy`` / ``.linalg`` namespaces:
values and dtypes against Keras 3 itself, closed forms, gradients, and errors for bad input.
(Values against NumPy on every backend, with gradients, are the rows of conformance_tests/cases/arrays.py.)"""

import numpy as np
import pytest

import kerafront
from kerafront import ops

RNG = np.random.default_rng(18)
A23 = RNG.normal(size=(2, 3)).astype("float32")
A34 = RNG.normal(size=(3, 4)).astype("float32")
A234 = RNG.normal(size=(2, 3, 4)).astype("float32")
A245 = RNG.normal(size=(2, 4, 5)).astype("float32")
V3 = RNG.normal(size=(3,)).astype("float32")
V5 = RNG.normal(size=(5,)).astype("float32")
I23 = RNG.integers(-4, 5, size=(2, 3)).astype("int32")
COUNTS = np.array([0, 3, 1, 3, 3], "int32")

# name -> function of a module (kerafront.ops or keras.ops) giving the call; both must agree in values and dtypes.
SAME_AS_KERAS = {
    "allclose": lambda o: o.allclose(A23, A23 + 1e-9),
    "append": lambda o: o.append(A23, A34),
    "append_axis": lambda o: o.append(I23, I23, axis=0),
    "array": lambda o: o.array([[1, 2], [3, 4]]),
    "array_split": lambda o: o.array_split(np.arange(7, dtype="float32"), 3),
    "bincount": lambda o: o.bincount(COUNTS),
    "bincount_weights": lambda o: o.bincount(COUNTS, weights=np.arange(5, dtype="float32"), minlength=6),
    "copy": lambda o: o.copy(I23),
    "correlate_valid": lambda o: o.correlate(V5, V3),
    "correlate_same": lambda o: o.correlate(V3, V5, mode="same"),
    "correlate_full_ints": lambda o: o.correlate(COUNTS, np.array([1, -2], "int32"), mode="full"),
    "cross": lambda o: o.cross(A23, A23[::-1]),
    "diag_vector": lambda o: o.diag(V3, k=-1),
    "diag_matrix": lambda o: o.diag(A34, k=1),
    "diagflat": lambda o: o.diagflat(A23),
    "diagonal": lambda o: o.diagonal(A234, offset=1, axis1=1, axis2=2),
    "diff": lambda o: o.diff(A234, n=2, axis=-1),
    "digitize": lambda o: o.digitize(A23, np.array([-0.5, 0.0, 0.5], "float32")),
    "dot": lambda o: o.dot(A234, A245),
    "dot_ints": lambda o: o.dot(I23, I23.T.copy()),
    "dsplit": lambda o: o.dsplit(A234, 2),
    "dstack": lambda o: o.dstack([A23, A23]),
    "empty": lambda o: o.empty((2, 3)).shape,
    "empty_like": lambda o: o.empty_like(I23).shape,
    "fliplr": lambda o: o.fliplr(A23),
    "flipud": lambda o: o.flipud(A23),
    "geomspace": lambda o: o.geomspace(2.0, 32.0, num=5),
    "get_item": lambda o: o.get_item(A234, (slice(None, None, -1), None, Ellipsis, 1)),
    "get_item_ints": lambda o: o.get_item(A234, np.array([1, 0, 1])),
    "histogram_counts": lambda o: o.histogram(np.array([1.0, 2.0, 2.0, 3.5, 5.0], "float32"), bins=4)[0],
    "histogram_edges": lambda o: o.histogram(np.array([1.0, 2.0, 2.0, 3.5, 5.0], "float32"), bins=4)[1],
    "hsplit": lambda o: o.hsplit(A234, 3),
    "hstack": lambda o: o.hstack([V3, V5]),
    "identity": lambda o: o.identity(3),
    "inner": lambda o: o.inner(A234, A34),
    "isin": lambda o: o.isin(I23, np.array([0, 2, -3], "int32")),
    "kron": lambda o: o.kron(A23, I23),
    "linspace": lambda o: o.linspace(0.0, 1.0, 6),
    "linspace_no_endpoint_axis": lambda o: o.linspace(V3, V3 + 1, 4, endpoint=False, axis=1),
    "logspace": lambda o: o.logspace(0.0, 3.0, 4, base=2.0),
    "meshgrid": lambda o: o.meshgrid(V3, V5),
    "nan_to_num": lambda o: o.nan_to_num(np.array([np.nan, np.inf, -np.inf, 2.0], "float32"), posinf=9.0),
    "nonzero": lambda o: o.nonzero(I23),
    "outer": lambda o: o.outer(V3, V5),
    "roll": lambda o: o.roll(A234, 2, axis=2),
    "rot90": lambda o: o.rot90(A234, k=3, axes=(1, 2)),
    "searchsorted": lambda o: o.searchsorted(np.array([1.0, 2.0, 2.0, 4.0], "float32"),
                                             np.array([2.0, 3.0, 5.0], "float32"), side="right"),
    "select": lambda o: o.select([A23 > 0.5, A23 < -0.5], [A23, -A23], default=7.0),
    "tensordot": lambda o: o.tensordot(A234, A34, axes=([1, 2], [0, 1])),
    "trace": lambda o: o.trace(I23),
    "trapezoid": lambda o: o.trapezoid(A234, x=np.array([0.0, 1.0, 3.0, 4.5], "float32")),
    "tri": lambda o: o.tri(3, 4, k=1),
    "tril": lambda o: o.tril(A234, k=-1),
    "triu": lambda o: o.triu(I23, k=1),
    "unravel_index": lambda o: o.unravel_index(np.array([0, 5, 7], "int32"), (2, 4)),
    "vander": lambda o: o.vander(V3, 4),
    "vdot": lambda o: o.vdot(A23, A23),
    "vsplit": lambda o: o.vsplit(A234, 2),
    "vstack": lambda o: o.vstack([V3, V3]),
}

# Keras's own backends disagree here; kerafront gives int32 counts (Keras on NumPy: int64, on JAX and torch: float).
VALUES_ONLY = {"histogram_counts"}


def _leaves(out):
    if isinstance(out, (list, tuple)) and not (out and isinstance(out[0], int)):
        return [leaf for item in out for leaf in _leaves(item)]
    return [out]


@pytest.mark.parametrize("name", sorted(SAME_AS_KERAS))
def test_values_and_dtypes_match_keras(name):
    keras = pytest.importorskip("keras")
    expected, actual = _leaves(SAME_AS_KERAS[name](keras.ops)), _leaves(SAME_AS_KERAS[name](ops))
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        if isinstance(e, tuple):   # a shape
            assert tuple(a) == e
            continue
        e = keras.ops.convert_to_numpy(e)
        np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(e, np.float64), rtol=2e-6, atol=1e-6)
        if name not in VALUES_ONLY:
            assert ops.dtype(a) == str(e.dtype), f"{name}: dtype {ops.dtype(a)}, Keras gives {e.dtype}"


def test_closed_forms():
    # correlate([1, 2, 3], [0, 1, 0.5]) slides the kernel: c[k] = sum_n x[n + k] * v[n].
    np.testing.assert_allclose(ops.correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "full"),
                               [0.5, 2.0, 3.5, 3.0, 0.0])
    # e_x cross e_y = e_z; 2-D vectors give the z component only.
    np.testing.assert_array_equal(ops.cross(np.array([1.0, 0, 0]), np.array([0.0, 1, 0])), [0.0, 0.0, 1.0])
    assert float(ops.cross(np.array([2.0, 0.0]), np.array([0.0, 3.0]))) == 6.0
    # The trapezoid rule is exact for a line: integral of 2t over [0, 3] is 9.
    assert float(ops.trapezoid(np.array([0.0, 2.0, 4.0, 6.0]), dx=1.0)) == 9.0
    np.testing.assert_array_equal(ops.diag(np.array([1, 2]), k=1), [[0, 1, 0], [0, 0, 2], [0, 0, 0]])
    np.testing.assert_array_equal(ops.kron(np.eye(2, dtype="int32"), np.array([[1, 2]], "int32")),
                                  [[1, 2, 0, 0], [0, 0, 1, 2]])
    assert ops.argpartition(np.array([5.0, 1.0, 4.0, 2.0]), 1).tolist()[:2] in ([1, 3], [3, 1])


def test_gradients_match_closed_forms():
    x = np.arange(9, dtype="float32").reshape(3, 3)
    np.testing.assert_array_equal(ops.grad(lambda m: ops.trace(m))(x), np.eye(3))
    np.testing.assert_array_equal(ops.grad(lambda m: ops.sum(ops.triu(m, k=1)))(x), np.triu(np.ones((3, 3)), 1))
    # d/dx of vdot(x, y) is y; of sum(roll(x, 1)) is ones.
    np.testing.assert_array_equal(ops.grad(lambda v: ops.vdot(v, x))(np.ones((3, 3), "float32")), x)
    np.testing.assert_array_equal(ops.grad(lambda v: ops.sum(ops.roll(v, 1)))(x), np.ones((3, 3)))


def test_composites_infer_shapes_on_symbolic_inputs():
    a, b = kerafront.KerasTensor((None, 3, 4)), kerafront.KerasTensor((4, 5))
    assert ops.tensordot(a, b, axes=1).shape == (None, 3, 5)
    assert ops.diagonal(a, axis1=1, axis2=2).shape == (None, 3)
    assert ops.tril(a).shape == (None, 3, 4)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.tensordot(A23, A23, axes=1), "tensordot: contracted dimensions differ"),
    (lambda: ops.diagonal(V3), "diagonal: expected a tensor of rank >= 2"),
    (lambda: ops.correlate(A23, V3), "correlate: expected two 1-D tensors"),
    (lambda: ops.correlate(V3, V3, mode="circular"), "correlate: mode must be"),
    (lambda: ops.cross(A34, A34), "cross: vectors must have 2 or 3 components"),
    (lambda: ops.bincount(np.array([1, -1], "int32")), "bincount: values must be non-negative"),
    (lambda: ops.bincount(V3), "bincount: expected a 1-D or 2-D integer tensor"),
    (lambda: ops.bincount(COUNTS, sparse=True), "bincount: sparse=True"),
    (lambda: ops.searchsorted(V3, V3, side="middle"), "searchsorted: side must be"),
    (lambda: ops.geomspace(0.0, 1.0), "geomspace: start and stop must be nonzero"),
    (lambda: ops.meshgrid(V3, indexing="yx"), "meshgrid: indexing must be"),
    (lambda: ops.select([V3 > 0], []), "select: condlist and choicelist"),
    (lambda: ops.rot90(A23, axes=(1, 1)), "rot90: the two axes must differ"),
    (lambda: ops.roll(A23, (1, 2), axis=(0, 1, 1)), "roll: shift and axis"),
    (lambda: ops.argpartition(V3, 5), "argpartition: kth=5 is out of range"),
    (lambda: ops.array_split(V3, 0), "array_split: the number of sections must be positive"),
    (lambda: ops.histogram(V3, bins=0), "histogram: bins must be a positive int"),
])
def test_bad_input_raises_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("key, error, message", [
    ((0, 0, 0), IndexError, "too many indices"),
    ((Ellipsis, Ellipsis), IndexError, "a single ellipsis"),
    ((5,), IndexError, "index 5 is out of bounds for axis 0 with size 2"),
    (V3 > 0, TypeError, "for a boolean mask use ops.where"),
    ((1, [0, 1]), TypeError, "a tuple key holds ints, slices, None or ..."),
])
def test_get_item_bad_keys(key, error, message):
    with pytest.raises(error, match=message):
        ops.get_item(A23, key)


def test_namespaces_hold_the_ops_of_kerafront_ops():
    assert ops.numpy.tensordot is ops.tensordot and ops.numpy.sum is ops.sum
    assert ops.linalg.norm is ops.norm
    assert "tensordot" in dir(ops.numpy) and "svd" in dir(ops.linalg) and "eig" not in dir(ops.linalg)
    assert ops.linalg.svd is ops.svd
    with pytest.raises(AttributeError, match="a Keras name kerafront does not implement yet"):
        ops.linalg.eig   # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'conv'"):
        ops.numpy.conv   # noqa: B018  (not a keras.ops.numpy name)
    namespace = {}
    exec("from kerafront.ops.numpy import *", namespace)
    assert namespace["vstack"] is ops.vstack and "conv" not in namespace


def test_namespaces_list_the_names_keras_lists():
    keras = pytest.importorskip("keras")
    for module, keras_module in ((ops.numpy, keras.ops.numpy), (ops.linalg, keras.ops.linalg)):
        assert set(module.KERAS_NAMES) == {n for n in dir(keras_module) if not n.startswith("_")}
