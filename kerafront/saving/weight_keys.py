"""The keys a model's variables are saved under: their place in the model being saved.

A variable's key is the names of the layers from the saved model down to the layer that owns it,
then the variable's own name: ``"dense/kernel"``, or ``"encoder/dense/kernel"`` inside a nested
model ``"encoder"``. The walk is the one that orders ``model.variables`` (depth first, each layer
once, where it is first met), so a layer reused from another model (transfer learning), shared by
two models, or called twice is keyed by where it sits in the model being saved -- not by its
``Variable.path``, which was fixed at its first build and names the model it was built in. A model
rebuilt from the saved config has the same layer names in the same places, hence the same keys.

Optimizer slots are keyed ``"<optimizer>/<slot>/<model variable key>"``. Repeated keys get ``#1``,
``#2``, ... in order.

Files written before these keys were keyed by ``Variable.path`` (``path_keys``); ``pick`` chooses
whichever keying matches the file, so they still load.
"""


def model_keys(model):
    """``{key: variable}`` for ``model.variables``, in that order."""
    place = {}

    def visit(layer, prefix, seen):
        if id(layer) in seen:
            return
        seen.add(id(layer))
        layers, seeds, _ = layer._tracked_children()
        for variable in layer._trainable_own + layer._non_trainable_own + [seed.state for seed in seeds]:
            place.setdefault(id(variable), prefix + _own_name(variable))
        for child in layers:
            visit(child, f"{prefix}{child.name}/", seen)

    visit(model, "", set())
    variables = model.variables
    return _unique([place.get(id(v), v.path) for v in variables], variables)


def optimizer_keys(optimizer, keys_of_model):
    """``{key: variable}`` for ``optimizer.variables``: each slot keyed by its model variable's key
    (``keys_of_model`` is ``model_keys``'s result), other variables by their path."""
    key_of = {id(v): k for k, v in keys_of_model.items()}
    renamed = {}
    targets = list(getattr(optimizer, "_trainable_variables", ()))
    for slot_name, slots in getattr(optimizer, "_slots", {}).items():
        if len(slots) != len(targets):
            continue
        for slot, variable in zip(slots, targets):
            if id(variable) in key_of:
                renamed[id(slot)] = f"{optimizer.name}/{slot_name}/{key_of[id(variable)]}"
    variables = optimizer.variables
    return _unique([renamed.get(id(v), v.path) for v in variables], variables)


def path_keys(variables):
    """``{key: variable}`` keyed by ``Variable.path`` (the keys of files from earlier versions)."""
    variables = list(variables)
    return _unique([v.path for v in variables], variables)


def pick(file_keys, *keyings):
    """The first of ``keyings`` (``{key: variable}`` dicts) whose keys are exactly ``file_keys``, else the
    first (whose differences the caller reports)."""
    file_keys = set(file_keys)
    return next((keyed for keyed in keyings if set(keyed) == file_keys), keyings[0])


def _own_name(variable):
    """The variable's name as the last part of its path (``"kernel"``, ``"seed_generator_state"``)."""
    return variable.path.rsplit("/", 1)[-1]


def _unique(keys, variables):
    keyed, counts = {}, {}
    for key, variable in zip(keys, variables):
        counts[key] = counts.get(key, 0) + 1
        if counts[key] > 1:
            key = f"{key}#{counts[key] - 1}"
        keyed[key] = variable
    return keyed
