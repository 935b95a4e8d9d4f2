"""``save_model``/``load_model`` and ``save_weights``/``load_weights``, chosen by the file's extension.

* ``.keras`` -- Keras 3's archive (``keras_archive``); ``.weights.h5`` -- Keras 3's weights
  (``keras_weights``); ``.h5``/``.hdf5`` -- legacy Keras HDF5 (``legacy_h5``). These need h5py
  (``pip install "kerafront[h5]"``).
* any other name -- kerafront's own format (``archive``), described below.

Variables are saved under their place in the model (``weight_keys``). Loading first validates the
file's weight header against the file's size, then builds the model from its config without running
initializers (``initializers.skip_initialization``), refusing any weight the file does not hold
before allocating it -- so a small file cannot make it allocate more than the file's own weights --
then checks every weight (names, shapes, dtypes) before reading tensor data and assigning any, so a
broken file never yields a partly loaded model.
"""

import collections
import datetime
import math
import os
import warnings

import kerafront
from kerafront import initializers, losses, metrics, ops, optimizers
from kerafront.dtypes import is_float
from kerafront.saving import weight_keys, weights_file
from kerafront.saving.serialization import deserialize, serialize


def _archive():
    """The archive module, imported on first save/load: it brings zipfile and tempfile, which
    ``import kerafront`` does not need."""
    from kerafront.saving import archive
    return archive


_CONFIG_KEYS = {"model", "build_config", "compile_config"}
_METADATA_KEYS = {"format", "format_version", "kerafront_version", "backend", "date"}
_COMPILE_KEYS = {"optimizer", "loss", "loss_weights", "metrics", "run_eagerly", "jit_compile"}


def _arrays(keyed):
    return {key: ops.convert_to_numpy(v.value) for key, v in keyed.items()}


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


def _path(filepath, where):
    """``filepath`` as a ``str``: bytes paths are decoded as the OS does (Keras fails on them inside tempfile)."""
    if hasattr(filepath, "read") or hasattr(filepath, "write"):
        raise TypeError(f"{where}: kerafront saves to and loads from paths, not file objects; pass a path "
                        "(str, bytes or os.PathLike).")
    try:
        return os.fsdecode(os.fspath(filepath))
    except TypeError:
        raise TypeError(f"{where}: expected a path (str, bytes or os.PathLike), got {type(filepath).__name__}.") \
            from None


def _kind(filepath):
    """``"keras"``, ``"keras_weights"``, ``"legacy_h5"`` or ``"kerafront"`` from the file name."""
    if hasattr(filepath, "read") or hasattr(filepath, "write"):
        raise TypeError("kerafront saves to and loads from paths, not file objects; pass a path (str or os.PathLike).")
    name = os.fspath(filepath).lower()
    if name.endswith(".keras"):
        return "keras"
    if name.endswith(".weights.h5"):
        return "keras_weights"
    if name.endswith((".h5", ".hdf5")):
        return "legacy_h5"
    return "kerafront"


def _check_overwrite(filepath, overwrite):
    if not overwrite and os.path.exists(os.fspath(filepath)):
        raise FileExistsError(f"save: {os.fspath(filepath)} exists and overwrite=False; pass overwrite=True to "
                              "replace it.")


def save_model(model, filepath, overwrite=True, zipped=None, **kwargs):
    """Write ``model`` (config, weights, compile config and optimizer state) to ``filepath`` atomically.

    The format follows the extension: ``.keras`` (Keras 3), ``.h5``/``.hdf5`` (legacy Keras HDF5),
    anything else kerafront's own. ``zipped`` is accepted for Keras's signature; only ``zipped=False``
    (Keras's unzipped folder) is refused.
    """
    filepath = _path(filepath, "save")
    if zipped is False:
        raise ValueError("save: zipped=False (Keras's unzipped folder layout) is not supported; save a .keras file.")
    unknown = sorted(set(kwargs) - {"include_optimizer", "save_format"})
    if unknown:
        raise TypeError(f"save: unexpected keyword arguments {unknown}.")
    _check_overwrite(filepath, overwrite)
    kind = _kind(filepath)
    if kind == "keras":
        from kerafront.saving import keras_archive
        return keras_archive.save_model(model, filepath, include_optimizer=kwargs.get("include_optimizer", True))
    if kind == "legacy_h5":
        from kerafront.saving import legacy_h5
        return legacy_h5.save_model(model, filepath)
    if kind == "keras_weights":
        raise ValueError(f"save: {os.fspath(filepath)} ends in .weights.h5, the name of a weights-only file; use "
                         "model.save_weights() for it, or a .keras name for the whole model.")
    return _save_kerafront(model, filepath)


