"""Keras 3 ``.weights.h5`` files (and the ``model.weights.h5`` inside a ``.keras`` archive).

Keras keys variables by the object tree, not by name: a model's layers sit in a container
``layers/<snake_case class name>`` (``dense``, ``dense_1``, ... in ``model.layers`` order; a
Sequential's InputLayer is not among them, a functional model's InputLayers are), a layer's own
variables in ``<path>/vars/0``, ``1``, ... (trainable first, then non-trainable, in creation order),
its sub-layers under the attribute Keras keeps them in, and the optimizer's variables in
``optimizer/vars/<i>`` (iterations, learning rate, then the slots in the model's trainable-variable
order). Each ``vars`` group carries the object's name as the attribute ``name``.

kerafront's layers have Keras's variable order; where the sub-layer attributes differ, ``keras_children``
names them as Keras does: an RNN's ``cell``, StackedRNNCells' ``cells``, Bidirectional's
``forward_layer``/``backward_layer``, TimeDistributed's ``layer``, MultiHeadAttention's
``query_dense``/``key_dense``/``value_dense``/``output_dense``. Seed-generator states are not saved
(Keras does not save them either).

Reading goes through ``kerafront.saving.hdf5`` (links, virtual datasets, dtypes, shapes and sizes
checked before anything is read). A layer group is found by its path, or -- when the file's layers
were counted in another order -- by the ``name`` attribute among its siblings. Every weight is read
and checked before any is assigned, so a file that does not fit never leaves a partly loaded model;
``skip_mismatch=True`` skips (with a warning) the layers whose weights do not fit instead.
"""

import os
import re
import warnings

from kerafront import ops

__all__ = ["load_weights", "save_weights", "keras_children", "read_from_h5", "write_to_h5"]


def _hdf5():
    from kerafront.saving import hdf5
    return hdf5


def snake_case(name):
    """Keras's ``to_snake_case`` (``MultiHeadAttention`` -> ``multi_head_attention``, ``Conv2D`` -> ``conv2d``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras_children(layer):
    """``[(attribute, layer or list of layers)]``: the sub-layers as Keras's object tree names them."""
    from kerafront.layers import Bidirectional, MultiHeadAttention, StackedRNNCells, TimeDistributed
    from kerafront.layers.rnn import RNN
    from kerafront.models import Functional, Sequential
    if isinstance(layer, Sequential):
        return [("layers", layer.layers)]
    if isinstance(layer, Functional):
        return [("layers", layer.layers)]
    if isinstance(layer, Bidirectional):
        return [("backward_layer", layer.backward_layer), ("forward_layer", layer.forward_layer)]
    if isinstance(layer, TimeDistributed):
        return [("layer", layer.layer)]
    if isinstance(layer, StackedRNNCells):
        return [("cells", list(layer.cells))]
    if isinstance(layer, RNN):
        return [("cell", layer.cell)]
    if isinstance(layer, MultiHeadAttention):
        return [("key_dense", layer._key_dense), ("output_dense", layer._output_dense),
                ("query_dense", layer._query_dense), ("value_dense", layer._value_dense)]
    return _attribute_children(layer)


def _attribute_children(layer):
    from kerafront.layers.layer import Layer
    found = []
    for attribute, value in vars(layer).items():
        if attribute in layer._UNTRACKED or attribute.startswith("__"):
            continue
        if isinstance(value, Layer) or (isinstance(value, (list, tuple)) and value
                                        and all(isinstance(v, Layer) for v in value)):
            found.append((attribute, value if isinstance(value, Layer) else list(value)))
    return sorted(found, key=lambda item: f"~{item[0]}" if item[0].startswith("_") else item[0])


def own_variables(layer):
    """The variables Keras saves in ``<layer>/vars``: trainable, then non-trainable (no seed states)."""
    return list(layer._trainable_own) + list(layer._non_trainable_own)


def weight_groups(model, h5_file=None):
    """``[(group path, object name, [variables])]`` for the model (each layer once).

    With ``h5_file``, a container's layer missing at its counted path is looked up among the file's
    siblings by its ``name`` attribute."""
    groups, seen = [], set()

    def visit(layer, path):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        groups.append((_join(path, "vars"), layer.name, own_variables(layer)))
        for attribute, child in keras_children(layer):
            if isinstance(child, list):
                used = {}
                for item in child:
                    key = _unique(snake_case(type(item).__name__), used)
                    visit(item, _find_sibling(h5_file, _join(path, attribute), key, item.name))
            else:
                visit(child, _join(path, attribute))

    visit(model, "")
    return groups


def _join(*parts):
    return "/".join(p for p in parts if p)


