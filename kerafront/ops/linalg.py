"""``kerafront.ops.linalg``: the names Keras 3 lists under ``keras.ops.linalg``, the functions of ``kerafront.ops``.

So ``keras.ops.linalg.norm(...)`` runs after ``import kerafront as keras``. A Keras name that kerafront does not
implement yet is absent here (``AttributeError``), never a stub; ``KERAS_NAMES`` lists them all (Keras 3.15.1).
Names are looked up in ``kerafront.ops`` when read, so this module adds no second copy of any op.
"""

import kerafront.ops as _ops

KERAS_NAMES = (
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor", "matrix_rank",
    "norm", "pinv", "qr", "solve", "solve_triangular", "svd"
)


def __getattr__(name):
    if name == "__all__":   # read by ``from kerafront.ops.linalg import *``
        return __dir__()
    if name in KERAS_NAMES and hasattr(_ops, name):
        return getattr(_ops, name)
    raise AttributeError(f"module 'kerafront.ops.linalg' has no attribute {name!r}"
                         + (" (a Keras name kerafront does not implement yet)" if name in KERAS_NAMES else ""))


def __dir__():
    return [name for name in KERAS_NAMES if hasattr(_ops, name)]
