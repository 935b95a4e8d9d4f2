"""``kerafront.utils.FeatureSpace`` against Keras 3 (on JAX) and hand computations.

Keras's FeatureSpace runs its preprocessors on TensorFlow, so the Keras comparisons need both
``keras`` and ``tensorflow``; the rest runs on kerafront alone.
"""

import json

import numpy as np
import pytest

import kerafront
from kerafront import ops
from kerafront.utils import FeatureSpace

FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def _data(n=150, seed=0):
    rng = np.random.default_rng(seed)
    return {"f": rng.normal(size=n).astype("float32"), "r": rng.normal(size=n).astype("float32"),
            "i": rng.integers(0, 6, n), "s": rng.choice(["a", "b", "c", "d"], n),
            "h": rng.choice(["x", "y", "zz"], n), "ih": rng.integers(0, 50, n),
            "d": rng.normal(size=n).astype("float32"), "p": rng.normal(size=n).astype("float32")}


def _features(space_class):
    return {"f": "float_normalized", "r": space_class.float_rescaled(scale=2.0, offset=1.0, name="r"),
            "i": "integer_categorical", "s": "string_categorical", "h": space_class.string_hashed(num_bins=7, name="h"),
            "ih": "integer_hashed", "d": "float_discretized", "p": "float"}


def _crosses(space_class):
    return [("i", "s"), space_class.cross(("s", "ih"), crossing_dim=16)]


def _keras():
    keras = pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    return keras


def _numpy(structure):
    return {k: ops.convert_to_numpy(v) for k, v in structure.items()} if isinstance(structure, dict) \
        else ops.convert_to_numpy(structure)


def _assert_encoded_equal(theirs, ours):
    """Exact for ids, one-hot and hashing; 1e-6 for normalization (the only computed floats)."""
    assert list(theirs) == list(ours)
    for name in theirs:
        expected, got = np.asarray(theirs[name]), ours[name]
        assert got.shape == expected.shape, name
        if name == "f":
            np.testing.assert_allclose(got, expected, atol=1e-6, err_msg=name)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=name)


def test_every_feature_type_and_cross_matches_keras_feature_by_feature():
    keras = _keras()
    data = _data()
    theirs = keras.utils.FeatureSpace(_features(keras.utils.FeatureSpace), crosses=_crosses(keras.utils.FeatureSpace),
                                      output_mode="dict")
    ours = FeatureSpace(_features(FeatureSpace), crosses=_crosses(FeatureSpace), output_mode="dict")
    theirs.adapt(data)
    ours.adapt(data)
    batch = {k: v[:40] for k, v in data.items()}
    _assert_encoded_equal(theirs(batch), _numpy(ours(batch)))
    assert ours.preprocessors["d"].bin_boundaries == pytest.approx(theirs.preprocessors["d"].bin_boundaries, abs=0)
    assert ours.preprocessors["s"].get_vocabulary() == theirs.preprocessors["s"].get_vocabulary()
    assert list(ours.crossers) == list(theirs.crossers) == ["i_X_s", "s_X_ih"]


def test_concat_and_a_single_row_match_keras():
    keras = _keras()
    data = _data(seed=1)
    theirs = keras.utils.FeatureSpace(_features(keras.utils.FeatureSpace), crosses=_crosses(keras.utils.FeatureSpace))
    ours = FeatureSpace(_features(FeatureSpace), crosses=_crosses(FeatureSpace))
    theirs.adapt(data)
    ours.adapt(data)
    batch = {k: v[:25] for k, v in data.items()}
    expected, got = np.asarray(theirs(batch)), _numpy(ours(batch))
    assert got.shape == expected.shape == (25, 32 + 1 + 7 + 7 + 32 + 1 + 1 + 5 + 32 + 16)  # d f h i ih p r s, crosses
    np.testing.assert_allclose(got, expected, atol=1e-6)
    row = {k: v[3] for k, v in data.items()}
    np.testing.assert_allclose(_numpy(ours(row)), np.asarray(theirs(row)), atol=1e-6)
    assert _numpy(ours(row)).shape == (expected.shape[1],)


