"""``Functional``: a model defined by a graph of layer calls on symbolic tensors.

``Model(inputs, outputs)`` walks back from ``outputs`` through the recorded nodes to ``inputs``
(branches, merges, shared layers, nested models; inputs and outputs may be a tensor, a list or a
dict). Nodes run in an order where each node comes after the nodes it reads from (by depth from
the outputs, ties by creation). Building the graph runs no backend kernel.
"""

import collections

from kerafront import _masking, tree
from kerafront.layers.input_layer import InputLayer
from kerafront.layers.symbolic import KerasTensor, is_shape
from kerafront.models.model import Model
from kerafront.saving import serialization


def _flatten_tensors(structure, what):
    flat = tree.flatten(structure)[0]
    for item in flat:
        if not isinstance(item, KerasTensor):
            raise ValueError(f"Model: {what} must be symbolic tensors from kerafront.Input and layer calls, got "
                             f"{type(item).__name__}.")
    return flat


class Functional(Model):
    """A model from ``inputs`` to ``outputs`` (KerasTensors, lists or dicts of them)."""

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        Model.__init__(self, name=name, trainable=trainable, **kwargs)
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1 and isinstance(inputs[0], KerasTensor):
            inputs = inputs[0] if isinstance(outputs, KerasTensor) else list(inputs)
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        self._model_inputs = _flatten_tensors(inputs, "inputs")
        self._model_outputs = _flatten_tensors(outputs, "outputs")
        self._nodes = self._collect_nodes()
        self._operations = self._ordered_layers()
        _check_unique_names(self._operations)
        self._build_shapes = [t.shape for t in self._model_inputs]
        self.built = True

    # ------------------------------------------------------------------------------------------
    # Graph

    def _collect_nodes(self):
        """Nodes between inputs and outputs in execution order; ValueError if an output is unreachable."""
        input_ids = {id(t) for t in self._model_inputs}
        post_order, visited, consumers = [], set(), {}
        stack = [(t, False) for t in reversed(self._model_outputs)]
        while stack:
            tensor, expanded = stack.pop()
            if id(tensor) in input_ids:
                continue
            node = tensor.node
            if node is None or not node.inputs:
                source = f'"{node.layer.name}"' if node is not None else repr(tensor)
                raise ValueError(
                    f"Model: the outputs are not reachable from the given inputs: they depend on {source} "
                    f"{tensor.shape}, which is not among the model's inputs "
                    f"{[t.name or t.shape for t in self._model_inputs]}. Pass every Input the outputs are "
                    "computed from.")
            if expanded:
                if node.id not in visited:
                    visited.add(node.id)
                    post_order.append(node)
                continue
            if node.id in visited:
                continue
            stack.append((tensor, True))
            for parent in reversed(node.inputs):
                consumers.setdefault(id(parent), []).append(node)
                stack.append((parent, False))
        depth = {}
        for node in reversed(post_order):
            depth[node.id] = max((depth[c.id] + 1 for t in node.flat_outputs for c in consumers.get(id(t), [])
                                  if c.id in depth), default=0)
        return sorted(post_order, key=lambda n: (-depth[n.id], n.id))

    def _ordered_layers(self):
        layers, seen = [], set()
        sources = [t.node.layer for t in self._model_inputs if t.node is not None and not t.node.inputs]
        for layer in sources + [n.layer for n in self._nodes]:
            if id(layer) not in seen:
                seen.add(id(layer))
                layers.append(layer)
        return layers

    @property
    def layers(self):
        """Every layer of the graph, InputLayers first, then in execution order."""
        return list(self._operations)

    @property
    def output_names(self):
        """Dict keys for dict outputs, else the names of the layers producing the outputs."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t.node.layer.name if t.node is not None else f"output_{i}" for i, t in enumerate(self._model_outputs)]

    @property
    def input_names(self):
        if isinstance(self._inputs_struct, dict):
            return sorted(self._inputs_struct)
        return [t.name for t in self._model_inputs]

    def _layer_nodes(self, layer):
        return [n for n in self._nodes if n.layer is layer]

    # ------------------------------------------------------------------------------------------
    # Running

    def _flatten_call_inputs(self, inputs):
        expected = self._model_inputs
        if isinstance(self._inputs_struct, dict) and isinstance(inputs, dict):
            missing = sorted(set(self._inputs_struct) - set(inputs))
            if missing:
                raise ValueError(f'Model "{self.name}": missing inputs {missing}; expected keys '
                                 f"{sorted(self._inputs_struct)}.")
            flat = tree.flatten({k: inputs[k] for k in self._inputs_struct})[0]
        elif isinstance(inputs, dict):
            names = [t.name for t in expected]
            if any(name not in inputs for name in names):
                raise ValueError(f'Model "{self.name}": a dict of inputs must have the keys {names}, got {sorted(inputs)}.')
            flat = [inputs[name] for name in names]
        elif isinstance(inputs, (list, tuple)) and len(expected) > 1:
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(expected):
            raise ValueError(f'Model "{self.name}" expects {len(expected)} inputs '
                             f"{[t.name for t in expected]}, received {len(flat)}.")
        return flat

    def _check_input_shapes(self, flat, shape_fn):
        for tensor, value in zip(self._model_inputs, flat):
            shape = shape_fn(value)
            if shape is None:
                continue
            if len(shape) != len(tensor.shape) or any(
                    e is not None and isinstance(r, int) and e != r for e, r in zip(tensor.shape, shape)):
                raise ValueError(f'Model "{self.name}": input "{tensor.name}" expected shape {tensor.shape}, received '
                                 f"{tuple(shape)}.")

    def _run_graph(self, flat_inputs, run_node):
        values = {id(t): v for t, v in zip(self._model_inputs, flat_inputs)}

        def lookup(x):
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            args, kwargs = tree.map_structure(lookup, (node.args, node.kwargs))
            outputs = run_node(node, args, kwargs)
            for tensor, value in zip(node.flat_outputs, tree.flatten(outputs)[0]):
                values[id(tensor)] = value
        return tree.map_structure(lookup, self._outputs_struct)

    def call(self, inputs, training=None, mask=None):
        flat = self._flatten_call_inputs(inputs)
        if mask is not None:
            _masking.set_masks(flat, list(mask) if isinstance(mask, (list, tuple)) else [mask])
        self._check_input_shapes(flat, lambda v: tuple(v.shape) if hasattr(v, "shape") else None)

        def run_node(node, args, kwargs):
            if training is not None and "training" not in kwargs:
                kwargs = dict(kwargs, training=training)
            return node.layer(*args, **kwargs)

        return self._run_graph(flat, run_node)

    def compute_output_shape(self, input_shape):
        if len(self._model_inputs) == 1 and is_shape(input_shape):
            flat = [tuple(input_shape)]
        else:
            flat = self._flatten_call_inputs(input_shape)
        self._check_input_shapes(flat, tuple)
        placeholders = [KerasTensor(s) for s in flat]
        shapes = self._run_graph(placeholders, lambda node, args, kwargs: _node_shapes(node, args))
        return tree.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, shapes)

    def compute_output_spec(self, inputs, *args, **kwargs):
        flat = self._flatten_call_inputs(inputs)
        self._check_input_shapes(flat, lambda t: t.shape)
        return self._run_graph(flat, lambda node, a, kw: _node_shapes(node, a))

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        """``{"name", "trainable", "layers": [...], "input_layers", "output_layers"}``; each layer
        entry lists its ``inbound_nodes`` with tensors as ``{"__keras_tensor__": [layer, node, index]}``."""
        node_index = {}
        for layer in self._operations:
            for i, node in enumerate(self._layer_nodes(layer)):
                node_index[node.id] = i

        def ref(tensor):
            node = tensor.node
            if node is None or (node.id not in node_index and node.inputs):
                raise ValueError(f'Model "{self.name}".get_config: tensor {tensor!r} does not come from a layer of this '
                                 "model; only models whose inputs are kerafront.Input tensors can be serialized.")
            return [node.layer.name, node_index.get(node.id, 0), tensor._history[1]]

        def encode(x):
            return {"__keras_tensor__": ref(x)} if isinstance(x, KerasTensor) else x

        layers = []
        for layer in self._operations:
            entry = serialization.serialize(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [{"args": tree.map_structure(encode, list(n.args)),
                                       "kwargs": tree.map_structure(encode, n.kwargs)}
                                      for n in self._layer_nodes(layer)]
            layers.append(entry)
        return {"name": self.name, "trainable": self.trainable, "layers": layers,
                "input_layers": tree.map_structure(ref, self._inputs_struct),
                "output_layers": tree.map_structure(ref, self._outputs_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        with serialization.custom_object_scope(custom_objects):
            return _rebuild(cls, config)


def _check_unique_names(layers):
    """Keras's rule and message: weights are saved by layer name, so two layers may not share one."""
    counts = collections.Counter(layer.name for layer in layers)
    for name, count in counts.items():
        if count != 1:
            raise ValueError(f'The name "{name}" is used {count} times in the model. All operation names should '
                             "be unique.")


