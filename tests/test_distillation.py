"""``kerafront.distillation`` against NumPy hand computations and Keras 3's ``keras.distillation``.

Loss values (logits and feature distillation, nested and ``None`` losses), a ``Distiller`` trained by
``fit`` on every backend (logged losses, student weights after SGD, frozen teacher), validation
errors, configs and saving.
"""

import numpy as np
import pytest

import kerafront
from kerafront.distillation import DistillationLoss, Distiller, FeatureDistillation, LogitsDistillation

FRAMEWORKS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}
RNG = np.random.default_rng(3)
TEACHER = (RNG.normal(size=(6, 5)) * 2).astype("float32")
STUDENT = (RNG.normal(size=(6, 5)) * 2).astype("float32")
EPS = 1e-7


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _kl(p, q):
    p, q = np.clip(p, EPS, 1.0), np.clip(q, EPS, 1.0)
    return np.sum(p * np.log(p / q), axis=-1)


def _value(loss, teacher, student):
    return float(kerafront.ops.convert_to_numpy(loss.compute_loss(teacher, student)))


# ---------------------------------------------------------------------------------------------
# Loss values

def test_logits_distillation_kl_instance_softmaxes_and_scales_by_t_squared():
    loss = LogitsDistillation(temperature=2.0, loss=kerafront.losses.KLDivergence())
    expected = np.mean(_kl(_softmax(TEACHER / 2.0), _softmax(STUDENT / 2.0))) * 4.0
    np.testing.assert_allclose(_value(loss, TEACHER, STUDENT), expected, rtol=1e-5)


def test_logits_distillation_default_applies_the_kl_function_to_scaled_logits():
    # Keras's trap: the string "kl_divergence" names the function, which gets the scaled logits
    # themselves (clipped to [eps, 1]), without softmax and without temperature**2.
    loss = LogitsDistillation()
    assert loss.temperature == 3.0
    expected = np.mean(_kl(TEACHER / 3.0, STUDENT / 3.0))
    np.testing.assert_allclose(_value(loss, TEACHER, STUDENT), expected, rtol=1e-5)


def test_nested_losses_skip_none_and_sum_the_rest():
    logits = LogitsDistillation(temperature=4.0, loss=["categorical_crossentropy", None])
    teacher_probs, student_probs = _softmax(TEACHER), _softmax(STUDENT)
    t, s = teacher_probs / 4.0, student_probs / 4.0
    s_norm = np.clip(s / s.sum(-1, keepdims=True), EPS, 1 - EPS)
    expected = np.mean(-np.sum(t * np.log(s_norm), axis=-1))
    np.testing.assert_allclose(_value(logits, [teacher_probs, TEACHER], [student_probs, STUDENT]), expected,
                               rtol=1e-5)
    features = FeatureDistillation(loss=["mae", None, "mse"])
    expected = np.mean(np.abs(TEACHER - STUDENT)) + np.mean((TEACHER[:2] - STUDENT[:2]) ** 2)
    value = _value(features, [TEACHER, STUDENT, TEACHER[:2]], [STUDENT, TEACHER, STUDENT[:2]])
    np.testing.assert_allclose(value, expected, rtol=1e-5)


def test_feature_distillation_mse_and_cosine():
    np.testing.assert_allclose(_value(FeatureDistillation(), TEACHER, STUDENT), np.mean((TEACHER - STUDENT) ** 2),
                               rtol=1e-5)
    unit = lambda a: a / np.linalg.norm(a, axis=-1, keepdims=True)  # noqa: E731
    expected = np.mean(-np.sum(unit(TEACHER) * unit(STUDENT), axis=-1))
    np.testing.assert_allclose(_value(FeatureDistillation("cosine_similarity"), TEACHER, STUDENT), expected,
                               rtol=1e-5)


_KERAS_CASES = [
    ("LogitsDistillation", {}), ("LogitsDistillation", {"temperature": 1.5, "loss": "KLDivergence"}),
    ("LogitsDistillation", {"temperature": 2.0, "loss": "mse"}), ("FeatureDistillation", {}),
    ("FeatureDistillation", {"loss": "cosine_similarity"}), ("FeatureDistillation", {"loss": "MeanAbsoluteError"}),
]


@pytest.mark.parametrize("class_name,kwargs", _KERAS_CASES, ids=[f"{c}-{k}" for c, k in _KERAS_CASES])
def test_loss_values_match_keras(class_name, kwargs):
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.distillation, class_name)(**kwargs).compute_loss(TEACHER, STUDENT)
    ours = _value(getattr(kerafront.distillation, class_name)(**kwargs), TEACHER, STUDENT)
    np.testing.assert_allclose(ours, float(np.asarray(theirs)), rtol=1e-5)


