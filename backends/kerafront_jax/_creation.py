"""Creation and conversion: ``convert_to_tensor``, ``zeros``/``ones``/``full``/``arange``/``eye``,
``cast``, ``shape`` and ``dtype`` on ``jax.Array``.

Creation dtypes follow the spec, not JAX's x64-dependent defaults: ``None`` is floatx, except
that ``full`` and ``arange`` with only Python ints give int32 (``full`` with a bool gives bool).
"""

import jax
import jax.numpy as jnp
import numpy as np

from kerafront import config

from kerafront_jax._convert import PY_SCALARS, Array, floatx_dtype, jax_dtype, to_array, value_dtype

_INTS = (int, np.integer)
_BFLOAT16 = jnp.dtype("bfloat16")


def convert_to_tensor(x, dtype=None):
    if isinstance(x, Array) and dtype is None:
        return x
    return to_array(x, None if dtype is None else jax_dtype(dtype, "convert_to_tensor"))


def convert_to_numpy(x):
    array = np.array(x)  # a writable host copy, also of device arrays
    if array.dtype == _BFLOAT16:
        return array.astype(np.float32)
    return array


def is_tensor(x):
    return isinstance(x, Array)


def cast(x, dtype):
    return to_array(x, jax_dtype(dtype, "cast"), "cast")


def shape(x):
    return tuple(x.shape) if isinstance(x, Array) else tuple(np.shape(x))


def dtype(x):
    if isinstance(x, PY_SCALARS):
        return "bool" if isinstance(x, bool) else "int32" if isinstance(x, int) else config.floatx()
    return value_dtype(x)


def _creation_dtype(dtype, op):
    return floatx_dtype(op) if dtype is None else jax_dtype(dtype, op)


try:  # JAX has no public "am I tracing?"; without it every creation goes through jnp
    from jax._src.core import trace_ctx as _trace_ctx
    _eager = _trace_ctx.is_top_level
except (ImportError, AttributeError):  # pragma: no cover - other JAX versions
    def _eager():
        return False


def _filled(shape, value, dtype):
    """A constant array. Outside a trace it is made on the host and transferred: eager ``jnp.full``
    compiles an XLA kernel per new shape (~20 ms each on CPU; building Adam's slots for a small
    model took 0.27 s that way). Inside a trace, ``jnp.full`` keeps it a cheap broadcast."""
    if _eager() and isinstance(value, (bool, int, float, np.generic)):
        try:
            shape = tuple(int(d) for d in shape) if isinstance(shape, (tuple, list)) else (int(shape),)
        except TypeError:
            return jnp.full(shape, value, dtype=dtype)
        return jax.device_put(np.full(shape, value, dtype=dtype))
    return jnp.full(shape, value, dtype=dtype)


def zeros(shape, dtype=None):
    return _filled(shape, 0, _creation_dtype(dtype, "zeros"))


def ones(shape, dtype=None):
    return _filled(shape, 1, _creation_dtype(dtype, "ones"))


def full(shape, fill_value, dtype=None):
    if dtype is None:
        if isinstance(fill_value, bool):
            dtype = "bool"
        elif isinstance(fill_value, _INTS):
            dtype = "int32"
        elif isinstance(fill_value, Array):
            return jnp.full(shape, fill_value, dtype=fill_value.dtype)
        else:
            dtype = config.floatx()
    return _filled(shape, fill_value, jax_dtype(dtype, "full"))


def arange(start, stop=None, step=1, dtype=None):
    if dtype is None:
        all_ints = all(isinstance(v, _INTS) and not isinstance(v, bool) for v in (start, stop, step) if v is not None)
        dtype = "int32" if all_ints else config.floatx()
    return jnp.arange(start, stop, step, dtype=jax_dtype(dtype, "arange"))


def eye(n, m=None, k=0, dtype=None):
    return jnp.eye(n, m, k, dtype=_creation_dtype(dtype, "eye"))


def bitcast(x, dtype):
    """``lax.bitcast_convert_type``, reshaped to NumPy's view shape (the last axis scales; see ``kerafront.spec``).
    bool travels as uint8 (XLA has no bool bitcast)."""
    from kerafront.dtypes import standardize_dtype
    from kerafront.spec_rules import bitcast_shape
    x, target = to_array(x), standardize_dtype(dtype)
    source = value_dtype(x)
    out_shape = bitcast_shape(tuple(x.shape), source, target)
    if source == "bool":
        x = x.astype(jnp.uint8)
    wire = jnp.uint8 if target == "bool" else jax_dtype(target, "bitcast")
    if x.dtype.itemsize < jnp.dtype(wire).itemsize:
        x = x.reshape(out_shape + (jnp.dtype(wire).itemsize // x.dtype.itemsize,))
    y = jax.lax.bitcast_convert_type(x, wire).reshape(out_shape)
    return y != 0 if target == "bool" else y
