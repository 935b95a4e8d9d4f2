"""Adadelta (Zeiler, 2012): step sizes from running averages of squared gradients and updates."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class Adadelta(Optimizer):
    """Keras 3's Adadelta (``rho=0.95``, ``epsilon=1e-7`` inside the square roots).

    ``a_g = rho * a_g + (1 - rho) * g**2``; ``delta = -sqrt(a_d + eps) * g / sqrt(a_g + eps)``;
    ``a_d = rho * a_d + (1 - rho) * delta**2``; ``var += lr * delta``. Keras keeps the learning rate
    (default 0.001, where the paper has none: use 1.0 for the paper's update).
    Slots, interleaved per variable: ``accumulated_grad``, ``accumulated_delta_var``.
    """

    hyperparameters = ("rho", "epsilon")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def build_slots(self, variables):
        self.add_slots(variables, ["accumulated_grad", "accumulated_delta_var"])

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        grad_average = self.slot("accumulated_grad", variable)
        delta_average = self.slot("accumulated_delta_var", variable)
        a_g = ops.add(ops.multiply(grad_average.value, self.rho), ops.multiply(ops.square(gradient), 1.0 - self.rho))
        grad_average.assign(a_g)
        delta = ops.negative(ops.divide(ops.multiply(ops.sqrt(ops.add(delta_average.value, self.epsilon)), gradient),
                                        ops.sqrt(ops.add(a_g, self.epsilon))))
        delta_average.assign(ops.add(ops.multiply(delta_average.value, self.rho),
                                     ops.multiply(ops.square(delta), 1.0 - self.rho)))
        variable.assign(ops.add(variable.value, ops.multiply(delta, lr)))
