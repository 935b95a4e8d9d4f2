"""Helpers of ``Layer``: input conversion caches, JSON checks and the automatic config."""

import inspect

from kerafront import config, ops
from kerafront.layers.symbolic import is_shape

_JSON_SCALARS = (str, int, float, bool, type(None))


_native_types = {}  # (backend module, type) -> is a native tensor of that backend
_dtype_names = {}  # (backend module, native dtype object) -> kerafront dtype string


def is_native_tensor(x):
    """``ops.is_tensor(x)``, remembered per (backend, type): this runs on every layer call."""
    key = (config.state.backend, type(x))
    known = _native_types.get(key)
    if known is None:
        known = _native_types[key] = bool(ops.is_tensor(x))
    return known


def dtype_name(x):
    """``ops.dtype(x)``, remembered per (backend, native dtype object)."""
    raw = getattr(x, "dtype", None)
    if raw is None:
        return ops.dtype(x)
    try:
        key = (config.state.backend, raw)
        name = _dtype_names.get(key)
    except TypeError:  # an unhashable dtype object
        return ops.dtype(x)
    if name is None:
        name = _dtype_names[key] = ops.dtype(x)
    return name


def all_numbers(values):
    return all(isinstance(v, (int, float)) or (isinstance(v, (list, tuple)) and all_numbers(v)) for v in values)


def shape_to_json(shapes):
    if is_shape(shapes):
        return list(shapes)
    return [shape_to_json(s) for s in shapes]


def is_json_value(value):
    if isinstance(value, _JSON_SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_json_value(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_json_value(v) for k, v in value.items())
    return False


def auto_config(layer, base_init):
    """The ``__init__`` arguments of a subclass without ``get_config`` (Keras 3's auto-config)."""
    args, kwargs = layer.__dict__.get("_init_call", ((), {}))
    init = type(layer).__init__
    if init is base_init:
        return {}
    bound = inspect.signature(init).bind_partial(layer, *args, **kwargs)
    config = {}
    for name, value in list(bound.arguments.items())[1:]:
        kind = inspect.signature(init).parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                raise ValueError(f"{type(layer).__name__}: cannot make a config from *{name}; implement get_config().")
        else:
            config[name] = value
    for key, value in config.items():
        if not is_json_value(value):
            raise ValueError(
                f"{type(layer).__name__}.get_config: constructor argument {key!r} ({type(value).__name__}) is not a "
                "plain JSON value, so the config cannot be made automatically. Implement get_config() "
                "returning serializable arguments (see kerafront.saving.serialize).")
    return config
