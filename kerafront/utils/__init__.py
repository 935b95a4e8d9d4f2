"""Utilities: ``to_categorical``, ``set_random_seed``, ``clear_session``, a text model diagram."""

from kerafront.utils.diagram import model_to_text, plot_model
from kerafront.utils.naming import clear_session
from kerafront.utils.numerical import set_random_seed, to_categorical

__all__ = ["clear_session", "model_to_text", "plot_model", "set_random_seed", "to_categorical"]
