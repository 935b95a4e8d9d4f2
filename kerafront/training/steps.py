"""The pure train/test/predict steps, one implementation for every backend.

A step is a function of ``(state, batch)`` where ``state = (trainable_values,
non_trainable_values, optimizer_values, metric_values)`` (lists of native tensors in the order of
the model's/optimizer's/metrics' variables) and returns the new state, so the backend's
``compile`` (``jax.jit``, ``tf.function``; identity on NumPy and torch) can compile it and random
seed states are threaded through instead of baked in.

With ``with_results`` (set by the trainer when the backend really compiles), the train and test
steps also return the metrics' results (``[loss, *metrics]``, see ``results``) computed from the new state
inside the compiled function, so reading logs costs no eager ops. Eager backends skip it: there
the results are computed only when logs are read.
"""

from kerafront import ops
from kerafront.training.compile_utils import flatten_outputs
from kerafront.variables import StatelessScope


class Steps:
    """Builds the step functions for one compiled model."""

    def __init__(self, model):
        self.model = model
        self.loss = model._compile_loss
        self.metrics = model._compile_metrics
        self.loss_tracker = model._loss_tracker
        self.metric_variables = list(self.loss_tracker.variables) + self.metrics.variables
        self.output_names = model._output_names
        self.with_results = False
        self.in_place_updates = False   # eager backends: the optimizer may overwrite the state it is given

    def _forward_loss(self, trainable_values, non_trainable_values, x, y, sample_weight, training):
        model = self.model
        y_pred, new_non_trainable, extra_losses = model.stateless_call(
            trainable_values, non_trainable_values, x, training=training, return_losses=True)
        predictions = flatten_outputs(y_pred, self.output_names)
        targets = flatten_outputs(y, self.output_names)
        weights = flatten_outputs(sample_weight, self.output_names) if isinstance(sample_weight, (list, dict)) \
            else [sample_weight] * len(self.output_names)
        loss = self.loss(targets, predictions, weights)
        for extra in extra_losses:
            loss = ops.add(loss, extra)
        return loss, (targets, predictions, weights, new_non_trainable)

    def _update_metrics(self, metric_values, loss, targets, predictions, weights):
        batch_size = ops.shape(predictions[0])[0]
        with StatelessScope(dict(zip(self.metric_variables, metric_values))) as scope:
            self.loss_tracker.update_state(loss, sample_weight=batch_size)
            self.metrics.update_state(targets, predictions, weights)
        return [scope.get(v) for v in self.metric_variables]

    def results(self, metric_values):
        """``[loss, *metric results]`` (a list: compiled functions may reorder dict keys) computed
        from explicit metric state values; ``result_names`` names them."""
        with StatelessScope(dict(zip(self.metric_variables, metric_values))):
            return [self.loss_tracker.result()] + list(self.metrics.results().values())

    @property
    def result_names(self):
        return ["loss"] + [metric.name for _, metric in self.metrics.metrics]

    def train_step(self, state, batch):
        trainable_values, non_trainable_values, optimizer_values, metric_values = state
        x, y, sample_weight = batch

        def loss_fn(values):
            return self._forward_loss(values, non_trainable_values, x, y, sample_weight, training=True)

        (loss, (targets, predictions, weights, new_non_trainable)), grads = ops.value_and_grad(
            loss_fn, has_aux=True)(trainable_values)
        new_trainable, new_optimizer = self.model.optimizer.stateless_apply(
            optimizer_values, grads, trainable_values, in_place=self.in_place_updates)
        new_metrics = self._update_metrics(metric_values, loss, targets, predictions, weights)
        results = self.results(new_metrics) if self.with_results else None
        return loss, (new_trainable, new_non_trainable, new_optimizer, new_metrics), results

    def test_step(self, state, batch):
        trainable_values, non_trainable_values, metric_values = state
        x, y, sample_weight = batch
        loss, (targets, predictions, weights, _) = self._forward_loss(
            trainable_values, non_trainable_values, x, y, sample_weight, training=False)
        new_metrics = self._update_metrics(metric_values, loss, targets, predictions, weights)
        return new_metrics, (self.results(new_metrics) if self.with_results else None)

    def predict_step(self, state, x):
        trainable_values, non_trainable_values = state
        y_pred, _ = self.model.stateless_call(trainable_values, non_trainable_values, x, training=False)
        return y_pred
