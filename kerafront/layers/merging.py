"""Merge layers: called on a list of tensors. Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot; and their functional forms add, subtract, multiply, average, maximum, minimum,
concatenate, dot (each builds the layer and calls it, as Keras's do).

Elementwise merges broadcast like Keras: the batch axes align, then the other axes align from the
right (a lower-rank input gets size-1 axes inserted after the batch axis); sizes must be equal,
1 or unknown. Incompatible shapes raise ``ValueError`` naming the layer and every input shape.
"""

import functools
import math

from kerafront import ops
from kerafront.layers.layer import Layer


def _check_list(layer, shapes, exactly=None):
    if not isinstance(shapes, (list, tuple)) or not shapes or not all(isinstance(s, (list, tuple)) for s in shapes):
        raise ValueError(f'{type(layer).__name__} "{layer.name}" must be called on a list of tensors, got {shapes!r}.')
    if exactly is not None and len(shapes) != exactly:
        raise ValueError(f'{type(layer).__name__} "{layer.name}" takes exactly {exactly} inputs, received {len(shapes)} '
                         f"with shapes {[tuple(s) for s in shapes]}.")
    if len(shapes) < 2:
        raise ValueError(f'{type(layer).__name__} "{layer.name}" takes at least 2 inputs, received {len(shapes)}.')


class Merge(Layer):
    """Base of elementwise merges: subclasses define ``_merge(list_of_tensors)``."""

    num_inputs = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: no mask unless every input has one; then a position is kept where any input keeps it."""
        masks = _check_masks(self, inputs, mask)
        if masks is None or any(m is None for m in masks):
            return None
        output = masks[0]
        for m in masks[1:]:
            output = ops.logical_or(output, m)
        return output

    def _broadcast_shape(self, shapes):
        rank = max(len(s) for s in shapes)
        batches = {s[0] for s in shapes if s and s[0] is not None}
        if len(batches) > 1:
            self._incompatible(shapes)
        out = []
        for i in range(1, rank):
            dims = {s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 1} - {1}
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                self._incompatible(shapes)
            out.append(known.pop() if known else (None if None in dims else 1))
        return (batches.pop() if batches else None,) + tuple(out)

    def _incompatible(self, shapes):
        raise ValueError(f'{type(self).__name__} "{self.name}": inputs with shapes {[tuple(s) for s in shapes]} cannot be '
                         "merged elementwise: each axis (after the batch axis, aligned from the right) must have "
                         "equal sizes or size 1.")

    def build(self, input_shape):
        _check_list(self, input_shape, self.num_inputs)
        self._broadcast_shape(input_shape)

    def compute_output_shape(self, input_shape):
        _check_list(self, input_shape, self.num_inputs)
        return self._broadcast_shape(input_shape)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            _check_list(self, inputs)
        inputs = list(inputs)
        rank = max(len(ops.shape(x)) for x in inputs)
        for i, x in enumerate(inputs):
            while len(ops.shape(x)) < rank:
                x = ops.expand_dims(x, 1)
            inputs[i] = x
        return self._merge(inputs)


class Add(Merge):
    """Elementwise sum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.add, inputs)


class Subtract(Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    num_inputs = 2

    def _merge(self, inputs):
        return ops.subtract(inputs[0], inputs[1])


class Multiply(Merge):
    """Elementwise product of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.multiply, inputs)


class Average(Merge):
    """Elementwise mean of the inputs."""

    def _merge(self, inputs):
        return ops.divide(functools.reduce(ops.add, inputs), float(len(inputs)))


class Maximum(Merge):
    """Elementwise maximum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.maximum, inputs)


