"""A ``FeatureSpace`` called inside ``tf.data.Dataset.map`` (Keras's ``ds.map(lambda x, y: (space(x), y))``).

``map`` traces its function in graph mode, so the columns are symbolic ``tf.Tensor``s that kerafront's
host layers cannot read. The call becomes one ``tf.numpy_function``: each element's columns reach the
space as NumPy arrays (strings as bytes, decoded by the space) and its encoding comes back as float32
(``"concat"``), or per output float32 / int64 (``"dict"``, int64 for ``output_mode="int"`` ids, as
Keras's TensorFlow ids). Static shapes are set from the encoded widths: ``(batch, width)`` for batched
elements, ``(width,)`` for single rows. The encoding runs on kerafront's active backend (the one
``set_backend`` or ``KERAFRONT_BACKEND`` chose: ``tf.data`` runs the function on its own threads).
"""

import numpy as np

from kerafront import ops


def is_graph_tensor(x):
    """A symbolic ``tf.Tensor`` (graph mode: no value to read), recognised without importing TensorFlow."""
    return type(x).__module__.startswith("tensorflow") and hasattr(x, "shape") and not hasattr(x, "numpy")


def call_in_graph(space, data):
    """``space(data)`` for symbolic TensorFlow columns, as one ``tf.numpy_function``."""
    import tensorflow as tf
    names = sorted(space.features)
    columns = [tf.convert_to_tensor(data[name]) for name in names]
    batched = any(column.shape.rank for column in columns)
    batch = next((column.shape[0] for column in columns if column.shape.rank), None)
    outputs = space._preprocessed_features_names + space._crossed_features_names
    widths = {name: space._encoded_width(name) for name in outputs}
    if space.output_mode == "concat":
        dtypes = ["float32"]
        shapes = [(None if None in widths.values() else sum(widths.values()),)]
    else:
        dtypes = ["int64" if _spec(space, name).output_mode == "int" else "float32" for name in outputs]
        shapes = [(widths[name],) for name in outputs]

    def host(*values):
        result = space({name: value for name, value in zip(names, values)})
        result = [result] if space.output_mode == "concat" else [result[name] for name in outputs]
        return [np.asarray(ops.convert_to_numpy(x)).astype(dtype) for x, dtype in zip(result, dtypes)]

    results = tf.numpy_function(host, columns, [getattr(tf, dtype) for dtype in dtypes], stateful=False)
    for result, shape in zip(results, shapes):
        result.set_shape((batch,) + shape if batched else shape)
    return results[0] if space.output_mode == "concat" else dict(zip(outputs, results))


def _spec(space, name):
    return space.features.get(name) or space.crosses_by_name[name]
