"""kerafront.datasets: each ``load_data`` downloads from a server on 127.0.0.1 (the origins are pointed at
it) and must return what Keras 3's own ``load_data`` returns for the same file; hostile files are refused."""

import gzip
import hashlib
import io
import os
import pickle
import tarfile
import zipfile

import numpy as np
import pytest

from kerafront import datasets
from kerafront.datasets import _origin


@pytest.fixture
def serve(file_server, monkeypatch, tmp_path):
    """``serve(name, {file name: bytes})``: put the files on the server and point data set ``name`` at them."""
    base, root, requests = file_server
    monkeypatch.setenv("KERAFRONT_HOME", str(tmp_path / "home"))

    def put(name, files, hashed=True):
        digest = None
        for file_name, content in files.items():
            (root / file_name).write_bytes(content)
            digest = hashlib.sha256(content).hexdigest() if hashed else None
        folder, default_name, _ = _origin.FILES[name]
        monkeypatch.setitem(_origin.FILES, name, (base + "/", default_name, digest))
        return {file_name: str(root / file_name) for file_name in files}
    put.requests = requests
    return put


def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _ragged(rng, n, vocab=30):
    out = np.empty(n, dtype=object)
    out[:] = [[int(w) for w in rng.integers(1, vocab, size=rng.integers(1, 12))] for _ in range(n)]
    return out


def _keras_module(name, monkeypatch, path):
    """Keras's data set module with its downloader replaced by the local file(s)."""
    pytest.importorskip("keras")
    import importlib
    module = importlib.import_module(f"keras.src.datasets.{name}")
    paths = path if isinstance(path, dict) else None
    monkeypatch.setattr(module, "get_file", lambda fname=None, *a, **k: paths[fname] if paths else path,
                        raising=True)
    return module


def _assert_same(ours, theirs):
    for (a, b), (c, d) in zip(ours, theirs):
        for got, want in ((a, c), (b, d)):
            assert len(got) == len(want) and got.dtype == want.dtype
            if got.dtype == object:
                # Keras's np.array(list of lists) turns 2-D when every kept sequence has the same length;
                # kerafront always returns a 1-D array of lists.
                assert got.ndim == 1
                assert [list(map(int, s)) for s in got] == [list(map(int, s)) for s in want]
            else:
                assert got.shape == want.shape
                np.testing.assert_array_equal(got, want)


def test_mnist_downloads_once_and_matches_the_file(serve):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), "y_train": np.arange(6, dtype=np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8), "y_test": np.array([3, 1], np.uint8)}
    serve("mnist", {"mnist.npz": _npz(**arrays)})
    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    for got, name in ((x_train, "x_train"), (y_train, "y_train"), (x_test, "x_test"), (y_test, "y_test")):
        np.testing.assert_array_equal(got, arrays[name])
    datasets.mnist.load_data()
    assert serve.requests == ["/mnist.npz"]   # the second call reads the cache


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 10, "skip_top": 2}, {"maxlen": 6, "start_char": None},
                                    {"oov_char": None, "num_words": 12, "index_from": 0}, {"seed": 7}])
def test_imdb_matches_keras(serve, monkeypatch, kwargs):
    rng = np.random.default_rng(1)
    content = _npz(x_train=_ragged(rng, 9), y_train=rng.integers(0, 2, 9), x_test=_ragged(rng, 7),
                   y_test=rng.integers(0, 2, 7))
    path = serve("imdb", {"imdb.npz": content})["imdb.npz"]
    ours = datasets.imdb.load_data(**kwargs)
    theirs = _keras_module("imdb", monkeypatch, path).load_data(**kwargs)
    _assert_same(ours, theirs)