def _node_shapes(node, args):
    """Output KerasTensors of ``node`` for the symbolic ``args`` (shape inference only)."""
    layer = node.layer
    return layer.compute_output_spec(*args, **{k: v for k, v in node.kwargs.items()
                                                if k not in ("training", "mask")})


def _is_ref(x):
    return isinstance(x, dict) and set(x) == {"__keras_tensor__"}


def _rebuild(cls, config):
    """Recreate layers, replay their calls on symbolic tensors, and make the model.

    A tensor reference is ``[layer_name, node_index, tensor_index]``: output ``tensor_index`` of the
    layer's call number ``node_index`` in the config. A malformed or dangling reference raises
    ``ValueError`` naming the node that holds it and the reference (shortened by ``_shown``).
    """
    for key in ("name", "layers", "input_layers", "output_layers"):
        if key not in config:
            raise ValueError(f"Functional.from_config: the config lacks {key!r} (keys: {sorted(config)}).")
    layers, created, node_counts, pending = {}, {}, {}, []
    for entry in config["layers"]:
        layer = serialization.deserialize({"class_name": entry["class_name"], "config": entry["config"]})
        name = entry["name"]
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list) or not all(
                isinstance(n, dict) and isinstance(n.get("args"), list) and isinstance(n.get("kwargs", {}), dict)
                for n in nodes):
            raise ValueError(f"Functional.from_config: layer {name!r} has malformed inbound_nodes {_shown(nodes)}; expected "
                             'a list of {"args": [...], "kwargs": {...}}.')
        layers[name] = layer
        created[name] = [layer.output_tensor] if isinstance(layer, InputLayer) else []
        node_counts[name] = len(created[name]) or len(nodes)
        pending.extend((name, index, node) for index, node in enumerate(nodes))

    def resolve(x, where):
        if not _is_ref(x):
            return x
        name, node_index, tensor_index = _check_ref(x["__keras_tensor__"], where)
        if name not in created:
            raise ValueError(f"Functional.from_config: {where} reads from layer {name!r}, which is not in the "
                             f"config's layers (reference {_shown(x['__keras_tensor__'])}).")
        if node_index >= node_counts[name]:
            raise ValueError(f"Functional.from_config: {where} reads node {node_index} of layer {name!r}, which has "
                             f"{node_counts[name]} node(s) (reference {_shown(x['__keras_tensor__'])}).")
        if node_index >= len(created[name]):
            raise _NotYetBuilt(x["__keras_tensor__"])
        outputs = tree.flatten(created[name][node_index])[0]
        if tensor_index >= len(outputs):
            raise ValueError(f"Functional.from_config: {where} reads output {tensor_index} of layer {name!r}, whose "
                             f"node {node_index} has {len(outputs)} output(s) (reference {_shown(x['__keras_tensor__'])}).")
        return outputs[tensor_index]

    while pending:
        progress, remaining, blocked = False, [], {}
        for name, index, node in pending:
            if name in blocked:
                remaining.append((name, index, node))
                continue
            where = f"inbound node {index} of layer {name!r}"
            try:
                args = _resolve_refs(node["args"], lambda x: resolve(x, where))
                kwargs = _resolve_refs(node.get("kwargs", {}), lambda x: resolve(x, where))
            except _NotYetBuilt as waiting:
                blocked[name] = waiting.args[0]
                remaining.append((name, index, node))
                continue
            try:
                created[name].append(layers[name](*args, **kwargs))
            except TypeError as error:
                raise ValueError(f"Functional.from_config: calling layer {name!r} on its inbound node {index} "
                                 f"failed: {error}") from None
            progress = True
        if not progress:
            waits = ", ".join(f"{name!r} reads {_shown(ref)}" for name, ref in sorted(blocked.items()))
            raise ValueError(f"Functional.from_config: the layers' inbound nodes form a cycle ({waits}).")
        pending = remaining

    inputs = _resolve_refs(_as_refs(config["input_layers"], "input_layers"),
                           lambda x: resolve(x, "input_layers"))
    outputs = _resolve_refs(_as_refs(config["output_layers"], "output_layers"),
                            lambda x: resolve(x, "output_layers"))
    return cls(inputs=inputs, outputs=outputs, name=config["name"], trainable=config.get("trainable", True))


