"""Convolution layers: Conv1D/2D/3D and Conv1D/2D/3DTranspose (depthwise/separable in ``depthwise.py``).

Layouts follow Keras whatever the backend: inputs ``(batch, *spatial, channels)`` for
``channels_last`` (the default, ``kerafront.config.image_data_format()``) or
``(batch, channels, *spatial)`` for ``channels_first``; kernels ``(*kernel_size, in // groups,
filters)`` for convolutions and ``(*kernel_size, filters, in)`` for transposed ones. ``padding="same"``
pads like TensorFlow (the extra row/column at the end), on every backend.
"""

from kerafront import ops
from kerafront.layers import _utils
from kerafront.layers._kernel_bias import KernelBiasMixin
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer


class BaseConv(KernelBiasMixin, Layer):
    """Shared machinery of ``rank``-D convolutions (argument checks, bias, output shapes, config)."""

    rank = 2
    transposed = False
    paddings = ("valid", "same")

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        cls = type(self).__name__
        if filters is not None and (not isinstance(filters, int) or filters <= 0):
            raise ValueError(f"{cls}: filters must be a positive integer, got {filters!r}.")
        self.filters = filters
        self.kernel_size = _utils.normalize_tuple(kernel_size, self.rank, "kernel_size", cls)
        self.strides = _utils.normalize_tuple(strides, self.rank, "strides", cls)
        self.padding = _utils.normalize_padding(padding, cls, self.paddings)
        self.data_format = _utils.normalize_data_format(data_format, cls)
        self.dilation_rate = _utils.normalize_tuple(dilation_rate, self.rank, "dilation_rate", cls)
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{cls}: strides > 1 cannot be combined with dilation_rate > 1, got strides="
                             f"{self.strides} and dilation_rate={self.dilation_rate}.")
        if not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{cls}: groups must be a positive integer, got {groups!r}.")
        if filters is not None and filters % groups:
            raise ValueError(f"{cls}: filters ({filters}) must be divisible by groups ({groups}).")
        self.groups = groups
        self._init_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                               bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _input_channels(self, input_shape):
        channels = input_shape[_utils.channel_axis(self.data_format)]
        if channels is None:
            raise ValueError(f'{type(self).__name__} "{self.name}": the channel axis of the input must be known, '
                             f"got shape {input_shape} ({self.data_format}).")
        return channels

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # a clear error for inputs too small for the kernel
        channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ValueError(f'{type(self).__name__} "{self.name}": input channels ({channels}) must be divisible by '
                             f"groups ({self.groups}); input shape {input_shape}.")
        self._build_kernel_bias(self._kernel_shape(channels), self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={_utils.channel_axis(self.data_format): channels})

    def _kernel_shape(self, channels):
        return self.kernel_size + (channels // self.groups, self.filters)

    def _add_bias_and_activate(self, outputs, bias):
        if bias is not None:
            if self.data_format == "channels_first":
                bias = ops.reshape(bias, (1, -1) + (1,) * self.rank)
            outputs = ops.add(outputs, bias)
        return self.activation(outputs)

    def call(self, inputs):
        padding = self.padding
        if padding == "causal":
            pad = [(0, 0)] * (self.rank + 2)
            pad[_utils.spatial_axes(self.rank + 2, self.data_format)[0]] = (
                self.dilation_rate[0] * (self.kernel_size[0] - 1), 0)
            inputs = ops.pad(inputs, pad)
            padding = "valid"
        if self.bias is not None:   # one op, so a backend can fuse the bias into its convolution
            return self.activation(ops.conv_bias(inputs, self.kernel, self.bias, strides=self.strides, padding=padding,
                                                 data_format=self.data_format, dilation_rate=self.dilation_rate))
        outputs = ops.conv(inputs, self.kernel, strides=self.strides, padding=padding, data_format=self.data_format,
                           dilation_rate=self.dilation_rate)
        return self.activation(outputs)

    def _output_spatial(self, spatial):
        return tuple(_utils.conv_output_length(n, k, s, self.padding, d)
                     for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))

    def compute_output_shape(self, input_shape):
        batch, spatial, _ = _utils.split_shape(input_shape, self.data_format)
        out_spatial = self._output_spatial(spatial)
        if any(n is not None and n <= 0 for n in out_spatial):
            raise ValueError(f'{type(self).__name__} "{self.name}": input shape {tuple(input_shape)} is too small for '
                             f"kernel_size {self.kernel_size} with strides {self.strides} and dilation "
                             f"{self.dilation_rate} (padding {self.padding!r}): the output would be {out_spatial}.")
        return _utils.join_shape(batch, out_spatial, self._output_channels(input_shape), self.data_format)

    def _output_channels(self, input_shape):
        return self.filters

    def _input_spec_hint(self):
        if self.built:
            return "The kernel was built for that channel count; use inputs of the same layout and channels."
        return (f"{type(self).__name__} takes (batch, {', '.join(['spatial'] * self.rank)}, channels) inputs "
                f"({self.data_format}); add a channel axis with Reshape if needed.")

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate,
            "groups": self.groups, **self._kernel_bias_config(),
        })
        return config


