"""``kerafront.backend``: Keras's ``keras.backend`` module names, and still callable as before.

``kerafront.backend()`` returns the active backend's name (kerafront's first spelling);
``kerafront.backend.backend()``, ``floatx()``, ``epsilon()``, ``clear_session()``... are Keras's.
"""

import sys
import types

from kerafront import config
from kerafront.config import epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format
from kerafront.dtypes import result_type as _result_type
from kerafront.dtypes import standardize_dtype
from kerafront.utils.naming import _uids
from kerafront.utils.naming import clear_session as _clear_names

__all__ = ["backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format", "is_float_dtype",
           "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon", "set_floatx", "set_image_data_format",
           "standardize_dtype"]


def backend():
    """The active backend's name: ``"numpy"``, ``"torch"``, ``"jax"`` or ``"tensorflow"``."""
    return config.backend()


def clear_session(free_memory=True):
    """Restart layer-name counters (a fresh model gets ``dense``, ``dense_1``... again), as Keras does."""
    _clear_names()


def get_uid(prefix=""):
    """1 the first time ``prefix`` is asked for, then 2, 3, ... (shared with layer naming, as in Keras)."""
    _uids[prefix] += 1
    return _uids[prefix]


def is_float_dtype(dtype):
    return standardize_dtype(dtype).startswith(("float", "bfloat"))


def is_int_dtype(dtype):
    return standardize_dtype(dtype).startswith(("int", "uint"))


def is_keras_tensor(x):
    """True for the symbolic tensors of a functional model (``kerafront.Input(...)`` and what layers make of it)."""
    from kerafront.layers.symbolic import KerasTensor
    return isinstance(x, KerasTensor)


def result_type(*dtypes):
    """The dtype two or more dtypes promote to (kerafront's promotion table, Keras's rules)."""
    if not dtypes:
        raise ValueError("result_type: expected at least one dtype.")
    return _result_type(*dtypes, floatx=config.floatx())


class _CallableModule(types.ModuleType):
    def __call__(self):
        return config.backend()


sys.modules[__name__].__class__ = _CallableModule
