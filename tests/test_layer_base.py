"""The Layer base class: tracking, weights order, freezing, set_weights, names, losses, training
propagation, stateless_call and errors."""

import numpy as np
import pytest

import kerafront
from kerafront import layers as L
from kerafront import ops
from kerafront.random import SeedGenerator


def np_(x):
    return ops.convert_to_numpy(x)


class Block(L.Layer):
    """A custom layer holding layers directly, in a list and in a dict, plus its own weight."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = L.Dense(3)
        self.stack = [L.Dense(3), L.BatchNormalization()]
        self.heads = {"out": L.Dense(2)}
        self.noise = SeedGenerator(0)

    def build(self, input_shape):
        self.scale = self.add_weight((), initializer="ones", name="scale")

    def call(self, inputs, training=None):
        x = self.first(inputs)
        for layer in self.stack:
            x = layer(x)
        return ops.multiply(self.heads["out"](x), self.scale)


def test_nested_layers_are_tracked_in_keras_order():
    kerafront.utils.clear_session()
    block = Block(name="block")
    block(np.ones((4, 5), "float32"), training=True)
    names = [v.path for v in block.weights]
    assert names == ["block/scale", "block/dense/kernel", "block/dense/bias", "block/dense_1/kernel",
                     "block/dense_1/bias", "block/batch_normalization/gamma", "block/batch_normalization/beta",
                     "block/batch_normalization/moving_mean", "block/batch_normalization/moving_variance",
                     "block/dense_2/kernel", "block/dense_2/bias"]
    assert len(block.trainable_variables) == 9
    assert len(block.non_trainable_weights) == 2
    assert len(block.non_trainable_variables) == 3  # + the seed generator's state
    assert block.non_trainable_variables[0] is block.noise.state
    assert len(block.get_weights()) == 11


def test_lists_appended_after_assignment_are_tracked():
    class Grow(L.Layer):
        def __init__(self):
            super().__init__()
            self.parts = []
            self.parts.append(L.Dense(2))

        def call(self, x):
            return self.parts[0](x)

    layer = Grow()
    layer(np.ones((1, 3), "float32"))
    assert len(layer.weights) == 2


def test_unique_auto_names_and_variable_paths():
    kerafront.utils.clear_session()
    assert [L.Dense(1).name for _ in range(3)] == ["dense", "dense_1", "dense_2"]
    assert L.Conv2DTranspose(1, 1).name == "conv2d_transpose"
    model = kerafront.Sequential([L.Input((2,)), L.Dense(1)])
    assert model.name == "sequential" and model.weights[0].path == "sequential/dense_3/kernel"


def test_freezing_nested_layers_and_unfreezing():
    block = Block()
    block(np.ones((2, 5), "float32"))
    block.stack[0].trainable = False
    assert len(block.trainable_weights) == 7
    block.trainable = False
    assert block.trainable_weights == [] and block.trainable_variables == []
    assert len(block.non_trainable_weights) == 11
    block.trainable = True
    assert len(block.trainable_weights) == 9  # moving statistics stay non-trainable


def test_set_weights_validates_count_and_shapes_naming_the_weight():
    layer = L.Dense(2, name="d")
    layer.build((None, 3))
    with pytest.raises(ValueError, match=r'"d".*expected 2 arrays \(d/kernel, d/bias\), received 1'):
        layer.set_weights([np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r'weight "d/kernel" has shape \(3, 2\), received an array of shape \(2, 3\)'):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    layer.set_weights([np.ones((3, 2)), np.full(2, 5.0)])
    np.testing.assert_array_equal(layer.get_weights()[1], [5.0, 5.0])
    with pytest.raises(ValueError, match="not built"):
        L.Dense(2).count_params()


def test_unknown_constructor_argument_is_a_clear_error():
    with pytest.raises(ValueError, match=r"Dense: unrecognized keyword argument\(s\) \['unit'\]"):
        L.Dense(2, unit=3)


def test_training_flag_reaches_nested_layers_unless_given():
    seen = []

    class Probe(L.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Outer(L.Layer):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    outer = Outer()
    outer(np.ones(1, "float32"), training=True)
    outer(np.ones(1, "float32"))
    outer.probe(np.ones(1, "float32"), training=False)
    assert seen == [True, None, False]


def test_add_loss_collects_and_resets_per_outer_call():
    class Penalized(L.Layer):
        def call(self, x):
            self.add_loss(ops.sum(x))
            return x

    class Wrapper(L.Layer):
        def __init__(self):
            super().__init__()
            self.inner = Penalized()

        def call(self, x):
            return self.inner(x)

    layer = Wrapper()
    layer(np.ones(3, "float32"))
    assert [float(np_(x)) for x in layer.losses] == [3.0]
    layer(np.full(3, 2.0, "float32"))
    assert [float(np_(x)) for x in layer.losses] == [6.0]


def test_stateless_call_substitutes_values_and_returns_losses():
    layer = L.Dense(1, kernel_initializer="ones", kernel_regularizer=kerafront.regularizers.L2(1.0))
    x = np.ones((1, 2), "float32")
    layer(x)
    new_kernel = ops.convert_to_tensor(np.full((2, 1), 3.0, "float32"))
    out, non_trainable, losses = layer.stateless_call([new_kernel, layer.bias.value], [], x, return_losses=True)
    np.testing.assert_allclose(np_(out), [[6.0]])
    assert non_trainable == [] and float(np_(losses[0])) == pytest.approx(18.0)
    np.testing.assert_array_equal(layer.get_weights()[0], np.ones((2, 1)))
    with pytest.raises(ValueError, match="expected 2 trainable values"):
        layer.stateless_call([new_kernel], [], x)


def test_gradients_of_stateless_call():
    layer = L.Dense(1, use_bias=False)
    x = np.array([[1.0, 2.0]], "float32")
    layer(x)

    def loss(values):
        out, _ = layer.stateless_call(values, [], x)
        return ops.sum(out)

    value, grads = ops.value_and_grad(loss)([layer.kernel.value])
    np.testing.assert_allclose(np_(grads[0]), [[1.0], [2.0]])
    assert float(np_(value)) == pytest.approx(float((x @ layer.get_weights()[0]).sum()))


def test_auto_config_for_custom_layers_without_get_config():
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor

        def call(self, x):
            return ops.multiply(x, self.factor)

    layer = Scale(3.0, name="s")
    assert layer.get_config() == {"factor": 3.0, "name": "s", "trainable": True, "dtype": "float32"}
    clone = Scale.from_config(layer.get_config())
    assert clone.factor == 3.0

    class Holder(L.Layer):
        def __init__(self, fn):
            super().__init__()
            self.fn = fn

    with pytest.raises(ValueError, match="argument 'fn'.*Implement get_config"):
        Holder(print).get_config()


def test_symbolic_tensors_are_not_arrays():
    x = L.Input((3,))
    with pytest.raises(TypeError, match="symbolic"):
        np.asarray(x)
    with pytest.raises(TypeError, match="symbolic"):
        ops.convert_to_numpy(ops.add(x, 1.0))  # ops infer shapes on symbolic tensors, but give no values


def test_layer_without_compute_output_shape_in_functional_api():
    class NoShape(L.Layer):
        def call(self, x):
            return x

    assert NoShape()(L.Input((3,))).shape == (None, 3)  # call itself traced on symbolic tensors
    with pytest.raises(TypeError, match="does not implement compute_output_shape"):
        NoShape().compute_output_shape((None, 3))


def test_build_wrapper_sets_built_and_records_shape():
    layer = L.Dense(2)
    layer.build((None, 4))
    assert layer.built and layer.get_build_config() == {"input_shape": [None, 4]}
    clone = L.Dense(2)
    clone.build_from_config(layer.get_build_config())
    assert clone.kernel.shape == (4, 2)


def test_structure_changes_invalidate_cached_weights():
    class Holder(L.Layer):
        def __init__(self):
            super().__init__()
            self.items = []
            self.table = {}

    holder = Holder()
    assert holder.weights == [] and type(holder.items) is not list and isinstance(holder.items, list)
    dense = L.Dense(2)
    holder.items.append(dense)
    assert holder.weights == []
    dense.build((None, 3))  # add_weight on a nested layer
    assert len(holder.weights) == 2
    holder.table["head"] = L.Dense(1)
    holder.table["head"].build((None, 2))
    assert len(holder.weights) == 4
    holder.items.pop()
    assert [v.shape for v in holder.weights] == [(2, 1), (1,)]
    holder.table = None
    assert holder.weights == []
    holder.extra = SeedGenerator(1)
    assert len(holder.non_trainable_variables) == 1
