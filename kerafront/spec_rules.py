"""The spec's argument rules as code, shared by every backend (pure Python, no tensors).

``kerafront.spec`` states the rules; this module is the one place they are computed, so every
backend validates the same way and raises the same message. Backends call these helpers with the
op's name and the arguments they received, and get plain Python values back:

* ``normalize_axis(axis, ndim, op)`` -> sorted tuple of non-negative axes (``None``: every axis).
* ``single_axis(axis, ndim, op)`` -> one non-negative axis.
* ``squeeze_axes(axis, shape)`` -> the axes ``squeeze`` removes (each must have size 1).
* ``spatial_tuple(value, rank, op, name)`` -> ``strides``/``dilation_rate``/``pool_size`` per spatial dim.
* ``padding_mode(padding, op)`` -> ``"valid"`` or ``"same"``.
* ``channels_first(data_format, op)`` -> bool (``None`` reads ``config.image_data_format()``).
* ``check_spatial_rank(shape, op)``: conv/pool inputs are 3-D (1-D op), 4-D (2-D op) or 5-D (3-D op).
* ``window_geometry(sizes, window, strides, dilations, mode, op)`` -> per spatial dim
  ``(out, pad_before, pad_after)``; ``"same"`` pads like TensorFlow (the extra pad at the end).
* ``transpose_geometry(sizes, window, strides, dilations, mode, output_padding, op)`` -> per spatial
  dim ``(length, crop_before, crop_after)`` of ``conv_transpose``'s output within the full result.
* ``check_output_padding(output_padding, strides, op)`` -> tuple or None.
* ``broadcastable(shapes)`` -> bool; ``broadcast_error(op, shapes)`` -> the ``ValueError`` for operands
  whose shapes do not broadcast (backends raise it from their kernel's own error: no cost when shapes fit).
* ``index_error(op, low, high, size, axis, shape)`` -> the ``IndexError`` for gather indices outside
  ``[-size, size)`` (``take``, ``take_along_axis``), given the least and greatest index received.
* Control flow (``scan``, ``while_loop``, ``cond``): ``check_unroll(unroll, op)``; ``scan_length(shapes,
  length)`` -> the number of steps (``None``: known only at run time); ``step_pair(out)`` -> ``f``'s
  ``(carry, y)``; ``check_same_specs(op, what, reference, expected, received)``: a loop's carry keeps
  the structure, shapes and dtypes it started with; ``check_scalar_pred(shape, op, what)``.
* ``attention_groups(query_shape, key_shape, value_shape)`` -> query heads per key/value head of
  ``dot_product_attention`` (1: multi-head, N: multi-query), after checking the shapes agree.
* ``fft_parts(real_shape, imag_shape, real_dtype, imag_dtype, rank)``: ``complex_fft``'s two parts are
  float tensors of one shape and dtype with at least ``rank`` (1 or 2) axes.
* ``linalg_operand(shape, dtype, op, square)`` -> the dtype a decomposition computes in, after checking
  rank >= 2 and squareness; ``solve_operands(a_shape, b_shape, op)`` -> ``(b_is_vector, batch_shape)``.
* ``bitcast_shape(shape, in_dtype, out_dtype)`` -> the shape of ``bitcast``'s result (the last axis scales by
  the ratio of item sizes), after checking the bytes divide evenly.

Results are cached where the arguments are hashable: these run on every op call.
"""

import functools
import itertools
import operator

from kerafront import tree
from kerafront.config import state

__all__ = ["normalize_axis", "single_axis", "squeeze_axes", "spatial_tuple", "padding_mode", "channels_first",
           "check_spatial_rank", "window_geometry", "transpose_geometry", "check_output_padding",
           "broadcastable", "broadcast_error", "index_error", "check_unroll", "scan_length", "step_pair",
           "check_same_specs", "check_scalar_pred", "attention_groups", "fft_parts",
           "linalg_operand", "solve_operands"]

