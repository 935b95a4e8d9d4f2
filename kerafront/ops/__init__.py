"""``kerafront.ops``: the spec's primitives (dispatched to the active backend) and composites.

Primitives are documented in ``kerafront.spec``; composites (activations, softmax, losses'
numerics, ...) are written once in ``math.py`` and ``nn.py`` from primitives, so they hold on
every backend.

How a composite is written: it calls the primitives by name (``from kerafront.ops._primitives
import exp, multiply``; ``shape`` and ``dtype`` are imported as ``shape_of`` and ``dtype_of``,
since those are the usual argument names), and its docstring states the formula. It applies no
Python operators to tensors, because they would not give kerafront's results everywhere: its
inputs may be NumPy arrays under another backend, integer tensors or ``Variable``s; TensorFlow's
operators raise on mixed dtypes; and on NumPy arrays they return a NumPy scalar for 0-d inputs,
turn bfloat16 into float32 against a Python float, and warn where ``divide`` is quiet.
"""

from kerafront.ops._dispatch import primitives as _primitive_table
from kerafront.ops._primitives import *  # noqa: F401,F403
from kerafront.ops.math import *  # noqa: F401,F403
from kerafront.ops.nn import *  # noqa: F401,F403
from kerafront.ops.rnn import *  # noqa: F401,F403
from kerafront.ops.normalization_ops import *  # noqa: F401,F403
from kerafront.ops import math as _math, nn as _nn, rnn as _rnn
from kerafront.ops import normalization_ops as _normalization_ops
from kerafront.ops.numeric import *  # noqa: F401,F403
from kerafront.ops.statistics import *  # noqa: F401,F403
from kerafront.ops.bitwise import *  # noqa: F401,F403
from kerafront.ops import bitwise as _bitwise, numeric as _numeric, statistics as _statistics
from kerafront.ops.ctc import *  # noqa: F401,F403
from kerafront.ops import ctc as _ctc
from kerafront.ops.arrays import *  # noqa: F401,F403
from kerafront.ops import arrays as _arrays
from kerafront.ops.linalg_ops import *  # noqa: F401,F403
from kerafront.ops import linalg_ops as _linalg_ops
from kerafront.ops.signal import *  # noqa: F401,F403
from kerafront.ops import signal as _signal
from kerafront.ops import image  # keras.ops.image: resize, crop_images, pad_images, color conversions
from kerafront.ops import linalg, numpy  # keras.ops.linalg, keras.ops.numpy: namespaces of the names above

PRIMITIVE_NAMES = tuple(_primitive_table)
COMPOSITE_NAMES = (tuple(_math.__all__) + tuple(_nn.__all__) + tuple(_rnn.__all__)
                   + tuple(_normalization_ops.__all__)
                   + tuple(_numeric.__all__) + tuple(_statistics.__all__) + tuple(_bitwise.__all__)
                   + tuple(_ctc.__all__)
                   + tuple(_arrays.__all__)
                   + tuple(_linalg_ops.__all__)
                   + tuple(_signal.__all__))
from kerafront.ops.core import *  # noqa: E402,F401,F403  (scatter_update, slice_update, unstack, unique, ...)
from kerafront.ops.functional import *  # noqa: E402,F401,F403  (map, switch, associative_scan, custom_gradient, ...)
from kerafront.ops.einops import *  # noqa: E402,F401,F403  (rearrange)
from kerafront.ops import core as _core, einops as _einops, functional as _functional  # noqa: E402
COMPOSITE_NAMES += tuple(_core.__all__) + tuple(_functional.__all__) + tuple(_einops.__all__)
