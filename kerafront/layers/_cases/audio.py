"""Layer case rows: audio layers (``STFTSpectrogram``, ``MelSpectrogram``; see ``kerafront.layers._cases``).

tests/test_layers_audio.py compares their numbers with Keras 3 and with ``ops.stft``.
"""

from kerafront import layers as L
from kerafront.layers._cases import LayerCase as C

CASES = [
    # frames (16 - 8) // 4 + 1 = 3, bins 8 // 2 + 1 = 5; real and imaginary kernels (8, 1, 5)
    C("stft_spectrogram_log", lambda: L.STFTSpectrogram(frame_length=8, frame_step=4, fft_length=8), (2, 16, 1),
      (2, 3, 5), 2, 2 * 8 * 5),
    # "same": ceil(12 / 3) = 4 frames; stft mode stacks 5 real and 5 imaginary bins per channel (2 channels)
    C("stft_spectrogram_stft_same_channels_first",
      lambda: L.STFTSpectrogram(mode="stft", frame_length=6, frame_step=3, fft_length=8, padding="same",
                                data_format="channels_first"), (2, 2, 12), (2, 20, 4), 2, 2 * 6 * 5),
    # fft_length defaults to 4 (the power of two enclosing frame_length): 3 bins; only the real kernel
    C("stft_spectrogram_real_expand_dims",
      lambda: L.STFTSpectrogram(mode="real", frame_length=4, frame_step=2, expand_dims=True), (2, 10, 2),
      (2, 4, 3, 2), 1, 4 * 3),
    C("stft_spectrogram_psd_hamming",
      lambda: L.STFTSpectrogram(mode="psd", frame_length=8, frame_step=4, window="hamming", scaling="spectrum"),
      (1, 16, 1), (1, 3, 5), 2, 2 * 8 * 5),
    # 1 + 40 // 8 = 6 frames, 6 mel bins; no weights
    C("mel_spectrogram", lambda: L.MelSpectrogram(fft_length=16, sequence_stride=8, num_mel_bins=6,
                                                  sampling_rate=8000), (2, 40), (2, 6, 6), 0, 0),
    C("mel_spectrogram_magnitude_no_db",
      lambda: L.MelSpectrogram(fft_length=16, sequence_stride=4, sequence_length=12, window="hamming", num_mel_bins=4,
                               sampling_rate=4000, power_to_db=False, mag_exp=1.0), (3, 24), (3, 4, 7), 0, 0),
]
