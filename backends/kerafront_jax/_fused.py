"""Overrides of composites (``kerafront.spec.OVERRIDABLE_COMPOSITES``): ``dot_product_attention``.

It computes what the composite in ``kerafront.ops`` computes (Keras's large negative for masked
logits, logits and softmax in float32 for 16-bit inputs, grouped-query attention) with
``jax.nn.dot_product_attention``, which may pick cuDNN's fused kernel on NVIDIA GPUs;
``conformance_tests/test_overrides.py`` checks it against the composite.
"""

import jax
import jax.numpy as jnp

from kerafront.spec_rules import attention_groups

from kerafront_jax._convert import promote_all, to_array


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None):
    query, key, value = promote_all((query, key, value), "dot_product_attention")
    attention_groups(query.shape, key.shape, value.shape)
    if mask is not None:
        mask = to_array(mask)
        mask = mask if mask.dtype == jnp.bool_ else mask != 0
    if bias is not None:
        bias = to_array(bias, query.dtype)
    return jax.nn.dot_product_attention(query, key, value, bias=bias, mask=mask, scale=scale, is_causal=is_causal)
