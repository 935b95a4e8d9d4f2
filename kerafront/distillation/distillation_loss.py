"""Distillation losses: how a ``Distiller`` compares the teacher's outputs with the student's.

A ``DistillationLoss`` has one job, ``compute_loss(teacher_outputs, student_outputs) -> scalar``, and
two optional checks: ``validate_outputs`` (each step, on the two outputs) and
``validate_model_compatibility`` (once, when the ``Distiller`` is built).

Loss identifiers follow Keras 3's ``keras.losses.get``: a function name (``"kl_divergence"``,
``"mse"``, ``"categorical_crossentropy"``) gives the loss *function*, a class name
(``"KLDivergence"``) gives an instance; ``None`` skips that output. A Keras trap kept for parity:
``LogitsDistillation`` softmaxes both sides and multiplies by ``temperature**2`` only for a
``KLDivergence`` *instance*; its default ``loss="kl_divergence"`` names the function, which Keras
applies to the temperature-scaled logits themselves (both clipped to ``[epsilon, 1]``). Pass
``loss=kerafront.losses.KLDivergence()`` for the textbook (Hinton et al.) loss.
"""

from kerafront import losses, ops, tree
from kerafront.losses import functions

# Strings Keras's ``losses.get`` resolves to a function rather than a class instance.
_FUNCTION_NAMES = {name: getattr(functions, name) for name in functions.__all__}
_FUNCTION_NAMES.update({
    "bce": functions.binary_crossentropy, "BCE": functions.binary_crossentropy,
    "kld": functions.kl_divergence, "KLD": functions.kl_divergence,
    "mae": functions.mean_absolute_error, "MAE": functions.mean_absolute_error,
    "mse": functions.mean_squared_error, "MSE": functions.mean_squared_error,
    "mape": functions.mean_absolute_percentage_error, "MAPE": functions.mean_absolute_percentage_error,
    "msle": functions.mean_squared_logarithmic_error, "MSLE": functions.mean_squared_logarithmic_error,
})
_FUNCTION_OF_ID = {id(fn): fn.__name__ for fn in _FUNCTION_NAMES.values()}


def resolve_loss(identifier, owner="DistillationLoss"):
    """One loss identifier as Keras's ``losses.get`` resolves it (see the module docstring)."""
    if identifier is None:
        return None
    if isinstance(identifier, str):
        if identifier in _FUNCTION_NAMES:
            return _FUNCTION_NAMES[identifier]
        try:
            return losses.get(identifier)
        except ValueError:
            raise ValueError(f"{owner}: unknown loss function {identifier!r}.") from None
    if not callable(identifier):
        raise ValueError(f"{owner}: a loss must be a name, a Loss, a function fn(y_true, y_pred) or None; "
                         f"got {type(identifier).__name__} {identifier!r}.")
    return identifier


def resolve_losses(structure, owner):
    """``resolve_loss`` over a nested structure; at least one leaf must be a loss."""
    structure = deserialize_losses(structure)
    resolved = tree.map_structure_up_to(structure, lambda item: resolve_loss(item, owner), structure)
    if all(leaf is None for leaf in _leaves(resolved)):
        raise ValueError(f"{owner}: the `loss` argument must contain at least one non-None loss, got {structure!r}.")
    return resolved


def serialize_losses(structure):
    """Config form of ``resolve_losses``'s result: a built-in function by its name, a ``Loss`` as a dict."""
    def one(loss):
        if loss is None:
            return None
        name = _FUNCTION_OF_ID.get(id(loss))
        return name if name is not None else losses.serialize(loss)

    return tree.map_structure_up_to(structure, one, structure)