class Minimum(Merge):
    """Elementwise minimum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(ops.minimum, inputs)


class Concatenate(Layer):
    """Join the inputs along ``axis`` (default last); all other axes must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)
        self.supports_masking = True

    def compute_mask(self, inputs, mask=None):
        """Keras's rule: the inputs' masks (all True for an input without one), each broadcast to its
        input's shape, joined along ``axis``; a position is kept where any of its features is."""
        masks = _check_masks(self, inputs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                full.append(ops.ones_like(x, dtype="bool"))
            elif ops.ndim(m) < ops.ndim(x):
                full.append(ops.logical_or(ops.expand_dims(m, -1), ops.zeros_like(x, dtype="bool")))
            else:
                full.append(m)
        return ops.any(ops.concatenate(full, axis=self.axis), axis=-1)

    def _output_shape(self, shapes):
        _check_list(self, shapes)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            self._incompatible(shapes)
        axis = self.axis % rank
        out = []
        for i in range(rank):
            dims = [s[i] for s in shapes]
            if i == axis:
                out.append(None if None in dims else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                self._incompatible(shapes)
            out.append(known.pop() if known else None)
        return tuple(out)

    def _incompatible(self, shapes):
        raise ValueError(f'Concatenate "{self.name}": inputs with shapes {[tuple(s) for s in shapes]} cannot be joined '
                         f"along axis {self.axis}: they must have the same rank and the same sizes on every other axis.")

    def build(self, input_shape):
        self._output_shape(input_shape)

    def call(self, inputs):
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape):
        return self._output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(Layer):
    """Batched dot product of two inputs along ``axes`` (an int, or one axis per input).

    ``(batch, n)`` and ``(batch, n)`` -> ``(batch, 1)``; ``(batch, m, n)`` and ``(batch, n, p)`` with
    ``axes=(2, 1)`` -> ``(batch, m, p)``. ``normalize=True`` L2-normalizes both along ``axes`` first
    (cosine similarity). A negative int ``axes`` counts from the end of each input separately.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            self.axes = axes
        else:
            axes = tuple(int(a) for a in axes)
            if len(axes) != 2:
                raise ValueError(f"Dot: axes must be an int or a pair of ints, got {axes!r}.")
            self.axes = axes
        self.normalize = bool(normalize)

    def _resolve_axes(self, shapes):
        _check_list(self, shapes, 2)
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        resolved = tuple(a % len(s) if a < 0 else a for a, s in zip(axes, shapes))
        if any(a == 0 or a >= len(s) for a, s in zip(resolved, shapes)):
            raise ValueError(f'Dot "{self.name}": axes {self.axes} are out of range or on the batch axis for inputs of '
                             f"shapes {[tuple(s) for s in shapes]}.")
        d1, d2 = shapes[0][resolved[0]], shapes[1][resolved[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f'Dot "{self.name}": the dot axes must have equal sizes, got {d1} (axis {resolved[0]} of '
                             f"{tuple(shapes[0])}) and {d2} (axis {resolved[1]} of {tuple(shapes[1])}).")
        return resolved

    def build(self, input_shape):
        self._resolve_axes(input_shape)

    def call(self, inputs):
        x, y = inputs
        x_shape, y_shape = tuple(ops.shape(x)), tuple(ops.shape(y))
        ax, ay = self._resolve_axes([x_shape, y_shape])
        if self.normalize:
            x, y = ops.l2_normalize(x, axis=ax), ops.l2_normalize(y, axis=ay)
        x_rest = [d for i, d in enumerate(x_shape[1:], 1) if i != ax]
        y_rest = [d for i, d in enumerate(y_shape[1:], 1) if i != ay]
        x = ops.reshape(ops.moveaxis(x, ax, -1), (-1, math.prod(x_rest), x_shape[ax]))
        y = ops.reshape(ops.moveaxis(y, ay, 1), (-1, y_shape[ay], math.prod(y_rest)))
        out_rest = x_rest + y_rest
        return ops.reshape(ops.matmul(x, y), (-1,) + tuple(out_rest or [1]))

    def compute_output_shape(self, input_shape):
        ax, ay = self._resolve_axes(input_shape)
        s1, s2 = list(input_shape[0]), list(input_shape[1])
        s1.pop(ax)
        s2.pop(ay)
        s2.pop(0)
        out = s1 + s2
        return tuple(out + [1] if len(out) == 1 else out)

    def get_config(self):
        config = super().get_config()
        config.update({"axes": self.axes, "normalize": self.normalize})
        return config


def _check_masks(layer, inputs, mask):
    """The list of masks of a merge layer's inputs (None when there is none)."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)) or not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
        raise ValueError(f'{type(layer).__name__} "{layer.name}": mask must be a list with one entry (or None) per '
                         f"input ({len(inputs) if isinstance(inputs, (list, tuple)) else 1} inputs), got {mask!r}.")
    return list(mask)


def add(inputs, **kwargs):
    """``Add(**kwargs)(inputs)``: the elementwise sum of a list of tensors (Keras's functional form)."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """``Subtract(**kwargs)(inputs)``: ``inputs[0] - inputs[1]``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """``Multiply(**kwargs)(inputs)``: the elementwise product."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """``Average(**kwargs)(inputs)``: the elementwise mean."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """``Maximum(**kwargs)(inputs)``: the elementwise maximum."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """``Minimum(**kwargs)(inputs)``: the elementwise minimum."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """``Concatenate(axis=axis, **kwargs)(inputs)``: join along ``axis`` (the last by default)."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, **kwargs):
    """``Dot(axes=axes, **kwargs)(inputs)``: the batched dot product of two tensors (``normalize=True``
    for cosine similarity)."""
    return Dot(axes=axes, **kwargs)(inputs)
