"""Dtype policies and mixed precision (``kerafront.dtype_policies``, ``kerafront.mixed_precision``).

Checked against Keras 3 itself where it is installed (its JAX backend, chosen in the root conftest):
policy names, dtypes, reprs, configs and errors; the compute/variable/output dtypes of Dense, Conv2D,
BatchNormalization, LayerNormalization and Embedding under each policy, with identical weights giving
outputs within float16/bfloat16 rounding of Keras's; the LossScaleOptimizer that ``compile`` adds
under ``mixed_float16``. Then what Keras's numbers cannot show: weights read as the compute dtype
only inside ``call``, float32 weights after ``fit`` on every backend, policies kept by saving.
"""

import numpy as np
import pytest

import kerafront
from kerafront import dtype_policies, layers, mixed_precision, ops
from kerafront.registry import available_backends

BACKENDS = available_backends()
POLICIES = ["float32", "mixed_float16", "mixed_bfloat16"]
# The half of each mixed policy, and a tolerance of a few units in its last place (outputs of order 1-10).
HALF = {"mixed_float16": ("float16", 2e-2), "mixed_bfloat16": ("bfloat16", 1.5e-1), "float32": ("float32", 1e-5)}


@pytest.fixture(autouse=True)
def _global_policy_restored():
    yield
    kerafront.config.state.dtype_policy = None


def _keras():
    return pytest.importorskip("keras")


def _np(x):
    return np.asarray(ops.convert_to_numpy(x)).astype("float32")


# ------------------------------------------------------------------------------------------------
# The policy objects, against Keras


@pytest.mark.parametrize("name", ["float32", "float16", "bfloat16", "float64", "int32", "mixed_float16",
                                  "mixed_bfloat16"])
def test_policy_dtypes_repr_and_config_match_keras(name):
    keras = _keras()
    ours, theirs = dtype_policies.DTypePolicy(name), keras.dtype_policies.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == \
        (theirs.name, theirs.compute_dtype, theirs.variable_dtype, theirs.quantization_mode)
    assert repr(ours) == repr(theirs)
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert dtype_policies.serialize(kerafront.FloatDTypePolicy(name)) == \
        keras.dtype_policies.serialize(keras.FloatDTypePolicy(name))
    assert dtype_policies.deserialize(keras.dtype_policies.serialize(theirs)) == ours


