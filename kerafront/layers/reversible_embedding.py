"""ReversibleEmbedding (Keras 3's): an Embedding that can also project hidden states back to the vocabulary."""

from kerafront import ops
from kerafront.layers.core import Embedding
from kerafront.layers.symbolic import KerasTensor


class ReversibleEmbedding(Embedding):
    """``call(ids)``: ``Embedding``'s lookup, ``(...)`` -> ``(..., output_dim)``. ``call(hidden, reverse=True)``:
    ``hidden @ embeddings.T`` (``tie_weights=True``, the default) or ``hidden @ reverse_embeddings``
    (``(output_dim, input_dim)``, its own trainable weight), ``(..., output_dim)`` -> ``(..., input_dim)``;
    ``logit_soft_cap=c`` gives ``tanh(logits / c) * c``; ``reverse_dtype`` casts both operands first.
    No bias. A mask (``mask_zero``) is made for integer ids only, never for the float inputs of the reverse call.
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False, reverse_dtype=None,
                 logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer, embeddings_constraint=embeddings_constraint,
                         mask_zero=mask_zero, **kwargs)
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight((self.output_dim, self.input_dim),
                                                      initializer=self.embeddings_initializer,
                                                      name="reverse_embeddings")

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        kernel = ops.transpose(self.embeddings) if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            inputs, kernel = ops.cast(inputs, self.reverse_dtype), ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = ops.multiply(ops.tanh(ops.divide(logits, self.logit_soft_cap)), self.logit_soft_cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        if "float" in str(ops.dtype(inputs)):
            return None
        return super().compute_mask(inputs, mask)

    def compute_output_shape(self, input_shape, reverse=False):
        if reverse:
            return tuple(input_shape[:-1]) + (self.input_dim,)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse=False):
        dtype = self.reverse_dtype if reverse and self.reverse_dtype is not None else self.compute_dtype
        return KerasTensor(self.compute_output_shape(tuple(inputs.shape), reverse=reverse), dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"tie_weights": self.tie_weights, "reverse_dtype": self.reverse_dtype,
                       "logit_soft_cap": self.logit_soft_cap})
        return config
