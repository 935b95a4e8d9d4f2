"""kerafront.utils image functions (Pillow, the ``image`` extra) and the directory datasets.

Values are checked by hand (images of known pixels) and, where TensorFlow is installed, against
Keras's own ``image_dataset_from_directory`` (file order, labels and resized pixels).
"""

import os
import sys

import numpy as np
import pytest

import kerafront
from kerafront import utils

Image = pytest.importorskip("PIL.Image")


def _png(path, array):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(np.asarray(array, dtype="uint8")).save(path)


def test_save_and_load_round_trip(tmp_path):
    rgb = np.arange(2 * 3 * 3).reshape(2, 3, 3) * 10.0
    utils.save_img(tmp_path / "a.png", rgb, scale=False)
    loaded = utils.load_img(tmp_path / "a.png")
    assert loaded.mode == "RGB" and loaded.size == (3, 2)
    array = utils.img_to_array(loaded)
    assert array.dtype == np.float32
    np.testing.assert_array_equal(array, rgb)
    np.testing.assert_array_equal(utils.img_to_array(loaded, data_format="channels_first"), rgb.transpose(2, 0, 1))
    gray = utils.img_to_array(utils.load_img(str(tmp_path / "a.png"), color_mode="grayscale"))
    assert gray.shape == (2, 3, 1)
    rgba = utils.load_img(tmp_path / "a.png", color_mode="rgba")
    np.testing.assert_array_equal(utils.img_to_array(rgba)[..., 3], 255)


def test_load_img_resize_nearest_and_aspect(tmp_path):
    _png(str(tmp_path / "b.png"), [[0, 100], [200, 250]])
    big = utils.img_to_array(utils.load_img(tmp_path / "b.png", color_mode="grayscale", target_size=(4, 4)))
    np.testing.assert_array_equal(big[..., 0], np.kron([[0, 100], [200, 250]], np.ones((2, 2))))
    _png(str(tmp_path / "wide.png"), np.tile(np.arange(4, dtype="uint8") * 50, (2, 1)))
    cropped = utils.load_img(tmp_path / "wide.png", color_mode="grayscale", target_size=(2, 2),
                             keep_aspect_ratio=True)
    np.testing.assert_array_equal(utils.img_to_array(cropped)[..., 0], [[50, 100], [50, 100]])  # centre 2x2
    with pytest.raises(ValueError, match="interpolation must be one of"):
        utils.load_img(tmp_path / "b.png", target_size=(3, 3), interpolation="cubic")
    with pytest.raises(ValueError, match="color_mode"):
        utils.load_img(tmp_path / "b.png", color_mode="cmyk")
    with pytest.raises(ValueError, match="a directory"):
        utils.load_img(tmp_path)


def test_array_to_img_scaling_and_modes():
    image = utils.array_to_img(np.array([[[0.0], [5.0]], [[10.0], [10.0]]]))
    assert image.mode == "L"
    np.testing.assert_array_equal(np.asarray(image), [[0, 127], [255, 255]])
    assert utils.array_to_img(np.full((1, 1, 1), 1000.0), scale=False).mode == "I"
    assert utils.array_to_img(np.zeros((3, 2, 2)), data_format="channels_first").mode == "RGB"
    assert utils.array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        utils.array_to_img(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="rank 3"):
        utils.array_to_img(np.zeros((2, 2)))


def test_missing_pillow_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match=r'pip install "kerafront\[image\]"'):
        utils.array_to_img(np.zeros((2, 2, 3)))


def _image_tree(root):
    """class a: 3 images of value 10+i, class b: 2 images of value 100+i (4x6 pixels, RGB)."""
    for name, count, base in (("a", 3, 10), ("b", 2, 100)):
        for i in range(count):
            _png(str(root / name / f"img{i}.png"), np.full((4, 6, 3), base + i))
    (root / "a" / "notes.txt").write_text("not an image")