def test_mixed_policies_by_hand():
    policy = mixed_precision.Policy("mixed_float16")
    assert (policy.compute_dtype, policy.variable_dtype) == ("float16", "float32")
    assert dtype_policies.get("mixed_bfloat16").compute_dtype == "bfloat16"
    assert dtype_policies.get(np.float16) == dtype_policies.DTypePolicy("float16")
    assert dtype_policies.DTypePolicy("float32") == kerafront.FloatDTypePolicy("float32")
    assert dtype_policies.DTypePolicy("float32") != dtype_policies.DTypePolicy("float16")
    assert dtype_policies.get({"class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}).name == \
        "mixed_float16"


@pytest.mark.parametrize("bad", [3, "foo", "mixed_int8"])
def test_get_errors_match_keras(bad):
    keras = _keras()
    with pytest.raises(ValueError) as theirs:
        keras.dtype_policies.get(bad)
    with pytest.raises(ValueError) as ours:
        dtype_policies.get(bad)
    assert str(ours.value) == str(theirs.value)


def test_policy_errors():
    with pytest.raises(TypeError, match="'name' must be a string"):
        dtype_policies.DTypePolicy(3)
    with pytest.raises(ValueError, match="quantized dtype policies .*not supported"):
        dtype_policies.get("int8_from_float32")
    with pytest.raises(ValueError, match="Expected the string name of a policy"):
        mixed_precision.set_global_policy(16)
    with pytest.raises(ValueError, match="unknown policy class"):
        dtype_policies.deserialize({"class_name": "Dense", "config": {}})
    with pytest.raises(ValueError, match="Cannot convert 'mixed_float61'"):
        kerafront.layers.Dense(2, dtype="mixed_float61")


def test_policy_map_lookups_and_config_match_keras():
    keras = _keras()
    maps = []
    for lib in (dtype_policies, keras.dtype_policies):
        policy_map = lib.DTypePolicyMap(default_policy="float32")
        policy_map["encoder/layer_0/dense"] = "bfloat16"
        policy_map["encoder/.*"] = "float16"
        policy_map["decoder"] = lib.DTypePolicy("mixed_bfloat16")
        maps.append(policy_map)
    ours, theirs = maps
    for path in ("encoder/layer_0/dense", "encoder/attention/query", "decoder", "decoder/attention", "other"):
        assert ours[path] == dtype_policies.get(theirs[path].name), path
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, len(ours), sorted(ours)) == \
        (theirs.name, theirs.compute_dtype, theirs.variable_dtype, len(theirs), sorted(theirs))
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert dtype_policies.deserialize(dtype_policies.serialize(ours)) == ours
    ours["encoder/attention/.*"] = "float16"
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        ours["encoder/attention/query"]
    with pytest.raises(ValueError, match="already exist"):
        ours["decoder"] = "float32"
    with pytest.raises(ValueError, match="cannot be a `DTypePolicyMap`"):
        dtype_policies.DTypePolicyMap(default_policy=ours)


def test_policy_map_without_default_follows_the_global_policy_and_saves_like_keras():
    keras = _keras()
    ours, theirs = dtype_policies.DTypePolicyMap(), keras.dtype_policies.DTypePolicyMap()
    ours["a/b"], theirs["a/b"] = "float16", "float16"
    assert dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    assert ours.name == "map_float32"
    mixed_precision.set_global_policy("mixed_bfloat16")
    assert (ours.name, ours.compute_dtype, ours["x"].name) == ("map_mixed_bfloat16", "bfloat16", "mixed_bfloat16")


# ------------------------------------------------------------------------------------------------
# The global policy and its spellings


def test_global_policy_spellings_and_new_layers():
    assert kerafront.config.dtype_policy() == dtype_policies.DTypePolicy("float32")
    before = layers.Dense(2)
    mixed_precision.set_global_policy("mixed_float16")
    for read in (mixed_precision.global_policy, mixed_precision.dtype_policy, kerafront.config.dtype_policy):
        assert read().name == "mixed_float16"
    after = layers.Dense(2)
    assert (after.dtype, after.compute_dtype, after.variable_dtype) == ("float32", "float16", "float32")
    assert before.dtype_policy.name == "float32"   # existing layers keep theirs
    assert layers.Dense(2, dtype="float32").compute_dtype == "float32"
    kerafront.config.set_dtype_policy(mixed_precision.DTypePolicy("mixed_bfloat16"))
    assert layers.Dense(2).compute_dtype == "bfloat16"
    mixed_precision.set_dtype_policy("float32")
    assert layers.Dense(2).compute_dtype == "float32"


def test_clear_session_resets_the_global_policy_as_keras_does():
    keras = _keras()
    for lib in (kerafront, keras):
        for clear in (lib.backend.clear_session, lib.utils.clear_session):
            lib.mixed_precision.set_global_policy("mixed_float16")
            clear()
            assert lib.mixed_precision.global_policy().name == "float32"


def test_unset_global_policy_follows_floatx():
    kerafront.config.set_floatx("float64")
    assert kerafront.config.dtype_policy().name == "float64"
    assert layers.Dense(2).dtype == "float64"


# ------------------------------------------------------------------------------------------------
# Layers under each policy, against Keras with the same weights


def _pair(lib, kind, policy):
    L = lib.layers
    return {"dense": lambda: (L.Dense(3, dtype=policy), (2, 4)),
            "conv": lambda: (L.Conv2D(2, 3, dtype=policy), (1, 5, 5, 2)),
            "bn": lambda: (L.BatchNormalization(dtype=policy), (4, 3)),
            "ln": lambda: (L.LayerNormalization(dtype=policy), (2, 5)),
            "emb": lambda: (L.Embedding(5, 3, dtype=policy), (2, 3))}[kind]()


def _backend_or_skip(backend, policy, kind):
    if backend not in BACKENDS:
        pytest.skip(f"{backend} is not installed")


@pytest.mark.parametrize("kind", ["dense", "conv", "bn", "ln", "emb"])
@pytest.mark.parametrize("policy", POLICIES)
@pytest.mark.parametrize("backend", ["numpy", "jax"])
def test_layer_dtypes_and_outputs_match_keras(backend, policy, kind):
    keras = _keras()
    _backend_or_skip(backend, policy, kind)
    rng = np.random.default_rng(3)
    with kerafront.backend_scope(backend):
        ours, shape = _pair(kerafront, kind, policy)
        theirs, _ = _pair(keras, kind, policy)
        ours.build(shape)
        theirs.build(shape)
        weights = [rng.normal(size=w.shape).astype("float32") for w in theirs.get_weights()]
        if kind == "bn":
            weights[3] = np.abs(weights[3]) + 0.5
        ours.set_weights(weights)
        theirs.set_weights(weights)
        x = rng.integers(0, 5, shape).astype("int32") if kind == "emb" else rng.normal(size=shape).astype("float32")
        for training in (False, True):
            y_ours, y_theirs = ours(x, training=training), theirs(x, training=training)
            assert ops.dtype(y_ours) == keras.backend.standardize_dtype(y_theirs.dtype) == HALF[policy][0]
            np.testing.assert_allclose(_np(y_ours), np.asarray(y_theirs).astype("float32"), atol=HALF[policy][1],
                                       rtol=HALF[policy][1])
        assert (ours.dtype, ours.compute_dtype, ours.variable_dtype) == \
            (theirs.dtype, theirs.compute_dtype, theirs.variable_dtype)
        assert [w.dtype for w in ours.weights] == [keras.backend.standardize_dtype(w.dtype) for w in theirs.weights]
        assert [w.path.split("/")[-1] for w in ours.weights] == [w.path.split("/")[-1] for w in theirs.weights]
        for a, b in zip(ours.get_weights(), theirs.get_weights()):   # BN's moving statistics, kept in float32
            np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-3)
        assert ours.get_config()["dtype"] == policy
        assert dtype_policies.get(ours.get_config()["dtype"]) == dtype_policies.get(theirs.get_config()["dtype"])


