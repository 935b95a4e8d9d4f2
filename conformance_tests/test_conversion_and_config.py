"""Spec rules that a case row cannot state, on every backend.

* ``convert_to_numpy`` returns a writable NumPy copy (writing to it leaves the tensor alone), and a
  bfloat16 tensor comes back as float32 (NumPy has no bfloat16 of its own).
* Ops take ``kerafront.Variable`` arguments: primitives and fused overrides alike.
* ``floatx`` and ``image_data_format`` are read when an op runs, not when the backend loads:
  Python floats, creation defaults, integer division and means, float math on integers and random
  samples follow ``floatx``; ``data_format=None`` follows ``image_data_format``.
"""

import numpy as np
import pytest

import kerafront

from conformance_tests import harness
from conformance_tests.tolerances import tolerance


def test_convert_to_numpy_returns_a_writable_copy(ops, backend):
    x = ops.ones((2,))
    array = ops.convert_to_numpy(x)
    assert type(array) is np.ndarray, f"backend {backend}: convert_to_numpy gave {type(array).__name__}"
    array[0] = 5.0
    assert ops.convert_to_numpy(x)[0] == 1.0, f"backend {backend}: writing to convert_to_numpy's result changed x"


def test_convert_to_numpy_gives_bfloat16_as_float32(ops, backend):
    try:
        x = ops.cast(ops.ones((2,)), "bfloat16")
    except TypeError as error:  # the NumPy backend without ml_dtypes
        pytest.skip(f"backend {backend} refuses bfloat16 here ({error})")
    assert ops.dtype(x) == "bfloat16"
    array = ops.convert_to_numpy(x)
    assert array.dtype == np.float32, f"backend {backend}: a bfloat16 tensor came back as {array.dtype}"
    np.testing.assert_array_equal(array, [1.0, 1.0])


def test_ops_take_variables(ops, backend):
    v = kerafront.Variable(np.array([[-1.0, 2.0]], "float32"))
    for what, out, expected in (("relu", ops.relu(v), [[0.0, 2.0]]), ("add", ops.add(v, 1.0), [[0.0, 3.0]]),
                                ("matmul", ops.matmul(v, ops.ones((2, 1))), [[1.0]])):
        np.testing.assert_array_equal(ops.convert_to_numpy(out), expected, err_msg=f"backend {backend}: {what}")


@pytest.mark.parametrize("floatx", ["float16", "float64"])
def test_floatx_is_read_when_an_op_runs(ops, backend, floatx):
    harness.require_dtype(backend, floatx)
    kerafront.config.set_floatx(floatx)  # conftest restores it after the test
    ints = ops.arange(4)
    results = {
        "convert_to_tensor(1.5)": ops.convert_to_tensor(1.5),
        "zeros((2,))": ops.zeros((2,)),
        "divide(int32, 2)": ops.divide(ints, 2),
        "mean(int32)": ops.mean(ints),
        "sqrt(int32)": ops.sqrt(ints),
        "add(int32, 0.5)": ops.add(ints, 0.5),
        "random_normal((2,), seed)": ops.random_normal((2,), 1),
    }
    wrong = {what: ops.dtype(x) for what, x in results.items() if ops.dtype(x) != floatx}
    assert not wrong, f"backend {backend} with floatx {floatx}: {wrong}"
    np.testing.assert_array_equal(ops.convert_to_numpy(results["divide(int32, 2)"]), [0.0, 0.5, 1.0, 1.5])


def test_data_format_none_reads_image_data_format_when_an_op_runs(ops, backend):
    rng = np.random.default_rng(3)
    x = ops.convert_to_tensor(rng.standard_normal((1, 2, 5, 5)).astype("float32"))
    kernel = ops.convert_to_tensor(rng.standard_normal((3, 3, 2, 4)).astype("float32"))
    calls = {
        "conv": lambda data_format: ops.conv(x, kernel, data_format=data_format),
        "conv_bias": lambda data_format: ops.conv_bias(x, kernel, ops.ones((4,)), data_format=data_format),
        "conv_transpose": lambda data_format: ops.conv_transpose(x, ops.ones((3, 3, 4, 2)), data_format=data_format),
        "max_pool": lambda data_format: ops.max_pool(x, 2, data_format=data_format),
        "average_pool": lambda data_format: ops.average_pool(x, 2, data_format=data_format),
    }
    kerafront.config.set_image_data_format("channels_first")  # conftest restores it after the test
    rtol, atol = tolerance("float32", "linalg")
    for op, call in calls.items():
        np.testing.assert_allclose(ops.convert_to_numpy(call(None)), ops.convert_to_numpy(call("channels_first")),
                                   rtol=rtol, atol=atol, err_msg=f"backend {backend}: {op} with data_format=None")
