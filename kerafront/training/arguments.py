"""Checks of ``fit``/``evaluate``/``predict`` arguments: each bad value is a ``ValueError`` naming the
argument. kerafront is stricter than Keras where Keras silently reinterprets a value (``batch_size=0``
becomes 32, ``batch_size=2.7`` becomes 2, ``epochs=-3`` trains nothing); the messages say so.
"""

import math
import numbers


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def positive_int(where, name, value, allow_none=True):
    """``value`` is None (when allowed) or an integer >= 1."""
    if value is None and allow_none:
        return None
    if not _is_int(value) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive integer{' or None' if allow_none else ''}, got "
                         f"{value!r}. (Keras may round or replace such a value silently; kerafront refuses it.)")
    return int(value)


def non_negative_int(where, name, value):
    if not _is_int(value) or value < 0:
        raise ValueError(f"{where}: {name} must be an integer >= 0, got {value!r}.")
    return int(value)


def check_fit(batch_size, epochs, initial_epoch, steps_per_epoch, validation_steps, validation_batch_size,
              validation_freq, validation_split):
    positive_int("fit", "batch_size", batch_size)
    non_negative_int("fit", "epochs", epochs)
    non_negative_int("fit", "initial_epoch", initial_epoch)
    positive_int("fit", "steps_per_epoch", steps_per_epoch)
    positive_int("fit", "validation_steps", validation_steps)
    positive_int("fit", "validation_batch_size", validation_batch_size)
    positive_int("fit", "validation_freq", validation_freq, allow_none=False)
    if isinstance(validation_split, bool) or not isinstance(validation_split, numbers.Real) or \
            not 0 <= validation_split < 1:
        raise ValueError(f"fit: validation_split must be a number in [0, 1), got {validation_split!r}.")


def check_evaluate_or_predict(where, batch_size, steps):
    positive_int(where, "batch_size", batch_size)
    positive_int(where, "steps", steps)


def check_class_weight(class_weight, num_classes=None):
    """``{class index >= 0: finite weight >= 0}``; with ``num_classes``, indices below it."""
    if not isinstance(class_weight, dict):
        raise ValueError(f"fit: class_weight must be a dict {{class index: weight}}, got {type(class_weight).__name__}.")
    for index, weight in class_weight.items():
        if not _is_int(index) or index < 0 or (num_classes is not None and index >= num_classes):
            bound = f" below the number of classes ({num_classes})" if num_classes is not None else ""
            raise ValueError(f"fit: class_weight keys must be class indices >= 0{bound}, got {index!r}. (A negative "
                             "key would reweight the last class.)")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"fit: class_weight[{index}] must be a finite number >= 0, got {weight!r}.")
