"""RMSprop: gradients scaled by a moving average of their squares."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class RMSprop(Optimizer):
    """Keras 3's RMSprop (``rho=0.9``; torch's ``alpha`` defaults to 0.99; ``epsilon=1e-7`` inside the sqrt).

    ``v = rho * v + (1 - rho) * g**2``; with ``centered``: ``a = rho * a + (1 - rho) * g`` and
    ``denominator = v - a**2 + eps``, else ``v + eps``; ``increment = lr * g / sqrt(denominator)``;
    with ``momentum`` ``mu > 0``: ``m = mu * m + increment; var -= m``, else ``var -= increment``.
    Slots: every ``velocity``, then every ``momentum`` (when ``mu > 0``), then every ``average_gradient``
    (centered), as Keras orders them.
    """

    fused_kind = "rmsprop"
    hyperparameters = ("rho", "momentum", "epsilon", "centered")

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    def build_slots(self, variables):
        self.add_slots(variables, ["velocity"])
        if self.momentum > 0:
            self.add_slots(variables, ["momentum"])
        if self.centered:
            self.add_slots(variables, ["average_gradient"])

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        velocity = self.slot("velocity", variable)
        v = ops.add(ops.multiply(velocity.value, self.rho), ops.multiply(ops.square(gradient), 1.0 - self.rho))
        velocity.assign(v)
        if self.centered:
            average = self.slot("average_gradient", variable)
            a = ops.add(ops.multiply(average.value, self.rho), ops.multiply(gradient, 1.0 - self.rho))
            average.assign(a)
            denominator = ops.add(ops.subtract(v, ops.square(a)), self.epsilon)
        else:
            denominator = ops.add(v, self.epsilon)
        increment = ops.divide(ops.multiply(gradient, lr), ops.sqrt(denominator))
        if self.momentum > 0:
            momentum = self.slot("momentum", variable)
            increment = ops.add(ops.multiply(momentum.value, self.momentum), increment)
            momentum.assign(increment)
        variable.assign(ops.subtract(variable.value, increment))
