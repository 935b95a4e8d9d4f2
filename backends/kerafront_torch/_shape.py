"""Shape manipulation, gathers/scatters and sorting (spec section "Shape manipulation").

Axes are normalised by ``kerafront.spec_rules`` (the NumPy reference's messages).

torch raises ``RuntimeError`` for bad shapes; these wrappers re-raise ``ValueError`` naming the op
and the shapes. The checks sit in ``except`` clauses, so the valid-input path costs nothing extra.
Gathers accept negative indices (counted from the end) and raise ``spec_rules.index_error`` (an
``IndexError``) out of range, as NumPy does: torch's own kernels do not all check (``take_along_dim``
wraps silently on CPU; CUDA kernels fail with a device-side assert that ends the process's CUDA use),
so ``_gather_index`` checks first with one min/max: on the host for NumPy or Python indices, with one
device-to-host copy of two numbers for tensors (skipped while ``torch.compile`` traces).
Sorting is stable everywhere; ``top_k`` is a stable descending sort, so equal values keep the
lower index first.
"""

import builtins
import functools

import numpy as np
import torch
import torch.nn.functional as F

from kerafront.spec_rules import index_error, normalize_axis, single_axis, squeeze_axes

from kerafront_torch._convert import Tensor, as_tensor, promote_all


def _shape_error(op, error, *tensors, extra=""):
    shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
    return ValueError(f"{op}: {extra or 'incompatible shapes'} (got {shapes}): {error}")


def reshape(x, newshape):
    x = as_tensor(x)
    if isinstance(newshape, int):
        newshape = (newshape,)
    try:
        return torch.reshape(x, tuple(newshape))
    except RuntimeError as error:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.numel()} elements) "
                         f"into {tuple(newshape)}: {error}") from None


def transpose(x, axes=None):
    x = as_tensor(x)
    if axes is None:
        return x.permute(tuple(range(x.ndim - 1, -1, -1)))
    try:
        return x.permute(tuple(axes))
    except (RuntimeError, IndexError) as error:
        raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of the {x.ndim} axes of a "
                         f"tensor of shape {tuple(x.shape)}.") from error


def expand_dims(x, axis):
    x = as_tensor(x)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in normalize_axis(axes, x.ndim + len(axes), "expand_dims"):
        x = x.unsqueeze(a)
    return x


def squeeze(x, axis=None):
    x = as_tensor(x)
    if axis is None:
        return torch.squeeze(x)
    axes = squeeze_axes(axis, x.shape)
    return torch.squeeze(x, dim=axes) if axes else x


def broadcast_to(x, shape):
    x = as_tensor(x)
    try:
        return torch.broadcast_to(x, tuple(shape))
    except RuntimeError as error:
        raise ValueError(f"broadcast_to: cannot broadcast shape {tuple(x.shape)} to {tuple(shape)}.") from error


def _common(xs, op):
    if isinstance(xs, Tensor) or not isinstance(xs, (list, tuple)) or not xs:
        raise TypeError(f"{op}: expected a non-empty list or tuple of tensors, got {type(xs).__name__}.")
    return promote_all(xs)


def concatenate(xs, axis=0):
    tensors = _common(xs, "concatenate")
    try:
        return torch.cat(tensors, dim=axis)
    except (RuntimeError, IndexError) as error:
        raise _shape_error("concatenate", error, *tensors, extra=f"cannot join along axis {axis}") from None


def stack(xs, axis=0):
    tensors = _common(xs, "stack")
    try:
        return torch.stack(tensors, dim=axis)
    except (RuntimeError, IndexError) as error:
        raise _shape_error("stack", error, *tensors, extra="tensors must have the same shape") from None


def split(x, indices_or_sections, axis=0):
    x = as_tensor(x)
    a = single_axis(axis, x.ndim, "split")
    if isinstance(indices_or_sections, int):
        if indices_or_sections <= 0 or x.shape[a] % indices_or_sections:
            raise ValueError(f"split: {indices_or_sections} sections do not divide axis {a} of size "
                             f"{x.shape[a]} (shape {tuple(x.shape)}); pass a list of split points instead.")
        return list(torch.tensor_split(x, indices_or_sections, dim=a))
    return list(torch.tensor_split(x, [int(i) for i in indices_or_sections], dim=a))


def tile(x, repeats):
    x = as_tensor(x)
    return torch.tile(x, (repeats,) if isinstance(repeats, int) else tuple(repeats))


def repeat(x, repeats, axis=None):
    x = as_tensor(x)
    if axis is not None:
        axis = single_axis(axis, x.ndim, "repeat")
    if not isinstance(repeats, int):
        repeats = as_tensor(repeats, x.device).to(torch.int64)
    return torch.repeat_interleave(x, repeats, dim=axis)


@functools.lru_cache(maxsize=1024)
def _pad_indices(size, before, after, mode):
    """Gather indices that realise NumPy's reflect/symmetric padding of one axis (any pad length)."""
    return np.pad(np.arange(size), (before, after), mode=mode)


