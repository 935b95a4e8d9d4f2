"""``kerafront.distribution``'s API: meshes, layouts, the current distribution, and its errors."""

import importlib.util
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

import kerafront as keras
from kerafront import distribution
from _util import worker_env

CPUS = [f"cpu:{i}" for i in range(4)]


def test_device_mesh_arranges_the_devices_in_its_shape():
    mesh = distribution.DeviceMesh((2, 2), ["batch", "model"], CPUS)
    assert mesh.shape == (2, 2) and mesh.axis_names == ["batch", "model"]
    assert mesh.devices.tolist() == [["cpu:0", "cpu:1"], ["cpu:2", "cpu:3"]]
    assert repr(mesh) == "<DeviceMesh shape=(2, 2), axis_names=['batch', 'model']>"


@pytest.mark.parametrize("shape, names, match", [
    ((), ["batch"], "cannot be empty"),
    ((4,), [], "cannot be empty"),
    ((2, 2), ["batch"], "same length"),
    ((4, 1), ["batch", "batch"], "distinct strings"),
    ((0,), ["batch"], "positive integers"),
    ((2.0, 2), ["a", "b"], "positive integers"),
    ((3,), ["batch"], "needs 3 devices, got 4"),
])
def test_device_mesh_rejects_bad_shapes_and_names(shape, names, match):
    with pytest.raises(ValueError, match=match):
        distribution.DeviceMesh(shape, names, CPUS)


def test_tensor_layout_checks_its_axes_against_the_mesh():
    mesh = distribution.DeviceMesh((2, 2), ["batch", "model"], CPUS)
    layout = distribution.TensorLayout(["batch", None])
    assert layout.device_mesh is None
    layout.device_mesh = mesh
    assert layout.axes == ("batch", None) and layout.device_mesh is mesh
    with pytest.raises(ValueError, match="already set"):
        layout.device_mesh = mesh
    with pytest.raises(ValueError, match=r"axes \['data'\] are not axes of the mesh"):
        distribution.TensorLayout(["data", None], mesh)
    with pytest.raises(ValueError, match="must be a DeviceMesh"):
        distribution.TensorLayout([None], device_mesh="mesh")


def test_list_devices_on_numpy_is_the_one_cpu():
    assert distribution.list_devices() == ["cpu:0"]
    assert distribution.list_devices("CPU") == ["cpu:0"]
    assert distribution.get_device_count() == 1
    with pytest.raises(ValueError, match="has no gpu devices"):
        distribution.list_devices("gpu")
    with pytest.raises(ValueError, match="device_type must be one of cpu, gpu, tpu"):
        distribution.list_devices("xpu")


def test_data_parallel_on_numpy_names_the_backends_that_distribute():
    with pytest.raises(ValueError, match=r"'numpy' backend does not distribute.*jax, torch, tensorflow"):
        distribution.DataParallel()
    with pytest.raises(ValueError, match="'numpy' backend does not distribute"):
        distribution.initialize()


def test_argument_errors():
    mesh = distribution.DeviceMesh((4,), ["batch"], CPUS)
    with pytest.raises(ValueError, match="device_mesh or devices, not both"):
        distribution.DataParallel(device_mesh=mesh, devices=CPUS)
    with pytest.raises(ValueError, match="num_processes must be >= 1"):
        distribution.initialize(num_processes=0)
    with pytest.raises(ValueError, match=r"process_id must be in \[0, 2\)"):
        distribution.initialize(num_processes=2, process_id=2)
    with pytest.raises(TypeError, match="expected a Distribution"):
        distribution.set_distribution("data_parallel")
    assert distribution.distribution() is None and distribution.is_chief()


