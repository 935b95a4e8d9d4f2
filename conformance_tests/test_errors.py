"""Level 6: the same bad input raises the same kerafront error type on every backend, with a
message that names the op (spec: ValueError/TypeError raised before the framework sees it;
IndexError for out-of-range gather indices, with one message everywhere)."""

import numpy as np
import pytest

import kerafront

from conformance_tests import harness
from conformance_tests.cases import signal as signal_cases


def _ones(ops, shape):
    return ops.convert_to_tensor(np.ones(shape, "float32"))


def _ints(ops, values):
    return ops.convert_to_tensor(np.array(values, "int32"))


# id -> (op name the message must contain, extra text it must contain, call(ops))
ERROR_CASES = {
    "expand_dims_repeated_axis": ("expand_dims", "repeated", lambda ops: ops.expand_dims(_ones(ops, (2, 3)), (0, 0))),
    "concatenate_axis_out_of_range": ("concatenate", "out of range", lambda ops: ops.concatenate(
        [_ones(ops, (2, 3)), _ones(ops, (2, 3))], axis=5)),
    "repeat_axis_out_of_range": ("repeat", "out of range", lambda ops: ops.repeat(_ones(ops, (2, 3)), 2, axis=4)),
    "take_along_axis_axis_out_of_range": ("take_along_axis", "out of range", lambda ops: ops.take_along_axis(
        _ones(ops, (2, 3)), ops.convert_to_tensor(np.zeros((2, 3), "int32")), axis=4)),
    "matmul_inner_dims": ("matmul", "(2, 3)", lambda ops: ops.matmul(_ones(ops, (2, 3)), _ones(ops, (4, 5)))),
    "matmul_batch_dims": ("matmul", None, lambda ops: ops.matmul(_ones(ops, (2, 3, 4)), _ones(ops, (3, 4, 5)))),
    "conv_rank_2": ("conv", None, lambda ops: ops.conv(_ones(ops, (5, 3)), _ones(ops, (3, 3, 2)))),
    "conv_rank_6": ("conv", "(1, 3, 3, 3, 3, 2)", lambda ops: ops.conv(
        _ones(ops, (1, 3, 3, 3, 3, 2)), _ones(ops, (2, 2, 2, 2, 2, 2)))),
    "conv_3d_channel_mismatch": ("conv", "(2, 2, 2, 2, 4)", lambda ops: ops.conv(
        _ones(ops, (1, 4, 4, 4, 3)), _ones(ops, (2, 2, 2, 2, 4)))),
    "conv_3d_strides_wrong_length": ("conv", "(1, 2)", lambda ops: ops.conv(
        _ones(ops, (1, 4, 4, 4, 2)), _ones(ops, (2, 2, 2, 2, 2)), strides=(1, 2))),
    "conv_transpose_3d_output_padding_not_below_stride": ("conv_transpose", "output_padding", lambda ops: (
        ops.conv_transpose(_ones(ops, (1, 3, 3, 3, 2)), _ones(ops, (3, 3, 3, 2, 2)), strides=(2, 2, 1),
                           output_padding=1))),
    "max_pool_3d_window_larger_than_input": ("max_pool", "smaller than the window", lambda ops: ops.max_pool(
        _ones(ops, (1, 2, 4, 4, 1)), 3)),
    "average_pool_rank_6": ("average_pool", None, lambda ops: ops.average_pool(_ones(ops, (1, 2, 2, 2, 2, 1)), 2)),
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
    "conv_strides_not_positive": ("conv", "positive", lambda ops: ops.conv(
        _ones(ops, (1, 5, 5, 2)), _ones(ops, (3, 3, 2, 2)), strides=0)),
    "conv_strides_wrong_length": ("conv", "(1, 1, 1)", lambda ops: ops.conv(
        _ones(ops, (1, 5, 5, 2)), _ones(ops, (3, 3, 2, 2)), strides=(1, 1, 1))),
    "conv_input_smaller_than_window": ("conv", "smaller than the window", lambda ops: ops.conv(
        _ones(ops, (1, 2, 2, 2)), _ones(ops, (3, 3, 2, 2)))),
    "conv_bias_shape": ("conv_bias", "(4,)", lambda ops: ops.conv_bias(
        _ones(ops, (1, 5, 5, 3)), _ones(ops, (3, 3, 3, 4)), _ones(ops, (3,)))),
    "conv_transpose_unknown_padding": ("conv_transpose", "causal", lambda ops: ops.conv_transpose(
        _ones(ops, (1, 3, 3, 2)), _ones(ops, (3, 3, 2, 2)), padding="causal")),
    "conv_transpose_rank": ("conv_transpose", None, lambda ops: ops.conv_transpose(
        _ones(ops, (3, 2)), _ones(ops, (3, 2, 2)))),
    "conv_transpose_channel_mismatch": ("conv_transpose", "(3, 3, 4, 2)", lambda ops: ops.conv_transpose(
        _ones(ops, (1, 5, 5, 3)), _ones(ops, (3, 3, 4, 2)))),
    "conv_transpose_output_padding_not_below_stride": ("conv_transpose", "output_padding", lambda ops: (
        ops.conv_transpose(_ones(ops, (1, 4, 2)), _ones(ops, (3, 3, 2)), strides=2, output_padding=2))),
    "max_pool_unknown_padding": ("max_pool", "full", lambda ops: ops.max_pool(
        _ones(ops, (1, 4, 4, 2)), 2, padding="full")),
    "max_pool_unknown_data_format": ("max_pool", "NCHW", lambda ops: ops.max_pool(
        _ones(ops, (1, 4, 4, 2)), 2, data_format="NCHW")),
    "average_pool_rank": ("average_pool", None, lambda ops: ops.average_pool(_ones(ops, (4, 2)), 2)),
    "max_pool_rank": ("max_pool", "(1, 5)", lambda ops: ops.max_pool(_ones(ops, (1, 5)), 2)),
    "max_pool_size_not_positive": ("max_pool", "positive", lambda ops: ops.max_pool(_ones(ops, (1, 5, 5, 1)), 0)),
    "max_pool_window_larger_than_input": ("max_pool", "smaller than the window", lambda ops: ops.max_pool(
        _ones(ops, (1, 2, 2, 1)), 3)),
    "average_pool_unknown_padding": ("average_pool", "causal", lambda ops: ops.average_pool(
        _ones(ops, (1, 5, 5, 1)), 2, padding="causal")),
    "average_pool_negative_strides": ("average_pool", "positive", lambda ops: ops.average_pool(
        _ones(ops, (1, 5, 5, 1)), 2, strides=-1)),
    "reshape_size": ("reshape", "(4, 2)", lambda ops: ops.reshape(_ones(ops, (2, 3)), (4, 2))),
    "reshape_to_scalar": ("reshape", None, lambda ops: ops.reshape(_ones(ops, (2,)), ())),
    "reshape_inferred_dim_does_not_divide": ("reshape", "(-1, 4)", lambda ops: ops.reshape(
        _ones(ops, (2, 3)), (-1, 4))),
    "squeeze_not_size1": ("squeeze", None, lambda ops: ops.squeeze(_ones(ops, (2, 1)), axis=0)),
    "max_empty_reduction": ("max", None, lambda ops: ops.max(_ones(ops, (0, 3)), axis=0)),
    "sum_axis_out_of_range": ("sum", "axis 2", lambda ops: ops.sum(_ones(ops, (2, 3)), axis=2)),
    "concatenate_shapes": ("concatenate", None, lambda ops: ops.concatenate([_ones(ops, (2, 3)), _ones(ops, (3, 2))])),
    "einsum_shapes": ("einsum", None, lambda ops: ops.einsum("ij,jk->ik", _ones(ops, (2, 3)), _ones(ops, (4, 2)))),
    "pad_unknown_mode": ("pad", "wrap", lambda ops: ops.pad(_ones(ops, (3,)), ((1, 1),), mode="wrap")),
    "take_float_indices": ("take", None, lambda ops: ops.take(_ones(ops, (3,)), ops.convert_to_tensor(
        np.array([0.0], "float32")))),
    "random_normal_seed_shape": ("random_normal", "(3,)", lambda ops: ops.random_normal(
        (2,), ops.convert_to_tensor(np.array([1, 2, 3], "int32")))),
    "split_uneven_sections": ("split", None, lambda ops: ops.split(_ones(ops, (5,)), 2)),
    "value_and_grad_non_scalar": ("grad", "(3,)", lambda ops: ops.value_and_grad(
        lambda x: ops.multiply(x, 2.0))(_ones(ops, (3,)))),
    "grad_non_scalar": ("grad", "(2, 2)", lambda ops: ops.grad(lambda x: ops.exp(x))(_ones(ops, (2, 2)))),
    "grad_of_integer_input": ("grad", "float", lambda ops: ops.grad(lambda x: ops.sum(x))(
        ops.convert_to_tensor(np.ones((2,), "int32")))),
    "convert_to_tensor_complex": ("convert_to_tensor", "complex64", lambda ops: ops.convert_to_tensor(
        np.ones((2,), "complex64"))),
    "scan_without_xs_or_length": ("scan", "pass length", lambda ops: ops.scan(lambda c, x: (c, x), _ones(ops, (2,)))),
    "scan_xs_lengths_differ": ("scan", "leading length", lambda ops: ops.scan(
        lambda c, x: (c, x[0]), _ones(ops, (2,)), (_ones(ops, (3, 2)), _ones(ops, (4, 2))))),
    "scan_carry_structure": ("scan", "structure", lambda ops: ops.scan(
        lambda c, x: ((c, c), x), _ones(ops, (2,)), _ones(ops, (3, 2)))),
    "scan_carry_shape": ("scan", "expected float32[2], got float32[4, 2]", lambda ops: ops.scan(
        lambda c, x: (ops.add(c, x), x), _ones(ops, (2,)), _ones(ops, (3, 4, 2)))),
    "while_loop_body_shape": ("while_loop", "loop_vars", lambda ops: ops.while_loop(
        lambda x: ops.less(ops.sum(x), 5.0), lambda x: ops.concatenate([x, x]), _ones(ops, (1,)))),
    "cond_pred_not_scalar": ("cond", "got shape (2,)", lambda ops: ops.cond(
        ops.convert_to_tensor(np.array([True, False])), lambda: _ones(ops, (1,)), lambda: _ones(ops, (1,)))),
    "dot_product_attention_heads": ("dot_product_attention", "must divide", lambda ops: ops.dot_product_attention(
        _ones(ops, (1, 2, 3, 4)), _ones(ops, (1, 2, 2, 4)), _ones(ops, (1, 2, 2, 4)))),
}
ERROR_CASES.update(signal_cases.ERROR_CASES)

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


