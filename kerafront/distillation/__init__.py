"""``kerafront.distillation``: knowledge distillation, as Keras 3's ``keras.distillation``.

``Distiller(teacher, student, distillation_losses)`` is a ``Model`` whose ``fit`` trains the student
on a mix of its own loss and ``DistillationLoss`` terms (``LogitsDistillation``,
``FeatureDistillation`` or a subclass) comparing it with the frozen teacher.
"""

from kerafront.distillation.distillation_loss import DistillationLoss, FeatureDistillation, LogitsDistillation
from kerafront.distillation.distiller import Distiller
from kerafront.saving.serialization import register_builtin as _register_builtin

__all__ = ["DistillationLoss", "LogitsDistillation", "FeatureDistillation", "Distiller"]

for _cls in (DistillationLoss, LogitsDistillation, FeatureDistillation, Distiller):
    _register_builtin(_cls)
del _cls
