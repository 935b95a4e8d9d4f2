"""EinsumDense: a dense layer whose product is an einsum equation (Keras 3's arguments, weights and config).

Equations take one of three forms (letters a-z, A-Z): ``ab,bc->ac`` (the first output letter is the
batch axis; ``output_shape`` gives the others), ``...ab,bc->...ac`` (the ellipsis holds the batch and
any leading axes; ``output_shape`` gives every lettered output axis) and ``ab...,bc->ac...`` (trailing
axes pass through). The kernel's size along each letter comes from ``output_shape`` when the letter is
an output axis, else from the input. ``bias_axes`` names output letters: the bias spans the output
from the first of them to the last axis, with size 1 on the letters not named (Keras's layout).
"""

import re

from kerafront import initializers, ops
from kerafront.layers._kernel_bias import KernelBiasMixin
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer

_FORMS = (("plain", r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"),
          ("left", r"\.\.\.([a-zA-Z]+),([a-zA-Z]+)->\.\.\.([a-zA-Z]+)"),
          ("right", r"([a-zA-Z]{2,})\.\.\.,([a-zA-Z]+)->([a-zA-Z]+)\.\.\."))


def _parse(equation):
    """``(form, input_letters, kernel_letters, output_letters)`` of ``equation``; ValueError when it fits no form."""
    if isinstance(equation, str):
        for form, pattern in _FORMS:
            match = re.fullmatch(pattern, equation.replace(" ", ""))
            if match:
                return (form,) + match.groups()
    raise ValueError(f"EinsumDense: invalid equation {equation!r}. Equations must have the form 'ab,bc->ac', "
                     "'...ab,bc->...ac' or 'ab...,bc->ac...' (letters only; the kernel's letters after the comma).")


def _check_letters(equation, bias_axes):
    _, inputs, kernel, outputs = _parse(equation)
    for letter in outputs:
        if letter not in inputs and letter not in kernel:
            raise ValueError(f"EinsumDense: output letter {letter!r} of equation {equation!r} appears neither in the "
                             f"input {inputs!r} nor in the kernel {kernel!r}.")
    for letter in kernel:
        if letter not in inputs and letter not in outputs:
            raise ValueError(f"EinsumDense: kernel letter {letter!r} of equation {equation!r} appears neither in the "
                             f"input {inputs!r} nor in the output {outputs!r}, so its size is unknown.")
    if bias_axes is not None:
        if not isinstance(bias_axes, str) or not bias_axes:
            raise ValueError(f"EinsumDense: bias_axes must be a string of output letters or None, got {bias_axes!r}.")
        for letter in bias_axes:
            if letter not in outputs:
                raise ValueError(f"EinsumDense: bias axis {letter!r} is not an output letter of equation "
                                 f"{equation!r} (output {outputs!r}).")


def analyze(equation, bias_axes, input_shape, output_shape):
    """Shapes for ``input_shape`` (batch axis included): ``(kernel_shape, bias_shape or None,
    full_output_shape, kernel_input_axes, kernel_output_axes)``; the last two are the kernel axes that
    count toward fan-in and fan-out."""
    form, inputs, kernel, outputs = _parse(equation)
    input_shape, partial = tuple(input_shape), list(output_shape)
    rank = len(input_shape)
    elided = rank - len(inputs)
    if elided < 0 or (form == "plain" and elided) or (form == "left" and elided < 1):
        least = len(inputs) + (form == "left")
        raise ValueError(f"EinsumDense: equation {equation!r} needs inputs of rank "
                         f"{len(inputs) if form == 'plain' else f'{least} or more'}, got shape {input_shape}.")
    wanted = len(outputs) - (form != "left")
    if len(partial) != wanted:
        raise ValueError(f"EinsumDense: output_shape {tuple(partial)} must have {wanted} entries for equation "
                         f"{equation!r}: one per output letter{'' if form == 'left' else ' after the batch letter'} "
                         "(None where the input determines it).")
    offset = elided if form == "left" else 0
    prefix = input_shape[:elided] if form == "left" else input_shape[:1]
    suffix = input_shape[rank - elided:] if form == "right" else ()
    full = list(prefix) + partial + list(suffix)
    input_position = {letter: offset + i for i, letter in enumerate(inputs)}
    output_position = {letter: offset + i for i, letter in enumerate(outputs)}
    for letter, position in output_position.items():
        if letter in input_position:
            given, actual = full[position], input_shape[input_position[letter]]
            if given is not None and actual is not None and given != actual:
                raise ValueError(f"EinsumDense: output_shape gives size {given} to {letter!r}, but the input has "
                                 f"size {actual} there (equation {equation!r}, input shape {input_shape}).")
            full[position] = actual if given is None else given
    kernel_shape, input_axes, output_axes = [], [], []
    for i, letter in enumerate(kernel):
        if letter in output_position:
            kernel_shape.append(full[output_position[letter]])
            output_axes.append(i)
        else:
            kernel_shape.append(input_shape[input_position[letter]])
            input_axes.append(i)
    bias_shape = None
    if bias_axes is not None:
        first = min(outputs.index(letter) for letter in bias_axes)
        bias_shape = [full[output_position[letter]] if letter in bias_axes else 1 for letter in outputs[first:]]
        bias_shape += [1] * len(suffix)
    return kernel_shape, bias_shape, tuple(full), input_axes, output_axes


class EinsumDense(KernelBiasMixin, Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)`` (forms of ``equation``: module docstring).

    ``output_shape``: an int or a tuple, the output's sizes without the batch axis and without the
    ellipsis axes (``None`` where the input determines the size). Weights ``kernel`` (its letters are
    the kernel term of the equation) and, with ``bias_axes``, ``bias``. A variance-scaling kernel
    initializer (the default glorot_uniform included) counts fan-in over the kernel axes shared with
    the input and fan-out over those shared with the output, as Keras does.

    >>> EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")  # doctest: +SKIP
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if lora_rank or quantization_config is not None:
            raise ValueError("EinsumDense: lora_rank and quantization_config (LoRA and quantized kernels) are not "
                             "supported by kerafront; leave them unset.")
        _check_letters(equation, bias_axes)
        self.equation = equation.replace(" ", "")
        if isinstance(output_shape, int) and not isinstance(output_shape, bool):
            output_shape = (output_shape,)
        if not isinstance(output_shape, (list, tuple)) or not all(
                d is None or isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in output_shape):
            raise ValueError("EinsumDense: output_shape must be an int or a tuple of positive ints or None, got "
                             f"{output_shape!r}.")
        self.partial_output_shape = tuple(output_shape)
        self.bias_axes = bias_axes
        self._init_kernel_bias(activation, bias_axes is not None, kernel_initializer, bias_initializer,
                               kernel_regularizer, bias_regularizer, kernel_constraint, bias_constraint)

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = analyze(self.equation, self.bias_axes, input_shape,
                                                                      self.partial_output_shape)
        if any(d is None for d in kernel_shape + (bias_shape or [])):
            raise ValueError(f'EinsumDense "{self.name}": the kernel {tuple(kernel_shape)} and bias '
                             f"{None if bias_shape is None else tuple(bias_shape)} sizes must be known; give them in "
                             f"output_shape or feed inputs whose axes are known (got {tuple(input_shape)}).")
        initializer = self.kernel_initializer
        if isinstance(initializer, initializers.VarianceScaling):
            initializer = initializer.with_fan_axes(input_axes, output_axes)
        self.kernel = self.add_weight(tuple(kernel_shape), initializer=initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight(tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        self.input_spec = InputSpec(ndim=len(input_shape))

    def call(self, inputs):
        outputs = ops.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            outputs = ops.add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        return analyze(self.equation, self.bias_axes, input_shape, self.partial_output_shape)[2]

    def get_config(self):
        """Keras's keys, in Keras's order (``quantization_config`` always None here)."""
        config = super().get_config()
        kernel_bias = self._kernel_bias_config()
        kernel_bias.pop("use_bias")
        config.update({"output_shape": self.partial_output_shape, "equation": self.equation,
                       "activation": kernel_bias.pop("activation"), "bias_axes": self.bias_axes, **kernel_bias,
                       "quantization_config": None})
        return config
