"""``kerafront.mixed_precision`` (Keras's ``keras.mixed_precision``, its legacy spellings).

``set_global_policy("mixed_bfloat16")`` makes layers created afterwards keep float32 weights and
compute in bfloat16 (``"mixed_float16"``: float16; ``compile`` then wraps the optimizer in a
``LossScaleOptimizer``, as Keras does). See ``kerafront.dtype_policies``.
"""

from kerafront.dtype_policies.dtype_policy import DTypePolicy, dtype_policy, set_dtype_policy
from kerafront.optimizers import LossScaleOptimizer

Policy = DTypePolicy
global_policy = dtype_policy
set_global_policy = set_dtype_policy

__all__ = ["DTypePolicy", "LossScaleOptimizer", "Policy", "dtype_policy", "global_policy", "set_dtype_policy",
           "set_global_policy"]
