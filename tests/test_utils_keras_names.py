"""kerafront.utils under Keras's names: pad_sequences, normalize, Progbar, PyDataset/Sequence in
fit/evaluate/predict, split_dataset, timeseries_dataset_from_array, get_source_inputs and the re-exports.

Values are checked against hand computations and, for pad_sequences/normalize, against Keras itself
(``KERAS_BACKEND=numpy``; skipped when Keras is absent).
"""

import os
import random

import numpy as np
import pytest

import kerafront
from kerafront import utils

KERAS_UTILS_NAMES = [  # keras.utils (3.15), less the saving names kerafront.saving provides
    "Config", "CustomObjectScope", "FeatureSpace", "Progbar", "PyDataset", "Sequence", "array_to_img",
    "audio_dataset_from_directory", "bounding_boxes", "clear_session", "custom_object_scope",
    "deserialize_keras_object", "disable_interactive_logging", "enable_interactive_logging",
    "get_custom_objects", "get_file", "get_registered_name", "get_registered_object", "get_source_inputs",
    "image_dataset_from_directory", "img_to_array", "is_interactive_logging_enabled", "is_keras_tensor", "legacy",
    "load_img", "model_to_dot", "normalize", "pack_x_y_sample_weight", "pad_sequences", "plot_model",
    "register_keras_serializable", "save_img", "serialize_keras_object", "set_random_seed", "split_dataset",
    "standardize_dtype", "text_dataset_from_directory", "timeseries_dataset_from_array", "to_categorical",
    "unpack_x_y_sample_weight"]
NOT_HERE = {"Config", "CustomObjectScope", "FeatureSpace", "audio_dataset_from_directory", "bounding_boxes",
            "custom_object_scope", "deserialize_keras_object", "get_custom_objects", "get_registered_name",
            "get_registered_object", "legacy", "model_to_dot", "register_keras_serializable",
            "serialize_keras_object"}


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")  # no effect if another test module imported keras first
    return pytest.importorskip("keras")


def test_keras_utils_names_exist():
    missing = [name for name in KERAS_UTILS_NAMES if name not in NOT_HERE and not hasattr(utils, name)]
    assert missing == []
    assert set(utils.__all__) <= set(dir(utils))


# ---------------------------------------------------------------------------------------------
# pad_sequences

def test_pad_sequences_hand_values():
    seqs = [[1], [2, 3], [4, 5, 6]]
    assert utils.pad_sequences(seqs).tolist() == [[0, 0, 1], [0, 2, 3], [4, 5, 6]]
    assert utils.pad_sequences(seqs).dtype == np.int32
    assert utils.pad_sequences(seqs, padding="post", value=-1).tolist() == [[1, -1, -1], [2, 3, -1], [4, 5, 6]]
    assert utils.pad_sequences(seqs, maxlen=2).tolist() == [[0, 1], [2, 3], [5, 6]]
    assert utils.pad_sequences(seqs, maxlen=2, truncating="post").tolist() == [[0, 1], [2, 3], [4, 5]]
    assert utils.pad_sequences([[], [7]], maxlen=2).tolist() == [[0, 0], [0, 7]]
    steps = utils.pad_sequences([np.ones((1, 2)), np.full((2, 2), 3.0)], dtype="float32")
    np.testing.assert_array_equal(steps, [[[0, 0], [1, 1]], [[3, 3], [3, 3]]])
    words = utils.pad_sequences([["a"], ["b", "c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["<pad>", "a"], ["b", "c"]]


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'"):
        utils.pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="dtype=object"):
        utils.pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="position 1"):
        utils.pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="steps of sequence 1 have shape"):
        utils.pad_sequences([np.ones((1, 2)), np.ones((1, 3))])


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("maxlen", [None, 2, 5])
def test_pad_sequences_matches_keras(padding, truncating, maxlen):
    keras = _keras()
    seqs = [[1, 2, 3, 4], [5], [], [6, 7, 8]]
    ours = utils.pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=9)
    theirs = keras.utils.pad_sequences(seqs, maxlen=maxlen, padding=padding, truncating=truncating, value=9)
    np.testing.assert_array_equal(ours, theirs)
    assert ours.dtype == theirs.dtype