def _save_kerafront(model, filepath):
    config = {"model": serialize(model), "build_config": model.get_build_config(),
              "compile_config": _compile_config(model)}
    metadata = {"format": "kerafront", "format_version": _archive().FORMAT_VERSION,
                "kerafront_version": kerafront.__version__, "backend": kerafront.backend(),
                "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    keys = weight_keys.model_keys(model)
    optimizer_weights = None
    if config["compile_config"] is not None and model.optimizer.built:
        optimizer_weights = _arrays(weight_keys.optimizer_keys(model.optimizer, keys))
    _archive().write_archive(filepath, metadata, config, _arrays(keys), optimizer_weights)


def _check_keys(where, found, expected, optional=()):
    found = set(found)
    missing = expected - found - set(optional)
    extra = found - expected
    if missing or extra:
        raise ValueError(f"{where}: expected keys {sorted(expected)}; missing {sorted(missing)}, "
                         f"unexpected {sorted(extra)}.")


def _match(where, keyed, shapes):
    """Pair each variable of ``keyed`` (``{key: variable}``) with the file's key, checking names,
    shapes and dtypes of all; ``shapes`` maps the file's keys to ``(dtype name, shape)``."""
    missing = [k for k in keyed if k not in shapes]
    unexpected = [k for k in shapes if k not in keyed]
    if missing or unexpected:
        raise ValueError(f"{where}: the file's weights do not match the model: missing {missing[:10]}, "
                         f"unexpected {unexpected[:10]}.")
    pairs = []
    for key, variable in keyed.items():
        dtype, shape = shapes[key]
        if tuple(shape) != tuple(variable.shape):
            raise ValueError(f"{where}: weight {key!r} has shape {tuple(shape)} in the file, the model "
                             f"expects {tuple(variable.shape)}.")
        if _is_float_name(dtype) != is_float(variable.dtype):
            raise ValueError(f"{where}: weight {key!r} has dtype {dtype} in the file, the model expects "
                             f"{variable.dtype}.")
        pairs.append((key, variable))
    return pairs


def _is_float_name(dtype):
    return dtype.startswith("float") or dtype == "bfloat16"


def _entry_shapes(entries):
    """``{key: (dtype name, shape)}`` of validated header entries (``weights_file.read_header``)."""
    return {key: (entry[0], entry[1]) for key, entry in entries.items()}


def _match_by_order(where, variables, shapes):
    """Pair variables with the file's keys by position (another instance's layer names may differ), as
    Keras does, checking shapes and dtypes; ``shapes`` as in ``_match``. Returns ``(variable, key)``s."""
    if len(shapes) != len(variables):
        raise ValueError(f"{where}: the file holds {len(shapes)} weights, the model has {len(variables)} "
                         f"({', '.join(v.path for v in variables[:6])}{', ...' if len(variables) > 6 else ''}).")
    keyed = weight_keys.path_keys(variables)
    file_key = dict(zip(keyed, shapes))
    renamed = {key: shapes[file_key[key]] for key in keyed}
    return [(variable, file_key[key]) for key, variable in _match(where, keyed, renamed)]


def _assign(pairs):
    for variable, array in pairs:
        variable.assign(array)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuild a model saved by ``save_model`` (kerafront's format, ``.keras``, ``.h5``/``.hdf5``).
    Never executes code from the file, whatever ``safe_mode`` says (accepted for Keras's signature).

    Raises ``ValueError`` for a broken or hostile file (or a path that is not a regular file), with
    no partially loaded model.
    """
    filepath = _path(filepath, "load_model")
    kind = _kind(filepath)
    if kind == "keras":
        from kerafront.saving import keras_archive
        return keras_archive.load_model(filepath, custom_objects=custom_objects, compile=compile)
    if kind == "legacy_h5":
        from kerafront.saving import legacy_h5
        return legacy_h5.load_model(filepath, custom_objects, compile)
    if kind == "keras_weights":
        raise ValueError(f"load_model: {os.fspath(filepath)} is a weights-only file (.weights.h5): build the model, "
                         "then call model.load_weights() on it.")
    return _load_kerafront(filepath, custom_objects, compile)


def _load_kerafront(filepath, custom_objects, compile):
    path = os.fspath(filepath)
    _archive().remove_stale_temporaries(path)
    with _archive().Archive(path, "load_model") as archive:
        metadata = archive.read_json("metadata.json")
        _check_keys(f"{path}: metadata.json", metadata, _METADATA_KEYS)
        if metadata["format"] != "kerafront" or metadata["format_version"] != _archive().FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported format {metadata['format']!r} version "
                             f"{metadata['format_version']!r}; this kerafront reads version "
                             f"{_archive().FORMAT_VERSION}.")
        config = archive.read_json("config.json")
        _check_keys(f"{path}: config.json", config, _CONFIG_KEYS)
        model_shapes = _entry_shapes(archive.weight_entries("model.weights.safetensors"))
        has_optimizer = archive.has("optimizer.weights.safetensors")
        optimizer_shapes = (_entry_shapes(archive.weight_entries("optimizer.weights.safetensors"))
                            if has_optimizer else None)
        model = _build_model(path, config, custom_objects, model_shapes)
        keyed = weight_keys.pick(model_shapes, weight_keys.model_keys(model), weight_keys.path_keys(model.variables))
        pairs = _match(path, keyed, model_shapes)
        compile_config = config["compile_config"]
        optimizer_pairs = []
        if compile and compile_config is not None:
            _compile_from_config(path, model, compile_config, custom_objects)
            if has_optimizer:
                model.optimizer.build(model.trainable_variables)
                optimizer = weight_keys.pick(optimizer_shapes, weight_keys.optimizer_keys(model.optimizer, keyed),
                                             weight_keys.path_keys(model.optimizer.variables))
                optimizer_pairs = _match(f"{path} (optimizer)", optimizer, optimizer_shapes)
        model_arrays = archive.read_weights("model.weights.safetensors")
        optimizer_arrays = archive.read_weights("optimizer.weights.safetensors") if optimizer_pairs else {}
    _assign([(variable, model_arrays[key]) for key, variable in pairs]
            + [(variable, optimizer_arrays[key]) for key, variable in optimizer_pairs])
    return model


class _FileShapes:
    """``skip_initialization``'s check while ``load_model`` builds: each weight the config creates must
    take (shape, float or not) one of the file's weights not yet taken, before it is allocated. The
    file's header was checked against its size, so the model cannot allocate more than the file holds."""

    def __init__(self, path, shapes):
        self.path = path
        self.available = collections.Counter((tuple(shape), _is_float_name(dtype)) for dtype, shape in shapes.values())

    def __call__(self, weight_path, shape, dtype):
        slot = (tuple(shape), is_float(dtype))
        if self.available[slot] == 0:
            left = sorted({shape for shape, _ in +self.available}, key=str)
            raise ValueError(f"{self.path}: weight {weight_path!r} has shape {tuple(shape)} ({dtype}, "
                             f"{math.prod(shape)} values) in the config, but the file holds no further weight of that "
                             f"shape (shapes left: {left[:8]}). The config and the weights disagree; refusing before "
                             "allocating the weight.")
        self.available[slot] -= 1


def _build_model(path, config, custom_objects, shapes=None):
    from kerafront.models import Model
    check = _FileShapes(path, shapes) if shapes is not None else None
    try:
        with initializers.skip_initialization(check):
            model = deserialize(config["model"], custom_objects)
            if isinstance(model, Model) or getattr(model, "saves_standalone", False):  # FeatureSpace saves alone
                _build_from_config(path, model, config["build_config"])
    except (KeyError, TypeError, AttributeError, IndexError) as error:
        raise ValueError(f"{path}: the model config is malformed ({type(error).__name__}: {error}).") from None
    except RecursionError:
        raise ValueError(f"{path}: the model config nests too deeply to rebuild.") from None
    if not isinstance(model, Model) and not getattr(model, "saves_standalone", False):
        raise ValueError(f"{path}: config.json does not describe a model (got {type(model).__name__}).")
    if not model.built:
        raise ValueError(f"{path}: the saved model was never built, so it has no weights to load.")
    return model


def _build_from_config(path, model, build_config):
    if not model.built and build_config:
        try:
            model.build_from_config(build_config)
        except (KeyError, TypeError, IndexError) as error:
            raise ValueError(f"{path}: invalid build_config {build_config!r} ({error}).") from None


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


def save_weights(model, filepath, overwrite=True, **kwargs):
    """Write every model variable to ``filepath`` (atomic): Keras 3's ``.weights.h5`` layout for that
    extension, legacy HDF5 weights are not written; any other name gets kerafront's safetensors file."""
    filepath = _path(filepath, "save_weights")
    if kwargs:
        raise TypeError(f"save_weights: unexpected keyword arguments {sorted(kwargs)}.")
    _check_overwrite(filepath, overwrite)
    kind = _kind(filepath)
    if kind == "keras_weights":
        from kerafront.saving import keras_weights
        return keras_weights.save_weights(model, filepath)
    if kind in ("keras", "legacy_h5"):
        raise ValueError(f"save_weights: {os.fspath(filepath)} must end in .weights.h5 for Keras's weights format "
                         "(a .keras or .h5 name is for whole models: use model.save()).")
    data = weights_file.encode(_arrays(weight_keys.model_keys(model)),
                               metadata={"format": "kerafront-weights", "kerafront_version": kerafront.__version__})
    _archive().atomic_write(filepath, lambda f: f.write(data))


def load_weights(model, filepath, skip_mismatch=False, **kwargs):
    """Load weights into ``model``: from a Keras 3 ``.weights.h5`` or ``.keras`` file, a legacy ``.h5``
    (``by_name=True`` accepted there), or kerafront's files (written by ``save_weights`` or ``save_model``,
    matched by position: the names may differ, as in Keras). Every weight is checked before any is
    assigned, and nothing is assigned unless every weight fits (``skip_mismatch=True`` skips, with a
    warning, the layers that do not)."""
    filepath = _path(filepath, "load_weights")
    unknown = sorted(set(kwargs) - {"by_name"})
    if unknown:
        raise TypeError(f"load_weights: unexpected keyword arguments {unknown}.")
    kind = _kind(filepath)
    if kind == "keras_weights":
        from kerafront.saving import keras_weights
        return keras_weights.load_weights(model, filepath, skip_mismatch=skip_mismatch)
    if kind == "keras":
        from kerafront.saving import keras_archive, keras_weights
        if not model.built:
            raise ValueError(f"load_weights: build the model before loading weights from {os.fspath(filepath)}.")
        with keras_archive.KerasArchive(filepath, "load_weights") as keras_file, keras_file.weights() as h5_file:
            keras_weights.read_from_h5(model, h5_file, os.fspath(filepath), skip_mismatch=skip_mismatch)
        return None
    if kind == "legacy_h5":
        from kerafront.saving import legacy_h5
        return legacy_h5.load_weights(model, filepath, skip_mismatch, kwargs.get("by_name", False))
    if skip_mismatch or kwargs.get("by_name"):
        raise ValueError("load_weights: skip_mismatch and by_name apply to Keras files (.weights.h5, .keras, .h5); "
                         f"{os.fspath(filepath)} is a kerafront weights file, loaded whole, by position.")
    path = os.fspath(filepath)
    _archive().remove_stale_temporaries(path)
    if not model.built:
        raise ValueError(f"load_weights: build the model (call it once or give input_shape) before loading "
                         f"weights from {path}.")
    if _archive().is_archive(path):
        with _archive().Archive(path, "load_weights") as archive:
            pairs = _match_by_order(path, model.variables,
                                    _entry_shapes(archive.weight_entries("model.weights.safetensors")))
            arrays = archive.read_weights("model.weights.safetensors")
    else:
        pairs = _match_by_order(path, model.variables,
                                _entry_shapes(_archive().read_weights_file(path, read_data=False)))
        arrays = _archive().read_weights_file(path)
    _assign([(variable, arrays[key]) for variable, key in pairs])


# ------------------------------------------------------------------------------------------------
# Keras's names for the registry and for configs

def get_custom_objects():
    """The process-wide table of registered objects (``{"Package>Name": object}``), as Keras's
    ``get_custom_objects``: entries added to it resolve when loading (by full or plain name)."""
    from kerafront.saving import serialization
    return serialization._registered


def serialize_keras_object(obj):
    """``obj`` in Keras 3's serialized form (``module``, ``class_name``, ``config``, ``registered_name``);
    a function gives its name."""
    from kerafront.saving import keras_config
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if not hasattr(obj, "get_config"):
        return serialize(obj)
    return keras_config.keras_object(obj)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild an object from Keras 3's form (as ``serialize_keras_object`` or Keras itself writes it),
    tf.keras 2's form or kerafront's own. Never executes code from ``config`` (``safe_mode`` is accepted
    for Keras's signature; kerafront is always safe). A layer is built, as in Keras, from the config's
    ``build_config`` (or a tf.keras 2 MultiHeadAttention's ``query_shape``/``value_shape``/``key_shape``)."""
    from kerafront.saving import keras_config
    if kwargs:
        raise TypeError(f"deserialize_keras_object: unexpected keyword arguments {sorted(kwargs)}.")
    if isinstance(config, dict) and config.get("class_name") in keras_config.MODEL_CLASSES:
        return keras_config.model_from_keras_config(config, custom_objects)
    translated = keras_config.translate_object(config, custom_objects)
    build_config = translated.pop("build_config", None) if isinstance(translated, dict) else None
    obj = deserialize(translated, custom_objects)
    if build_config is not None and hasattr(obj, "build_from_config") and not getattr(obj, "built", True):
        keras_config.build_from_keras(obj, build_config)
    return obj


def model_from_json(json_string, custom_objects=None):
    """A model from ``Model.to_json()``'s string (Keras 3, tf.keras 2 or kerafront config JSON)."""
    from kerafront import _files
    from kerafront.models import Model
    config = _files.loads_json(json_string, "model_from_json")
    model = deserialize_keras_object(config, custom_objects)
    if not isinstance(model, Model):
        raise ValueError(f"model_from_json: the JSON describes a {type(model).__name__}, not a model.")
    return model


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model with the same architecture and new (re-initialized) weights, as Keras's ``clone_model``.

    ``clone_function(layer) -> layer`` makes each new layer (default: ``from_config(get_config())``);
    ``input_tensors`` replace a functional model's inputs. ``call_function`` and ``recursive`` (Keras
    3.x options) are not supported.
    """
    from kerafront.models import Functional, Sequential
    if call_function is not None or recursive or kwargs:
        raise ValueError("clone_model: call_function, recursive and other options are not supported by kerafront; "
                         "pass clone_function only.")
    clone_function = clone_function or (lambda layer: type(layer).from_config(layer.get_config()))
    if isinstance(model, Sequential):
        if input_tensors is not None:
            raise ValueError("clone_model: input_tensors is supported for functional models only.")
        layers = [clone_function(layer) for layer in model._layers]
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if isinstance(model, Functional):
        return _clone_functional(model, clone_function, input_tensors)
    if input_tensors is not None:
        raise ValueError("clone_model: input_tensors is supported for functional models only.")
    return type(model).from_config(model.get_config())


def _clone_functional(model, clone_function, input_tensors):
    from kerafront import tree
    from kerafront.layers import Input
    from kerafront.layers.symbolic import KerasTensor
    from kerafront.models import Functional
    if input_tensors is None:
        new_inputs = [Input(batch_shape=t.shape, dtype=t.dtype, name=t.name) for t in model.inputs]
    else:
        new_inputs = tree.flatten(input_tensors)[0]
        if len(new_inputs) != len(model.inputs):
            raise ValueError(f"clone_model: the model has {len(model.inputs)} inputs, input_tensors holds "
                             f"{len(new_inputs)}.")
    mapping = {id(old): new for old, new in zip(model.inputs, new_inputs)}
    clones = {}

    def lookup(x):
        return mapping[id(x)] if isinstance(x, KerasTensor) else x

    for node in model._nodes:
        layer = clones.get(id(node.layer))
        if layer is None:
            layer = clones[id(node.layer)] = clone_function(node.layer)
        args, kwargs = tree.map_structure(lookup, (node.args, node.kwargs))
        outputs = layer(*args, **kwargs)
        for old, new in zip(node.flat_outputs, tree.flatten(outputs)[0]):
            mapping[id(old)] = new
    inputs = tree.map_structure(lookup, model._inputs_struct)
    return Functional(inputs, tree.map_structure(lookup, model._outputs_struct), name=model.name,
                      trainable=model.trainable)