_ALL_AXES = tuple(tuple(range(n)) for n in range(33))


def _cached_when_hashable(cached, value, *rest):
    """``cached(value, *rest)`` through its cache, or uncached when ``value`` cannot key it (a tensor)."""
    try:
        hash(value)
    except TypeError:
        return cached.__wrapped__(value, *rest)
    return cached(value, *rest)


def normalize_axis(axis, ndim, op):
    """``axis`` (None, an int or a sequence of ints) as a sorted tuple of non-negative ints.

    ``None`` is every axis. A rank-0 tensor accepts axis 0 or -1, meaning no axis. Out-of-range
    and repeated axes raise ``ValueError`` naming ``op``.
    """
    if axis is None:
        return _ALL_AXES[ndim] if ndim < 33 else tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:
        return (axis + ndim if axis < 0 else axis,)
    if type(axis) is list:
        axis = tuple(axis)
    return _cached_when_hashable(_normalize_axis, axis, ndim, op)


@functools.lru_cache(maxsize=4096)
def _normalize_axis(axis, ndim, op):
    if type(axis) is tuple and all(type(a) is int for a in axis):
        axes = axis
    else:
        try:
            axes = (operator.index(axis),)
        except TypeError:
            try:
                axes = tuple(operator.index(a) for a in axis)
            except TypeError:
                raise TypeError(f"{op}: axis must be None, an int or a tuple of ints, got {axis!r}.") from None
    if ndim == 0:
        if any(a not in (0, -1) for a in axes):
            raise ValueError(f"{op}: axis {axis!r} is out of range for a tensor of rank 0.")
        return ()
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}.")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}.")
    return tuple(sorted(out))


def single_axis(axis, ndim, op):
    """One int ``axis`` as its non-negative form; ``TypeError`` for a non-int, ``ValueError`` out of range."""
    if type(axis) is int and -ndim <= axis < ndim:
        return axis + ndim if axis < 0 else axis
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an int, got {axis!r}.") from None
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of rank {ndim}.")
    return axis % ndim


def squeeze_axes(axis, shape):
    """The named axes ``squeeze`` removes, sorted; ``ValueError`` for one whose size is not 1.

    ``shape`` may hold ``None`` for a dimension unknown while tracing (taken on trust).
    """
    shape = tuple(shape)
    axes = normalize_axis(axis, len(shape), "squeeze")
    for a in axes:
        if shape[a] is not None and shape[a] != 1:
            raise ValueError(f"squeeze: cannot squeeze axis {a} of shape {shape}: its size is {shape[a]}, not 1.")
    return axes


def spatial_tuple(value, rank, op, name):
    """``value`` (an int or a sequence of ``rank`` ints, all >= 1) as a tuple of ``rank`` ints."""
    if type(value) is list:
        value = tuple(value)
    return _cached_when_hashable(_spatial_tuple, value, rank, op, name)


@functools.lru_cache(maxsize=1024)
def _spatial_tuple(value, rank, op, name):
    expected = f"an int or a tuple of {rank} ints"
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be {expected}, got {value!r}.")
    try:
        values = (operator.index(value),) * rank
    except TypeError:
        try:
            values = tuple(operator.index(v) for v in value)
        except TypeError:
            raise TypeError(f"{op}: {name} must be {expected}, got {value!r}.") from None
        if len(values) != rank:
            raise ValueError(f"{op}: {name} must be {expected} for {rank}-D inputs, got {value!r}.")
    if any(v < 1 for v in values):
        raise ValueError(f"{op}: {name} must be positive, got {value!r}.")
    return values


def padding_mode(padding, op):
    """``"valid"`` or ``"same"`` (upper-case spellings accepted); anything else raises ``ValueError``."""
    if padding == "valid" or padding == "same":
        return padding
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}.")
    return mode


def channels_first(data_format, op):
    """True for ``"channels_first"``; ``None`` reads ``kerafront.config.image_data_format()``."""
    if data_format is None:
        data_format = state.image_data_format
    if data_format == "channels_last":
        return False
    if data_format == "channels_first":
        return True
    raise ValueError(f"{op}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}.")


