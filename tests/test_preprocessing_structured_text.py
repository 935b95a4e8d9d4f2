"""Structured-data and text preprocessing layers: hand-computed values, Keras 3 parity, saving, bad input.

Keras comparisons run Keras with its NumPy backend (its lookup, hashing and text layers also need
TensorFlow; those skip without it). The layer table rows (kerafront/layers/_cases/preprocessing.py)
cover the numeric layers on every backend; the string layers are saved here on NumPy and loaded on
every other installed backend.
"""

import json
import os
import zipfile

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.layers.preprocessing import _index_lookup
from kerafront.layers.preprocessing._string_hash import fingerprint64, siphash24

TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "a cat, a dog", "Dogs & cats"]
WORDS = [["a", "b", "b"], ["c", "c", "c"], ["d", "b", "a"]]


def np_(x):
    return ops.convert_to_numpy(x)


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "numpy")
    return pytest.importorskip("keras")


def _keras_with_tf():
    pytest.importorskip("tensorflow")
    return _keras()


# -- hand-computed --------------------------------------------------------------------------------

def test_normalization_adapt_batches_axis_and_invert():
    x = np.random.default_rng(0).normal(size=(6, 2, 3)).astype("float32")
    layer = L.Normalization(axis=-1)
    layer.adapt([x[:2], x[2:5], x[5:]])  # batches combine exactly
    np.testing.assert_allclose(np_(layer.adapt_mean), x.mean(axis=(0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(layer.adapt_variance), x.var(axis=(0, 1)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np_(layer(x)), (x - x.mean((0, 1))) / x.std((0, 1)), rtol=1e-4, atol=1e-5)
    assert [w.name for w in layer.weights] == ["mean", "variance", "count"]
    whole = L.Normalization(axis=None)
    whole.adapt(x)
    assert np_(whole.adapt_mean).shape == ()
    inverse = L.Normalization(axis=None, mean=2.0, variance=9.0, invert=True)
    np.testing.assert_allclose(np_(inverse(np.array([[0.0, 1.0]]))), [[2.0, 5.0]])
    listed = L.Normalization()
    listed.adapt([[1.0], [3.0]])  # a list of numbers is one array
    np.testing.assert_allclose([np_(listed.adapt_mean), np_(listed.adapt_variance)], [[2.0], [1.0]])


def test_discretization_category_encoding_and_hashing_by_hand():
    layer = L.Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    assert np_(layer(np.array([[-1.5, 1.0, 0.5, 3.0]]))).tolist() == [[0, 2, 1, 3]]
    adapted = L.Discretization(num_bins=4)
    adapted.adapt(np.arange(20.0))
    assert adapted.bin_boundaries == [4.0, 9.0, 14.0]  # quartile boundaries of 0..19 (Keras's rule)
    counts = L.CategoryEncoding(4, output_mode="count")
    out = counts(np.array([[0, 1, 1, 3]]), count_weights=np.array([[0.5, 1.0, 2.0, 1.0]]))
    np.testing.assert_allclose(np_(out), [[0.5, 3.0, 0.0, 1.0]])
    assert np_(L.CategoryEncoding(3, output_mode="one_hot")(np.array([[2], [0]]))).tolist() == [[0, 0, 1], [1, 0, 0]]
    # the values in Keras's Hashing docstring
    strings = [["A"], ["B"], ["C"], ["D"], ["E"]]
    assert np_(L.Hashing(num_bins=3)(strings)).tolist() == [[1], [0], [1], [1], [2]]
    assert np_(L.Hashing(num_bins=3, salt=133)(strings)).tolist() == [[0], [0], [2], [1], [0]]
    masked = L.Hashing(num_bins=3, mask_value="")(np.array([["A"], [""]]))
    assert np_(masked)[1, 0] == 0 and 1 <= np_(masked)[0, 0] <= 2


def test_string_lookup_adapt_order_and_output_modes():
    layer = L.StringLookup()
    layer.adapt(np.array(["a", "b", "b", "c", "c", "c", "d"]))
    assert layer.get_vocabulary() == ["[UNK]", "c", "b", "d", "a"]  # by count, ties by token descending
    assert layer.get_vocabulary(include_special_tokens=False) == ["c", "b", "d", "a"]
    assert layer.vocabulary_size() == 5
    assert np_(layer([["a", "zz", "c"]])).tolist() == [[4, 0, 1]]
    masked = L.StringLookup(vocabulary=["x", "y"], mask_token="", num_oov_indices=2)
    ids = np_(masked([["", "x", "y", "q"]]))[0]
    assert ids[:3].tolist() == [0, 3, 4] and ids[3] in (1, 2)
    multi = L.StringLookup(vocabulary=["x", "y"], output_mode="multi_hot")
    assert np_(multi([["x", "x", "q"], ["y", "y", "y"]])).tolist() == [[1, 1, 0], [0, 0, 1]]
    count = L.StringLookup(vocabulary=["x", "y"], output_mode="count")
    assert np_(count([["x", "x", "q"]])).tolist() == [[1, 2, 0]]
    tfidf = L.StringLookup(output_mode="tf_idf")
    tfidf.adapt(WORDS)
    idf = {t: np.log(1 + 3 / (1 + n)) for t, n in {"b": 2, "c": 1, "a": 2, "d": 1}.items()}
    assert tfidf.get_vocabulary() == ["[UNK]", "c", "b", "a", "d"]  # counts c 3, b 3, a 2, d 1
    expected = [np.mean(list(idf.values())), 0.0, 2 * idf["b"], idf["a"], 0.0]
    np.testing.assert_allclose(np_(tfidf([["a", "b", "b", "zz"]]))[0], expected, rtol=1e-6)
    inverse = L.StringLookup(vocabulary=["x", "y"], invert=True)
    assert inverse(np.array([[1, 2, 0]])).tolist() == [["x", "y", "[UNK]"]]
    layer.set_vocabulary(["p", "q"])
    assert np_(layer(["q"])).tolist() == [2]


def test_integer_lookup_oov_buckets_and_invert():
    layer = L.IntegerLookup(vocabulary=[12, 36, 1138], num_oov_indices=2)
    assert np_(layer(np.array([[12, 5, 36, 8]]))).tolist() == [[2, 1, 3, 0]]  # OOV: value mod 2
    adapted = L.IntegerLookup()
    adapted.adapt(np.array([5, 7, 7, -1, 9, 9]))
    assert adapted.get_vocabulary() == [-1, 9, 7, 5]  # the OOV token -1 is not counted
    inverse = L.IntegerLookup(vocabulary=[12, 36], invert=True)
    assert np_(inverse(np.array([1, 2, 0]))).tolist() == [12, 36, -1]


def test_text_vectorization_standardize_split_ngrams_and_lengths():
    layer = L.TextVectorization(output_sequence_length=5)
    layer.adapt(TEXTS)
    vocabulary = layer.get_vocabulary()
    assert vocabulary[:4] == ["", "[UNK]", "the", "dog"]  # the: 3, then ties by token descending: dog, cat, a
    out = np_(layer(["The DOG, the end."]))
    assert out.tolist() == [[2, 3, 2, 1, 0]]
    chars = L.TextVectorization(split="character", standardize="lower", vocabulary=["a", "b"])
    assert np_(chars(["AbC"])).tolist() == [[2, 3, 1]]
    grams = L.TextVectorization(ngrams=2, standardize=None, vocabulary=["x", "x y"], output_mode="count")
    np.testing.assert_allclose(np_(grams(["x y x"])), [[2, 2, 1]])  # OOV: "y", "y x"
    whole = L.TextVectorization(split=None, vocabulary=["hello world"])
    assert np_(whole(np.array([["Hello, world!"], ["nope"]]))).tolist() == [[2], [1]]
    custom = L.TextVectorization(standardize=lambda t: np.char.upper(t.astype(str)), split=lambda t: [s.split("-")
                                                                                                        for s in t],
                                 vocabulary=["A", "B"])
    assert np_(custom(["a-b-c"])).tolist() == [[2, 3, 1]]


# -- Keras 3 itself ---------------------------------------------------------------------------------

def test_normalization_and_discretization_adapt_equal_keras():
    keras = _keras()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(30, 4)).astype("float32") * 3 + 1
    for make_args, data in (({}, x), ({"axis": None}, [x[:7], x[7:20], x[20:]]), ({"axis": (0, 1)}, x)):
        ours, theirs = L.Normalization(**make_args), keras.layers.Normalization(**make_args)
        ours.adapt(data)
        theirs.adapt(data)
        np.testing.assert_allclose(np_(ours(x)), np.asarray(theirs(x)), rtol=1e-4, atol=1e-5)
    values = rng.exponential(size=(500,)).astype("float32")
    for num_bins, epsilon, data in ((4, 0.01, values), (7, 0.05, [values[:150], values[150:]]), (3, 0.01, values[:40])):
        ours = L.Discretization(num_bins=num_bins, epsilon=epsilon)
        theirs = keras.layers.Discretization(num_bins=num_bins, epsilon=epsilon)
        ours.adapt(data)
        theirs.adapt(data)
        np.testing.assert_allclose(ours.bin_boundaries, theirs.bin_boundaries, rtol=1e-6)
        np.testing.assert_array_equal(np_(ours(values)), np.asarray(theirs(values)))


@pytest.mark.parametrize("kwargs", [{}, {"max_tokens": 4}, {"mask_token": "b", "num_oov_indices": 2},
                                    {"output_mode": "tf_idf"}, {"output_mode": "count", "pad_to_max_tokens": True,
                                                                "max_tokens": 8}],
                         ids=["int", "max_tokens", "mask_oov2", "tf_idf", "count_padded"])
def test_string_lookup_adapt_and_outputs_equal_keras(kwargs):
    keras = _keras_with_tf()
    data = [["b", "a", "c", "c"], ["e", "d", "b", "a"], ["b", "f", "g", "c"]]
    ours, theirs = L.StringLookup(**kwargs), keras.layers.StringLookup(**kwargs)
    ours.adapt(data)
    theirs.adapt(data)
    assert ours.get_vocabulary() == [str(t) for t in theirs.get_vocabulary()]
    query = [["a", "zz", "b", "g"], ["q", "c", "b", "b"]]
    np.testing.assert_allclose(np_(ours(query)), np.asarray(theirs(query)), rtol=1e-6)


def test_integer_lookup_and_hashing_equal_keras():
    keras = _keras_with_tf()
    data = np.array([[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]])
    for kwargs in ({}, {"num_oov_indices": 3, "mask_token": 0}, {"num_oov_indices": 2, "oov_method": "farmhash"},
                   {"output_mode": "multi_hot"}):
        ours, theirs = L.IntegerLookup(**kwargs), keras.layers.IntegerLookup(**kwargs)
        ours.adapt(data)
        theirs.adapt(data)
        assert ours.get_vocabulary() == [int(t) for t in theirs.get_vocabulary()]
        query = np.array([[3, 0, 77, 5], [-4, 1, 1, 10]])
        np.testing.assert_array_equal(np_(ours(query)), np.asarray(theirs(query)))
    words = np.array([["alpha", "beta"], ["gamma", ""], ["x" * 70, "ünïcode"]])
    for kwargs in ({"num_bins": 11}, {"num_bins": 5, "salt": [7, 99]}, {"num_bins": 4, "mask_value": ""},
                   {"num_bins": 6, "output_mode": "count"}):
        np.testing.assert_array_equal(np_(L.Hashing(**kwargs)(words)), np.asarray(keras.layers.Hashing(**kwargs)(words.tolist())))
    numbers = np.array([[0, 17, -3], [123456789, 5, 5]])
    np.testing.assert_array_equal(np_(L.Hashing(13)(numbers)), np.asarray(keras.layers.Hashing(13)(numbers)))


def test_hashes_equal_tensorflow():
    tf = pytest.importorskip("tensorflow")
    strings = [""] + ["".join(chr(97 + (i * 7 + n) % 26) for i in range(n)) for n in range(1, 200, 3)] + ["héllo"]
    buckets = 2 ** 62 + 17
    fast = tf.strings.to_hash_bucket_fast(strings, buckets).numpy()
    strong = tf.strings.to_hash_bucket_strong(strings, buckets, key=[11, 2 ** 40 + 3]).numpy()
    assert [fingerprint64(s.encode()) % buckets for s in strings] == fast.tolist()
    assert [siphash24((11, 2 ** 40 + 3), s.encode()) % buckets for s in strings] == strong.tolist()


@pytest.mark.parametrize("kwargs", [{}, {"output_sequence_length": 6, "max_tokens": 7},
                                    {"ngrams": 2, "output_mode": "tf_idf"}, {"split": "character", "output_mode": "count"},
                                    {"standardize": "lower", "output_mode": "multi_hot", "ngrams": (1, 3)}],
                         ids=["int", "length_max_tokens", "bigram_tf_idf", "characters", "lower_ngrams"])
def test_text_vectorization_adapt_and_outputs_equal_keras(kwargs):
    keras = _keras_with_tf()
    ours, theirs = L.TextVectorization(**kwargs), keras.layers.TextVectorization(**kwargs)
    ours.adapt(TEXTS)
    theirs.adapt(TEXTS)
    assert ours.get_vocabulary() == [str(t) for t in theirs.get_vocabulary()]
    query = ["The cat ate the dog's homework.", "mat"]
    np.testing.assert_allclose(np_(ours(query)), np.asarray(theirs(query)), rtol=1e-6)


def test_adapt_on_a_tf_dataset():
    tf = pytest.importorskip("tensorflow")
    layer = L.StringLookup()
    layer.adapt(tf.data.Dataset.from_tensor_slices(np.array(["a", "b", "b", "c"])).batch(2))
    assert layer.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    norm = L.Normalization(axis=None)
    norm.adapt(tf.data.Dataset.from_tensor_slices(np.arange(10.0, dtype="float32")))
    np.testing.assert_allclose([np_(norm.adapt_mean), np_(norm.adapt_variance)], [4.5, 8.25], rtol=1e-6)


# -- saving -------------------------------------------------------------------------------------------

def _string_layers():
    text = L.TextVectorization(output_mode="tf_idf", ngrams=2)
    text.adapt(TEXTS)
    lookup = L.StringLookup(mask_token="", num_oov_indices=2)
    lookup.adapt(WORDS)
    return [(text, TEXTS), (lookup, [["a", "", "zz", "c"]]),
            (L.TextVectorization(output_sequence_length=4, vocabulary=["cat", "dog"]), TEXTS)]


def _installed_backends():
    names = []
    for name, module in (("torch", "torch"), ("jax", "jax"), ("tensorflow", "tensorflow")):
        try:
            __import__(module)
            names.append(name)
        except ImportError:
            pass
    return names


@pytest.mark.parametrize("index", range(3))
def test_string_layers_saved_on_numpy_load_on_every_backend(index, tmp_path):
    layer, inputs = _string_layers()[index]
    path = tmp_path / "text.kerafront"
    with kerafront.backend_scope("numpy"):
        expected = np_(layer(inputs))
        model = kerafront.Sequential([layer])
        model.build((None, 1) if isinstance(layer, L.StringLookup) else (None,))
        kerafront.saving.save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.safetensors"]
    for backend in ["numpy"] + _installed_backends():
        with kerafront.backend_scope(backend):
            loaded = kerafront.saving.load_model(path).layers[0]
            assert loaded.get_vocabulary() == layer.get_vocabulary()
            np.testing.assert_allclose(np_(loaded(inputs)), expected, rtol=1e-6, err_msg=backend)


def _tampered(tmp_path, change):
    """A saved IntegerLookup model whose config's vocabulary is replaced by ``change(vocabulary)``."""
    inputs = kerafront.Input(shape=(2,), dtype="int32")
    model = kerafront.Model(inputs, L.IntegerLookup(vocabulary=[3, 5, 7], output_mode="multi_hot")(inputs))
    good, bad = tmp_path / "good.kerafront", tmp_path / "bad.kerafront"
    kerafront.saving.save_model(model, good)
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "config.json":
                config = json.loads(data)
                text = json.dumps(config)
                data = text.replace('"vocabulary": [3, 5, 7]', f'"vocabulary": {json.dumps(change([3, 5, 7]))}').encode()
                assert data != text.encode()
            target.writestr(info, data)
    return bad


@pytest.mark.parametrize("change, message", [
    (lambda v: v + [v[0]], "repeats tokens"),
    (lambda v: v + ["x"], "must be an integer"),
    (lambda v: v + [1.5], "must be an integer"),
    (lambda v: list(range(20)), "over kerafront's limit"),
], ids=["duplicate", "string", "float", "oversized"])
def test_hostile_vocabulary_in_a_model_file_is_refused(change, message, tmp_path, monkeypatch):
    monkeypatch.setattr(_index_lookup, "MAX_VOCABULARY_SIZE", 10)  # the documented cap, made small to test it
    with pytest.raises(ValueError, match=message):
        kerafront.saving.load_model(_tampered(tmp_path, change))


def test_hostile_string_vocabularies_are_refused():
    with pytest.raises(ValueError, match="must be a string"):
        L.StringLookup(vocabulary=["a", 3])
    with pytest.raises(ValueError, match="mask_token"):
        L.StringLookup(vocabulary=["a", "m", "b"], mask_token="m")
    with pytest.raises(ValueError, match="repeats tokens"):
        L.TextVectorization(vocabulary=["a", "a"])
    with pytest.raises(ValueError, match="file path"):
        L.StringLookup(vocabulary="/etc/passwd")
    assert _index_lookup.MAX_VOCABULARY_SIZE == 2 ** 22


# -- bad input ----------------------------------------------------------------------------------------

def test_bad_arguments_name_the_layer_and_argument():
    with pytest.raises(ValueError, match=r"Discretization.*num_bins.*bin_boundaries"):
        L.Discretization(bin_boundaries=[0.0], num_bins=3)
    with pytest.raises(ValueError, match=r'StringLookup "string_lookup\w*": no vocabulary.*adapt'):
        L.StringLookup()(["a"])
    with pytest.raises(ValueError, match=r"IntegerLookup.*no vocabulary"):
        L.IntegerLookup()(np.array([1]))
    with pytest.raises(ValueError, match=r"TextVectorization.*no vocabulary"):
        L.TextVectorization()(["a b"])
    with pytest.raises(ValueError, match=r"Discretization.*no bin_boundaries"):
        L.Discretization(num_bins=3)(np.array([1.0]))
    for make in (lambda: L.StringLookup(output_mode="bogus"), lambda: L.CategoryEncoding(3, output_mode="int"),
                 lambda: L.Hashing(3, output_mode="bogus"), lambda: L.TextVectorization(output_mode="bogus"),
                 lambda: L.Discretization(bin_boundaries=[1.0], output_mode="bogus")):
        with pytest.raises(ValueError, match="output_mode"):
            make()
    with pytest.raises(ValueError, match=r"StringLookup.*num_oov_indices=0.*\['zz'\]"):
        L.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "zz"])
    with pytest.raises(ValueError, match=r"Normalization.*mean and variance"):
        L.Normalization(mean=1.0)
