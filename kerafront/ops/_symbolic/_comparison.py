"""Comparison and logic rules: broadcast shapes, bool results."""

from kerafront.ops._symbolic._elementwise import binary, unary

for _name in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
              "logical_or", "logical_xor"):
    binary(_name, result="bool").__module__ = __name__
for _name in ("logical_not", "isnan", "isfinite"):
    unary(_name, result="bool").__module__ = __name__
