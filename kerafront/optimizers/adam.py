"""Adam and AdamW (Kingma & Ba; decoupled weight decay per Loshchilov & Hutter), and the moment
estimates they share with Adamax and Nadam."""

from kerafront import config, ops
from kerafront.optimizers.optimizer import Optimizer


class MomentOptimizer(Optimizer):
    """Base of Adam, Adamax and Nadam: moving averages of the gradient (decay ``beta_1``, slot
    ``momentum``) and of a second statistic (decay ``beta_2``), with ``epsilon`` in the denominator.
    Its signature and defaults are Keras's Adamax and Nadam ones, which those classes keep."""

    hyperparameters = ("beta_1", "beta_2", "epsilon")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)

    def _update_moment(self, slot_name, variable, value, decay):
        """``s += (value - s) * (1 - decay)`` for slot ``slot_name`` of ``variable``; returns the new ``s``."""
        slot = self.slot(slot_name, variable)
        new = ops.add(slot.value, ops.multiply(ops.subtract(value, slot.value), 1.0 - decay))
        slot.assign(new)
        return new


class Adam(MomentOptimizer):
    """Keras 3's Adam. ``epsilon=1e-7`` (torch uses 1e-8) sits *outside* the square root.

    With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
    with ``amsgrad``: ``v_hat = max(v_hat, v)`` replaces ``v`` below;
    ``var -= m * alpha / (sqrt(v) + epsilon)`` where ``alpha = lr * sqrt(1 - beta_2**t) / (1 - beta_1**t)``.
    Slots, in order: ``momentum``, ``velocity``, then ``velocity_hat`` (amsgrad).
    """

    fused_kind = "adam"
    hyperparameters = ("beta_1", "beta_2", "epsilon", "amsgrad")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **options):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, weight_decay, clipnorm, clipvalue, global_clipnorm,
                         name, **options)
        self.amsgrad = bool(amsgrad)

    def build_slots(self, variables):
        self.add_slots(variables, ["momentum", "velocity"])
        if self.amsgrad:
            self.add_slots(variables, ["velocity_hat"])

    def prepare_step(self, learning_rate):
        t = ops.cast(ops.add(self.update_count(), 1), config.floatx())
        correction = ops.divide(ops.sqrt(ops.subtract(1.0, ops.power(self.beta_2, t))),
                                ops.subtract(1.0, ops.power(self.beta_1, t)))
        return {"alpha": ops.multiply(ops.cast(learning_rate, config.floatx()), correction)}

    def update_step(self, gradient, variable, learning_rate):
        alpha = self.step_scalar("alpha", variable.dtype)
        m = self._update_moment("momentum", variable, gradient, self.beta_1)
        v = self._update_moment("velocity", variable, ops.square(gradient), self.beta_2)
        if self.amsgrad:
            v_hat = self.slot("velocity_hat", variable)
            v = ops.maximum(v_hat.value, v)
            v_hat.assign(v)
        update = ops.divide(ops.multiply(m, alpha), ops.add(ops.sqrt(v), self.epsilon))
        variable.assign(ops.subtract(variable.value, update))


class AdamW(Adam):
    """Adam with decoupled weight decay (default ``weight_decay=0.004``, as Keras).

    Before each Adam update: ``var -= var * weight_decay * lr`` (the base class's weight decay;
    exempt variables with ``exclude_from_weight_decay``).
    """

    def __init__(self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None, **options):
        if weight_decay is None:
            raise ValueError("AdamW: weight_decay must be a float (default 0.004); use Adam for no weight decay.")
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon, amsgrad=amsgrad,
                         weight_decay=weight_decay, clipnorm=clipnorm, clipvalue=clipvalue,
                         global_clipnorm=global_clipnorm, name=name, **options)