def test_importing_the_api_on_numpy_imports_no_framework():
    code = ("import sys, kerafront\nfrom kerafront import distribution\n"
            "distribution.DeviceMesh((2,), ['batch'], ['cpu:0', 'cpu:1'])\n"
            "try:\n    distribution.DataParallel()\nexcept ValueError:\n    pass\n"
            "print(sorted(m for m in ('jax', 'torch', 'tensorflow') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], env=worker_env(KERAFRONT_BACKEND="numpy"),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_batch_normalization_synchronized_is_a_config_option_with_one_device_semantics():
    """Without a distribution both settings normalize with the batch's biased moments (closed form)."""
    x = np.random.default_rng(0).normal(size=(6, 3)).astype("float32")
    expected = (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-3)
    for synchronized in (False, True):
        layer = keras.layers.BatchNormalization(momentum=0.9, synchronized=synchronized)
        np.testing.assert_allclose(layer(x, training=True), expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(layer.moving_mean.numpy(), 0.1 * x.mean(0), rtol=1e-5, atol=1e-7)
        config = layer.get_config()
        assert config["synchronized"] is synchronized
        assert keras.layers.BatchNormalization.from_config(config).synchronized is synchronized


@pytest.fixture
def jax_backend():
    pytest.importorskip("jax")
    keras.set_backend("jax")
    yield
    distribution.set_distribution(None)


def test_data_parallel_layouts_and_scope_on_one_jax_device(jax_backend):
    devices = distribution.list_devices("cpu")
    assert devices[0] == "cpu:0"
    data_parallel = distribution.DataParallel(devices=devices[:1])
    assert data_parallel.num_model_replicas == 1 and data_parallel.batch_dim_name == "batch"
    assert data_parallel.get_data_layout((8, 3)).axes == ("batch", None)
    assert data_parallel.get_variable_layout(keras.Variable(np.zeros((2, 3)))).axes == (None, None)
    outer = distribution.DataParallel(devices=devices[:1])
    with outer.scope():
        with data_parallel.scope():
            assert distribution.distribution() is data_parallel
        assert distribution.distribution() is outer
    assert distribution.distribution() is None


def test_a_two_axis_mesh_warns_and_splits_the_batch_on_its_first_axis(jax_backend):
    mesh = distribution.DeviceMesh((1, 1), ["data", "model"], distribution.list_devices("cpu")[:1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data_parallel = distribution.DataParallel(device_mesh=mesh)
    assert any("first axis ('data') splits the batch" in str(w.message) for w in caught)
    assert data_parallel.batch_dim_name == "data"


def test_layout_map_matches_paths_by_full_regular_expressions():
    mesh = distribution.DeviceMesh((2, 2), ["batch", "model"], CPUS)
    layout_map = distribution.LayoutMap(mesh)
    layout_map[".*dense.*kernel"] = (None, "model")
    layout_map["dense_1/bias"] = distribution.TensorLayout(["model"])
    assert layout_map["dense/kernel"].axes == (None, "model")
    assert layout_map["sgd/momentum/dense/kernel"].axes == (None, "model")
    assert layout_map["dense_1/bias"].device_mesh is mesh
    assert layout_map["dense/bias"] is None and len(layout_map) == 2 and list(layout_map)[1] == "dense_1/bias"
    layout_map[".*kernel"] = (None, None)
    with pytest.raises(ValueError, match="matches several keys"):
        layout_map["dense/kernel"]
    assert layout_map["conv/kernel"].axes == (None, None)
    with pytest.raises(ValueError, match="already set"):
        layout_map[".*dense.*kernel"] = (None, None)
    with pytest.raises(ValueError, match=r"axes \['rows'\] are not axes"):
        layout_map["other"] = ("rows",)
    with pytest.raises(ValueError, match="must be a LayoutMap"):
        distribution.ModelParallel(layout_map={"dense/kernel": (None, "model")})


def test_every_keras_distribution_name_exists():
    """The names ``keras.distribution`` exports (read from Keras's source, without importing it)."""
    spec = importlib.util.find_spec("keras")
    if spec is None:
        pytest.skip("keras is not installed")
    source = pathlib.Path(spec.origin).parent / "distribution" / "__init__.py"
    names = set(re.findall(r"\bas (\w+)", source.read_text()))
    assert {"DataParallel", "DeviceMesh", "ModelParallel", "list_devices", "initialize"} <= names
    assert sorted(name for name in names if not hasattr(distribution, name)) == []


def test_distribute_tensor_errors_and_symbolic_tensors():
    symbolic = keras.Input((3,))
    layout = distribution.TensorLayout([None, None], distribution.DeviceMesh((1,), ["batch"], ["cpu:0"]))
    assert distribution.distribute_tensor(symbolic, layout) is symbolic
    with pytest.raises(ValueError, match="expected a TensorLayout with a device_mesh"):
        distribution.distribute_tensor(np.ones((2, 3)), distribution.TensorLayout([None, None]))
    with pytest.raises(ValueError, match="'numpy' backend does not distribute"):
        distribution.distribute_tensor(np.ones((2, 3)), layout)
