"""Adafactor (Shazeer & Stern, 2018): Adam-like steps with a factored second moment."""

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


class Adafactor(Optimizer):
    """Keras 3's Adafactor. With ``t = iterations + 1`` and ``rms(x) = sqrt(mean(x**2))``:

    ``rho = min(lr, 1 / sqrt(t))`` (with or without ``relative_step``: Keras caps ``lr`` the same way twice);
    ``alpha = max(epsilon_2, rms(var)) * rho``; ``q = g**2 + epsilon_1``; ``b = 1 - t**beta_2_decay``.
    For a variable of rank >= 2 (the last two axes factored): ``r = b * r + (1 - b) * mean(q, -1)``,
    ``c = b * c + (1 - b) * mean(q, -2)``, ``v = (r / mean(r, -1))[..., None] * c[..., None, :]``;
    otherwise ``v = b * v + (1 - b) * q``. Then ``u = g / sqrt(v)``,
    ``var -= alpha * u / max(1, rms(u) / clip_threshold)``.
    Variables per model variable, in order: ``r`` (shape ``var.shape[:-1]``), ``c`` (``var.shape[:-2] +
    var.shape[-1:]``), ``velocity``; for rank < 2 ``r`` and ``c`` are unused scalars (as Keras).
    """

    hyperparameters = ("beta_2_decay", "epsilon_1", "epsilon_2", "clip_threshold", "relative_step")

    def __init__(self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0,
                 relative_step=True, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        self.beta_2_decay = float(beta_2_decay)
        self.epsilon_1 = float(epsilon_1)
        self.epsilon_2 = float(epsilon_2)
        self.clip_threshold = float(clip_threshold)
        self.relative_step = bool(relative_step)

    def build_slots(self, variables):
        self._factors = []
        for variable in variables:
            shape = tuple(variable.shape)
            factored = len(shape) >= 2
            r_shape, c_shape = (shape[:-1], shape[:-2] + shape[-1:]) if factored else ((), ())
            r = self.add_variable(r_shape, dtype=variable.dtype, name="r")
            c = self.add_variable(c_shape, dtype=variable.dtype, name="c")
            r.path, c.path = f"{self.name}/r/{variable.path}", f"{self.name}/c/{variable.path}"
            self._factors.append((r, c))
            self.add_slots([variable], ["velocity"])

    @staticmethod
    def _rms(x):
        return ops.sqrt(ops.mean(ops.square(x)))

    def prepare_step(self, learning_rate):
        t = ops.cast(ops.add(self.update_count(), 1), ops.dtype(learning_rate))
        return {"rho": ops.minimum(learning_rate, ops.divide(1.0, ops.sqrt(t))),
                "beta_2": ops.subtract(1.0, ops.power(t, self.beta_2_decay))}

    def update_step(self, gradient, variable, learning_rate):
        rho = self.step_scalar("rho", variable.dtype)
        b = self.step_scalar("beta_2", variable.dtype)
        alpha = ops.multiply(ops.maximum(self._rms(variable.value), self.epsilon_2), rho)
        q = ops.add(ops.square(gradient), self.epsilon_1)
        velocity = self.slot("velocity", variable)
        if len(variable.shape) >= 2:
            r, c = self._factors[self._index[id(variable)]]
            r_new = ops.add(ops.multiply(r.value, b), ops.multiply(ops.mean(q, axis=-1), ops.subtract(1.0, b)))
            c_new = ops.add(ops.multiply(c.value, b), ops.multiply(ops.mean(q, axis=-2), ops.subtract(1.0, b)))
            r.assign(r_new)
            c.assign(c_new)
            row = ops.expand_dims(ops.divide(r_new, ops.mean(r_new, axis=-1, keepdims=True)), -1)
            v = ops.multiply(row, ops.expand_dims(c_new, -2))
        else:
            v = ops.add(ops.multiply(velocity.value, b), ops.multiply(q, ops.subtract(1.0, b)))
        velocity.assign(v)
        u = ops.divide(gradient, ops.sqrt(v))
        u = ops.divide(u, ops.maximum(ops.divide(self._rms(u), self.clip_threshold), 1.0))
        variable.assign(ops.subtract(variable.value, ops.multiply(u, alpha)))
