"""``GroupQueryAttention``: Keras 3's grouped-query attention, ``MultiHeadAttention`` with fewer key/value heads."""

from kerafront import ops
from kerafront.layers.attention.multi_head_attention import MultiHeadAttention


class GroupQueryAttention(MultiHeadAttention):
    """Attention with ``num_query_heads`` query heads sharing ``num_key_value_heads`` key/value heads
    (Ainslie et al., 2023): query head ``i`` reads key/value head ``i // (num_query_heads // num_key_value_heads)``.

    ``call(query, value, key=None, ...)`` takes ``(B, T, dim)``, ``(B, S, dim)`` inputs and returns ``(B, T, dim)``
    (scores ``(B, num_query_heads, T, S)`` with ``return_attention_scores=True``); masks, ``use_causal_mask``,
    ``sliding_window``, ``dropout`` and ``use_gate`` as in ``MultiHeadAttention``. Weights in Keras's order:
    ``query`` ``(dim, num_query_heads, head_dim)``, ``key`` and ``value`` ``(dim, num_key_value_heads,
    head_dim)``, ``attention_output`` ``(num_query_heads, head_dim, dim)``, each with its bias when ``use_bias``.
    Where a query row is fully masked the probabilities are zeros (Keras's fused path averages the values there).
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0, use_bias=True,
                 sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(num_query_heads, head_dim, dropout=dropout, use_bias=use_bias, sliding_window=sliding_window,
                         flash_attention=flash_attention, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, use_gate=use_gate,
                         seed=seed, **kwargs)
        self.num_key_value_heads = self._positive_int(num_key_value_heads, "num_key_value_heads")
        if num_query_heads % num_key_value_heads:
            raise ValueError(f'GroupQueryAttention "{self.name}": num_query_heads ({num_query_heads}) must be '
                             f"divisible by num_key_value_heads ({num_key_value_heads}).")
        self.num_repeats = num_query_heads // num_key_value_heads

    @property
    def head_dim(self):
        return self.key_dim

    @property
    def num_query_heads(self):
        return self.num_heads

    def build(self, query_shape, value_shape=None, key_shape=None):
        if len(tuple(self._split(query_shape, value_shape, key_shape)[0])) != 3:
            raise ValueError(f'GroupQueryAttention "{self.name}": query, value and key must be 3-D (batch, positions, '
                             f"features), got query shape {tuple(query_shape)}.")
        super().build(query_shape, value_shape, key_shape)

    def _projection(self, name, kernel_shape, bound, input_shape, activation=None):
        if name in ("key", "value"):
            kernel_shape = (kernel_shape[0], self.num_key_value_heads) + tuple(kernel_shape[2:])
        return super()._projection(name, kernel_shape, bound, input_shape, activation)

    def _compute_attention(self, query, key, value, attention_mask=None, training=None, return_attention_scores=False):
        key, value = (ops.repeat(x, self.num_repeats, axis=2) for x in (key, value))
        return super()._compute_attention(query, key, value, attention_mask, training, return_attention_scores)

    def get_config(self):
        config = super().get_config()
        for key in ("num_heads", "key_dim", "value_dim", "output_shape", "attention_axes"):
            config.pop(key)
        config.update({"head_dim": self.head_dim, "num_query_heads": self.num_heads,
                       "num_key_value_heads": self.num_key_value_heads})
        return config
