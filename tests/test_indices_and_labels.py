"""Out-of-range indices and class ids raise on every backend (issue 20, items 6 and 8).

``take``/``take_along_axis`` raise ``IndexError`` with one message (``spec_rules.index_error``);
``Embedding``, the sparse crossentropy and the sparse accuracy metrics raise ``ValueError`` naming
themselves for ids outside ``[0, n)`` (-1 included); a functional config with a dangling node
reference raises ``ValueError`` naming the node and the reference. Values are checked against NumPy.
"""

import copy

import numpy as np
import pytest

import kerafront
from kerafront import layers, losses, metrics, ops

FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


@pytest.fixture(params=sorted(FRAMEWORKS))
def backend(request):
    pytest.importorskip(FRAMEWORKS[request.param])
    with kerafront.backend_scope(request.param):
        yield request.param


def _numpy(x):
    return np.asarray(ops.convert_to_numpy(x))


def _tensor(values, dtype):
    return ops.convert_to_tensor(np.array(values, dtype))


X = np.arange(6, dtype="float32").reshape(2, 3)


# ---- take / take_along_axis ---------------------------------------------------------------------

@pytest.mark.parametrize("indices, low, high", [([[3], [0]], 0, 3), ([[-4], [1]], -4, 1)])
def test_take_along_axis_out_of_range_raises_index_error(backend, indices, low, high):
    """torch's take_along_dim wraps such indices silently; every backend must raise instead."""
    with pytest.raises(IndexError) as info:
        ops.take_along_axis(_tensor(X, "float32"), _tensor(indices, "int32"), axis=1)
    assert str(info.value) == (f"take_along_axis: index out of range for axis 1 of size 3 (x has shape (2, 3)): "
                               f"indices must be in [-3, 3), got indices from {low} to {high}.")


@pytest.mark.parametrize("indices", [np.array([0, 2], "int32"), np.array([-2, 2], "int32")])
def test_take_out_of_range_from_host_indices(backend, indices):
    """NumPy indices are checked on the host before any transfer; the message is the device one's."""
    with pytest.raises(IndexError, match=r"take: index out of range for axis 0 of size 2 \(x has shape \(2, 3\)\)"):
        ops.take(_tensor(X, "float32"), indices, axis=0)


def test_negative_indices_in_range_count_from_the_end(backend):
    got = ops.take_along_axis(_tensor(X, "float32"), _tensor([[-1], [-3]], "int32"), axis=1)
    np.testing.assert_array_equal(_numpy(got), np.array([[2.0], [3.0]], "float32"))
    got = ops.take(_tensor(X, "float32"), _tensor([-1, 0], "int32"), axis=1)
    np.testing.assert_array_equal(_numpy(got), X[:, [2, 0]])


def test_jitted_jax_gather_fills_out_of_range_with_nan():
    """spec take: inside jax.jit the values are unknown, so out-of-range positions are filled (NaN)."""
    jax = pytest.importorskip("jax")
    with kerafront.backend_scope("jax"):
        x = _tensor(X, "float32")
        taken = jax.jit(lambda i: ops.take(x, i, axis=1))(_tensor([0, 3], "int32"))
        along = jax.jit(lambda i: ops.take_along_axis(x, i, axis=1))(_tensor([[5], [-1]], "int32"))
    np.testing.assert_array_equal(_numpy(taken), np.array([[0.0, np.nan], [3.0, np.nan]], "float32"))
    np.testing.assert_array_equal(_numpy(along), np.array([[np.nan], [5.0]], "float32"))


# ---- Embedding -------------------------------------------------------------------------------------

@pytest.mark.parametrize("ids, low, high", [([[0, -1]], -1, 0), ([[4, 1]], 1, 4)])
def test_embedding_rejects_ids_outside_input_dim(backend, ids, low, high):
    embedding = layers.Embedding(4, 2, name="words")
    with pytest.raises(ValueError) as info:
        embedding(np.array(ids, "int32"))
    assert f'Embedding layer "words": ids must be in [0, 4) (input_dim=4), got ids from {low} to {high}.' \
        in str(info.value)
    with pytest.raises(ValueError, match='Embedding layer "words"'):
        embedding(_tensor(ids, "int32"))


def test_embedding_in_range_ids_gather_rows(backend):
    embedding = layers.Embedding(4, 2)
    got = embedding(np.array([[3, 0], [1, 1]], "int32"))
    table = _numpy(embedding.embeddings.value)
    np.testing.assert_array_equal(_numpy(got), table[np.array([[3, 0], [1, 1]])])


# ---- sparse losses and metrics called directly -------------------------------------------------------

PROBS = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], "float32")


@pytest.mark.parametrize("labels, low, high", [([-1, 2], -1, 2), ([0, 3], 0, 3)])
def test_sparse_crossentropy_rejects_bad_ids(backend, labels, low, high):
    loss = losses.SparseCategoricalCrossentropy()
    with pytest.raises(ValueError) as info:
        loss(_tensor(labels, "int32"), _tensor(PROBS, "float32"))
    message = str(info.value)
    assert message.startswith("sparse_categorical_crossentropy: class ids must be in [0, 3)"), message
    assert f"values from {low} to {high}" in message
    assert ("ignore_class=-1" in message) == (low < 0)
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy: class ids must be in"):
        losses.SparseCategoricalCrossentropy(from_logits=True)(_tensor(labels, "int32"), _tensor(PROBS, "float32"))


