"""``DTypePolicy``: the variable dtype and the compute dtype of a layer, and the global default policy.

A policy is named by a dtype (``"float32"``: variables and computations in float32) or by
``"mixed_float16"`` / ``"mixed_bfloat16"``: float32 variables, computations in float16 / bfloat16.
A layer under a mixed policy casts its float inputs to the compute dtype and, inside ``call``, reads
its float variables as the compute dtype (``kerafront.layers.Layer``; the variables themselves stay
float32, so optimizers update float32 values). Names, reprs, errors and configs are Keras 3's.

The global policy (``dtype_policy()`` / ``set_dtype_policy()``) is what a layer gets when it is
built without ``dtype=``; until it is set it is ``DTypePolicy(floatx())``.
"""

from kerafront import config
from kerafront.dtypes import standardize_dtype

QUANTIZATION_MODES = ("int8", "float8", "int4", "gptq", "awq")
_MIXED = {"mixed_float16": ("float16", "float32"), "mixed_bfloat16": ("bfloat16", "float32")}


class DTypePolicy:
    """A layer's dtype policy: ``compute_dtype`` (inputs, computations, outputs) and ``variable_dtype``.

    Args:
        name: a dtype name (``"float32"``, ``"float64"``, ``"int32"``...: both dtypes are that one),
            ``"mixed_float16"`` (compute float16, variables float32) or ``"mixed_bfloat16"``.
            ``None``: the global policy's name (``kerafront.config.dtype_policy()``).

    >>> policy = DTypePolicy("mixed_bfloat16")
    >>> policy.compute_dtype, policy.variable_dtype
    ('bfloat16', 'float32')
    """

    def __init__(self, name=None):
        if name is None:
            name = dtype_policy().name
        self._name = name
        self._compute_dtype, self._variable_dtype = self._parse_name(name)
        self._quantization_mode = None

    def _parse_name(self, name):
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: name={name} "
                            f"(of type {type(name)})")
        if name in _MIXED:
            return _MIXED[name]
        try:
            dtype = standardize_dtype(name)
        except TypeError:
            raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid policies include "
                             "'mixed_float16', 'mixed_bfloat16', and the name of any float dtype such as "
                             "'float32'.") from None
        return dtype, dtype

    @property
    def variable_dtype(self):
        """The dtype layers create their variables in (unless a weight asks for another)."""
        return self._variable_dtype

    @property
    def compute_dtype(self):
        """The dtype of a layer's inputs, computations and outputs."""
        return self._compute_dtype

    @property
    def name(self):
        return self._name

    @property
    def quantization_mode(self):
        """``None``: kerafront has no quantized policies."""
        return self._quantization_mode

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        class_name = "DTypePolicy" if type(self) is FloatDTypePolicy else type(self).__name__
        return f'<{class_name} "{self._name}">'

    def __eq__(self, other):
        plain = (DTypePolicy, FloatDTypePolicy)
        if type(self) in plain:
            if type(other) not in plain:
                return False
        elif type(other) is not type(self):
            return False
        return self._name == other._name

    __hash__ = object.__hash__


class FloatDTypePolicy(DTypePolicy):
    """Keras's alias of ``DTypePolicy``."""


def set_dtype_policy(policy):
    """Set the global policy: a ``DTypePolicy`` or its name (``"mixed_float16"``).

    Layers created afterwards without ``dtype=`` take it; existing layers keep theirs.
    """
    if not isinstance(policy, DTypePolicy):
        if not isinstance(policy, str):
            raise ValueError("Invalid `policy` argument. Expected the string name of a policy (such as "
                             f"'mixed_float16') or a `DTypePolicy` instance. Received: policy={policy} "
                             f"(of type {type(policy)})")
        policy = policy_from_name(policy, "set_dtype_policy")
    config.state.dtype_policy = policy


def dtype_policy():
    """The global policy: the one ``set_dtype_policy`` set, else ``DTypePolicy(floatx())``.

    Unlike Keras, an unset policy follows later ``set_floatx`` calls (Keras fixes it at its first read).
    """
    policy = config.state.dtype_policy
    if policy is None:
        policy = _FLOATX_POLICIES.get(config.floatx())
        if policy is None:
            policy = _FLOATX_POLICIES[config.floatx()] = DTypePolicy(config.floatx())
    return policy


_FLOATX_POLICIES = {}


def policy_from_name(name, where):
    """``DTypePolicy(name)``; a quantized name (``"int8_from_float32"``) gets a ``ValueError`` saying why."""
    if name.startswith(QUANTIZATION_MODES):
        raise ValueError(f"{where}: quantized dtype policies ({name!r}) are not supported by kerafront; use a float "
                         "policy such as 'float32', 'mixed_float16' or 'mixed_bfloat16'.")
    return DTypePolicy(name)
