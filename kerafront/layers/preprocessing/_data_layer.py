"""``DataLayer``: the base of every preprocessing layer.

A preprocessing layer runs like any layer inside a model. It is also called on data pipelines
(``tf.data`` maps, a DataLoader's collate function) on tensors of a framework other than the active
backend; the pipeline behaviour lives here so that every preprocessing layer shares it.
"""

from kerafront.layers.layer import Layer


class DataLayer(Layer):
    """Base class of preprocessing layers (no trainable weights; usable in data pipelines)."""