# ---------------------------------------------------------------------------------------------
# normalize

def test_normalize_hand_values_and_keras():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [1.0, -1.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0, 0], [2 ** -0.5, -(2 ** -0.5)]])
    np.testing.assert_allclose(utils.normalize(x, order=1), [[3 / 7, 4 / 7], [0, 0], [0.5, -0.5]])
    np.testing.assert_allclose(utils.normalize([[3, 4]]), [[0.6, 0.8]])
    keras = _keras()
    for order in (1, 2, np.inf):
        np.testing.assert_allclose(utils.normalize(x, order=order), keras.utils.normalize(x, order=order))


def test_normalize_along_axis_0():
    # Keras turns axis=0 into -1 when re-inserting the norm (a shape error or a wrong result); kerafront
    # divides each column by its own norm.
    x = np.array([[3.0, 0.0], [4.0, 2.0]])
    np.testing.assert_allclose(utils.normalize(x, axis=0), [[0.6, 0.0], [0.8, 1.0]])


# ---------------------------------------------------------------------------------------------
# Progbar

def test_progbar_averages_stateless_values_by_steps(capsys):
    bar = utils.Progbar(4, verbose=1, interval=0, stateful_metrics=["acc"])
    bar.update(1, [("loss", 1.0), ("acc", 0.5)])
    bar.update(3, [("loss", 4.0), ("acc", 0.75)])  # loss covers 2 steps: (1*1 + 4*2) / 3 = 3
    lines = capsys.readouterr().out.splitlines()
    assert "loss: 3.0000" in lines[-1] and "acc: 0.7500" in lines[-1]
    assert lines[-1].startswith("3/4 [===============.....]")
    bar.add(1, [("loss", 2.0)])  # the final update shows the value given (Keras's rule)
    out = capsys.readouterr().out
    assert "4/4 [====================]" in out and "loss: 2.0000" in out and out.endswith("\n")


def test_progbar_verbose_2_prints_once_and_respects_logging(capsys, caplog):
    bar = utils.Progbar(2, verbose=2, stateless_metrics=["loss"])
    bar.update(1, [("loss", 0.5), ("lr", 0.01)])
    assert capsys.readouterr().out == ""
    bar.update(2, [("loss", 0.25), ("lr", 0.02)])
    out = capsys.readouterr().out
    assert out.startswith("2/2 - ") and "loss: 0.2500" in out and "lr: 0.0200" in out
    kerafront.config.disable_interactive_logging()
    try:
        with caplog.at_level("INFO", logger="kerafront"):
            utils.Progbar(1, verbose=2).update(1, [("loss", 1.5)])
        assert capsys.readouterr().out == "" and "loss: 1.5000" in caplog.text
    finally:
        kerafront.config.enable_interactive_logging()
    with pytest.raises(ValueError, match="not both"):
        utils.Progbar(1, stateful_metrics=["a"], stateless_metrics=["b"])


# ---------------------------------------------------------------------------------------------
# PyDataset in fit / evaluate / predict

X = np.random.default_rng(0).normal(size=(10, 3)).astype("float32")
Y = X @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")


class Batches(kerafront.utils.PyDataset):
    """The arrays X, Y in batches of 4, recording what fit asks for."""

    def __init__(self, batch_size=4, with_targets=True, **kwargs):
        super().__init__(**kwargs)
        self.batch_size, self.with_targets = batch_size, with_targets
        self.indices, self.events = [], []

    def __len__(self):
        return -(-len(X) // self.batch_size)

    def __getitem__(self, index):
        self.indices.append(index)
        cut = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return (X[cut], Y[cut]) if self.with_targets else X[cut]

    def on_epoch_begin(self):
        self.events.append("begin")

    def on_epoch_end(self):
        self.events.append("end")


def _model():
    kerafront.utils.set_random_seed(1)
    model = kerafront.Sequential([kerafront.Input((3,)), kerafront.layers.Dense(1)])
    model.compile(optimizer=kerafront.optimizers.SGD(0.05), loss="mse")
    return model


@pytest.mark.parametrize("workers", [1, 3])
def test_pydataset_trains_like_the_same_arrays(workers):
    reference = _model()
    reference_history = reference.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0).history
    data = Batches(workers=workers, max_queue_size=2)
    model = _model()
    history = model.fit(data, epochs=3, shuffle=False, verbose=0).history
    assert data.indices == [0, 1, 2] * 3
    assert data.events == ["begin", "end"] * 3
    np.testing.assert_allclose(history["loss"], reference_history["loss"], rtol=1e-6)
    for ours, theirs in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(Batches(), verbose=0), reference.evaluate(X, Y, batch_size=4, verbose=0),
                               rtol=1e-6)
    np.testing.assert_allclose(model.predict(Batches(with_targets=False, workers=workers), verbose=0),
                               reference.predict(X, verbose=0), rtol=1e-6)


