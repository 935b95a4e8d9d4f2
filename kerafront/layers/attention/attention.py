"""``Attention`` (Luong-style, dot or concat scores) and ``AdditiveAttention`` (Bahdanau-style), as Keras 3.

Both are called on a list ``[query, value]`` or ``[query, value, key]``: ``query`` ``(B, Tq, dim)``,
``value`` ``(B, Tv, dim)``, ``key`` ``(B, Tv, dim)`` (default ``value``) -> ``(B, Tq, dim)``, plus the
attention distribution ``(B, Tq, Tv)`` with ``return_attention_scores=True``. ``mask=[query_mask,
value_mask]`` (``(B, Tq)``, ``(B, Tv)``; ``True`` = keep): masked values get ``score - 1e9`` (Keras's
rule for these layers: a fully masked row stays a softmax of the shifted scores) and masked queries
output zeros. ``use_causal_mask`` stops position ``i`` attending to ``j > i``. The output's mask is
``query_mask``.
"""

from kerafront import ops
from kerafront import random as kf_random
from kerafront.layers.attention import _masks
from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor, is_shape


class Attention(Layer):
    """Dot-product attention: ``softmax(scores(query, key)) @ value``.

    ``score_mode="dot"``: ``scores = query @ key^T`` (times the scalar weight ``scale`` when
    ``use_scale``). ``score_mode="concat"``: ``scores = concat_score_weight * sum(tanh(scale * (q + k)))``
    over features (``scale`` only when ``use_scale``). Weights, in order: ``scale`` ``()`` when
    ``use_scale``, ``concat_score_weight`` ``()`` in concat mode; both start at 1. ``dropout`` drops
    attention probabilities in training (the returned scores are after dropout, as in Keras).
    """

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        if score_mode not in ("dot", "concat"):
            raise ValueError(f'{type(self).__name__} "{self.name}": score_mode must be "dot" or "concat", got '
                             f"{score_mode!r}.")
        if not 0 <= dropout < 1:
            raise ValueError(f'{type(self).__name__} "{self.name}": dropout must be in [0, 1), got {dropout!r}.')
        self.use_scale = bool(use_scale)
        self.score_mode = score_mode
        self.dropout = float(dropout)
        self.seed = seed
        if self.dropout > 0:
            self.seed_generator = kf_random.SeedGenerator(seed, name="seed_generator")
            self.seed_generator.state.path = f"{self.name}/seed_generator_state"

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight((), initializer="ones", name="scale")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight((), initializer="ones", name="concat_score_weight")

    def _validate(self, inputs, mask=None):
        name = f'{type(self).__name__} "{self.name}"'
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3) or is_shape(inputs):
            raise ValueError(f"{name} must be called on a list [query, value] or [query, value, key], got {inputs!r}.")
        shapes = [_shape(x) for x in inputs]
        if len(shapes[0]) < 2 or any(len(s) != len(shapes[0]) for s in shapes):
            raise ValueError(f"{name}: query, value and key must have the same rank, at least 2 (batch..., "
                             f"positions, features), got shapes {shapes}.")
        if mask is not None:
            if not isinstance(mask, (list, tuple)) or len(mask) not in (2, 3):
                raise ValueError(f"{name}: mask must be a list [query_mask, value_mask], got {mask!r}.")
            for what, m, shape in (("query_mask", mask[0], shapes[0]), ("value_mask", mask[1], shapes[1])):
                if m is not None:
                    _masks.check_mask_shape(self, what, _shape(m), shape[:-1])

    def _calculate_scores(self, query, key):
        """``(B, Tq, Tv)`` scores of ``query`` ``(B, Tq, dim)`` against ``key`` ``(B, Tv, dim)``."""
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._validate(inputs, mask)
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask, value_mask = (mask[0], mask[1]) if mask else (None, None)
        scores = self._calculate_scores(query, key)
        keep = None if value_mask is None else ops.expand_dims(_masks.as_bool(value_mask), -2)
        if use_causal_mask:
            shape = ops.shape(scores)
            keep = _masks.both(keep, _masks.causal_mask(shape[-2], shape[-1]))
        if keep is not None:
            shift = 65504.0 if ops.dtype(scores) == "float16" else 1.0e9
            scores = ops.where(keep, scores, ops.subtract(scores, shift))
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = kf_random.dropout(weights, self.dropout, seed=self.seed_generator)
        output = ops.matmul(weights, value)
        if query_mask is not None:
            output = ops.where(ops.expand_dims(_masks.as_bool(query_mask), -1), output, 0.0)
        return (output, weights) if return_attention_scores else output

    def compute_mask(self, inputs, mask=None):
        """The query's mask (``mask[0]``), or ``None``."""
        if mask is None or mask[0] is None:
            return None
        return mask[0]

    def compute_output_shape(self, input_shape):
        self._validate(input_shape)
        return tuple(input_shape[0][:-1]) + (input_shape[1][-1],)

    def compute_output_spec(self, inputs, mask=None, training=None, return_attention_scores=False,
                            use_causal_mask=False):
        self._validate(inputs, mask)
        shapes = [x.shape for x in inputs]
        output = KerasTensor(self.compute_output_shape(shapes), self.dtype)
        if not return_attention_scores:
            return output
        return output, KerasTensor(tuple(shapes[0][:-1]) + (shapes[-1][-2],), self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config


class AdditiveAttention(Attention):
    """Additive attention: ``scores = sum(scale * tanh(query + key))`` over features.

    Weights: ``scale`` ``(dim,)`` (glorot-uniform, as Keras) when ``use_scale`` (default True).
    Masks, dropout and outputs as ``Attention``.
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight((input_shape[0][-1],), initializer="glorot_uniform", name="scale")

    def _calculate_scores(self, query, key):
        tanh = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        return ops.sum(tanh if self.scale is None else ops.multiply(self.scale, tanh), axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config


def _shape(x):
    """The shape of a tensor, array, KerasTensor or a shape itself, as a tuple."""
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return tuple(x.shape) if isinstance(x, KerasTensor) else tuple(ops.shape(x))
