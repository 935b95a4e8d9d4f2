"""``Layer``: the base class of every kerafront layer and model. Its contract, stated once:

* ``__init__(**kwargs)`` accepts ``name``, ``dtype``, ``trainable``, ``activity_regularizer``,
  ``autocast``, ``input_shape`` / ``input_dim`` / ``batch_size`` (used by ``Sequential`` as in Keras);
  any other keyword raises ``ValueError`` naming the layer class.
* ``dtype`` is a dtype policy (``kerafront.dtype_policies``: a name such as ``"float32"`` or
  ``"mixed_bfloat16"``, a ``DTypePolicy``, its config; ``None``: the global policy). Weights are
  created in ``variable_dtype`` (= ``dtype``); float inputs are cast to ``compute_dtype``, and under a
  mixed policy ``call`` reads float weights as ``compute_dtype`` (an ``AutocastScope``), as in Keras.
* ``build(input_shape)`` creates weights with ``add_weight``. It runs once, on the first call, with
  the input shape (a tuple, or a list of tuples for a layer taking a list). ``built`` becomes True.
* ``call(inputs, training=None, mask=None)`` computes; ``training``/``mask`` may be left out of the
  signature, ``__call__`` passes them only when accepted. A nested layer called without
  ``training=`` inherits the outer call's value.
* ``compute_output_shape(input_shape)`` (optional) gives output shapes without computing. Without
  it, the functional API, ``Sequential`` and ``summary()`` run ``call`` on symbolic tensors, whose
  ops compute only shapes and dtypes (``kerafront/ops/_symbolic``); neither runs a backend kernel.
* ``get_config()`` returns JSON-able constructor arguments; ``from_config(config)`` is
  ``cls(**config)``.

State:

* ``weights``: own weights (trainable ones first, then non-trainable, each in creation order), then
  those of nested layers, found by walking attributes (layers, and lists/tuples/dicts of layers) in
  assignment order. ``get_weights``/``set_weights`` use this order: Keras's.
* ``variables`` adds the ``state`` variable of every ``kerafront.random.SeedGenerator`` the layer
  holds (after its own weights). Seed states are non-trainable variables (the trainer threads them
  through compiled steps) but not weights: they are not in ``get_weights`` nor in parameter counts.
* ``trainable = False`` freezes the layer and everything nested in it.
* ``stateless_call(trainable_values, non_trainable_values, *args)`` runs the layer on given values
  and returns ``(outputs, new_non_trainable_values)``; it mutates nothing.
"""

import inspect

import numpy as np

from kerafront import _masking, _operation, config, ops, tree
from kerafront.dtypes import is_float, standardize_dtype
from kerafront.layers import _context, _tracking
from kerafront.layers._mask_rules import MaskRules
from kerafront.layers._layer_utils import all_numbers, auto_config, dtype_name, is_native_tensor, shape_to_json
from kerafront.layers.input_spec import check_input_spec
from kerafront.layers.symbolic import KerasTensor, Node, is_shape, map_shapes, shape_of
from kerafront.random import SeedGenerator
from kerafront.utils.naming import auto_name
from kerafront.variables import AutocastScope, StatelessScope, Variable, autocast_dtype

_JSON_SCALARS = (str, int, float, bool, type(None))
_any_losses = [False]  # set once some layer called add_loss: then outer calls clear old losses


class LayerBase:
    """The base of ``Layer``. Empty; a backend may give ``Layer`` a framework base in its place (the
    torch backend makes every layer a ``torch.nn.Module``, see ``kerafront_torch/_module.py``)."""


