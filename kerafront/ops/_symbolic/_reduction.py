"""Reduction rules: ``axis`` through ``spec_rules.normalize_axis``/``single_axis``; bool sums count in int32,
means and variances of integers give floatx, argmax/argmin int32."""

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import float_of, promote, rule, shape_of, size_of, spec_of
from kerafront.spec_rules import normalize_axis, single_axis


def _reduce(name, x, axis, keepdims, dtype):
    shape = shape_of(x, name)
    axes = normalize_axis(axis, len(shape), name)
    if keepdims:
        out = tuple(1 if i in axes else d for i, d in enumerate(shape))
    else:
        out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return KerasTensor(out, dtype)


def _reduction(name, dtype_rule):
    def reduction_rule(x, axis=None, keepdims=False):
        return _reduce(name, x, axis, keepdims, dtype_rule(spec_of(x, name)[1] or promote(x)))
    reduction_rule.__name__ = name
    return rule(reduction_rule)


def _counting(dtype):
    return "int32" if dtype == "bool" else dtype


for _name, _dtype_rule in (("sum", _counting), ("prod", _counting), ("mean", float_of), ("var", float_of),
                           ("any", lambda d: "bool"), ("all", lambda d: "bool")):
    _reduction(_name, _dtype_rule)


def _extreme(name, x, axis, keepdims):
    shape, dtype = spec_of(x, name)
    if any(shape[a] == 0 for a in normalize_axis(axis, len(shape), name)):
        raise ValueError(f"{name}: cannot reduce over an empty axis (input shape {shape}, axis {axis}); "
                         f"{name} of nothing is undefined.")
    return _reduce(name, x, axis, keepdims, dtype)


@rule
def max(x, axis=None, keepdims=False):
    return _extreme("max", x, axis, keepdims)


@rule
def min(x, axis=None, keepdims=False):
    return _extreme("min", x, axis, keepdims)


def _arg(name, x, axis, keepdims):
    shape = shape_of(x, name)
    if 0 in shape:
        raise ValueError(f"{name}: cannot take the {name} of an empty tensor (shape {shape}).")
    if axis is None:
        return KerasTensor((1,) * len(shape) if keepdims else (), "int32")
    return _reduce(name, x, single_axis(axis, len(shape), name), keepdims, "int32")


@rule
def argmax(x, axis=None, keepdims=False):
    return _arg("argmax", x, axis, keepdims)


@rule
def argmin(x, axis=None, keepdims=False):
    return _arg("argmin", x, axis, keepdims)


@rule
def cumsum(x, axis=None):
    shape, dtype = spec_of(x, "cumsum")
    if axis is None or not shape:
        normalize_axis(axis, len(shape), "cumsum")
        return KerasTensor((size_of(shape),), _counting(dtype))
    single_axis(axis, len(shape), "cumsum")
    return KerasTensor(shape, _counting(dtype))
