"""``kernels.AddV2(x=a, y=b)``: direct calls of TensorFlow ops, for thin eager wrappers.

Attribute names are TensorFlow op names (as in ``tf.raw_ops``) and calls use the op's argument
names as keywords, which both ``tf.raw_ops.<Op>`` and TensorFlow's generated wrappers
(``tensorflow.python.ops.gen_*_ops.<snake_name>``) accept. The generated wrapper is preferred: it
goes straight to the C fast path (about 30 us per eager op here, against 40 us through
``tf.raw_ops`` and 60-90 us through ``tf.add``/``tf.reduce_sum``). When a TensorFlow version lacks a
generated wrapper, the ``tf.raw_ops`` entry is used. Both record the same op types, so gradients are
TensorFlow's registered ones.
"""

import re

from kerafront_tensorflow._tf import tf

try:
    from tensorflow.python.ops import gen_array_ops, gen_math_ops, gen_nn_ops
    _GENERATED = (gen_math_ops, gen_nn_ops, gen_array_ops)
except ImportError:  # pragma: no cover - a TensorFlow layout without the generated modules
    _GENERATED = ()

# TensorFlow's op-name -> Python-name rule: "_" before a capital that follows a lower-case letter,
# or that starts a new word after capitals ("BatchMatMulV2" -> "batch_mat_mul_v2", "Conv2D" -> "conv2d").
_WORD = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _python_name(op_name):
    return _WORD.sub("_", op_name).lower()


class _Kernels:
    def __getattr__(self, op_name):
        snake = _python_name(op_name)
        for module in _GENERATED:
            # Some wrappers are private where tf.math re-exports them (Sum -> _sum, Pow -> _pow).
            fn = getattr(module, snake, None) or getattr(module, "_" + snake, None)
            if callable(fn):
                break
        else:
            fn = getattr(tf.raw_ops, op_name)
        setattr(self, op_name, fn)
        return fn


kernels = _Kernels()
