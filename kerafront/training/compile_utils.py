"""What ``compile`` resolves: the loss per output (with weights) and the metrics per output."""

from kerafront import losses as losses_module, metrics as metrics_module, ops, tree


def _output_names(model, num_outputs):
    names = getattr(model, "output_names", None)
    if names and len(names) == num_outputs:
        return list(names)
    return [f"output_{i}" for i in range(num_outputs)] if num_outputs > 1 else ["output"]


def _per_output(spec, names, what):
    """Expand a single spec, list or dict into one entry per output name."""
    if isinstance(spec, dict):
        unknown = set(spec) - set(names)
        if unknown:
            raise ValueError(f"compile: {what} names unknown outputs {sorted(unknown)}; the model's outputs are "
                             f"{names}.")
        return [spec.get(n) for n in names]
    if isinstance(spec, (list, tuple)) and len(names) > 1 and what == "loss":
        if len(spec) != len(names):
            raise ValueError(f"compile: got {len(spec)} losses for a model with {len(names)} outputs {names}.")
        return list(spec)
    return [spec] * len(names)


class CompileLoss:
    """Sum over outputs of ``loss_weight * loss(y_true, y_pred, sample_weight)``; takes the targets,
    predictions and sample weights as the model gives them (a tensor, a list or a dict per output)."""

    def __init__(self, loss, loss_weights=None):
        self.spec = loss
        self.loss_weights_spec = loss_weights
        self.losses = None

    def build(self, model, num_outputs):
        self.names = _output_names(model, num_outputs)
        self.losses = [None if spec is None else losses_module.get(spec)
                       for spec in _per_output(self.spec, self.names, "loss")]
        if all(loss is None for loss in self.losses):
            raise ValueError("compile: no loss was given for any output.")
        from kerafront.losses.validation import _kind
        self._validates_ids = all(loss is not None and _kind(loss)[0] == "sparse" for loss in self.losses)
        weights = self.loss_weights_spec
        if weights is None:
            self.weights = [1.0] * num_outputs
        elif isinstance(weights, dict):
            self.weights = [float(weights.get(n, 1.0)) for n in self.names]
        else:
            weights = list(weights) if isinstance(weights, (list, tuple)) else [weights]
            if len(weights) != num_outputs:
                raise ValueError(f"compile: got {len(weights)} loss_weights for {num_outputs} outputs.")
            self.weights = [float(w) for w in weights]

    def validate(self, y_true, y_pred_shapes):
        """Eager, once: check NumPy targets against each loss (integer labels to categorical CE, ...)."""
        for loss, target, shape in zip(self.losses, y_true, y_pred_shapes):
            if loss is not None and target is not None and hasattr(losses_module, "validate_targets"):
                losses_module.validate_targets(loss, target, shape)

    def validates_class_ids(self):
        """True when every output's loss is a sparse crossentropy, whose ``validate`` checks the
        class ids on the host (so metrics on those outputs see checked ids too). Decided in ``build``."""
        return self._validates_ids

    def __call__(self, y_true, y_pred, sample_weight=None):
        names = self.names
        y_true = flatten_outputs(y_true, names)
        y_pred = flatten_outputs(y_pred, names, what="predictions")
        if isinstance(sample_weight, (list, tuple, dict)):
            sample_weight = flatten_outputs(sample_weight, names, what="sample weights")
        else:
            sample_weight = [sample_weight] * len(names)
        total = None
        for loss, weight, target, prediction, sw in zip(self.losses, self.weights, y_true, y_pred, sample_weight):
            if loss is None:
                continue
            value = loss(target, prediction, sample_weight=sw)
            if weight != 1.0:
                value = ops.multiply(value, weight)
            total = value if total is None else ops.add(total, value)
        return total

    def get_config(self):
        return {"loss": self.spec, "loss_weights": self.loss_weights_spec}


def _metrics_per_output(spec, names, what):
    """One list of metric identifiers per output from ``metrics=``/``weighted_metrics=``."""
    num_outputs = len(names)
    spec = spec or []
    if isinstance(spec, dict):
        return _per_output(spec, names, what)
    if num_outputs > 1 and spec and all(isinstance(s, (list, tuple)) or s is None for s in spec):
        if len(spec) != num_outputs:
            raise ValueError(f"compile: got {what} for {len(spec)} outputs, the model has {num_outputs}.")
        return list(spec)
    return [spec] * num_outputs


