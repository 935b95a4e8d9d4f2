"""kerafront: a Keras-style frontend over pluggable NumPy, PyTorch, JAX and TensorFlow backends.

The backend is chosen by ``KERAFRONT_BACKEND`` (see ``kerafront.config``); ``import kerafront``
imports that backend's framework and no other.
"""

__version__ = "0.1.0"

from kerafront import config
from kerafront.config import backend_scope, device, set_backend

config._initialize()

from kerafront import backend, ops, random, tree  # noqa: E402
from kerafront.variables import Variable  # noqa: E402

from kerafront import (activations, callbacks, constraints, datasets, initializers, layers, losses,  # noqa: E402
                       metrics, models, optimizers, preprocessing, regularizers, saving, utils)
from kerafront import dtype_policies, mixed_precision  # noqa: E402
from kerafront.dtype_policies import DTypePolicy, FloatDTypePolicy  # noqa: E402
from kerafront.layers import Input, Layer  # noqa: E402
from kerafront.models import Model, Sequential  # noqa: E402
from kerafront._keras_tensor import KerasTensor  # noqa: E402
from kerafront._name_scope import name_scope  # noqa: E402
from kerafront.initializers import Initializer  # noqa: E402
from kerafront.layers.input_spec import InputSpec  # noqa: E402
from kerafront.losses import Loss  # noqa: E402
from kerafront.metrics import Metric  # noqa: E402
from kerafront.optimizers import Optimizer  # noqa: E402
from kerafront import quantizers  # noqa: E402
from kerafront import distillation  # noqa: E402 (cheap: registers Distiller for load_model)
from kerafront.quantizers import Quantizer  # noqa: E402
from kerafront.regularizers import Regularizer  # noqa: E402
from kerafront.variables import StatelessScope  # noqa: E402
from kerafront._operation import Function, Operation, RematScope, SymbolicScope, remat  # noqa: E402


def __getattr__(name):
    """``kerafront.distribution`` is imported on first use."""
    if name == "distribution":
        import importlib
        return importlib.import_module("kerafront.distribution")
    raise AttributeError(f"module 'kerafront' has no attribute {name!r}")
