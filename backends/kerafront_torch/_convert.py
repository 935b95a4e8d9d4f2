"""Helpers every section uses (no ops here): dtype mapping, conversion of Python and NumPy data to
tensors, and kerafront's promotion.

Promotion follows ``kerafront.dtypes.result_type`` (not torch's rules, which treat 0-d tensors
as weak and give int64 for bool + int scalar). The hot path stays cheap: two tensors of one
dtype, or a float tensor with a Python scalar, go straight to torch without a table lookup.
"""

import functools

import numpy as np
import torch

from kerafront import config, spec_rules
from kerafront.dtypes import result_type, standardize_dtype

from kerafront_torch import _device

Tensor = torch.Tensor
SCALARS = (int, float, bool)

TORCH_DTYPES = {
    "bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
}
DTYPE_NAMES = {v: k for k, v in TORCH_DTYPES.items()}


def to_torch_dtype(dtype):
    """kerafront dtype (string or any framework dtype) -> ``torch.dtype``."""
    found = TORCH_DTYPES.get(dtype) if isinstance(dtype, str) else None
    return found if found is not None else TORCH_DTYPES[standardize_dtype(dtype)]


def floatx():
    """floatx as a ``torch.dtype`` (read at call time)."""
    return TORCH_DTYPES[config.state.floatx]


@functools.lru_cache(maxsize=None)
def promote(a, b):
    """Promotion of two ``torch.dtype`` per kerafront's table (cached; floatx does not enter)."""
    return TORCH_DTYPES[result_type(DTYPE_NAMES[a], DTYPE_NAMES[b])]


def variable_value(x):
    """Duck-typed ``kerafront.Variable`` -> its tensor (overrides may receive a Variable)."""
    value = getattr(x, "value", None)
    return value if isinstance(value, Tensor) else None


def from_numpy(array, device):
    """NumPy array (any layout, read-only too) -> tensor on ``device`` keeping the dtype.

    The tensor never shares memory with ``array``: the backend updates some tensors in place
    (``fused_optimizer_update``), which must not write into the caller's arrays.
    """
    if array.dtype.kind not in "biuf" or array.dtype.itemsize > 8:
        raise TypeError(f"convert_to_tensor: unsupported NumPy dtype {array.dtype}; expected bool, "
                        f"integer or float data.")
    copied = False
    if not (array.flags.writeable and array.flags.c_contiguous) or array.dtype.byteorder == ">":
        array, copied = np.array(array, dtype=array.dtype.newbyteorder("="), order="C"), True
    if array.dtype == np.uint16 or array.dtype == np.uint32 or array.dtype == np.uint64:
        array, copied = array.astype(np.int64), True
    tensor = torch.from_numpy(array)
    if device.type == "cpu":
        return tensor if copied else tensor.clone()
    return tensor.to(device)


def as_tensor(x, device=None):
    """Anything tensor-like -> tensor, with kerafront's defaults for Python data (floatx, int32)."""
    if isinstance(x, Tensor):
        return x
    device = device or _device.current()
    if isinstance(x, np.ndarray):
        return from_numpy(x, device)
    if isinstance(x, np.generic):
        return from_numpy(np.asarray(x), device)
    if type(x) is float:
        return torch.tensor(x, dtype=floatx(), device=device)
    if type(x) is bool:
        return torch.tensor(x, dtype=torch.bool, device=device)
    if type(x) is int:
        return torch.tensor(x, dtype=torch.int32 if -2**31 <= x < 2**31 else torch.int64, device=device)
    value = variable_value(x)
    if value is not None:
        return value
    if isinstance(x, (list, tuple)):
        if x and any(isinstance(item, Tensor) for item in x):
            return torch.stack([as_tensor(item, device) for item in x])
        array = np.asarray(x)
        if array.dtype == np.float64:  # Python floats -> floatx
            return from_numpy(array, device).to(floatx())
        if array.dtype == np.int64 and (array.size == 0 or -2**31 <= array.min() and array.max() < 2**31):
            array = array.astype(np.int32)  # Python ints -> int32 (int64 only when they do not fit)
        return from_numpy(array, device)
    if hasattr(x, "__array__"):
        return from_numpy(np.asarray(x), device)
    raise TypeError(f"convert_to_tensor: cannot convert {type(x).__name__} to a torch tensor; expected a "
                    f"tensor, NumPy array, Python scalar or nested list.")


