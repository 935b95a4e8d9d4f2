"""Helpers shared by the sections: dtypes, x64 mode, conversion and kerafront's promotion on ``jax.Array``.

Defines no op (``convert_to_tensor``, ``cast``, ``dtype``... live in ``_creation``).

64-bit dtypes: JAX stores float64/int64 only when its x64 mode is on (``JAX_ENABLE_X64=1``,
``jax.config.update("jax_enable_x64", True)``, or ``KERAFRONT_JAX_ENABLE_X64=1``, which this
module applies when the backend is imported). With x64 off, JAX would silently give
float32/int32; kerafront raises ``TypeError`` instead whenever a 64-bit result is asked for (an
explicit ``dtype``, or a float64/int64 NumPy array that keeps its dtype). Python scalars
(including ``np.float64`` scalars, a ``float`` subclass) are weak and never need x64.

JAX's own promotion differs from kerafront's table (x64-dependent defaults, its own lattice), so
binary ops whose operands differ in dtype are cast here to ``kerafront.dtypes.result_type``
before JAX sees them; operands of one dtype go straight through. A weakly typed JAX array (what a
Python scalar becomes as a ``jax.jit`` argument or through ``jnp.asarray(2.0)``) counts as the
Python scalar it came from, so ``compile(f)(x, 0.5)`` promotes like ``f(x, 0.5)``.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np

from kerafront import config, spec_rules
from kerafront.dtypes import ALL_DTYPES, FLOAT_DTYPES, result_type, standardize_dtype

if config.environ_flag("KERAFRONT_JAX_ENABLE_X64"):
    jax.config.update("jax_enable_x64", True)

Array = jax.Array
_JAX_DTYPES = {name: jnp.dtype(name) for name in ALL_DTYPES}
_NAMES = {dt: name for name, dt in _JAX_DTYPES.items()}
FLOATS = frozenset(_JAX_DTYPES[name] for name in FLOAT_DTYPES)
_WIDE = ("float64", "int64")
PY_SCALARS = (bool, int, float)


def x64_enabled():
    """Whether JAX's x64 mode is on (read at call time: the user may enable it after import)."""
    return bool(jax.config.jax_enable_x64)


def _x64_error(op, name):
    return TypeError(
        f"{op}: dtype {name} needs JAX's 64-bit mode, which is off (JAX would silently give "
        f"{name.replace('64', '32')}). Enable it before importing kerafront with KERAFRONT_JAX_ENABLE_X64=1 "
        f"or JAX_ENABLE_X64=1 (or jax.config.update('jax_enable_x64', True)), or use a 32-bit dtype.")


def _standard_name(dtype, op):
    """``kerafront.dtypes.standardize_dtype`` with ``op`` named in its ``TypeError``."""
    try:
        return standardize_dtype(dtype)
    except TypeError as error:
        raise TypeError(f"{op}: {error}") from None


def jax_dtype(dtype, op="cast"):
    """The ``jnp.dtype`` for a kerafront dtype (string or framework dtype); 64-bit needs x64."""
    name = dtype if dtype in _JAX_DTYPES else _standard_name(dtype, op)
    if name in _WIDE and not x64_enabled():
        raise _x64_error(op, name)
    return _JAX_DTYPES[name]


def dtype_name(dt, op="dtype"):
    """kerafront name of a NumPy/JAX dtype object."""
    name = _NAMES.get(dt)
    return name if name is not None else _standard_name(dt, op)


def floatx_dtype(op="floatx"):
    return jax_dtype(config.floatx(), op)


def _list_dtype(array, op):
    """dtype for nested Python data: floats -> floatx, ints -> int32, bools -> bool."""
    kind = array.dtype.kind
    if kind == "b":
        return _JAX_DTYPES["bool"]
    if kind in "iu":
        return _JAX_DTYPES["int32"]
    if kind == "f":
        return floatx_dtype(op)
    raise TypeError(f"{op}: cannot convert data of NumPy dtype {array.dtype} "
                    f"(expected numbers or bools).")


def _host_dtype(array, op):
    """A NumPy array's own dtype. Without x64, int64 (NumPy's default integers, which scripts pass as ids
    and labels) becomes int32 when every value fits, as Keras on JAX gives; values that do not fit raise
    instead of wrapping (``jnp.asarray`` turns 2**40 into 0). Other 64-bit data raises (``jax_dtype``)."""
    name = dtype_name(array.dtype, op)
    if name == "int64" and not x64_enabled():
        limits = np.iinfo(np.int32)
        if array.size == 0 or (array.min() >= limits.min and array.max() <= limits.max):
            return _JAX_DTYPES["int32"]
    return jax_dtype(name, op)


