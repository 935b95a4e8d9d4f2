"""``Trainer``: the Keras training API (compile, fit, evaluate, predict, *_on_batch) for ``Model``.

One implementation for every backend: batches come from ``kerafront.training.data``, the pure steps
from ``kerafront.training.steps``; the backend only supplies ``ops.compile`` and
``ops.value_and_grad``. After each step the new values are written back into the variables, so
callbacks always see current weights.
"""

import numpy as np

from kerafront import callbacks as callbacks_module, config, metrics as metrics_module, ops, optimizers, tree
from kerafront.training import data as data_module
from kerafront.training.compile_utils import CompileLoss, CompileMetrics, flatten_outputs
from kerafront.training.steps import Steps


def _write_back(variables, values):
    for variable, value in zip(variables, values):
        variable._value = value


def _to_float(value):
    return float(np.asarray(ops.convert_to_numpy(value)))


def _probe():
    return None


def _backend_compiles():
    """Whether ``ops.compile`` does more than return the function (jax.jit, tf.function)."""
    return ops.compile(_probe) is not _probe


class Trainer:
    """Mixin that gives ``Model`` the Keras training API."""

    compiled = False
    stop_training = False
    _step_results = None   # the last compiled step's metric results, while they are current
    _host_batches = False

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, run_eagerly=False,
                jit_compile="auto"):
        """Configure training. ``jit_compile="auto"`` compiles steps with the backend (jax.jit,
        tf.function; NumPy and torch run eagerly); ``False`` or ``run_eagerly=True`` never compiles."""
        if jit_compile not in ("auto", True, False):
            raise ValueError(f"compile: jit_compile must be 'auto', True or False, got {jit_compile!r}.")
        self.optimizer = optimizers.get(optimizer)
        self._compile_loss = CompileLoss(loss, loss_weights) if loss is not None else None
        self._compile_metrics = CompileMetrics(metrics)
        self._compile_config = {"loss": loss, "loss_weights": loss_weights, "metrics": metrics,
                                "run_eagerly": run_eagerly, "jit_compile": jit_compile}
        self._use_compile = not run_eagerly and jit_compile is not False
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._steps = None
        self._step_results = None
        self._train_function = self._test_function = self._predict_function = None
        self.compiled = True

    # ------------------------------------------------------------------------------------------
    # Building

    def _require_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"You must call model.compile(optimizer, loss, ...) before model.{what}().")
        if self._compile_loss is None and what != "predict":
            raise ValueError(f"model.{what}() needs a loss: pass loss=... to compile().")

    def _build_from_batch(self, x, y):
        """On the first batch: build the model, resolve losses/metrics per output, build the optimizer."""
        if self._steps is not None:
            return
        prepare = getattr(config.backend_module(), "prepare_for_training", None)
        if prepare is not None:
            prepare()
        symbolic = getattr(self, "outputs", None) if self.built else None
        if symbolic:
            # Functional/Sequential graphs know their output shapes: no eager forward pass (on JAX
            # every eager op would compile a kernel of its own).
            batch = data_module.num_samples(x, "x")
            outputs = symbolic if isinstance(symbolic, (list, tuple, dict)) else [symbolic]
            shape_of = lambda t: (batch,) + tuple(t.shape[1:])  # noqa: E731
        else:
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
        if self._compile_loss is not None:
            self._compile_loss.build(self, len(names))
            self._compile_metrics.build(self, len(names), self._compile_loss, shapes)
            if y is not None:
                self._compile_loss.validate(flatten_outputs(y, names), shapes)
        if not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)
        self._steps = Steps(self)
        compiles = self._use_compile and _backend_compiles()
        self._steps.with_results = compiles
        # Eager steps get the variables' own tensors and their results are written back, so the
        # optimizer may update them in place (as torch.optim does); compiled steps never mutate inputs.
        self._steps.in_place_updates = not compiles
        # Backends whose compiled functions take NumPy arrays get the batches as they are: the
        # compiled call transfers them far more cheaply than a separate conversion per array.
        self._host_batches = compiles and bool(getattr(config.backend_module(), "compiled_functions_take_numpy", False))

    def _compiled(self, fn):
        return ops.compile(fn) if self._use_compile else fn

    def _make_train_function(self):
        if self._train_function is None:
            self._train_function = self._compiled(self._steps.train_step)
        return self._train_function

    def _make_test_function(self):
        if self._test_function is None:
            self._test_function = self._compiled(self._steps.test_step)
        return self._test_function

    def _make_predict_function(self):
        if self._predict_function is None:
            self._predict_function = self._compiled(self._steps.predict_step)
        return self._predict_function

    def _metric_variables(self):
        return self._steps.metric_variables

    def _metric_logs(self):
        results = self._step_results
        if results is None:
            results = self._steps.results([v.value for v in self._steps.metric_variables])
        return {name: _to_float(value) for name, value in zip(self._steps.result_names, results)}

    def _reset_metrics(self):
        self._step_results = None
        self._loss_tracker.reset_state()
        self._compile_metrics.reset_state()

    def _step_inputs(self, data):
        """A batch part (array tree or None) as the step function takes it."""
        if data is None:
            return None
        if self._host_batches:
            return data_module.to_host_tree(data)
        return data_module.to_tensor_tree(data)

    # ------------------------------------------------------------------------------------------
    # One batch

    def _train_batch(self, x, y, sample_weight):
        train = self._make_train_function()
        trainable, non_trainable = self.trainable_variables, self.non_trainable_variables
        optimizer_vars, metric_vars = self.optimizer.variables, self._metric_variables()
        state = ([v.value for v in trainable], [v.value for v in non_trainable],
                 [v.value for v in optimizer_vars], [v.value for v in metric_vars])
        batch = (self._step_inputs(x), self._step_inputs(y), self._step_inputs(sample_weight))
        loss, (new_trainable, new_non_trainable, new_optimizer, new_metrics), results = train(state, batch)
        _write_back(trainable, new_trainable)
        _write_back(non_trainable, new_non_trainable)
        _write_back(optimizer_vars, new_optimizer)
        _write_back(metric_vars, new_metrics)
        self._step_results = results
        return loss

    def _test_batch(self, x, y, sample_weight):
        test = self._make_test_function()
        metric_vars = self._metric_variables()
        state = ([v.value for v in self.trainable_variables], [v.value for v in self.non_trainable_variables],
                 [v.value for v in metric_vars])
        batch = (self._step_inputs(x), self._step_inputs(y), self._step_inputs(sample_weight))
        new_metrics, results = test(state, batch)
        _write_back(metric_vars, new_metrics)
        self._step_results = results

    def _predict_batch(self, x):
        predict = self._make_predict_function()
        state = ([v.value for v in self.trainable_variables], [v.value for v in self.non_trainable_variables])
        return predict(state, self._step_inputs(x))

    # ------------------------------------------------------------------------------------------
    # Public API

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, validation_batch_size=None, validation_freq=1):
        """Train for ``epochs`` epochs; returns the ``History``. Arguments as in Keras."""
        self._require_compiled("fit")
        if class_weight is not None and sample_weight is not None:
            raise ValueError("fit: pass class_weight or sample_weight, not both.")
        train_data = data_module.make_data(x, y, sample_weight, batch_size, shuffle, steps_per_epoch)
        if class_weight is not None:
            if not isinstance(train_data, data_module.ArrayData) or isinstance(train_data.y, (list, dict)):
                raise ValueError("fit: class_weight needs single-output array targets.")
            train_data.sample_weight = data_module.class_weights_to_sample_weights(train_data.y, class_weight)
        val_data = None
        if validation_data is not None:
            val_data = self._validation_data(validation_data, validation_batch_size or batch_size, validation_steps)
        elif validation_split:
            if not isinstance(train_data, data_module.ArrayData):
                raise ValueError("fit: validation_split needs array inputs; pass validation_data for datasets.")
            train_data, val_data = train_data.split(validation_split)
        if steps_per_epoch is not None and isinstance(train_data, data_module.ArrayData):
            train_data.steps = min(train_data.steps, int(steps_per_epoch))
        steps = train_data.steps
        verbose = 1 if verbose == "auto" else verbose
        history = callbacks_module.History()
        callback_objects = list(callbacks or [])
        if verbose:
            callback_objects.append(callbacks_module.ProgbarLogger(verbose=verbose))
        callback_objects.append(history)
        callback_list = callbacks_module.CallbackList(callback_objects, self,
                                                      {"epochs": epochs, "steps": steps, "verbose": verbose})
        self.stop_training = False
        self.history = history
        callback_list.call("on_train_begin", {})
        batch_logs_needed = callback_list.wants("on_train_batch_end")
        for epoch in range(initial_epoch, epochs):
            self._current_epoch = epoch
            self._reset_metrics()
            callback_list.call("on_epoch_begin", epoch, {})
            for step, (bx, by, bw) in enumerate(train_data.batches()):
                if self._steps is None:
                    self._build_from_batch(bx, by)
                callback_list.call("on_train_batch_begin", step, {})
                loss = self._train_batch(bx, by, bw)
                if batch_logs_needed:
                    callback_list.call("on_train_batch_end", step, self._batch_logs(loss))
                if self.stop_training:
                    break
            if self._steps is None:
                raise ValueError("fit: the training data produced no batches.")
            epoch_logs = self._metric_logs()
            if val_data is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._evaluate_data(val_data, callback_list=None)
                epoch_logs.update({f"val_{k}": v for k, v in val_logs.items()})
            callback_list.call("on_epoch_end", epoch, epoch_logs)
            if self.stop_training:
                break
        callback_list.call("on_train_end", {})
        return history

    def _batch_logs(self, loss):
        def compute():
            logs = self._metric_logs()
            logs["loss"] = _to_float(loss)
            return logs
        return callbacks_module.callback.LazyLogs(compute)

    def _validation_data(self, validation_data, batch_size, steps):
        if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
            vx, vy = validation_data[0], validation_data[1]
            vw = validation_data[2] if len(validation_data) == 3 else None
            return data_module.make_data(vx, vy, vw, batch_size, False, steps)
        return data_module.make_data(validation_data, None, None, batch_size, False, steps)

    def _evaluate_data(self, eval_data, callback_list):
        self._reset_metrics()
        for step, (bx, by, bw) in enumerate(eval_data.batches()):
            if by is None:
                raise ValueError("evaluate: the data has no targets (y).")
            if self._steps is None:
                self._build_from_batch(bx, by)
            if callback_list is not None:
                callback_list.call("on_test_batch_begin", step, {})
            self._test_batch(bx, by, bw)
            if callback_list is not None and callback_list.wants("on_test_batch_end"):
                callback_list.call("on_test_batch_end", step, callbacks_module.callback.LazyLogs(self._metric_logs))
        if self._steps is None:
            raise ValueError("evaluate: the data produced no batches.")
        return self._metric_logs()

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False):
        """Loss (and metrics) over the data: a scalar, a list ``[loss, *metrics]``, or a dict."""
        self._require_compiled("evaluate")
        eval_data = data_module.make_data(x, y, sample_weight, batch_size, False, steps)
        callback_list = callbacks_module.CallbackList(list(callbacks or []), self, {"steps": eval_data.steps})
        callback_list.call("on_test_begin", {})
        logs = self._evaluate_data(eval_data, callback_list)
        callback_list.call("on_test_end", logs)
        if verbose:
            print(callbacks_module.progbar.format_logs(logs))
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for ``x`` as NumPy arrays (same structure as the model's outputs)."""
        pred_data = data_module.make_data(x, None, None, batch_size, False, steps)
        callback_list = callbacks_module.CallbackList(list(callbacks or []), self, {"steps": pred_data.steps})
        callback_list.call("on_predict_begin", {})
        outputs = []
        for step, (bx, _, _) in enumerate(pred_data.batches()):
            if not self.built:
                self(data_module.to_tensor_tree(bx), training=False)
            callback_list.call("on_predict_batch_begin", step, {})
            if self.compiled and self._steps is not None:
                batch_out = self._predict_batch(bx)
            else:
                batch_out = self(data_module.to_tensor_tree(bx), training=False)
            outputs.append(tree.map_structure(ops.convert_to_numpy, batch_out))
            callback_list.call("on_predict_batch_end", step, {"outputs": outputs[-1]})
        callback_list.call("on_predict_end", {})
        if not outputs:
            raise ValueError("predict: the data produced no batches.")
        return tree.map_structure(lambda *parts: np.concatenate(parts, axis=0), *outputs)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient step on one batch; returns the loss (and metrics) after it."""
        self._require_compiled("train_on_batch")
        bx, by, bw = data_module.unpack((x, y, sample_weight))
        if class_weight is not None:
            bw = data_module.class_weights_to_sample_weights(by, class_weight)
        self._build_from_batch(bx, by)
        self._reset_metrics()
        self._train_batch(bx, by, bw)
        return self._format_logs(self._metric_logs(), return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._require_compiled("test_on_batch")
        bx, by, bw = data_module.unpack((x, y, sample_weight))
        self._build_from_batch(bx, by)
        self._reset_metrics()
        self._test_batch(bx, by, bw)
        return self._format_logs(self._metric_logs(), return_dict)

    def predict_on_batch(self, x):
        """Model outputs for one batch, as NumPy arrays."""
        x = data_module.to_numpy_tree(x, "x")
        return self.predict(x, batch_size=data_module.num_samples(x, "x"), verbose=0)

    @staticmethod
    def _format_logs(logs, return_dict):
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    @property
    def metrics_names(self):
        if self._steps is None:
            return ["loss"]
        return ["loss"] + [m.name for _, m in self._compile_metrics.metrics]