def test_pydataset_shuffle_reorders_batches_each_epoch():
    data = Batches(batch_size=1)
    random.seed(3)
    expected = []
    for _ in range(2):
        order = list(range(10))
        random.shuffle(order)  # Keras's PyDataset adapter shuffles batch indices with Python's random
        expected += order
    model = _model()  # seeds Python's random too
    random.seed(3)
    model.fit(data, epochs=2, verbose=0)
    assert data.indices == expected


def test_pydataset_steps_per_epoch_follows_keras_passes():
    data = Batches()
    _model().fit(data, epochs=3, steps_per_epoch=2, shuffle=False, verbose=0)
    assert data.indices == [0, 1, 2, 0, 1]  # an epoch stops at the end of a pass; the next starts a new one


def test_endless_pydataset_needs_steps():
    class Endless(kerafront.utils.Sequence):
        seen = []

        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            self.seen.append(index)
            return X[:2], Y[:2]

    model = _model()
    with pytest.raises(ValueError, match="endless PyDataset.*steps_per_epoch"):
        model.fit(Endless(), verbose=0)
    model.fit(Endless(), epochs=2, steps_per_epoch=3, verbose=0)
    assert Endless.seen == [0, 1, 2, 3, 4, 5]
    assert kerafront.utils.Sequence is kerafront.utils.PyDataset


def test_pydataset_refuses_y():
    with pytest.raises(ValueError, match="PyDataset.*y and sample_weight must be None"):
        _model().fit(Batches(), Y, verbose=0)


# ---------------------------------------------------------------------------------------------
# split_dataset

def test_split_dataset_arrays_tuples_dicts():
    left, right = utils.split_dataset(np.arange(10), left_size=0.8)
    assert left.tolist() == list(range(8)) and right.tolist() == [8, 9]
    left, right = utils.split_dataset((np.arange(5), np.arange(5) * 10), right_size=2)
    assert isinstance(left, tuple) and left[1].tolist() == [0, 10, 20] and right[0].tolist() == [3, 4]
    left, right = utils.split_dataset({"a": np.arange(4), "b": np.ones((4, 2))}, left_size=1, right_size=2)
    assert left["a"].tolist() == [0] and right["a"].tolist() == [2, 3] and right["b"].shape == (2, 2)


def test_split_dataset_shuffle_is_keras_order():
    x, y = np.arange(20), np.arange(20) * 3
    left, right = utils.split_dataset((x, y), left_size=0.75, shuffle=True, seed=7)
    samples = list(zip(x.tolist(), y.tolist()))
    random.seed(7)
    random.shuffle(samples)  # what Keras does to the list of samples
    assert list(zip(*[a.tolist() for a in left])) == samples[:15]
    assert list(zip(*[a.tolist() for a in right])) == samples[15:]


@pytest.mark.parametrize("left, right, message", [
    (None, None, "left_size or right_size"), (0, 3, "positive int smaller"), (0.7, 0.5, "at most 1"),
    (1.5, None, r"in \(0, 1\)"), ("a", None, "ints, floats or None"), (0.01, None, "left split empty"),
    (6, 6, "add up to more"),
])
def test_split_dataset_errors(left, right, message):
    with pytest.raises((ValueError, TypeError), match=message):
        utils.split_dataset(np.arange(10), left_size=left, right_size=right)


def test_split_dataset_refuses_mismatched_arrays():
    with pytest.raises(ValueError, match="same number of samples"):
        utils.split_dataset((np.arange(3), np.arange(4)), left_size=1)


# ---------------------------------------------------------------------------------------------
# timeseries_dataset_from_array

