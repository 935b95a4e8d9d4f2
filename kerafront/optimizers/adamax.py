"""Adamax: Adam with the infinity norm in place of the second moment."""

from kerafront import config, ops
from kerafront.optimizers.adam import MomentOptimizer


class Adamax(MomentOptimizer):
    """Keras 3's Adamax. With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``;
    ``u = max(beta_2 * u, |g|)``; ``var -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.
    Slots, in order: ``momentum``, ``norm``.
    """

    fused_kind = "adamax"

    def build_slots(self, variables):
        self.add_slots(variables, ["momentum", "norm"])

    def prepare_step(self, learning_rate):
        t = ops.cast(ops.add(self.update_count(), 1), config.floatx())
        lr = ops.cast(learning_rate, config.floatx())
        return {"lr_t": ops.divide(lr, ops.subtract(1.0, ops.power(self.beta_1, t)))}

    def update_step(self, gradient, variable, learning_rate):
        lr_t = self.step_scalar("lr_t", variable.dtype)
        m = self._update_moment("momentum", variable, gradient, self.beta_1)
        u_slot = self.slot("norm", variable)
        u = ops.maximum(ops.multiply(u_slot.value, self.beta_2), ops.abs(gradient))
        u_slot.assign(u)
        variable.assign(ops.subtract(variable.value, ops.divide(ops.multiply(m, lr_t), ops.add(u, self.epsilon))))
