"""Audio layers: ``STFTSpectrogram`` (a trainable convolutional STFT) and ``MelSpectrogram`` (preprocessing).

Keras 3's arguments, defaults, ``get_config`` keys and numbers:

* ``STFTSpectrogram`` convolves each channel with two kernels, ``real_kernel`` and ``imag_kernel`` of shape
  ``(frame_length, 1, fft_length // 2 + 1)`` (the ``STFT`` initializer: the DFT's cosines and sines times the
  window, scaled), with stride ``frame_step``. Inputs ``(batch, time, channels)`` (channels_last) or
  ``(batch, channels, time)``; outputs ``(batch, frames, channels * bins)`` (channels_first:
  ``(batch, channels * bins, frames)``), or with ``expand_dims=True`` ``(batch, frames, bins, channels)``
  (``(batch, channels, frames, bins)``). ``mode="stft"`` puts the real bins before the imaginary ones.
* ``MelSpectrogram`` is ``ops.stft`` (centred), the magnitude to ``mag_exp``, Keras's HTK mel filter bank
  (``mel = 1127 ln(1 + f / 700)``, the DC bin excluded) and, with ``power_to_db``, decibels clipped at
  ``top_db`` below the maximum of the whole batch (Keras's rule). Inputs ``(time,)`` or ``(batch, time)``;
  outputs ``(num_mel_bins, frames)`` or ``(batch, num_mel_bins, frames)``, ``frames = 1 + (time + 2 *
  (fft_length // 2) - fft_length) // sequence_stride`` (what the layer computes; Keras's
  ``compute_output_shape`` states ``(time + sequence_stride + 1) // sequence_stride``, which can differ by one).
"""

import math
import warnings

import numpy as np

from kerafront import config, initializers, ops
from kerafront.layers.input_spec import InputSpec
from kerafront.layers.layer import Layer
from kerafront.layers.preprocessing._data_layer import DataLayer

__all__ = ["STFTSpectrogram", "MelSpectrogram"]

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")
_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0


