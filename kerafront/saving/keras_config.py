"""Keras model configs to and from kerafront, without importing anything a config names.

``model_from_keras_config(config, custom_objects=None)`` rebuilds a kerafront model from the config
of a Keras 3 ``.keras`` file (objects as ``{"module", "class_name", "config", "registered_name",
"build_config"}``, ``DTypePolicy`` dicts, functional ``inbound_nodes`` with ``__keras_tensor__``
arguments) or of a tf.keras 2 file (no ``module``; ``batch_input_shape``; inbound nodes as nested
lists ``[["layer", node, tensor, {kwargs}], ...]``). ``keras_config_from_model(model)`` gives the
Keras 3 config of a kerafront model, which real Keras 3 deserializes.

A Keras config is translated into kerafront's own ``{"class_name", "config"}`` form first, then
rebuilt by ``kerafront.saving.serialization`` -- so classes resolve only through kerafront's
built-ins, registered classes and ``custom_objects``; a ``module`` is read as text and never
imported. An object from a module outside ``KERAS_MODULES`` must be registered or passed in
``custom_objects`` (else ``ValueError``, whatever the module: ``os``, ``builtins``...). A Keras class
kerafront does not have raises ``ValueError`` naming it. A Keras-only argument kerafront does not
take is dropped when it holds its neutral value (``KERAS_ONLY_DEFAULTS``: the feature is off) and
refused otherwise. tf.keras 2 spellings that Keras 3 reads in its own way (one-item ``axis`` lists,
Embedding's ``input_length``, LeakyReLU's ``alpha``, MultiHeadAttention's ``query_shape``...) are
translated first (``_legacy_arguments``). A ``Lambda`` layer's function is never unmarshalled: it
comes from ``custom_objects``, looked up by the layer's name, then by the function's name in the
file. The compile state (optimizer, loss, metrics) is ``keras_compile``'s.
"""

import inspect

from kerafront import initializers
from kerafront.saving import serialization

KERAS_MODULES = ("keras", "tf_keras", "tensorflow.keras", "tensorflow.python.keras")
MODEL_CLASSES = ("Sequential", "Functional", "Model")

# Keras arguments kerafront lacks, with the values that leave Keras's behaviour identical to kerafront's
# (``None``: any value, because the argument matters only when another one above is on).
KERAS_ONLY_DEFAULTS = {
    "quantization_config": (None,), "lora_rank": (None, 0), "lora_alpha": (None,), "lora_enabled": (False,),
    "sparse": (False,), "ragged": (False,), "optional": (False,), "synchronized": (False,), "renorm": (False,),
    "renorm_clipping": (None, {}), "renorm_momentum": None, "input_axes": (None,), "output_axes": (None,),
    "flash_attention": (None, False), "autocast": (True,), "time_major": (False,), "implementation": None,
    "use_ema": (False,), "ema_momentum": None, "ema_overwrite_frequency": None, "loss_scale_factor": (None,),
    "gradient_accumulation_steps": (None, 1), "is_legacy_optimizer": (False,), "decay": (0, 0.0),
    "jit_compile": None, "fused": (None, True, False), "virtual_batch_size": (None,), "adjustment": (None,),
    "reset_after_unroll": None, "build_input_shape": None, "input_dtype": None,
    "softmax_robust_masking": (False,), "rng_type": None,
}

_KERAS_KINDS = {"layers": "keras.layers", "initializers": "keras.initializers", "regularizers": "keras.regularizers",
                "constraints": "keras.constraints", "optimizers": "keras.optimizers", "losses": "keras.losses",
                "metrics": "keras.metrics", "schedules": "keras.optimizers.schedules"}