@pytest.mark.parametrize("name, kwargs", [("LSTM", {"units": 4}), ("GRU", {"units": 4, "return_sequences": True}),
                                          ("SimpleRNN", {"units": 4, "return_state": True})])
def test_recurrent_layers_under_mixed_float16_match_keras(name, kwargs):
    keras = _keras()
    x = np.random.default_rng(4).normal(size=(2, 5, 3)).astype("float32")
    ours = getattr(kerafront.layers, name)(dtype="mixed_float16", **kwargs)
    theirs = getattr(keras.layers, name)(dtype="mixed_float16", **kwargs)
    y_ours, y_theirs = ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    y_ours, y_theirs = tree_list(y_ours), tree_list(theirs(x))
    assert [ops.dtype(y) for y in y_ours] == [keras.backend.standardize_dtype(y.dtype) for y in y_theirs]
    assert {ops.dtype(y) for y in y_ours} == {"float16"} and {w.dtype for w in ours.weights} == {"float32"}
    for a, b in zip(y_ours, y_theirs):
        np.testing.assert_allclose(_np(a), np.asarray(b).astype("float32"), atol=5e-3, rtol=5e-3)


def test_multi_head_attention_passes_its_policy_to_its_projections():
    keras = _keras()
    q = np.random.default_rng(5).normal(size=(1, 3, 4)).astype("float32")
    ours = layers.MultiHeadAttention(2, 4, dtype="mixed_float16")
    theirs = keras.layers.MultiHeadAttention(2, 4, dtype="mixed_float16")
    y_ours, y_theirs = ours(q, q), theirs(q, q)
    theirs.set_weights(ours.get_weights())
    y_theirs = theirs(q, q)
    assert ops.dtype(y_ours) == keras.backend.standardize_dtype(y_theirs.dtype) == "float16"
    assert {w.dtype for w in ours.weights} == {"float32"}
    np.testing.assert_allclose(_np(y_ours), np.asarray(y_theirs).astype("float32"), atol=1e-2, rtol=1e-2)


