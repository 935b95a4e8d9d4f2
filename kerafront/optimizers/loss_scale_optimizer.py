"""``LossScaleOptimizer``: dynamic loss scaling around another optimizer (for float16 training)."""

from kerafront import ops
from kerafront.distribution import distribution_lib
from kerafront.optimizers.optimizer import Optimizer

_BASE_DEFAULTS = {"weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
                  "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
                  "gradient_accumulation_steps": None}


class LossScaleOptimizer(Optimizer):
    """Keras 3's dynamic loss scaling: the train step differentiates ``loss * scale``.

    Each ``apply``: when every gradient is finite, the inner optimizer applies ``g / scale`` and the
    ``step_counter`` grows; at ``dynamic_growth_steps`` finite steps in a row the scale doubles
    (counter back to 0). A step with an inf/NaN gradient changes no weight and no inner state: the
    scale halves and the counter resets. The choice is a ``where`` on ``all(isfinite(g))`` so it
    traces in compiled steps; under a distribution the flag covers every replica's gradients
    (``Engine.all_finite``), so all replicas skip the same steps. ``variables``: ``iterations``,
    ``learning_rate`` (unused, as Keras), ``step_counter``, ``dynamic_scale``, then the inner
    optimizer's; ``iterations`` and ``learning_rate`` read the inner optimizer's.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0 ** 15, dynamic_growth_steps=2000, name=None, **kwargs):
        if not kwargs.pop("dynamic", True):
            raise ValueError("LossScaleOptimizer: dynamic=False is not supported; set loss_scale_factor on the "
                             "inner optimizer for a fixed scale.")
        for key, default in _BASE_DEFAULTS.items():
            if key in kwargs and kwargs.pop(key) != default:
                raise ValueError(f"LossScaleOptimizer does not take {key}; set {key} on the inner_optimizer.")
        if kwargs:
            raise ValueError(f"LossScaleOptimizer: unexpected argument(s) {sorted(kwargs)}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise TypeError(f"LossScaleOptimizer: inner_optimizer must be a kerafront Optimizer, got "
                            f"{type(inner_optimizer).__name__}.")
        super().__init__(learning_rate=0.0, name=name or "loss_scale_optimizer")
        self.inner_optimizer = inner_optimizer
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = int(dynamic_growth_steps)
        self.inner_optimizer.loss_scale_factor = None

    def build(self, variables):
        if self.built:
            return
        self.step_counter = self._add_variable(ops.zeros((), dtype="int32"), "step_counter")
        self.dynamic_scale = self._add_variable(ops.full((), self.initial_scale, dtype="float32"), "dynamic_scale")
        self.inner_optimizer.build(variables)
        super().build(variables)

    @property
    def variables(self):
        return list(self._variables) + self.inner_optimizer.variables

    @property
    def iterations(self):
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if not self.built:
            if trainable_variables is None:
                raise ValueError("LossScaleOptimizer.apply: pass trainable_variables on the first call, or call "
                                 "optimizer.build(trainable_variables) first.")
            self.build(list(trainable_variables))
        variables = self._trainable_variables if trainable_variables is None else list(trainable_variables)
        present = [g for g in grads if g is not None]
        finite = ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in present])) if present else True
        engine = distribution_lib.active_engine()
        if engine is not None and present:   # every replica skips (or not) alike
            finite = engine.all_finite(finite)
        scale = self.dynamic_scale.value
        changing = variables + self.inner_optimizer.variables
        before = [ops.copy(v.value) for v in changing]   # a copy: some backends assign in place
        # a skipped step still runs the inner update (then undone), on zeros so no inf/NaN arithmetic happens
        unscaled = [None if g is None else ops.where(finite, ops.divide(g, ops.cast(scale, ops.dtype(g))),
                                                     ops.zeros_like(g)) for g in grads]
        self.inner_optimizer.apply(unscaled, variables)
        for variable, old in zip(changing, before):
            variable.assign(ops.where(finite, variable.value, old))
        counter = self.step_counter.value
        grow = ops.equal(counter, self.dynamic_growth_steps - 1)
        self.step_counter.assign(ops.where(finite, ops.where(grow, 0, ops.add(counter, 1)), 0))
        self.dynamic_scale.assign(ops.where(finite, ops.where(grow, ops.multiply(scale, 2.0), scale),
                                            ops.multiply(scale, 0.5)))

    def scale_loss(self, loss):
        """``loss * dynamic_scale`` (``initial_scale`` before the first step)."""
        if not self.built:
            return ops.multiply(loss, self.initial_scale)
        return ops.multiply(loss, ops.cast(self.dynamic_scale.value, ops.dtype(loss)))

    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    def get_config(self):
        from kerafront import optimizers
        return {"name": self.name, "inner_optimizer": optimizers.serialize(self.inner_optimizer),
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config):
        from kerafront import optimizers
        config = dict(config)
        config["inner_optimizer"] = optimizers.deserialize(config["inner_optimizer"])
        return cls(**config)