def test_custom_distillation_loss_subclass():
    class Squared(DistillationLoss):
        def compute_loss(self, teacher_outputs, student_outputs, **kwargs):
            return kerafront.ops.sum(kerafront.ops.square(teacher_outputs - student_outputs))

    np.testing.assert_allclose(_value(Squared(), TEACHER, STUDENT), np.sum((TEACHER - STUDENT) ** 2), rtol=1e-5)
    with pytest.raises(NotImplementedError, match="must implement compute_loss"):
        DistillationLoss().compute_loss(TEACHER, STUDENT)


# ---------------------------------------------------------------------------------------------
# Training a Distiller

X = np.random.default_rng(4).normal(size=(8, 3)).astype("float32")
Y = np.array([0, 1, 2, 3, 3, 2, 1, 0])
TEACHER_WEIGHTS = [np.random.default_rng(5).normal(size=s).astype("float32") for s in ((3, 3), (3,), (3, 4), (4,))]
STUDENT_WEIGHTS = [np.random.default_rng(6).normal(size=s).astype("float32") * 0.5
                   for s in ((3, 3), (3,), (3, 4), (4,))]


def _pair(lib):
    def model(prefix, weights):
        inputs = lib.Input(shape=(3,))
        hidden = lib.layers.Dense(3, activation="tanh", name=f"{prefix}_hidden")(inputs)
        outputs = lib.layers.Dense(4, name=f"{prefix}_logits")(hidden)
        made = lib.Model(inputs, outputs, name=prefix)
        made.set_weights(weights)
        return made

    return model("teacher", TEACHER_WEIGHTS), model("student", STUDENT_WEIGHTS)


def _distiller(lib, metrics=None):
    teacher, student = _pair(lib)
    distiller = lib.distillation.Distiller(
        teacher, student,
        [lib.distillation.LogitsDistillation(temperature=2.0, loss=lib.losses.KLDivergence()),
         lib.distillation.FeatureDistillation("mse", teacher_layer_name="teacher_hidden",
                                              student_layer_name="student_hidden")],
        distillation_loss_weights=[1.0, 0.5], student_loss_weight=0.3)
    distiller.compile(optimizer=lib.optimizers.SGD(0.1),
                      loss=lib.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=metrics)
    return distiller


def _hand_losses(student_weights):
    """(student_loss, distillation_loss, total_loss) of ``_distiller`` on (X, Y), by hand in NumPy."""
    def forward(w):
        hidden = np.tanh(X @ w[0] + w[1])
        return hidden, hidden @ w[2] + w[3]

    t_hidden, t_logits = forward(TEACHER_WEIGHTS)
    s_hidden, s_logits = forward(student_weights)
    log_probs = s_logits - s_logits.max(-1, keepdims=True)
    log_probs = log_probs - np.log(np.exp(log_probs).sum(-1, keepdims=True))
    student = -np.mean(log_probs[np.arange(len(Y)), Y])
    logits = np.mean(_kl(_softmax(t_logits / 2.0), _softmax(s_logits / 2.0))) * 4.0
    features = np.mean((t_hidden - s_hidden) ** 2)
    distillation = logits + 0.5 * features
    return student, distillation, 0.3 * student + 0.7 * distillation


@pytest.fixture(params=sorted(FRAMEWORKS))
def backend(request):
    pytest.importorskip(FRAMEWORKS[request.param])
    with kerafront.backend_scope(request.param):
        yield request.param


def test_logged_losses_equal_a_hand_computation(backend):
    distiller = _distiller(kerafront)
    history = distiller.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    student, distillation, total = _hand_losses(STUDENT_WEIGHTS)
    assert sorted(history) == ["distillation_loss", "loss", "student_loss", "total_loss"]
    np.testing.assert_allclose(history["student_loss"], [student], rtol=1e-4)
    np.testing.assert_allclose(history["distillation_loss"], [distillation], rtol=1e-4)
    np.testing.assert_allclose(history["total_loss"], [total], rtol=1e-4)
    np.testing.assert_allclose(history["loss"], [total], rtol=1e-4)
    for ours, initial in zip(distiller.teacher.get_weights(), TEACHER_WEIGHTS):
        np.testing.assert_array_equal(ours, initial)
    assert not any(np.allclose(a, b) for a, b in zip(distiller.student.get_weights(), STUDENT_WEIGHTS))


