"""``get_source_inputs``: the ``Input`` tensors a symbolic tensor is computed from."""


def get_source_inputs(tensor):
    """The list of input ``KerasTensor``s (made by ``kerafront.Input``) that ``tensor`` depends on,
    each once, in the order the graph's nodes list them (Keras's ``keras.utils.get_source_inputs``).

    A tensor that no layer made (no history) is its own source: ``[tensor]``. Anything that is not a
    symbolic tensor is returned unchanged, as Keras does.
    """
    from kerafront.layers.input_layer import InputLayer
    from kerafront.layers.symbolic import KerasTensor
    if not isinstance(tensor, KerasTensor):
        return tensor
    sources, seen_nodes, stack = [], set(), [tensor]
    while stack:
        current = stack.pop()
        node = current.node
        if node is None or isinstance(node.layer, InputLayer) or not node.inputs:
            if all(current is not source for source in sources):
                sources.append(current)
            continue
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        stack.extend(reversed(node.inputs))
    return sources