class Layer(MaskRules, LayerBase):
    """Base class of layers (see the module docstring for the contract)."""

    _UNTRACKED = frozenset(("_inbound_nodes", "_init_call", "_losses", "_trainable_own", "_non_trainable_own",
                            "_build_shapes", "input_spec", "_cache"))

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        object.__setattr__(instance, "_init_call", (args, kwargs))
        return instance

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])
        cls._call_flags = None

    def __init__(self, *, name=None, dtype=None, trainable=True, activity_regularizer=None, input_shape=None,
                 input_dim=None, batch_size=None, batch_input_shape=None, autocast=True, **kwargs):
        if kwargs:
            raise ValueError(f"{type(self).__name__}: unrecognized keyword argument(s) {sorted(kwargs)}. "
                             f"Check the spelling against the layer's documented arguments.")
        from kerafront import regularizers
        object.__setattr__(self, "_trainable_own", [])
        object.__setattr__(self, "_non_trainable_own", [])
        self._losses = []
        self._inbound_nodes = []
        self._build_shapes = None
        self.input_spec = None
        self.name = name or auto_name(type(self).__name__)
        if not isinstance(self.name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, got {self.name!r}.")
        self.autocast = bool(autocast)
        self._remat_scope = _operation.current_remat_scope()
        self._set_dtype_policy(dtype)
        self._trainable = bool(trainable)
        self.built = False
        self.activity_regularizer = regularizers.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (batch_size,) + tuple(input_shape)
        else:
            self._batch_input_shape = None

    # ------------------------------------------------------------------------------------------
    # Attribute tracking

    def __setattr__(self, name, value):
        if name not in self._UNTRACKED:
            if isinstance(value, Variable) and "_trainable_own" in self.__dict__:
                self._track_variable(value)
            if _is_trackable(value) or _is_trackable(self.__dict__.get(name)):
                value = _tracking.wrap(value)
                _tracking.bump()
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        _tracking.bump()
        object.__delattr__(self, name)

    def _track_variable(self, variable):
        if any(v is variable for v in self._trainable_own + self._non_trainable_own):
            return
        (self._trainable_own if variable.trainable else self._non_trainable_own).append(variable)
        _tracking.bump()

    def _cached(self, key, compute):
        """``compute()``, cached until the structure of any layer tree changes (``_tracking``)."""
        entry = self.__dict__.get("_cache")
        if entry is None or entry[0] != _tracking.version():
            entry = (_tracking.version(), {})
            object.__setattr__(self, "_cache", entry)
        if key not in entry[1]:
            entry[1][key] = compute()
        return entry[1][key]

    def _tracked_children(self):
        """Direct sub-layers, seed generators and metrics held in attributes, in assignment order."""
        return self._cached("children", self._find_children)

    def _find_children(self):
        layers, seeds, metrics = [], [], []
        skip = self._UNTRACKED
        for key, value in self.__dict__.items():
            if key not in skip:
                _collect(value, layers, seeds, self, metrics)
        return layers, seeds, metrics

    @property
    def metrics(self):
        """Metrics (``kerafront.metrics.Metric``) held in attributes of this layer and nested ones."""
        out = list(self._tracked_children()[2])
        for layer in self._flatten_layers(include_self=False):
            out.extend(layer._tracked_children()[2])
        return out

    def _flatten_layers(self, include_self=True):
        """This layer and every nested one, depth-first pre-order, each once."""
        flat = self._cached("flat", self._find_flat_layers)
        return flat if include_self else flat[1:]

    def _find_flat_layers(self):
        out, seen = [], set()

        def visit(layer):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            for child in layer._tracked_children()[0]:
                visit(child)

        visit(self)
        return out

    # ------------------------------------------------------------------------------------------
    # Weights and variables

    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True, regularizer=None,
                   constraint=None, name=None, autocast=True):
        """Create and track a weight; returns the ``kerafront.Variable``.

        ``initializer``: a name (``"zeros"``, ``"glorot_uniform"``, ...), an initializer object or a
        callable ``(shape, dtype)``; ``shape`` defaults to ``()``. The variable's ``path`` is the
        names of the layers being built, then ``name`` (``"sequential/dense/kernel"``). ``dtype``
        defaults to the policy's ``variable_dtype``; ``autocast=False`` keeps the weight in its own
        dtype inside a mixed-precision ``call`` (Keras does so for normalization statistics).
        """
        from kerafront import constraints, initializers, regularizers
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = standardize_dtype(dtype) or self._dtype
        name = name or "variable"
        path = _context.current_path(name) if _context.name_scope_stack() else f"{self.name}/{name}"
        variable = Variable(initializers.for_weight(initializer, shape, dtype, path), shape=shape, dtype=dtype,
                            trainable=bool(trainable) and self._trainable, name=name, autocast=autocast)
        variable.path = path
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        (self._trainable_own if trainable else self._non_trainable_own).append(variable)
        _tracking.bump()
        return variable

    add_variable = add_weight

    def _walk_variables(self, include_seeds):
        return list(self._cached(("variables", include_seeds), lambda: self._find_variables(include_seeds)))

    def _find_variables(self, include_seeds):
        out, seen = [], set()
        for layer in self._flatten_layers():
            own = layer._trainable_own + layer._non_trainable_own
            if include_seeds:
                own = own + [s.state for s in layer._tracked_children()[1]]
            for v in own:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def variables(self):
        """Weights and seed-generator states of this layer and nested ones."""
        return self._walk_variables(include_seeds=True)

    @property
    def weights(self):
        """Weights (no seed states) of this layer and nested ones, in ``get_weights`` order."""
        return self._walk_variables(include_seeds=False)

    @property
    def trainable_weights(self):
        return [v for v in self.weights if v.trainable] if self._trainable else []

    @property
    def non_trainable_weights(self):
        weights = self.weights
        return [v for v in weights if not v.trainable] if self._trainable else weights

    @property
    def trainable_variables(self):
        return [v for v in self.variables if v.trainable] if self._trainable else []

    @property
    def non_trainable_variables(self):
        """Non-trainable weights plus seed states (what ``stateless_call`` threads through)."""
        variables = self.variables
        return [v for v in variables if not v.trainable] if self._trainable else variables

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        for layer in self._flatten_layers():
            object.__setattr__(layer, "_trainable", value)
            for v in layer._trainable_own:
                v.trainable = value

    @property
    def dtype_policy(self):
        """The layer's ``DTypePolicy`` (settable with a policy or its name)."""
        return self._dtype_policy

    @dtype_policy.setter
    def dtype_policy(self, value):
        self._set_dtype_policy(value)

    def _set_dtype_policy(self, dtype):
        from kerafront import dtype_policies
        policy = dtype_policies.get(dtype)
        object.__setattr__(self, "_dtype_policy", policy)
        self._dtype = standardize_dtype(policy.variable_dtype)
        self._compute_dtype = standardize_dtype(policy.compute_dtype)
        self._autocast = self.autocast and is_float(self._compute_dtype)

    @property
    def dtype(self):
        """The dtype of the layer's weights (``variable_dtype``; floatx by default), as in Keras."""
        return self._dtype

    @property
    def variable_dtype(self):
        return self._dtype

    @property
    def compute_dtype(self):
        """The dtype of the layer's inputs, computations and outputs (float16 under ``mixed_float16``)."""
        return self._compute_dtype

    input_dtype = compute_dtype

    def get_weights(self):
        """Weights as NumPy arrays, in ``weights`` order (Keras's: kernel then bias, ...)."""
        return [ops.convert_to_numpy(v.value) for v in self.weights]

    def set_weights(self, weights):
        """Assign NumPy arrays in ``weights`` order; all are checked before any is assigned."""
        variables = self.weights
        weights = list(weights)
        if len(weights) != len(variables):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): set_weights expected {len(variables)} arrays '
                f"({', '.join(v.path for v in variables) or 'the layer has no weights; build it first'}), "
                f"received {len(weights)}.")
        arrays = []
        for variable, value in zip(variables, weights):
            array = ops.convert_to_numpy(value) if ops.is_tensor(value) else np.asarray(value)
            if tuple(array.shape) != tuple(variable.shape):
                raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): weight "{variable.path}" has shape '
                                 f"{variable.shape}, received an array of shape {tuple(array.shape)}.")
            arrays.append(array)
        for variable, array in zip(variables, arrays):
            variable.assign(array)

    def count_params(self):
        """Number of scalars in ``weights`` (seed states excluded, as in Keras)."""
        if not self.built:
            raise ValueError(f'Layer "{self.name}" is not built yet, so it has no weights to count. '
                             "Call it on data or build it with an input shape first.")
        return int(sum(int(np.prod(v.shape)) for v in self.weights))

    # ------------------------------------------------------------------------------------------
    # Losses

    def add_loss(self, loss):
        """Record a scalar loss tensor; it is in ``losses`` until the next outermost call."""
        self._losses.append(loss)
        _any_losses[0] = True

    @property
    def losses(self):
        """``add_loss`` values of this layer and nested ones, then weight-regularizer penalties
        computed on the current (or, inside ``stateless_call``, the given) values."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for variable in self.trainable_weights:
            if variable.regularizer is not None:
                out.append(variable.regularizer(variable.value))
        return out

    def _clear_losses(self):
        for layer in self._flatten_layers():
            if layer._losses:
                layer._losses = []

    # ------------------------------------------------------------------------------------------
    # Calling

    def build(self, input_shape):
        """Create weights for inputs of ``input_shape``; the base layer has none."""

    def call(self, inputs, *args, **kwargs):
        raise TypeError(f'Layer "{self.name}" ({type(self).__name__}) has no call() method: subclasses of '
                        "kerafront.layers.Layer must define call(self, inputs).")

    def compute_output_shape(self, input_shape):
        raise TypeError(
            f'Layer "{self.name}" ({type(self).__name__}) does not implement compute_output_shape, which the '
            "functional API, Sequential models and summary() need to infer shapes without running kernels. "
            "Define compute_output_shape(self, input_shape) returning the output shape (batch dimension "
            "included, None when unknown).")

    def compute_output_spec(self, inputs, *args, **kwargs):
        """Symbolic outputs (KerasTensors) for symbolic ``inputs``.

        A layer that defines ``compute_output_shape`` gets KerasTensors of those shapes in its dtype.
        Otherwise ``call`` itself runs on the KerasTensors (``_trace_call``): its ops compute only
        shapes and dtypes, so shapes and dtypes come from the code that computes the values.
        """
        if type(self).compute_output_shape is Layer.compute_output_shape:
            return self._trace_call(inputs, *args, **kwargs)
        output_shape = self.compute_output_shape(shape_of(inputs))
        return map_shapes(lambda s: KerasTensor(s, self._compute_dtype), output_shape)

    def _trace_call(self, inputs, *args, **kwargs):
        """``call`` on symbolic ``inputs``, inside a ``StatelessScope`` so that its assigns (moving
        statistics, seed states) are discarded; float inputs take the layer's dtype, as in ``__call__``.
        ``training``/``mask`` reach ``call`` only when it accepts them; symbolic losses it adds are
        dropped. An error names the layer."""
        training, mask = kwargs.pop("training", None), kwargs.pop("mask", None)
        takes_training, takes_mask = self._get_call_flags()[:2]
        if training is not None and takes_training:
            kwargs["training"] = training
        if mask is not None and takes_mask:
            kwargs["mask"] = mask
        if self._autocast:
            dtype = self._compute_dtype
            inputs = tree.map_structure(
                lambda t: KerasTensor(t.shape, dtype, name=t.name)
                if isinstance(t, KerasTensor) and t.dtype != dtype and is_float(t.dtype) else t, inputs)
        try:
            with StatelessScope(), AutocastScope(self._autocast_target()):
                return self.call(inputs, *args, **kwargs)
        except (TypeError, ValueError, IndexError) as error:
            if getattr(error, "kerafront_trace_error", False):  # a nested layer's, naming that layer
                raise
            shapes = tree.map_structure(lambda t: t.shape if isinstance(t, KerasTensor) else t, inputs)
            traced = (TypeError if isinstance(error, TypeError) else ValueError)(
                f'Layer "{self.name}" ({type(self).__name__}) could not infer its output for symbolic inputs of '
                f"shape {shapes}: call() on them raised {type(error).__name__}: {error} Fix call(), or define "
                "compute_output_shape(self, input_shape) returning the output shape (batch dimension included, "
                "None when unknown).")
            traced.kerafront_trace_error = True
            raise traced from error
        finally:
            for layer in self._flatten_layers():
                if any(isinstance(loss, KerasTensor) for loss in layer._losses):
                    layer._losses = [loss for loss in layer._losses if not isinstance(loss, KerasTensor)]

    def __call__(self, *args, **kwargs):
        if not args:
            if "inputs" not in kwargs:
                raise ValueError(f'Layer "{self.name}" was called without inputs.')
            args = (kwargs.pop("inputs"),)
        if _contains_keras_tensor(args[0]):
            return self._symbolic_call(args, kwargs)
        flags = self._get_call_flags()
        mask = kwargs.pop("mask", None)
        masks_used = _masking.used[0]
        if masks_used:
            args, kwargs, mask, previous_mask = self._populate_masks(args, kwargs, mask, flags)
        else:
            args = (self._convert_inputs(args[0]),) + args[1:]
            previous_mask = mask
        training = kwargs.pop("training", None)
        outer = _context.current_call()
        if training is None and outer is not None:
            training = outer.training
        if training is not None and flags[0]:
            kwargs["training"] = training
        if mask is not None and flags[1]:
            kwargs["mask"] = mask
        if outer is None:
            if _any_losses[0]:
                self._clear_losses()
            _context.push_call(_context.CallContext(training))
        stack = _context.name_scope_stack()
        stack.append(self)
        try:
            if self.input_spec is not None:
                check_input_spec(self, args[0])
            if not self.built:
                self._build_on_call(args[0], tree.map_structure(lambda t: tuple(ops.shape(t)), args[0]))
            call = (self.call if getattr(self, "_remat_scope", None) is None
                    else _operation.rematerialized_call(self, args, kwargs))
            if autocast_dtype() is None and self._compute_dtype == self._dtype:
                outputs = call(*args, **kwargs)
            else:
                with AutocastScope(self._autocast_target()):
                    outputs = call(*args, **kwargs)
            if self.activity_regularizer is not None:
                for output in tree.flatten(outputs)[0]:
                    loss = self.activity_regularizer(output)
                    if ops.ndim(output) > 0:  # Keras 3 divides the penalty by the batch size
                        loss = ops.divide(loss, ops.maximum(ops.cast(ops.shape(output)[0], ops.dtype(loss)), 1))
                    self.add_loss(loss)
            if previous_mask is not None or flags[3]:
                self._set_output_masks(args[0], outputs, previous_mask)
        finally:
            stack.pop()
            if outer is None:
                _context.pop_call()
        return outputs

    def _symbolic_call(self, args, kwargs):
        """Functional API: build from shapes, infer output shapes, record a Node. No kernels run."""
        inputs = args[0]
        stack = _context.name_scope_stack()
        stack.append(self)
        try:
            if self.input_spec is not None:
                check_input_spec(self, inputs)
            if not self.built:
                self._build_on_call(inputs, shape_of(inputs))
            flags = self._get_call_flags()
            previous_mask = kwargs.get("mask")
            if previous_mask is None:
                previous_mask = _masking.get_masks(inputs)
            call_kwargs = {k: v for k, v in kwargs.items() if k not in ("training", "mask")}
            if previous_mask is not None and flags[2]:
                call_kwargs["mask"] = previous_mask
            outputs = self.compute_output_spec(*args, **call_kwargs)
            input_ids = {id(t) for t in tree.flatten(args)[0] if isinstance(t, KerasTensor)}
            outputs = tree.map_structure(  # an output that is an input tensor gets its own placeholder
                lambda t: KerasTensor(t.shape, t.dtype) if id(t) in input_ids else t, outputs)
            if (previous_mask is not None or flags[3]) and self.supports_masking:
                with StatelessScope():
                    _masking.set_masks(outputs, self.compute_mask(inputs, previous_mask))
        finally:
            stack.pop()
        Node(self, args, dict(kwargs), outputs)
        return outputs

    def _autocast_target(self):
        """The dtype float weights read as inside ``call`` (Keras's rule): the compute dtype when it
        differs from the variable dtype or an outer layer's scope is active, ``None`` (no casting) for
        a layer with ``autocast=False`` or a non-float compute dtype."""
        if not (self.autocast and is_float(self._compute_dtype)):
            return None
        if autocast_dtype() is None and self._compute_dtype == self._dtype:
            return None
        return self._compute_dtype

    def _build_on_call(self, inputs, shapes):
        """Build on the first call, from the inputs' ``shapes`` (Model/Sequential override this)."""
        self.build(shapes)

    def _convert_inputs(self, inputs):
        if isinstance(inputs, (list, tuple)) and all_numbers(inputs):
            inputs = np.asarray(inputs)
        if isinstance(inputs, (list, tuple, dict)):
            return tree.map_structure(self._convert_one, inputs)
        return self._convert_one(inputs)

    def _convert_one(self, x):
        """NumPy arrays and Python numbers -> tensors; floats -> the layer dtype (float64 -> floatx)."""
        if isinstance(x, Variable):
            x = x.value
        elif not is_native_tensor(x):
            if not isinstance(x, (np.ndarray, np.generic, float, int)):
                return x
            if isinstance(x, (np.ndarray, np.generic)) and x.dtype.kind == "f":
                return ops.convert_to_tensor(x, dtype=self._compute_dtype if self._autocast else config.floatx())
            x = ops.convert_to_tensor(x)
        if self._autocast:
            dtype = dtype_name(x)
            if dtype != self._compute_dtype and is_float(dtype):
                x = ops.cast(x, self._compute_dtype)
        return x

    @classmethod
    def _get_call_flags(cls):
        """Per class: (call takes training, call takes mask (by name or **kwargs), call has a ``mask``
        parameter, the class defines compute_mask, ((position, name, "<name>_mask") ...))."""
        flags = cls.__dict__.get("_call_flags")
        if flags is None:
            params = inspect.signature(cls.call).parameters
            var_kw = any(p.kind is p.VAR_KEYWORD for p in params.values())
            positional = [name for name, p in params.items()
                          if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)][1:]   # after self
            named_masks = tuple((positional.index(name) if name in positional else len(positional) + 99,
                                 name, f"{name}_mask") for name in params if f"{name}_mask" in params)
            flags = ("training" in params or var_kw, "mask" in params or var_kw, "mask" in params,
                     cls.compute_mask is not MaskRules.compute_mask, named_masks)
            cls._call_flags = flags
        return flags

    def _input_spec_hint(self):
        """Extra advice appended to input-spec errors (layers override)."""
        return ""

    # ------------------------------------------------------------------------------------------
    # Stateless execution

    def stateless_call(self, trainable_values, non_trainable_values, *args, return_losses=False, **kwargs):
        """Run ``self(*args, **kwargs)`` with variables replaced by the given values.

        ``trainable_values`` / ``non_trainable_values`` follow ``trainable_variables`` /
        ``non_trainable_variables``. Returns ``(outputs, new_non_trainable_values)`` -- BatchNorm
        moving statistics and seed states updated by the call come back as new values -- or
        ``(outputs, new_non_trainable_values, losses)`` with ``return_losses=True``. Nothing is mutated.
        """
        trainable_variables = self.trainable_variables
        non_trainable_variables = self.non_trainable_variables
        for kind, variables, values in (("trainable", trainable_variables, trainable_values),
                                        ("non-trainable", non_trainable_variables, non_trainable_values)):
            if len(values) != len(variables):
                raise ValueError(f'stateless_call on "{self.name}": expected {len(variables)} {kind} values '
                                 f"(one per {kind}_variables entry), received {len(values)}."
                                 + ("" if self.built else " The layer is not built: build it first."))
        mapping = dict(zip(trainable_variables, trainable_values))
        mapping.update(zip(non_trainable_variables, non_trainable_values))
        with StatelessScope(mapping) as scope:
            outputs = self(*args, **kwargs)
            losses = self.losses if return_losses else None
        if _any_losses[0]:
            self._clear_losses()
        new_values = [scope.updates.get(v, value) for v, value in zip(non_trainable_variables, non_trainable_values)]
        if return_losses:
            return outputs, new_values, losses
        return outputs, new_values

    # ------------------------------------------------------------------------------------------
    # Config

    def get_config(self):
        """JSON-able constructor arguments. A subclass that does not override this gets its own
        ``__init__`` arguments recorded automatically when they are plain JSON values."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self._dtype_config()}
        if type(self).get_config is not Layer.get_config:
            return config
        extra = auto_config(self, Layer.__init__)
        extra.update(config)
        return extra

    def _dtype_config(self):
        """The policy for ``get_config``: its name (``"mixed_float16"``), or its Keras config when a
        name cannot say it (a ``DTypePolicyMap``); Keras-format files wrap names as Keras does."""
        from kerafront import dtype_policies
        policy = self._dtype_policy
        if type(policy) in (dtype_policies.DTypePolicy, dtype_policies.FloatDTypePolicy):
            return policy.name
        return dtype_policies.serialize(policy)

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def get_build_config(self):
        """``{"input_shape": ...}`` of the first build (``None`` before), for rebuilding after loading."""
        if self._build_shapes is None:
            return None
        return {"input_shape": shape_to_json(self._build_shapes)}

    def build_from_config(self, build_config):
        if build_config and not self.built:
            shape = build_config["input_shape"]
            self.build(tuple(shape) if is_shape(shape) else [tuple(s) for s in shape])

    # ------------------------------------------------------------------------------------------
    # Functional-API introspection

    @property
    def input(self):
        """The symbolic input of the layer's first functional call."""
        return self._first_node("input").args[0]

    @property
    def output(self):
        """The symbolic output of the layer's first functional call."""
        return self._first_node("output").outputs

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise ValueError(f'Layer "{self.name}" has no {what}: it has not been called on a symbolic input '
                             "(kerafront.Input).")
        return self._inbound_nodes[0]

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _wrap_build(build):
    """Every ``build`` opens the layer's name scope (variable paths), sets ``built`` and records the shape."""
    if getattr(build, "_kerafront_wrapped", False):
        return build

    def wrapped(self, input_shape=None, *args, **kwargs):
        if isinstance(input_shape, list) and input_shape and is_shape(input_shape):
            input_shape = tuple(input_shape)
        stack = _context.name_scope_stack()
        opened = not stack or stack[-1] is not self
        if opened:
            stack.append(self)
        try:
            result = build(self, input_shape, *args, **kwargs)
        finally:
            if opened:
                stack.pop()
        self._build_shapes = input_shape
        self.built = True
        return result

    wrapped.__name__, wrapped.__doc__, wrapped.__qualname__ = build.__name__, build.__doc__, build.__qualname__
    wrapped._kerafront_wrapped = True
    return wrapped


Layer.build = _wrap_build(Layer.build)


def _collect(value, layers, seeds, owner, metrics):
    if isinstance(value, Layer):
        if value is not owner:
            layers.append(value)
    elif isinstance(value, SeedGenerator):
        seeds.append(value)
    elif getattr(type(value), "_kerafront_metric", False):
        metrics.append(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            if not isinstance(item, _JSON_SCALARS):
                _collect(item, layers, seeds, owner, metrics)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, layers, seeds, owner, metrics)


def _is_trackable(value):
    return isinstance(value, (Layer, Variable, SeedGenerator, list, tuple, dict)) or \
        getattr(type(value), "_kerafront_metric", False)


def _contains_keras_tensor(inputs):
    if isinstance(inputs, KerasTensor):
        return True
    if isinstance(inputs, (list, tuple, dict)):
        return any(isinstance(leaf, KerasTensor) for leaf in tree.flatten(inputs)[0])
    return False
