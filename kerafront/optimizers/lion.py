"""Lion (Chen et al., 2023, "Symbolic Discovery of Optimization Algorithms"): sign of an interpolated momentum."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class Lion(Optimizer):
    """Keras 3's Lion: ``var -= lr * sign(beta_1 * m + (1 - beta_1) * g)``, then
    ``m = beta_2 * m + (1 - beta_2) * g`` (slot ``momentum``). Every coordinate moves by exactly
    ``lr`` (or 0), so Lion wants a learning rate 3-10x smaller than Adam's.
    """

    hyperparameters = ("beta_1", "beta_2")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        if not 0.0 < float(beta_1) <= 1.0:
            raise ValueError(f"Lion: beta_1 must be in (0, 1], got {beta_1!r}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def build_slots(self, variables):
        self.add_slots(variables, ["momentum"])

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        momentum = self.slot("momentum", variable)
        direction = ops.sign(ops.add(ops.multiply(momentum.value, self.beta_1),
                                     ops.multiply(gradient, 1.0 - self.beta_1)))
        variable.assign(ops.subtract(variable.value, ops.multiply(direction, lr)))
        momentum.assign(ops.add(ops.multiply(momentum.value, self.beta_2), ops.multiply(gradient, 1.0 - self.beta_2)))
