"""The nn section: ``conv.py`` (conv, conv_transpose by im2col/col2im) and ``pool.py`` (max_pool,
average_pool by separable tap reductions), both on the (N, H, W, C) plane of ``windows.py``."""

from kerafront_numpy._nn.conv import conv, conv_transpose
from kerafront_numpy._nn.pool import average_pool, max_pool

__all__ = ["conv", "conv_transpose", "max_pool", "average_pool"]
