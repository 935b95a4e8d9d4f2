"""``Operation``, ``Function``, ``SymbolicScope`` and ``remat``: Keras 3's top-level graph and memory names.

* ``Operation``: a stateless op as a class. ``op(*args)`` runs ``call`` on tensors; on ``KerasTensor``s
  it runs ``compute_output_spec`` (by default ``call`` itself, whose ``kerafront.ops`` then compute
  only shapes and dtypes) and records a graph node, as a layer does, so ops and layers mix in one
  graph. ``get_config`` holds ``name`` and, for a subclass without its own ``get_config``, the
  arguments its ``__init__`` was called with.
* ``Function(inputs, outputs)``: the graph of operations and layers between symbolic ``inputs`` and
  ``outputs``, run on tensors (``fn(inputs)``) or KerasTensors -- a ``Model`` without weights
  tracking, training or saving.
* ``SymbolicScope``: the context ``in_symbolic_scope()`` reports, entered while an Operation infers
  its output spec.
* ``remat(f)``: gradient checkpointing through the backend's ``remat`` hook (``jax.checkpoint``,
  ``torch.utils.checkpoint``). NumPy and TensorFlow have none and run ``f`` as it is: the same
  values and gradients, without the memory saving (``tf.recompute_grad`` gives no gradient to the
  weights ``f`` closes over, which kerafront's TensorFlow steps pass as tensors).
"""

import functools
import inspect
import threading

from kerafront import config, tree
from kerafront._keras_tensor import KerasTensor

__all__ = ["Function", "Operation", "SymbolicScope", "in_symbolic_scope", "remat"]

_name_counts = {}
_name_lock = threading.Lock()


def _auto_name(cls):
    base = "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(cls.__name__))
    with _name_lock:
        count = _name_counts.get(base, 0)
        _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _any_symbolic(structure):
    return any(isinstance(leaf, KerasTensor) for leaf in tree.flatten(structure)[0])


# ----------------------------------------------------------------------------------------------
# SymbolicScope

_scope = threading.local()


class SymbolicScope:
    """Context manager marking code that runs on KerasTensors only (shape inference)."""

    def __enter__(self):
        self._previous = getattr(_scope, "current", None)
        _scope.current = self
        return self

    def __exit__(self, *exc_info):
        _scope.current = self._previous


def in_symbolic_scope():
    """True inside a ``SymbolicScope`` on this thread."""
    return getattr(_scope, "current", None) is not None


# ----------------------------------------------------------------------------------------------
# Operation

class Operation:
    """Base class of a stateless op: override ``call`` (and ``compute_output_spec`` if ``call`` cannot run on
    KerasTensors). ``name`` defaults to the snake-cased class name, numbered when taken."""

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        try:
            bound = inspect.signature(cls.__init__).bind(None, *args, **kwargs)
        except TypeError:
            bound = None
        arguments = {} if bound is None else {k: v for k, v in bound.arguments.items() if k != "self"}
        for key, kind in inspect.signature(cls.__init__).parameters.items():
            if kind.kind is kind.VAR_KEYWORD and key in arguments:
                arguments.update(arguments.pop(key))
        instance._init_arguments = arguments
        return instance

    def __init__(self, name=None):
        if name is None:
            name = _auto_name(type(self))
        if not isinstance(name, str) or "/" in name:
            raise ValueError(f"{type(self).__name__}: name must be a string without '/', received {name!r}.")
        self.name = name
        self._inbound_nodes = []

    def __call__(self, *args, **kwargs):
        if _any_symbolic((args, kwargs)):
            return self.symbolic_call(*args, **kwargs)
        return self.call(*args, **kwargs)

    def symbolic_call(self, *args, **kwargs):
        """Infer the outputs (``compute_output_spec``) and record a graph node for ``Function``/``Model``."""
        from kerafront.layers.symbolic import Node
        outputs = self.compute_output_spec(*args, **kwargs)
        outputs = tree.map_structure(lambda t: KerasTensor(t.shape, t.dtype) if isinstance(t, KerasTensor) else t,
                                     outputs)
        Node(self, args, kwargs, outputs)
        return outputs

    def call(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__}: an Operation subclass must implement call().")

    def compute_output_spec(self, *args, **kwargs):
        """The output KerasTensors: by default ``call`` run on the KerasTensors (its ops infer shapes)."""
        with SymbolicScope():
            try:
                return self.call(*args, **kwargs)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"Could not infer the output shape and dtype of '{self.name}' ({type(self).__name__}) by "
                    f"running its call() on KerasTensors: {error}. Implement compute_output_spec() if call() "
                    "cannot run symbolically.") from error

    def get_config(self):
        """``{"name": ...}`` plus, unless a subclass overrides this, its ``__init__`` arguments (Keras's rule)."""
        config_dict = {"name": self.name}
        if type(self).get_config is Operation.get_config:
            for key, value in self._init_arguments.items():
                if key != "name":
                    config_dict[key] = value
        return config_dict

    @classmethod
    def from_config(cls, config_dict):
        try:
            return cls(**config_dict)
        except Exception as error:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config={config_dict}: "
                            f"{error}") from error

    @property
    def input(self):
        """The symbolic inputs of the first call on KerasTensors (one tensor, or a list)."""
        inputs = self._first_node("input").inputs
        return inputs[0] if len(inputs) == 1 else list(inputs)

    @property
    def output(self):
        """The symbolic outputs of the first call on KerasTensors."""
        return self._first_node("output").outputs

    def _first_node(self, attribute):
        if not self._inbound_nodes:
            raise AttributeError(f"Operation '{self.name}' has never been called on KerasTensors, so it has no "
                                 f"{attribute}.")
        return self._inbound_nodes[0]

    def __repr__(self):
        return f"<Operation name={self.name}>"


