"""``Trainer``: Keras's training API for ``Model`` -- ``compile``, ``fit``, ``evaluate``, ``predict``,
the ``*_on_batch`` methods, and the steps a subclass may override.

The data path of one ``fit`` step, top to bottom:

1. ``fit`` cuts the data into batches (``kerafront.training.data``) and hands
   ``steps_per_execution`` of them at a time to ``train_function``; under a distribution each
   global batch first goes to the engine, which gives this process its part
   (``kerafront.distribution``).
2. ``train_function`` (``make_train_function``, ``kerafront/training/step_functions.py``) converts
   each batch to tensors, packs it as Keras does (``x``, ``(x, y)`` or ``(x, y, sample_weight)``)
   and runs ``train_step(data)`` on it -- the built-in one or a subclass's -- eagerly, as a pure
   compiled function or as a stateful compiled one, per the backend's ``step_mode()``.
3. The built-in ``train_step`` differentiates ``compute_loss`` with ``ops.value_and_grad`` over
   ``trainable_variables``, calls ``optimizer.apply(grads, variables)``, updates the loss tracker
   and returns ``compute_metrics(...)``: written once, with kerafront ops, for every backend. A
   subclass's step written the same way runs unchanged everywhere; steps in Keras's framework
   styles also run (torch ``loss.backward()``, ``tf.GradientTape``, the JAX-style
   ``train_step(self, state, data)`` returning ``(logs, state)``).
4. The step's logs (a dict of metric results) go to the callbacks; at the end of an epoch the
   metrics' results (``get_metrics_result``) are the epoch's logs when the step's logs name the
   same metrics, else the step's own logs (Keras's rule). Logs are flattened, sorted by name and
   turned into Python floats, as Keras does.
"""

import inspect
from collections.abc import Mapping

import numpy as np

from kerafront import _masking, callbacks as callbacks_module, config, metrics as metrics_module, ops, optimizers, tree
from kerafront.distribution import distribution_lib
from kerafront.training import arguments, data as data_module
from kerafront.losses.functions import targets_checked_on_host
from kerafront.training.compile_utils import CompileLoss, CompileMetrics, flatten_outputs
from kerafront.training.data import pack_x_y_sample_weight, unpack_x_y_sample_weight  # noqa: F401 (Keras's names)
from kerafront.training.logs import MetricResults, plain_value, pythonify_logs
from kerafront.training.step_functions import StepFunctions, overrides
from kerafront.variables import StatelessScope

_TAKES_TRAINING = {}


def _takes_training(cls):
    """Whether ``cls.compute_loss`` accepts ``training`` (an override written before Keras 3.3 may not)."""
    takes = _TAKES_TRAINING.get(cls)
    if takes is None:
        takes = _TAKES_TRAINING[cls] = "training" in inspect.signature(cls.compute_loss).parameters
    return takes


