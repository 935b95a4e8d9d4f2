"""Keras's linear-algebra ops (decomposition primitives and kerafront/ops/linalg_ops.py): values against Keras 3
itself (on JAX) and closed forms, kerafront's sign rule for eigenvectors and singular vectors, shapes of
the full SVD, the errors every backend raises, and the ``keras.ops.linalg`` / ``keras.ops.numpy`` names.
The case table (conformance_tests/cases/linalg.py) checks values, dtypes and gradients on every backend."""

import importlib.util

import numpy as np
import pytest

import kerafront
from kerafront import ops
from kerafront._keras_tensor import KerasTensor

RNG = np.random.default_rng(18)
A = (RNG.standard_normal((3, 3)) + 3 * np.eye(3)).astype("float32")
SPD = (A @ A.T + np.eye(3)).astype("float32")
B = RNG.standard_normal((3, 2)).astype("float32")
TALL = RNG.standard_normal((4, 3)).astype("float32")
BACKENDS = [name for name, module in (("numpy", "numpy"), ("torch", "torch"), ("jax", "jax"),
                                      ("tensorflow", "tensorflow")) if importlib.util.find_spec(module)]


def _close(actual, expected, rtol=1e-5, atol=1e-5):
    np.testing.assert_allclose(np.asarray(actual, np.float64), np.asarray(expected, np.float64), rtol=rtol, atol=atol)


def _signed(v):
    """Columns of ``v`` with their largest-magnitude entry made positive (to compare vectors across libraries)."""
    where = np.argmax(np.abs(v), axis=-2)[..., None, :]
    return v * np.sign(np.take_along_axis(v, where, axis=-2))


@pytest.fixture(scope="module")
def keras():
    return pytest.importorskip("keras")


@pytest.mark.parametrize("name, args", [
    ("cholesky", (SPD,)), ("det", (A,)), ("inv", (A,)), ("solve", (A, B)), ("solve", (A, B[:, 0])),
    ("pinv", (TALL,)), ("lstsq", (TALL, RNG.standard_normal((4,)).astype("float32"))), ("logdet", (SPD,)),
    ("cholesky_inverse", (np.linalg.cholesky(SPD),)),
])
def test_matches_keras(keras, name, args):
    ours = getattr(ops, name)(*args)
    theirs = keras.ops.convert_to_numpy(getattr(keras.ops, name)(*args))
    _close(ours, theirs, rtol=2e-5, atol=2e-5)
    assert ops.dtype(ours) == "float32"


def test_decompositions_match_keras(keras):
    kops = keras.ops
    for lower in (True, False):
        _close(ops.solve_triangular(A, B, lower=lower), kops.convert_to_numpy(kops.solve_triangular(A, B, lower=lower)))
    _close(ops.cholesky(SPD, upper=True), kops.convert_to_numpy(kops.cholesky(SPD, upper=True)))
    lu, pivots = ops.lu_factor(A)
    k_lu, k_pivots = kops.lu_factor(A)
    _close(lu, kops.convert_to_numpy(k_lu))
    np.testing.assert_array_equal(pivots, kops.convert_to_numpy(k_pivots))
    for mode in ("reduced", "complete"):
        for ours, theirs in zip(ops.qr(TALL, mode=mode), kops.qr(TALL, mode=mode)):
            _close(ours, kops.convert_to_numpy(theirs))
    w, v = ops.eigh(SPD)
    k_w, k_v = kops.eigh(SPD)
    _close(w, kops.convert_to_numpy(k_w), rtol=1e-5, atol=1e-4)
    _close(v, _signed(kops.convert_to_numpy(k_v)), atol=1e-4)
    u, s, vh = ops.svd(TALL, full_matrices=False)
    k_u, k_s, k_vh = (kops.convert_to_numpy(t) for t in kops.svd(TALL, full_matrices=False))
    _close(s, k_s)
    signs = np.sign(np.take_along_axis(k_u, np.argmax(np.abs(k_u), axis=0)[None, :], axis=0))
    _close(u, k_u * signs)
    _close(vh, k_vh * signs.T)
    sign, logabsdet = ops.slogdet(A - 4 * np.eye(3, dtype="float32"))
    k_sign, k_logabsdet = kops.slogdet(A - 4 * np.eye(3, dtype="float32"))
    _close(sign, kops.convert_to_numpy(k_sign))
    _close(logabsdet, kops.convert_to_numpy(k_logabsdet))
    rank_two = np.array([[1.0, 2.0], [2.0, 4.0]], "float32")
    assert int(ops.matrix_rank(rank_two)) == int(kops.matrix_rank(rank_two)) == 1