def test_image_dataset_from_directory_labels_and_order(tmp_path, capsys):
    _image_tree(tmp_path)
    ds = utils.image_dataset_from_directory(tmp_path, batch_size=2, image_size=(2, 3), seed=5)
    assert "Found 5 files belonging to 2 classes." in capsys.readouterr().out
    expected = [str(tmp_path / c / f"img{i}.png") for c, n in (("a", 3), ("b", 2)) for i in range(n)]
    np.random.RandomState(5).shuffle(expected)  # Keras's order: sorted, then shuffled with the seed
    assert ds.file_paths == expected and ds.class_names == ["a", "b"] and len(ds) == 3
    images = np.concatenate([x for x, _ in ds])
    labels = np.concatenate([y for _, y in ds])
    assert images.shape == (5, 2, 3, 3) and images.dtype == np.float32 and labels.dtype == np.int32
    for path, image, label in zip(expected, images, labels):
        value = {"a": 10, "b": 100}[os.path.basename(os.path.dirname(path))] + int(path[-5])
        np.testing.assert_array_equal(image, value)  # a constant image stays constant when resized
        assert label == (0 if "/a/" in path else 1)
    _, categorical = utils.image_dataset_from_directory(tmp_path, label_mode="categorical", shuffle=False,
                                                        image_size=(2, 2), verbose=False)[0]
    np.testing.assert_array_equal(categorical, [[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]])
    x, binary = utils.image_dataset_from_directory(tmp_path, label_mode="binary", shuffle=False, image_size=(2, 2),
                                                   color_mode="grayscale", data_format="channels_first",
                                                   verbose=False)[0]
    assert x.shape == (5, 1, 2, 2) and binary.tolist() == [[0.0]] * 3 + [[1.0]] * 2


def test_image_dataset_validation_split_and_fit(tmp_path):
    _image_tree(tmp_path)
    train, val = utils.image_dataset_from_directory(tmp_path, image_size=(2, 2), batch_size=2, seed=1,
                                                    validation_split=0.4, subset="both", verbose=False)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert sorted(train.file_paths + val.file_paths) == sorted(str(p) for p in tmp_path.glob("*/*.png"))
    model = kerafront.Sequential([kerafront.Input((2, 2, 3)), kerafront.layers.Rescaling(1 / 255),
                                  kerafront.layers.Flatten(), kerafront.layers.Dense(2)])
    model.compile("sgd", kerafront.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(train, validation_data=val, epochs=1, verbose=0).history
    assert np.isfinite(history["loss"][0]) and np.isfinite(history["val_loss"][0])
    with pytest.raises(ValueError, match="pass a seed"):
        utils.image_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="exactly 2 classes"):
        (tmp_path / "c").mkdir()
        _png(str(tmp_path / "c" / "x.png"), np.zeros((2, 2, 3)))
        utils.image_dataset_from_directory(tmp_path, label_mode="binary", verbose=False)


def test_links_leaving_the_directory_are_skipped(tmp_path):
    outside = tmp_path / "outside"
    _png(str(outside / "secret.png"), np.zeros((2, 2, 3)))
    root = tmp_path / "data"
    _png(str(root / "a" / "ok.png"), np.zeros((2, 2, 3)))
    os.symlink(outside / "secret.png", root / "a" / "leak.png")
    os.symlink(outside, root / "b")
    os.symlink(root / "a" / "ok.png", root / "a" / "same.png")  # stays inside: kept
    ds = utils.image_dataset_from_directory(root, shuffle=False, follow_links=True, image_size=(2, 2), verbose=False)
    assert ds.class_names == ["a"]
    assert [os.path.basename(p) for p in ds.file_paths] == ["ok.png", "same.png"]


def test_text_dataset_from_directory(tmp_path):
    for name, texts in (("neg", ["bad", "awful film"]), ("pos", ["good"])):
        (tmp_path / name).mkdir()
        for i, text in enumerate(texts):
            (tmp_path / name / f"{i}.txt").write_text(text)
    ds = utils.text_dataset_from_directory(tmp_path, shuffle=False, max_length=4, verbose=False)
    texts, labels = ds[0]
    assert texts.tolist() == ["bad", "awfu", "good"] and labels.tolist() == [0, 0, 1]
    assert ds.class_names == ["neg", "pos"]
    unlabelled = utils.text_dataset_from_directory(tmp_path, labels=None, shuffle=False, verbose=False)
    assert unlabelled[0].tolist() == ["bad", "awful film", "good"]


def test_image_dataset_matches_keras(tmp_path):
    pytest.importorskip("tensorflow")
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    for name in ("x", "y"):
        for i in range(3):
            _png(str(tmp_path / name / f"{i}.png"), rng.integers(0, 256, size=(5, 7, 3)))
    ours = utils.image_dataset_from_directory(tmp_path, image_size=(3, 4), batch_size=None, seed=2, verbose=False)
    shuffled = keras.utils.image_dataset_from_directory(tmp_path, image_size=(3, 4), batch_size=None, seed=2,
                                                        verbose=False)
    assert ours.file_paths == shuffled.file_paths  # the same seeded file order
    theirs = keras.utils.image_dataset_from_directory(tmp_path, image_size=(3, 4), batch_size=None,
                                                      shuffle=False, verbose=False)
    by_path = dict(zip(theirs.file_paths, [(np.asarray(x), int(y)) for x, y in theirs.as_numpy_iterator()]))
    for index, path in enumerate(ours.file_paths):
        image, label = ours[index]
        np.testing.assert_allclose(image, by_path[path][0], atol=1e-3)
        assert label == by_path[path][1]