@pytest.mark.parametrize("kwargs", [{}, {"num_words": 9, "test_split": 0.5}, {"maxlen": 8, "oov_char": None}])
def test_reuters_matches_keras(serve, monkeypatch, kwargs):
    rng = np.random.default_rng(2)
    path = serve("reuters", {"reuters.npz": _npz(x=_ragged(rng, 15), y=rng.integers(0, 46, 15))})["reuters.npz"]
    _assert_same(datasets.reuters.load_data(**kwargs),
                 _keras_module("reuters", monkeypatch, path).load_data(**kwargs))
    assert datasets.reuters.get_label_names()[3] == "earn" and len(datasets.reuters.get_label_names()) == 46


def test_word_index(serve):
    serve("imdb_word_index", {"imdb_word_index.json": b'{"the": 1, "and": 2}'})
    assert datasets.imdb.get_word_index() == {"the": 1, "and": 2}


@pytest.mark.parametrize("name,kwargs", [("boston_housing", {}), ("boston_housing", {"test_split": 0.3, "seed": 5}),
                                         ("california_housing", {"version": "small"}),
                                         ("california_housing", {"version": "large", "test_split": 0.0})])
def test_housing_matches_keras(serve, monkeypatch, name, kwargs):
    rng = np.random.default_rng(3)
    n = 700 if name == "california_housing" else 50
    path = serve(name, {f"{name}.npz": _npz(x=rng.normal(size=(n, 3)), y=rng.normal(size=n))})[f"{name}.npz"]
    ours = getattr(datasets, name).load_data(**kwargs)
    _assert_same(ours, _keras_module(name, monkeypatch, path).load_data(**kwargs))


def _cifar_tarball(folder, batches):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member, batch in batches.items():
            raw = pickle.dumps(batch, protocol=3)  # bytes as BINBYTES, as in the real (Python 2) files
            info = tarfile.TarInfo(f"{folder}/{member}")
            info.size = len(raw)
            archive.addfile(info, io.BytesIO(raw))
    return buffer.getvalue()


def _cifar_batch(rng, n, label_keys):
    batch = {b"batch_label": b"testing", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
             b"filenames": [b"a.png"] * n}
    batch.update({key.encode(): list(map(int, rng.integers(0, 10, n))) for key in label_keys})
    return batch


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_cifar10_stacks_the_five_batches(serve, data_format):
    # Keras's own loader assumes 10,000 images per batch (184 MB), so it is checked on cifar100 only;
    # here the expected arrays are built by hand from the batches.
    import kerafront
    rng = np.random.default_rng(4)
    batches = {f"data_batch_{i}": _cifar_batch(rng, 2, ["labels"]) for i in range(1, 6)}
    batches["test_batch"] = _cifar_batch(rng, 3, ["labels"])
    serve("cifar10", {"cifar-10-python.tar.gz": _cifar_tarball("cifar-10-batches-py", batches)})
    kerafront.config.set_image_data_format(data_format)
    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    images = np.concatenate([batches[f"data_batch_{i}"][b"data"] for i in range(1, 6)]).reshape(10, 3, 32, 32)
    labels = np.concatenate([batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)])
    order = (0, 2, 3, 1) if data_format == "channels_last" else (0, 1, 2, 3)
    np.testing.assert_array_equal(x_train, images.transpose(order))
    np.testing.assert_array_equal(x_test, batches["test_batch"][b"data"].reshape(3, 3, 32, 32).transpose(order))
    assert y_train.dtype == y_test.dtype == np.uint8 and y_train.shape == (10, 1) and y_test.shape == (3, 1)
    np.testing.assert_array_equal(y_train[:, 0], labels)


