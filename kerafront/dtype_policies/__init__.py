"""``kerafront.dtype_policies`` (Keras's ``keras.dtype_policies``): dtype policies and their lookup.

``get(identifier)`` takes ``None`` (the global policy), a policy, a name (``"mixed_float16"``,
``"float32"``), a dtype object or a serialized policy dict; ``serialize``/``deserialize`` use Keras's
form ``{"module": "keras", "class_name": "DTypePolicy", "config": {"name": ...}, "registered_name": None}``.
Quantized policies (``QuantizedDTypePolicy``, ``Int4DTypePolicy``, ...) are not provided: their names
raise a ``ValueError`` saying so.
"""

from kerafront.dtype_policies.dtype_policy import QUANTIZATION_MODES, DTypePolicy, FloatDTypePolicy, policy_from_name
from kerafront.dtype_policies.dtype_policy_map import DTypePolicyMap
from kerafront.dtypes import standardize_dtype

__all__ = ["DTypePolicy", "DTypePolicyMap", "FloatDTypePolicy", "deserialize", "get", "serialize"]

ALL_OBJECTS = (DTypePolicy, FloatDTypePolicy, DTypePolicyMap)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in ALL_OBJECTS}
_MODULES = {DTypePolicy: "keras", FloatDTypePolicy: "keras", DTypePolicyMap: "keras.dtype_policies"}


def serialize(dtype_policy):
    """A policy's config in Keras's form (``module``, ``class_name``, ``config``, ``registered_name``)."""
    if not isinstance(dtype_policy, DTypePolicy):
        raise TypeError(f"dtype_policies.serialize: expected a DTypePolicy, received {dtype_policy!r} "
                        f"(of type {type(dtype_policy).__name__}).")
    cls = type(dtype_policy)
    if cls not in _MODULES:
        from kerafront.saving import serialization
        return serialization.serialize(dtype_policy)
    return {"module": _MODULES[cls], "class_name": cls.__name__, "config": dtype_policy.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """A policy from ``serialize``'s output (Keras's form or kerafront's ``{"class_name", "config"}``)."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise ValueError(f"dtype_policies.deserialize: expected a dict with a 'class_name' (DTypePolicy, "
                         f"FloatDTypePolicy or DTypePolicyMap) and a 'config', received {config!r}.")
    name, inner = config["class_name"], config.get("config") or {}
    if name == "Policy":   # tf.keras 2's mixed_precision.Policy
        name = "DTypePolicy"
    cls = ALL_OBJECTS_DICT.get(name)
    if cls is None:
        if name.startswith(("Quantized", "Int4", "GPTQ", "AWQ")):
            raise ValueError(f"dtype_policies.deserialize: {name} (quantized policies) is not supported by "
                             "kerafront; use a float policy such as 'float32' or 'mixed_bfloat16'.")
        from kerafront.saving import serialization
        found = serialization.get_registered_object(name, custom_objects)
        if not (isinstance(found, type) and issubclass(found, DTypePolicy)):
            raise ValueError(f"dtype_policies.deserialize: unknown policy class {name!r}; expected one of "
                             f"{sorted(ALL_OBJECTS_DICT)} or a registered DTypePolicy subclass.")
        cls = found
    if cls is DTypePolicyMap:
        return DTypePolicyMap.from_config(inner, custom_objects)
    return cls.from_config(inner)


def get(identifier):
    """A ``DTypePolicy`` from ``None`` (the global policy), a policy, a name, a dtype or a config dict."""
    from kerafront.dtype_policies.dtype_policy import dtype_policy
    if identifier is None:
        return dtype_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return policy_from_name(identifier, "dtype_policies.get")
    try:
        return DTypePolicy(standardize_dtype(identifier))
    except TypeError:
        raise ValueError("Cannot interpret `dtype` argument. Expected a string or an instance of DTypePolicy. "
                         f"Received: dtype={identifier}") from None
