"""Symbolic tensors and graph nodes for the functional API.

A ``KerasTensor`` is a placeholder with a ``shape`` (batch dimension ``None``) and a ``dtype``; it
holds no data. Calling a layer on KerasTensors runs only the layer's ``build`` (weights are created
from the shape) and ``compute_output_shape`` -- never a backend kernel -- and records a ``Node``:
the layer, the arguments it was called with (KerasTensors inside) and the KerasTensors it returned.
``kerafront.Model(inputs, outputs)`` walks these nodes back from the outputs to make its graph.
"""

import itertools

from kerafront import tree
from kerafront.dtypes import standardize_dtype

_node_ids = itertools.count()


class KerasTensor:
    """Symbolic tensor: ``shape`` (a tuple; ``None`` for unknown dims), ``dtype``, ``name``.

    ``_history`` is ``(node, index)``: the node that produced it and its position among the node's
    outputs; ``None`` for a free placeholder.
    """

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = standardize_dtype(dtype)
        self.name = name
        self._history = history

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def node(self):
        return None if self._history is None else self._history[0]

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            f"{self!r} is symbolic (the functional API): it has a shape but no values, so it cannot be "
            "converted to an array or passed to kerafront.ops. Compute with layers: wrap the "
            "computation in a kerafront.layers.Lambda (in-memory) or a custom Layer with "
            "compute_output_shape.")

    def __bool__(self):
        raise TypeError(f"{self!r} is symbolic and has no truth value; use layers to compute with it.")

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other


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
