"""``model.summary()``: one row per layer -- name (type), output shape, parameter count -- then totals.

Counts follow Keras: a layer's count is the number of scalars in its ``weights`` (seed states
excluded); totals split the model's weights into trainable and non-trainable (BatchNorm moving
statistics are non-trainable; a frozen layer's weights are all non-trainable). Functional models
that are not a plain chain get a "Connected to" column. Shapes show ``None`` for the free batch
axis, ``multiple`` for a layer called more than once, ``?`` when unknown (a subclassed model).
"""

import numpy as np

from kerafront.layers.input_layer import InputLayer


def _itemsize(dtype):
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def readable_size(num_bytes):
    """``139304`` -> ``"136.04 KB"`` (powers of 1024, as Keras prints)."""
    size = float(num_bytes)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _count(variables):
    return sum(int(np.prod(v.shape)) for v in variables), sum(int(np.prod(v.shape)) * _itemsize(v.dtype)
                                                               for v in variables)


def _graph(model):
    """The Functional graph behind ``model`` (itself, or a built Sequential's), or None."""
    from kerafront.models.functional import Functional
    if isinstance(model, Functional):
        return model
    return getattr(model, "_functional", None)


def _shape_text(nodes):
    if not nodes:
        return "?"
    if len(nodes) > 1:
        return "multiple"
    shapes = [tuple(t.shape) for t in nodes[0].flat_outputs]
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def _connections(graph, nodes):
    parts = []
    for node in nodes:
        for tensor in node.inputs:
            producer = tensor.node
            producer_nodes = graph._layer_nodes(producer.layer) if producer.inputs else [producer]
            index = next((i for i, n in enumerate(producer_nodes) if n is producer), 0)
            parts.append(f"{producer.layer.name}[{index}][{tensor._history[1]}]")
    return ", ".join(parts) or "-"


def _is_chain(graph):
    return all(len(n.inputs) <= 1 for n in graph._nodes) and len({id(n.layer) for n in graph._nodes}) == len(
        graph._nodes) and len(graph.inputs) == 1 and len(graph.outputs) == 1


def _rows(model, expand_nested, show_trainable, indent=""):
    graph = _graph(model)
    rows = []
    for layer in model.layers:
        nodes = graph._layer_nodes(layer) if graph is not None else []
        if graph is not None and isinstance(layer, InputLayer):
            nodes = layer._inbound_nodes[:1]
        if layer.built:
            params = f"{layer.count_params():,}"
        else:
            params = "0 (unbuilt)"
        row = [f"{indent}{layer.name} ({type(layer).__name__})", _shape_text(nodes), params]
        row.append(_connections(graph, nodes) if graph is not None else "")
        row.append("Y" if layer.trainable else "N")
        rows.append(row)
        if expand_nested and hasattr(layer, "summary") and layer.layers:
            rows.extend(_rows(layer, expand_nested, show_trainable, indent + "  "))
    return rows


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False):
    """Print ``model``'s summary with ``print_fn`` (default ``print``), one line per call."""
    print_fn = print_fn or print
    graph = _graph(model)
    with_connections = graph is not None and not _is_chain(graph)
    headers = ["Layer (type)", "Output Shape", "Param #", "Connected to", "Trainable"]
    keep = [0, 1, 2] + ([3] if with_connections else []) + ([4] if show_trainable else [])
    rows = [[row[i] for i in keep] for row in _rows(model, expand_nested, show_trainable)]
    headers = [headers[i] for i in keep]
    widths = [max([len(headers[i])] + [len(r[i]) for r in rows]) + 3 for i in range(len(headers))]
    if positions is not None:
        total = line_length or sum(widths)
        edges = [int(p * total) if p <= 1 else int(p) for p in positions][:len(widths)]
        widths = [b - a for a, b in zip([0] + edges[:-1], edges)] + widths[len(edges):]
    width = max(line_length or 0, sum(widths) + 1)

    def line(cells):
        text = " "
        for i, (cell, w) in enumerate(zip(cells, widths)):
            text += cell.rjust(w - 3) + "   " if i == 2 else cell.ljust(w)
        return text.rstrip()

    trainable, trainable_bytes = _count(model.trainable_weights)
    frozen, frozen_bytes = _count(model.non_trainable_weights)
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * width)
    print_fn(line(headers))
    print_fn("=" * width)
    for i, row in enumerate(rows):
        print_fn(line(row))
        if with_connections and i < len(rows) - 1:
            print_fn("_" * width)
    print_fn("=" * width)
    print_fn(f"Total params: {trainable + frozen:,} ({readable_size(trainable_bytes + frozen_bytes)})")
    print_fn(f"Trainable params: {trainable:,} ({readable_size(trainable_bytes)})")
    print_fn(f"Non-trainable params: {frozen:,} ({readable_size(frozen_bytes)})")
    print_fn("_" * width)
