"""Symbolic tensors and graph nodes for the functional API.

A ``KerasTensor`` (defined in ``kerafront._keras_tensor``, below the ops) is a placeholder with a
``shape`` (batch dimension ``None``) and a ``dtype``; it holds no data. Calling a layer on
KerasTensors runs only the layer's ``build`` (weights are created from the shape) and its shape
inference -- ``compute_output_shape``, or else ``call`` itself on the KerasTensors, whose ops then
compute only shapes and dtypes (``kerafront.ops._symbolic``), never a backend kernel -- and records
a ``Node``: the layer, the arguments it was called with (KerasTensors inside) and the KerasTensors
it returned. ``kerafront.Model(inputs, outputs)`` walks these nodes back from the outputs to make its
graph.

KerasTensors take the Python operators (``+ - * / // % ** @``, reflected forms, unary ``-``,
``abs``, ``< <= > >=``) and basic indexing (ints, slices, ``None``, ``...``), attached here; each
calls ``kerafront.ops``, so custom ``call`` code written with operators traces like ops code.
``==`` and hashing stay identity (graphs key dicts and sets by tensor).
"""

import itertools

from kerafront import ops, tree
from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic import getitem as _getitem

__all__ = ["KerasTensor", "Node", "is_symbolic", "shape_of", "is_shape", "map_shapes"]

_node_ids = itertools.count()


def is_symbolic(structure):
    """True when any leaf of the pytree ``structure`` is a KerasTensor."""
    return any(isinstance(leaf, KerasTensor) for leaf in tree.flatten(structure)[0])


class Node:
    """One call of ``layer`` on symbolic inputs.

    ``args``/``kwargs`` are the call's arguments with KerasTensors inside (replayed with real
    tensors by the functional model); ``inputs`` is the flat list of those KerasTensors;
    ``outputs`` the structure of KerasTensors the call returned (``flat_outputs`` flattened).
    """

    def __init__(self, layer, args, kwargs, outputs):
        self.id = next(_node_ids)
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.inputs = [x for x in tree.flatten((args, kwargs))[0] if isinstance(x, KerasTensor)]
        self.outputs = outputs
        self.flat_outputs = tree.flatten(outputs)[0]
        for index, tensor in enumerate(self.flat_outputs):
            tensor._history = (self, index)
        layer._inbound_nodes.append(self)

    @property
    def parent_nodes(self):
        return [t.node for t in self.inputs if t.node is not None]

    def __repr__(self):
        return f"<Node {self.layer.name} #{self.id}>"


def shape_of(structure):
    """The structure of ``.shape`` tuples of a structure of KerasTensors."""
    return tree.map_structure(lambda t: t.shape, structure)


def is_shape(value):
    """True for a single shape: a tuple/list of ints and ``None`` (not a list of shapes)."""
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, int) for d in value)


def map_shapes(fn, shapes):
    """Apply ``fn`` to every single shape in a (possibly nested) structure of shapes."""
    if is_shape(shapes):
        return fn(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    return type(shapes)(map_shapes(fn, s) for s in shapes)


def _binary(op, reflected=False):
    """The operator method computing ``tensor <op> other`` (``other <op> tensor`` when reflected)."""
    if reflected:
        def method(self, other):
            return op(other, self)
    else:
        def method(self, other):
            return op(self, other)
    return method


for _name, _op in [("add", ops.add), ("sub", ops.subtract), ("mul", ops.multiply), ("truediv", ops.divide),
                   ("floordiv", ops.floor_divide), ("mod", ops.mod), ("pow", ops.power), ("matmul", ops.matmul)]:
    setattr(KerasTensor, f"__{_name}__", _binary(_op))
    setattr(KerasTensor, f"__r{_name}__", _binary(_op, reflected=True))
for _name, _op in [("lt", ops.less), ("le", ops.less_equal), ("gt", ops.greater), ("ge", ops.greater_equal)]:
    setattr(KerasTensor, f"__{_name}__", _binary(_op))
KerasTensor.__neg__ = lambda self: ops.negative(self)
KerasTensor.__abs__ = lambda self: ops.abs(self)
KerasTensor.__getitem__ = _getitem
