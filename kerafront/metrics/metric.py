"""The ``Metric`` base class: state held in ``Variable``s, updated with tensor ops only.

Contract (what the trainer relies on):

* every piece of state is a non-trainable ``kerafront.Variable`` created in ``__init__`` with
  ``add_variable``; ``variables`` lists them in creation order;
* ``update_state(y_true, y_pred, sample_weight=None)`` changes state only through
  ``variable.assign`` / ``assign_add`` on tensors computed with ``kerafront.ops`` (no Python-side
  accumulation, no ``.numpy()``), so it runs inside a compiled step under a
  ``kerafront.variables.StatelessScope`` that records the new values;
* ``result()`` is a tensor function of the state; ``reset_state()`` assigns the initial values.

The ``stateless_*`` methods run the same code on explicit values (lists ordered like
``variables``) and return new values, for compiled, functional training steps.
"""

from kerafront import _lookup, config, ops
from kerafront.losses.loss import _snake_case
from kerafront.variables import StatelessScope, Variable


class Metric(_lookup.Configurable):
    """Base class of stateful metrics.

    Args:
        name: the metric's name, used as its key in logs.
        dtype: the float dtype of the state and result (floatx when None).
    """

    _kerafront_metric = True   # layers track metrics held in their attributes (Layer.metrics)

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake_case(type(self).__name__)
        self.dtype = dtype or config.floatx()
        self._variables = []
        self._initial_values = []   # tensors, made once: metric state is only ever replaced, never updated in place

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        """Create a non-trainable state variable filled with ``initializer`` ("zeros" or a number)."""
        fill = 0.0 if initializer == "zeros" else float(initializer)
        dtype = dtype or self.dtype
        value = ops.full(tuple(shape), fill, dtype=dtype)
        variable = Variable(value, dtype=dtype, trainable=False, name=name)
        variable.path = f"{self.name}/{name}"
        self._variables.append(variable)
        self._initial_values.append(ops.full(tuple(shape), fill, dtype=dtype))
        return variable

    @property
    def variables(self):
        return list(self._variables)

    def update_state(self, y_true, y_pred, sample_weight=None):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state.")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result.")

    def reset_state(self):
        """Assign every state variable its initial value."""
        for variable, value in zip(self._variables, self._initial_values):
            variable.assign(value)

    def __call__(self, *args, **kwargs):
        """Update the state with one batch and return the running result."""
        self.update_state(*args, **kwargs)
        return self.result()

    def _mapping(self, metric_values):
        variables = self.variables   # a container metric (CompileMetrics) holds its inner metrics' state
        if len(metric_values) != len(variables):
            raise ValueError(f"{type(self).__name__} {self.name!r}: expected {len(variables)} state values "
                             f"(one per entry of .variables), got {len(metric_values)}.")
        return dict(zip(variables, metric_values))

    def stateless_update_state(self, metric_values, *args, **kwargs):
        """``update_state`` on explicit state values; returns the new values (ordered like ``variables``)."""
        with StatelessScope(self._mapping(metric_values)) as scope:
            self.update_state(*args, **kwargs)
        return [scope.get(v) for v in self.variables]

    def stateless_result(self, metric_values):
        """``result()`` computed from explicit state values."""
        with StatelessScope(self._mapping(metric_values)):
            return self.result()

    def stateless_reset_state(self):
        """The initial state values, without touching the variables."""
        return list(self._initial_values)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r}>"