def deserialize_losses(structure):
    """Undo ``serialize_losses``: ``{"class_name": ...}`` dicts become ``Loss``es; names stay names."""
    if isinstance(structure, dict):
        if "class_name" in structure:
            return losses.deserialize(structure)
        return {key: deserialize_losses(value) for key, value in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(deserialize_losses(value) for value in structure)
    return structure


def _leaves(structure):
    """Keras's ``tree.flatten``: the leaves in order, ``None`` included."""
    return [leaf for _, leaf in tree.flatten_with_path(structure)]


def _sum_scalars(values):
    """The sum of a flat list of scalar losses (``0.0`` for skipped outputs) as one tensor."""
    tensors = [v for v in values if not isinstance(v, float)]
    dtype = ops.dtype(tensors[0]) if tensors else "float32"
    return ops.sum(ops.stack([ops.convert_to_tensor(v, dtype) if isinstance(v, float) else v for v in values]))


class DistillationLoss:
    """Base class: override ``compute_loss(teacher_outputs, student_outputs, **kwargs)`` to return a scalar."""

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """The distillation loss (a scalar tensor) between two outputs of the same structure."""
        raise NotImplementedError(f"{type(self).__name__}: subclasses of DistillationLoss must implement "
                                  "compute_loss(teacher_outputs, student_outputs).")

    def validate_outputs(self, teacher_outputs, student_outputs):
        """Raise ``ValueError`` unless the teacher's and student's outputs nest the same way."""
        try:
            tree.assert_same_structure(teacher_outputs, student_outputs)
        except ValueError as error:
            raise ValueError(f"{type(self).__name__}: the teacher's and the student's outputs differ in "
                             f"structure: {error}") from None

    def validate_model_compatibility(self, teacher, student):
        """Raise ``ValueError`` when this loss cannot distill ``teacher`` into ``student`` (nothing here)."""


class LogitsDistillation(DistillationLoss):
    """Match the student's temperature-scaled logits to the teacher's (Keras 3's ``LogitsDistillation``).

    Both outputs are divided by ``temperature``; a ``KLDivergence`` instance then compares their
    softmaxes and is multiplied by ``temperature**2``; any other loss compares the scaled logits.
    Each output's loss is averaged to a scalar, and the outputs' losses are summed.
    """

    def __init__(self, temperature=3.0, loss="kl_divergence"):
        self.temperature = temperature
        self.loss = resolve_losses(loss, "LogitsDistillation")
        if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
            raise ValueError(f"LogitsDistillation: temperature must be a number, got {type(temperature).__name__} "
                             f"{temperature!r}.")
        if temperature <= 0.0:
            raise ValueError(f"LogitsDistillation: temperature must be positive, got {temperature}.")

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Scalar loss; outputs are logits of shape ``(batch, ..., classes)`` (or a structure of them)."""
        def one(loss_fn, teacher_logits, student_logits):
            if loss_fn is None:
                return 0.0
            teacher_logits = ops.divide(teacher_logits, self.temperature)
            student_logits = ops.divide(student_logits, self.temperature)
            if isinstance(loss_fn, losses.KLDivergence):
                value = ops.mean(loss_fn(ops.softmax(teacher_logits, axis=-1), ops.softmax(student_logits, axis=-1)))
                return value * (self.temperature ** 2)
            return ops.mean(loss_fn(teacher_logits, student_logits))

        return _sum_scalars(_leaves(tree.map_structure_up_to(self.loss, one, self.loss, teacher_outputs,
                                                             student_outputs)))

    def get_config(self):
        return {"temperature": self.temperature, "loss": serialize_losses(self.loss)}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": deserialize_losses(config["loss"])})


class FeatureDistillation(DistillationLoss):
    """Match features of the teacher and the student (Keras 3's ``FeatureDistillation``).

    ``teacher_layer_name``/``student_layer_name`` pick an intermediate layer's output (the models must
    then be functional or Sequential); ``None`` uses the model's final output. Each output's loss is
    averaged to a scalar, and the outputs' losses are summed.
    """

    def __init__(self, loss="mse", teacher_layer_name=None, student_layer_name=None):
        self.teacher_layer_name = teacher_layer_name
        self.student_layer_name = student_layer_name
        self.loss = resolve_losses(loss, "FeatureDistillation")

    def validate_model_compatibility(self, teacher, student):
        """Named layers need graph models that hold them."""
        if self.teacher_layer_name is None and self.student_layer_name is None:
            return
        subclassed = [role for role, model in (("teacher", teacher), ("student", student))
                      if getattr(model, "inputs", None) is None]
        if subclassed:
            raise ValueError(f"FeatureDistillation with layer names needs functional or Sequential models; the "
                             f"{' and '.join(subclassed)} model(s) are subclassed (no symbolic inputs). Use "
                             "functional/Sequential models, drop the layer names to distill final outputs, or "
                             "use LogitsDistillation.")
        for role, model, name in (("teacher", teacher, self.teacher_layer_name),
                                  ("student", student, self.student_layer_name)):
            if name is not None:
                try:
                    model.get_layer(name=name)
                except ValueError as error:
                    raise ValueError(f"FeatureDistillation: in the {role} model: {error}") from None

    def validate_outputs(self, teacher_outputs, student_outputs):
        super().validate_outputs(teacher_outputs, student_outputs)
        try:
            tree.assert_same_structure(self.loss, teacher_outputs)
        except ValueError as error:
            raise ValueError(f"FeatureDistillation: the loss structure {self.loss!r} does not match the output "
                             f"structure: {error}") from None

    def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
        """Scalar loss between features of the same shapes (or structures of them)."""
        def one(loss_fn, teacher_features, student_features):
            if loss_fn is None:
                return 0.0
            return ops.mean(loss_fn(teacher_features, student_features))

        return _sum_scalars(_leaves(tree.map_structure_up_to(self.loss, one, self.loss, teacher_outputs,
                                                             student_outputs)))

    def get_config(self):
        return {"loss": serialize_losses(self.loss), "teacher_layer_name": self.teacher_layer_name,
                "student_layer_name": self.student_layer_name}

    @classmethod
    def from_config(cls, config):
        return cls(**{**config, "loss": deserialize_losses(config["loss"])})
