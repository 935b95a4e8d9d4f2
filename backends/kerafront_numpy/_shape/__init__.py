"""Shape section: ``layout.py`` (reshape, transpose, concatenate, split, tile, pad, flip, slice...) and
``indexing.py`` (take, take_along_axis, scatter, sort, argsort, top_k, and ``getitem`` for ``Box``)."""

from kerafront_numpy._shape.indexing import argsort, getitem, scatter, sort, take, take_along_axis, top_k
from kerafront_numpy._shape.layout import (broadcast_to, concatenate, expand_dims, flip, pad, repeat, reshape, slice,
                                           split, squeeze, stack, tile, transpose)

__all__ = ["reshape", "transpose", "expand_dims", "squeeze", "broadcast_to", "concatenate", "stack", "split", "tile",
           "repeat", "pad", "flip", "slice", "take", "take_along_axis", "scatter", "sort", "argsort", "top_k",
           "getitem"]
