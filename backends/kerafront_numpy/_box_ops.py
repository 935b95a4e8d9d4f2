"""Python operators, indexing and ``.T`` for ``Box``, routed through the differentiable primitives."""

from kerafront_numpy import _comparison, _elementwise
from kerafront_numpy._autodiff import Box
from kerafront_numpy._linalg import matmul
from kerafront_numpy._shape import getitem, transpose


def _plain(other):
    """A ``kerafront.Variable`` operand reads its (possibly boxed) current value; anything else as is."""
    return other.value if hasattr(other, "assign") and hasattr(other, "value") else other


def _binary(op, reflected=False):
    if reflected:
        def method(self, other):
            return op(_plain(other), self)
    else:
        def method(self, other):
            return op(self, _plain(other))
    return method


for _name, _op in [("add", _elementwise.add), ("sub", _elementwise.subtract), ("mul", _elementwise.multiply),
                   ("truediv", _elementwise.divide), ("floordiv", _elementwise.floor_divide),
                   ("mod", _elementwise.mod), ("pow", _elementwise.power), ("matmul", matmul)]:
    setattr(Box, f"__{_name}__", _binary(_op))
    setattr(Box, f"__r{_name}__", _binary(_op, reflected=True))

for _name, _op in [("lt", _comparison.less), ("le", _comparison.less_equal), ("gt", _comparison.greater),
                   ("ge", _comparison.greater_equal), ("eq", _comparison.equal), ("ne", _comparison.not_equal)]:
    setattr(Box, f"__{_name}__", _binary(_op))

Box.__hash__ = object.__hash__  # defining __eq__ would otherwise drop hashing (boxes key dicts)
Box.__neg__ = lambda self: _elementwise.negative(self)
Box.__pos__ = lambda self: self
Box.__abs__ = lambda self: _elementwise.abs(self)
Box.__getitem__ = lambda self, index: getitem(self, index)
Box.T = property(lambda self: transpose(self))