# ----------------------------------------------------------------------------------------------
# Function

class Function(Operation):
    """The graph from ``inputs`` to ``outputs`` (structures of KerasTensors) as one callable op.

    ``fn(inputs)`` takes the structure of ``inputs`` (a lone tensor for one input) and returns the
    structure of ``outputs``, running each recorded operation or layer once, in dependency order.
    """

    def __init__(self, inputs, outputs, name=None):
        super().__init__(name=name)
        self._inputs_struct, self._outputs_struct = inputs, outputs
        self._inputs = tree.flatten(inputs)[0]
        self._outputs = tree.flatten(outputs)[0]
        for t in self._inputs + self._outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"Function: inputs and outputs must be KerasTensors, received {t!r}.")
        self._nodes = _nodes_between(self._inputs, self._outputs)

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def operations(self):
        """The operations and layers of the graph, in execution order, each once."""
        seen, ops = set(), []
        for node in self._nodes:
            if id(node.layer) not in seen:
                seen.add(id(node.layer))
                ops.append(node.layer)
        return ops

    def call(self, inputs):
        flat = tree.flatten(inputs)[0] if len(self._inputs) > 1 or tree.is_nested(inputs) else [inputs]
        if len(flat) != len(self._inputs):
            raise ValueError(f"Function '{self.name}' expects {len(self._inputs)} inputs, received {len(flat)}.")
        for expected, value in zip(self._inputs, flat):
            shape = tuple(getattr(value, "shape", ()))
            if len(shape) != len(expected.shape) or any(
                    e is not None and r is not None and e != r for e, r in zip(expected.shape, shape)):
                raise ValueError(f"Function '{self.name}': an input expected shape {expected.shape}, received "
                                 f"{shape}.")
        values = {id(t): v for t, v in zip(self._inputs, flat)}

        def lookup(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            args, kwargs = tree.map_structure(lookup, (node.args, node.kwargs))
            for tensor, value in zip(node.flat_outputs, tree.flatten(node.layer(*args, **kwargs))[0]):
                values[id(tensor)] = value
        return tree.map_structure(lookup, self._outputs_struct)

    def compute_output_spec(self, inputs):
        with SymbolicScope():
            return self.call(inputs)


def _nodes_between(inputs, outputs):
    """The nodes producing ``outputs`` from ``inputs``, each after the nodes it reads (a post-order walk)."""
    input_ids = {id(t) for t in inputs}
    order, done = [], set()
    for output in outputs:
        stack = [(output, False)]
        while stack:
            tensor, expanded = stack.pop()
            if id(tensor) in input_ids:
                continue
            node = tensor.node
            if node is None or not node.inputs:
                raise ValueError(f"Function: the outputs depend on {tensor!r}, which is not among the inputs and is "
                                 "not computed from them. Pass every input the outputs are computed from.")
            if node.id in done:
                continue
            if expanded:
                done.add(node.id)
                order.append(node)
                continue
            stack.append((tensor, True))
            stack.extend((parent, False) for parent in reversed(node.inputs))
    return order


# ----------------------------------------------------------------------------------------------
# remat

def remat(f):
    """``f`` with gradient checkpointing: its intermediate activations are recomputed in the backward pass.

    Tensors among ``f``'s arguments (and Variables ``f`` reads) are differentiated as before; other
    arguments (Python numbers, flags) are passed through unchanged. The backend's ``remat`` hook does
    the work; without one (NumPy, TensorFlow) ``f`` runs as it is.
    """
    from kerafront import ops
    from kerafront.ops._dispatch import VariableBase

    @functools.wraps(f)
    def rematerialized(*args, **kwargs):
        hook = getattr(config.backend_module(), "remat", None)
        leaves, treedef = tree.flatten((args, kwargs))
        if hook is None or any(isinstance(leaf, KerasTensor) for leaf in leaves):
            return f(*args, **kwargs)
        leaves = [leaf.value if isinstance(leaf, VariableBase) else leaf for leaf in leaves]
        positions = [i for i, leaf in enumerate(leaves) if ops.is_tensor(leaf)]

        def on_tensors(*tensors):
            filled = list(leaves)
            for i, t in zip(positions, tensors):
                filled[i] = t
            call_args, call_kwargs = tree.unflatten(treedef, filled)
            return f(*call_args, **call_kwargs)

        return hook(on_tensors)(*[leaves[i] for i in positions])

    return rematerialized


class RematScope:
    """``with RematScope(mode):`` -- layers created inside recompute activations in the backward pass.

    ``mode`` (Keras's): ``"full"`` every layer; ``"activations"`` only each layer's ``activation``;
    ``"larger_than"`` layers whose output has more than ``output_size_threshold`` elements;
    ``"list_of_layers"`` the layers named in ``layer_names``; ``None`` none (inside an outer scope).
    The mode is read when a layer is created and applies to its every call (``remat``'s rules).
    """

    MODES = ("full", "activations", "larger_than", "list_of_layers", None)

    def __init__(self, mode="full", output_size_threshold=1024, layer_names=None):
        if mode not in self.MODES:
            raise ValueError(f"RematScope: mode must be one of 'full', 'activations', 'larger_than', "
                             f"'list_of_layers' or None, got {mode!r}.")
        self.mode = mode
        self.output_size_threshold = output_size_threshold
        self.layer_names = list(layer_names or [])

    def __enter__(self):
        _remat_scopes.stack = getattr(_remat_scopes, "stack", []) + [self]
        return self

    def __exit__(self, *exc):
        _remat_scopes.stack = _remat_scopes.stack[:-1]
        return False


_remat_scopes = threading.local()


def current_remat_scope():
    """The innermost ``RematScope`` of this thread, or None."""
    stack = getattr(_remat_scopes, "stack", None)
    return stack[-1] if stack else None


def rematerialized_call(layer, args, kwargs):
    """``layer.call``, wrapped with ``remat`` as the ``RematScope`` the layer was created in says."""
    scope = getattr(layer, "_remat_scope", None)
    mode = scope.mode if scope is not None else None
    if mode == "full" or (mode == "list_of_layers" and layer.name in scope.layer_names):
        return remat(layer.call)
    if mode == "activations" and getattr(layer, "activation", None) is not None:
        def call_with_rematerialized_activation(*call_args, **call_kwargs):
            activation = layer.activation
            layer.activation = remat(activation)
            try:
                return layer.call(*call_args, **call_kwargs)
            finally:
                layer.activation = activation
        return call_with_rematerialized_activation
    if mode == "larger_than":
        import math
        spec = layer.compute_output_spec(*args, **kwargs)
        size = sum(math.prod(d or 1 for d in leaf.shape) for leaf in tree.flatten(spec)[0]
                   if isinstance(leaf, KerasTensor))
        if size > scope.output_size_threshold:
            return remat(layer.call)
    return layer.call
