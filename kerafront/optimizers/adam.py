"""Adam and AdamW (Kingma & Ba; decoupled weight decay per Loshchilov & Hutter)."""

from kerafront import config, ops
from kerafront.optimizers.optimizer import Optimizer


class Adam(Optimizer):
    """Keras 3's Adam. ``epsilon=1e-7`` (torch uses 1e-8) sits *outside* the square root.

    With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
    with ``amsgrad``: ``v_hat = max(v_hat, v)`` replaces ``v`` below;
    ``var -= m * alpha / (sqrt(v) + epsilon)`` where ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
    Slots, in order: ``momentum``, ``velocity``, then ``velocity_hat`` (amsgrad).
    """

    fused_kind = "adam"

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    def build(self, variables):
        if self.built:
            return
        super().build(variables)
        self.add_slots(self._trainable_variables, ["momentum", "velocity"])
        if self.amsgrad:
            self.add_slots(self._trainable_variables, ["velocity_hat"])

    def prepare_step(self, learning_rate):
        t = ops.cast(ops.add(self.iterations.value, 1), config.floatx())
        correction = ops.divide(ops.sqrt(ops.subtract(1.0, ops.power(self.beta_2, t))),
                                ops.subtract(1.0, ops.power(self.beta_1, t)))
        return {"alpha": ops.multiply(ops.cast(learning_rate, config.floatx()), correction)}

    def update_step(self, gradient, variable, learning_rate):
        alpha = self.step_scalar("alpha", variable.dtype)
        m_slot, v_slot = self.slot("momentum", variable), self.slot("velocity", variable)
        m = ops.add(m_slot.value, ops.multiply(ops.subtract(gradient, m_slot.value), 1.0 - self.beta_1))
        v = ops.add(v_slot.value, ops.multiply(ops.subtract(ops.square(gradient), v_slot.value), 1.0 - self.beta_2))
        m_slot.assign(m)
        v_slot.assign(v)
        if self.amsgrad:
            v_hat = self.slot("velocity_hat", variable)
            v = ops.maximum(v_hat.value, v)
            v_hat.assign(v)
        update = ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        variable.assign(ops.subtract(variable.value, update))

    def fused_hyperparameters(self):
        return {"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon, "amsgrad": self.amsgrad}

    def get_config(self):
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon,
                "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay=0.004``, as Keras).

    Before each Adam update: ``var -= var * weight_decay * lr`` (the base class's weight decay;
    exempt variables with ``exclude_from_weight_decay``).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float (default 0.004); use Adam for no weight decay.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name)
