"""Adamax: Adam with the infinity norm in place of the second moment."""

from kerafront import config, ops
from kerafront.optimizers.optimizer import Optimizer


class Adamax(Optimizer):
    """Keras 3's Adamax. With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``;
    ``u = max(beta_2 * u, |g|)``; ``var -= lr * m / ((1 - beta_1**t) * (u + epsilon))``.
    Slots, in order: ``momentum``, ``norm``.
    """

    fused_kind = "adamax"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.add_slots(self._trainable_variables, ["momentum", "norm"])

    def prepare_step(self, learning_rate):
        t = ops.cast(ops.add(self.iterations.value, 1), config.floatx())
        lr = ops.cast(learning_rate, config.floatx())
        return {"lr_t": ops.divide(lr, ops.subtract(1.0, ops.power(self.beta_1, t)))}

    def update_step(self, gradient, variable, learning_rate):
        lr_t = self.step_scalar("lr_t", variable.dtype)
        m_slot, u_slot = self.slot("momentum", variable), self.slot("norm", variable)
        m = ops.add(m_slot.value, ops.multiply(ops.subtract(gradient, m_slot.value), 1.0 - self.beta_1))
        u = ops.maximum(ops.multiply(u_slot.value, self.beta_2), ops.abs(gradient))
        m_slot.assign(m)
        u_slot.assign(u)
        variable.assign(ops.subtract(variable.value, ops.divide(ops.multiply(m, lr_t), ops.add(u, self.epsilon))))

    def fused_hyperparameters(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon}
