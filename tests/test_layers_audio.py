"""``STFTSpectrogram`` and ``MelSpectrogram`` against Keras 3 itself (on JAX, see conftest.py) and against
``ops.stft`` (an independent path: the layer convolves with DFT kernels, the op frames and transforms)."""

import warnings

import numpy as np
import pytest

import kerafront
from kerafront import layers, ops

keras = pytest.importorskip("keras")

RNG = np.random.default_rng(44)


@pytest.mark.parametrize("kwargs", [
    {"mode": "log", "frame_length": 16, "frame_step": 4},
    {"mode": "magnitude", "frame_length": 10, "frame_step": 5, "fft_length": 16, "window": "hamming",
     "periodic": True, "padding": "same"},
    {"mode": "psd", "frame_length": 8, "scaling": "spectrum", "expand_dims": True},
    {"mode": "angle", "frame_length": 8, "frame_step": 2, "window": None},
    {"mode": "stft", "frame_length": 8, "frame_step": 4, "data_format": "channels_first"},
    {"mode": "imag", "frame_length": 8, "frame_step": 4, "data_format": "channels_first", "expand_dims": True},
], ids=["log", "magnitude_same", "psd_expand", "angle_no_window", "stft_channels_first", "imag_channels_first"])
def test_stft_spectrogram_matches_keras(kwargs):
    shape = (2, 2, 40) if kwargs.get("data_format") == "channels_first" else (2, 40, 2)
    x = RNG.normal(size=shape).astype("float32")
    ours, theirs = layers.STFTSpectrogram(**kwargs), keras.layers.STFTSpectrogram(**kwargs)
    out, k_out = ours(x), np.asarray(theirs(x))
    assert out.shape == k_out.shape == ours.compute_output_shape(shape) == theirs.compute_output_shape(shape)
    if kwargs["mode"] == "angle":  # +-pi where the imaginary part is a rounding error: compare on the circle
        out, k_out = np.angle(np.exp(1j * (out - k_out))), np.zeros_like(k_out)
    np.testing.assert_allclose(out, k_out, rtol=1e-4, atol=1e-4)
    assert [w.name for w in ours.weights] == [w.name for w in theirs.weights]
    assert ours.get_config() == {**theirs.get_config(), "dtype": ours.get_config()["dtype"]}


def test_stft_spectrogram_equals_the_stft_op():
    """A rectangular window without scaling makes the real kernel the DFT: the layer's "stft" mode is ops.stft's
    (centre off, the same frames) with bins and frames transposed."""
    x = RNG.normal(size=(1, 24, 1)).astype("float32")
    layer = layers.STFTSpectrogram(mode="stft", frame_length=8, frame_step=4, window=None, scaling=None)
    real, imag = ops.stft(x[0, :, 0], 8, 4, 8, window=None, center=False)
    np.testing.assert_allclose(layer(x)[0], np.concatenate([real, imag], axis=-1), atol=1e-5)


def test_stft_spectrogram_errors_and_warning():
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match="mode"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(TypeError, match="float"):
        layers.STFTSpectrogram(frame_length=4)(np.ones((1, 8, 1), "int32"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        layers.STFTSpectrogram(frame_length=8, fft_length=12)
    assert any("power of two" in str(w.message) for w in caught)


@pytest.mark.parametrize("kwargs", [
    {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 10, "sampling_rate": 8000},
    {"fft_length": 32, "sequence_stride": 8, "sequence_length": 24, "window": "hamming", "num_mel_bins": 8,
     "min_freq": 100.0, "max_freq": 3000, "power_to_db": False, "mag_exp": 1.0},
    {"fft_length": 32, "sequence_stride": 8, "num_mel_bins": 6, "top_db": 20.0, "ref_power": 2.0},
], ids=["db", "magnitude_hamming", "top_db_ref_power"])
def test_mel_spectrogram_matches_keras(kwargs):
    x = RNG.normal(size=(2, 160)).astype("float32")
    ours, theirs = layers.MelSpectrogram(**kwargs), keras.layers.MelSpectrogram(**kwargs)
    out, k_out = ours(x), np.asarray(theirs(x))
    assert out.shape == k_out.shape
    np.testing.assert_allclose(out, k_out, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(ours(x[0]), np.asarray(theirs(x[0])), rtol=1e-4, atol=1e-3)
    assert ours.get_config() == {**theirs.get_config(), "dtype": ours.get_config()["dtype"]}


def test_mel_filter_bank_closed_form():
    """Each triangle peaks at 1 on its centre and the rows of the DC bin are zero (HTK's rule)."""
    from kerafront.layers.audio import linear_to_mel_weight_matrix
    matrix = linear_to_mel_weight_matrix(4, 129, 8000, 125.0, 3800.0)
    assert matrix.shape == (129, 4) and not matrix[0].any()
    assert np.all(matrix >= 0) and np.all(matrix.max(axis=0) <= 1)
    mel = lambda f: 1127.0 * np.log1p(f / 700.0)  # noqa: E731
    centre_hz = 700.0 * np.expm1(np.linspace(mel(125.0), mel(3800.0), 6)[1:-1] / 1127.0)
    peak_bins = np.argmax(matrix, axis=0)
    np.testing.assert_allclose(peak_bins * 4000.0 / 128, centre_hz, atol=4000.0 / 128)


def test_layers_in_a_model_save_and_load(tmp_path):
    inputs = kerafront.Input((64, 1))
    model = kerafront.Model(inputs, layers.STFTSpectrogram(frame_length=16, frame_step=8)(inputs))
    x = RNG.normal(size=(2, 64, 1)).astype("float32")
    model.save(tmp_path / "m.keras")
    np.testing.assert_allclose(kerafront.saving.load_model(tmp_path / "m.keras")(x), model(x), rtol=1e-6)
    assert model.output_shape == (None, 7, 9)
