"""Rows of the layer case table, one module per layer family (``kerafront.layers.testing`` joins them).

A family module defines ``CASES``, a list of ``LayerCase`` rows; ``family_cases()`` returns them all in
``FAMILIES`` order.
"""

import dataclasses
import importlib

FAMILIES = ("activations", "misc", "spatial", "image", "augmentation", "preprocessing", "more",
            "augmentation_more", "conv_lstm", "audio", "augmentation_policies")


@dataclasses.dataclass(frozen=True)
class LayerCase:
    """A layer configuration and what it must produce.

    ``input_shapes``: one shape, or a list of shapes for merge layers. ``int_inputs``: ids in
    ``[0, int_inputs)`` (Embedding) instead of normal floats. ``training``: call with
    ``training=True`` (the mode a deterministic check uses; Dropout masks depend on the backend's
    generator, so cross-backend comparisons run Dropout rows at inference only).
    """

    id: str
    make: object
    input_shapes: object
    output_shape: tuple
    num_weights: int
    num_params: int
    training: bool = False
    int_inputs: int = 0
    random_in_training: bool = False

    def inputs(self, rng, dtype="float32"):
        shapes = self.input_shapes if isinstance(self.input_shapes, list) else [self.input_shapes]
        if self.int_inputs:
            arrays = [rng.integers(0, self.int_inputs, size=s).astype("int32") for s in shapes]
        else:
            arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
        return arrays if isinstance(self.input_shapes, list) else arrays[0]


def family_cases():
    """Every family module's ``CASES``, in ``FAMILIES`` order."""
    return [case for family in FAMILIES for case in importlib.import_module(f"{__name__}.{family}").CASES]
