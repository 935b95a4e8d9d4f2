"""Every kerafront layer and model is a ``torch.nn.Module`` on the torch backend.

``install()`` (run once when the backend package is imported) makes ``TorchModuleBase`` the base
of ``kerafront.layers.Layer`` in place of the empty ``LayerBase``, so ``torch.optim``,
``state_dict``/``load_state_dict``, ``parameters()``, ``zero_grad()``, ``.to(device)``,
``train()``/``eval()`` and ``isinstance(layer, torch.nn.Module)`` work on kerafront layers. With
``variable_storage`` (``_device.py``) every weight's value is a ``torch.nn.Parameter``.

kerafront's own ``Layer`` methods come first in the MRO and keep their meaning: ``__call__`` runs
``call``, attribute tracking is kerafront's, ``__repr__`` is kerafront's. ``torch.nn.Module.__init__``
never runs; what ``nn.Module``'s methods read is provided here instead:

* ``_parameters``: the layer's own weights (trainable, then non-trainable, as ``Layer.weights``
  orders them), keyed by variable name (``kernel``, ``bias``; a repeated name gets ``_1``, ``_2``),
  mapping to the weight's Parameter. Writing a name rebinds that weight to a tensor of the same
  shape and dtype: ``Module._apply`` does it for ``.to()``, and ``torch.func.functional_call`` for
  the duration of its call. Seed-generator states are not parameters (nor weights, as in Keras).
* ``_modules``: the direct sub-layers, keyed by layer name, so ``state_dict()`` keys are paths of
  layer names: ``"dense_1.kernel"``. A model made with ``from_config`` (or layers named
  explicitly) has the same keys; two models built from the same code with automatic names do not.
* ``_buffers``: empty (non-trainable weights such as BatchNorm's moving statistics are
  Parameters with ``requires_grad=False``).
* hook dicts and ``training``: created on first use, copied from a fresh ``torch.nn.Module()``.
  ``train()``/``eval()`` set ``training`` but do not change what a kerafront call does: pass
  ``training=True`` to the call (as Keras does).

Registering torch parameters, buffers or plain torch modules on a kerafront layer is refused
with an error that names the kerafront way (``add_weight``, assigning a kerafront layer). ``.to()``
moves weights between devices; it refuses to change their dtype, which the layer owns.
"""

import copy

import torch

_TEMPLATE = {name: value for name, value in vars(torch.nn.Module()).items()
             if name not in ("_parameters", "_buffers", "_modules")}
_MISSING = object()


def _unique(name, taken):
    """``name``, or ``name_1``, ``name_2``... when ``taken`` already has it."""
    key, suffix = name, 1
    while key in taken:
        key, suffix = f"{name}_{suffix}", suffix + 1
    return key


def _describe(layer):
    return f'Layer "{layer.name}" ({type(layer).__name__})'


class _Parameters(dict):
    """name -> Parameter of one layer's own weights; setting a name rebinds that weight's value."""

    def __init__(self, layer, named_variables):
        super().__init__((name, variable._value) for name, variable in named_variables.items())
        self._layer = layer
        self._variables = named_variables

    def __setitem__(self, name, value):
        variable = self._variables.get(name)
        if variable is None:
            raise TypeError(f"{_describe(self._layer)}: cannot register torch parameter {name!r}; kerafront layers "
                            f"hold weights as kerafront Variables. Create it with self.add_weight(...) (its value "
                            f"is then a torch.nn.Parameter).")
        old = variable._value
        if not isinstance(value, torch.Tensor) or value.shape != old.shape or value.dtype != old.dtype:
            raise TypeError(f"{_describe(self._layer)}: weight {variable.path!r} can only be rebound to a "
                            f"torch tensor of shape {tuple(old.shape)} and dtype {old.dtype}, got "
                            f"{type(value).__name__} of shape {tuple(getattr(value, 'shape', ()))} and dtype "
                            f"{getattr(value, 'dtype', None)}.")
        variable._value = value
        dict.__setitem__(self, name, value)

    def __delitem__(self, name):
        raise TypeError(f"{_describe(self._layer)}: weights cannot be removed through torch's _parameters.")