def tree_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def test_symbolic_outputs_take_the_compute_dtype():
    inputs = kerafront.Input((4,))
    hidden = layers.Dense(3, dtype="mixed_float16")(inputs)
    normed = layers.LayerNormalization(dtype="mixed_bfloat16")(hidden)
    outputs = layers.Activation("softmax", dtype="float32")(normed)
    assert (inputs.dtype, hidden.dtype, normed.dtype, outputs.dtype) == ("float32", "float16", "bfloat16", "float32")
    model = kerafront.Model(inputs, outputs)
    assert ops.dtype(model(np.ones((2, 4), "float32"))) == "float32"


# ------------------------------------------------------------------------------------------------
# Autocasting inside call


class _Probe(layers.Layer):
    """Records the dtypes its weights read as inside ``call``; ``inner`` runs nested in it."""

    def __init__(self, inner=None, **kwargs):
        super().__init__(**kwargs)
        self.inner, self.seen = inner, {}

    def build(self, input_shape):
        self.w = self.add_weight((input_shape[-1],), initializer="ones", name="w")
        self.kept = self.add_weight((input_shape[-1],), initializer="ones", name="kept", autocast=False)
        self.count = self.add_weight((), initializer="zeros", dtype="int32", trainable=False, name="count")

    def call(self, inputs):
        self.seen = {"inputs": ops.dtype(inputs), "w": ops.dtype(self.w.value), "kept": ops.dtype(self.kept.value),
                     "count": ops.dtype(self.count.value)}
        self.count.assign_add(1)
        outputs = ops.multiply(inputs, self.w)
        return self.inner(outputs) if self.inner is not None else outputs


def test_weights_read_as_the_compute_dtype_only_inside_call():
    probe = _Probe(dtype="mixed_float16")
    outputs = probe(np.ones((2, 3), "float32"))
    assert probe.seen == {"inputs": "float16", "w": "float16", "kept": "float32", "count": "int32"}
    assert ops.dtype(outputs) == "float16"
    assert ops.dtype(probe.w.value) == "float32" and probe.w.dtype == "float32"
    assert int(_np(probe.count.value)) == 1   # assign_add inside the scope kept the variable's dtype
    np.testing.assert_array_equal(_np(outputs), np.ones((2, 3)))


def test_nested_layers_follow_keras_autocast_scopes():
    inner = _Probe(dtype="mixed_bfloat16")
    outer = _Probe(inner=inner, dtype="mixed_float16")
    outer(np.ones((1, 2), "float32"))
    assert (outer.seen["w"], inner.seen["inputs"], inner.seen["w"]) == ("float16", "bfloat16", "bfloat16")
    plain_inner = _Probe(dtype="float32", autocast=False)
    _Probe(inner=plain_inner, dtype="mixed_float16")(np.ones((1, 2), "float32"))
    assert plain_inner.seen["w"] == "float32" and plain_inner.seen["inputs"] == "float16"  # no cast, no scope
    float32_inner = _Probe(dtype="float32")
    _Probe(inner=float32_inner, dtype="mixed_float16")(np.ones((1, 2), "float32"))
    assert float32_inner.seen == {"inputs": "float32", "w": "float32", "kept": "float32", "count": "int32"}


def test_dtype_policy_setter_and_layer_autocast_flag():
    layer = layers.Dense(2)
    layer.dtype_policy = "mixed_bfloat16"
    assert (layer.compute_dtype, layer.variable_dtype, layer.input_dtype) == ("bfloat16", "float32", "bfloat16")
    assert layers.Dense(2, autocast=False).autocast is False
    uncast = layers.Dense(2, dtype="mixed_float16", autocast=False)
    assert ops.dtype(uncast(np.ones((1, 2), "float32"))) == "float32"   # inputs and weights left as they are


# ------------------------------------------------------------------------------------------------
# Training


def _classifier(lib, policy):
    lib.utils.set_random_seed(1)
    lib.mixed_precision.set_global_policy(policy)
    try:
        return lib.Sequential([lib.Input((4,)), lib.layers.Dense(8, activation="relu"),
                               lib.layers.BatchNormalization(), lib.layers.Dense(1),
                               lib.layers.Activation("sigmoid", dtype="float32")])
    finally:
        lib.mixed_precision.set_global_policy("float32")


