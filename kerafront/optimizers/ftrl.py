"""FTRL-Proximal (McMahan et al., 2013): follow-the-regularized-leader with L1/L2 regularization."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class Ftrl(Optimizer):
    """Keras 3's Ftrl. With ``p = -learning_rate_power`` (0.5), slots ``accumulator`` (starts at
    ``initial_accumulator_value``) ``n`` and ``linear`` ``z`` (starts at 0):

    ``n' = n + g**2``; ``z += g + 2 * l2_shrinkage * var - (n'**p - n**p) / lr * var``;
    ``var = (clip(z, -l1, l1) - z) / (n'**p / lr + 2 * (l2 + beta / (2 * lr)))``; ``n = n'``.
    (The shrinkage term enters ``z`` but not ``n``, as Keras.)
    """

    hyperparameters = ("learning_rate_power", "initial_accumulator_value", "l1_regularization_strength",
                       "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        if initial_accumulator_value < 0.0:
            raise ValueError(f"Ftrl: initial_accumulator_value must be >= 0, got {initial_accumulator_value!r}.")
        if learning_rate_power > 0.0:
            raise ValueError(f"Ftrl: learning_rate_power must be <= 0, got {learning_rate_power!r}.")
        for key, value in (("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"Ftrl: {key} must be >= 0, got {value!r}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def build_slots(self, variables):
        for variable in variables:   # Keras interleaves accumulator and linear, with different initial values
            self.add_slots([variable], ["accumulator"], initializer=self.initial_accumulator_value)
            self.add_slots([variable], ["linear"])

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        power = -self.learning_rate_power
        accumulator, linear = self.slot("accumulator", variable), self.slot("linear", variable)
        n, var = accumulator.value, variable.value
        n_new = ops.add(n, ops.square(gradient))
        shrunk = ops.add(gradient, ops.multiply(var, 2.0 * self.l2_shrinkage_regularization_strength))
        sigma = ops.divide(ops.subtract(ops.power(n_new, power), ops.power(n, power)), lr)
        z = ops.subtract(ops.add(linear.value, shrunk), ops.multiply(sigma, var))
        linear.assign(z)
        l2 = ops.add(ops.divide(self.beta / 2.0, lr), self.l2_regularization_strength)
        quadratic = ops.add(ops.divide(ops.power(n_new, power), lr), ops.multiply(l2, 2.0))
        l1 = self.l1_regularization_strength
        variable.assign(ops.divide(ops.subtract(ops.clip(z, -l1, l1), z), quadratic))
        accumulator.assign(n_new)