def check_spatial_rank(shape, op):
    """Raise unless ``shape`` is 3-D (a 1-D op), 4-D (a 2-D op) or 5-D (a 3-D op)."""
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"{op}: inputs must be 3-D (batch, length, channels), 4-D (batch, height, width, "
                         f"channels) or 5-D (batch, depth, height, width, channels) (channels first for "
                         f"data_format='channels_first'), got shape {tuple(shape)}.")


@functools.lru_cache(maxsize=4096)
def window_geometry(sizes, window, strides, dilations, mode, op):
    """Per spatial dim ``(out, pad_before, pad_after)`` of a conv or pool.

    ``"valid"``: ``out = (in - span) // stride + 1`` with ``span = (k - 1) * dilation + 1``.
    ``"same"``: ``out = ceil(in / stride)``, total padding ``max((out - 1) * stride + span - in, 0)``,
    ``total // 2`` before and the rest after (TensorFlow's rule). An empty output raises ``ValueError``.
    Arguments are tuples (they key the cache).
    """
    dims = []
    for size, k, stride, dilation in zip(sizes, window, strides, dilations):
        span = (k - 1) * dilation + 1
        if mode == "same":
            out = -(-size // stride)
            total = max((out - 1) * stride + span - size, 0)
            dims.append((out, total // 2, total - total // 2))
        else:
            out = (size - span) // stride + 1 if size >= span else 0
            dims.append((out, 0, 0))
    if any(out < 1 for out, _, _ in dims):
        raise ValueError(f"{op}: the input's spatial shape {tuple(sizes)} is smaller than the window "
                         f"{tuple(window)} (dilation {tuple(dilations)}) with padding={mode!r}, which leaves an "
                         f"empty output; use padding='same' or a larger input.")
    return tuple(dims)


def check_output_padding(output_padding, strides, op):
    """``output_padding`` (None, an int or one int per spatial dim, each in ``[0, stride)``) as a tuple."""
    if output_padding is None:
        return None
    rank = len(strides)
    try:
        values = (operator.index(output_padding),) * rank
    except TypeError:
        try:
            values = tuple(operator.index(v) for v in output_padding)
        except TypeError:
            raise TypeError(f"{op}: output_padding must be None, an int or a tuple of {rank} ints, "
                            f"got {output_padding!r}.") from None
    if len(values) != rank or any(p < 0 or p >= s for p, s in zip(values, strides)):
        raise ValueError(f"{op}: output_padding must be >= 0 and smaller than strides {tuple(strides)}, "
                         f"got {output_padding!r}.")
    return values


@functools.lru_cache(maxsize=1024)
def transpose_geometry(sizes, window, strides, dilations, mode, output_padding, op):
    """Per spatial dim ``(length, crop_before, crop_after)`` of ``conv_transpose`` (Keras's output rule).

    The full transposed result has ``(in - 1) * stride + span`` positions. Without ``output_padding``
    the output length is ``in * stride`` for ``"same"`` and the full length for ``"valid"``; with it,
    ``full - 2 * (span // 2 if same else 0) + output_padding``. ``crop_before`` is TensorFlow's
    ``"same"`` padding of the matching forward conv; ``crop_after`` < 0 means the output extends past
    the full result with zeros. An empty output raises ``ValueError``.
    """
    dims = []
    for i, (size, k, stride, dilation) in enumerate(zip(sizes, window, strides, dilations)):
        span = (k - 1) * dilation + 1
        full = (size - 1) * stride + span
        if output_padding is not None:
            length = full - 2 * (span // 2 if mode == "same" else 0) + output_padding[i]
        else:
            length = size * stride if mode == "same" else full
        if length < 1:
            raise ValueError(f"{op}: spatial input {tuple(sizes)} with kernel {tuple(window)}, strides "
                             f"{tuple(strides)}, padding={mode!r} and output_padding={output_padding} give an "
                             f"empty output.")
        before = max(full - length, 0) // 2 if mode == "same" else 0
        dims.append((length, before, full - before - length))
    return tuple(dims)


def broadcastable(shapes):
    """True when the shapes broadcast together (NumPy's rule; ``None`` dims, unknown while tracing, fit)."""
    for dims in itertools.zip_longest(*(tuple(reversed(tuple(shape))) for shape in shapes), fillvalue=1):
        if len({d for d in dims if d is not None and d != 1}) > 1:
            return False
    return True


def broadcast_error(op, shapes):
    """The ``ValueError`` for operands of ``op`` whose ``shapes`` do not broadcast together."""
    listed = ", ".join(str(tuple(shape)) for shape in shapes)
    return ValueError(f"{op}: shapes {listed} do not broadcast together (each dim must be equal, or 1 in all but "
                      f"one operand); reshape or expand_dims an operand.")


def index_error(op, low, high, size, axis, shape):
    """The ``IndexError`` for indices of ``op`` from ``low`` to ``high`` that leave ``[-size, size)``.

    ``axis`` is the gathered axis of ``x`` (``None``: ``x`` flattened), ``shape`` the shape of ``x``.
    """
    where = "the flattened tensor" if axis is None else f"axis {axis}"
    return IndexError(f"{op}: index out of range for {where} of size {size} (x has shape {tuple(shape)}): "
                      f"indices must be in [{-size}, {size}), got indices from {int(low)} to {int(high)}.")


def check_unroll(unroll, op):
    """``unroll`` of a loop: a bool or an int >= 1 (Keras's rule)."""
    if isinstance(unroll, bool) or (isinstance(unroll, int) and unroll >= 1):
        return unroll
    raise ValueError(f"{op}: unroll must be a positive int or a bool, got {unroll!r}.")


def scan_length(shapes, length):
    """``scan``'s number of steps from the shapes of ``xs``'s leaves (a ``None`` dim: unknown until run) and
    ``length``; ``None`` when it is known only at run time (a ``tf.function`` traced without it)."""
    if length is not None:
        try:
            length = operator.index(length)
        except TypeError:
            raise ValueError(f"scan: length must be an int, got {length!r}.") from None
    if not shapes and length is None:
        raise ValueError("scan: xs is None (or holds no tensor), so the number of steps is unknown; pass length.")
    shapes = [tuple(shape) for shape in shapes]
    if any(not shape for shape in shapes):
        raise ValueError(f"scan: every leaf of xs needs a leading (step) axis; got leaves of shapes {shapes}.")
    leading = sorted({shape[0] for shape in shapes if shape[0] is not None})
    if len(leading) > 1:
        raise ValueError(f"scan: the leaves of xs must share their leading length (the number of steps); got "
                         f"leaves of shapes {shapes}.")
    steps = leading[0] if leading else None
    if length is not None and steps is not None and length != steps:
        raise ValueError(f"scan: length={length} differs from the leading length {steps} of xs (shapes {shapes}).")
    steps = length if length is not None else steps
    if steps is not None and steps < 1:
        raise ValueError(f"scan: needs at least one step (y's shape is learnt from the first), got length {steps}.")
    return steps


def step_pair(out):
    """``scan``'s ``f`` result as ``(carry, y)``."""
    if isinstance(out, (tuple, list)) and len(out) == 2:
        return out
    kind = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else type(out).__name__
    raise ValueError(f"scan: f must return a pair (carry, y), got {kind}; return (new_carry, None) when there is no "
                     f"output per step.")


class _Spec:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), dtype

    def __repr__(self):
        return f"{self.dtype}{list(self.shape)}"


def _fits(expected, received):
    (shape_a, dtype_a), (shape_b, dtype_b) = expected, received
    return dtype_a == dtype_b and len(shape_a) == len(shape_b) and all(
        a is None or b is None or a == b for a, b in zip(shape_a, shape_b))


def check_same_specs(op, what, reference, expected, received):
    """Raise ``ValueError`` unless ``received`` matches ``expected``: each a pair ``(treedef, [(shape, dtype)])``
    (``kerafront.tree``); ``None`` dims fit any size. ``what`` names the value checked, ``reference`` its model."""
    (def_a, specs_a), (def_b, specs_b) = expected, received
    if def_a == def_b and len(specs_a) == len(specs_b) and all(map(_fits, specs_a, specs_b)):
        return
    show = lambda treedef, specs: repr(tree.unflatten(treedef, [_Spec(*s) for s in specs]))  # noqa: E731
    raise ValueError(f"{op}: {what} must keep the structure, shapes and dtypes of {reference}: expected "
                     f"{show(def_a, specs_a)}, got {show(def_b, specs_b)}.")


def check_scalar_pred(shape, op, what="pred"):
    """A branch or loop condition is a scalar: shape ``()``."""
    if tuple(shape) != ():
        raise ValueError(f"{op}: {what} must be a scalar (a Python bool or a tensor of shape ()), got shape "
                         f"{tuple(shape)}; reduce it first, e.g. with ops.all or ops.any.")


def attention_groups(query_shape, key_shape, value_shape):
    """``N // K`` for ``dot_product_attention``'s query (B, T, N, H) and key/value (B, S, K, H) (``None`` dims,
    and tensors standing for dims unknown while tracing, fit; ``None`` when ``N`` or ``K`` is unknown).

    Raises ``ValueError`` for a rank that is not 4, key and value that differ in (B, S, K), a batch or
    head depth that differs from the query's, or ``K`` not dividing ``N``.
    """
    static = lambda d: d if isinstance(d, int) else None  # noqa: E731  (a tensor while tracing: unknown)
    shapes = tuple(tuple(static(d) for d in s) for s in (query_shape, key_shape, value_shape))
    described = f"query {shapes[0]}, key {shapes[1]}, value {shapes[2]}"
    if any(len(s) != 4 for s in shapes):
        raise ValueError(f"dot_product_attention: query, key and value must be 4-D (batch, time, heads, depth); "
                         f"got {described}.")
    (batch, _, heads, depth), key, value = shapes
    same = lambda a, b: a is None or b is None or a == b  # noqa: E731
    if not all(same(a, b) for a, b in zip(key[:3], value[:3])):
        raise ValueError(f"dot_product_attention: key and value must have the same (batch, time, heads); got "
                         f"{described}.")
    if not (same(batch, key[0]) and same(depth, key[3])):
        raise ValueError(f"dot_product_attention: key must have the query's batch size and depth (B, S, K, H); "
                         f"got {described}.")
    kv_heads = key[2]
    if heads is None or kv_heads is None:
        return None
    if kv_heads < 1 or heads % kv_heads:
        raise ValueError(f"dot_product_attention: the key/value heads ({kv_heads}) must divide the query heads "
                         f"({heads}) (grouped-query attention); got {described}.")
    return heads // kv_heads


def fft_parts(real_shape, imag_shape, real_dtype, imag_dtype, rank):
    """Check ``complex_fft``'s arguments (shapes as tuples, dtypes as kerafront strings)."""
    if rank not in (1, 2) or isinstance(rank, bool):
        raise ValueError(f"complex_fft: rank must be 1 or 2 (the transformed trailing axes); received {rank!r}.")
    if tuple(real_shape) != tuple(imag_shape):
        raise ValueError(f"complex_fft: the real and imaginary parts must have one shape; received "
                         f"{tuple(real_shape)} and {tuple(imag_shape)}.")
    if real_dtype != imag_dtype or not str(real_dtype).startswith(("float", "bfloat")):
        raise ValueError(f"complex_fft: the real and imaginary parts must be float tensors of one dtype; received "
                         f"{real_dtype} and {imag_dtype}.")
    if len(real_shape) < rank:
        raise ValueError(f"complex_fft: a rank-{rank} transform needs at least {rank} axes; received shape "
                         f"{tuple(real_shape)}.")


def linalg_operand(shape, dtype, op, square=True):
    """Check a matrix operand of a decomposition (rank >= 2, square when ``square``); returns the dtype it
    computes in: float32/float64 as they are, integers and bool in floatx (TypeError for float16/bfloat16)."""
    shape = tuple(shape)
    if len(shape) < 2:
        raise ValueError(f"{op}: expected a matrix or a batch of matrices (rank >= 2, shape (..., M, N)); "
                         f"received shape {shape}.")
    rows, cols = shape[-2:]
    if square and rows is not None and cols is not None and rows != cols:
        raise ValueError(f"{op}: expected square matrices (..., M, M); received non-square shape {shape}.")
    dtype = str(dtype)
    if dtype in ("float32", "float64"):
        return dtype
    if dtype in ("float16", "bfloat16"):
        raise TypeError(f"{op}: {dtype} is not supported (no LAPACK kernel); cast the input to float32.")
    if dtype == "bool" or "int" in dtype:
        return state.floatx
    raise TypeError(f"{op}: expected a float tensor; received dtype {dtype}.")


def solve_operands(a_shape, b_shape, op):
    """Check ``a`` (..., M, M) against ``b`` (..., M, K), or (..., M) when ``b`` has rank 1 or ``a``'s rank
    minus 1 (Keras's rule); returns ``(b_is_vector, batch_shape)``, the batch axes broadcast (None: unknown)."""
    a_shape, b_shape = tuple(a_shape), tuple(b_shape)
    if len(b_shape) < 1:
        raise ValueError(f"{op}: b must have rank >= 1 (a vector or a matrix); received shape {b_shape}.")
    vector = len(b_shape) == 1 or len(b_shape) == len(a_shape) - 1
    rows = b_shape[-1] if vector else b_shape[-2]
    size = a_shape[-1]
    if rows is not None and size is not None and rows != size:
        where = "b.shape[-1]" if vector else "b.shape[-2]"
        raise ValueError(f"{op}: {where} must equal a's size {size}; received a.shape={a_shape}, "
                         f"b.shape={b_shape}.")
    batches = [a_shape[:-2], b_shape[:-1] if vector else b_shape[:-2]]
    if not broadcastable(batches):
        raise ValueError(f"{op}: the batch axes of a and b do not broadcast; received a.shape={a_shape}, "
                         f"b.shape={b_shape}.")
    batch = []
    for dims in itertools.zip_longest(*(tuple(reversed(s)) for s in batches), fillvalue=1):
        sizes = {d for d in dims if d != 1}
        batch.append(None if None in sizes else (sizes.pop() if sizes else 1))
    return vector, tuple(reversed(batch))


_ITEM_BYTES = {"bool": 1, "uint8": 1, "int8": 1, "int16": 2, "float16": 2, "bfloat16": 2, "int32": 4,
               "float32": 4, "int64": 8, "float64": 8}


def bitcast_shape(shape, in_dtype, out_dtype):
    """``bitcast``'s output shape: ``shape`` with its last axis scaled by ``itemsize(in) / itemsize(out)``."""
    ratio_in, ratio_out = _ITEM_BYTES[in_dtype], _ITEM_BYTES[out_dtype]
    if ratio_in == ratio_out:
        return tuple(shape)
    last = shape[-1] if shape else None
    if not shape or (last is not None and (last * ratio_in) % ratio_out):
        raise ValueError(f"bitcast: cannot view {in_dtype} data of shape {tuple(shape)} as {out_dtype}: the last "
                         f"axis holds {'no' if not shape else last * ratio_in} bytes, which must be a multiple of "
                         f"{ratio_out} (the new item size), and a 0-d tensor needs equal item sizes.")
    return tuple(shape[:-1]) + (None if last is None else last * ratio_in // ratio_out,)
