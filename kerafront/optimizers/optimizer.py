"""The ``Optimizer`` base class. The contract, stated once:

* ``Optimizer(learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
  use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
  gradient_accumulation_steps=None, name=None)`` (Keras's base options); ``learning_rate`` is a
  float (held in a non-trainable ``learning_rate`` Variable, so callbacks may change it without
  retracing compiled steps), a ``schedules.LearningRateSchedule`` (evaluated at ``iterations``) or
  a callable of no arguments.
* ``build(variables)`` creates the slot Variables (non-trainable, same shape and dtype as their
  model variable, path ``"<optimizer>/<slot>/<variable path>"``). ``variables`` is
  ``[iterations, learning_rate (when a float was given)] + averages (use_ema) + gradient accumulators
  (gradient_accumulation_steps) + slots + extras`` in the order the subclass's ``build`` adds them,
  which is Keras's (``add_slots(vars, ["momentum", "velocity"])`` interleaves per variable; separate
  ``add_slots`` calls list every slot of the first kind first).
  ``iterations`` is an int32 Variable (JAX without x64 has no int64).
* ``apply(grads, trainable_variables=None)`` / ``apply_gradients([(grad, var), ...])``: builds on
  first use, then per step: drop ``None`` gradients (warning), under a distribution reduce them to
  the global batch's (``kerafront.distribution``), divide by ``loss_scale_factor``, clip
  (``clipnorm`` per gradient, ``global_clipnorm`` over all, or ``clipvalue``; at most one), decoupled
  weight decay ``var -= var * weight_decay * lr`` (before the update, as Keras 3), the subclass's
  update, the moving averages (``use_ema``), each updated variable's ``constraint`` (a tensor ->
  tensor callable), then ``iterations += 1``.
* ``gradient_accumulation_steps=n``: steps add their gradients to an accumulator; every ``n``-th
  step clips, decays and updates with ``(accumulated + g) / n`` and zeroes the accumulators. The
  choice is a ``where`` on the step count (the other steps leave every value as it was), so it
  traces in compiled steps. Per-update counters (bias corrections, EMA, ``ema_overwrite_frequency``)
  read ``update_count() = iterations // n`` (what Keras's ``optimizer.iterations`` returns then);
  schedules read the raw ``iterations``, as Keras.
* ``use_ema``: after each step ``average = m * average + (1 - m) * var`` with ``m = ema_momentum``
  (``m = 0`` on the first update); every ``ema_overwrite_frequency`` updates the variables take their
  averages; ``finalize_variable_values(vars)`` copies the averages in (``fit`` ends with it).
* ``scale_loss(loss)`` multiplies by ``loss_scale_factor`` (the train step calls it before
  differentiating; ``apply`` divides the gradients back).
  Every change goes through ``Variable.assign``, so under a ``kerafront.variables.StatelessScope``
  the new values are recorded instead of written.
* ``stateless_apply(optimizer_values, grads, trainable_values) -> (new_trainable_values,
  new_optimizer_values)`` runs that same code on explicit values (lists ordered like
  ``variables`` and like the built-with trainable variables), for compiled training steps.
* Subclasses take the base options above in their own signature (Keras spells them in every
  optimizer; here ``weight_decay`` to ``global_clipnorm`` and ``name`` are spelled, the EMA,
  accumulation and loss-scale options arrive as ``**options``) and pass them on; they name their
  own hyperparameters in ``hyperparameters`` (attributes that ``get_config`` and
  ``fused_hyperparameters`` report after the base options), create their
  slots in ``build_slots(variables)`` (``build`` calls it once) and implement
  ``update_step(gradient, variable, learning_rate)``; per-step scalars shared by all variables
  (bias corrections) may be computed once in ``prepare_step(learning_rate)``.

Fused backend fast path (optional): when the active backend module defines
``fused_optimizer_update(kind, params, grads, slots, learning_rate, step, hyperparameters, in_place)``
and the optimizer sets ``fused_kind`` (``"sgd"``, ``"adagrad"``, ``"rmsprop"``, ``"adam"``,
``"adamax"``; Nadam has none), ``apply`` offers it the whole update after clipping and weight
decay: ``params``/``grads`` are lists of native tensors, ``slots`` a dict slot name -> list of
tensors (same order; the slot names of the subclass's docstring), ``learning_rate`` a floatx
scalar tensor, ``step`` the 1-based step as a floatx scalar tensor, ``hyperparameters`` the dict
from ``fused_hyperparameters()`` (Python scalars), ``in_place`` True when no ``StatelessScope`` is
active (the tensors belong to the Variables and may be updated in place; otherwise they are a
caller's values and must not be mutated). It returns ``(new_params, new_slots)`` (the same tensors
when updated in place), or ``None`` to decline, and the generic per-variable ``update_step`` runs.
conformance_tests/test_optimizers.py compares both paths.
"""

