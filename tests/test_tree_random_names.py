"""keras.tree's names (against Keras itself and by hand), the composite random distributions (moments of
big samples on every backend, against closed forms) and the top-level / utils names of Keras."""

import collections
import json

import numpy as np
import pytest

import kerafront
from kerafront import tree

Point = collections.namedtuple("Point", ["x", "y"])
STRUCTURES = [
    1,
    None,
    [],
    [None, 1, (2, [3, None])],
    {"b": 1, "a": [2, {"d": 3, "c": None}]},
    collections.OrderedDict([("z", 1), ("a", 2)]),
    Point(x=[1, 2], y={"k": 3}),
    collections.deque([1, [2]]),
    [{"a": ()}, [[]], 4],
]


@pytest.fixture(scope="module")
def keras_tree():
    return pytest.importorskip("keras").tree


@pytest.mark.parametrize("structure", STRUCTURES, ids=range(len(STRUCTURES)))
def test_tree_functions_match_keras(keras_tree, structure):
    assert tree.is_nested(structure) == keras_tree.is_nested(structure)
    assert tree.flatten_with_path(structure) == keras_tree.flatten_with_path(structure)
    count = len(keras_tree.flatten_with_path(structure))
    flat = [f"leaf{i}" for i in range(count)]
    packed, expected = tree.pack_sequence_as(structure, flat), keras_tree.pack_sequence_as(structure, flat)
    assert packed == expected and type(packed) is type(expected)
    if isinstance(expected, dict):
        assert list(packed) == list(expected)
    assert tree.lists_to_tuples(structure) == keras_tree.lists_to_tuples(structure)
    visited, keras_visited = [], []
    for top_down in (True, False):
        assert tree.traverse(visited.append, structure, top_down) == \
            keras_tree.traverse(keras_visited.append, structure, top_down)
    assert visited == keras_visited


def test_traverse_replaces_subtrees_and_maps_to_none(keras_tree):
    structure = [(1, 2), [3], {"a": 4}]
    for module in (tree, keras_tree):
        def top_down(x, module=module):
            if isinstance(x, tuple):
                return module.MAP_TO_NONE
            return "four" if x == 4 else None
        assert module.traverse(top_down, structure) == [None, [3], {"a": "four"}]
    seen = []
    assert tree.traverse(seen.append, structure, top_down=False) == structure
    assert seen == [1, 2, (1, 2), 3, [3], 4, {"a": 4}, structure]  # Keras's docstring order
    seen = []
    assert tree.traverse(seen.append, structure, top_down=True) == structure
    assert seen == [structure, (1, 2), 1, 2, [3], 3, {"a": 4}, 4]


def test_assert_same_structure_and_paths_match_keras(keras_tree):
    pairs = [([0, (1, 2)], [3, (4, 5)], True), ([0, 1], (0, 1), False), ({"a": 1}, collections.OrderedDict(a=[2]),
                                                                          False),
             ({"a": 1, "b": 2}, collections.OrderedDict([("b", 0), ("a", 0)]), True), ([1, 2], [1, 2, 3], False),
             (Point(1, 2), (1, 2), False), ([None], [None], True), ([None], [[1]], False)]
    for a, b, same in pairs:
        for module in (tree, keras_tree):
            if same:
                module.assert_same_structure(a, b)
            else:
                with pytest.raises(ValueError):
                    module.assert_same_structure(a, b)
    for a, b in [([0, 1], (2, 3)), (Point(1, 2), [5, 6]), ({"a": 1}, {"b": 1}), ([[1]], [1])]:
        same_paths = True
        try:
            keras_tree.assert_same_paths(a, b)
        except ValueError:
            same_paths = False
        if same_paths:
            tree.assert_same_paths(a, b)
        else:
            with pytest.raises(ValueError, match="don't have the same paths"):
                tree.assert_same_paths(a, b)
    with pytest.warns(DeprecationWarning, match="check_types"):
        tree.assert_same_structure([1], [2], check_types=True)


def test_map_structure_up_to_and_map_shape_structure_match_keras(keras_tree):
    structure = [[1, 1], [2, 2]]
    assert tree.map_structure_up_to([None, None], len, structure) == [2, 2]
    assert tree.map_structure_up_to([None, [None, None]], str, structure) == ["[1, 1]", ["2", "2"]]
    assert tree.map_structure_up_to({"a": None}, lambda x, y: x + y, {"a": [1]}, {"a": [2]}) == {"a": [1, 2]}
    # Keras 3.15.1's own docstring example with None leaves raises there (optree counts None as a node);
    # with other leaves the two agree.
    assert keras_tree.map_structure_up_to({"a": 0}, lambda x, y: x + y, {"a": [1]}, {"a": [2]}) == {"a": [1, 2]}
    assert tree.map_structure_up_to({"a": 0}, lambda x, y: x + y, {"a": [1]}, {"a": [2]}) == {"a": [1, 2]}
    with pytest.raises(ValueError):
        tree.map_structure_up_to([None, None], len, [[1]])
    shapes = {"x": (None, 3), "y": [(2, 4), [None]], "z": 7, "w": None}
    got = tree.map_shape_structure(lambda s: ("S", s), shapes)
    assert got == keras_tree.map_shape_structure(lambda s: ("S", s), shapes)
    assert got["x"] == ("S", (None, 3)) and got["y"] == [("S", (2, 4)), ("S", [None])]