def _shown(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


# ------------------------------------------------------------------------------------------------
# Keras -> kerafront

def model_from_keras_config(config, custom_objects=None):
    """A kerafront model from a Keras 3 or tf.keras 2 model config (``{"class_name", "config", ...}``).

    The model is built when the config says how (an ``InputLayer``, a functional graph, a
    ``build_config``); ``ValueError``/``TypeError`` name what in the config kerafront cannot take.
    """
    translated = translate_object(config, custom_objects, "model")
    if not isinstance(translated, dict) or translated.get("class_name") not in MODEL_CLASSES \
            and not _is_custom_model(translated, custom_objects):
        raise ValueError(f"model_from_keras_config: the config does not describe a model (class "
                         f"{_shown(config.get('class_name') if isinstance(config, dict) else config)}).")
    model = serialization.deserialize(translated, custom_objects)
    build_config = config.get("build_config") if isinstance(config, dict) else None
    if not model.built and isinstance(build_config, dict) and build_config.get("input_shape") is not None:
        model.build_from_config(build_config)
    return model


def is_keras_form(config):
    """Whether a model config (the inner ``config``) is in Keras's form rather than kerafront's: its
    objects carry a ``module``, its dtype is a DTypePolicy dict or its inbound nodes are tf.keras 2 lists."""
    layers = config.get("layers") if isinstance(config, dict) else None
    if not isinstance(layers, list):
        return False
    return isinstance(config.get("dtype"), dict) or any(
        isinstance(entry, dict) and ("module" in entry
                                     or any(isinstance(node, list) for node in entry.get("inbound_nodes", [])))
        for entry in layers)


def _is_custom_model(translated, custom_objects):
    from kerafront.models import Model
    cls = serialization.get_registered_object(translated.get("class_name"), custom_objects)
    return inspect.isclass(cls) and issubclass(cls, Model)


def translate_object(value, custom_objects=None, where="config"):
    """Keras's serialized form of ``value`` (an object dict, a list, a name) in kerafront's form."""
    if isinstance(value, list):
        return [translate_object(v, custom_objects, where) for v in value]
    if not isinstance(value, dict):
        return value
    if "class_name" not in value:
        return {k: translate_object(v, custom_objects, f"{where}.{k}") for k, v in value.items()}
    class_name, module = value["class_name"], value.get("module")
    if not isinstance(class_name, str):
        raise ValueError(f"{where}: class_name must be a string, got {_shown(class_name)}.")
    inner = value.get("config")
    if class_name in ("DTypePolicy", "FloatDTypePolicy", "Policy"):
        return _dtype_name(inner, where)
    if class_name == "DTypePolicyMap":
        return value   # kerafront.dtype_policies reads Keras's form as it is
    if class_name in ("__tensor__", "__numpy__"):
        raise ValueError(f"{where}: the config holds a constant tensor ({class_name}); kerafront reads constants "
                         "only as weights.")
    if class_name in ("function", "__function__"):
        return _function_name(value, custom_objects, where)
    if class_name in ("__lambda__",):
        raise ValueError(f"{where}: the config holds a Python lambda as marshalled bytecode; kerafront never "
                         "runs code from a file. Pass the function in custom_objects.")
    cls = _resolve_class(class_name, module, value.get("registered_name"), custom_objects, where)
    where = f"{where} {class_name}" + (f" {inner.get('name')!r}" if isinstance(inner, dict) and "name" in inner else "")
    if inner is None:
        inner = {}
    if not isinstance(inner, dict):
        if class_name in MODEL_CLASSES:
            raise ValueError(f"{where}: 'config' must be a dict, got {_shown(inner)}.")
        return {"class_name": serialization.get_registered_name(cls), "config": inner}
    if class_name == "Sequential":
        return {"class_name": "Sequential", "config": _sequential_config(inner, custom_objects, where)}
    if class_name in ("Functional", "Model") and "layers" in inner:
        return {"class_name": "Functional", "config": _functional_config(inner, custom_objects, where)}
    if class_name == "Lambda":
        return {"class_name": "Lambda", "config": _lambda_config(inner, custom_objects, where)}
    inner, build_config = _legacy_arguments(cls, inner, where)
    translated = {"class_name": serialization.get_registered_name(cls),
                  "config": _layer_like_config(cls, inner, custom_objects, where)}
    build_config = build_config or value.get("build_config")
    if isinstance(build_config, dict):
        translated["build_config"] = build_config
    return translated


def _legacy_arguments(cls, inner, where):
    """``(inner, build_config)``: tf.keras 2 and older Keras spellings in the form kerafront's ``cls``
    takes, as Keras 3 reads them (``keras/src/legacy/saving``), and the build shapes they carry.

    ``axis: [3]`` (a one-item list) is ``3``; Embedding's ``input_length`` (tf.keras 2; its shape is
    already in ``batch_input_shape``) is dropped; LeakyReLU's ``alpha`` is ``negative_slope``;
    MultiHeadAttention's ``query_shape``/``value_shape``/``key_shape`` become its build config;
    ``trainable`` is dropped for a class without it (preprocessing layers: no trainable weights).
    """
    accepted = _accepted_arguments(cls) if inspect.isclass(cls) else None
    if accepted is None:
        return inner, None
    inner = dict(inner)
    axis = inner.get("axis")
    if isinstance(axis, list) and len(axis) == 1 and type(axis[0]) is int:
        inner["axis"] = axis[0]
    if "input_length" in inner and "input_length" not in accepted:
        length = inner.pop("input_length")
        if length is not None and not (type(length) is int and length > 0):
            raise ValueError(f"{where}: input_length must be None or a positive int, got {_shown(length)}.")
    if "alpha" in inner and "alpha" not in accepted and "negative_slope" in accepted:
        inner.setdefault("negative_slope", inner.pop("alpha"))
    if "trainable" in inner and "trainable" not in accepted:
        inner.pop("trainable")
    shapes = {key: inner.pop(key) for key in ("query_shape", "value_shape", "key_shape")
              if key in inner and key not in accepted}
    build_config = None
    if shapes.get("query_shape") is not None and shapes.get("value_shape") is not None:
        build_config = {"shapes_dict": {key: shape for key, shape in shapes.items() if shape is not None}}
    return inner, build_config


def build_from_keras(layer, build_config):
    """Build ``layer`` from a Keras ``build_config`` (``{"input_shape": ...}`` or ``{"shapes_dict": ...}``),
    as Keras does when it deserializes a layer; ``ValueError`` names the layer when the shapes do not fit."""
    try:
        layer.build_from_config(build_config)
    except (TypeError, ValueError, KeyError, IndexError) as error:
        raise ValueError(f"{type(layer).__name__} {getattr(layer, 'name', '')!r}: cannot build from the config's "
                         f"build shapes {_shown(build_config)} ({error}).") from None


def _dtype_name(inner, where):
    name = inner.get("name") if isinstance(inner, dict) else inner
    if not isinstance(name, str):
        raise ValueError(f"{where}: a DTypePolicy needs a name string, got {_shown(inner)}.")
    return name


def _function_name(value, custom_objects, where):
    name = value.get("registered_name") or value.get("config")
    if not isinstance(name, str) or serialization.get_registered_object(name, custom_objects) is None:
        raise ValueError(f"{where}: the config names the function {_shown(name)} (module "
                         f"{_shown(value.get('module'))}), which is neither a kerafront function nor registered. Pass "
                         "it in custom_objects={'name': function}.")
    return name


def _is_keras_module(module):
    return module is None or (isinstance(module, str)
                              and any(module == m or module.startswith(m + ".") for m in KERAS_MODULES))


def _resolve_class(class_name, module, registered_name, custom_objects, where):
    """The kerafront class for a Keras object: the user's (custom_objects, scopes, registry) first."""
    if class_name in MODEL_CLASSES:
        from kerafront import models
        return models.Functional if class_name == "Model" else getattr(models, class_name)
    for name in (registered_name, class_name):
        user = _user_object(name, custom_objects) if isinstance(name, str) else None
        if user is not None:
            return user
    if not _is_keras_module(module):
        raise ValueError(f"{where}: refusing class {_shown(class_name)} from module {_shown(module)}: it is not a "
                         "Keras built-in, and it is neither registered (@kerafront.saving.register_keras_serializable) "
                         "nor passed in custom_objects. kerafront never imports a module named in a file.")
    builtin = _builtin(class_name, module)
    if builtin is None:
        raise ValueError(f"{where}: the Keras class {class_name!r} ({module or 'keras'}) has no kerafront counterpart: "
                         "kerafront does not have it. Replace it in the Keras model, or pass an equivalent class in "
                         f"custom_objects={{{class_name!r}: ...}}.")
    return builtin


def _builtin(class_name, module):
    """kerafront's class for a Keras built-in, looked up in the family its module names."""
    import kerafront
    families = {"schedules": "optimizers.schedules", "optimizers": "optimizers", "losses": "losses",
                "metrics": "metrics", "initializers": "initializers"}
    for marker, family in families.items():
        if isinstance(module, str) and marker in module.split("."):
            namespace = kerafront
            for part in family.split("."):
                namespace = getattr(namespace, part)
            found = getattr(namespace, class_name, None)
            if found is None and family == "initializers":
                found = initializers._find(class_name)
            return found if inspect.isclass(found) else None
    return serialization.get_registered_object(class_name) or initializers._find(class_name)


def _user_object(name, custom_objects):
    """A user's object for ``name`` (custom_objects, scopes, registry), never a built-in."""
    found = serialization.get_registered_object(name, custom_objects, module_objects={})
    return None if found is serialization._builtin_objects().get(name) else found


def _accepted_arguments(cls):
    """Constructor keyword names of ``cls`` (following ``**kwargs`` up the bases), or ``None`` for any."""
    names = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        try:
            params = inspect.signature(vars(klass)["__init__"]).parameters
        except (TypeError, ValueError):
            return None
        names.update(n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()) or klass in _closed_bases():
            return names - {"self"}
    return None


def _closed_bases():
    """Bases whose ``**kwargs`` refuse unknown names (so a subclass takes only the names they list)."""
    from kerafront.layers.layer import Layer
    from kerafront.optimizers.optimizer import Optimizer
    return (Layer, Optimizer)


def _is_neutral(key, value):
    allowed = KERAS_ONLY_DEFAULTS.get(key, ())
    return allowed is None or any(value == a and type(value) is type(a) or value is a for a in allowed) \
        or (isinstance(value, (int, float)) and not isinstance(value, bool) and value in allowed)


def _layer_like_config(cls, inner, custom_objects, where):
    accepted = _accepted_arguments(cls) if inspect.isclass(cls) else None
    out = {}
    for key, value in inner.items():
        if key == "batch_input_shape" and accepted is not None and "batch_shape" in accepted:
            key = "batch_shape"
        if accepted is not None and key not in accepted:
            if key in KERAS_ONLY_DEFAULTS and _is_neutral(key, value):
                continue
            raise ValueError(f"{where}: kerafront's {cls.__name__} has no argument {key!r} (the file sets it to "
                             f"{_shown(value)}); only the default of this Keras option can be loaded.")
        out[key] = translate_object(value, custom_objects, f"{where}.{key}")
    return out


def _sequential_config(inner, custom_objects, where):
    out = {"name": inner.get("name", "sequential"), "trainable": inner.get("trainable", True)}
    if "dtype" in inner:
        out["dtype"] = translate_object(inner["dtype"], custom_objects, where)
    layers = inner.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"{where}: a Sequential config needs a 'layers' list, got {_shown(layers)}.")
    out["layers"] = [translate_object(layer, custom_objects, f"{where} layer {i}") for i, layer in enumerate(layers)]
    if inner.get("build_input_shape") is not None:
        out["build_input_shape"] = inner["build_input_shape"]
    return out