# Gather indices out of range (spec ``take``): IndexError with spec_rules.index_error's message, the same text on
# every backend. id -> (text the message must contain, call(ops)). Values, not shapes: no symbolic counterpart.
INDEX_ERROR_CASES = {
    "take_index_above_range": ("axis 0 of size 3 (x has shape (3,)): indices must be in [-3, 3), got "
                               "indices from 0 to 3.", lambda ops: ops.take(_ones(ops, (3,)), _ints(ops, [0, 3]),
                                                                            axis=0)),
    "take_index_below_range": ("axis 1 of size 3 (x has shape (2, 3)): indices must be in [-3, 3), got "
                               "indices from -4 to 1.", lambda ops: ops.take(_ones(ops, (2, 3)), _ints(ops, [1, -4]),
                                                                             axis=1)),
    "take_flattened_index_above_range": ("the flattened tensor of size 6 (x has shape (2, 3))",
                                         lambda ops: ops.take(_ones(ops, (2, 3)), _ints(ops, [[6]]))),
    "take_numpy_index_below_range": ("got indices from -5 to -5.", lambda ops: ops.take(
        _ones(ops, (4, 2)), np.array([-5]), axis=0)),
    "take_along_axis_index_above_range": ("axis 1 of size 3 (x has shape (2, 3)): indices must "
                                          "be in [-3, 3), got indices from 0 to 3.", lambda ops: ops.take_along_axis(
                                              _ones(ops, (2, 3)), _ints(ops, [[3], [0]]), axis=1)),
    "take_along_axis_index_below_range": ("axis 0 of size 2 (x has shape (2, 3)): indices must "
                                          "be in [-2, 2), got indices from -3 to 0.", lambda ops: ops.take_along_axis(
                                              _ones(ops, (2, 3)), _ints(ops, [[0, -3, 0]]), axis=0)),
    "take_along_axis_flattened_index_below_range": ("the flattened tensor of size 6",
                                                    lambda ops: ops.take_along_axis(_ones(ops, (2, 3)),
                                                                                    _ints(ops, [-7]))),
}


@pytest.mark.parametrize("name", sorted(INDEX_ERROR_CASES))
def test_index_error(backend, name):
    detail, call = INDEX_ERROR_CASES[name]
    messages = {}
    for which in (harness.REFERENCE, backend):
        with kerafront.backend_scope(which):
            with pytest.raises(IndexError) as info:
                call(kerafront.ops)
        messages[which] = str(info.value)
    assert messages[backend].startswith(("take: ", "take_along_axis: ")), messages[backend]
    assert detail in messages[backend], f"backend {backend}, index case {name}: {messages[backend]!r} lacks {detail!r}"
    assert messages[backend] == messages[harness.REFERENCE], (
        f"backend {backend}, index case {name}: {messages[backend]!r}, the reference says "
        f"{messages[harness.REFERENCE]!r}")
