"""Adagrad: per-coordinate learning rates from the accumulated squared gradients."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class Adagrad(Optimizer):
    """Keras 3's Adagrad: ``acc += g**2``; ``var -= lr * g / sqrt(acc + epsilon)``.

    The accumulator (slot ``accumulator``) starts at ``initial_accumulator_value`` (0.1);
    ``epsilon`` (1e-7) sits inside the square root.
    """

    fused_kind = "adagrad"
    hyperparameters = ("initial_accumulator_value", "epsilon")

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def build_slots(self, variables):
        self.add_slots(variables, ["accumulator"], initializer=self.initial_accumulator_value)

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        accumulator = self.slot("accumulator", variable)
        acc = ops.add(accumulator.value, ops.square(gradient))
        accumulator.assign(acc)
        variable.assign(ops.subtract(variable.value,
                                     ops.divide(ops.multiply(gradient, lr), ops.sqrt(ops.add(acc, self.epsilon)))))

    def fused_hyperparameters(self):
        return {"epsilon": self.epsilon}   # the accumulator's initial value is in the slot already