class CompileMetrics(metrics_module.Metric):
    """The metrics given to ``compile``, as one Metric named ``compile_metrics`` (as in Keras).

    ``metrics=`` are computed without sample weights and ``weighted_metrics=`` with them (Keras 3's
    rule); ``result()`` is a dict: each metric under its name (prefixed by its output's name on a
    multi-output model; a weighted metric whose name is taken gets ``weighted_`` in front).
    ``build`` resolves names such as ``"accuracy"`` from the loss, else from the output and target
    shapes (a model without a compiled loss, e.g. one overriding ``compute_loss``).
    """

    def __init__(self, metrics, weighted_metrics=None):
        super().__init__(name="compile_metrics")
        if weighted_metrics is not None and not isinstance(weighted_metrics, (list, tuple, dict)):
            raise ValueError(f"compile: weighted_metrics must be a list, tuple or dict, got {weighted_metrics!r}.")
        self.spec = metrics
        self.weighted_spec = weighted_metrics
        self.metrics = []            # (output index, metric, weighted)
        self.output_names = None
        self.built = False

    def build(self, model, num_outputs, compile_loss, y_pred_shapes, y_true=None):
        names = _output_names(model, num_outputs)
        self.output_names = names
        losses = compile_loss.losses if compile_loss is not None and compile_loss.losses else [None] * num_outputs
        y_true_shapes = _target_shapes(y_true, names)
        self.metrics, taken = [], set()
        for weighted, spec in ((False, self.spec), (True, self.weighted_spec)):
            for index, output_spec in enumerate(_metrics_per_output(spec, names, "metrics")):
                if output_spec is None:
                    continue
                for identifier in output_spec if isinstance(output_spec, (list, tuple)) else [output_spec]:
                    metric = metrics_module.get(identifier, loss=losses[index], output_shape=y_pred_shapes[index],
                                                y_true_shape=y_true_shapes[index])
                    if hasattr(metric, "build_from_output_shape"):   # per-class state (F1Score, R2Score)
                        metric.build_from_output_shape(y_pred_shapes[index])
                    prefix = f"{names[index]}_" if num_outputs > 1 else ""
                    name = f"{prefix}{metric.name}"
                    if weighted and name in taken:
                        name = f"{prefix}weighted_{metric.name}"
                    while name in taken:
                        name = f"{name}_1"
                    taken.add(name)
                    metric.name = name
                    self.metrics.append((index, metric, weighted))
        self.built = True

    @property
    def variables(self):
        return [v for _, metric, _ in self.metrics for v in metric.variables]

    def update_state(self, y_true, y_pred, sample_weight=None):
        names = self.output_names or ["output"]
        y_true = flatten_outputs(y_true, names)
        y_pred = flatten_outputs(y_pred, names, what="predictions")
        if isinstance(sample_weight, (list, tuple, dict)):
            sample_weight = flatten_outputs(sample_weight, names, what="sample weights")
        else:
            sample_weight = [sample_weight] * len(names)
        for index, metric, weighted in self.metrics:
            metric.update_state(y_true[index], y_pred[index], sample_weight=sample_weight[index] if weighted else None)

    def result(self):
        return {metric.name: metric.result() for _, metric, _ in self.metrics}

    def reset_state(self):
        for _, metric, _ in self.metrics:
            metric.reset_state()

    def get_config(self):
        return {"metrics": self.spec, "weighted_metrics": self.weighted_spec}


def _target_shapes(y_true, names):
    """Each output's target shape (``None`` where unknown), for resolving ``"accuracy"``."""
    try:
        targets = flatten_outputs(y_true, names)
    except ValueError:
        return [None] * len(names)
    return [None if t is None else tuple(t.shape if hasattr(t, "shape") else ops.shape(ops.convert_to_tensor(t)))
            for t in targets]


def flatten_outputs(data, names, what="targets"):
    """Targets/predictions as a list in output order (dicts are read by output name)."""
    if data is None:
        return [None] * len(names)
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError(f"The {what} are missing outputs {missing}; got keys {sorted(data)}.")
        return [data[n] for n in names]
    if isinstance(data, (list, tuple)):
        if len(names) == 1 and len(data) != 1:
            return [data]
        if len(data) != len(names):
            raise ValueError(f"Expected {len(names)} arrays of {what} (one per output {names}), got {len(data)}.")
        return list(data)
    if len(names) != 1:
        raise ValueError(f"The model has {len(names)} outputs {names}: pass the {what} as a list or dict.")
    return [data]


def num_leaves(data):
    return len(tree.leaves(data))