import math
import warnings

from kerafront import config, ops
from kerafront.distribution import distribution_lib
from kerafront.optimizers import schedules as _schedules
from kerafront.variables import StatelessScope, Variable, _current_scope

_FUSED_CLASSES = {}  # optimizer class -> whether its update is its fused_kind's (no override)


class Optimizer:
    """Base class of optimizers (see the module docstring for the contract)."""

    fused_kind = None
    hyperparameters = ()   # the subclass's own hyperparameters: names of attributes, in config order

    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}.")
        clips = {"clipnorm": clipnorm, "clipvalue": clipvalue, "global_clipnorm": global_clipnorm}
        if sum(v is not None for v in clips.values()) > 1:
            given = ", ".join(f"{k}={v}" for k, v in clips.items() if v is not None)
            raise ValueError(f"{type(self).__name__}: set at most one of clipnorm, clipvalue and global_clipnorm; "
                             f"got {given}.")
        for key, value in clips.items():
            if value is not None and not float(value) > 0:
                raise ValueError(f"{type(self).__name__}: {key} must be > 0, got {value!r}.")
        if weight_decay is not None and float(weight_decay) < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {weight_decay!r}.")
        self.name = name or type(self).__name__.lower()
        self.weight_decay = None if weight_decay is None else float(weight_decay)
        self.clipnorm = None if clipnorm is None else float(clipnorm)
        self.clipvalue = None if clipvalue is None else float(clipvalue)
        self.global_clipnorm = None if global_clipnorm is None else float(global_clipnorm)
        self._set_ema_and_accumulation(use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                                       gradient_accumulation_steps)
        self.built = False
        self._variables = []
        self._trainable_variables = []
        self._index = {}
        self._slots = {}
        self._exclude_ids, self._exclude_names = set(), ()
        self._iterations = self._add_variable(ops.zeros((), dtype="int32"), "iteration")
        self._learning_rate = self._lr_variable = None
        self._step_scalars = {}
        self._set_learning_rate(learning_rate)

    def _set_ema_and_accumulation(self, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                                  gradient_accumulation_steps):
        name = type(self).__name__
        if gradient_accumulation_steps and not (isinstance(gradient_accumulation_steps, int)
                                                and gradient_accumulation_steps >= 2):
            raise ValueError(f"{name}: gradient_accumulation_steps must be an integer >= 2 (or None), got "
                             f"{gradient_accumulation_steps!r}.")
        if use_ema and not 0.0 <= float(ema_momentum) <= 1.0:
            raise ValueError(f"{name}: ema_momentum must be in [0, 1], got {ema_momentum!r}.")
        if use_ema and ema_overwrite_frequency and not (isinstance(ema_overwrite_frequency, int)
                                                        and ema_overwrite_frequency >= 1):
            raise ValueError(f"{name}: ema_overwrite_frequency must be an integer >= 1 or None, got "
                             f"{ema_overwrite_frequency!r}.")
        if loss_scale_factor is not None and not float(loss_scale_factor) > 0:
            raise ValueError(f"{name}: loss_scale_factor must be > 0 (or None), got {loss_scale_factor!r}.")
        self.use_ema = bool(use_ema)
        self.ema_momentum = float(ema_momentum)
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = None if loss_scale_factor is None else float(loss_scale_factor)
        self.gradient_accumulation_steps = gradient_accumulation_steps or None

    # ------------------------------------------------------------------------------------------
    # Variables

    def _add_variable(self, value, name, dtype=None):
        variable = Variable(value, dtype=dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{name}"
        self._variables.append(variable)
        return variable

    def add_variable(self, shape, initializer=0.0, dtype=None, name=None):
        """Add a non-trainable Variable of ``shape`` filled with ``initializer`` to ``variables``."""
        dtype = dtype or config.floatx()
        return self._add_variable(ops.full(tuple(shape), float(initializer), dtype=dtype), name, dtype=dtype)

    def add_slots(self, variables, slot_names, initializer=0.0):
        """For each model variable (in order), one slot per name in ``slot_names`` (interleaved, as
        Keras); slot ``s`` of variable ``v`` is then ``self.slot(s, v)``."""
        for name in slot_names:
            self._slots.setdefault(name, [])
        for variable in variables:
            for name in slot_names:
                slot = Variable(ops.full(variable.shape, float(initializer), dtype=variable.dtype),
                                dtype=variable.dtype, trainable=False, name=name)
                slot.path = f"{self.name}/{name}/{variable.path}"
                self._variables.append(slot)
                self._slots[name].append(slot)

    def slot(self, name, variable):
        """The slot Variable ``name`` of model ``variable``."""
        return self._slots[name][self._index[id(variable)]]

    @property
    def variables(self):
        return list(self._variables)

    @property
    def iterations(self):
        """The int32 step counter Variable (number of ``apply`` calls so far; with gradient
        accumulation Keras returns ``update_count()`` here instead)."""
        return self._iterations

    def update_count(self):
        """Completed updates as an int tensor: ``iterations // gradient_accumulation_steps`` (or ``iterations``)."""
        if self.gradient_accumulation_steps:
            return ops.floor_divide(self._iterations.value, self.gradient_accumulation_steps)
        return self._iterations.value

    def build(self, variables):
        """Record the model variables and create their slots (``build_slots``); once built, do nothing."""
        if self.built:
            return
        variables = list(variables)
        self._trainable_variables = variables
        self._index = {id(v): i for i, v in enumerate(variables)}
        self.built = True
        if self.use_ema:
            self.add_slots(variables, ["average"])
        if self.gradient_accumulation_steps:
            self.add_slots(variables, ["gradient_accumulator"])
        self.build_slots(variables)

    def build_slots(self, variables):
        """Create the optimizer's Variables for the model ``variables`` with ``add_slots`` (and
        ``add_variable``), in Keras's order. The default creates none."""

    # ------------------------------------------------------------------------------------------
    # Learning rate

    def _set_learning_rate(self, learning_rate):
        if isinstance(learning_rate, _schedules.LearningRateSchedule) or (
                callable(learning_rate) and not isinstance(learning_rate, Variable)):
            self._learning_rate = learning_rate
            return
        try:
            value = float(learning_rate)
        except (TypeError, ValueError):
            raise ValueError(f"{type(self).__name__}: learning_rate must be a float, a LearningRateSchedule or a "
                             f"callable, got {learning_rate!r}.") from None
        if not math.isfinite(value):
            raise ValueError(f"{type(self).__name__}: learning_rate must be finite, got {learning_rate!r} (training "
                             "would turn every weight into NaN).")
        if self._lr_variable is None:
            if self._learning_rate is not None:
                raise TypeError(f"{type(self).__name__}: this optimizer was created with a learning-rate schedule, so "
                                f"its learning rate cannot be set to a number; create it with a float instead.")
            self._lr_variable = self._add_variable(ops.full((), value, dtype=config.floatx()), "learning_rate")
        else:
            self._lr_variable.assign(value)
        self._learning_rate = self._lr_variable

    @property
    def learning_rate(self):
        """The current learning rate as a scalar tensor (a schedule is evaluated at ``iterations``).

        Setting a number assigns the ``learning_rate`` Variable (no retracing); setting a schedule or
        callable replaces it (the Variable stays in ``variables``, unused).
        """
        return self._current_learning_rate()

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    def _current_learning_rate(self):
        lr = self._learning_rate
        if isinstance(lr, Variable):
            return lr.value
        if isinstance(lr, _schedules.LearningRateSchedule):
            return ops.convert_to_tensor(lr(self._iterations.value), dtype=config.floatx())
        return ops.convert_to_tensor(lr(), dtype=config.floatx())

    # ------------------------------------------------------------------------------------------
    # Applying gradients

    def apply_gradients(self, grads_and_vars):
        """Apply ``[(gradient, variable), ...]`` (see ``apply``)."""
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def apply(self, grads, trainable_variables=None):
        """One update step with ``grads`` for ``trainable_variables`` (default: the built-with list)."""
        grads = list(grads)
        if trainable_variables is None:
            if not self.built:
                raise ValueError(f"{type(self).__name__}.apply: pass trainable_variables on the first call, or call "
                                 f"optimizer.build(trainable_variables) first.")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{type(self).__name__}.apply: got {len(grads)} gradients for "
                             f"{len(trainable_variables)} variables; pass one gradient per variable.")
        if not self.built:
            self.build(trainable_variables)
        unknown = [v.path for v in trainable_variables if id(v) not in self._index]
        if unknown:
            raise ValueError(f"{type(self).__name__}.apply: unknown variables {unknown}; this optimizer was built for "
                             f"{len(self._trainable_variables)} other variables. Create a new optimizer for them.")
        grads, variables = self._filter_empty(grads, trainable_variables)
        engine = distribution_lib.active_engine()
        if engine is not None:   # replicas' gradients -> the global batch's (kerafront/distribution/_engine.py)
            grads = engine.reduce_gradients(grads)
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, self.loss_scale_factor) for g in grads]
        if self.gradient_accumulation_steps:
            self._accumulate_or_update(grads, variables)
        else:
            self._update(grads, variables, fusable=True)
        if self.use_ema:
            self._update_moving_averages()
        for variable in variables:
            if variable.constraint is not None:
                variable.assign(variable.constraint(variable.value))
        self._iterations.assign(ops.add(self._iterations.value, 1))

    def _update(self, grads, variables, fusable):
        """Clip, decay and run the update (fused when ``fusable`` and the backend offers it)."""
        grads = self._clip(grads)
        learning_rate = self._current_learning_rate()
        self._step_scalars = {"learning_rate": learning_rate}
        self._apply_weight_decay(variables)
        if not (fusable and self._fused_update(grads, variables, learning_rate)):
            self._step_scalars.update(self.prepare_step(learning_rate))
            for gradient, variable in zip(grads, variables):
                self.update_step(gradient, variable, learning_rate)
        self._step_scalars = {}

    def _accumulate_or_update(self, grads, variables):
        """Every ``gradient_accumulation_steps``-th step update with the mean gradient, else accumulate.

        The update runs on every step and a ``where`` keeps its results only on update steps (no
        data-dependent branch, so it traces); the fused path is off because it may write in place.
        """
        steps = self.gradient_accumulation_steps
        accumulators = [self.slot("gradient_accumulator", v) for v in variables]
        is_update = ops.equal(ops.mod(ops.add(self._iterations.value, 1), steps), 0)
        kept = {id(v) for v in [self._iterations, self._lr_variable] if v is not None}
        kept |= {id(v) for name in ("average", "gradient_accumulator") for v in self._slots.get(name, [])}
        changing = list(variables) + [v for v in self._variables if id(v) not in kept]
        before = [ops.copy(v.value) for v in changing]   # a copy: some backends assign in place
        self._update([ops.divide(ops.add(g, a.value), steps) for g, a in zip(grads, accumulators)], variables,
                     fusable=False)
        for variable, old in zip(changing, before):
            variable.assign(ops.where(is_update, variable.value, old))
        for gradient, accumulator in zip(grads, accumulators):
            total = ops.add(accumulator.value, gradient)
            accumulator.assign(ops.where(is_update, ops.zeros_like(total), total))

    def _update_moving_averages(self):
        """``average = m * average + (1 - m) * var`` (``m = 0`` before the first completed update),
        then, every ``ema_overwrite_frequency`` updates, ``var = average``."""
        count = self.update_count()
        momentum = ops.multiply(ops.cast(ops.not_equal(count, 0), config.floatx()), self.ema_momentum)
        pairs = list(zip(self._trainable_variables, self._slots["average"]))
        for variable, average in pairs:
            m = ops.cast(momentum, variable.dtype)
            average.assign(ops.add(ops.multiply(average.value, m), ops.multiply(variable.value, ops.subtract(1.0, m))))
        if self.ema_overwrite_frequency:
            overwrite = ops.equal(ops.mod(ops.add(count, 1), self.ema_overwrite_frequency), 0)
            for variable, average in pairs:
                variable.assign(ops.where(overwrite, average.value, variable.value))

    def finalize_variable_values(self, var_list):
        """With ``use_ema``, set each of ``var_list`` (the built-with variables, in order) to its average."""
        if not self.use_ema:
            return
        averages = self._slots.get("average", [])
        if len(var_list) != len(averages):
            raise ValueError(f"{type(self).__name__}.finalize_variable_values: got {len(var_list)} variables, but "
                             f"the optimizer holds {len(averages)} moving averages; pass the variables it was "
                             "built with.")
        for variable, average in zip(var_list, averages):
            variable.assign(average.value)

    def scale_loss(self, loss):
        """``loss * loss_scale_factor`` (``loss`` itself when no factor is set)."""
        return loss if self.loss_scale_factor is None else ops.multiply(loss, self.loss_scale_factor)

    def _filter_empty(self, grads, variables):
        missing = [v.path for g, v in zip(grads, variables) if g is None]
        if not missing:
            return [ops.convert_to_tensor(g, dtype=v.dtype) for g, v in zip(grads, variables)], variables
        if len(missing) == len(variables):
            raise ValueError(f"{type(self).__name__}.apply: no gradients provided for any variable "
                             f"({len(variables)} variables); check that the loss depends on them.")
        warnings.warn(f"{type(self).__name__}: gradients do not exist for variables {missing}; they are not updated.",
                      UserWarning, stacklevel=3)
        kept = [(g, v) for g, v in zip(grads, variables) if g is not None]
        return [ops.convert_to_tensor(g, dtype=v.dtype) for g, v in kept], [v for _, v in kept]

    def _clip(self, grads):
        if self.clipnorm is not None:
            return [self._clip_by_norm(g) for g in grads]
        if self.global_clipnorm is not None:
            squares = ops.stack([ops.cast(ops.sum(ops.square(g)), config.floatx()) for g in grads])
            factor = ops.clip_by_global_norm_factor(ops.sum(squares), self.global_clipnorm)
            return [ops.multiply(g, ops.cast(factor, ops.dtype(g))) for g in grads]
        if self.clipvalue is not None:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    def _clip_by_norm(self, gradient):
        """``g * clipnorm / max(||g||, clipnorm)`` (unchanged when ``||g|| <= clipnorm``)."""
        norm = ops.sqrt(ops.sum(ops.square(gradient)))
        return ops.divide(ops.multiply(gradient, self.clipnorm), ops.maximum(norm, self.clipnorm))

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Exempt ``var_list`` and variables whose name contains any of ``var_names`` from weight decay."""
        if self.built:
            raise ValueError(f"{type(self).__name__}.exclude_from_weight_decay must be called before build().")
        self._exclude_ids = {id(v) for v in (var_list or [])}
        self._exclude_names = tuple(var_names or ())

    def _uses_weight_decay(self, variable):
        return id(variable) not in self._exclude_ids and not any(n in variable.name for n in self._exclude_names)

    def _apply_weight_decay(self, variables):
        if not self.weight_decay:
            return
        for variable in variables:
            if self._uses_weight_decay(variable):
                factor = ops.multiply(self.step_scalar("learning_rate", variable.dtype), self.weight_decay)
                variable.assign(ops.subtract(variable.value, ops.multiply(variable.value, factor)))

    def prepare_step(self, learning_rate):
        """Return a dict of per-step floatx scalar tensors shared by every variable (read in
        ``update_step`` with ``step_scalar``): computed once per step, not once per variable.
        ``"learning_rate"`` is always available. The default adds nothing."""
        return {}

    def step_scalar(self, name, dtype):
        """The per-step scalar ``name`` as ``dtype`` (cast once per step for a non-floatx variable)."""
        if dtype == config.floatx():
            return self._step_scalars[name]
        key = (name, dtype)
        if key not in self._step_scalars:
            self._step_scalars[key] = ops.cast(self._step_scalars[name], dtype)
        return self._step_scalars[key]

    def update_step(self, gradient, variable, learning_rate):
        """Update ``variable`` (and its slots) in place with ``gradient`` (same dtype)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update_step(gradient, variable, "
                                  f"learning_rate).")

    # ------------------------------------------------------------------------------------------
    # Fused backend path and stateless application

    def fused_hyperparameters(self):
        """Hyperparameters passed to a backend's ``fused_optimizer_update``: ``hyperparameters`` by name."""
        return {name: getattr(self, name) for name in self.hyperparameters}

    def _update_is_the_fused_kinds(self):
        """False when a subclass overrides the update of the class that declared ``fused_kind``."""
        cls = type(self)
        cached = _FUSED_CLASSES.get(cls)
        if cached is None:
            owner = next(c for c in cls.__mro__ if "fused_kind" in c.__dict__)
            cached = _FUSED_CLASSES[cls] = all(getattr(cls, name) is getattr(owner, name)
                                               for name in ("update_step", "prepare_step", "fused_hyperparameters"))
        return cached

    def _fused_update(self, grads, variables, learning_rate):
        if self.fused_kind is None or not self._update_is_the_fused_kinds():
            return False
        fused = getattr(config.backend_module(), "fused_optimizer_update", None)
        if fused is None:
            return False
        slots = {name: [self.slot(name, v) for v in variables] for name in self._slots if name != "average"}
        step = ops.cast(ops.add(self.update_count(), 1), config.floatx())
        result = fused(self.fused_kind, [v.value for v in variables], grads,
                       {name: [s.value for s in slot_list] for name, slot_list in slots.items()},
                       learning_rate, step, self.fused_hyperparameters(),
                       _current_scope() is None)
        if result is None:
            return False
        # The hook returns native tensors of each variable's own shape and dtype (its contract), so
        # they are stored without another conversion.
        new_params, new_slots = result
        for variable, value in zip(variables, new_params):
            variable._store(value)
        for name, slot_list in slots.items():
            for slot, value in zip(slot_list, new_slots[name]):
                slot._store(value)
        return True

    def stateless_apply(self, optimizer_values, grads, trainable_values):
        """``apply`` on explicit values; returns ``(new_trainable_values, new_optimizer_values)``.

        ``optimizer_values`` is ordered like ``variables``; ``trainable_values`` like the variables
        the optimizer was built with. Nothing is written to the Variables.
        """
        if not self.built:
            raise ValueError(f"{type(self).__name__}.stateless_apply: build the optimizer first "
                             f"(optimizer.build(trainable_variables)).")
        variables = self.variables
        if len(optimizer_values) != len(variables):
            raise ValueError(f"{type(self).__name__}.stateless_apply: expected {len(variables)} optimizer "
                             f"values (one per entry of .variables), got {len(optimizer_values)}.")
        if len(trainable_values) != len(self._trainable_variables):
            raise ValueError(f"{type(self).__name__}.stateless_apply: expected {len(self._trainable_variables)} "
                             f"trainable values, got {len(trainable_values)}.")
        mapping = dict(zip(self._trainable_variables, trainable_values))
        mapping.update(zip(variables, optimizer_values))
        with StatelessScope(mapping) as scope:
            self.apply(grads)
        return ([scope.get(v) for v in self._trainable_variables], [scope.get(v) for v in variables])

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        lr = self._learning_rate
        if isinstance(lr, _schedules.LearningRateSchedule):
            lr = _schedules.serialize(lr)
        elif isinstance(lr, Variable):
            lr = float(lr.numpy())
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "clipvalue": self.clipvalue, "global_clipnorm": self.global_clipnorm,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor,
                "gradient_accumulation_steps": self.gradient_accumulation_steps,
                **{name: getattr(self, name) for name in self.hyperparameters}}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"
