"""Attention layers: ``MultiHeadAttention``, ``Attention`` and ``AdditiveAttention`` (Keras 3's)."""

from kerafront.layers.attention.attention import AdditiveAttention, Attention
from kerafront.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["MultiHeadAttention", "Attention", "AdditiveAttention"]
