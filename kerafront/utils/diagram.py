"""A text diagram of a model's graph (kerafront's graphviz-free stand-in for ``plot_model``)."""


def model_to_text(model, show_shapes=True, show_layer_names=True):
    """One line per layer, in execution order: ``name (Type)  <- inputs  : output shape``.

    >>> print(kerafront.utils.model_to_text(model))  # doctest: +SKIP
    input_layer (InputLayer)  : (None, 4)
    dense (Dense)  <- input_layer  : (None, 10)
    """
    from kerafront.models.summary import _graph, _shape_text
    graph = _graph(model)
    lines = [f'Model "{model.name}"']
    for layer in model.layers:
        nodes = graph._layer_nodes(layer) if graph is not None else []
        if not nodes and layer._inbound_nodes and graph is not None:
            nodes = layer._inbound_nodes[:1]
        label = f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__
        sources = [t.node.layer.name for n in nodes for t in n.inputs if t.node is not None]
        text = label
        if sources:
            text += "  <- " + ", ".join(dict.fromkeys(sources))
        if show_shapes:
            text += f"  : {_shape_text(nodes)}"
        lines.append(text)
    return "\n".join(lines)


def plot_model(model, to_file=None, show_shapes=True, show_layer_names=True):
    """Return ``model_to_text(model)``, also written to ``to_file`` when given (no graphviz needed)."""
    text = model_to_text(model, show_shapes=show_shapes, show_layer_names=show_layer_names)
    if to_file is not None:
        with open(to_file, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return text
