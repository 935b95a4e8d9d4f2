"""Elementwise rules: broadcast shapes (``None`` with 1 is ``None``, with ``n`` is ``n``) and promoted dtypes;
unary float math on integers gives floatx, as on every backend."""

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import broadcast, float_of, promote, rule, shape_of, spec_of


def binary(name, result=None):
    """Register the rule of binary primitive ``name``: broadcast shapes, promoted dtype (or ``result``)."""
    def binary_rule(x1, x2):
        out = broadcast(name, [shape_of(x1, name), shape_of(x2, name)])
        return KerasTensor(out, result or promote(x1, x2))
    binary_rule.__name__ = name
    return rule(binary_rule)


def unary(name, floating=True, result=None):
    """Register the rule of unary primitive ``name``: same shape; integers give floatx when ``floating``."""
    def unary_rule(x):
        shape, dtype = spec_of(x, name)
        dtype = dtype or promote(x)
        return KerasTensor(shape, result or (float_of(dtype) if floating else dtype))
    unary_rule.__name__ = name
    return rule(unary_rule)


for _name in ("add", "subtract", "multiply", "floor_divide", "mod", "power", "maximum", "minimum"):
    binary(_name)
for _name in ("sqrt", "rsqrt", "exp", "log", "log1p", "expm1", "sin", "cos", "tanh", "sigmoid", "erf", "erfc",
              "erfinv"):
    unary(_name)
for _name in ("negative", "abs", "sign", "square", "round", "floor", "ceil"):
    unary(_name, floating=False)


@rule
def divide(x1, x2):
    out = broadcast("divide", [shape_of(x1, "divide"), shape_of(x2, "divide")])
    return KerasTensor(out, float_of(promote(x1, x2)))


@rule
def arctan2(x1, x2):
    out = broadcast("arctan2", [shape_of(x1, "arctan2"), shape_of(x2, "arctan2")])
    return KerasTensor(out, float_of(promote(x1, x2)))


@rule
def nextafter(x1, x2):
    out = broadcast("nextafter", [shape_of(x1, "nextafter"), shape_of(x2, "nextafter")])
    return KerasTensor(out, float_of(promote(x1, x2)))


@rule
def clip(x, x_min, x_max):
    out = broadcast("clip", [shape_of(x, "clip"), shape_of(x_min, "clip"), shape_of(x_max, "clip")])
    return KerasTensor(out, promote(x, x_min, x_max))


@rule
def where(condition, x1, x2):
    out = broadcast("where", [shape_of(condition, "where"), shape_of(x1, "where"), shape_of(x2, "where")])
    return KerasTensor(out, promote(x1, x2))
