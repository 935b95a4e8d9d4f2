"""Autodiff rules: ``stop_gradient`` keeps shape and dtype; ``value_and_grad`` refuses symbolic tensors;
``custom_gradient_call`` traces its function (the gradient rule does not change the output)."""

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import no_values, promote, rule, spec_of


@rule
def stop_gradient(x):
    shape, dtype = spec_of(x, "stop_gradient")
    return KerasTensor(shape, dtype or promote(x))


@rule
def value_and_grad(fn, argnums=0, has_aux=False):
    raise no_values("value_and_grad")


@rule
def custom_gradient_call(fn, args):
    y, _ = fn(*args)
    return y
