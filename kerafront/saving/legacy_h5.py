"""Keras's legacy HDF5 files: full models (``model.save("m.h5")``) and layer-name-keyed weights.

Layout (written by tf.keras 2 and still by Keras 3 for ``.h5``; read through ``kerafront.saving.hdf5``,
so every safety check there applies first):

* root attributes ``model_config`` (JSON ``{"class_name", "config"}``: a tf.keras 2 or Keras 3 model
  config, translated by ``kerafront.saving.keras_config``), ``training_config`` (JSON: ``loss``,
  ``metrics``, ``weighted_metrics``, ``loss_weights``, ``optimizer_config``), ``keras_version``,
  ``backend``; a full-model file keeps the weights in group ``model_weights``, a weights file
  (``save_weights("w.h5")``, keras.applications' published weights) at the root;
* the weights group has attribute ``layer_names`` (every layer of ``model.layers``, inputs included;
  split into ``layer_names0``, ``layer_names1``, ... when long) and one group per layer with attribute
  ``weight_names`` and one dataset per name (``dense/kernel:0`` in tf.keras 2, ``dense/kernel`` in
  Keras 3); group ``top_level_model_weights`` holds the model's own variables (none in kerafront);
* a layer's weights are in Keras's legacy order, ``trainable_weights + non_trainable_weights`` (LSTM:
  kernel, recurrent_kernel, bias; BatchNormalization: gamma, beta, moving_mean, moving_variance;
  MultiHeadAttention: query, key, value, attention_output kernel and bias each).

Loading matches saved layers to ``model.layers`` that have weights, in order (``by_name=True``: by
layer name; layers without a match are left as they are). Every array is read and checked against the
model before any variable changes. ``skip_mismatch=True`` skips (with a warning) a layer whose weight
count or a weight whose shape differs, as Keras does. ``load_model`` compiles the model from
``training_config`` (``keras_compile.compile_arguments_from_keras``) and restores the optimizer state of
``optimizer_weights`` (attribute ``weight_names``, one dataset per name) when its variables match the
optimizer's in number and shape, else warns and starts the optimizer fresh.
"""

import json
import warnings

import numpy as np

from kerafront.saving import hdf5


def load_model(path, custom_objects=None, compile=True):
    """The model in the legacy full-model HDF5 file ``path``, with its weights (compiled when
    ``compile`` and the file has a ``training_config``)."""
    from kerafront.saving.keras_compile import compile_arguments_from_keras
    from kerafront.saving.keras_config import model_from_keras_config

    with hdf5.open_h5_for_reading(path, "load_model") as h5_file:
        where = f"load_model: {path}"
        if "model_config" not in h5_file.attrs:
            raise ValueError(f"{where} has no model_config attribute, so it is not a full-model Keras .h5 file "
                             "(a weights-only file loads with model.load_weights).")
        config = _json_attribute(h5_file, "model_config", where)
        model = model_from_keras_config(config, custom_objects=custom_objects)
        _load_weights_group(_subgroup(h5_file, "model_weights", where), model, False, False, where)
        training_config = (_json_attribute(h5_file, "training_config", where)
                           if compile and "training_config" in h5_file.attrs else None)
        if training_config:
            model.compile(**compile_arguments_from_keras(training_config, custom_objects,
                                                         f"{where}: training_config", model))
            if "optimizer_weights" in h5_file:
                _load_optimizer_weights(_subgroup(h5_file, "optimizer_weights", where), model, where)
    return model


def load_weights(model, path, skip_mismatch=False, by_name=False):
    """Load a legacy ``.h5`` weights file (or a full-model file's weights) into ``model``."""
    with hdf5.open_h5_for_reading(path, "load_weights") as h5_file:
        where = f"load_weights: {path}"
        group = _subgroup(h5_file, "model_weights", where) if "model_weights" in h5_file else h5_file
        _load_weights_group(group, model, skip_mismatch, by_name, where)


