"""``InputSpec``: what a layer accepts (rank, sizes of some axes), checked on every call.

A layer sets ``self.input_spec`` (one spec, or a list for layers taking several inputs) in
``__init__`` (rank rules) and in ``build`` (axis sizes fixed by its weights). A violation raises
``ValueError`` naming the layer, the expected shape and the received one, e.g.
``Input 0 of layer "dense" is incompatible: expected shape (..., 4) ... received (2, 5)``.
"""


class InputSpec:
    """Rank and axis-size rules for one input.

    Args:
        ndim: exact rank, or None.
        min_ndim / max_ndim: rank bounds.
        axes: ``{axis: size}`` sizes required at some axes (negative axes count from the end).
    """

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None):
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})

    def describe(self):
        """The expected shape in words, e.g. ``shape (..., 4), rank >= 2``."""
        parts = []
        if set(self.axes) == {-1}:
            parts.append(f"shape (..., {self.axes[-1]})")
        elif self.axes:
            parts.append(", ".join(f"axis {a} of size {s}" for a, s in sorted(self.axes.items())))
        if self.ndim is not None:
            parts.append(f"rank {self.ndim}")
        if self.min_ndim is not None:
            parts.append(f"rank >= {self.min_ndim}")
        if self.max_ndim is not None:
            parts.append(f"rank <= {self.max_ndim}")
        return ", ".join(parts) or "any shape"

    def __repr__(self):
        return f"InputSpec({self.describe()})"


def check_input_spec(layer, inputs):
    """Raise ``ValueError`` when ``inputs`` (a tensor or list) breaks ``layer.input_spec``."""
    spec = layer.input_spec
    if spec is None:
        return
    if not isinstance(spec, (list, tuple)):
        _check_one(layer, 0, spec, inputs)
        return
    values = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
    if len(values) != len(spec):
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}) expects {len(spec)} inputs, '
                         f"received {len(values)}.")
    for index, (s, x) in enumerate(zip(spec, values)):
        if s is not None:
            _check_one(layer, index, s, x)


def _check_one(layer, index, spec, x):
    shape = getattr(x, "shape", None)
    if shape is None:
        return
    shape = tuple(shape)
    rank = len(shape)
    bad = ((spec.ndim is not None and rank != spec.ndim) or (spec.min_ndim is not None and rank < spec.min_ndim)
           or (spec.max_ndim is not None and rank > spec.max_ndim))
    if not bad:
        for axis, size in spec.axes.items():
            if not -rank <= axis < rank:
                bad = True
                break
            dim = shape[axis]
            if size is not None and isinstance(dim, int) and dim != size:
                bad = True
                break
    if bad:
        raise ValueError(
            f'Input {index} of layer "{layer.name}" ({type(layer).__name__}) is incompatible with the layer: '
            f"expected {spec.describe()}, received input with shape {shape}. {layer._input_spec_hint()}".rstrip())
