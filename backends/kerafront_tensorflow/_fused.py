"""Fused overrides of ``kerafront.ops`` composites (same signature, values and gradients as the composite).

``relu``: the composite ``maximum(0, x)`` lowers to ``Maximum`` plus a ``GreaterEqual``/``Select``
gradient; TensorFlow's ``Relu`` kernel is faster on large activations and lets Grappler fuse it
with the convolution before it (about 10-20% of a small CNN's training step on CPU). Its
registered gradient ``ReluGrad`` gives 0 at exactly 0: the rule of ``spec.KINK_RULES``, which the
composite follows too (``maximum`` sends the tie to the constant 0).
"""

from kerafront_tensorflow._convert import FLOAT_TF, tf
from kerafront_tensorflow._creation import convert_to_tensor
from kerafront_tensorflow._kernels import kernels


def relu(x):
    x = convert_to_tensor(x)
    if x.dtype not in FLOAT_TF:
        return tf.maximum(x, tf.zeros((), x.dtype))
    return kernels.Relu(features=x)
