"""Activation layers with Keras 3's names, arguments, defaults and configs: ReLU, LeakyReLU, PReLU, ELU,
Softmax (each in ``kerafront.layers.activations._layers``)."""

from kerafront.layers.activations._layers import ELU, LeakyReLU, PReLU, ReLU, Softmax

__all__ = ["ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax"]