def _functional_config(inner, custom_objects, where):
    layers = inner.get("layers")
    if not isinstance(layers, list):
        raise ValueError(f"{where}: a functional config needs a 'layers' list, got {_shown(layers)}.")
    out_layers = []
    for i, entry in enumerate(layers):
        if not isinstance(entry, dict):
            raise ValueError(f"{where}: layer entry {i} must be a dict, got {_shown(entry)}.")
        translated = translate_object({k: v for k, v in entry.items() if k not in ("name", "inbound_nodes")},
                                      custom_objects, f"{where} layer {i}")
        name = entry.get("name", (entry.get("config") or {}).get("name"))
        nodes = entry.get("inbound_nodes", [])
        if not isinstance(nodes, list):
            raise ValueError(f"{where}: layer {name!r} has inbound_nodes {_shown(nodes)}; expected a list.")
        out_layers.append({"class_name": translated["class_name"], "config": translated["config"], "name": name,
                           "inbound_nodes": [_node(node, f"{where} layer {name!r}") for node in nodes]})
    return {"name": inner.get("name", "model"), "trainable": inner.get("trainable", True), "layers": out_layers,
            "input_layers": inner.get("input_layers"), "output_layers": inner.get("output_layers")}


def _node(node, where):
    """One inbound node as kerafront's ``{"args": [...], "kwargs": {...}}``."""
    if isinstance(node, list):  # tf.keras 2: [["layer", node_index, tensor_index, {kwargs}], ...]
        refs, kwargs = [], {}
        for item in node:
            if not (isinstance(item, list) and len(item) in (3, 4)):
                raise ValueError(f"{where}: malformed legacy inbound node entry {_shown(item)}.")
            refs.append({"__keras_tensor__": list(item[:3])})
            if len(item) == 4:
                if not isinstance(item[3], dict):
                    raise ValueError(f"{where}: the call arguments of a legacy inbound node must be a dict.")
                kwargs = {k: _legacy_kwarg(v) for k, v in item[3].items()}
        return {"args": [refs[0] if len(refs) == 1 else refs], "kwargs": kwargs}
    if not isinstance(node, dict):
        raise ValueError(f"{where}: malformed inbound node {_shown(node)}.")
    return {"args": _tensor_refs(node.get("args", []), where), "kwargs": _tensor_refs(node.get("kwargs", {}), where)}


