"""Nadam: Adam with Nesterov momentum (Dozat), Keras 3's momentum-schedule form."""

from kerafront import config, ops
from kerafront.optimizers.adam import MomentOptimizer


class Nadam(MomentOptimizer):
    """Keras 3's Nadam. With ``t = iterations + 1`` and ``mu(s) = beta_1 * (1 - 0.5 * 0.96**s)``:
    each step first updates the Variable ``u_product *= mu(t)`` (starts at 1), then per variable
    ``m += (g - m) * (1 - beta_1)``; ``v += (g**2 - v) * (1 - beta_2)``;
    ``m_hat = mu(t+1) * m / (1 - u_product * mu(t+1)) + (1 - mu(t)) * g / (1 - u_product)``;
    ``v_hat = v / (1 - beta_2**t)``; ``var -= lr * m_hat / (sqrt(v_hat) + epsilon)``.
    Slots, in order: ``momentum``, ``velocity``; then the ``u_product`` Variable.
    """

    def build_slots(self, variables):
        self.add_slots(variables, ["momentum", "velocity"])
        dtype = variables[0].dtype if variables else config.floatx()
        self._u_product = self.add_variable((), initializer=1.0, dtype=dtype, name="u_product")

    def _mu(self, step):
        return ops.multiply(ops.subtract(1.0, ops.multiply(ops.power(0.96, step), 0.5)), self.beta_1)

    def prepare_step(self, learning_rate):
        floatx = config.floatx()
        t = ops.cast(ops.add(self.update_count(), 1), floatx)
        u_t, u_next = self._mu(t), self._mu(ops.add(t, 1.0))
        u_product = ops.multiply(ops.cast(self._u_product.value, floatx), u_t)
        self._u_product.assign(u_product)
        return {
            "momentum_coefficient": ops.divide(u_next, ops.subtract(1.0, ops.multiply(u_product, u_next))),
            "gradient_coefficient": ops.divide(ops.subtract(1.0, u_t), ops.subtract(1.0, u_product)),
            "velocity_correction": ops.divide(1.0, ops.subtract(1.0, ops.power(self.beta_2, t))),
        }

    def update_step(self, gradient, variable, learning_rate):
        dtype = variable.dtype
        m = self._update_moment("momentum", variable, gradient, self.beta_1)
        v = self._update_moment("velocity", variable, ops.square(gradient), self.beta_2)
        m_hat = ops.add(ops.multiply(m, self.step_scalar("momentum_coefficient", dtype)),
                        ops.multiply(gradient, self.step_scalar("gradient_coefficient", dtype)))
        v_hat = ops.multiply(v, self.step_scalar("velocity_correction", dtype))
        lr = self.step_scalar("learning_rate", dtype)
        update = ops.divide(ops.multiply(m_hat, lr), ops.add(ops.sqrt(v_hat), self.epsilon))
        variable.assign(ops.subtract(variable.value, update))