def test_timeseries_windows_hand_values():
    data, targets = np.arange(10), np.arange(10) * 10
    ds = utils.timeseries_dataset_from_array(data, targets, sequence_length=3, sequence_stride=2, batch_size=3)
    batches = [(x.tolist(), y.tolist()) for x, y in ds]
    assert batches == [([[0, 1, 2], [2, 3, 4], [4, 5, 6]], [0, 20, 40]), ([[6, 7, 8]], [60])]
    ds = utils.timeseries_dataset_from_array(data, None, sequence_length=2, sampling_rate=3, start_index=2,
                                             end_index=9, batch_size=None)
    assert [x.tolist() for x in ds] == [[2, 5], [3, 6], [4, 7], [5, 8]]
    shuffled = utils.timeseries_dataset_from_array(data, targets, 3, batch_size=100, shuffle=True, seed=4)
    starts = np.arange(8)
    np.random.RandomState(4).shuffle(starts)
    x, y = shuffled[0]
    np.testing.assert_array_equal(x[:, 0], starts)
    np.testing.assert_array_equal(y, starts * 10)


def test_timeseries_dataset_feeds_fit():
    series = np.sin(np.arange(40, dtype="float32"))[:, None]
    ds = utils.timeseries_dataset_from_array(series[:-3], series[3:, 0], sequence_length=3, batch_size=8)
    x = np.stack([series[i:i + 3] for i in range(35)])
    y = series[3:38, 0]
    model = kerafront.Sequential([kerafront.Input((3, 1)), kerafront.layers.Flatten(), kerafront.layers.Dense(1)])
    model.compile("sgd", "mse")
    weights = model.get_weights()
    ours = model.fit(ds, epochs=1, shuffle=False, verbose=0).history["loss"]
    model.set_weights(weights)
    reference = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(ours, reference, rtol=1e-6)


@pytest.mark.parametrize("kwargs, message", [
    ({"sequence_stride": 0}, "sequence_stride must be a positive int"),
    ({"sampling_rate": 10}, "sampling_rate must be lower than the length"),
    ({"start_index": 12}, "start_index must be in"),
    ({"start_index": 5, "end_index": 3}, "end_index must be above"),
])
def test_timeseries_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        utils.timeseries_dataset_from_array(np.arange(10), None, 2, **kwargs)


# ---------------------------------------------------------------------------------------------
# get_source_inputs and re-exports

def test_get_source_inputs():
    a, b = kerafront.Input((2,)), kerafront.Input((3,))
    joined = kerafront.layers.Concatenate()([a, kerafront.layers.Dense(2)(b)])
    out = kerafront.layers.Dense(1)(kerafront.layers.Add()([joined, joined]))
    sources = utils.get_source_inputs(out)
    assert len(sources) == 2 and sources[0] is a and sources[1] is b
    assert utils.get_source_inputs(a)[0] is a
    value = np.ones(2)
    assert utils.get_source_inputs(value) is value


def test_reexports():
    assert utils.is_keras_tensor(kerafront.Input((2,))) and not utils.is_keras_tensor(np.ones(2))
    assert utils.standardize_dtype("float64") == "float64"
    assert utils.pack_x_y_sample_weight(1, 2) == (1, 2)
    assert utils.unpack_x_y_sample_weight((1, 2, 3)) == (1, 2, 3)
    utils.disable_interactive_logging()
    assert not utils.is_interactive_logging_enabled()
    utils.enable_interactive_logging()
    assert kerafront.config.is_interactive_logging_enabled()


def test_split_dataset_tf_data():
    tf = pytest.importorskip("tensorflow")
    x, y = np.arange(10, dtype="float32"), np.arange(10) * 2
    left, right = utils.split_dataset(tf.data.Dataset.from_tensor_slices((x, y)).batch(3), left_size=0.6)
    left_batches = [(a.tolist(), b.tolist()) for a, b in left.as_numpy_iterator()]
    assert left_batches == [([0, 1, 2], [0, 2, 4]), ([3, 4, 5], [6, 8, 10])]  # re-batched like the input
    assert [a.tolist() for a, _ in right.as_numpy_iterator()] == [[6, 7, 8], [9]]
