"""Layer case rows: preprocessing layers (see ``kerafront.layers._cases``)."""

from kerafront import layers as L  # noqa: F401
from kerafront.layers._cases import LayerCase as C  # noqa: F401

CASES = [
]