def _pad_widths(pad_width, ndim):
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2) if np.ndim(pad_width)
                             else np.full((1, 2), int(pad_width)), (ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: pad widths must be >= 0, got {pad_width!r}.")
    return [(int(b), int(a)) for b, a in widths]


def pad(x, pad_width, mode="constant", constant_values=0):
    x = as_tensor(x)
    try:
        widths = _pad_widths(pad_width, x.ndim)
    except ValueError as error:
        if "pad widths" in str(error):
            raise
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor of rank {x.ndim}; expected "
                         f"((before, after),) * {x.ndim}.") from None
    if mode == "constant":
        flat = [w for pair in reversed(widths) for w in pair]
        value = constant_values.item() if isinstance(constant_values, Tensor) else constant_values
        return F.pad(x, flat, mode="constant", value=value)
    if mode not in ("reflect", "symmetric"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric', got {mode!r}.")
    for axis, (before, after) in enumerate(widths):
        if before or after:
            if mode == "reflect" and x.shape[axis] < 2:
                raise ValueError(f"pad: reflect padding needs at least 2 elements along axis {axis}, "
                                 f"got shape {tuple(x.shape)}.")
            index = torch.from_numpy(_pad_indices(x.shape[axis], before, after, mode)).to(x.device)
            x = torch.index_select(x, axis, index)
    return x


def flip(x, axis=None):
    x = as_tensor(x)
    return torch.flip(x, normalize_axis(axis, x.ndim, "flip"))


def slice(x, start_indices, shape):
    x = as_tensor(x)
    if len(start_indices) != x.ndim or len(shape) != x.ndim:
        raise ValueError(f"slice: start_indices {tuple(start_indices)} and shape {tuple(shape)} need one entry "
                         f"per axis of a tensor of shape {tuple(x.shape)}.")
    starts = [int(s) for s in start_indices]
    return x[tuple(builtins.slice(s, s + int(n)) for s, n in zip(starts, shape))]


def _gather_index(op, indices, x, axis, named_axis, shape):
    """Integer ``indices`` -> an index tensor on ``x``'s device, checked against ``x.shape[axis]`` and
    with negatives counted from the end (``named_axis`` and ``shape``: the axis and shape the caller
    gave, for the message)."""
    size = x.shape[axis]
    if not isinstance(indices, (Tensor, np.ndarray, np.generic, list, tuple, int)):
        indices = as_tensor(indices, x.device)  # a Variable
    if not isinstance(indices, Tensor):
        host = np.asarray(indices)
        if host.dtype.kind not in "iu":
            if host.size:
                raise TypeError(f"{op}: indices must be integers, got dtype {host.dtype}.")
            host = host.astype(np.int64)
        if host.size and (host.min() < -size or host.max() >= size):
            raise index_error(op, host.min(), host.max(), size, named_axis, shape)
        if host.size and host.min() < 0:
            host = np.where(host < 0, host + size, host)
        return as_tensor(host if host.dtype in (np.int32, np.int64) else host.astype(np.int64), x.device)
    if indices.is_floating_point() or indices.is_complex() or indices.dtype is torch.bool:
        raise TypeError(f"{op}: indices must be integers, got dtype {str(indices.dtype).replace('torch.', '')}.")
    index = indices if indices.device == x.device else indices.to(x.device)
    if index.dtype not in (torch.int32, torch.int64):
        index = index.to(torch.int64)
    if torch.compiler.is_compiling() or index.numel() == 0:
        return torch.where(index < 0, index + size, index)
    low, high = torch.stack(torch.aminmax(index)).tolist()
    if low < -size or high >= size:
        raise index_error(op, low, high, size, named_axis, shape)
    return torch.where(index < 0, index + size, index) if low < 0 else index


def take(x, indices, axis=None):
    x = as_tensor(x)
    shape, named_axis = tuple(x.shape), axis
    if axis is None:
        x, axis = x.reshape(-1), 0
    else:
        axis = named_axis = single_axis(axis, x.ndim, "take")
    index = _gather_index("take", indices, x, axis, named_axis, shape)
    out = torch.index_select(x, axis, index.reshape(-1))
    return out.reshape(tuple(x.shape[:axis]) + tuple(index.shape) + tuple(x.shape[axis + 1:]))


def take_along_axis(x, indices, axis=None):
    x = as_tensor(x)
    shape, named_axis = tuple(x.shape), axis
    if axis is None:
        x, axis = x.reshape(-1), 0
        indices = indices.reshape(-1) if isinstance(indices, Tensor) else np.reshape(indices, -1)
    else:
        axis = named_axis = single_axis(axis, x.ndim, "take_along_axis")
    index = _gather_index("take_along_axis", indices, x, axis, named_axis, shape)
    if index.ndim != x.ndim:
        raise ValueError(f"take_along_axis: indices of shape {tuple(index.shape)} must have the rank of x, "
                         f"shape {tuple(x.shape)}.")
    try:
        return torch.take_along_dim(x, index.to(torch.int64), dim=axis)
    except RuntimeError as error:
        raise ValueError(f"take_along_axis: indices of shape {tuple(index.shape)} do not broadcast with x of "
                         f"shape {tuple(x.shape)} outside axis {axis}: {error}") from None


def scatter(indices, values, shape):
    values = as_tensor(values)
    index = as_tensor(indices, values.device).to(torch.int64)
    shape = tuple(int(d) for d in shape)
    if index.ndim != 2 or index.shape[1] > len(shape):
        raise ValueError(f"scatter: indices must have shape (N, k) with k <= {len(shape)}, got "
                         f"{tuple(index.shape)}.")
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    try:
        return out.index_put(tuple(index.unbind(1)), values, accumulate=True)
    except (IndexError, RuntimeError) as error:
        raise ValueError(f"scatter: values of shape {tuple(values.shape)} do not fit indices "
                         f"{tuple(index.shape)} into shape {shape}: {error}") from None


def sort(x, axis=-1):
    x = as_tensor(x)
    return torch.sort(x, dim=axis, stable=True).values


def argsort(x, axis=-1):
    x = as_tensor(x)
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


def top_k(x, k, sorted=True):
    x = as_tensor(x)
    if x.ndim == 0 or not 0 <= k <= x.shape[-1]:
        raise ValueError(f"top_k: k={k} must be between 0 and the last dimension of x, shape {tuple(x.shape)}.")
    values, indices = torch.sort(x, dim=-1, descending=True, stable=True)
    return values[..., :k], indices[..., :k].to(torch.int32)