# Keras on JAX converts its int64 ids to the backend with jnp.asarray(dtype=int64), which warns without x64 mode.
@pytest.mark.filterwarnings("ignore:Explicitly requested dtype int64:UserWarning")
def test_int_output_modes_match_keras_in_dict_mode():
    keras = _keras()
    data = _data(seed=2)

    def features(space_class):
        return {"s": space_class.string_categorical(output_mode="int", name="s"),
                "i": space_class.integer_categorical(max_tokens=4, output_mode="int", name="i"),
                "d": space_class.float_discretized(num_bins=4, output_mode="int", name="d")}

    theirs = keras.utils.FeatureSpace(features(keras.utils.FeatureSpace), output_mode="dict",
                                      crosses=[keras.utils.FeatureSpace.cross(("s", "i"), 8, output_mode="int")])
    ours = FeatureSpace(features(FeatureSpace), output_mode="dict",
                        crosses=[FeatureSpace.cross(("s", "i"), 8, output_mode="int")])
    theirs.adapt(data)
    ours.adapt(data)
    batch = {k: data[k][:30] for k in ("s", "i", "d")}
    _assert_encoded_equal(theirs(batch), _numpy(ours(batch)))


def test_custom_preprocessor_text_vectorization_tf_idf_matches_keras():
    """Keras's docstring example: FeatureSpace.feature with a TextVectorization(output_mode="tf_idf")."""
    keras = _keras()
    import tensorflow as tf
    data = {"text": ["1st string", "2nd string", "3rd string"]}

    def space(lib):
        layer = lib.layers.TextVectorization(output_mode="tf_idf")
        feature = lib.utils.FeatureSpace.feature(preprocessor=layer, dtype="string", output_mode="float")
        return lib.utils.FeatureSpace(features={"text": feature}, output_mode="concat")

    theirs, ours = space(keras), space(kerafront)
    theirs.adapt(tf.data.Dataset.from_tensor_slices(data))
    ours.adapt(data)
    np.testing.assert_allclose(_numpy(ours(data)), np.asarray(theirs(data)), rtol=1e-6, atol=1e-7)
    assert tuple(ours.get_encoded_features().shape) == (None, 5)  # [UNK], string, 1st, 2nd, 3rd
    mapped = tf.data.Dataset.from_tensor_slices(data).batch(2).map(ours)
    assert mapped.element_spec.shape.as_list() == [None, 5]
    np.testing.assert_allclose(np.concatenate([b.numpy() for b in mapped]), np.asarray(theirs(data)), rtol=1e-6)


def test_hand_computed_encoding():
    space = FeatureSpace({"size": FeatureSpace.float_rescaled(scale=0.5), "color": "string_categorical",
                          "n": FeatureSpace.integer_categorical(num_oov_indices=0)})
    space.adapt({"size": [2.0, 4.0, 6.0], "color": ["red", "blue", "red"], "n": [7, 3, 3]})
    # color vocabulary by count: [UNK], red, blue; n: 3 (twice), 7; no OOV index for n
    out = _numpy(space({"size": [2.0, 5.0], "color": ["blue", "green"], "n": [7, 3]}))
    np.testing.assert_array_equal(out, [[0, 0, 1, 0, 1, 1.0], [1, 0, 0, 1, 0, 2.5]])
    # The docstring's example.
    small = FeatureSpace({"size": FeatureSpace.float_rescaled(scale=0.5), "color": "string_categorical"})
    small.adapt({"size": [2.0, 4.0], "color": ["red", "blue"]})
    assert _numpy(small({"size": [2.0], "color": ["blue"]})).tolist() == [[0.0, 0.0, 1.0, 1.0]]


