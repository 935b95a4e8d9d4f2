"""Backend registry, config precedence and backend selection errors."""

import json
import os
import subprocess
import sys

import pytest

import kerafront
from kerafront import config, registry


def run_python(code, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KERAFRONT_") and k != "KERAS_BACKEND"}
    environment.update(env)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment,
                            timeout=120)
    return result


def test_default_backend_is_numpy_and_imports_no_framework(tmp_path):
    result = run_python(
        "import sys, kerafront; print(kerafront.backend()); "
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow', 'keras') if m in sys.modules))",
        KERAFRONT_HOME=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["numpy", "[]"]


def test_config_file_selects_backend_and_env_wins(tmp_path):
    (tmp_path / "kerafront.json").write_text(json.dumps({"backend": "nonexistent_backend", "floatx": "float64"}))
    from_file = run_python("import kerafront", KERAFRONT_HOME=str(tmp_path))
    assert from_file.returncode != 0
    assert "Unknown kerafront backend 'nonexistent_backend'" in from_file.stderr
    env_wins = run_python("import kerafront; print(kerafront.backend(), kerafront.config.floatx())",
                          KERAFRONT_HOME=str(tmp_path), KERAFRONT_BACKEND="numpy")
    assert env_wins.returncode == 0, env_wins.stderr
    assert env_wins.stdout.strip() == "numpy float64"


def test_invalid_config_file_names_the_file(tmp_path):
    (tmp_path / "kerafront.json").write_text("{not json")
    result = run_python("import kerafront", KERAFRONT_HOME=str(tmp_path))
    assert result.returncode != 0
    assert "kerafront.json is not valid JSON" in result.stderr


def test_unknown_backend_lists_available_and_extra():
    with pytest.raises(ValueError) as info:
        config.set_backend("mxnet")
    message = str(info.value)
    assert "'mxnet'" in message and "numpy" in message and 'pip install "kerafront[torch]"' in message
    assert kerafront.backend() == "numpy"


def test_uninstalled_builtin_backend_names_the_extra(monkeypatch):
    real_find_spec = registry.importlib.util.find_spec
    monkeypatch.setattr(registry.importlib.util, "find_spec",
                        lambda name, *a: None if name == "jax" else real_find_spec(name, *a))
    monkeypatch.delitem(registry._loaded, "jax", raising=False)
    with pytest.raises(ValueError, match=r'not installed .*pip install "kerafront\[jax\]"'):
        registry.load("jax")


def test_backend_scope_restores_previous():
    assert kerafront.backend() == "numpy"
    with kerafront.backend_scope("numpy") as module:
        assert module.name == "numpy"
    assert kerafront.backend() == "numpy"


def test_set_backend_rejects_non_string():
    with pytest.raises(TypeError, match="backend name"):
        config.set_backend(3)


def test_floatx_and_data_format_validation():
    with pytest.raises(ValueError, match="set_floatx"):
        config.set_floatx("int32")
    with pytest.raises(ValueError, match="channels_last"):
        config.set_image_data_format("NHWC")
    assert config.standardize_data_format(None) == "channels_last"


def test_numpy_backend_refuses_gpu():
    with pytest.raises(ValueError, match="CPU only"):
        with kerafront.device("gpu"):
            pass


def test_builtin_backends_registered_as_entry_points():
    from importlib.metadata import entry_points
    names = {ep.name for ep in entry_points(group=registry.ENTRY_POINT_GROUP)}
    assert {"numpy", "torch", "jax", "tensorflow"} <= names


def test_every_backend_module_satisfies_the_spec():
    from kerafront.spec import missing_primitives
    for name in registry.available_backends():
        assert missing_primitives(registry.load(name)) == [], name


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_importing_a_backend_package_before_kerafront_works(backend):
    import importlib.util
    import subprocess
    import sys
    if importlib.util.find_spec(backend) is None:
        pytest.skip(f"{backend} is not installed")
    code = (f"import kerafront_{backend} as B\nimport kerafront\nfrom kerafront import ops\n"
            "print(kerafront.backend(), kerafront.config.backend_module() is B, float(ops.sum(ops.relu([-1.0, 2.0]))))")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("KERAFRONT_") and k != "KERAS_BACKEND"}
    env["KERAFRONT_BACKEND"] = backend
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [backend, "True", "2.0"]


def test_keras_backend_selects_the_backend_when_kerafront_backend_is_unset(tmp_path):
    code = "import kerafront; print(kerafront.backend())"
    result = run_python(code, KERAS_BACKEND="torch", KERAFRONT_HOME=str(tmp_path))
    assert result.returncode == 0 and result.stdout.strip() == "torch", result.stderr
    result = run_python(code, KERAS_BACKEND="torch", KERAFRONT_BACKEND="numpy", KERAFRONT_HOME=str(tmp_path))
    assert result.stdout.strip() == "numpy", result.stderr
    result = run_python(code, KERAS_BACKEND="openvino", KERAFRONT_HOME=str(tmp_path))
    assert result.returncode != 0 and "came from KERAS_BACKEND" in result.stderr