class STFTSpectrogram(Layer):
    """Short-time Fourier transform of 1-D signals as a convolution with trainable DFT kernels (module docstring)."""

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None, window="hann", periodic=False,
                 scaling="density", padding="valid", expand_dims=False, data_format=None, **kwargs):
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(f"STFTSpectrogram: frame_step must be a positive integer not greater than frame_length; "
                             f"received frame_step={frame_step}, frame_length={frame_length}.")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"STFTSpectrogram: fft_length must be at least frame_length; received "
                             f"fft_length={fft_length}, frame_length={frame_length}.")
        if fft_length is not None and (fft_length & -fft_length) != fft_length:
            warnings.warn(f"`fft_length` is recommended to be a power of two. Received fft_length={fft_length}",
                          stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"STFTSpectrogram: mode must be one of {', '.join(_MODES)}; received mode={mode!r}.")
        if scaling not in (None, "density", "spectrum"):
            raise ValueError(f"STFTSpectrogram: scaling must be None, 'density' or 'spectrum'; received "
                             f"scaling={scaling!r}.")
        if padding not in ("valid", "same"):
            raise ValueError(f"STFTSpectrogram: padding must be 'valid' or 'same'; received padding={padding!r}.")
        initializers.STFT("real", window, scaling, periodic)  # checks the window name
        super().__init__(**kwargs)
        self.mode, self.frame_length, self.frame_step, self.fft_length = mode, frame_length, frame_step, fft_length
        self._frame_step = frame_step or frame_length // 2
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window, self.periodic, self.scaling, self.padding = window, periodic, scaling, padding
        self.expand_dims = expand_dims
        self.data_format = config.standardize_data_format(data_format, "STFTSpectrogram")
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                name="real_kernel", shape=shape,
                initializer=initializers.STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                name="imag_kernel", shape=shape,
                initializer=initializers.STFT("imag", self.window, self.scaling, self.periodic))

    def _convolve(self, inputs, kernel):
        """(batch, time, channels) or (batch, channels, time) -> (batch, channels, bins, frames)."""
        if self.data_format == "channels_last":
            _, time, channels = ops.shape(inputs)
            signals = ops.reshape(ops.transpose(inputs, (0, 2, 1)), (-1, time, 1))
        else:
            _, channels, time = ops.shape(inputs)
            signals = ops.reshape(inputs, (-1, 1, time))
        outputs = ops.conv(signals, ops.cast(kernel, ops.dtype(inputs)), strides=self._frame_step,
                           padding=self.padding, data_format=self.data_format)
        if self.data_format == "channels_last":
            outputs = ops.transpose(outputs, (0, 2, 1))
        _, bins, frames = ops.shape(outputs)
        return ops.reshape(outputs, (-1, channels, bins, frames))

    def _arrange(self, outputs):
        """(batch, channels, bins, frames) -> the layer's output layout (module docstring)."""
        _, channels, bins, frames = ops.shape(outputs)
        if self.expand_dims:
            return ops.transpose(outputs, (0, 3, 2, 1) if self.data_format == "channels_last" else (0, 1, 3, 2))
        outputs = ops.reshape(outputs, (-1, channels * bins, frames))
        return ops.transpose(outputs, (0, 2, 1)) if self.data_format == "channels_last" else outputs

    def call(self, inputs):
        if ops.dtype(inputs) not in ("float16", "float32", "float64"):
            raise TypeError(f"STFTSpectrogram: inputs must be float16, float32 or float64; received "
                            f"{ops.dtype(inputs)}.")
        real = self._convolve(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._convolve(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._arrange(real)
        if self.mode == "imag":
            return self._arrange(imag)
        if self.mode == "angle":
            return self._arrange(ops.arctan2(imag, real))
        if self.mode == "stft":
            return self._arrange(ops.concatenate([real, imag], axis=2))
        power = ops.add(ops.square(real), ops.square(imag))
        if self.mode == "psd":
            bins = ops.shape(power)[2]
            inner = ops.take(power, np.arange(1, bins - 1, dtype=np.int32), axis=2)
            return self._arrange(ops.add(power, ops.pad(inner, [(0, 0), (0, 0), (1, 1), (0, 0)])))
        magnitude = self._arrange(ops.sqrt(ops.maximum(power, config.epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return ops.log(ops.maximum(magnitude, config.epsilon()))

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        channels, time = (input_shape[2], input_shape[1]) if self.data_format == "channels_last" else input_shape[1:]
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        if time is None:
            frames = None
        elif self.padding == "same":
            frames = -(-time // self._frame_step)
        else:
            frames = (time - self.frame_length) // self._frame_step + 1
        if self.expand_dims:
            return (batch, frames, bins, channels) if self.data_format == "channels_last" else (
                batch, channels, frames, bins)
        features = None if channels is None else channels * bins
        return (batch, frames, features) if self.data_format == "channels_last" else (batch, features, frames)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"mode": self.mode, "frame_length": self.frame_length, "frame_step": self.frame_step,
                        "fft_length": self.fft_length, "window": self.window, "periodic": self.periodic,
                        "scaling": self.scaling, "padding": self.padding, "data_format": self.data_format,
                        "expand_dims": self.expand_dims})
        return config_


def _hertz_to_mel(frequencies):
    return _MEL_HIGH_FREQUENCY_Q * np.log1p(np.asarray(frequencies, np.float64) / _MEL_BREAK_FREQUENCY_HERTZ)


def linear_to_mel_weight_matrix(num_mel_bins, num_spectrogram_bins, sampling_rate, lower_edge_hertz,
                                upper_edge_hertz):
    """(num_spectrogram_bins, num_mel_bins) float64 triangular filters, linear in mel, the DC bin's row 0."""
    linear = np.linspace(0.0, sampling_rate / 2.0, num_spectrogram_bins)[1:]
    bins_mel = _hertz_to_mel(linear)[:, None]
    edges = np.linspace(_hertz_to_mel(lower_edge_hertz), _hertz_to_mel(upper_edge_hertz), num_mel_bins + 2)
    lower, center, upper = edges[None, :-2], edges[None, 1:-1], edges[None, 2:]
    weights = np.maximum(0.0, np.minimum((bins_mel - lower) / (center - lower), (upper - bins_mel) / (upper - center)))
    return np.pad(weights, [(1, 0), (0, 0)])


class MelSpectrogram(DataLayer):
    """Mel spectrogram of raw audio (module docstring): (time,) or (batch, time) -> (..., num_mel_bins, frames)."""

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None, window="hann", sampling_rate=16000,
                 num_mel_bins=128, min_freq=20.0, max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0,
                 min_power=1e-10, ref_power=1.0, **kwargs):
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f"MelSpectrogram: fft_length must be at least sequence_length; received "
                             f"sequence_length={self.sequence_length}, fft_length={self.fft_length}.")
        self.window, self.sampling_rate, self.num_mel_bins = window, sampling_rate, num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db, self.top_db, self.mag_exp = power_to_db, top_db, mag_exp
        self.min_power, self.ref_power = min_power, ref_power
        super().__init__(**kwargs)

    def call(self, inputs):
        dtype = self.compute_dtype if self.compute_dtype in ("float32", "float64") else "float32"
        inputs = ops.convert_to_tensor(inputs, dtype=dtype)
        real, imag = ops.stft(inputs, self.sequence_length, self.sequence_stride, self.fft_length,
                              window=self.window, center=True)
        spectrum = ops.power(ops.sqrt(ops.add(ops.square(real), ops.square(imag))), self.mag_exp)
        matrix = linear_to_mel_weight_matrix(self.num_mel_bins, self.fft_length // 2 + 1, self.sampling_rate,
                                             self.min_freq, self.max_freq)
        outputs = ops.matmul(spectrum, ops.convert_to_tensor(matrix, dtype=dtype))
        if self.power_to_db:
            outputs = self._decibels(outputs)
        return ops.cast(ops.swapaxes(outputs, -1, -2), self.compute_dtype)

    def _decibels(self, power):
        reference = 10.0 * math.log10(max(abs(float(self.ref_power)), self.min_power))
        decibels = ops.subtract(ops.multiply(ops.log10(ops.maximum(power, self.min_power)), 10.0), reference)
        return ops.maximum(decibels, ops.subtract(ops.max(decibels), self.top_db))

    def compute_output_shape(self, input_shape):
        time = input_shape[-1]
        frames = None if time is None else (
            1 + (time + 2 * (self.fft_length // 2) - self.fft_length) // self.sequence_stride)
        return tuple(input_shape[:-1]) + (self.num_mel_bins, frames)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"fft_length": self.fft_length, "sequence_stride": self.sequence_stride,
                        "sequence_length": self.sequence_length, "window": self.window,
                        "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                        "min_freq": self.min_freq, "max_freq": self.max_freq, "power_to_db": self.power_to_db,
                        "top_db": self.top_db, "mag_exp": self.mag_exp, "min_power": self.min_power,
                        "ref_power": self.ref_power})
        return config_
