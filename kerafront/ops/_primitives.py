"""The spec's primitives as plain module-level functions, for composites to import by name:
``from kerafront.ops._primitives import exp, multiply, tanh``. Names such as ``sum``, ``max``,
``abs`` and ``round`` are the ops, not Python's builtins: import only what a module uses.
"""

from kerafront.ops._dispatch import primitives as _primitives

globals().update(_primitives)
__all__ = sorted(_primitives)