def test_sparse_crossentropy_values_and_ignore_class(backend):
    loss = losses.SparseCategoricalCrossentropy()
    got = float(_numpy(loss(_tensor([0, 2], "int32"), _tensor(PROBS, "float32"))))
    np.testing.assert_allclose(got, -(np.log(0.7) + np.log(0.6)) / 2, rtol=1e-5)
    ignoring = losses.SparseCategoricalCrossentropy(ignore_class=-1)
    got = float(_numpy(ignoring(_tensor([-1, 2], "int32"), _tensor(PROBS, "float32"))))
    np.testing.assert_allclose(got, -np.log(0.6), rtol=1e-5)


@pytest.mark.parametrize("metric_class, name", [(metrics.SparseCategoricalAccuracy, "sparse_categorical_accuracy"),
                                                (metrics.SparseTopKCategoricalAccuracy,
                                                 "sparse_top_k_categorical_accuracy")])
@pytest.mark.parametrize("labels, low, high", [([-1, 2], -1, 2), ([3, 2], 2, 3)])
def test_sparse_accuracy_rejects_bad_ids(backend, metric_class, name, labels, low, high):
    metric = metric_class()
    with pytest.raises(ValueError) as info:
        metric.update_state(_tensor(labels, "int32"), _tensor(PROBS, "float32"))
    assert str(info.value).startswith(f"{name}: class ids must be in [0, 3) for y_pred with 3 classes, but y_true "
                                      f"holds values from {low} to {high}."), str(info.value)


def test_sparse_accuracy_values(backend):
    metric = metrics.SparseCategoricalAccuracy()
    metric.update_state(_tensor([[0], [1]], "int32"), _tensor(PROBS, "float32"))
    assert float(_numpy(metric.result())) == 0.5  # argmax rows: 0, 2
    top2 = metrics.SparseTopKCategoricalAccuracy(k=2)
    top2.update_state(_tensor([2, 1], "int32"), _tensor(PROBS, "float32"))
    assert float(_numpy(top2.result())) == 0.5  # row 0's top two are 0, 1; row 1's are 2, 1


# ---- functional configs with bad node references ----------------------------------------------------

def _config():
    inputs = kerafront.Input((3,), name="x")
    hidden = layers.Dense(4, name="d1")(inputs)
    return kerafront.Model(inputs, layers.Dense(2, name="d2")(hidden), name="m").get_config()


def _d2_reference(config):
    return config["layers"][2]["inbound_nodes"][0]["args"][0]["__keras_tensor__"]


@pytest.mark.parametrize("where, change, expected", [
    ("d2", lambda c: _d2_reference(c).__setitem__(0, "nope"),
     "inbound node 0 of layer 'd2' reads from layer 'nope', which is not in the config's layers"),
    ("d2", lambda c: _d2_reference(c).__setitem__(1, 3),
     "inbound node 0 of layer 'd2' reads node 3 of layer 'd1', which has 1 node(s) (reference ['d1', 3, 0])"),
    ("d2", lambda c: _d2_reference(c).__setitem__(2, 5),
     "inbound node 0 of layer 'd2' reads output 5 of layer 'd1', whose node 0 has 1 output(s)"),
    ("d2", lambda c: _d2_reference(c).__setitem__(1, -1),
     "inbound node 0 of layer 'd2' holds a malformed tensor reference ['d1', -1, 0]"),
    ("d2", lambda c: _d2_reference(c).__setitem__(1, "0"),
     "inbound node 0 of layer 'd2' holds a malformed tensor reference ['d1', '0', 0]"),
    ("d2", lambda c: c["layers"][2].__setitem__("inbound_nodes", [5]), "layer 'd2' has malformed inbound_nodes [5]"),
    ("output_layers", lambda c: c.__setitem__("output_layers", [["d2", 4, 0]]),
     "output_layers reads node 4 of layer 'd2', which has 1 node(s)"),
    ("input_layers", lambda c: c.__setitem__("input_layers", [["x", 0, 3]]),
     "input_layers reads output 3 of layer 'x'"),
    ("cycle", lambda c: c["layers"][1]["inbound_nodes"][0]["args"][0]["__keras_tensor__"].__setitem__(0, "d2"),
     "form a cycle ('d1' reads ['d2', 0, 0], 'd2' reads ['d1', 0, 0])"),
])
def test_bad_node_reference_names_the_node_and_reference(where, change, expected):
    config = copy.deepcopy(_config())
    change(config)
    with pytest.raises(ValueError) as info:
        kerafront.saving.deserialize({"class_name": "Functional", "config": config})
    message = str(info.value)
    assert message.startswith("Functional.from_config: "), message
    assert expected in message
    assert "do not match" not in message


def test_valid_config_round_trips():
    config = _config()
    model = kerafront.saving.deserialize({"class_name": "Functional", "config": copy.deepcopy(config)})
    assert [layer.name for layer in model.layers] == ["x", "d1", "d2"]
    assert model.get_config() == config