class _ReadOnly(dict):
    """A computed view (``_modules``, ``_buffers``) whose writes are refused, naming the kerafront way."""

    def __init__(self, layer, items, advice):
        super().__init__(items)
        self._layer = layer
        self._advice = advice

    def __setitem__(self, name, value):
        raise TypeError(f"{_describe(self._layer)}: cannot register {name!r} through torch's module API; "
                        f"{self._advice}")

    def __delitem__(self, name):
        raise TypeError(f"{_describe(self._layer)}: cannot remove {name!r} through torch's module API.")


class TorchModuleBase(torch.nn.Module):
    """``torch.nn.Module`` adapted to kerafront's ``Layer`` (see the module docstring)."""

    def __init__(self):
        """Nothing: ``nn.Module``'s per-instance state is created on first use (``__getattr__``)."""

    def __getattr__(self, name):
        """nn.Module's state, created on first use; then, as nn.Module does, sub-layers by ``_modules``
        key and weights by ``_parameters`` key (torch's ``get_submodule`` and ``functional_call`` need
        it). Private names are never looked up in the views: kerafront probes those often."""
        default = _TEMPLATE.get(name, _MISSING)
        if default is not _MISSING:
            value = copy.copy(default)  # a fresh hook dict per layer
            object.__setattr__(self, name, value)
            return value
        if not name.startswith("_") and "_trainable_own" in self.__dict__:
            for view in (self._modules, self._parameters):
                if name in view:
                    return view[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # Pickling and copying are kerafront's (the instance dict), not nn.Module's, whose __setstate__
    # would re-create state through attribute assignment.
    def __getstate__(self):
        return self.__dict__

    def __setstate__(self, state):
        self.__dict__.update(state)

    @property
    def _parameters(self):
        named = self._cached("torch_parameters", self._name_own_weights)
        return _Parameters(self, {name: v for name, v in named.items() if isinstance(v._value, torch.Tensor)})

    def _name_own_weights(self):
        named = {}
        for variable in self._trainable_own + self._non_trainable_own:
            named[_unique(variable.name, named)] = variable
        return named

    @property
    def _modules(self):
        return _ReadOnly(self, self._cached("torch_modules", self._name_children),
                        "assign a kerafront layer to an attribute instead (self.name = layer).")

    def _name_children(self):
        named = {}
        for layer in self._tracked_children()[0]:
            if not any(layer is seen for seen in named.values()):
                named[_unique(layer.name, named)] = layer
        return named

    @property
    def _buffers(self):
        return _ReadOnly(self, (), "create a non-trainable weight with self.add_weight(..., trainable=False).")

    def forward(self, *args, **kwargs):
        """``self(*args, **kwargs)``: kerafront's ``Layer.__call__`` (build on first call, then ``call``)."""
        return self(*args, **kwargs)

    def register_parameter(self, name, param):
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        self._buffers[name] = tensor

    def add_module(self, name, module):
        self._modules[name] = module

    register_module = add_module

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """``Module.load_state_dict``, copying values into the weights' Parameters (``assign=True``,
        which would replace them with the given tensors behind kerafront's back, is refused)."""
        if assign:
            raise TypeError(f"{_describe(self)}: load_state_dict(assign=True) would replace the kerafront weights' "
                            f"Parameters with the given tensors; call it with assign=False (the default), which "
                            f"copies the values into them.")
        return super().load_state_dict(state_dict, strict=strict)

    def _apply(self, fn, recurse=True):
        """``Module._apply`` (``.to``, ``.cuda``, ``.cpu``...), refusing a change of weight dtype."""
        for name, param in self.named_parameters():  # the whole tree, before anything moves
            probe = fn(torch.empty(0, dtype=param.dtype, device=param.device))
            if probe.dtype != param.dtype:
                raise TypeError(f"{_describe(self)}: weight {name!r} is {param.dtype}; kerafront layers keep the "
                                f"dtype they were built with, so .to()/half()/double() may change the device only. "
                                f"Create the layer with dtype=... (e.g. dtype='float16') instead.")
        return super()._apply(fn, recurse)


def install():
    """Make ``TorchModuleBase`` the base of ``kerafront.layers.Layer`` (idempotent)."""
    from kerafront.layers.layer import Layer, LayerBase
    if LayerBase in Layer.__bases__:
        Layer.__bases__ = tuple(TorchModuleBase if base is LayerBase else base for base in Layer.__bases__)
    elif TorchModuleBase not in Layer.__bases__:
        raise RuntimeError(f"kerafront torch backend: kerafront.layers.Layer has bases {Layer.__bases__}; expected "
                           f"LayerBase among them, which the torch backend replaces with torch.nn.Module.")