def test_tree_functions_by_hand():
    assert tree.flatten_with_path([{"foo": 42}]) == [((0, "foo"), 42)]
    assert tree.pack_sequence_as(None, [5]) == 5
    assert tree.pack_sequence_as(Point(0, [0]), [1, 2]) == Point(1, [2])
    with pytest.raises(ValueError, match="pack_sequence_as: the structure has 2 leaves, flat_sequence has 3"):
        tree.pack_sequence_as([0, 0], [1, 2, 3])
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    d = collections.defaultdict(list, b=1, a=2)
    packed = tree.pack_sequence_as(d, ["A", "B"])
    assert isinstance(packed, collections.defaultdict) and packed.default_factory is list
    assert dict(packed) == {"a": "A", "b": "B"}
    assert not tree.is_nested(None) and not tree.is_nested("ab") and tree.is_nested(())


BACKENDS = {"numpy": "numpy", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


@pytest.fixture(params=sorted(BACKENDS))
def backend(request):
    pytest.importorskip(BACKENDS[request.param])
    with kerafront.backend_scope(request.param):
        yield request.param


def _np(x):
    return np.asarray(kerafront.ops.convert_to_numpy(x))


N = 40000


def _assert_moments(samples, mean, variance, what, excess_kurtosis=0.0):
    """The sample mean and variance each within 5 standard errors of the closed forms (the variance's
    standard error is ``variance * sqrt((2 + excess_kurtosis) / n)``)."""
    samples = samples.astype(np.float64).ravel()
    n = samples.size
    assert abs(samples.mean() - mean) < 5 * np.sqrt(variance / n), (what, samples.mean(), mean)
    variance_error = variance * np.sqrt((2 + excess_kurtosis) / n)
    assert abs(samples.var() - variance) < 5 * variance_error, (what, samples.var(), variance)


def test_randint(backend):
    draws = _np(kerafront.random.randint((N,), -2, 5, seed=1))
    assert draws.dtype == np.int32 and draws.min() == -2 and draws.max() == 4
    counts = np.bincount(draws + 2, minlength=7) / N
    np.testing.assert_allclose(counts, np.full(7, 1 / 7), atol=0.01)
    _assert_moments(draws, 1.0, (7**2 - 1) / 12, "randint")
    np.testing.assert_array_equal(draws, _np(kerafront.random.randint((N,), -2, 5, seed=1)))  # seeded
    assert _np(kerafront.random.randint((3,), 0, 10, dtype="int16", seed=2)).dtype == np.int16
    with pytest.raises(ValueError, match="randint: maxval must be greater than minval"):
        kerafront.random.randint((2,), 3, 3)


def test_categorical(backend):
    probabilities = np.array([[0.1, 0.2, 0.7], [0.5, 0.5, 0.0]])
    logits = np.log(np.maximum(probabilities, 1e-30)).astype("float32")
    draws = _np(kerafront.random.categorical(logits, N // 2, seed=3))
    assert draws.shape == (2, N // 2) and draws.dtype == np.int32
    for row, p in zip(draws, probabilities):
        np.testing.assert_allclose(np.bincount(row, minlength=3) / row.size, p, atol=0.012)
    with pytest.raises(ValueError, match=r"categorical: logits must have shape \(batch_size, num_classes\)"):
        kerafront.random.categorical(np.zeros(3, "float32"), 2)


@pytest.mark.parametrize("alpha", [0.4, 1.0, 3.5])
def test_gamma(backend, alpha):
    draws = _np(kerafront.random.gamma((N,), alpha, seed=4))
    assert draws.dtype == np.float32 and draws.min() > 0
    _assert_moments(draws, alpha, alpha, f"gamma({alpha})", 6 / alpha)  # Gamma(a, 1): mean a, variance a
    with pytest.raises(ValueError, match="gamma: alpha must be positive"):
        kerafront.random.gamma((2,), 0.0)


def test_beta(backend):
    a, b = 2.0, 5.0
    draws = _np(kerafront.random.beta((N,), a, b, seed=5))
    assert 0 < draws.min() and draws.max() < 1
    _assert_moments(draws, a / (a + b), a * b / ((a + b) ** 2 * (a + b + 1)), "beta")


def test_binomial(backend):
    draws = _np(kerafront.random.binomial((N,), 10, 0.3, seed=6))
    assert draws.dtype == np.float32 and set(np.unique(draws)) <= set(range(11))
    _assert_moments(draws, 3.0, 10 * 0.3 * 0.7, "binomial")
    per_element = _np(kerafront.random.binomial((N // 4, 2), np.array([4.0, 20.0]), np.array([0.5, 0.1]), seed=7))
    _assert_moments(per_element[:, 0], 2.0, 1.0, "binomial(4, 0.5)")
    _assert_moments(per_element[:, 1], 2.0, 1.8, "binomial(20, 0.1)")
    with pytest.raises(ValueError, match="binomial: counts must be non-negative whole numbers"):
        kerafront.random.binomial((2,), 2.5, 0.5)


def test_random_draws_advance_a_seed_generator_and_differ_between_calls():
    generator = kerafront.random.SeedGenerator(11)
    first = _np(kerafront.random.gamma((64,), 2.0, seed=generator))
    second = _np(kerafront.random.gamma((64,), 2.0, seed=generator))
    assert not np.array_equal(first, second)
    again = kerafront.random.SeedGenerator(11)
    np.testing.assert_array_equal(first, _np(kerafront.random.gamma((64,), 2.0, seed=again)))


def test_top_level_names_are_the_classes_keras_users_subclass():
    assert kerafront.Loss is kerafront.losses.Loss and kerafront.Metric is kerafront.metrics.Metric
    assert kerafront.Optimizer is kerafront.optimizers.Optimizer
    assert kerafront.Initializer is kerafront.initializers.Initializer
    assert kerafront.Regularizer is kerafront.regularizers.Regularizer
    assert issubclass(kerafront.losses.MeanSquaredError, kerafront.Loss)
    assert isinstance(kerafront.layers.Input((3,)), kerafront.KerasTensor)
    spec = kerafront.InputSpec(ndim=2)
    assert spec.ndim == 2
    variable = kerafront.Variable(np.float32(1.0))
    with kerafront.StatelessScope({variable: np.float32(5.0)}):
        assert float(_np(variable.value)) == 5.0
    assert float(_np(variable.value)) == 1.0


def test_name_scope_prefixes_variable_paths_as_keras():
    with kerafront.name_scope("outer") as scope:
        assert scope.name == "outer"
        assert kerafront.Variable(1.0, name="v").path == "outer/v"
        layer = kerafront.layers.Dense(2, name="dense_in_scope")
        layer.build((None, 3))
        assert layer.kernel.path == "outer/dense_in_scope/kernel"
        with kerafront.name_scope("inner"):
            assert kerafront.Variable(1.0, name="w").path == "outer/inner/w"
    assert kerafront.Variable(1.0, name="v").path == "v"
    outside = kerafront.layers.Dense(2, name="dense_outside")
    outside.build((None, 3))
    assert outside.kernel.path == "dense_outside/kernel"
    with pytest.raises(ValueError, match="name_scope: name must be a string without '/'"):
        kerafront.name_scope("a/b")


def test_utils_config_behaves_as_keras():
    config = kerafront.utils.Config(learning_rate=0.1, momentum=0.9)
    config.seed = 123
    config["use_ema"] = True
    assert config.learning_rate == 0.1 and config["seed"] == 123 and "use_ema" in config
    assert list(config) == ["learning_rate", "momentum", "seed", "use_ema"]
    assert json.loads(config.to_json()) == {"learning_rate": 0.1, "momentum": 0.9, "seed": 123, "use_ema": True}
    assert config.as_dict() == dict(config.items()) and len(config) == 4
    with pytest.raises(AttributeError, match="Did you mean 'momentum'"):
        config.momentun
    config.freeze()
    assert config.frozen
    for mutate in (lambda: setattr(config, "foo", 1), lambda: config.__setitem__("foo", 1),
                   lambda: config.pop("seed"), lambda: config.update(a=1)):
        with pytest.raises(ValueError, match="the config is frozen"):
            mutate()
    config.unfreeze()
    config.foo = 1
    assert config.foo == 1


def test_utils_serialization_names_resolve_custom_objects():
    utils = kerafront.utils
    for name in ("custom_object_scope", "get_custom_objects", "get_registered_name", "get_registered_object",
                 "register_keras_serializable", "serialize_keras_object", "deserialize_keras_object"):
        assert getattr(utils, name) is getattr(kerafront.saving, name)
        assert name in utils.__all__

    @utils.register_keras_serializable(package="TreeRandomNames")
    class Scaled(kerafront.layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    assert utils.get_registered_name(Scaled) == "TreeRandomNames>Scaled"
    assert utils.get_registered_object("TreeRandomNames>Scaled") is Scaled
    restored = utils.deserialize_keras_object(utils.serialize_keras_object(Scaled(3.0)))
    assert isinstance(restored, Scaled) and restored.factor == 3.0

    class Local(kerafront.layers.Layer):
        pass

    with utils.CustomObjectScope({"LocalThing": Local}):
        assert utils.get_registered_object("LocalThing") is Local
    with kerafront.saving.CustomObjectScope({"LocalThing": Local}):
        assert utils.get_registered_object("LocalThing") is Local
    assert utils.get_registered_object("LocalThing") is None