def save_model(model, path):
    """Write ``model`` (config, weights, training config, optimizer state) in the legacy layout that
    Keras 3 writes for ``.h5`` and reads with ``keras.models.load_model``."""
    from kerafront import __version__

    hdf5.require_h5py("save_model")
    from kerafront.saving.keras_config import keras_config_from_model

    config = keras_config_from_model(model)
    metadata = {"keras_version": f"kerafront-{__version__}", "backend": "numpy",
                "model_config": json.dumps({"class_name": config["class_name"], "config": config["config"]})}
    compile_config = config.get("compile_config")
    if compile_config:
        training_config = {key: _nested(value, _full_name) if key in ("loss", "metrics", "weighted_metrics")
                           else value for key, value in compile_config.items() if key != "optimizer"}
        optimizer = compile_config.get("optimizer")
        if isinstance(optimizer, dict):
            training_config["optimizer_config"] = {"class_name": optimizer["class_name"],
                                                   "config": optimizer["config"]}
        metadata["training_config"] = json.dumps(training_config)
    with hdf5.write_h5(path, "save_model") as h5_file:
        for key, value in metadata.items():
            h5_file.attrs[key] = value
        group = h5_file.create_group("model_weights")
        _save_names(group, "layer_names", [layer.name for layer in model.layers])
        group.attrs["backend"] = "numpy"
        group.attrs["keras_version"] = metadata["keras_version"]
        for layer in sorted(model.layers, key=lambda layer: layer.name):
            _save_weights(group.create_group(layer.name), _legacy_weights(layer))
        _save_weights(group.create_group("top_level_model_weights"), [])
        optimizer = getattr(model, "optimizer", None)
        if compile_config and optimizer is not None and optimizer.built:
            _save_weights(h5_file.create_group("optimizer_weights"), list(optimizer.variables))


# Keras 3's legacy reader cannot resolve these short names (it looks "mse" up as keras.metrics.mse and
# fails, even on files Keras wrote); the full names load.
_FULL_NAMES = {"mse": "mean_squared_error", "mae": "mean_absolute_error", "mape": "mean_absolute_percentage_error",
               "msle": "mean_squared_logarithmic_error"}


def _full_name(item):
    return _FULL_NAMES.get(item, item) if isinstance(item, str) else item


def _legacy_weights(layer):
    return list(layer.trainable_weights) + list(layer.non_trainable_weights)


def _save_names(group, name, names):
    group.attrs[name] = np.array([n.encode("utf-8") for n in names], dtype=bytes) if names else np.array([], "S1")


def _save_weights(group, variables):
    names = [variable.path for variable in variables]
    _save_names(group, "weight_names", names)
    for name, variable in zip(names, variables):
        group.create_dataset(name, data=np.asarray(variable.numpy()))


def _json_attribute(node, name, where):
    from kerafront import _files

    text = hdf5.read_attribute(node, name, f"{where}: attribute {name}")
    if not isinstance(text, str):
        raise ValueError(f"{where}: attribute {name} must be a JSON string, got {type(text).__name__}.")
    value = _files.loads_json(text, f"{where}: attribute {name}")
    if not isinstance(value, dict):
        raise ValueError(f"{where}: attribute {name} must hold a JSON object, got {type(value).__name__}.")
    return value


def _names(node, name, where):
    """The string list attribute ``name`` of ``node`` (joined from ``name0``, ``name1``, ... if split)."""
    if name in node.attrs:
        chunks = [name]
    else:
        chunks = []
        while f"{name}{len(chunks)}" in node.attrs:
            chunks.append(f"{name}{len(chunks)}")
    names = []
    for chunk in chunks:
        value = hdf5.read_attribute(node, chunk, f"{where}: attribute {chunk} of {node.name}")
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list):
            if np.asarray(value).size == 0:
                continue  # an empty list is stored as an empty float array by h5py
            raise ValueError(f"{where}: attribute {chunk} of {node.name} must list names, got numbers.")
        names.extend(value)
    return names


def _subgroup(group, name, where):
    hdf5_module = hdf5.require_h5py(where)
    item = group.get(name)
    if not isinstance(item, hdf5_module.Group):
        found = "nothing" if item is None else "a dataset"
        raise ValueError(f"{where}: expected a group {name!r} in {group.name}, found {found}; the file does not have "
                         "Keras's HDF5 weights layout.")
    return item


def _saved_layers(group, where):
    """``[(layer_name, layer_group, weight_names)]`` for the saved layers that have weights."""
    saved = []
    for name in _names(group, "layer_names", where):
        layer_group = _subgroup(group, name, where)
        weight_names = _names(layer_group, "weight_names", where)
        if weight_names:
            saved.append((name, layer_group, weight_names))
    return saved


