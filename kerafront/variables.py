"""``Variable``: one native tensor with a name, a path and a trainable flag.

Inside a ``StatelessScope`` (used by ``Layer.stateless_call``, ``ops.value_and_grad`` over
variables and the trainer's compiled steps), reading ``variable.value`` returns the value the scope
maps it to, and ``assign`` records the new value in the scope instead of mutating the variable, so a
step is a pure function of its inputs. Scopes nest: a variable an inner scope does not map is read
from (and its reads fall through to) the enclosing scope.

Storage. A backend may declare ``variable_storage`` (see ``kerafront.spec.OPTIONAL_BACKEND_HOOKS``):
an object whose ``make(tensor, trainable)`` turns a new variable's tensor into the framework's own
variable object (a ``torch.nn.Parameter``, a ``tf.Variable``), ``assign(storage, tensor)`` writes
a new value into it (in place) and returns the storage, and ``set_trainable(storage, trainable)``
follows the flag. Optionally ``read(storage) -> tensor``: what ``value`` returns, when the storage is
not itself a tensor the backend's ops take (a ``tf.Variable``: ``value`` is a read of it). Without a
storage the value is the plain tensor, rebound on every assign. A storage with a resource ``handle``
(``tf.Variable``) makes the Variable act as a resource variable for TensorFlow (``handle`` and
``_should_act_as_resource_variable`` below), so ``tf.GradientTape.gradient(loss, variables)`` works.
"""

import threading

import numpy as np

from kerafront import _name_scope, dtypes as _dtypes
from kerafront.config import backend_module, floatx
from kerafront.ops._dispatch import VariableBase
from kerafront.ops._primitives import (abs, add, cast, convert_to_numpy, convert_to_tensor, divide, dtype as dtype_of,
                                       equal, floor_divide, greater, greater_equal, is_tensor, less, less_equal, matmul,
                                       mod, multiply, negative, not_equal, power, shape as shape_of, subtract)

_scopes = threading.local()


def _current_scope():
    stack = getattr(_scopes, "stack", None)
    return stack[-1] if stack else None


class AutocastScope:
    """``with AutocastScope("float16"):`` float variables (``autocast=True``) read as float16;
    ``AutocastScope(None)`` turns casting off inside. ``Layer.__call__`` opens one for a layer whose
    dtype policy computes in another dtype than its variables' (mixed precision), as Keras does."""

    def __init__(self, dtype):
        self.dtype = dtype
        self.previous = None

    def __enter__(self):
        self.previous = getattr(_scopes, "autocast", None)
        _scopes.autocast = self.dtype
        return self

    def __exit__(self, *exc):
        _scopes.autocast = self.previous
        return False


def autocast_dtype():
    """The dtype float variables read as in the current ``AutocastScope`` (``None``: their own)."""
    return getattr(_scopes, "autocast", None)


class StatelessScope:
    """``with StatelessScope({var: value, ...}) as scope:`` substitutes values; ``scope.updates`` collects assigns."""

    def __init__(self, values=None):
        self.values = dict(values or {})
        self.updates = {}
        self.parent = None

    def __enter__(self):
        if not hasattr(_scopes, "stack"):
            _scopes.stack = []
        self.parent = _scopes.stack[-1] if _scopes.stack else None
        _scopes.stack.append(self)
        return self

    def __exit__(self, *exc):
        _scopes.stack.pop()
        return False

    def get(self, variable):
        """The value this scope (or an enclosing one) gives ``variable``; ``None`` when none does."""
        scope = self
        while scope is not None:
            if variable in scope.updates:
                return scope.updates[variable]
            value = scope.values.get(variable)
            if value is not None:
                return value
            scope = scope.parent
        return None