def _unique(base, used):
    count = used.get(base, 0)
    used[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def _find_sibling(h5_file, parent, key, name):
    path = _join(parent, key)
    if h5_file is None or _vars_name(h5_file, path) in (name, None) and path in h5_file:
        return path
    container = h5_file.get(parent) if parent else h5_file
    if container is None:
        return path
    matches = [_join(parent, child) for child in container.keys() if _vars_name(h5_file, _join(parent, child)) == name]
    return matches[0] if len(matches) == 1 else path


def _vars_name(h5_file, path):
    group = h5_file.get(_join(path, "vars"))
    if group is None or "name" not in group.attrs:
        return None
    try:
        return _hdf5().read_attribute(group, "name")
    except (ValueError, KeyError):
        return None


# ------------------------------------------------------------------------------------------------
# Writing

def write_to_h5(model, h5_file, include_optimizer=True):
    """Write the model's (and, when compiled and built, its optimizer's) variables into ``h5_file``."""
    for path, name, variables in weight_groups(model):
        group = h5_file.require_group(path)
        group.attrs["name"] = name
        for index, variable in enumerate(variables):
            group.create_dataset(str(index), data=ops.convert_to_numpy(variable.value))
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and getattr(model, "compiled", False) and optimizer is not None and optimizer.built:
        group = h5_file.require_group("optimizer/vars")
        group.attrs["name"] = optimizer.name
        for index, variable in enumerate(optimizer.variables):
            group.create_dataset(str(index), data=ops.convert_to_numpy(variable.value))


def save_weights(model, filepath):
    """Write ``model``'s weights as a Keras 3 ``.weights.h5`` file (atomically)."""
    if not model.built:
        raise ValueError(f"save_weights: the model {model.name!r} is not built, so it has no weights yet; call it on "
                         "data or build it first.")
    with _hdf5().write_h5(filepath, "save_weights") as h5_file:
        write_to_h5(model, h5_file)


# ------------------------------------------------------------------------------------------------
# Reading

def read_from_h5(model, h5_file, where, skip_mismatch=False, load_optimizer=False):
    """Assign the variables in ``h5_file`` (Keras 3 layout) to ``model``; checks all before assigning any.

    ``load_optimizer``: also restore ``optimizer/vars`` into the compiled model's optimizer (built here
    when needed); a count or shape mismatch there warns and keeps a fresh optimizer, as Keras does."""
    hdf5 = _hdf5()
    pairs, used, problems = [], set(), []
    for path, name, variables in weight_groups(model, h5_file):
        group = h5_file.get(path)
        keys = _dataset_keys(group)
        used.add(path)
        if len(keys) != len(variables):
            problems.append(f"layer {name!r} ({path}) expects {len(variables)} weights, the file holds {len(keys)}")
            continue
        arrays = []
        try:
            for key, variable in zip(keys, variables):
                arrays.append(hdf5.read_dataset(group[key], tuple(variable.shape),
                                                f"{where}: weight {path}/{key} of layer {name!r}"))
        except ValueError as error:
            if not skip_mismatch:
                raise
            problems.append(str(error))
            continue
        pairs.extend(zip(variables, arrays))
    extra = [p for p in _all_vars_groups(h5_file) if p not in used and not p.startswith("optimizer/")
             and _dataset_keys(h5_file[p])]
    if extra:
        problems.append(f"the file holds weights the model has no place for: {extra[:6]}")
    if problems:
        message = f"{where}: the file's weights do not fit the model: " + "; ".join(problems[:8]) + "."
        if not skip_mismatch:
            raise ValueError(message + " Pass skip_mismatch=True to load the layers that fit.")
        warnings.warn(message + " Those layers were skipped (skip_mismatch=True).", stacklevel=3)
    optimizer_pairs = _optimizer_pairs(model, h5_file, where) if load_optimizer else []
    for variable, array in pairs + optimizer_pairs:
        variable.assign(array.astype(variable.dtype) if str(array.dtype) != str(variable.dtype) else array)


def _dataset_keys(group):
    if group is None:
        return []
    keys = [k for k in group.keys() if k.isdigit()]
    return sorted(keys, key=int)


def _all_vars_groups(h5_file):
    found, pending = [], [""]
    while pending:
        path = pending.pop()
        group = h5_file[path] if path else h5_file
        for key in group.keys():
            child = _join(path, key)
            if key == "vars":
                found.append(child)
            elif hasattr(group[key], "keys"):
                pending.append(child)
    return found


def _optimizer_pairs(model, h5_file, where):
    group = h5_file.get("optimizer/vars")
    optimizer = getattr(model, "optimizer", None)
    if group is None or optimizer is None or not getattr(model, "compiled", False):
        return []
    if not optimizer.built:
        optimizer.build(model.trainable_variables)
    keys = _dataset_keys(group)
    variables = optimizer.variables
    if len(keys) != len(variables):
        warnings.warn(f"{where}: the file's optimizer state holds {len(keys)} variables, the {optimizer.name!r} "
                      f"optimizer has {len(variables)}; the optimizer starts fresh.", stacklevel=4)
        return []
    try:
        arrays = [_hdf5().read_dataset(group[k], tuple(v.shape), f"{where}: optimizer/vars/{k}")
                  for k, v in zip(keys, variables)]
    except ValueError as error:
        warnings.warn(f"{error}; the optimizer starts fresh.", stacklevel=4)
        return []
    return list(zip(variables, arrays))


def load_weights(model, filepath, skip_mismatch=False):
    """Load a Keras 3 ``.weights.h5`` file into the built ``model``."""
    path = os.fspath(filepath)
    if not model.built:
        raise ValueError(f"load_weights: build the model (call it once or give input_shape) before loading "
                         f"weights from {path}.")
    with _hdf5().open_h5_for_reading(path, "load_weights") as h5_file:
        read_from_h5(model, h5_file, path, skip_mismatch=skip_mismatch,
                     load_optimizer=getattr(model, "compiled", False) and model.optimizer.built)