def test_fit_matches_keras(backend):
    keras = pytest.importorskip("keras")
    theirs = _distiller(keras, metrics=["accuracy"])
    k_history = theirs.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    ours = _distiller(kerafront, metrics=["accuracy"])
    history = ours.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0).history
    assert sorted(history) == sorted(k_history)
    for key in k_history:
        np.testing.assert_allclose(history[key], k_history[key], rtol=2e-4, atol=1e-6, err_msg=key)
    for a, b in zip(ours.student.get_weights(), theirs.student.get_weights()):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=1e-6)
    for a, b in zip(ours.teacher.get_weights(), TEACHER_WEIGHTS):
        np.testing.assert_array_equal(a, b)
    assert [m.name for m in ours.metrics] == [m.name for m in theirs.metrics]
    assert len(ours.trainable_weights) == len(theirs.trainable_weights) == 4
    # evaluate: the same losses without a step; call() gives the student's outputs
    np.testing.assert_allclose(ours.evaluate(X, Y, verbose=0, return_dict=True)["total_loss"],
                               theirs.evaluate(X, Y, verbose=0, return_dict=True)["total_loss"], rtol=2e-4)
    np.testing.assert_allclose(ours.predict(X, verbose=0), ours.student.predict(X, verbose=0), rtol=1e-6)


def test_sequential_models_named_layers_and_steps_per_execution(backend):
    # learning rate 0: the weights stay put, so the logged loss is the mean of the 4 batches' losses
    def model(prefix, weights):
        made = kerafront.Sequential([kerafront.Input(shape=(3,)),
                                     kerafront.layers.Dense(3, activation="tanh", name=f"{prefix}_hidden"),
                                     kerafront.layers.Dense(4, name=f"{prefix}_logits")], name=prefix)
        made.set_weights(weights)
        return made

    distiller = Distiller(model("teacher", TEACHER_WEIGHTS), model("student", STUDENT_WEIGHTS),
                          FeatureDistillation(teacher_layer_name="teacher_hidden", student_layer_name="student_hidden"),
                          student_loss_weight=0.0)
    distiller.compile(optimizer=kerafront.optimizers.SGD(0.0), loss="sparse_categorical_crossentropy",
                      steps_per_execution=2)
    history = distiller.fit(X, Y, batch_size=2, epochs=1, shuffle=False, verbose=0).history
    t_hidden = np.tanh(X @ TEACHER_WEIGHTS[0] + TEACHER_WEIGHTS[1])
    s_hidden = np.tanh(X @ STUDENT_WEIGHTS[0] + STUDENT_WEIGHTS[1])
    per_batch = ((t_hidden - s_hidden) ** 2).reshape(4, -1).mean(axis=1)
    np.testing.assert_allclose(history["distillation_loss"], [per_batch.mean()], rtol=1e-5)
    np.testing.assert_allclose(history["loss"], [per_batch.mean()], rtol=1e-5)
    assert history["student_loss"] == [0.0]


def test_student_loss_weight_one_and_zero():
    for weight in (1.0, 0.0):
        teacher, student = _pair(kerafront)
        logits_loss = LogitsDistillation(temperature=2.0, loss=kerafront.losses.KLDivergence())
        distiller = Distiller(teacher, student, logits_loss, student_loss_weight=weight)
        distiller.compile(optimizer=kerafront.optimizers.SGD(0.1),
                          loss=kerafront.losses.SparseCategoricalCrossentropy(from_logits=True))
        history = distiller.fit(X, Y, batch_size=8, epochs=1, verbose=0).history
        student, _, _ = _hand_losses(STUDENT_WEIGHTS)
        t_logits = np.tanh(X @ TEACHER_WEIGHTS[0] + TEACHER_WEIGHTS[1]) @ TEACHER_WEIGHTS[2] + TEACHER_WEIGHTS[3]
        s_logits = np.tanh(X @ STUDENT_WEIGHTS[0] + STUDENT_WEIGHTS[1]) @ STUDENT_WEIGHTS[2] + STUDENT_WEIGHTS[3]
        logits = np.mean(_kl(_softmax(t_logits / 2.0), _softmax(s_logits / 2.0))) * 4.0
        # a weight of 1 skips the distillation loss (logged 0), a weight of 0 the student loss
        expected = (student, 0.0) if weight == 1.0 else (0.0, logits)
        np.testing.assert_allclose([history["student_loss"][0], history["distillation_loss"][0]], expected,
                                   rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(history["total_loss"], [expected[0] if weight else expected[1]], rtol=1e-4)


# ---------------------------------------------------------------------------------------------
# Validation errors

def test_validation_errors():
    teacher, student = _pair(kerafront)
    logits = LogitsDistillation()
    wide_inputs = kerafront.Input(shape=(3,))
    wide = kerafront.Model(wide_inputs, kerafront.layers.Dense(5)(wide_inputs))
    with pytest.raises(ValueError, match=r"output shapes are incompatible.*\(None, 4\).*\(None, 5\)"):
        Distiller(teacher, wide, logits)
    with pytest.raises(ValueError, match="student_loss_weight must be between 0.0 and 1.0, got 1.5"):
        Distiller(teacher, student, logits, student_loss_weight=1.5)
    with pytest.raises(ValueError, match="student_loss_weight must be a number, got str"):
        Distiller(teacher, student, logits, student_loss_weight="0.5")
    with pytest.raises(ValueError, match="'distillation_losses' cannot be None"):
        Distiller(teacher, student, None)
    with pytest.raises(ValueError, match="2 distillation_loss_weights for 1 distillation_losses"):
        Distiller(teacher, student, [logits], distillation_loss_weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="the teacher must be a kerafront.Model, got Dense"):
        Distiller(kerafront.layers.Dense(4), student, logits)
    with pytest.raises(ValueError, match="in the teacher model.*no layer named 'nope'"):
        Distiller(teacher, student, FeatureDistillation(teacher_layer_name="nope"))
    with pytest.raises(ValueError, match="in the student model.*no layer named 'nope'"):
        Distiller(teacher, student, FeatureDistillation(student_layer_name="nope"))
    with pytest.raises(ValueError, match="at least one non-None loss"):
        FeatureDistillation(loss=None)
    with pytest.raises(ValueError, match="at least one non-None loss"):
        LogitsDistillation(loss=[None, None])
    with pytest.raises(ValueError, match="temperature must be positive, got 0"):
        LogitsDistillation(temperature=0)
    with pytest.raises(ValueError, match="temperature must be a number"):
        LogitsDistillation(temperature="3")
    with pytest.raises(ValueError, match="unknown loss function 'not_a_loss'"):
        LogitsDistillation(loss="not_a_loss")
    distiller = Distiller(teacher, student, logits)
    with pytest.raises(ValueError, match="'loss' cannot be None"):
        distiller.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="metrics must be a list or tuple, got str"):
        distiller.compile(optimizer="sgd", loss="mse", metrics="accuracy")


