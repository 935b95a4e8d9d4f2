"""``Distiller``: a model that trains a student to match a frozen teacher (Keras 3's ``keras.distillation.Distiller``).

One training step, on the built-in ``train_step`` (so it runs eagerly, compiled pure or compiled
stateful like any model):

    y_pred = student(x, training=True)                       # Distiller.call
    student_loss = mean(compiled student loss(y, y_pred))    # compile(loss=...), 0.0 without y
    distillation_loss = sum_i weight_i * loss_i(teacher features, student features)
    total_loss = w * student_loss + (1 - w) * distillation_loss     # w = student_loss_weight

The teacher runs with ``training=False`` and is frozen (``trainable = False``), so only the
student's weights get gradients. The three parts are logged by ``Mean`` trackers named
``student_loss``, ``distillation_loss`` and ``total_loss`` (a plain mean over steps), next to
``loss`` (the total, averaged over samples) and the compiled metrics.
"""

from kerafront import metrics as metrics_module, ops, tree
from kerafront.distillation.distillation_loss import deserialize_losses, resolve_loss
from kerafront.models.model import Model
from kerafront.saving import serialization

_FINAL = "final_output"


class Distiller(Model):
    """Knowledge distillation from ``teacher`` into ``student`` (both ``kerafront.Model``s).

    ``distillation_losses``: one ``DistillationLoss`` or a list of them; ``distillation_loss_weights``
    (list only, default all 1.0) weighs each; ``student_loss_weight`` in ``[0, 1]`` mixes the student's
    supervised loss with the distillation loss. ``distiller.student`` is the trained model to keep.
    """

    def __init__(self, teacher, student, distillation_losses, distillation_loss_weights=None,
                 student_loss_weight=0.5, name="distiller", **kwargs):
        super().__init__(name=name, **kwargs)
        _check_models(teacher, student)
        self.teacher = teacher
        self.student = student
        if isinstance(student_loss_weight, bool) or not isinstance(student_loss_weight, (int, float)):
            raise ValueError(f"Distiller: student_loss_weight must be a number, got "
                             f"{type(student_loss_weight).__name__} {student_loss_weight!r}.")
        if not 0.0 <= student_loss_weight <= 1.0:
            raise ValueError(f"Distiller: student_loss_weight must be between 0.0 and 1.0, got {student_loss_weight}.")
        self.student_loss_weight = student_loss_weight
        if distillation_losses is None:
            raise ValueError("Distiller: 'distillation_losses' cannot be None. Pass a distillation loss (e.g. "
                             "LogitsDistillation or FeatureDistillation) or a list of them.")
        if isinstance(distillation_losses, (list, tuple)):
            weights = [1.0] * len(distillation_losses) if distillation_loss_weights is None \
                else list(distillation_loss_weights)
            if len(weights) != len(distillation_losses):
                raise ValueError(f"Distiller: {len(weights)} distillation_loss_weights for "
                                 f"{len(distillation_losses)} distillation_losses; pass one weight per loss.")
            distillation_losses = list(distillation_losses)
        else:   # as in Keras, a single loss gets weight 1.0 whatever distillation_loss_weights says
            distillation_losses, weights = [distillation_losses], [1.0]
        self.distillation_losses = distillation_losses
        self.distillation_loss_weights = weights
        for loss in distillation_losses:
            loss.validate_model_compatibility(teacher, student)
        self._teacher_feature_extractor = _feature_extractor(teacher, _layer_names(distillation_losses, "teacher"))
        self._student_feature_extractor = _feature_extractor(student, _layer_names(distillation_losses, "student"))
        self.teacher.trainable = False
        self.student_loss_tracker = metrics_module.Mean(name="student_loss")
        self.distillation_loss_tracker = metrics_module.Mean(name="distillation_loss")
        self.total_loss_tracker = metrics_module.Mean(name="total_loss")

    def compile(self, optimizer="adam", loss=None, metrics=None, **kwargs):
        """``loss`` is the student's supervised loss (required; Keras's ``losses.get`` rules, nested
        like the student's outputs); the rest as ``Model.compile``."""
        if loss is None:
            raise ValueError("Distiller.compile: 'loss' cannot be None; pass the student's loss, e.g. "
                             "loss='sparse_categorical_crossentropy'.")
        if metrics is not None and not isinstance(metrics, (list, tuple)):
            raise ValueError(f"Distiller.compile: metrics must be a list or tuple, got {type(metrics).__name__}.")
        structure = deserialize_losses(loss)
        student_loss = tree.map_structure_up_to(structure, lambda item: resolve_loss(item, "Distiller.compile"),
                                                structure)
        super().compile(optimizer=optimizer, loss=None, metrics=metrics, **kwargs)
        self._student_loss = student_loss
        self._compile_config["loss"] = loss   # saved with the model, given back to compile() on loading

    def call(self, inputs, training=None):
        """The student's outputs."""
        return self.student(inputs, training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """``student_loss_weight * student_loss + (1 - student_loss_weight) * distillation_loss``
        (``sample_weight`` is ignored, as in Keras); updates the three trackers."""
        if y_pred is None:
            y_pred = self(x, training=training)
        student_loss = 0.0
        if self.student_loss_weight > 0.0 and y is not None:
            student_loss = self._student_loss_value(y, y_pred)
        distillation_loss = 0.0
        if self.student_loss_weight < 1.0:
            distillation_loss = self._distillation_loss_value(x, y_pred, training)
        weight = self.student_loss_weight
        total_loss = ops.add(ops.multiply(weight, student_loss), ops.multiply(1.0 - weight, distillation_loss))
        self.student_loss_tracker.update_state(student_loss)
        self.distillation_loss_tracker.update_state(distillation_loss)
        self.total_loss_tracker.update_state(total_loss)
        return total_loss

    def _student_loss_value(self, y, y_pred):
        values = tree.map_structure_up_to(self._student_loss, lambda fn, target, output: fn(target, output),
                                          self._student_loss, y, y_pred)
        flat = [value for _, value in tree.flatten_with_path(values)]
        value = ops.sum(ops.stack(flat)) if len(flat) > 1 else flat[0]
        return ops.mean(value) if len(ops.shape(value)) > 0 else value

    def _distillation_loss_value(self, x, y_pred, training):
        teacher_features = self._features(self._teacher_feature_extractor, self.teacher, x, False, None)
        student_features = self._features(self._student_feature_extractor, self.student, x, training, y_pred)
        total = 0.0
        for loss, weight in zip(self.distillation_losses, self.distillation_loss_weights):
            if getattr(loss, "teacher_layer_name", None) is not None:
                teacher_output = teacher_features[loss.teacher_layer_name]
                student_output = student_features[getattr(loss, "student_layer_name", None) or _FINAL]
            else:
                teacher_output, student_output = teacher_features[_FINAL], y_pred
            loss.validate_outputs(teacher_output, student_output)
            value = loss.compute_loss(teacher_output, student_output)
            if len(ops.shape(value)) > 0:
                raise ValueError(f"Distiller: {type(loss).__name__}.compute_loss returned a loss of shape "
                                 f"{tuple(ops.shape(value))}; it must return a scalar.")
            total = ops.add(total, ops.multiply(weight, value))
        return total

    @staticmethod
    def _features(extractor, model, x, training, y_pred):
        """``{"final_output": ..., layer name: ...}`` from one forward pass (the student's final
        output is ``y_pred`` when no layer of it is named)."""
        if extractor is not None:
            return extractor(x, training=training)
        return {_FINAL: model(x, training=training) if y_pred is None else y_pred}

    def get_config(self):
        config = super().get_config()
        config.update({
            "teacher": serialization.serialize(self.teacher),
            "student": serialization.serialize(self.student),
            "distillation_losses": [serialization.serialize(loss) for loss in self.distillation_losses],
            "distillation_loss_weights": list(self.distillation_loss_weights),
            "student_loss_weight": self.student_loss_weight,
        })
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("teacher", "student"):
            config[key] = serialization.deserialize(config[key], custom_objects)
        config["distillation_losses"] = [serialization.deserialize(loss, custom_objects)
                                         for loss in config["distillation_losses"]]
        return cls(**config)


def _check_models(teacher, student):
    """Both are models; graph models must agree in input/output ranks, known sizes and dtypes."""
    for role, model in (("teacher", teacher), ("student", student)):
        if not isinstance(model, Model):
            raise ValueError(f"Distiller: the {role} must be a kerafront.Model, got {type(model).__name__}.")
    for what in ("inputs", "outputs"):
        teacher_tensors, student_tensors = getattr(teacher, what), getattr(student, what)
        if teacher_tensors is None or student_tensors is None:
            continue
        if len(teacher_tensors) != len(student_tensors):
            raise ValueError(f"Distiller: the teacher has {len(teacher_tensors)} {what}, the student "
                             f"{len(student_tensors)}; they must match.")
        for t, s in zip(teacher_tensors, student_tensors):
            _check_shapes(tuple(t.shape), tuple(s.shape), what[:-1])
            if t.dtype != s.dtype:
                raise ValueError(f"Distiller: teacher and student {what[:-1]} dtypes must match. Teacher: {t.dtype}, "
                                 f"Student: {s.dtype}.")


def _check_shapes(teacher_shape, student_shape, what):
    if len(teacher_shape) != len(student_shape):
        raise ValueError(f"Distiller: teacher and student {what} shapes have different ranks. Teacher: "
                         f"{teacher_shape}, Student: {student_shape}.")
    if any(a is not None and b is not None and a != b for a, b in zip(teacher_shape, student_shape)):
        raise ValueError(f"Distiller: teacher and student {what} shapes are incompatible. Teacher: {teacher_shape}, "
                         f"Student: {student_shape}. All known dimensions must match.")


def _layer_names(distillation_losses, role):
    names = []
    for loss in distillation_losses:
        name = getattr(loss, f"{role}_layer_name", None)
        if name and name not in names:
            names.append(name)
    return names


def _feature_extractor(model, layer_names):
    """A functional model giving ``{"final_output": ..., name: layer output}`` in one pass; ``None``
    when no layer is named."""
    if not layer_names:
        return None
    if model.inputs is None:
        raise ValueError(f'Distiller: cannot extract features of model "{model.name}": it has no symbolic inputs '
                         "(a subclassed model). Use a functional or Sequential model.")
    final = getattr(model, "_outputs_struct", None)
    if final is None:
        final = model.outputs[0] if len(model.outputs) == 1 else list(model.outputs)
    outputs = {_FINAL: final, **{name: model.get_layer(name=name).output for name in layer_names}}
    inputs = model.inputs[0] if len(model.inputs) == 1 else model.inputs
    return Model(inputs=inputs, outputs=outputs, name=f"{model.name}_multi_feature_extractor")
