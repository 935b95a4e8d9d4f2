"""Level 6: the same bad input raises the same kerafront error type on every backend, with a
message that names the op (spec: ValueError/TypeError raised before the framework sees it)."""

import numpy as np
import pytest

import kerafront

from conformance_tests import harness


def _ones(ops, shape):
    return ops.convert_to_tensor(np.ones(shape, "float32"))


# id -> (op name the message must contain, extra text it must contain, call(ops))
ERROR_CASES = {
    "matmul_inner_dims": ("matmul", "(2, 3)", lambda ops: ops.matmul(_ones(ops, (2, 3)), _ones(ops, (4, 5)))),
    "matmul_batch_dims": ("matmul", None, lambda ops: ops.matmul(_ones(ops, (2, 3, 4)), _ones(ops, (3, 4, 5)))),
    "conv_rank_2": ("conv", None, lambda ops: ops.conv(_ones(ops, (5, 3)), _ones(ops, (3, 3, 2)))),
    "conv_rank_5": ("conv", None, lambda ops: ops.conv(_ones(ops, (1, 4, 4, 4, 2)), _ones(ops, (3, 3, 3, 2, 2)))),
    "conv_kernel_rank_mismatch": ("conv", None, lambda ops: ops.conv(_ones(ops, (1, 5, 5, 3)), _ones(ops, (3, 3, 4)))),
    "conv_channel_mismatch": ("conv", None,
                              lambda ops: ops.conv(_ones(ops, (1, 5, 5, 3)), _ones(ops, (3, 3, 2, 4)))),
    "conv_channels_first_mismatch": ("conv", None, lambda ops: ops.conv(
        _ones(ops, (1, 3, 5, 5)), _ones(ops, (3, 3, 5, 4)), data_format="channels_first")),
    "conv_groups_do_not_divide_out": ("conv", None,
                                      lambda ops: ops.conv(_ones(ops, (1, 5, 5, 4)), _ones(ops, (3, 3, 2, 3)))),
    "conv_unknown_padding": ("conv", "full", lambda ops: ops.conv(
        _ones(ops, (1, 5, 5, 2)), _ones(ops, (3, 3, 2, 2)), padding="full")),
    "conv_unknown_data_format": ("conv", "NHWC", lambda ops: ops.conv(
        _ones(ops, (1, 5, 5, 2)), _ones(ops, (3, 3, 2, 2)), data_format="NHWC")),
    "conv_strides_and_dilation": ("conv", None, lambda ops: ops.conv(
        _ones(ops, (1, 7, 7, 2)), _ones(ops, (3, 3, 2, 2)), strides=2, dilation_rate=2)),
    "conv_transpose_unknown_padding": ("conv_transpose", "causal", lambda ops: ops.conv_transpose(
        _ones(ops, (1, 3, 3, 2)), _ones(ops, (3, 3, 2, 2)), padding="causal")),
    "conv_transpose_rank": ("conv_transpose", None, lambda ops: ops.conv_transpose(
        _ones(ops, (3, 2)), _ones(ops, (3, 2, 2)))),
    "max_pool_unknown_padding": ("max_pool", "full", lambda ops: ops.max_pool(
        _ones(ops, (1, 4, 4, 2)), 2, padding="full")),
    "max_pool_unknown_data_format": ("max_pool", "NCHW", lambda ops: ops.max_pool(
        _ones(ops, (1, 4, 4, 2)), 2, data_format="NCHW")),
    "average_pool_rank": ("average_pool", None, lambda ops: ops.average_pool(_ones(ops, (4, 2)), 2)),
    "reshape_size": ("reshape", "(4, 2)", lambda ops: ops.reshape(_ones(ops, (2, 3)), (4, 2))),
    "reshape_to_scalar": ("reshape", None, lambda ops: ops.reshape(_ones(ops, (2,)), ())),
    "squeeze_not_size1": ("squeeze", None, lambda ops: ops.squeeze(_ones(ops, (2, 1)), axis=0)),
    "max_empty_reduction": ("max", None, lambda ops: ops.max(_ones(ops, (0, 3)), axis=0)),
    "split_uneven_sections": ("split", None, lambda ops: ops.split(_ones(ops, (5,)), 2)),
    "value_and_grad_non_scalar": ("grad", "(3,)", lambda ops: ops.value_and_grad(
        lambda x: ops.multiply(x, 2.0))(_ones(ops, (3,)))),
    "grad_non_scalar": ("grad", "(2, 2)", lambda ops: ops.grad(lambda x: ops.exp(x))(_ones(ops, (2, 2)))),
}

_reference_errors = {}


def _raise(name, backend):
    with kerafront.backend_scope(backend):
        with pytest.raises((ValueError, TypeError)) as info:
            ERROR_CASES[name][2](kerafront.ops)
    return info.value


def _reference_error(name):
    if name not in _reference_errors:
        _reference_errors[name] = _raise(name, harness.REFERENCE)
    return _reference_errors[name]


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
def test_error(backend, name):
    op, detail, _ = ERROR_CASES[name]
    error = _raise(name, backend)
    message = str(error)
    assert op in message, f"backend {backend}, error case {name}: message does not name {op!r}: {message!r}"
    if detail is not None:
        assert detail in message, f"backend {backend}, error case {name}: message lacks {detail!r}: {message!r}"
    reference = _reference_error(name)
    assert type(error) is type(reference), (
        f"backend {backend}, error case {name}: raised {type(error).__name__}, the reference raises "
        f"{type(reference).__name__} ({message!r})")