class Trainer(StepFunctions):
    """Mixin that gives ``Model`` Keras's training API."""

    _builtin_steps = True   # the built-in steps live here (step_functions.overrides)

    compiled = False
    stop_training = False
    optimizer = None
    steps_per_execution = 1
    train_function = test_function = predict_function = None
    _compile_loss = _compile_metrics = _loss_tracker = None
    _built_for_training = False
    _host_batches = False

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configure training (Keras's arguments and defaults). ``jit_compile="auto"`` compiles steps
        with the backend (jax.jit, tf.function; NumPy and torch run eagerly); ``False`` or
        ``run_eagerly=True`` never compiles. ``steps_per_execution`` steps run per call of the
        compiled function. With ``auto_scale_loss`` and the model's dtype policy ``"mixed_float16"``,
        the optimizer is wrapped in a ``LossScaleOptimizer`` (as Keras does)."""
        if jit_compile not in ("auto", True, False):
            raise ValueError(f"compile: jit_compile must be 'auto', True or False, got {jit_compile!r}.")
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, (int, np.integer)) \
                or steps_per_execution < 1:
            raise ValueError(f"compile: steps_per_execution must be an integer >= 1, got {steps_per_execution!r}.")
        self.optimizer = optimizers.get(optimizer)
        if auto_scale_loss and self.dtype_policy.name == "mixed_float16" and self.optimizer is not None \
                and not isinstance(self.optimizer, optimizers.LossScaleOptimizer):
            self.optimizer = optimizers.LossScaleOptimizer(self.optimizer, name="loss_scale_optimizer")
        self._compile_loss = CompileLoss(loss, loss_weights) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics, weighted_metrics)
        self._compile_config = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                                "weighted_metrics": weighted_metrics, "run_eagerly": run_eagerly,
                                "steps_per_execution": int(steps_per_execution), "jit_compile": jit_compile}
        self.run_eagerly = bool(run_eagerly) or jit_compile is False
        self.steps_per_execution = int(steps_per_execution)
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._built_for_training = False
        self.train_function = self.test_function = self.predict_function = None
        self.compiled = True

    # ------------------------------------------------------------------------------------------
    # The steps a subclass may override (Keras's names and signatures)

    def train_step(self, data):
        """One gradient step on one batch; returns the logs (a dict of metric results)."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        variables = self.trainable_variables

        def forward(_values):
            y_pred = self(x, training=True)
            loss = self._call_compute_loss(x, y, y_pred, sample_weight, training=True)
            # differentiate loss * loss_scale_factor (the optimizer divides the gradients back); log the loss
            return self.optimizer.scale_loss(loss), (loss, y_pred, _masking.get_masks(y_pred))

        (_, (loss, y_pred, masks)), grads = ops.value_and_grad(forward, has_aux=True)(variables)
        _masking.set_masks(y_pred, masks)   # the outputs' masks, lost where autodiff returns new arrays
        if variables:
            self.optimizer.apply(grads, variables)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data):
        """Loss and metrics on one batch, without training; returns the logs."""
        x, y, sample_weight = unpack_x_y_sample_weight(data)
        y_pred = self(x, training=False)
        loss = self._call_compute_loss(x, y, y_pred, sample_weight, training=False)
        self._loss_tracker.update_state(loss, sample_weight=_batch_size(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data):
        """The model's outputs for one batch."""
        x, _, _ = unpack_x_y_sample_weight(data)
        return self(x, training=False)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        """The compiled loss on ``(y, y_pred, sample_weight)`` plus every ``add_loss`` and
        regularization term (``self.losses``), as a scalar."""
        losses = []
        if self._compile_loss is not None and y is not None:
            losses.append(self._compile_loss(y, y_pred, sample_weight))
        for extra in self.losses:
            if not ops.dtype(extra).startswith(("float", "bfloat")):
                extra = ops.cast(extra, config.floatx())
            losses.append(ops.sum(extra))
        if not losses:
            if self._compile_loss is not None:
                raise ValueError(f'Model "{self.name}": the compiled loss needs targets (y), and the data has none.')
            raise ValueError(f'Model "{self.name}": no loss to compute. Pass loss=... to compile(), call add_loss() '
                             "in a layer, or override train_step.")
        total = losses[0]
        for extra in losses[1:]:
            total = ops.add(total, extra)
        return total

    def _call_compute_loss(self, x, y, y_pred, sample_weight, training):
        if _takes_training(type(self)):
            return self.compute_loss(x, y, y_pred, sample_weight, training=training)
        return self.compute_loss(x, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Update the compiled metrics with one batch; return every metric's result (``get_metrics_result``)."""
        if self._compile_metrics is not None and y is not None:
            self._compile_metrics.update_state(y, y_pred, sample_weight)
        return MetricResults(self.get_metrics_result)

    def get_metrics_result(self):
        """``{name: result}`` for every metric in ``metrics`` (a dict result is merged in)."""
        results = {}
        for metric in self.metrics:
            result = metric.result()
            if isinstance(result, Mapping):
                results.update(result)
            else:
                results[metric.name] = result
        return results

    @property
    def metrics(self):
        """The loss tracker, the compiled metrics, then metrics the model and its layers track (Keras's order)."""
        out = []
        if self.compiled:
            out.append(self._loss_tracker)
            if self._compile_metrics is not None and self._compile_metrics.built:
                out.append(self._compile_metrics)
        out.extend(self._tracked_metrics())
        return out

    @property
    def metrics_names(self):
        return [metric.name for metric in self.metrics]

    @property
    def metrics_variables(self):
        """The state variables of ``metrics``, in order (what a JAX-style step gets as ``metrics_variables``)."""
        return [v for metric in self.metrics for v in metric.variables]

    def reset_metrics(self):
        """Reset every metric in ``metrics`` (``fit`` calls it at each epoch's start)."""
        for metric in self.metrics:
            metric.reset_state()

    # ------------------------------------------------------------------------------------------
    # Building

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call model.compile(optimizer, loss, ...) before model.{what}().")
        custom = overrides(self, "train_step" if what in ("fit", "train_on_batch") else "test_step") or \
            overrides(self, "compute_loss")
        if self._compile_loss is None and not custom and not self._has_added_losses():
            raise ValueError(f"model.{what}() needs a loss: pass loss=... to compile(), or override train_step / "
                             "compute_loss.")

    def _has_added_losses(self):
        return any(layer._losses or layer.activity_regularizer is not None for layer in self._flatten_layers()) or \
            any(v.regularizer is not None for v in self.trainable_weights)

    def _build_for_training(self, x, y):
        """Before the first step: build the model, resolve losses and metrics per output, build the optimizer."""
        if self._built_for_training:
            return
        prepare = getattr(config.backend_module(), "prepare_for_training", None)
        if prepare is not None:
            prepare()
        needs_shapes = self._compile_loss is not None or bool(self._compile_metrics.spec) or \
            bool(self._compile_metrics.weighted_spec)
        symbolic = getattr(self, "outputs", None) if self.built else None
        if not needs_shapes:
            # Nothing compiled needs the outputs (a custom train_step computes its own losses):
            # no forward pass, which a model without call() (a GAN of two models) could not run.
            outputs = []
            shape_of = None
        elif symbolic:
            # Functional/Sequential graphs know their output shapes: no eager forward pass (on JAX
            # every eager op would compile a kernel of its own).
            batch = data_module.num_samples(x, "x")
            outputs = self._outputs_struct_or_list(symbolic)
            shape_of = lambda t: (batch,) + tuple(t.shape[1:])  # noqa: E731
        else:
            with StatelessScope():
                outputs = self(data_module.to_tensor_tree(x), training=False)
            shape_of = lambda t: tuple(ops.shape(t))  # noqa: E731
        names = getattr(self, "output_names", None)
        if isinstance(outputs, dict):
            names = names if names and set(names) == set(outputs) else list(outputs)
            flat = [outputs[n] for n in names]
        else:
            flat = tree.leaves(outputs)
        if not names or len(names) != len(flat):
            names = [f"output_{i}" for i in range(len(flat))] if len(flat) > 1 else ["output"]
        self._output_names = names
        shapes = [shape_of(t) for t in flat]
        self._output_shapes = shapes
        if self._compile_loss is not None:
            self._compile_loss.build(self, len(names))
        self._compile_metrics.build(self, len(names), self._compile_loss, shapes, y)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)
        self._built_for_training = True

    def _outputs_struct_or_list(self, symbolic):
        struct = getattr(self, "_outputs_struct", None)
        if struct is not None:
            return struct
        return symbolic if isinstance(symbolic, (list, tuple, dict)) else [symbolic]

    def _batch_data(self, x, y, sample_weight):
        """One batch as ``train_step`` gets it: tensors (host arrays where compiled functions take
        them), packed as Keras packs them; under a distribution, what the engine hands this process
        of the global batch."""
        engine = distribution_lib.active_engine()
        if engine is not None:
            x, y, sample_weight = engine.distribute_batch(x, y, sample_weight)
        convert = data_module.to_host_tree if self._host_batches else data_module.to_tensor_tree
        parts = [None if part is None else convert(part) for part in (x, y, sample_weight)]
        return pack_x_y_sample_weight(*parts)

    # ------------------------------------------------------------------------------------------
    # Running batches

    def _run_train(self, group):
        function = self.make_train_function()
        batches = [self._batch_data(*batch) for batch in group]
        if self._check_targets(group):
            with targets_checked_on_host():
                return function(batches)
        return function(batches)

    def _run_test(self, group):
        function = self.make_test_function()
        batches = [self._batch_data(*batch) for batch in group]
        if self._check_targets(group):
            with targets_checked_on_host():
                return function(batches)
        return function(batches)

    def _check_targets(self, group):
        """Every batch's NumPy targets against the compiled losses (class ids in range, one-hot
        widths...): a min/max on the host, so a bad label in any batch -- not only the first -- is a
        clear error instead of a silent gather or a framework's opaque one. True when every batch's
        targets were checked (the losses then skip their own device-side check)."""
        if self._compile_loss is None or not getattr(self, "_output_shapes", None):
            return False
        for _, y, _ in group:
            if y is None:
                return False
            targets = flatten_outputs(y, self._output_names)
            batch = data_module.num_samples(targets[0], "y") if targets and targets[0] is not None else None
            shapes = [(batch,) + tuple(shape[1:]) for shape in self._output_shapes]
            self._compile_loss.validate(targets, shapes)
        return self._compile_loss.validates_class_ids()

    def _get_metrics_result_or_logs(self, logs, step_name):
        """The epoch's logs (Keras's rule): the metrics' results when the step's logs name the same
        metrics, else the step's logs. The built-in steps' logs are those results already."""
        logs = pythonify_logs(logs if isinstance(logs, Mapping) else {})
        if not overrides(self, step_name):
            return logs
        metric_logs = pythonify_logs(self.get_metrics_result())
        return metric_logs if set(logs) == set(metric_logs) else logs

    def _groups(self, batches, skip_steps=0):
        """Batches in groups of ``steps_per_execution``: ``(first step index, [batches])``; the first
        ``skip_steps`` batches are drawn and dropped (a resumed epoch)."""
        group, start = [], 0
        for step, batch in enumerate(batches):
            if step < skip_steps:
                continue
            if not group:
                start = step
            group.append(batch)
            if len(group) == self.steps_per_execution:
                yield start, group
                group = []
        if group:
            yield start, group

    def _take_resume_point(self, initial_epoch):
        """``(epoch, steps to skip)`` where ``fit`` starts: a callback restoring an interrupted run
        (``BackupAndRestore``) sets ``_initial_epoch``/``_initial_step`` in ``on_train_begin``; used once."""
        epoch, step = getattr(self, "_initial_epoch", None), getattr(self, "_initial_step", 0)
        self._initial_epoch, self._initial_step = None, 0
        return (initial_epoch if epoch is None else epoch), step

    # ------------------------------------------------------------------------------------------
    # Public API

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History``. Arguments as in Keras."""
        self._require_compiled("fit")
        arguments.check_fit(batch_size, epochs, initial_epoch, steps_per_epoch, validation_steps,
                            validation_batch_size, validation_freq, validation_split)
        if class_weight is not None and sample_weight is not None:
            raise ValueError("fit: pass class_weight or sample_weight, not both.")
        train_data = data_module.make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        if class_weight is not None:
            if not isinstance(train_data, data_module.ArrayData) or isinstance(train_data.y, (list, dict)):
                raise ValueError("fit: class_weight needs single-output array targets.")
            arguments.check_class_weight(class_weight)
            train_data.sample_weight = data_module.class_weights_to_sample_weights(train_data.y, class_weight)
        val_data = None
        if validation_data is not None:
            val_data = self._validation_data(validation_data, validation_batch_size or batch_size, validation_steps)
        elif validation_split:
            if not isinstance(train_data, data_module.ArrayData):
                raise ValueError("fit: validation_split needs array inputs; pass validation_data for datasets.")
            train_data, val_data = (data_module.cap_steps(d) for d in train_data.split(validation_split))
        if steps_per_epoch is not None and isinstance(train_data, data_module.ArrayData):
            train_data.steps = min(train_data.steps, int(steps_per_epoch))
        if config.max_epochs() is not None:
            epochs = min(epochs, config.max_epochs())
        verbose = (1 if verbose == "auto" else verbose) if distribution_lib.is_chief() else 0
        history = callbacks_module.History()
        callback_objects = list(callbacks or [])
        if verbose:
            callback_objects.append(callbacks_module.ProgbarLogger(verbose=verbose))
        callback_objects.append(history)
        callback_list = callbacks_module.CallbackList(callback_objects, self,
                                                      {"epochs": epochs, "steps": train_data.steps,
                                                       "verbose": verbose})
        self.stop_training = False
        self.history = history
        callback_list.call("on_train_begin", {})
        initial_epoch, skip_steps = self._take_resume_point(initial_epoch)
        batch_logs_needed = callback_list.wants("on_train_batch_end")
        for epoch in range(initial_epoch, epochs):
            self._current_epoch = epoch
            self.reset_metrics()
            callback_list.call("on_epoch_begin", epoch, {})
            logs = None
            for start, group in self._groups(train_data.batches(), skip_steps):
                self._build_for_training(group[0][0], group[0][1])
                callback_list.call("on_train_batch_begin", start, {})
                logs = self._run_train(group)
                if batch_logs_needed:
                    step_logs = logs
                    callback_list.call("on_train_batch_end", start + len(group) - 1,
                                       callbacks_module.callback.LazyLogs(lambda: pythonify_logs(step_logs)))
                if self.stop_training:
                    break
            skip_steps = 0
            if logs is None:
                raise ValueError("fit: the training data produced no batches.")
            epoch_logs = self._get_metrics_result_or_logs(logs, "train_step")
            if val_data is not None and (epoch + 1) % validation_freq == 0:
                callback_list.call("on_test_begin", {})     # Keras's fit validates through evaluate's hooks
                val_logs = self._evaluate_data(val_data, callback_list)
                callback_list.call("on_test_end", val_logs)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.call("on_epoch_end", epoch, epoch_logs)
            if self.stop_training:
                break
        if epochs > 0 and self.optimizer is not None and self.optimizer.built:
            self.optimizer.finalize_variable_values(self.trainable_variables)   # use_ema: the averages
        callback_list.call("on_train_end", {})
        return history

    def _validation_data(self, validation_data, batch_size, steps):
        if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):  # Keras takes a list too
            vx, vy = validation_data[0], validation_data[1]
            vw = validation_data[2] if len(validation_data) == 3 else None
            return data_module.make_data(vx, vy, vw, batch_size, False, steps)
        return data_module.make_data(validation_data, None, None, batch_size, False, steps)

    def _evaluate_data(self, eval_data, callback_list):
        self.reset_metrics()
        logs = None
        for start, group in self._groups(eval_data.batches()):
            if group[0][1] is None and not overrides(self, "test_step"):
                raise ValueError("evaluate: the data has no targets (y).")
            self._build_for_training(group[0][0], group[0][1])
            if callback_list is not None:
                callback_list.call("on_test_batch_begin", start, {})
            logs = self._run_test(group)
            if callback_list is not None and callback_list.wants("on_test_batch_end"):
                step_logs = logs
                callback_list.call("on_test_batch_end", start + len(group) - 1,
                                   callbacks_module.callback.LazyLogs(lambda: pythonify_logs(step_logs)))
        if logs is None:
            raise ValueError("evaluate: the data produced no batches.")
        return self._get_metrics_result_or_logs(logs, "test_step")

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss (and metrics) over the data: a scalar, a list ``[loss, *metrics]``, or a dict."""
        self._require_compiled("evaluate")
        arguments.check_evaluate_or_predict("evaluate", batch_size, steps)
        eval_data = data_module.make_data(x, y, sample_weight, batch_size, False, steps)
        callback_list = callbacks_module.CallbackList(list(callbacks or []), self, {"steps": eval_data.steps})
        callback_list.call("on_test_begin", {})
        logs = self._evaluate_data(eval_data, callback_list)
        callback_list.call("on_test_end", logs)
        if verbose and distribution_lib.is_chief():
            print(callbacks_module.progbar.format_logs(logs))
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def _flatten_metrics_in_order(self, logs):
        """Logs as a list: metrics in ``metrics`` order, then other keys sorted (Keras's order). Each
        result appears once: Keras 3 lists a weighted metric under its unweighted twin's name (the
        unweighted value twice) and the weighted value last; kerafront lists ``weighted_<name>`` in
        its compiled place."""
        names = []
        for metric in self.metrics:
            if isinstance(metric, CompileMetrics):
                names += [m.name for _, m, _ in metric.metrics]
            else:
                names.append(metric.name)
        values = [logs[n] for n in names if n in logs] + [logs[k] for k in sorted(logs) if k not in names]
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x`` as NumPy arrays (same structure as the model's outputs)."""
        arguments.check_evaluate_or_predict("predict", batch_size, steps)
        pred_data = data_module.make_data(x, None, None, batch_size, False, steps)
        callback_list = callbacks_module.CallbackList(list(callbacks or []), self, {"steps": pred_data.steps})
        callback_list.call("on_predict_begin", {})
        outputs = []
        for start, group in self._groups(pred_data.batches()):
            if not self.built:
                with StatelessScope():
                    self(data_module.to_tensor_tree(group[0][0]), training=False)
            callback_list.call("on_predict_batch_begin", start, {})
            function = self.make_predict_function()
            results = function([self._batch_data(bx, None, None) for bx, _, _ in group])
            engine = distribution_lib.active_engine()
            for result in results:
                if engine is not None:
                    result = engine.gather_outputs(result)
                outputs.append(tree.map_structure(lambda t: ops.convert_to_numpy(plain_value(t)), result))
            callback_list.call("on_predict_batch_end", start + len(group) - 1, {"outputs": outputs[-1]})
        callback_list.call("on_predict_end", {})
        if not outputs:
            raise ValueError("predict: the data produced no batches.")
        return tree.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics) after it."""
        self._require_compiled("train_on_batch")
        bx, by, bw = data_module.unpack((x, y, sample_weight))
        if class_weight is not None:
            arguments.check_class_weight(class_weight)
            bw = data_module.class_weights_to_sample_weights(by, class_weight)
        self._build_for_training(bx, by)
        self.reset_metrics()
        logs = self._get_metrics_result_or_logs(self._run_train([(bx, by, bw)]), "train_step")
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("test_on_batch")
        bx, by, bw = data_module.unpack((x, y, sample_weight))
        self._build_for_training(bx, by)
        self.reset_metrics()
        logs = self._get_metrics_result_or_logs(self._run_test([(bx, by, bw)]), "test_step")
        return logs if return_dict else self._flatten_metrics_in_order(logs)

    def predict_on_batch(self, x):
        """Model outputs for one batch, as NumPy arrays."""
        x = data_module.to_numpy_tree(x, "x")
        return self.predict(x, batch_size=data_module.num_samples(x, "x"), verbose=0)


def _batch_size(x):
    first = tree.leaves(x)[0]
    return ops.shape(first)[0]
