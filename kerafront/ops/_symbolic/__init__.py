"""Symbolic execution: every spec primitive as a rule computing only its output's shape and dtype.

A primitive called with a ``KerasTensor`` among its arguments (or a KerasTensor's shape, or a shape
holding ``None``, an unknown dim read from one) runs its rule instead of a backend kernel
(``kerafront.ops._dispatch``), the role ``jax.eval_shape`` plays for Keras: a layer's ``call`` runs on
KerasTensors to infer its output, identically on every backend and without computing anything.
``RULES`` maps each name of ``kerafront.spec.PRIMITIVES`` to its rule, which takes the primitive's
arguments and returns KerasTensors (``shape``, ``dtype`` and ``is_tensor`` return Python values).

The rules are laid out like a backend (``kerafront.spec.MODULE_MAP``: ``_creation``, ``_elementwise``,
... ``_compile``, ``_control_flow``), with the helpers they share in ``_arguments``. Arguments may mix KerasTensors,
native tensors, Variables, NumPy arrays, Python scalars and lists. Dtypes follow
``kerafront.dtypes.result_type`` (Python scalars are weak); argument checks are the
``kerafront.spec_rules`` helpers the backends call, in the NumPy reference's order, so a bad shape
raises the reference's error type before any data exists. ``None`` dims (unknown until a batch
arrives) propagate: broadcast with 1 gives ``None``, with ``n`` gives ``n``; a check that needs a size
passes while the size is unknown. ``conformance_tests/test_symbolic_rules.py`` runs every case of
the op table through these rules and compares shapes and dtypes with the NumPy reference.
"""

from kerafront.ops._symbolic import (_autodiff, _comparison, _compile, _control_flow, _creation,  # noqa: F401
                                     _elementwise, _linalg, _nn, _random, _reduction, _shape)
from kerafront.ops._symbolic import _signal  # noqa: F401
from kerafront.ops._symbolic._arguments import RULES
from kerafront.ops._symbolic._creation import SymbolicShape
from kerafront.ops._symbolic._shape import getitem

__all__ = ["RULES", "SymbolicShape", "getitem"]
