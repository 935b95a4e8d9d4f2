"""Muon (Jordan et al., 2024; Moonlight scaling, Liu et al., 2025): orthogonalized momentum for matrices."""

import re

from kerafront import ops
from kerafront.optimizers.optimizer import Optimizer


def _swap_last_axes(x):
    return ops.swapaxes(x, -1, -2)


class Muon(Optimizer):
    """Keras 3's Muon: Muon for 2-D weights, AdamW for the rest.

    A variable takes AdamW when it is not 2-D, when ``exclude_embeddings`` and its path contains
    "embedding", or when a regex of ``exclude_layers`` matches its path. Muon step (slot
    ``momentum``, factor ``mu = momentum``): ``m = mu * m + g``; ``u = g + mu * m`` (``nesterov``) or
    ``m``; ``O = newton_schulz(u)`` (``ns_steps`` quintic iterations with ``muon_a, muon_b, muon_c`` on
    ``u / (||u||_F + 1e-7)``, computed on the wide orientation); ``var -= lr * O * sqrt(max(n, m)) *
    rms_rate`` (no rescaling when ``rms_rate`` is None). AdamW step: Keras's Adam with ``adam_beta_1``,
    ``adam_beta_2``, ``epsilon`` and ``lr * adam_lr_ratio`` (slots ``momentum``, ``velocity``).
    Weight decay ``var -= var * wd * lr`` uses ``weight_decay`` for Muon variables and
    ``adam_weight_decay`` for AdamW ones (both 0.004 by default).
    Slots, per variable in order: ``momentum``, then ``velocity`` for AdamW variables.
    """

    hyperparameters = ("adam_beta_1", "adam_beta_2", "epsilon", "exclude_layers", "muon_a", "muon_b", "muon_c",
                       "adam_lr_ratio", "momentum", "ns_steps", "nesterov", "exclude_embeddings",
                       "adam_weight_decay", "rms_rate")

    def __init__(self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
                 epsilon=1e-7, weight_decay=0.004, clipnorm=None, clipvalue=None, global_clipnorm=None, name=None,
                 exclude_layers=None, exclude_embeddings=True, muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315,
                 adam_lr_ratio=1, momentum=0.95, ns_steps=5, nesterov=True, rms_rate=0.2, **options):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, name=name, **options)
        self.adam_beta_1, self.adam_beta_2, self.epsilon = adam_beta_1, adam_beta_2, epsilon
        self.muon_a, self.muon_b, self.muon_c = muon_a, muon_b, muon_c
        self.adam_lr_ratio, self.momentum, self.ns_steps, self.nesterov = adam_lr_ratio, momentum, ns_steps, nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = list(exclude_layers or [])
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _uses_adamw(self, variable):
        return (len(variable.shape) != 2 or (self.exclude_embeddings and "embedding" in variable.path.lower())
                or any(re.search(pattern, variable.path) for pattern in self.exclude_layers))

    def build_slots(self, variables):
        for variable in variables:
            self.add_slots([variable], ["momentum"])
            if self._uses_adamw(variable):
                self.add_slots([variable], ["velocity"])
        adamw = [v for v in variables if self._uses_adamw(v)]
        self._adamw_ids = {id(v) for v in adamw}
        self._velocity_index = {id(v): i for i, v in enumerate(adamw)}

    def slot(self, name, variable):
        if name == "velocity":   # only AdamW variables have one
            return self._slots[name][self._velocity_index[id(variable)]]
        return super().slot(name, variable)

    def _apply_weight_decay(self, variables):
        for variable in variables:
            decay = self.adam_weight_decay if self._uses_adamw(variable) else self.weight_decay
            if decay is None or not self._uses_weight_decay(variable):
                continue
            factor = ops.multiply(self.step_scalar("learning_rate", variable.dtype), decay)
            variable.assign(ops.subtract(variable.value, ops.multiply(variable.value, factor)))

    def update_step(self, gradient, variable, learning_rate):
        lr = self.step_scalar("learning_rate", variable.dtype)
        if id(variable) in self._adamw_ids:
            self._adamw_step(gradient, variable, ops.multiply(lr, self.adam_lr_ratio))
        else:
            self._muon_step(gradient, variable, lr)

    def _muon_step(self, gradient, variable, lr):
        momentum = self.slot("momentum", variable)
        m = ops.add(ops.multiply(momentum.value, self.momentum), gradient)
        momentum.assign(m)
        direction = ops.add(gradient, ops.multiply(m, self.momentum)) if self.nesterov else m
        update = ops.multiply(self.newton_schulz(direction), lr)
        if self.rms_rate is not None:
            rows, cols = variable.shape[0], variable.shape[1]
            update = ops.multiply(update, float(max(rows, cols)) ** 0.5 * self.rms_rate)
        variable.assign(ops.subtract(variable.value, update))

    def _adamw_step(self, gradient, variable, lr):
        t = ops.cast(ops.add(self.update_count(), 1), variable.dtype)
        alpha = ops.divide(ops.multiply(lr, ops.sqrt(ops.subtract(1.0, ops.power(self.adam_beta_2, t)))),
                           ops.subtract(1.0, ops.power(self.adam_beta_1, t)))
        momentum, velocity = self.slot("momentum", variable), self.slot("velocity", variable)
        m = ops.add(momentum.value, ops.multiply(ops.subtract(gradient, momentum.value), 1.0 - self.adam_beta_1))
        v = ops.add(velocity.value,
                    ops.multiply(ops.subtract(ops.square(gradient), velocity.value), 1.0 - self.adam_beta_2))
        momentum.assign(m)
        velocity.assign(v)
        variable.assign(ops.subtract(variable.value, ops.divide(ops.multiply(m, alpha),
                                                                ops.add(ops.sqrt(v), self.epsilon))))

    def newton_schulz(self, x):
        """Approximate ``U V^T`` of ``x = U S V^T`` by ``ns_steps`` quintic Newton-Schulz iterations."""
        if len(x.shape) < 2:
            raise ValueError(f"Muon.newton_schulz: expected a matrix (rank >= 2), got shape {tuple(x.shape)}.")
        tall = x.shape[-2] > x.shape[-1]
        if tall:
            x = _swap_last_axes(x)
        norm = ops.sqrt(ops.sum(ops.square(x), axis=(-2, -1), keepdims=True))
        x = ops.divide(x, ops.add(norm, 1e-7))
        for _ in range(self.ns_steps):
            gram = ops.matmul(x, _swap_last_axes(x))
            poly = ops.add(ops.multiply(gram, self.muon_b), ops.multiply(ops.matmul(gram, gram), self.muon_c))
            x = ops.add(ops.multiply(x, self.muon_a), ops.matmul(poly, x))
        return _swap_last_axes(x) if tall else x
