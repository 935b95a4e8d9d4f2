"""A Keras model's compile state (optimizer, loss, metrics) to and from ``model.compile`` arguments.

Reading takes every form a Keras file holds: Keras 3's ``compile_config`` (``.keras``; objects in
Keras 3's serialized form, ``module`` included) and the legacy ``training_config`` (``.h5`` by Keras 3
or tf.keras 2: ``optimizer_config``, optimizers registered as ``Custom>Adam``, losses and metrics as
``LossFunctionWrapper``/``MeanMetricWrapper`` dicts naming their function, one metric list per
output). Objects are rebuilt through ``keras_config.translate_object``, so the same allow-list and
Keras-only-argument rules apply. Writing gives Keras 3's ``compile_config`` of a compiled model.
"""

from kerafront.saving.keras_config import _KERAS_KINDS, _shown, _to_keras, _user_object, translate_object


def compile_arguments_from_keras(compile_config, custom_objects=None, where="compile_config", model=None):
    """``model.compile`` keyword arguments from the compile state of a Keras file, in any of its forms.

    Keras 3 ``.keras``: ``compile_config`` (``optimizer`` as an object dict with ``module``). Legacy
    ``.h5``: ``training_config`` (``optimizer_config``; from tf.keras 2, optimizers registered as
    ``Custom>Adam``, losses and metrics as ``LossFunctionWrapper``/``MeanMetricWrapper`` dicts naming
    their function, losses with ``reduction: "auto"``, and one metric list per output, which becomes
    a flat list when ``model`` has one output). ``ValueError`` names what kerafront cannot rebuild and
    says to load with ``compile=False``.
    """
    from kerafront import losses, metrics, optimizers
    if not isinstance(compile_config, dict):
        raise ValueError(f"{where}: expected a dict, got {_shown(compile_config)}.")
    try:
        optimizer = compile_config.get("optimizer", compile_config.get("optimizer_config"))
        if isinstance(optimizer, dict):
            optimizer = optimizers.deserialize(_compile_object(optimizer, "optimizers", custom_objects, where),
                                               custom_objects)
        arguments = {"optimizer": "rmsprop" if optimizer is None else optimizer,
                     "loss": _compile_nested(compile_config.get("loss"), "losses", losses.deserialize, custom_objects,
                                             where),
                     "loss_weights": compile_config.get("loss_weights")}
        single_output = model is not None and len(getattr(model, "outputs", None) or ()) <= 1
        for key in ("metrics", "weighted_metrics"):
            value = _compile_nested(compile_config.get(key), "metrics", metrics.deserialize, custom_objects, where)
            if single_output and isinstance(value, list) and len(value) == 1 and isinstance(value[0], list):
                value = value[0]  # tf.keras 2 writes one metric list per output
            if value or key == "metrics":
                arguments[key] = value
    except ValueError as error:
        raise ValueError(f"{error} (To load the model without its compile state, pass compile=False and compile "
                         "it yourself.)") from None
    return arguments


_WRAPPERS = ("LossFunctionWrapper", "MeanMetricWrapper")


def _compile_nested(value, family, deserialize, custom_objects, where):
    """A loss/metric structure (a name, an object dict, a list or a dict by output) with objects rebuilt."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and "class_name" in value:
        if value["class_name"] in _WRAPPERS and not value.get("module"):  # tf.keras 2: a wrapped function
            inner = value.get("config") or {}
            name = inner.get("name")
            return name if name in ("accuracy", "acc") or not isinstance(inner.get("fn"), str) else inner["fn"]
        try:
            return deserialize(_compile_object(value, family, custom_objects, where), custom_objects)
        except (TypeError, KeyError) as error:
            raise ValueError(f"{where}: cannot rebuild the {family[:-1]} {_shown(value)} ({error}).") from None
    if isinstance(value, dict):
        return {k: _compile_nested(v, family, deserialize, custom_objects, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_compile_nested(v, family, deserialize, custom_objects, where) for v in value]
    raise ValueError(f"{where}: expected a name, an object or a list/dict of them, got {_shown(value)}.")


def _compile_object(value, family, custom_objects, where):
    """A Keras optimizer/loss/metric dict in kerafront's form. Without a ``module`` (legacy files) it is
    looked up in ``family``; tf.keras 2's ``Custom>`` prefix on built-in optimizers is dropped, and so
    is a built-in loss's ``fn`` (its own function's name); its ``reduction`` of ``"auto"`` is tf.keras 2's
    name for ``"sum_over_batch_size"``."""
    value = dict(value)
    class_name = value["class_name"]
    if not value.get("module") and isinstance(class_name, str) and not _user_object(class_name, custom_objects):
        if class_name.startswith("Custom>") and family == "optimizers":
            value["class_name"] = class_name[len("Custom>"):]
        value["module"] = _KERAS_KINDS[family]
        inner = value.get("config")
        if isinstance(inner, dict):
            inner = dict(inner)
            schedule = inner.get("learning_rate")
            if isinstance(schedule, dict) and isinstance(schedule.get("class_name"), str) \
                    and not schedule.get("module") and not _user_object(schedule["class_name"], custom_objects):
                inner["learning_rate"] = dict(schedule, module=_KERAS_KINDS["schedules"])
            if family == "losses" and inner.get("reduction") == "auto":
                inner["reduction"] = "sum_over_batch_size"
            if family == "losses" and isinstance(inner.get("fn"), str):
                inner.pop("fn")  # tf.keras 2 built-in loss classes name their own function
            value["config"] = inner
    return translate_object(value, custom_objects, f"{where}.{family}")


def keras_compile_config(model):
    """Keras 3's ``compile_config`` of a compiled kerafront model, or ``None``."""
    from kerafront import losses, metrics, optimizers
    if not getattr(model, "compiled", False):
        return None
    config = model._compile_config

    def nested(value, serialize):
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        if isinstance(value, dict):
            return {k: nested(v, serialize) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [nested(v, serialize) for v in value]
        return _to_keras(serialize(value))

    optimizer = _to_keras(optimizers.serialize(model.optimizer))
    return {"optimizer": optimizer, "loss": nested(config.get("loss"), losses.serialize),
            "loss_weights": config.get("loss_weights"), "metrics": nested(config.get("metrics"), metrics.serialize),
            "weighted_metrics": nested(config.get("weighted_metrics"), metrics.serialize),
            "run_eagerly": bool(config.get("run_eagerly")), "steps_per_execution": 1,
            "jit_compile": bool(config.get("jit_compile") or False)}