_X = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
_Y = (_X @ np.array([[1.0], [-2.0], [0.5], [1.0]], "float32") > 0).astype("float32")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_fit_under_a_mixed_policy_keeps_float32_weights_and_the_loss_falls(backend, policy):
    with kerafront.backend_scope(backend):
        model = _classifier(kerafront, policy)
        model.compile(optimizer=kerafront.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
        history = model.fit(_X, _Y, batch_size=16, epochs=4, verbose=0, shuffle=False).history
        assert history["loss"][-1] < 0.5 * history["loss"][0], history["loss"]
        assert {v.dtype for v in model.trainable_variables + model.layers[1].non_trainable_variables} == {"float32"}
        assert model.layers[0].compute_dtype == policy.split("_")[1]
        assert ops.dtype(model.layers[0](_X[:2])) == policy.split("_")[1]
        assert ops.dtype(model.predict(_X[:2], verbose=0)) == "float32"
        assert isinstance(model.optimizer, kerafront.optimizers.LossScaleOptimizer) == (policy == "mixed_float16")


def test_compile_wraps_the_optimizer_as_keras_does():
    keras = _keras()
    for lib in (kerafront, keras):
        lib.mixed_precision.set_global_policy("mixed_float16")
        try:
            model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1)])
        finally:
            lib.mixed_precision.set_global_policy("float32")
        model.compile(optimizer="sgd", loss="mse")
        assert type(model.optimizer).__name__ == "LossScaleOptimizer"
        assert type(model.optimizer.inner_optimizer).__name__ == "SGD"
        model.compile(optimizer="sgd", loss="mse", auto_scale_loss=False)
        assert type(model.optimizer).__name__ == "SGD"
        assert type(lib.Sequential([lib.layers.Dense(1)]).dtype_policy).__name__ in ("DTypePolicy", "FloatDTypePolicy")


# ------------------------------------------------------------------------------------------------
# Configs and saving


def test_configs_carry_the_policy(tmp_path):
    model = kerafront.Sequential([kerafront.Input((3,)), layers.Dense(2, dtype="mixed_float16"),
                                  layers.Dense(1, dtype="float32")], name="m")
    dense = layers.Dense.from_config(model.layers[0].get_config())
    assert dense.dtype_policy == dtype_policies.DTypePolicy("mixed_float16")
    keras_form = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "mixed_bfloat16"},
                  "registered_name": None}
    assert layers.Dense(2, dtype=keras_form).compute_dtype == "bfloat16"
    policy_map = dtype_policies.DTypePolicyMap(default_policy="mixed_bfloat16")
    mapped = layers.Dense(2, dtype=policy_map)
    assert mapped.get_config()["dtype"] == dtype_policies.serialize(policy_map)
    assert layers.Dense.from_config(mapped.get_config()).compute_dtype == "bfloat16"
    path = tmp_path / "m.keras"
    model.predict(np.ones((1, 3), "float32"), verbose=0)
    model.save(path)
    loaded = kerafront.models.load_model(path)
    assert [layer.dtype_policy.name for layer in loaded.layers] == ["mixed_float16", "float32"]
    np.testing.assert_array_equal(loaded.layers[0].get_weights()[0], model.layers[0].get_weights()[0])
    assert loaded.layers[0].kernel.dtype == "float32"


def test_keras_form_config_carries_the_policy_as_keras_does():
    keras = _keras()
    from kerafront.saving import keras_config
    ours = kerafront.Sequential([kerafront.Input((3,)), layers.Dense(2, dtype="mixed_float16")])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, dtype="mixed_float16")])
    our_dense = keras_config.keras_config_from_model(ours)["config"]["layers"][-1]["config"]
    assert our_dense["dtype"] == theirs.layers[-1].get_config()["dtype"]
    back = kerafront.Sequential.from_config(theirs.get_config())
    assert back.layers[-1].dtype_policy.name == "mixed_float16"