def _shown(value, limit=100):
    """``repr(value)``, cut to ``limit`` characters (configs come from files)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


class _NotYetBuilt(Exception):
    """A reference to a node that exists in the config but has not been replayed yet."""


def _check_ref(triple, where):
    """``[layer_name, node_index, tensor_index]`` with non-negative integer indices, or ``ValueError``."""
    if not (isinstance(triple, (list, tuple)) and len(triple) == 3 and isinstance(triple[0], str)
            and all(type(i) is int and i >= 0 for i in triple[1:])):
        raise ValueError(f"Functional.from_config: {where} holds a malformed tensor reference {_shown(triple)}; expected "
                         "[layer_name, node_index, tensor_index] with non-negative integer indices.")
    return triple


def _as_refs(structure, where):
    """``[name, node, index]`` triples (possibly in lists/dicts) -> ``{"__keras_tensor__": triple}`` refs."""
    if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
        return {"__keras_tensor__": structure}
    if isinstance(structure, dict):
        return {k: _as_refs(v, where) for k, v in structure.items()}
    if isinstance(structure, list):
        return [_as_refs(s, where) for s in structure]
    raise ValueError(f"Functional.from_config: {where} holds {_shown(structure)} where a tensor reference "
                     "[layer_name, node_index, tensor_index] (or a list or dict of them) belongs.")


def _resolve_refs(structure, resolve):
    if _is_ref(structure):
        return resolve(structure)
    if isinstance(structure, dict):
        return {k: _resolve_refs(v, resolve) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_resolve_refs(s, resolve) for s in structure)
    return structure
