"""Python operators, indexing and ``.T`` for ``Box``, routed through the differentiable primitives."""

from kerafront_numpy import _core, _index, _linalg, _shape
from kerafront_numpy._autodiff import Box


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


for _name, _op in [("add", _core.add), ("sub", _core.subtract), ("mul", _core.multiply),
                   ("truediv", _core.divide), ("floordiv", _core.floor_divide), ("mod", _core.mod),
                   ("pow", _core.power), ("matmul", _linalg.matmul)]:
    setattr(Box, f"__{_name}__", _binary(_op))
    setattr(Box, f"__r{_name}__", _binary(_op, reflected=True))

for _name, _op in [("lt", _core.less), ("le", _core.less_equal), ("gt", _core.greater),
                   ("ge", _core.greater_equal), ("eq", _core.equal), ("ne", _core.not_equal)]:
    setattr(Box, f"__{_name}__", _binary(_op))

Box.__hash__ = object.__hash__  # defining __eq__ would otherwise drop hashing (boxes key dicts)
Box.__neg__ = lambda self: _core.negative(self)
Box.__pos__ = lambda self: self
Box.__abs__ = lambda self: _core.abs(self)
Box.__getitem__ = lambda self, index: _index.getitem(self, index)
Box.T = property(lambda self: _shape.transpose(self))
