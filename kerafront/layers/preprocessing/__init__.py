"""Preprocessing layers: image (resizing, augmentation), structured data and text.

Each layer lives in its own module; ``kerafront.layers`` exports them.
"""
