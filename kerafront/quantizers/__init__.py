"""``keras.quantizers``: quantization functions, ``Quantizer`` objects and their ``get``/``serialize``/
``deserialize`` (Keras 3's names, arguments and defaults; the maths is in ``quantizers.py``).

``get("abs_max_quantizer")`` (or ``"AbsMaxQuantizer"``) builds the class with ``get``'s keyword
arguments; Keras 3.15 passes them as one positional dict, which builds a broken quantizer.
The ``QuantizationConfig`` classes and ``model.quantize`` are not part of kerafront.
"""

import inspect

from kerafront import _lookup
from kerafront.quantizers.quantizers import (AbsMaxQuantizer, Quantizer, abs_max_quantize,
                                             abs_max_quantize_grouped_with_zero_point, compute_float8_amax_history,
                                             compute_float8_scale, fake_quant_with_min_max_vars, pack_int4,
                                             quantize_and_dequantize, unpack_int4)

__all__ = ["Quantizer", "AbsMaxQuantizer", "abs_max_quantize", "abs_max_quantize_grouped_with_zero_point",
           "compute_float8_amax_history", "compute_float8_scale", "fake_quant_with_min_max_vars", "pack_int4",
           "quantize_and_dequantize", "unpack_int4", "get", "serialize", "deserialize"]

ALL_OBJECTS_DICT = {"Quantizer": Quantizer, "AbsMaxQuantizer": AbsMaxQuantizer, "quantizer": Quantizer,
                    "abs_max_quantizer": AbsMaxQuantizer}


def serialize(quantizer):
    """``{"class_name": ..., "config": quantizer.get_config()}``."""
    return _lookup.serialize(quantizer)


def deserialize(config, custom_objects=None):
    """A quantizer from ``serialize``'s dict (class names as Keras's, or registered/custom classes)."""
    from kerafront.saving import serialization
    return serialization.deserialize(config, custom_objects=custom_objects, module_objects=ALL_OBJECTS_DICT)


def get(identifier, **kwargs):
    """A quantizer from a name (built with ``kwargs``), a config dict, a class or a callable; None -> None."""
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = deserialize(identifier)
    elif isinstance(identifier, str):
        obj = ALL_OBJECTS_DICT.get(identifier)
        if obj is None:
            raise ValueError(f"Could not interpret quantizer identifier {identifier!r}. Known names: "
                             f"{', '.join(sorted(ALL_OBJECTS_DICT))}.")
    else:
        obj = identifier
    if not callable(obj):
        raise ValueError(f"Could not interpret quantizer identifier {identifier!r}: expected a name, a config dict, "
                         "a Quantizer or a callable.")
    return obj(**kwargs) if inspect.isclass(obj) else obj
