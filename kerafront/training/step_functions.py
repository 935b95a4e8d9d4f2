"""How a model's steps run: ``make_train_function``/``make_test_function``/``make_predict_function``
build the functions ``fit``, ``evaluate`` and ``predict`` call with a list of batches
(``steps_per_execution`` of them), per the backend's declared ``step_mode()``
(``kerafront.spec.OPTIONAL_BACKEND_HOOKS``), decided once per function:

* ``"eager"`` (NumPy; torch): the step runs as plain Python and changes the variables as it goes.
* ``"pure"`` (JAX; torch with ``KERAFRONT_TORCH_COMPILE``): the step runs inside ``ops.compile``
  under a ``StatelessScope`` mapping every variable of the model, its optimizers and its metrics to
  a value passed in; its assignments come back as new values, written to the variables after the
  call. The compiled function mutates nothing.
* ``"stateful"`` (TensorFlow): ``ops.compile`` traces the step as it is, over the framework's own
  variables.

A subclass's own step runs eagerly on its first call (so what it builds lazily gets real variables)
and compiled from the second; a JAX-style ``step(self, state, data)`` is adapted to a stateful one.

Under a distribution (``kerafront.distribution``) the engine wraps the per-batch step, may choose
the mode, and places every state variable before a function's first call; a function built under
one distribution is rebuilt under another (``kerafront/distribution/_engine.py``).
"""

import inspect

from kerafront import config, ops, optimizers
from kerafront.distribution import distribution_lib
from kerafront.training.logs import materialize
from kerafront.variables import StatelessScope


def overrides(model, name):
    """True when ``model``'s class replaces the built-in step method ``name`` (the built-in ones live
    on the class that sets ``_builtin_steps``: ``Trainer``)."""
    for klass in type(model).__mro__:
        if name in klass.__dict__:
            return not klass.__dict__.get("_builtin_steps", False)
    return False