def to_array(x, target=None, op="convert_to_tensor"):
    """``x`` (an array, NumPy value, Python scalar or nested list) as a ``jax.Array`` of the
    ``jnp.dtype`` ``target``; ``None`` keeps an array's dtype and gives other values kerafront's
    default (floats floatx, ints int32, bools bool; NumPy values their own dtype)."""
    if isinstance(x, Array):
        return x if target is None or x.dtype == target else x.astype(target)
    if isinstance(x, PY_SCALARS):
        if target is None:
            target = (_JAX_DTYPES["bool"] if isinstance(x, bool) else
                      _JAX_DTYPES["int32"] if isinstance(x, int) else floatx_dtype(op))
        return jnp.asarray(np.asarray(x, dtype=target))
    if isinstance(x, (list, tuple)):
        try:
            array = np.asarray(x)
        except (TypeError, ValueError, jax.errors.TracerArrayConversionError):
            array = None
        if array is None or array.dtype == object:  # holds JAX arrays or tracers
            return jnp.asarray(jnp.stack([to_array(v, op=op) for v in x]) if x else jnp.zeros((0,)), dtype=target)
        if target is None:
            target = _list_dtype(array, op)
    else:
        array = x if isinstance(x, (np.ndarray, np.generic)) else np.asarray(x)
        if target is None:
            target = _host_dtype(array, op)
    # Cast on the host, then transfer: device_put does not compile per shape as jnp.asarray does.
    return jax.device_put(np.asarray(array if array.dtype == target else array.astype(target)))


def value_dtype(x, op="dtype"):
    """kerafront dtype name of an array or NumPy value (its own dtype), or of what ``to_array`` makes
    of other data; Python scalars are the caller's case (they are weak in promotion)."""
    if isinstance(x, (Array, np.ndarray, np.generic)):
        return dtype_name(x.dtype, op)
    return dtype_name(to_array(x, op=op).dtype, op)


def tensor(x):
    """``x`` as a ``jax.Array`` (no cast when it already is one)."""
    return x if isinstance(x, Array) else to_array(x)


def promote(x1, x2, op="promotion"):
    """Operands of an elementwise op in kerafront's result dtype.

    Arrays are cast to ``result_type``; a Python scalar next to an array stays a Python scalar
    (JAX's weak typing then gives the array's dtype, and no constant array is built per call).
    """
    if isinstance(x1, Array) and isinstance(x2, Array) and x1.dtype == x2.dtype:
        return x1, x2
    return promote_all((x1, x2), op, keep_scalars=True)


def promote_all(xs, op="promotion", keep_scalars=False):
    """All of ``xs`` as arrays of ``result_type`` of their dtypes (Python scalars weak)."""
    first = xs[0]
    if isinstance(first, Array) and all(isinstance(x, Array) and x.dtype == first.dtype for x in xs):
        return list(xs)
    strong, weak = [], []
    for x in xs:
        if isinstance(x, PY_SCALARS):
            weak.append(bool if isinstance(x, bool) else int if isinstance(x, int) else float)
        elif isinstance(x, Array) and x.weak_type:  # a Python scalar that went through JAX (e.g. a jit argument)
            weak.append(float if x.dtype in FLOATS else bool if x.dtype == _JAX_DTYPES["bool"] else int)
        else:
            strong.append(value_dtype(x, op))
    target = jax_dtype(result_type(*strong, weak=tuple(weak), floatx=config.floatx()), op)
    keep_scalars = keep_scalars and bool(strong)  # Python scalars alone: JAX's defaults would depend on x64
    out = []
    for x in xs:
        if isinstance(x, Array) and x.dtype == target:
            out.append(x)
        elif keep_scalars and isinstance(x, PY_SCALARS):
            out.append(x if type(x) in PY_SCALARS else float(x))  # np.float64 (a float subclass) is strong in JAX
        else:
            out.append(to_array(x, target, op))
    return out


def array_dtype(x1, x2):
    """dtype of whichever of two ``promote`` results is an array."""
    return x1.dtype if isinstance(x1, Array) else x2.dtype


def float_tensor(x):
    """``x`` as an array of a float dtype: integer and bool inputs compute in floatx."""
    x = tensor(x)
    return x if x.dtype in FLOATS else x.astype(floatx_dtype())


def _raise_unless_broadcastable(op, operands):
    """In an ``except`` for a kernel's error: raise the ``ValueError`` naming ``op`` when the operands'
    shapes do not broadcast (the kernel's error suppressed); else return, for the caller to re-raise it."""
    shapes = [np.shape(x) for x in operands]
    if not spec_rules.broadcastable(shapes):
        raise spec_rules.broadcast_error(op, shapes) from None


def names_broadcast_errors(fn):
    """Decorator of an op on several operands: shapes that do not broadcast raise ``ValueError`` naming it.

    JAX's own error (a ``TypeError`` or ``ValueError`` naming its internal primitive) is caught, so
    the fast path runs no check, and replaced when the operands' shapes do not broadcast; any other
    error passes unchanged.
    """
    op = fn.__name__

    @functools.wraps(fn)
    def checked(*args):
        try:
            return fn(*args)
        except (TypeError, ValueError):
            _raise_unless_broadcastable(op, args)
            raise

    return checked


def unpromoted(x1, x2, op=None):
    """Both operands as arrays of their own dtypes (logic ops read each one's truth values)."""
    return tensor(x1), tensor(x2)


def binary_op(name, kernel, operands=promote, doc=None):
    """Binary op ``name``: ``kernel`` on ``operands(x1, x2, name)`` (``promote``: kerafront's table).

    The same contract as ``names_broadcast_errors``, without its extra call: JAX's error for shapes
    that do not broadcast becomes a ``ValueError`` naming ``name``; any other error passes unchanged.
    """
    def op(x1, x2):
        try:
            return kernel(*operands(x1, x2, name))
        except (TypeError, ValueError):
            _raise_unless_broadcastable(name, (x1, x2))
            raise

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op