def _load_weights_group(group, model, skip_mismatch, by_name, where):
    if "layer_names" not in group.attrs and "layer_names0" not in group.attrs:
        raise ValueError(f"{where} has no layer_names attribute; it is not a Keras HDF5 weights file (a Keras 3 "
                         ".weights.h5 file must be named with that extension).")
    saved = _saved_layers(group, where)
    if by_name:
        by_layer_name = {}
        for layer in model.layers:
            by_layer_name.setdefault(layer.name, []).append(layer)
        pairs = [(layer, entry) for entry in saved for layer in by_layer_name.get(entry[0], [])]
    else:
        layers = [layer for layer in model.layers if _legacy_weights(layer)]
        if len(layers) != len(saved):
            raise ValueError(f"{where}: the model has {len(layers)} layers with weights "
                             f"({', '.join(layer.name for layer in layers)}), the file has {len(saved)} "
                             f"({', '.join(entry[0] for entry in saved)}). Build the same model, or pass "
                             "by_name=True to match layers by name.")
        pairs = list(zip(layers, saved))
    assignments = []
    for layer, (saved_name, layer_group, weight_names) in pairs:
        variables = _legacy_weights(layer)
        described = f'layer "{layer.name}" (saved as "{saved_name}")'
        if len(variables) != len(weight_names):
            message = (f"{where}: {described} has {len(variables)} weights, the file has {len(weight_names)} "
                       f"({', '.join(weight_names)}).")
            if by_name and skip_mismatch:
                warnings.warn(message + " Skipped (skip_mismatch=True).", stacklevel=3)
                continue
            raise ValueError(message)
        for variable, weight_name in zip(variables, weight_names):
            dataset = layer_group.get(weight_name)
            if dataset is None or not hasattr(dataset, "dtype"):
                raise ValueError(f"{where}: {described} names weight {weight_name!r}, which is not a dataset in "
                                 "the file.")
            expected = tuple(variable.shape)
            if tuple(dataset.shape or ()) != expected and skip_mismatch:
                warnings.warn(f"{where}: {described}: weight {variable.path} has shape {expected}, the file's "
                              f"{weight_name!r} has {dataset.shape}. Skipped (skip_mismatch=True).", stacklevel=3)
                continue
            what = f"{where}: {described}: weight {weight_name!r} (for {variable.path})"
            assignments.append((variable, hdf5.read_dataset(dataset, expected, what)))
    for variable, array in assignments:
        variable.assign(array.astype(variable.dtype, copy=False))


def _load_optimizer_weights(group, model, where):
    """Restore the optimizer state of ``optimizer_weights``, in the optimizer's variable order (Keras 3's
    legacy writer: iterations, learning rate, slots; tf.keras 2: ``iteration:0`` and the slots in the same
    order, without the learning rate, which the training config already set). A count or shape that
    differs warns and leaves the optimizer fresh, as Keras does."""
    names = _names(group, "weight_names", where)
    optimizer = model.optimizer
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    variables = list(optimizer.variables)
    if not any(name.split(":")[0].endswith("learning_rate") for name in names):
        variables = [v for v in variables if not v.path.endswith("/learning_rate")]
    if len(names) != len(variables):
        warnings.warn(f"{where}: the file's optimizer state holds {len(names)} variables, the {optimizer.name!r} "
                      f"optimizer has {len(variables)}; the optimizer starts fresh.", stacklevel=3)
        return
    arrays = []
    try:
        for name, variable in zip(names, variables):
            dataset = group.get(name)
            if dataset is None or not hasattr(dataset, "dtype"):
                raise ValueError(f"{where}: optimizer weight {name!r} is not a dataset in the file")
            arrays.append(hdf5.read_dataset(dataset, tuple(variable.shape),
                                            f"{where}: optimizer weight {name!r} (for {variable.path})"))
    except ValueError as error:
        warnings.warn(f"{error}; the optimizer starts fresh.", stacklevel=3)
        return
    for variable, array in zip(variables, arrays):
        variable.assign(array.astype(variable.dtype, copy=False))


def _nested(config, convert):
    if config is None:
        return None
    if isinstance(config, str) or (isinstance(config, dict) and "class_name" in config):
        return convert(config)
    if isinstance(config, dict):
        return {key: _nested(value, convert) for key, value in config.items()}
    return [_nested(value, convert) for value in config]
