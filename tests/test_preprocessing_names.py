"""keras.preprocessing spellings: the same functions as kerafront.utils, and smart_resize against Keras 3."""

import numpy as np
import pytest

import kerafront
from kerafront import preprocessing


def test_names_are_the_utils_functions():
    assert preprocessing.image_dataset_from_directory is kerafront.utils.image_dataset_from_directory
    assert preprocessing.timeseries_dataset_from_array is kerafront.utils.timeseries_dataset_from_array
    assert preprocessing.text_dataset_from_directory is kerafront.utils.text_dataset_from_directory
    assert preprocessing.sequence.pad_sequences is kerafront.utils.pad_sequences
    assert preprocessing.image.load_img is kerafront.utils.load_img


@pytest.mark.parametrize("shape,size,data_format,interpolation", [
    ((9, 14, 3), (5, 5), "channels_last", "bilinear"),
    ((2, 12, 7, 1), (6, 4), "channels_last", "nearest"),
    ((3, 10, 13), (4, 8), "channels_first", "bilinear"),
    ((1, 2, 11, 11), (3, 7), "channels_first", "bicubic"),
])
def test_smart_resize_matches_keras(shape, size, data_format, interpolation):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).uniform(0, 255, shape).astype("float32")
    ours = preprocessing.image.smart_resize(x, size, interpolation=interpolation, data_format=data_format)
    theirs = keras.preprocessing.image.smart_resize(x, size, interpolation=interpolation, data_format=data_format)
    assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-3)


def test_smart_resize_crops_the_centre_by_hand():
    x = np.arange(4 * 8, dtype="float32").reshape(4, 8, 1)
    # target 2x2 (square): the centre 4x4 window (columns 2..5), then a 2x2 average-free nearest resize
    out = preprocessing.image.smart_resize(x, (4, 4), interpolation="nearest")
    np.testing.assert_array_equal(out[..., 0], x[:, 2:6, 0])


def test_smart_resize_errors():
    with pytest.raises(ValueError, match="smart_resize: size"):
        preprocessing.image.smart_resize(np.zeros((4, 4, 1)), (4,))
    with pytest.raises(ValueError, match="smart_resize: expected an image"):
        preprocessing.image.smart_resize(np.zeros((4, 4)), (2, 2))