class Variable(VariableBase):
    """A named, optionally trainable tensor.

    Args:
        initializer: an initial value (tensor, NumPy array, list or scalar) or a callable
            ``initializer(shape, dtype)`` (then ``shape`` is required).
        shape: the shape, needed when ``initializer`` is callable.
        dtype: kerafront dtype string; defaults to floatx for floating values.
        trainable: whether optimizers update it.
        name: the variable's name; ``path`` is ``"<layer path>/<name>"`` once a layer owns it.
        autocast: whether ``value`` is read as the dtype of an enclosing ``AutocastScope`` (float
            variables only; a mixed-precision layer's ``call`` opens one).
    """

    __slots__ = ("_value", "name", "path", "_trainable", "_dtype", "_shape", "constraint", "regularizer",
                 "_storage", "_read", "autocast", "__weakref__")

    def __init__(self, initializer, shape=None, dtype=None, trainable=True, name=None, autocast=True):
        self.name = name or "variable"
        self.autocast = bool(autocast)
        self.path = _name_scope.prefixed(self.name)
        self._trainable = bool(trainable)
        self.constraint = None
        self.regularizer = None
        if callable(initializer):
            if shape is None:
                raise ValueError(f"Variable {self.name!r}: a callable initializer needs a shape.")
            dtype = _dtypes.standardize_dtype(dtype) or floatx()
            value = initializer(tuple(shape), dtype=dtype)
        else:
            value = initializer
            if dtype is None and not is_tensor(value):
                array = np.asarray(value)
                dtype = floatx() if array.dtype.kind == "f" else None
        value = convert_to_tensor(value, dtype=_dtypes.standardize_dtype(dtype))
        if shape is not None and tuple(shape_of(value)) != tuple(shape):
            raise ValueError(f"Variable {self.name!r}: initial value has shape {tuple(shape_of(value))}, "
                             f"expected {tuple(shape)}.")
        self._dtype = dtype_of(value)
        self._shape = tuple(shape_of(value))
        self._storage = getattr(backend_module(), "variable_storage", None)
        self._read = getattr(self._storage, "read", None)
        self._value = value if self._storage is None else self._storage.make(value, self._trainable)

    @property
    def trainable(self):
        """Whether optimizers update it (``Layer.trainable = False`` clears it for a frozen layer)."""
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        if self._storage is not None:
            self._storage.set_trainable(self._value, self._trainable)

    @property
    def value(self):
        """The current value; inside an ``AutocastScope``, a float variable's value cast to its dtype."""
        value = self._current_value()
        target = getattr(_scopes, "autocast", None)
        if target is not None and target != self._dtype and self.autocast and self._dtype in _dtypes.FLOAT_DTYPES:
            return cast(value, target)
        return value

    def _current_value(self):
        """The value in the variable's own dtype (a ``StatelessScope``'s substitute, else the stored one)."""
        scope = _current_scope()
        if scope is not None:
            substituted = scope.get(self)
            if substituted is not None:
                return substituted
        return self._value if self._read is None else self._read(self._value)

    @property
    def handle(self):
        """The storage's resource handle (a ``tf.Variable``'s); ``AttributeError`` when it has none."""
        return self._value.handle

    @property
    def _should_act_as_resource_variable(self):
        """Exists (``hasattr`` is true) only when the storage has a ``handle``: TensorFlow then treats
        this Variable as a resource variable (``resource_variable_ops.is_resource_variable``) and
        differentiates with respect to it through its handle."""
        return self._value.handle is not None

    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return self._shape

    @property
    def ndim(self):
        return len(self._shape)

    def assign(self, value):
        """Set the value (same shape; cast to the variable's dtype). Returns the new value."""
        if isinstance(value, Variable):
            value = value.value
        value = convert_to_tensor(value, dtype=self._dtype)
        new_shape = tuple(shape_of(value))
        if new_shape != self._shape and all(isinstance(d, int) for d in new_shape):
            raise ValueError(f"Variable {self.path!r}: cannot assign a value of shape {new_shape} "
                             f"to a variable of shape {self._shape}.")
        self._store(value)
        return value

    def _store(self, value):
        """Record ``value`` (a native tensor already of this variable's dtype and shape): in the
        active ``StatelessScope`` if any, else as the variable's value. No checks: ``assign`` is the
        public, validating way in."""
        scope = _current_scope()
        if scope is not None:
            scope.updates[self] = value
        elif self._storage is None:
            self._value = value
        else:
            self._value = self._storage.assign(self._value, value)

    def assign_add(self, delta):
        return self.assign(add(self._current_value(), delta))

    def assign_sub(self, delta):
        return self.assign(subtract(self._current_value(), delta))

    def numpy(self):
        return convert_to_numpy(self.value)

    def __array__(self, dtype=None, copy=None):
        array = self.numpy()
        return array.astype(dtype) if dtype is not None else array

    def __repr__(self):
        return f"<Variable path={self.path!r} shape={self._shape} dtype={self._dtype} trainable={self.trainable}>"

    __hash__ = object.__hash__  # identity, at C speed (variables key the StatelessScope's dicts)

    def __eq__(self, other):
        return equal(self.value, other)

    def __ne__(self, other):
        return not_equal(self.value, other)

    def __len__(self):
        return self._shape[0]

    def __getitem__(self, index):
        return self.value[index]

    def __neg__(self):
        return negative(self.value)

    def __abs__(self):
        return abs(self.value)

    def __lt__(self, other):
        return less(self.value, other)

    def __le__(self, other):
        return less_equal(self.value, other)

    def __gt__(self, other):
        return greater(self.value, other)

    def __ge__(self, other):
        return greater_equal(self.value, other)


def _binary(op, reflected=False):
    """The method computing ``variable <op> other`` (``other <op> variable`` when reflected) on the current value."""
    if reflected:
        def method(self, other):
            return op(other, self.value)
    else:
        def method(self, other):
            return op(self.value, other)
    return method


for _name, _op in [("add", add), ("sub", subtract), ("mul", multiply), ("truediv", divide),
                   ("floordiv", floor_divide), ("mod", mod), ("pow", power), ("matmul", matmul)]:
    setattr(Variable, f"__{_name}__", _binary(_op))
    setattr(Variable, f"__r{_name}__", _binary(_op, reflected=True))