def _legacy_kwarg(value):
    if isinstance(value, list) and len(value) in (3, 4) and isinstance(value[0], str) \
            and all(type(i) is int for i in value[1:3]):
        return {"__keras_tensor__": list(value[:3])}
    return value


def _tensor_refs(value, where):
    if isinstance(value, dict):
        if value.get("class_name") == "__keras_tensor__":
            history = (value.get("config") or {}).get("keras_history")
            return {"__keras_tensor__": history}
        if "class_name" in value:
            raise ValueError(f"{where}: a call argument holds an object {_shown(value.get('class_name'))}; kerafront "
                             "rebuilds calls whose arguments are tensors and plain values only.")
        return {k: _tensor_refs(v, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_tensor_refs(v, where) for v in value]
    return value


def _lambda_config(inner, custom_objects, where):
    """A Keras ``Lambda``: its function comes from ``custom_objects`` (layer name, then function name)."""
    custom_objects = custom_objects or {}
    layer_name = inner.get("name")
    function = inner.get("function")
    function_name = None
    if isinstance(function, dict):
        function_name = function.get("registered_name") or (function.get("config") if isinstance(
            function.get("config"), str) else None)
    elif isinstance(function, str):
        function_name = function
    chosen = function if callable(function) else next(  # a callable: a config already translated in memory
        (custom_objects[n] for n in (layer_name, function_name)
         if isinstance(n, str) and n in custom_objects and callable(custom_objects[n])), None)
    if chosen is None:
        by_function = f" or {{{function_name!r}: function}} (by the function's name)" if function_name else ""
        raise ValueError(f"{where}: a Lambda layer's function is stored as Python bytecode or a module path, which "
                         "kerafront never runs. Pass the function: custom_objects={"
                         f"{layer_name!r}: function}} (by the layer's name){by_function}.")
    out = {"function": chosen, "name": layer_name}
    output_shape = inner.get("output_shape")
    if isinstance(output_shape, (list, tuple)) and all(d is None or type(d) is int for d in output_shape):
        out["output_shape"] = tuple(output_shape)
    if inner.get("arguments"):
        out["arguments"] = inner["arguments"]
    for key in ("trainable", "dtype"):
        if key in inner:
            out[key] = translate_object(inner[key], custom_objects, where)
    return out


# ------------------------------------------------------------------------------------------------
# kerafront -> Keras 3

def keras_config_from_model(model):
    """The Keras 3 config (``module``, ``class_name``, ``config``, ``registered_name``,
    ``build_config``, ``compile_config``) of a kerafront model."""
    from kerafront.models import Functional, Sequential
    config = keras_object(model)
    if isinstance(model, Sequential):
        build = model.get_build_config() if model.built else None
        if build is None and model.inputs is not None:
            build = {"input_shape": list(model.inputs[0].shape)}
        config["build_config"] = build
    elif isinstance(model, Functional):
        config["build_config"] = {"input_shape": None}
    from kerafront.saving.keras_compile import keras_compile_config
    compile_config = keras_compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    return config


def keras_object(obj):
    """``obj`` serialized in Keras 3's form (modules, registered names, DTypePolicy dicts)."""
    from kerafront.models import Functional
    entry = serialization.serialize(obj)
    if isinstance(obj, Functional):
        entry["config"] = _keras_functional(obj, entry["config"])
        return _keras_wrapped(type(obj), entry)
    return _to_keras(entry)


def _kind_of(cls):
    from kerafront import constraints, layers, losses, metrics, optimizers, regularizers
    from kerafront.optimizers import schedules
    bases = [(layers.Layer, "layers"), (initializers.Initializer, "initializers"),
             (regularizers.Regularizer, "regularizers"), (constraints.Constraint, "constraints"),
             (optimizers.Optimizer, "optimizers"), (losses.Loss, "losses"), (metrics.Metric, "metrics"),
             (schedules.LearningRateSchedule, "schedules")]
    return next((kind for base, kind in bases if inspect.isclass(cls) and issubclass(cls, base)), None)


def _keras_wrapped(cls, entry):
    name = entry["class_name"]
    config = entry["config"]
    if ">" in name:
        return {"module": cls.__module__, "class_name": cls.__name__, "config": config, "registered_name": name}
    if name == "Sequential":
        return {"module": "keras", "class_name": "Sequential", "config": config, "registered_name": None}
    if name == "Functional":
        return {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
                "registered_name": "Functional"}
    module = _KERAS_KINDS.get(_kind_of(cls), "keras")
    return {"module": module, "class_name": name, "config": config, "registered_name": None}


def _to_keras(value, key=None):
    if isinstance(value, list):
        return [_to_keras(v) for v in value]
    if not isinstance(value, dict):
        if key == "dtype" and isinstance(value, str):
            return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": value},
                    "registered_name": None}
        return value
    if set(value) == {"class_name", "config"} and isinstance(value["class_name"], str):
        cls = _kerafront_class(value["class_name"])
        config = value["config"]
        if value["class_name"] == "Sequential" and isinstance(config, dict):
            config = dict(config, layers=[_to_keras(layer) for layer in config.get("layers", [])])
            if "dtype" in config:
                config["dtype"] = _to_keras(config["dtype"], "dtype")
        elif isinstance(config, dict):
            config = {k: (v if k == "batch_shape" else _to_keras(v, k)) for k, v in config.items()}
        return _keras_wrapped(cls, {"class_name": value["class_name"], "config": config})
    return {k: _to_keras(v, k) for k, v in value.items()}


