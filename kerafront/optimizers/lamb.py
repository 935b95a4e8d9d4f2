"""Lamb (You et al., 2019): Adam's step rescaled per variable by a trust ratio."""

from kerafront import config, ops
from kerafront.optimizers.adam import MomentOptimizer


class Lamb(MomentOptimizer):
    """Keras 3's Lamb. With ``t = iterations + 1``: ``m += (g - m) * (1 - beta_1)``;
    ``v += (g**2 - v) * (1 - beta_2)``; ``u = (m / (1 - beta_1**t)) / (sqrt(v / (1 - beta_2**t)) + epsilon)``;
    ``var -= r * lr * u`` with the trust ratio ``r = ||var|| / ||u||`` (1 when either norm is 0).
    Slots, interleaved per variable: ``momentum``, ``velocity``.
    """

    def build_slots(self, variables):
        self.add_slots(variables, ["momentum", "velocity"])

    def prepare_step(self, learning_rate):
        t = ops.cast(ops.add(self.update_count(), 1), config.floatx())
        return {"correction_1": ops.subtract(1.0, ops.power(self.beta_1, t)),
                "correction_2": ops.subtract(1.0, ops.power(self.beta_2, t))}

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        m = self._update_moment("momentum", variable, gradient, self.beta_1)
        v = self._update_moment("velocity", variable, ops.square(gradient), self.beta_2)
        m_hat = ops.divide(m, self.step_scalar("correction_1", variable.dtype))
        v_root = ops.add(ops.sqrt(ops.divide(v, self.step_scalar("correction_2", variable.dtype))), self.epsilon)
        update = ops.divide(m_hat, v_root)
        w_norm = ops.sqrt(ops.sum(ops.square(variable.value)))
        u_norm = ops.sqrt(ops.sum(ops.square(update)))
        usable = ops.logical_and(ops.greater(w_norm, 0.0), ops.greater(u_norm, 0.0))
        ratio = ops.where(usable, ops.divide(w_norm, ops.where(usable, u_norm, 1.0)), 1.0)
        variable.assign(ops.subtract(variable.value, ops.multiply(ops.multiply(update, lr), ratio)))
