"""``keras.preprocessing.sequence``: ``pad_sequences``."""

from kerafront.utils import pad_sequences

__all__ = ["pad_sequences"]