# ----------------------------------------------------------------------------------------------
# Promotion helpers


def _with_scalar(t, s):
    """Tensor ``t`` and weak Python scalar ``s`` -> ``t`` cast to the promoted dtype."""
    if type(s) is float:
        return t if t.is_floating_point() else t.to(floatx())
    if t.dtype is torch.bool and type(s) is int:
        return t.to(torch.int32)
    return t


def binary(x1, x2):
    """Operands for a torch binary op: tensors of one dtype, or a tensor and a weak Python scalar."""
    t1, t2 = isinstance(x1, Tensor), isinstance(x2, Tensor)
    if not t1 and type(x1) not in SCALARS:
        x1, t1 = as_tensor(x1, x2.device if t2 else None), True
    if not t2 and type(x2) not in SCALARS:
        x2, t2 = as_tensor(x2, x1.device if t1 else None), True
    if t1:
        if t2:
            if x1.dtype is x2.dtype:
                return x1, x2
            target = promote(x1.dtype, x2.dtype)
            return x1.to(target), x2.to(target)
        return _with_scalar(x1, x2), x2
    if t2:
        return x1, _with_scalar(x2, x1)
    dtype = TORCH_DTYPES[result_type(weak=(type(x1), type(x2)), floatx=config.state.floatx)]
    device = _device.current()
    return torch.tensor(x1, dtype=dtype, device=device), torch.tensor(x2, dtype=dtype, device=device)


def binary_tensors(x1, x2):
    """Like ``binary`` but both results are tensors (for torch ops that refuse Python scalars)."""
    x1, x2 = binary(x1, x2)
    if not isinstance(x1, Tensor):
        x1 = torch.scalar_tensor(x1, dtype=x2.dtype, device=x2.device)
    elif not isinstance(x2, Tensor):
        x2 = torch.scalar_tensor(x2, dtype=x1.dtype, device=x1.device)
    return x1, x2


def float_input(x):
    """Tensor for unary float math: integer and bool inputs compute in floatx."""
    if not isinstance(x, Tensor):
        x = as_tensor(x)
    return x if x.is_floating_point() else x.to(floatx())


def promote_all(operands):
    """``operands`` as tensors of their common promoted dtype (matmul, einsum, concatenate, stack)."""
    tensors = [as_tensor(operand) for operand in operands]
    target = functools.reduce(promote, [t.dtype for t in tensors])
    return [t if t.dtype is target else t.to(target) for t in tensors]


def broadcast_error(op, error, *operands):
    """For torch's ``RuntimeError`` ``error``: a ``ValueError`` naming ``op`` when the operands' shapes do
    not broadcast (the NumPy reference's message), else ``error`` itself, to be raised again."""
    shapes = [tuple(x.shape) if isinstance(x, Tensor) else np.shape(x) for x in operands]
    return error if spec_rules.broadcastable(shapes) else spec_rules.broadcast_error(op, shapes)


def binary_op(name, same_dtype, promoted=None, operands=binary, doc=None):
    """Binary op ``name``: ``same_dtype(x1, x2)`` on two tensors of one dtype (no promotion, tried
    first), else ``promoted`` (default ``same_dtype``) on ``operands(x1, x2)`` (``binary``, or
    ``binary_tensors`` for torch functions that refuse a Python scalar). A torch ``RuntimeError``
    for shapes that do not broadcast becomes ``broadcast_error``'s ``ValueError`` naming ``name``.
    """
    if promoted is None:
        promoted = same_dtype

    def op(x1, x2):
        try:
            if isinstance(x1, Tensor) and isinstance(x2, Tensor) and x1.dtype is x2.dtype:
                return same_dtype(x1, x2)
            x1, x2 = operands(x1, x2)
            return promoted(x1, x2)
        except RuntimeError as error:
            raise broadcast_error(name, error, x1, x2) from None

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op
