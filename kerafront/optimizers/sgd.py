"""Stochastic gradient descent with optional (Nesterov) momentum."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class SGD(Optimizer):
    """Gradient descent, Keras 3's update (note Keras's default ``learning_rate=0.01``).

    Without momentum: ``var -= lr * g``. With ``momentum`` ``mu`` (slot ``momentum``, starts at 0):
    ``m = mu * m - lr * g``; then ``var += m``, or with ``nesterov=True`` ``var += mu * m - lr * g``.
    """

    fused_kind = "sgd"
    hyperparameters = ("momentum", "nesterov")

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"SGD: momentum must be a float in [0, 1], got {momentum!r}.")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build_slots(self, variables):
        if self.momentum != 0:
            self.add_slots(variables, ["momentum"])

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        step = ops.multiply(gradient, lr)
        if self.momentum == 0:
            variable.assign(ops.subtract(variable.value, step))
            return
        m = self.slot("momentum", variable)
        m_new = ops.subtract(ops.multiply(m.value, self.momentum), step)
        m.assign(m_new)
        if self.nesterov:
            variable.assign(ops.add(variable.value, ops.subtract(ops.multiply(m_new, self.momentum), step)))
        else:
            variable.assign(ops.add(variable.value, m_new))
