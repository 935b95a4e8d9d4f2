"""The engine protocol: how a backend distributes the trainer's steps. The contract, stated once.

A backend that distributes provides ``backends/kerafront_<name>/_distribute.py`` with module-level
``list_devices(device_type=None)``, ``initialize(job_addresses, num_processes, process_id)``,
``process_id()``, ``num_processes()``, ``make_engine(distribution) -> Engine`` and optionally
``distribute_tensor(tensor, layout)``. It is imported lazily, only when a distribution is used; a
backend without it (NumPy) does not distribute.

An ``Engine`` (this base class holds the single-device defaults) is consulted in four places only,
through ``active_engine()`` (None when no distribution is set; the code then runs as without one):

* ``Trainer._batch_data`` -> ``distribute_batch(x, y, sample_weight)``: the GLOBAL batch as host
  NumPy trees (every process passes the same data to ``fit``) -> what this process's step gets.
  Per-process engines give replica ``r`` of ``R`` the rows ``np.array_split(np.arange(N), R)[r]``.
  ``predict`` -> ``gather_outputs(outputs)``: this process's rows -> the global batch's outputs.
* ``StepFunctions._step_function`` -> ``step_mode`` (None: the backend's own), ``wrap_step(step,
  metric_variables)`` once per step function (``step.__name__`` is ``train_step``, ``test_step`` or
  ``predict_step``; the wrapped step runs inside the backend's compile when the step compiles), and ``place_variables(variables)`` with every state variable
  (model, optimizers, metrics) right before the function's first call, ``keep_placed(variables)``
  before each later call.
* ``Optimizer.apply`` -> ``reduce_gradients(grads)``: after dropping ``None`` gradients, before the
  loss-scale division and clipping. In: each replica's gradient of its local mean loss; out: the
  global batch's gradient ``sum_r n_r g_r / sum_r n_r``.
* ``BatchNormalization.call`` (training) -> ``batch_moments(x, axes, synchronized)`` ->
  ``(mean, variance, moving_mean, moving_variance)``: what normalizes ``x`` (the features' shape,
  or ``x``'s rank for per-row statistics) and what the moving averages absorb (the features'
  shape, identical on every replica). ``synchronized=False``: each replica's own statistics
  normalize and the moving averages absorb their mean over replicas; ``True``: the global batch's.

``is_chief`` (process 0) is the process that prints progress and writes checkpoints.

Appended (optional, default identity):

* ``LossScaleOptimizer.apply`` -> ``all_finite(flag)``: this replica's "every gradient is finite"
  (a boolean scalar tensor) -> the global one (true only when it is true on every replica), so
  every replica skips the same steps and changes its loss scale alike. Per-replica engines
  (torch, TensorFlow) reduce it; JAX's gradients are global arrays already.
"""

from kerafront import ops


class Engine:
    """Base class of a backend's distribution engine; every method defaults to the single-device behaviour."""

    num_replicas = 1
    is_chief = True
    step_mode = None

    def place_variables(self, variables):
        """Put every state variable where the replicas read it (before a step function's first call)."""

    def keep_placed(self, variables):
        """Before every later call: put back any variable whose value was replaced outside the steps
        (a metric reset, a user's ``assign``); must be cheap when nothing changed."""

    def distribute_batch(self, x, y, sample_weight):
        """The global batch (host NumPy trees) -> what this process's step gets."""
        return x, y, sample_weight

    def wrap_step(self, step, metric_variables):
        """The per-batch step as this engine runs it (``metric_variables()`` lists the metric state)."""
        return step

    def reduce_gradients(self, grads):
        """Each replica's gradients -> the global batch's gradients (same list order)."""
        return grads

    def all_finite(self, flag):
        """This replica's "all gradients finite" boolean scalar -> whether it holds on every replica."""
        return flag

    def batch_moments(self, x, axes, synchronized):
        """``(mean, variance, moving_mean, moving_variance)`` of a BatchNormalization input in training."""
        mean, variance = ops.moments(x, axes)
        return mean, variance, mean, variance

    def gather_outputs(self, outputs):
        """One predict batch's outputs on this process -> the global batch's outputs."""
        return outputs
