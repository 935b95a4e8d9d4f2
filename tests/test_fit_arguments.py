"""What users pass to fit/evaluate/predict: Python lists, validation_data as a list, checkpoint names."""

import numpy as np
import pytest

import kerafront
from kerafront import layers


def _model():
    kerafront.utils.set_random_seed(0)
    model = kerafront.Sequential([kerafront.Input((2,)), layers.Dense(1)])
    model.compile("sgd", "mse")
    return model


def test_lists_of_numbers_train_exactly_as_the_same_arrays():
    x, y = [[1.0, 2.0], [3.0, 4.0], [0.5, -1.0]], [[1.0], [2.0], [0.0]]
    from_lists, from_arrays = _model(), _model()
    history = from_lists.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
    expected = from_arrays.fit(np.array(x, "float32"), np.array(y, "float32"), batch_size=2, epochs=2,
                               shuffle=False, verbose=0)
    assert history.history["loss"] == expected.history["loss"]
    for a, b in zip(from_lists.get_weights(), from_arrays.get_weights()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(from_lists.predict([[1.0, 2.0]], verbose=0),
                                  from_arrays.predict(np.array([[1.0, 2.0]], "float32"), verbose=0))
    assert from_lists.evaluate(x, y, verbose=0) == pytest.approx(from_arrays.evaluate(np.array(x), np.array(y),
                                                                                       verbose=0))


def test_a_list_of_arrays_is_still_one_entry_per_input():
    a, b = kerafront.Input((2,)), kerafront.Input((1,))
    model = kerafront.Model([a, b], layers.Concatenate()([a, b]))
    out = model.predict([np.ones((3, 2), "float32"), np.zeros((3, 1), "float32")], verbose=0)
    np.testing.assert_array_equal(out, np.concatenate([np.ones((3, 2)), np.zeros((3, 1))], axis=1))


def test_a_scalar_x_is_refused_by_name():
    with pytest.raises(ValueError, match="x: expected arrays with a batch"):
        _model().predict(3.0, verbose=0)


def test_validation_data_as_a_list_is_x_and_y():
    x, y = np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
    vx, vy = np.full((2, 2), 2.0, "float32"), np.zeros((2, 1), "float32")
    as_list = _model().fit(x, y, validation_data=[vx, vy], epochs=1, verbose=0).history["val_loss"]
    as_tuple = _model().fit(x, y, validation_data=(vx, vy), epochs=1, verbose=0).history["val_loss"]
    assert as_list == as_tuple


def test_validation_freq_zero_is_a_value_error():
    x = np.ones((4, 2), "float32")
    with pytest.raises(ValueError, match="validation_freq"):
        _model().fit(x, x[:, :1], validation_data=(x, x[:, :1]), validation_freq=0, epochs=1, verbose=0)


def test_checkpoint_field_missing_from_the_logs_names_it(tmp_path):
    x = np.ones((4, 2), "float32")
    checkpoint = kerafront.callbacks.ModelCheckpoint(str(tmp_path / "{val_acc}.kerafront"))
    with pytest.raises(ValueError, match=r"\{val_acc\}.*available: \['epoch', 'loss'\]"):
        _model().fit(x, x[:, :1], epochs=1, verbose=0, callbacks=[checkpoint])


def test_checkpoint_names_from_epoch_batch_and_logs(tmp_path):
    x = np.ones((4, 2), "float32")
    checkpoint = kerafront.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch:02d}-b{batch}.weights.npz"),
                                                     save_weights_only=True, save_freq=2)
    _model().fit(x, x[:, :1], batch_size=1, epochs=1, verbose=0, callbacks=[checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e01-b2.weights.npz", "e01-b4.weights.npz"]


@pytest.mark.parametrize("name", ["m.kerafront", "m.keras", "m.h5"])
def test_bytes_paths_save_and_load_every_format(name, tmp_path):
    if name != "m.kerafront":
        pytest.importorskip("h5py")
    model = _model()
    path = str(tmp_path / name).encode()
    model.save(path)
    x = np.array([[1.0, -2.0]], "float32")
    np.testing.assert_array_equal(kerafront.models.load_model(path).predict(x, verbose=0), model.predict(x, verbose=0))
    weights = str(tmp_path / "w.weights.h5").encode() if name != "m.kerafront" else str(tmp_path / "w.weights.npz").encode()
    model.save_weights(weights)
    model.load_weights(weights)
    with pytest.raises(TypeError, match="save: expected a path"):
        model.save(3)