def test_named_layers_need_graph_models():
    class Sub(kerafront.Model):
        def __init__(self):
            super().__init__()
            self.dense = kerafront.layers.Dense(4)

        def call(self, x):
            return self.dense(x)

    teacher, _ = _pair(kerafront)
    with pytest.raises(ValueError, match="the student model\\(s\\) are subclassed"):
        Distiller(teacher, Sub(), FeatureDistillation(teacher_layer_name="teacher_hidden",
                                                      student_layer_name="dense"))


def test_feature_loss_structure_mismatch():
    with pytest.raises(ValueError, match="FeatureDistillation: the loss structure"):
        FeatureDistillation(loss=["mse", "mae"]).validate_outputs(TEACHER, STUDENT)
    with pytest.raises(ValueError, match="outputs differ in structure"):
        LogitsDistillation().validate_outputs([TEACHER, TEACHER], [STUDENT])


# ---------------------------------------------------------------------------------------------
# Configs and saving

def test_loss_configs_round_trip():
    logits = LogitsDistillation(temperature=2.5, loss=["kl_divergence", None, kerafront.losses.KLDivergence()])
    config = logits.get_config()
    assert list(config) == ["temperature", "loss"]
    assert config["loss"][:2] == ["kl_divergence", None]
    again = LogitsDistillation.from_config(config)
    assert again.get_config() == config
    assert again.loss[0] is kerafront.losses.kl_divergence and isinstance(again.loss[2], kerafront.losses.KLDivergence)
    features = FeatureDistillation("mse", teacher_layer_name="a", student_layer_name="b")
    assert features.get_config() == {"loss": "mean_squared_error", "teacher_layer_name": "a", "student_layer_name": "b"}
    assert FeatureDistillation.from_config(features.get_config()).get_config() == features.get_config()


def test_distiller_config_round_trip_and_keys_match_keras():
    distiller = _distiller(kerafront)
    config = distiller.get_config()
    rebuilt = Distiller.from_config(config)
    assert rebuilt.get_config() == config
    assert rebuilt.student_loss_weight == 0.3 and rebuilt.distillation_loss_weights == [1.0, 0.5]
    assert [type(loss).__name__ for loss in rebuilt.distillation_losses] == ["LogitsDistillation",
                                                                              "FeatureDistillation"]
    assert not rebuilt.teacher.trainable
    keras = pytest.importorskip("keras")
    assert set(config) == set(_distiller(keras).get_config())


@pytest.mark.parametrize("extension", ["kf", "keras"])
def test_save_and_load(tmp_path, extension):
    distiller = _distiller(kerafront)
    distiller.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    path = tmp_path / f"distiller.{extension}"
    distiller.save(path)
    loaded = kerafront.models.load_model(path)
    assert isinstance(loaded, Distiller) and loaded.compiled and not loaded.teacher.trainable
    for a, b in zip(loaded.get_weights(), distiller.get_weights()):
        np.testing.assert_array_equal(a, b)
    # both continue training identically from the saved state
    first = distiller.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    second = loaded.fit(X, Y, batch_size=8, epochs=1, shuffle=False, verbose=0).history
    for key in first:
        np.testing.assert_allclose(second[key], first[key], rtol=1e-6, err_msg=key)