def test_normalization_statistics_are_the_closed_form():
    data = _data(n=77, seed=3)
    space = FeatureSpace({"f": "float_normalized"})
    space.adapt(data)
    x = data["f"].astype("float64")
    expected = (x[:5] - x.mean()) / np.sqrt(x.var())
    np.testing.assert_allclose(_numpy(space({"f": data["f"][:5]}))[:, 0], expected, rtol=1e-5, atol=1e-6)


class _Batches(kerafront.utils.PyDataset):
    def __init__(self, data, batch_size, labels=None):
        super().__init__()
        self.data, self.batch_size, self.labels = data, batch_size, labels

    def __len__(self):
        return -(-len(next(iter(self.data.values()))) // self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x = {k: v[rows] for k, v in self.data.items()}
        return x if self.labels is None else (x, self.labels[rows])


def test_adapt_sources_agree():
    data = _data(n=64, seed=4)
    names = ("f", "i", "s", "d")
    data = {k: data[k] for k in names}
    features = {"f": "float_normalized", "i": "integer_categorical", "s": "string_categorical",
                "d": FeatureSpace.float_discretized(num_bins=5, name="d")}
    reference = FeatureSpace(dict(features))
    reference.adapt(data)
    expected = _numpy(reference(data))
    sources = [_Batches(data, 32), _Batches(data, 32, labels=np.zeros(64)),
               [{k: v[:32] for k, v in data.items()}, {k: v[32:] for k, v in data.items()}]]
    tf = None
    try:
        import tensorflow as tf
    except ImportError:
        pass
    if tf is not None:
        sources += [tf.data.Dataset.from_tensor_slices(data), tf.data.Dataset.from_tensor_slices(data).batch(32)]
    for source in sources:
        features["d"] = FeatureSpace.float_discretized(num_bins=5, name="d")
        space = FeatureSpace(dict(features))
        space.adapt(source)
        np.testing.assert_allclose(_numpy(space(data)), expected, atol=1e-6, err_msg=type(source).__name__)


def test_adapting_again_resizes_the_encoding():
    space = FeatureSpace({"s": "string_categorical"})
    space.adapt({"s": ["a", "b"]})
    assert _numpy(space({"s": ["b"]})).tolist() == [[0.0, 1.0, 0.0]]  # [UNK], b, a (ties: descending token)
    space.adapt({"s": ["a", "b", "c", "c"]})
    assert _numpy(space({"s": ["b"]})).tolist() == [[0.0, 0.0, 1.0, 0.0]]  # [UNK], c, b, a


def test_no_adapt_needed_without_adaptable_preprocessors():
    space = FeatureSpace({"h": FeatureSpace.string_hashed(num_bins=3), "x": "float"}, output_mode="dict")
    out = _numpy(space({"h": ["A", "B"], "x": [1.5, 2.5]}))
    # Keras's Hashing docstring: "A" -> bin 1, "B" -> bin 0 with 3 bins (FarmHash Fingerprint64)
    np.testing.assert_array_equal(out["h"], [[0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(out["x"], [[1.5], [2.5]])


def test_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"unknown features \['zz'\]"):
        FeatureSpace({"a": "float", "b": "float"}, crosses=[("a", "zz")])
    with pytest.raises(ValueError, match="output_mode.*'dict', 'concat'.*Received: output_mode='stack'"):
        FeatureSpace({"a": "float"}, output_mode="stack")
    with pytest.raises(ValueError, match="output_mode.*'int', 'one_hot', 'float'"):
        FeatureSpace.integer_categorical(output_mode="multi_hot")
    with pytest.raises(ValueError, match="output_mode.*'int', 'one_hot'"):
        FeatureSpace.cross(("a", "b"), 8, output_mode="float")
    with pytest.raises(ValueError, match="invalid feature type for 'a': 'floaty'"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="non-empty dict"):
        FeatureSpace({})
    space = FeatureSpace({"a": "float_normalized", "b": "string_categorical"})
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)`"):
        space({"a": [1.0], "b": ["x"]})
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)`"):
        space.get_encoded_features()
    space.adapt({"a": [1.0, 2.0], "b": ["x", "y"]})
    with pytest.raises(ValueError, match=r"no column for features \['b'\]"):
        space({"a": [1.0]})
    with pytest.raises(ValueError, match="can only be called with a dict"):
        space([1.0])
    with pytest.raises(ValueError, match="adapt.*can only be called on a dict"):
        FeatureSpace({"a": "float_normalized"}).adapt(np.ones(3))
    with pytest.raises(ValueError, match=r"columns \['a'\] hold a single value"):
        FeatureSpace({"a": "float_normalized"}).adapt({"a": 1.0})
    with pytest.raises(ValueError, match="different lengths"):
        FeatureSpace({"a": "float_normalized", "b": "float_normalized"}).adapt({"a": [1.0, 2.0], "b": [1.0]})
    with pytest.raises(ValueError, match="cannot concatenate.*'b'.*output_mode='dict'"):
        FeatureSpace({"b": FeatureSpace.string_hashed(4, output_mode="int")})({"b": ["x"]})
    one_hot_float = FeatureSpace.feature("float32", kerafront.layers.Rescaling(2.0), "one_hot")
    with pytest.raises(ValueError, match="'x' has `output_mode='one_hot'`"):
        FeatureSpace({"x": one_hot_float})({"x": [1.0]})
    with pytest.raises(ValueError, match=r"features \['b'\] hold strings"):
        space.get_inputs()


def test_get_config_round_trip_matches_keras_keys():
    keras = _keras()
    data = _data(seed=5)
    theirs = keras.utils.FeatureSpace(_features(keras.utils.FeatureSpace), crosses=_crosses(keras.utils.FeatureSpace))
    ours = FeatureSpace(_features(FeatureSpace), crosses=_crosses(FeatureSpace))
    theirs.adapt(data)
    ours.adapt(data)
    config, keras_config = ours.get_config(), theirs.get_config()
    assert list(config) == list(keras_config)
    for name, feature in config["features"].items():
        keras_feature = keras_config["features"][name]
        assert feature["class_name"] == keras_feature["class_name"] == "Feature"
        assert list(feature["config"]) == list(keras_feature["config"])
        assert feature["config"]["preprocessor"]["class_name"] == keras_feature["config"]["preprocessor"]["class_name"]
    assert [c["config"] for c in config["crosses"]] == [c["config"] for c in keras_config["crosses"]]
    restored = FeatureSpace.from_config(json.loads(json.dumps(config)))
    restored.build_from_config(json.loads(json.dumps(ours.get_build_config())))
    restored.set_weights(ours.get_weights())  # the Normalization statistics; lookups and boundaries are in the config
    batch = {k: v[:10] for k, v in data.items()}
    np.testing.assert_array_equal(_numpy(restored(batch)), _numpy(ours(batch)))
    assert json.loads(json.dumps(restored.get_config())) == json.loads(json.dumps(config))


def test_save_and_load_model_round_trip(tmp_path):
    data = _data(n=60, seed=8)
    space = FeatureSpace(_features(FeatureSpace), crosses=_crosses(FeatureSpace))
    space.adapt(data)
    path = tmp_path / "featurespace.kf"
    space.save(path)
    restored = kerafront.models.load_model(path)
    assert isinstance(restored, FeatureSpace)
    batch = {k: v[:12] for k, v in data.items()}
    np.testing.assert_array_equal(_numpy(restored(batch)), _numpy(space(batch)))
    x = data["f"].astype("float64")
    np.testing.assert_allclose(ops.convert_to_numpy(restored.preprocessors["f"].adapt_mean), [x.mean()], rtol=1e-5)
    with pytest.raises(ValueError, match="kerafront's own format"):
        space.save(tmp_path / "featurespace.keras")


def test_functional_model_on_get_inputs_runs_the_pipeline():
    data = _data(n=40, seed=6)
    space = FeatureSpace({"f": "float_normalized", "i": "integer_categorical", "d": "float_discretized"},
                         crosses=[("i", "d")])
    space.adapt(data)
    dense = kerafront.layers.Dense(1)
    inputs = space.get_inputs()
    assert sorted(inputs) == ["d", "f", "i"] and tuple(inputs["f"].shape) == (None, 1)
    encoded = space.get_encoded_features()
    assert tuple(encoded.shape) == (None, 1 + 7 + 32 + 32)
    model = kerafront.Model(inputs, dense(encoded))
    columns = {k: data[k][:, None] for k in ("d", "f", "i")}
    kernel, bias = dense.get_weights()
    expected = _numpy(space({k: data[k] for k in ("d", "f", "i")})) @ kernel + bias
    np.testing.assert_allclose(model.predict(columns, verbose=0), expected, rtol=1e-5, atol=1e-6)


def _heart_like(n, seed):
    """A small synthetic stand-in for the keras.io heart-disease table: the label depends on thal, age and cp."""
    rng = np.random.default_rng(seed)
    data = {"sex": rng.integers(0, 2, n), "cp": rng.integers(0, 4, n), "thal": rng.choice(["normal", "fixed",
            "reversible"], n), "age": rng.uniform(30, 75, n).astype("float32"),
            "chol": rng.normal(240, 50, n).astype("float32"), "ca": rng.integers(0, 3, n)}
    logit = 1.5 * (data["thal"] == "reversible") + 0.08 * (data["age"] - 52) + 0.7 * (data["cp"] == 0) - 1.0
    return data, (logit > 0).astype("float32")[:, None]


@pytest.fixture(params=sorted(FRAMEWORKS))
def backend(request):
    pytest.importorskip(FRAMEWORKS[request.param])
    with kerafront.backend_scope(request.param):
        yield request.param


def test_structured_data_example_trains_on_every_backend(backend):
    """The keras.io "Structured data classification with FeatureSpace" flow on a synthetic table."""
    data, labels = _heart_like(256, seed=7)
    space = FeatureSpace(
        features={"sex": FeatureSpace.integer_categorical(num_oov_indices=0),
                  "cp": FeatureSpace.integer_categorical(num_oov_indices=0),
                  "ca": FeatureSpace.integer_categorical(num_oov_indices=0),
                  "thal": FeatureSpace.string_categorical(num_oov_indices=0),
                  "age": FeatureSpace.float_discretized(num_bins=30),
                  "chol": FeatureSpace.float_normalized()},
        crosses=[FeatureSpace.cross(feature_names=("sex", "age"), crossing_dim=64),
                 FeatureSpace.cross(feature_names=("thal", "ca"), crossing_dim=16)],
        output_mode="concat")
    space.adapt(_Batches(data, 32))
    encoded_features = space.get_encoded_features()
    width = 2 + 4 + 3 + 3 + 30 + 1 + 64 + 16
    assert tuple(encoded_features.shape) == (None, width)

    class Encoded(kerafront.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            rows = slice(index * 64, (index + 1) * 64)
            return space({k: v[rows] for k, v in data.items()}), labels[rows]

    hidden = kerafront.layers.Dense(32, activation="relu")(encoded_features)
    hidden = kerafront.layers.Dropout(0.5)(hidden)
    predictions = kerafront.layers.Dense(1, activation="sigmoid")(hidden)
    model = kerafront.Model(inputs=encoded_features, outputs=predictions)
    model.compile(optimizer=kerafront.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(Encoded(), epochs=12, verbose=0)
    assert history.history["loss"][-1] < 0.5 * history.history["loss"][0]

    encoded = _numpy(space(data))
    assert encoded.shape == (256, width)
    with kerafront.backend_scope("numpy"):
        reference = _numpy(space(data))
    np.testing.assert_allclose(encoded, reference, rtol=0, atol=1e-6)  # the same encoding on every backend
    hidden_layer, output_layer = model.layers[1], model.layers[3]
    kernel, bias = hidden_layer.get_weights()
    out_kernel, out_bias = output_layer.get_weights()
    expected = 1 / (1 + np.exp(-(np.maximum(encoded @ kernel + bias, 0) @ out_kernel + out_bias)))
    predicted = np.asarray(ops.convert_to_numpy(model.predict(encoded, verbose=0)))
    np.testing.assert_allclose(predicted, expected, rtol=1e-4, atol=1e-5)
    assert np.mean((predicted > 0.5) == (labels > 0.5)) > 0.85
    sample = {"sex": 1, "cp": 0, "thal": "reversible", "age": 70.0, "chol": 240.0, "ca": 1}
    row = _numpy(space(sample))
    np.testing.assert_array_equal(row, _numpy(space({k: [v] for k, v in sample.items()}))[0])
    thal = space.preprocessors["thal"].get_vocabulary()
    start = sum(space.preprocessors[k].vocabulary_size() for k in ("ca", "cp", "sex")) + 30 + 1
    np.testing.assert_array_equal(row[start:start + 3], [float(t == "reversible") for t in thal])


def test_hashing_ids_on_jax_without_x64_are_int32():
    """Hashing/HashedCrossing's default int64 ids on JAX without x64 mode come back as int32 (as the lookups');
    the bins are the ones Keras's docstrings print."""
    pytest.importorskip("jax")
    with kerafront.backend_scope("jax"):
        bins = kerafront.layers.Hashing(num_bins=3)([["A"], ["B"]])
        crossed = kerafront.layers.HashedCrossing(5)([np.array(["A", "B", "A", "B", "A"], dtype=object),
                                                      np.array([101, 101, 101, 102, 102])])
    assert ops.convert_to_numpy(bins).tolist() == [[1], [0]]
    assert ops.convert_to_numpy(crossed).tolist() == [1, 4, 1, 1, 3]
    assert str(ops.convert_to_numpy(crossed).dtype) in ("int32", "int64")


def test_keras_io_flow_with_tf_data_map():
    """adapt on ``ds.map(lambda x, _: x)``, encode with ``ds.map(lambda x, y: (space(x), y))``, fit on it."""
    tf = pytest.importorskip("tensorflow")
    data, labels = _heart_like(128, seed=9)
    space = FeatureSpace({"thal": "string_categorical", "cp": "integer_categorical", "age": "float_normalized",
                          "sex": FeatureSpace.integer_categorical(output_mode="int")},
                         crosses=[("thal", "cp")], output_mode="dict")
    train_ds = tf.data.Dataset.from_tensor_slices((data, labels)).batch(32)
    space.adapt(train_ds.map(lambda x, _: x))
    direct = FeatureSpace.from_config(space.get_config())
    direct.build_from_config(space.get_build_config())
    direct.set_weights(space.get_weights())
    first = next(iter(train_ds.map(lambda x, y: (space(x), y))))[0]
    expected = _numpy(direct({k: v[:32] for k, v in data.items()}))
    assert sorted(first) == sorted(expected) == ["age", "cp", "sex", "thal", "thal_X_cp"]
    for name, value in first.items():
        np.testing.assert_array_equal(value.numpy(), expected[name], err_msg=name)
    assert first["sex"].dtype == tf.int64 and tuple(first["thal_X_cp"].shape) == (32, 32)
    x = data["age"].astype("float64")
    np.testing.assert_allclose(first["age"].numpy()[:, 0], (x[:32] - x.mean()) / x.std(), rtol=1e-5, atol=1e-6)

    concat = FeatureSpace({"thal": "string_categorical", "cp": "integer_categorical", "age": "float_normalized"},
                          crosses=[("thal", "cp")])
    concat.adapt(train_ds.map(lambda x, _: x))
    preprocessed = train_ds.map(lambda x, y: (concat(x), y))
    assert preprocessed.element_spec[0].shape.as_list() == [None, 1 + 5 + 4 + 32]
    inputs = concat.get_encoded_features()
    model = kerafront.Model(inputs, kerafront.layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(optimizer=kerafront.optimizers.Adam(0.05), loss="binary_crossentropy")
    history = model.fit(preprocessed, epochs=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
