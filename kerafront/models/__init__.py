"""Models: ``Model`` (functional or subclassed), ``Sequential``, and the ``Functional`` graph model.

The saving module adds ``load_model``/``save_model`` alongside.
"""

from kerafront.models.functional import Functional
from kerafront.models.model import Model
from kerafront.models.sequential import Sequential

__all__ = ["Model", "Sequential", "Functional"]