def test_closed_forms():
    # [[4, 2], [2, 3]] = L L^T with L = [[2, 0], [1, sqrt(2)]]; its determinant is 8.
    spd = np.array([[4.0, 2.0], [2.0, 3.0]], "float32")
    _close(ops.cholesky(spd), [[2.0, 0.0], [1.0, np.sqrt(2.0)]])
    _close(ops.det(spd), 8.0)
    _close(ops.logdet(spd), np.log(8.0))
    _close(ops.inv(spd), np.array([[3.0, -2.0], [-2.0, 4.0]]) / 8)
    # eigenvalues of [[2, 1], [1, 2]]: 1 and 3, eigenvectors (1, -1)/sqrt(2) and (1, 1)/sqrt(2)
    w, v = ops.eigh(np.array([[2.0, 1.0], [1.0, 2.0]], "float32"))
    _close(w, [1.0, 3.0])
    _close(np.abs(v), np.full((2, 2), np.sqrt(0.5)))
    # d logdet(A) / dA = inv(A)^T; d det(A) / dA = det(A) inv(A)^T
    _, grad = ops.value_and_grad(lambda x: ops.logdet(x))(A.astype("float64"))
    _close(grad, np.linalg.inv(A.astype("float64")).T, rtol=1e-10)
    _, grad = ops.value_and_grad(lambda x: ops.det(x))(A.astype("float64"))
    _close(grad, np.linalg.det(A.astype("float64")) * np.linalg.inv(A.astype("float64")).T, rtol=1e-10)
    # pinv of a rank-one matrix u v^T is v u^T / (|u|^2 |v|^2)
    u, v_ = np.array([1.0, 2.0, 2.0]), np.array([3.0, 4.0])
    _close(ops.pinv(np.outer(u, v_).astype("float32")), np.outer(v_, u) / (9 * 25), atol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sign_rule_and_full_svd(backend):
    x = RNG.standard_normal((2, 5, 3)).astype("float32")
    with kerafront.backend_scope(backend):
        w, v = (ops.convert_to_numpy(t) for t in ops.eigh(x @ np.swapaxes(x, -1, -2)))
        u, s, vh = (ops.convert_to_numpy(t) for t in ops.svd(x))
    for vectors in (v, u[..., :3]):   # the sign rule: each column's largest-magnitude entry is positive
        largest = np.take_along_axis(vectors, np.argmax(np.abs(vectors), -2)[..., None, :], -2)
        np.testing.assert_array_equal(np.sign(largest), 1)
    assert u.shape == (2, 5, 5) and s.shape == (2, 3) and vh.shape == (2, 3, 3)
    _close(u @ np.swapaxes(u, -1, -2), np.broadcast_to(np.eye(5), (2, 5, 5)), atol=1e-5)
    _close((u[..., :3] * s[..., None, :]) @ vh, x, atol=1e-5)
    assert np.all(np.diff(s, axis=-1) <= 0) and np.all(np.diff(w, axis=-1) >= 0)


ERRORS = {  # id -> (message fragments, call)
    "rank_1": (("cholesky", "rank >= 2"), lambda: ops.cholesky(np.ones(3, "float32"))),
    "non_square": (("det", "square"), lambda: ops.det(np.ones((2, 3), "float32"))),
    "inv_non_square": (("inv", "square"), lambda: ops.inv(np.ones((2, 3), "float32"))),
    "solve_mismatch": (("solve", "(3, 3)", "(2,)"), lambda: ops.solve(A, np.ones(2, "float32"))),
    "solve_triangular_mismatch": (("solve_triangular", "(4, 1)"), lambda: ops.solve_triangular(A, np.ones((4, 1),
                                                                                                          "float32"))),
    "not_positive_definite": (("cholesky", "positive definite"), lambda: ops.cholesky(-SPD)),
    "qr_mode": (("qr", "'r'"), lambda: ops.qr(TALL, mode="r")),
    "lstsq_rank": (("lstsq", "rank 2"), lambda: ops.lstsq(np.ones((2, 3, 3), "float32"), np.ones(3, "float32"))),
    "eigh_float16": (("eigh", "float16"), lambda: ops.eigh(np.eye(2, dtype="float16"))),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(ERRORS))
def test_bad_input_raises_naming_the_op(backend, case):
    fragments, call = ERRORS[case]
    expected = TypeError if case.endswith("float16") else ValueError
    with kerafront.backend_scope(backend), pytest.raises(expected) as error:
        call()
    for fragment in fragments:
        assert fragment in str(error.value), (fragment, str(error.value))


def test_symbolic_shapes():
    x = KerasTensor((None, 4, 3), "float32")
    q, r = ops.qr(x)
    assert (q.shape, r.shape) == ((None, 4, 3), (None, 3, 3))
    u, s, vh = ops.svd(x)
    assert (u.shape, s.shape, vh.shape) == ((None, 4, 4), (None, 3), (None, 3, 3))
    assert ops.pinv(x).shape == (None, 3, 4)
    assert ops.matrix_rank(x).shape == (None,) and ops.matrix_rank(x).dtype == "int32"
    lu, pivots = ops.lu_factor(KerasTensor((2, 3, 3), "int32"))
    assert (lu.shape, lu.dtype, pivots.shape, pivots.dtype) == ((2, 3, 3), "float32", (2, 3), "int32")
    with pytest.raises(ValueError, match="eigh"):
        ops.eigh(KerasTensor((None, 4, 3), "float32"))


def test_keras_namespaces_resolve():
    for name in ("cholesky", "cholesky_inverse", "det", "eigh", "inv", "lstsq", "lu_factor", "matrix_rank", "pinv",
                 "qr", "solve", "solve_triangular", "svd"):
        assert getattr(kerafront.ops.linalg, name) is getattr(ops, name)
    assert kerafront.ops.numpy.slogdet is ops.slogdet
    assert "eig" not in dir(kerafront.ops.linalg)   # complex results: not implemented, never a stub