@pytest.mark.parametrize("label_mode", ["fine", "coarse"])
def test_cifar100_matches_keras(serve, monkeypatch, tmp_path, label_mode):
    rng = np.random.default_rng(5)
    batches = {"train": _cifar_batch(rng, 4, ["fine_labels", "coarse_labels"]),
               "test": _cifar_batch(rng, 2, ["fine_labels", "coarse_labels"])}
    serve("cifar100", {"cifar-100-python.tar.gz": _cifar_tarball("cifar-100-python", batches)})
    ours = datasets.cifar100.load_data(label_mode=label_mode)
    folder = os.path.join(str(tmp_path / "home"), "datasets", "cifar-100-python-target")
    _assert_same(ours, _keras_module("cifar100", monkeypatch, folder).load_data(label_mode=label_mode))
    with pytest.raises(ValueError, match="label_mode"):
        datasets.cifar100.load_data(label_mode="medium")


def _idx(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.tobytes())


def test_fashion_mnist_matches_keras(serve, monkeypatch):
    rng = np.random.default_rng(6)
    images = [rng.integers(0, 256, (n, 28, 28), dtype=np.uint8) for n in (5, 2)]
    labels = [rng.integers(0, 10, n).astype(np.uint8) for n in (5, 2)]
    files = {"train-labels-idx1-ubyte.gz": _idx(labels[0], 2049), "train-images-idx3-ubyte.gz": _idx(images[0], 2051),
             "t10k-labels-idx1-ubyte.gz": _idx(labels[1], 2049), "t10k-images-idx3-ubyte.gz": _idx(images[1], 2051)}
    paths = serve("fashion_mnist", files, hashed=False)
    ours = datasets.fashion_mnist.load_data()
    _assert_same(ours, _keras_module("fashion_mnist", monkeypatch, paths).load_data())


class _Exploit:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_a_pickle_that_runs_code_is_refused(serve):
    payload = np.empty(2, dtype=object)
    payload[:] = [[1, 2], _Exploit()]
    serve("imdb", {"imdb.npz": _npz(x_train=payload, y_train=np.zeros(2), x_test=payload, y_test=np.zeros(2))})
    with pytest.raises(ValueError, match=r"refusing to load (posix|os)\.system"):
        datasets.imdb.load_data()


def test_cifar_batch_that_runs_code_is_refused(serve):
    batches = {f"data_batch_{i}": {b"data": _Exploit(), b"labels": []} for i in range(1, 6)}
    batches["test_batch"] = batches["data_batch_1"]
    serve("cifar10", {"cifar-10-python.tar.gz": _cifar_tarball("cifar-10-batches-py", batches)})
    with pytest.raises(ValueError, match="refusing to load"):
        datasets.cifar10.load_data()


def test_zip_member_that_lies_about_its_size_is_refused(serve):
    raw = bytearray(_npz(x=np.zeros(4), y=np.zeros(4)))
    # Shrink the first member's declared size in its central directory record: inflation then overruns it.
    central = raw.rfind(b"PK\x01\x02", 0, raw.rfind(b"PK\x01\x02"))
    size_at = central + 24
    declared = int.from_bytes(raw[size_at:size_at + 4], "little")
    raw[size_at:size_at + 4] = (declared - 8).to_bytes(4, "little")
    serve("boston_housing", {"boston_housing.npz": bytes(raw)})
    with pytest.raises(ValueError, match="boston_housing.load_data"):
        datasets.boston_housing.load_data()


def test_missing_arrays_and_bad_arguments_are_named(serve):
    serve("mnist", {"mnist.npz": _npz(x_train=np.zeros((1, 28, 28), np.uint8))})
    with pytest.raises(ValueError, match=r"lacks the arrays \['y_train', 'x_test', 'y_test'\]"):
        datasets.mnist.load_data()
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)
    with pytest.raises(ValueError, match="version"):
        datasets.california_housing.load_data(version="medium")


def test_a_corrupted_download_is_refused_by_its_hash(serve, monkeypatch):
    serve("mnist", {"mnist.npz": _npz(x_train=np.zeros(1))})
    folder, name, _ = _origin.FILES["mnist"]
    monkeypatch.setitem(_origin.FILES, "mnist", (folder, name, "0" * 64))
    with pytest.raises(ValueError, match="hash"):
        datasets.mnist.load_data()