def _stateless_style(method):
    """True for a JAX-style step ``step(self, state, data)`` (two required positional arguments)."""
    params = [p for p in inspect.signature(method).parameters.values()
              if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(params) == 2


def _step_mode():
    hook = getattr(config.backend_module(), "step_mode", None)
    return "eager" if hook is None else hook()


def _inference_scope():
    hook = getattr(config.backend_module(), "inference_scope", None)
    return _NullScope() if hook is None else hook()


def _distributed(function, engine, state_of):
    """``function`` remembering the distribution it was built under; with one, the engine places
    every state variable before the first call and keeps them placed before each later one
    (``kerafront/distribution/_engine.py``)."""
    if engine is None:
        function._distribution = None
        return function
    placed = []

    def distributed(batches):
        if placed:
            engine.keep_placed(state_of())
        else:
            engine.place_variables(state_of())
            placed.append(True)
        return function(batches)

    distributed._distribution = distribution_lib.distribution()
    return distributed


def _built_elsewhere(function):
    """True when a step function was built under another distribution than the current one."""
    return getattr(function, "_distribution", None) is not distribution_lib.distribution()


class _NullScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _unique(variables):
    seen, out = set(), []
    for variable in variables:
        if id(variable) not in seen:
            seen.add(id(variable))
            out.append(variable)
    return out


class StepFunctions:
    """Mixin of ``Trainer``: building the step functions (see the module docstring)."""


    def make_train_function(self, force=False):
        """``train_function(batches)``: runs ``train_step`` on each batch (one call per
        ``steps_per_execution`` batches; compiled per the backend's ``step_mode``); returns the logs."""
        if self.train_function is None or force or _built_elsewhere(self.train_function):
            self.train_function = self._step_function("train_step", self._train_state)
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force or _built_elsewhere(self.test_function):
            self.test_function = self._step_function("test_step", self._test_state, inference=True)
        return self.test_function

    def make_predict_function(self, force=False):
        if self.predict_function is None or force or _built_elsewhere(self.predict_function):
            self.predict_function = self._step_function("predict_step", self._predict_state, inference=True)
        return self.predict_function

    def _tracked_metrics(self):
        """Metrics held in attributes of the model and of its layers (nested models' compiled metrics excluded)."""
        out = list(self._tracked_children()[2])
        for layer in self._flatten_layers(include_self=False):
            if not isinstance(layer, StepFunctions):
                out.extend(layer._tracked_children()[2])
        return out

    def _optimizers(self):
        found = [self.optimizer] if self.optimizer is not None else []
        found += [v for v in self.__dict__.values() if isinstance(v, optimizers.Optimizer)]
        return _unique(found)

    def _train_state(self):
        state = list(self.variables)
        for optimizer in self._optimizers():
            state += optimizer.variables
        return _unique(state + self._all_metric_variables())

    def _test_state(self):
        return _unique(list(self.variables) + self._all_metric_variables())

    def _predict_state(self):
        return list(self.variables)

    def _all_metric_variables(self):
        metrics = list(self.metrics)
        if self.compiled:
            metrics += [self._loss_tracker, self._compile_metrics] + self._tracked_metrics()
        return [v for metric in metrics if metric is not None for v in metric.variables]

    def _step_function(self, name, state_of, inference=False):
        """The function ``fit``/``evaluate``/``predict`` call with a list of batches."""
        engine = distribution_lib.active_engine()
        step = getattr(self, name)
        if overrides(self, name) and _stateless_style(step):
            step = self._stateless_adapter(name, step)
        if engine is not None:
            step = engine.wrap_step(step, self._all_metric_variables)
        mode = "eager" if self._runs_eagerly() else (engine is not None and engine.step_mode) or _step_mode()
        self._host_batches = mode != "eager" and bool(
            getattr(config.backend_module(), "compiled_functions_take_numpy", False))
        predicting = name == "predict_step"

        def run_steps(batches):
            outputs = [step(data) for data in batches]
            return outputs if predicting else materialize(outputs[-1])

        scope = _inference_scope if inference else _NullScope
        if mode == "eager":
            def eager(batches):
                with scope():
                    outputs = [step(data) for data in batches]
                return outputs if predicting else outputs[-1]
            return _distributed(eager, engine, state_of)
        if mode == "stateful":
            compiled = ops.compile(run_steps)
        else:
            compiled = self._pure_function(run_steps, state_of, name, discard_updates=predicting)
        first = {"eager": overrides(self, name)}

        def function(batches):
            if first["eager"]:   # a subclass's step: build what it creates lazily with real values
                first["eager"] = False
                with scope():
                    outputs = [step(data) for data in batches]
                return outputs if predicting else outputs[-1]
            with scope():
                return compiled(batches)

        return _distributed(function, engine, state_of)

    def _pure_function(self, run_steps, state_of, name, discard_updates):
        """``run_steps`` compiled as a pure function of every state variable's value."""
        cache = {}

        def pure(values, batches):
            variables = cache["variables"]
            with StatelessScope(dict(zip(variables, values))) as scope:
                outputs = run_steps(batches)
            if discard_updates:
                return outputs, {}
            index = cache["index"]
            unknown = [v.path for v in scope.updates if id(v) not in index]
            if unknown:
                raise ValueError(f'Model "{self.name}".{name} assigned variables that are not the state of the model, '
                                 f"its optimizers or its metrics: {unknown}. Keep such variables as attributes of the "
                                 "model (or of its layers) so the compiled step can carry them.")
            return outputs, {index[id(v)]: value for v, value in scope.updates.items()}

        compiled = ops.compile(pure)

        def call(batches):
            variables = cache.get("variables")
            if variables is None:
                variables = cache["variables"] = state_of()
                cache["index"] = {id(v): i for i, v in enumerate(variables)}
            outputs, updates = compiled([v.value for v in variables], batches)
            for position, value in updates.items():
                variables[position]._store(value)
            return outputs

        return call

    def _stateless_adapter(self, name, step):
        """A JAX-style ``step(state, data) -> (logs, state)`` run as a stateful step."""
        def groups():
            if name == "predict_step":
                return [self.trainable_variables, self.non_trainable_variables]
            if name == "test_step":
                return [self.trainable_variables, self.non_trainable_variables, self.metrics_variables]
            optimizer_variables = self.optimizer.variables if self.optimizer is not None else []
            return [self.trainable_variables, self.non_trainable_variables, optimizer_variables,
                    self.metrics_variables]

        def adapted(data):
            variables = groups()
            state = tuple([v.value for v in group] for group in variables)
            result, new_state = step(state, data)
            if name == "predict_step":
                new_state = (state[0], new_state)
            for group, values in zip(variables, new_state):
                if len(values) != len(group):
                    raise ValueError(f'Model "{self.name}".{name} returned {len(values)} values for a state group '
                                     f"of {len(group)} variables; return the state in the order it was given.")
                for variable, value in zip(group, values):
                    variable.assign(value)
            return result

        adapted.__name__ = name   # an engine tells the steps apart by name (kerafront/distribution/_engine.py)
        return adapted

    def _runs_eagerly(self):
        """``run_eagerly``, or a layer that computes on the host (``supports_jit = False``, as in Keras)."""
        return bool(getattr(self, "run_eagerly", False)) or any(
            not getattr(layer, "supports_jit", True) for layer in self._flatten_layers())