class Conv1D(BaseConv):
    """1-D convolution. Inputs ``(batch, steps, channels)`` (channels_last) -> ``(batch, new_steps, filters)``;
    kernel ``(kernel_size, channels // groups, filters)``. ``padding="causal"`` left-pads by
    ``dilation_rate * (kernel_size - 1)`` so that output ``t`` sees inputs ``<= t`` only.
    Parameters: ``k * in // groups * filters + filters``.
    """

    rank = 1
    paddings = ("valid", "same", "causal")


class Conv2D(BaseConv):
    """2-D convolution. Inputs ``(batch, rows, cols, channels)`` (channels_last) ->
    ``(batch, new_rows, new_cols, filters)``; kernel ``(kh, kw, channels // groups, filters)``.
    Parameters: ``kh * kw * in // groups * filters + filters``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 groups=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, **kwargs)


class Conv3D(BaseConv):
    """3-D convolution. Inputs ``(batch, depth, rows, cols, channels)`` (channels_last) ->
    ``(batch, new_depth, new_rows, new_cols, filters)``; kernel ``(kd, kh, kw, channels // groups, filters)``.
    Parameters: ``kd * kh * kw * in // groups * filters + filters``.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), groups=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, groups=groups, **kwargs)


class BaseConvTranspose(BaseConv):
    """Transposed ``rank``-D convolution (the gradient of the convolution w.r.t. its input; "deconvolution").

    Output length per spatial dim: ``(in - 1) * stride + k'`` (valid) or ``in * stride`` (same),
    ``k' = (k - 1) * dilation + 1``; ``output_padding`` (each entry < its stride) sets
    ``(in - 1) * stride + k' - 2 * pad + output_padding`` as the spec's ``conv_transpose`` says.
    Kernel ``(*kernel_size, filters, channels)``. No groups.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        cls = type(self).__name__
        if output_padding is not None:
            output_padding = _utils.normalize_tuple(output_padding, self.rank, "output_padding", cls,
                                                    allow_zero=True)
            if any(p >= s for p, s in zip(output_padding, self.strides)):
                raise ValueError(f"{cls}: each output_padding must be smaller than its stride, got "
                                 f"output_padding={output_padding} and strides={self.strides}.")
        self.output_padding = output_padding

    def _kernel_shape(self, channels):
        return self.kernel_size + (self.filters, channels)

    def call(self, inputs):
        outputs = ops.conv_transpose(inputs, self.kernel, strides=self.strides, padding=self.padding,
                                     output_padding=self.output_padding, data_format=self.data_format,
                                     dilation_rate=self.dilation_rate)
        return self._add_bias_and_activate(outputs, self.bias)

    def _output_spatial(self, spatial):
        output_padding = self.output_padding or (None,) * self.rank
        return tuple(_utils.deconv_output_length(n, k, s, self.padding, p, d) for n, k, s, p, d in
                     zip(spatial, self.kernel_size, self.strides, output_padding, self.dilation_rate))

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution: ``(batch, steps, channels)`` -> ``(batch, new_steps, filters)``;
    kernel ``(kernel_size, filters, channels)``. Parameters: ``k * filters * in + filters``.
    """

    rank = 1


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution: ``(batch, rows, cols, channels)`` -> ``(batch, new_rows, new_cols, filters)``;
    kernel ``(kh, kw, filters, channels)``. Parameters: ``kh * kw * filters * in + filters``.
    """

    rank = 2

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None, data_format=None,
                 dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """Transposed 3-D convolution: ``(batch, depth, rows, cols, channels)`` ->
    ``(batch, new_depth, new_rows, new_cols, filters)``; kernel ``(kd, kh, kw, filters, channels)``.
    Keras's argument order: ``data_format`` comes before ``output_padding`` here (not in 1-D/2-D).
    Parameters: ``kd * kh * kw * filters * in + filters``.
    """

    rank = 3

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 output_padding=None, dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)
