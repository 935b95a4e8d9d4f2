"""``kerafront.ops``: the spec's primitives (dispatched to the active backend) and composites.

Primitives are documented in ``kerafront.spec``; composites (activations, softmax, losses'
numerics, ...) are written once here from primitives, so they hold on every backend.
"""

from kerafront.ops._dispatch import primitives as _primitives

globals().update(_primitives)

from kerafront.ops.math import *  # noqa: E402,F401,F403
from kerafront.ops.nn import *  # noqa: E402,F401,F403
from kerafront.ops import math as _math, nn as _nn  # noqa: E402

PRIMITIVE_NAMES = tuple(_primitives)
COMPOSITE_NAMES = tuple(_math.__all__) + tuple(_nn.__all__)
