"""``save_model``/``load_model`` and ``save_weights``/``load_weights`` (see ``archive`` for the format).

Loading builds the whole model and checks every weight (names, shapes, dtypes) before assigning
any, so a broken file never yields a partly loaded model.
"""

import datetime
import os
import warnings

import kerafront
from kerafront import losses, metrics, ops, optimizers
from kerafront.dtypes import is_float
from kerafront.saving import weights_file
from kerafront.saving.serialization import deserialize, serialize



def _archive():
    """The archive module, imported on first save/load: it brings zipfile and tempfile, which
    ``import kerafront`` does not need."""
    from kerafront.saving import archive
    return archive


_CONFIG_KEYS = {"model", "build_config", "compile_config"}
_METADATA_KEYS = {"format", "format_version", "kerafront_version", "backend", "date"}
_COMPILE_KEYS = {"optimizer", "loss", "loss_weights", "metrics", "run_eagerly", "jit_compile"}


def _keyed(variables):
    """``{unique key: variable}``: the variable's path, with ``#n`` appended to repeats."""
    keyed, counts = {}, {}
    for variable in variables:
        key = variable.path
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            key = f"{key}#{counts[key] - 1}"
        keyed[key] = variable
    return keyed


def _arrays(variables):
    return {key: ops.convert_to_numpy(v.value) for key, v in _keyed(variables).items()}


def _serialize_nested(value, serialize_one):
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _serialize_nested(v, serialize_one) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_nested(v, serialize_one) for v in value]
    return serialize_one(value)


def _compile_config(model):
    if not getattr(model, "compiled", False):
        return None
    config = dict(model._compile_config)
    try:
        return {"optimizer": optimizers.serialize(model.optimizer),
                "loss": _serialize_nested(config["loss"], losses.serialize),
                "loss_weights": config["loss_weights"],
                "metrics": _serialize_nested(config["metrics"], metrics.serialize),
                "run_eagerly": config["run_eagerly"], "jit_compile": config["jit_compile"]}
    except ValueError as error:
        warnings.warn(f"save: the compile configuration cannot be saved ({error}); the file holds the model "
                      "and its weights only, so compile it again after loading.", stacklevel=3)
        return None


def save_model(model, filepath):
    """Write ``model`` (config, weights, compile config and optimizer state) to ``filepath`` atomically."""
    config = {"model": serialize(model), "build_config": model.get_build_config(),
              "compile_config": _compile_config(model)}
    metadata = {"format": "kerafront", "format_version": _archive().FORMAT_VERSION,
                "kerafront_version": kerafront.__version__, "backend": kerafront.backend(),
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    optimizer_weights = None
    if config["compile_config"] is not None and model.optimizer.built:
        optimizer_weights = _arrays(model.optimizer.variables)
    _archive().write_archive(filepath, metadata, config, _arrays(model.variables), optimizer_weights)


def _check_keys(where, found, expected, optional=()):
    found = set(found)
    missing = expected - found - set(optional)
    extra = found - expected
    if missing or extra:
        raise ValueError(f"{where}: expected keys {sorted(expected)}; missing {sorted(missing)}, "
                         f"unexpected {sorted(extra)}.")


def _match(where, variables, arrays):
    """Pair each variable with its array, checking names, shapes and dtypes of all before any assign."""
    keyed = _keyed(variables)
    missing = [k for k in keyed if k not in arrays]
    unexpected = [k for k in arrays if k not in keyed]
    if missing or unexpected:
        raise ValueError(f"{where}: the file's weights do not match the model: missing {missing[:10]}, "
                         f"unexpected {unexpected[:10]}.")
    pairs = []
    for key, variable in keyed.items():
        array = arrays[key]
        if tuple(array.shape) != tuple(variable.shape):
            raise ValueError(f"{where}: weight {key!r} has shape {tuple(array.shape)} in the file, the model "
                             f"expects {tuple(variable.shape)}.")
        if (array.dtype.kind == "f" or array.dtype.name == "bfloat16") != is_float(variable.dtype):
            raise ValueError(f"{where}: weight {key!r} has dtype {array.dtype} in the file, the model expects "
                             f"{variable.dtype}.")
        pairs.append((variable, array))
    return pairs


def _match_by_order(where, variables, arrays):
    """Pair variables with arrays by position (another instance's layer names may differ), as Keras does."""
    if len(arrays) != len(variables):
        raise ValueError(f"{where}: the file holds {len(arrays)} weights, the model has {len(variables)} "
                         f"({', '.join(v.path for v in variables[:6])}{', ...' if len(variables) > 6 else ''}).")
    renamed = {key: array for key, array in zip(_keyed(variables), arrays.values())}
    return _match(where, variables, renamed)


def _assign(pairs):
    for variable, array in pairs:
        variable.assign(array)


def load_model(filepath, custom_objects=None, compile=True):
    """Rebuild a model saved by ``save_model``. Never executes code from the file.

    Raises ``ValueError`` for a broken or hostile file, with no partially loaded model.
    """
    path = os.fspath(filepath)
    with _archive().Archive(path) as archive:
        metadata = archive.read_json("metadata.json")
        _check_keys(f"{path}: metadata.json", metadata, _METADATA_KEYS)
        if metadata["format"] != "kerafront" or metadata["format_version"] != _archive().FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported format {metadata['format']!r} version "
                             f"{metadata['format_version']!r}; this kerafront reads version "
                             f"{_archive().FORMAT_VERSION}.")
        config = archive.read_json("config.json")
        _check_keys(f"{path}: config.json", config, _CONFIG_KEYS)
        model_arrays = archive.read_weights("model.weights.safetensors")
        optimizer_arrays = (archive.read_weights("optimizer.weights.safetensors")
                            if archive.has("optimizer.weights.safetensors") else None)
    model = _build_model(path, config, custom_objects)
    pairs = _match(path, model.variables, model_arrays)
    compile_config = config["compile_config"]
    optimizer_pairs = []
    if compile and compile_config is not None:
        _compile_from_config(path, model, compile_config, custom_objects)
        if optimizer_arrays is not None:
            model.optimizer.build(model.trainable_variables)
            optimizer_pairs = _match(f"{path} (optimizer)", model.optimizer.variables, optimizer_arrays)
    _assign(pairs + optimizer_pairs)
    return model


