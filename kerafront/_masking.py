"""Masks attached to tensors, as Keras attaches them.

A layer that produces a mask (``Embedding(mask_zero=True)``, ``Masking``) attaches it to its output;
``Layer.__call__`` hands an input's attached mask to the next layer's ``call(..., mask=)`` and attaches
that layer's ``compute_mask`` to its outputs; losses and metrics read the mask attached to ``y_pred``.

Tensors that take attributes (torch, eager JAX and TensorFlow tensors, KerasTensors) hold the mask
as ``_keras_mask``, Keras's name. NumPy arrays and JAX tracers refuse attributes: their masks live in
a table keyed by ``id``, and a ``weakref.finalize`` drops the entry when the tensor dies (so a later
tensor reusing the id never inherits it). Objects that take neither (NumPy scalars) get no mask.
"""

import weakref

from kerafront import tree

ATTRIBUTE = "_keras_mask"
_table = {}
used = [False]  # becomes True at the first mask set: until then, reading masks is skipped entirely


def _forget(key):
    _table.pop(key, None)


def set_mask(x, mask):
    """Attach ``mask`` to ``x`` (``None`` removes it)."""
    if mask is not None:
        used[0] = True
    try:
        setattr(x, ATTRIBUTE, mask)
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    if mask is None:
        _table.pop(key, None)
        return
    try:
        weakref.finalize(x, _forget, key)
    except TypeError:  # no weak references (a NumPy scalar): nothing to attach to
        return
    _table[key] = mask


def get_mask(x):
    """The mask attached to ``x``, or ``None``."""
    if not used[0] or x is None:
        return None
    mask = getattr(x, ATTRIBUTE, None)
    if mask is None and _table:
        mask = _table.get(id(x))
    return mask


def get_masks(structure):
    """The masks of a structure of tensors, in its structure; ``None`` when none has one."""
    if not used[0]:
        return None
    if not isinstance(structure, (list, tuple, dict)):
        return get_mask(structure)
    masks = tree.map_structure(get_mask, structure)
    return masks if any(m is not None for m in tree.flatten(masks)[0]) else None


def set_masks(structure, masks):
    """Attach ``masks`` (a structure like ``structure``, or one mask for a single tensor) where the
    tensor has none yet: a mask a layer attached itself wins over the one computed for it."""
    if masks is None:
        return
    if isinstance(structure, (list, tuple)):
        if not isinstance(masks, (list, tuple)):
            masks = [masks] + [None] * (len(structure) - 1)   # Keras: a single mask is the first output's
        for tensor, mask in zip(structure, masks):
            set_masks(tensor, mask)
    elif isinstance(structure, dict):
        if isinstance(masks, dict):
            for key, tensor in structure.items():
                set_masks(tensor, masks.get(key))
    elif structure is not None:
        if isinstance(masks, (list, tuple)):   # a layer with one output returned [mask]
            masks = masks[0] if len(masks) == 1 else None
        if masks is not None and get_mask(structure) is None:
            set_mask(structure, masks)
