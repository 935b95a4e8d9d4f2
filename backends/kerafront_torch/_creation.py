"""Creation and conversion (spec section "Creation and conversion").

Python data follows kerafront's defaults, not torch's: Python floats become floatx, Python ints
int32 (int64 only when they do not fit), and creation ops default to floatx. New tensors go to
the current device (``_device.current()``); NumPy arrays are copied, never shared.
"""

import numpy as np
import torch

from kerafront import config

from kerafront_torch import _device
from kerafront_torch._convert import (DTYPE_NAMES, SCALARS, Tensor, as_tensor, floatx, to_torch_dtype,
                                      variable_value)


def convert_to_tensor(x, dtype=None):
    if dtype is None:
        return as_tensor(x)
    target = to_torch_dtype(dtype)
    if isinstance(x, Tensor):
        return x if x.dtype is target else x.to(target)
    if type(x) in SCALARS:
        return torch.tensor(x, dtype=target, device=_device.current())
    if isinstance(x, (list, tuple)) and not any(isinstance(item, Tensor) for item in x):
        x = np.asarray(x)  # keep Python floats in float64 until the cast (no detour through floatx)
    return as_tensor(x).to(target)


def convert_to_numpy(x):
    if isinstance(x, Tensor):
        x = x.detach()
        if x.dtype is torch.bfloat16:
            x = x.float()
        return x.cpu().numpy().copy() if x.device.type == "cpu" else x.cpu().numpy()
    value = variable_value(x)
    if value is not None:
        return convert_to_numpy(value)
    return np.array(x)


def is_tensor(x):
    return isinstance(x, Tensor)


def shape(x):
    if isinstance(x, Tensor):
        return tuple(x.shape)
    return tuple(np.shape(x))


def dtype(x):
    if isinstance(x, Tensor):
        return DTYPE_NAMES[x.dtype]
    if type(x) is float:
        return config.state.floatx
    if type(x) is int:
        return "int32"
    return DTYPE_NAMES[as_tensor(x).dtype]


def cast(x, dtype):
    target = to_torch_dtype(dtype)
    if not isinstance(x, Tensor):
        return convert_to_tensor(x, dtype)
    return x if x.dtype is target else x.to(target)


def _shape_tuple(shape, op):
    if isinstance(shape, int):
        return (shape,)
    try:
        return tuple(int(d) for d in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: shape must be an int or a sequence of ints, got {shape!r}.") from None


def _creation_dtype(dtype):
    return floatx() if dtype is None else to_torch_dtype(dtype)


def zeros(shape, dtype=None):
    return torch.zeros(_shape_tuple(shape, "zeros"), dtype=_creation_dtype(dtype), device=_device.current())


def ones(shape, dtype=None):
    return torch.ones(_shape_tuple(shape, "ones"), dtype=_creation_dtype(dtype), device=_device.current())


def full(shape, fill_value, dtype=None):
    shape = _shape_tuple(shape, "full")
    if isinstance(fill_value, (Tensor, np.ndarray, np.generic)):
        value = as_tensor(fill_value)
        target = value.dtype if dtype is None else to_torch_dtype(dtype)
        return torch.broadcast_to(value.to(device=_device.current(), dtype=target), shape).clone()
    if dtype is not None:
        target = to_torch_dtype(dtype)
    elif type(fill_value) is bool:
        target = torch.bool
    elif type(fill_value) is int:
        target = torch.int32
    else:
        target = floatx()
    return torch.full(shape, fill_value, dtype=target, device=_device.current())


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0.")
    all_ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, stop, step))
    if dtype is not None:
        target = to_torch_dtype(dtype)
    else:
        target = torch.int32 if all_ints else floatx()
    device = _device.current()
    if all_ints:
        return torch.arange(int(start), int(stop), int(step), dtype=torch.int64, device=device).to(target)
    return torch.arange(float(start), float(stop), float(step), dtype=torch.float64, device=device).to(target)


def eye(n, m=None, k=0, dtype=None):
    m = n if m is None else m
    device = _device.current()
    rows = torch.arange(n, device=device).unsqueeze(1)
    cols = torch.arange(m, device=device).unsqueeze(0)
    return (rows + k == cols).to(_creation_dtype(dtype))


def bitcast(x, dtype):
    """``Tensor.view(dtype)`` after ``kerafront.spec_rules.bitcast_shape``'s check (see ``kerafront.spec``)."""
    from kerafront.dtypes import standardize_dtype
    from kerafront.spec_rules import bitcast_shape
    x = as_tensor(x).contiguous()
    bitcast_shape(tuple(x.shape), DTYPE_NAMES[x.dtype], standardize_dtype(dtype))
    return x.view(to_torch_dtype(dtype))
