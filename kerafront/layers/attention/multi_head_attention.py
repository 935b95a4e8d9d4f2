"""``MultiHeadAttention``: Keras 3's layer, with its arguments, weights (names, shapes, order) and masks."""

import math

from kerafront import _masking, constraints, initializers, ops, regularizers
from kerafront import random as kf_random
from kerafront.layers.attention import _masks
from kerafront.layers.attention._einsum import Projection, attention_equations
from kerafront.layers.layer import Layer
from kerafront.layers.symbolic import KerasTensor, is_shape
from kerafront.saving.serialization import serialize


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention (Vaswani et al., 2017), as ``keras.layers.MultiHeadAttention``.

    ``call(query, value, key=None, ...)``: ``query`` ``(B, T, dim)``, ``value`` ``(B, S, dim_v)``, ``key``
    ``(B, S, dim_k)`` (default ``value``) -> ``(B, T, out)``, where ``out`` is ``output_shape`` (default
    ``dim``); with ``return_attention_scores=True`` also the probabilities ``(B, num_heads, T, S)``.
    Higher-rank inputs ``(B, ..., dim)`` attend over ``attention_axes`` (default: every axis but the
    batch and feature axes); scores are then ``(B, <other axes>, num_heads, <query axes>, <key axes>)``.
    ``query`` may also be a list ``[query, value]`` or ``[query, value, key]``.

    Weights, in ``get_weights`` order: ``query/kernel`` ``(dim, num_heads, key_dim)``, ``query/bias``
    ``(num_heads, key_dim)``, the same for ``key``, then ``gate`` when ``use_gate``, then ``value``
    (``value_dim`` in place of ``key_dim``), then ``attention_output/kernel`` ``(num_heads, value_dim,
    *out)`` and ``attention_output/bias`` ``(*out,)``; no biases without ``use_bias``.

    Masks (``True`` = may attend): ``query_mask`` ``(B, T)`` and ``value_mask``/``key_mask`` ``(B, S)``
    (the input's shape without its feature axis), ``attention_mask`` broadcastable to ``(B, T, S)``,
    ``use_causal_mask`` (key position <= query position) and ``sliding_window`` (``|i - j| < window``)
    are combined with a logical AND. A fully masked row gives zero probabilities (Keras 3's rule).
    Masks attached to ``query``/``value``/``key`` (``Embedding(mask_zero=True)``, ``Masking``) fill the
    ``*_mask`` arguments left out; the output carries the query's mask. ``dropout`` drops attention
    probabilities in training; the returned scores are those before dropout.

    ``flash_attention``: with ``None`` (default) or ``True``, a call on ``(B, T, dim)`` inputs without
    masks (the causal one aside), dropout or ``return_attention_scores``, and with ``value_dim ==
    key_dim``, runs ``ops.dot_product_attention`` (the backend's fused kernel where it has one: torch's
    ``scaled_dot_product_attention``), which gives the same numbers; ``False`` always runs the einsum path.
    Unlike Keras, kerafront keeps masked calls on the einsum path, so a fully masked query row always
    gives zero probabilities (Keras's fused path averages the values there). Not saved in the config (as Keras).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.num_heads = self._positive_int(num_heads, "num_heads")
        self.key_dim = self._positive_int(key_dim, "key_dim")
        self.value_dim = self.key_dim if value_dim is None else self._positive_int(value_dim, "value_dim")
        if not 0 <= dropout < 1:
            raise ValueError(f'MultiHeadAttention "{self.name}": dropout must be in [0, 1), got {dropout!r}.')
        self.dropout = float(dropout)
        self.use_bias = bool(use_bias)
        self.use_gate = bool(use_gate)
        if isinstance(output_shape, int):
            output_shape = (output_shape,)
        self._output_shape = tuple(self._positive_int(d, "output_shape") for d in output_shape) if output_shape \
            else None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        if attention_axes is not None and not (isinstance(attention_axes, (list, tuple))
                                               and all(isinstance(a, int) for a in attention_axes)):
            raise ValueError(f'MultiHeadAttention "{self.name}": attention_axes must be an int, a list or tuple of '
                             f"ints, or None, got {attention_axes!r}.")
        self.attention_axes = None if attention_axes is None else tuple(attention_axes)
        self.sliding_window = None if sliding_window is None else self._positive_int(sliding_window, "sliding_window")
        if flash_attention and self.dropout > 0:
            raise ValueError(f'MultiHeadAttention "{self.name}": flash_attention=True cannot apply dropout to the '
                             "attention probabilities; set dropout=0.0 or flash_attention=None.")
        self.flash_attention = flash_attention
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.sublayer_activity_regularizer = regularizers.get(activity_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._shapes = None

    def _positive_int(self, value, what):
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ValueError(f'MultiHeadAttention "{self.name}": {what} must be a positive integer, got {value!r}.')
        return value

    # ------------------------------------------------------------------------------------------
    # Building

    def _split(self, query, value, key):
        """``(query, value, key)`` from the call's arguments, or from a list ``[query, value(, key)]``."""
        if value is None:
            if not (isinstance(query, (list, tuple)) and len(query) in (2, 3)) or is_shape(query):
                raise ValueError(f'MultiHeadAttention "{self.name}": expected query and value (call(query, value) '
                                 f"or a list [query, value] / [query, value, key]), got query={query!r} and no "
                                 "value.")
            query, value, key = (list(query) + [None])[:3]
        return query, value, key

    def __call__(self, query, value=None, key=None, **kwargs):
        query, value, key = self._split(query, value, key)
        query, value, key = (self._convert_keeping_mask(x) for x in (query, value, key))
        for name in ("query_mask", "value_mask", "key_mask", "attention_mask"):
            if kwargs.get(name) is not None:
                kwargs[name] = self._convert_inputs(kwargs[name])
        if not self.built:
            self.build(*[_shape(x) for x in (query, value, key) if x is not None])
        return super().__call__(query, value, *(() if key is None else (key,)), **kwargs)

    def _convert_keeping_mask(self, x):
        """``x`` as a tensor of the layer's dtype, with the mask attached to ``x`` (if any) carried over."""
        if x is None:
            return None
        converted = self._convert_inputs(x)
        if converted is not x:
            _masking.set_masks(converted, _masking.get_masks(x))
        return converted

    def build(self, query_shape, value_shape=None, key_shape=None):
        """Create the projections for inputs of these shapes (``query_shape`` may be a list of shapes)."""
        query_shape, value_shape, key_shape = self._split(query_shape, value_shape, key_shape)
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        shapes = {"query_shape": query_shape, "value_shape": value_shape, "key_shape": key_shape}
        rank = len(query_shape)
        if rank < 3 or len(value_shape) != rank or len(key_shape) != rank:
            raise ValueError(f'MultiHeadAttention "{self.name}": query, value and key must have the same rank, at '
                             f"least 3 (batch, positions..., features), got shapes {shapes}.")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError(f'MultiHeadAttention "{self.name}": value and key must have equal shapes except the '
                             f"last axis, got value {value_shape} and key {key_shape}.")
        if None in (query_shape[-1], value_shape[-1], key_shape[-1]):
            raise ValueError(f'MultiHeadAttention "{self.name}": the feature (last) axes must be known, got shapes '
                             f"{shapes}.")
        axes = tuple(range(1, rank - 1)) if self.attention_axes is None else tuple(
            a + rank if a < 0 else a for a in self.attention_axes)
        if not axes or any(not 1 <= a < rank - 1 for a in axes) or len(set(axes)) != len(axes):
            raise ValueError(f'MultiHeadAttention "{self.name}": attention_axes must be distinct axes of the inputs '
                             f"other than the batch axis 0 and the feature axis {rank - 1} (or -1), got "
                             f"{self.attention_axes} for inputs of rank {rank}.")
        self._axes = axes
        self._scores_equation, self._combine_equation = attention_equations(rank + 1, axes)
        self._mask_order = tuple(a for a in range(rank - 1) if a not in axes) + axes
        # ops.dot_product_attention (a backend's fused kernel where it has one) gives the einsum path's
        # numbers for one attention axis, equal key and value sizes, no dropout and no mask but the causal
        # one (with a padding mask a fully masked row would average the values there, not give zeros)
        self._fused = (self.flash_attention is not False and rank == 3 and self.dropout == 0
                       and self.key_dim == self.value_dim)
        self._shapes = {k: v for k, v in shapes.items() if k != "key_shape" or key_shape is not value_shape}
        heads = self.num_heads
        self._query_dense = self._projection("query", (query_shape[-1], heads, self.key_dim), 1, query_shape)
        self._key_dense = self._projection("key", (key_shape[-1], heads, self.key_dim), 1, key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("gate", (query_shape[-1], heads, self.value_dim), 1, query_shape,
                                                activation="sigmoid")
        self._value_dense = self._projection("value", (value_shape[-1], heads, self.value_dim), 1, value_shape)
        out = self._output_shape or (query_shape[-1],)
        self._output_dense = self._projection("attention_output", (heads, self.value_dim) + out, 2,
                                              query_shape[:-1] + (heads, self.value_dim))
        if self.dropout > 0:
            self.seed_generator = kf_random.SeedGenerator(self.seed, name="seed_generator")
            self.seed_generator.state.path = f"{self.name}/seed_generator_state"

    def _projection(self, name, kernel_shape, bound, input_shape, activation=None):
        layer = Projection(kernel_shape, bound, use_bias=self.use_bias, activation=activation,
                           kernel_initializer=self.kernel_initializer, bias_initializer=self.bias_initializer,
                           kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
                           kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
                           activity_regularizer=self.sublayer_activity_regularizer, name=name, dtype=self.dtype_policy)
        layer.build(input_shape)
        return layer

    def get_build_config(self):
        """``{"shapes_dict": {"query_shape": ..., "value_shape": ...[, "key_shape": ...]}}`` (Keras's form)."""
        if self._shapes is None:
            return None
        return {"shapes_dict": {k: list(v) for k, v in self._shapes.items()}}

    def build_from_config(self, build_config):
        if build_config and not self.built:
            shapes = build_config["shapes_dict"]
            self.build(tuple(shapes["query_shape"]), tuple(shapes["value_shape"]),
                       tuple(shapes["key_shape"]) if shapes.get("key_shape") else None)

    # ------------------------------------------------------------------------------------------
    # Calling

    def call(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        query, value, key = self._split(query, value, key)
        key = value if key is None else key
        if self.flash_attention and return_attention_scores:
            raise ValueError(f'MultiHeadAttention "{self.name}": flash_attention=True does not compute the attention '
                             "scores; set flash_attention=None to get return_attention_scores.")
        fused = self._fused and not return_attention_scores and self.sliding_window is None and all(
            m is None for m in (query_mask, value_mask, key_mask, attention_mask))
        mask = None if fused else self._compute_attention_mask(query, value, key, query_mask, value_mask, key_mask,
                                                               attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self.use_gate else None
        query, key, value = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        if fused:
            output = ops.dot_product_attention(query, key, value, scale=1.0 / math.sqrt(self.key_dim),
                                               is_causal=use_causal_mask)
            scores = None
        else:
            output, scores = self._compute_attention(query, key, value, mask, training, return_attention_scores)
        if gate is not None:
            output = ops.multiply(output, gate)
        output = self._output_dense(output)
        return (output, scores) if return_attention_scores else output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None, return_attention_scores=False):
        """Attention of projected ``query`` ``(B, T, heads, key_dim)`` over ``key`` ``(B, S, heads, key_dim)``
        and ``value`` ``(B, S, heads, value_dim)``; returns ``(output (B, T, heads, value_dim), probabilities
        (B, heads, T, S))``. ``attention_mask`` broadcasts to the probabilities without their head axis."""
        query = ops.multiply(query, 1.0 / math.sqrt(self.key_dim))
        scores = ops.einsum(self._scores_equation, key, query)
        n = len(self._axes)
        if attention_mask is not None:
            while len(ops.shape(attention_mask)) < len(ops.shape(scores)):
                attention_mask = ops.expand_dims(attention_mask, -2 * n - 1)
        probabilities = _masks.masked_softmax(scores, attention_mask, -1 if n == 1 else tuple(range(-n, 0)))
        dropped = probabilities
        if training and self.dropout > 0:
            dropped = kf_random.dropout(probabilities, self.dropout, seed=self.seed_generator)
        return ops.einsum(self._combine_equation, dropped, value), probabilities

    def _compute_attention_mask(self, query, value, key, query_mask, value_mask, key_mask, attention_mask,
                                use_causal_mask):
        """The AND of every mask given, broadcastable to the scores without their head axis (``None`` if none).

        Query and key/value masks are laid out as the scores (other axes first, then the attention
        axes) and given size-1 axes for the other side: ``(B, T) -> (B, T, 1)``, ``(B, S) -> (B, 1, S)``.
        """
        self._check_masks(_shape(query), _shape(value), _shape(key), query_mask, value_mask, key_mask,
                          attention_mask)
        n = len(self._axes)
        mask = None
        if query_mask is not None:
            mask = ops.expand_dims(self._to_scores_layout(query_mask), tuple(range(-n, 0)))
        for side_mask in (value_mask, key_mask):
            if side_mask is not None:
                mask = _masks.both(mask, ops.expand_dims(self._to_scores_layout(side_mask), tuple(range(-2 * n, -n))))
        if use_causal_mask or self.sliding_window is not None:
            if n != 1:
                raise ValueError(f'MultiHeadAttention "{self.name}": use_causal_mask and sliding_window need a single '
                                 f"attention axis, got attention_axes {self._axes}.")
            rows, columns = _shape(query)[self._axes[0]], _shape(value)[self._axes[0]]
            if use_causal_mask:
                mask = _masks.both(mask, _masks.causal_mask(rows, columns))
            if self.sliding_window is not None:
                mask = _masks.both(mask, _masks.band_mask(rows, columns, self.sliding_window))
        if attention_mask is not None:
            mask = _masks.both(_masks.as_bool(attention_mask), mask)
        return mask

    def _to_scores_layout(self, mask):
        mask = _masks.as_bool(mask)
        if list(self._mask_order) != sorted(self._mask_order):
            mask = ops.transpose(mask, self._mask_order)
        return mask

    def _check_masks(self, query_shape, value_shape, key_shape, query_mask, value_mask, key_mask, attention_mask):
        for what, mask, shape in (("query_mask", query_mask, query_shape), ("value_mask", value_mask, value_shape),
                                  ("key_mask", key_mask, key_shape)):
            if mask is not None:
                _masks.check_mask_shape(self, what, _shape(mask), shape[:-1])
        if attention_mask is not None:
            target = tuple(query_shape[a] for a in self._mask_order) + tuple(value_shape[a] for a in self._axes)
            _masks.check_broadcastable(self, "attention_mask", _shape(attention_mask), target,
                                       "batch, other axes, query positions, key positions")

    # ------------------------------------------------------------------------------------------
    # Shapes and config

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape, value_shape, key_shape = self._split(query_shape, value_shape, key_shape)
        key_shape = value_shape if key_shape is None else key_shape
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(f'MultiHeadAttention "{self.name}": value and key must have equal shapes except the '
                             f"last axis, got value {tuple(value_shape)} and key {tuple(key_shape)}.")
        return tuple(query_shape[:-1]) + (self._output_shape or (query_shape[-1],))

    def compute_output_spec(self, query, value=None, key=None, query_mask=None, value_mask=None, key_mask=None,
                            attention_mask=None, return_attention_scores=False, training=None, use_causal_mask=False):
        query, value, key = self._split(query, value, key)
        key = value if key is None else key
        self._check_masks(query.shape, value.shape, key.shape, query_mask, value_mask, key_mask, attention_mask)
        output = KerasTensor(self.compute_output_shape(query.shape, value.shape, key.shape), self.dtype)
        if not return_attention_scores:
            return output
        others = [query.shape[a] for a in self._mask_order[:-len(self._axes)]]  # batch and non-attention axes
        scores_shape = (tuple(others) + (self.num_heads,) + tuple(query.shape[a] for a in self._axes)
                        + tuple(value.shape[a] for a in self._axes))
        return output, KerasTensor(scores_shape, self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self.num_heads, "key_dim": self.key_dim, "value_dim": self.value_dim,
            "dropout": self.dropout, "use_bias": self.use_bias, "use_gate": self.use_gate,
            "output_shape": self._output_shape, "attention_axes": self.attention_axes,
            "sliding_window": self.sliding_window,
            "kernel_initializer": serialize(self.kernel_initializer),
            "bias_initializer": serialize(self.bias_initializer),
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "activity_regularizer": serialize(self.sublayer_activity_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "bias_constraint": serialize(self.bias_constraint),
            "seed": self.seed,
        })
        return config


def _shape(x):
    """The shape of a tensor, array or KerasTensor as a tuple (``None`` for unknown sizes)."""
    return tuple(x.shape) if isinstance(x, KerasTensor) else tuple(ops.shape(x))