def _build_model(path, config, custom_objects):
    from kerafront.models import Model
    try:
        model = deserialize(config["model"], custom_objects)
    except (KeyError, TypeError, AttributeError, IndexError) as error:
        raise ValueError(f"{path}: the model config is malformed ({type(error).__name__}: {error}).") from None
    if not isinstance(model, Model):
        raise ValueError(f"{path}: config.json does not describe a model (got {type(model).__name__}).")
    build_config = config["build_config"]
    if not model.built and build_config:
        try:
            model.build_from_config(build_config)
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(f"{path}: invalid build_config {build_config!r} ({error}).") from None
    if not model.built:
        raise ValueError(f"{path}: the saved model was never built, so it has no weights to load.")
    return model


def _compile_from_config(path, model, compile_config, custom_objects):
    if not isinstance(compile_config, dict):
        raise ValueError(f"{path}: compile_config must be an object.")
    _check_keys(f"{path}: compile_config", compile_config, _COMPILE_KEYS)

    def loss_of(value):
        return losses.deserialize(value, custom_objects) if isinstance(value, dict) else value

    def metric_of(value):
        return metrics.deserialize(value, custom_objects) if isinstance(value, dict) and "class_name" in value \
            else value

    def nested(value, one):
        if isinstance(value, dict) and "class_name" not in value:
            return {k: nested(v, one) for k, v in value.items()}
        if isinstance(value, list):
            return [nested(v, one) for v in value]
        return one(value)

    model.compile(optimizer=optimizers.deserialize(compile_config["optimizer"], custom_objects),
                  loss=nested(compile_config["loss"], loss_of), loss_weights=compile_config["loss_weights"],
                  metrics=nested(compile_config["metrics"], metric_of),
                  run_eagerly=bool(compile_config["run_eagerly"]), jit_compile=compile_config["jit_compile"])


def save_weights(model, filepath):
    """Write every model variable to a standalone safetensors file (atomic)."""
    data = weights_file.encode(_arrays(model.variables), metadata={"format": "kerafront-weights",
                                                                    "kerafront_version": kerafront.__version__})
    _archive().atomic_write(filepath, lambda f: f.write(data))


def load_weights(model, filepath):
    """Load weights written by ``save_weights`` (or the weights of a ``save_model`` file) into ``model``."""
    path = os.fspath(filepath)
    import zipfile

    if zipfile.is_zipfile(path):
        with _archive().Archive(path) as archive:
            arrays = archive.read_weights("model.weights.safetensors")
    else:
        arrays = _archive().read_weights_file(path)
    if not model.built:
        raise ValueError(f"load_weights: build the model (call it once or give input_shape) before loading "
                         f"weights from {path}.")
    _assign(_match_by_order(path, model.variables, arrays))