def _kerafront_class(name):
    """kerafront's class named ``name`` (registered, a layer..., an optimizer, a loss, a metric), or ``None``."""
    from kerafront import losses, metrics, optimizers
    from kerafront.optimizers import schedules
    found = serialization.get_registered_object(name)
    for family in (optimizers, losses, metrics, schedules):
        if found is not None:
            break
        found = getattr(family, name, None)
    return found if inspect.isclass(found) else None


def _keras_functional(model, config):
    """Functional config with Keras's ``__keras_tensor__`` arguments (shape, dtype, keras_history)."""
    by_name = {layer.name: layer for layer in model.layers}

    def tensor(history):
        name, node_index, tensor_index = history
        layer = by_name[name]
        if not model._layer_nodes(layer):  # an InputLayer
            kt = layer.output_tensor
        else:
            kt = model._layer_nodes(layer)[node_index].flat_outputs[tensor_index]
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(kt.shape), "dtype": str(kt.dtype), "keras_history": list(history)}}

    def refs(value):
        if isinstance(value, dict) and set(value) == {"__keras_tensor__"}:
            return tensor(value["__keras_tensor__"])
        if isinstance(value, dict):
            return {k: refs(v) for k, v in value.items()}
        if isinstance(value, list):
            return [refs(v) for v in value]
        return value

    layers = []
    for entry in config["layers"]:
        keras_entry = _to_keras({"class_name": entry["class_name"], "config": entry["config"]})
        keras_entry["name"] = entry["name"]
        keras_entry["inbound_nodes"] = [refs(node) for node in entry["inbound_nodes"]]
        layers.append(keras_entry)
    return dict(config, layers=layers)
