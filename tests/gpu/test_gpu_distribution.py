"""GPU check of data parallelism: on every GPU JAX sees, ``DataParallel`` training equals one device on the
same global batches (the model, data and training of ``tests/distribution/_jax_worker.py``). Runs in a
subprocess so the JAX backend is selected fresh; the whole module skips unless JAX sees a GPU."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")
try:
    GPUS = jax.devices("gpu")
except RuntimeError:
    GPUS = []
if not GPUS:
    pytest.skip("no GPU visible to JAX", allow_module_level=True)

DISTRIBUTION_TESTS = pathlib.Path(__file__).resolve().parents[1] / "distribution"
ROOT = pathlib.Path(__file__).resolve().parents[2]

_SCRIPT = """
import sys, numpy as np
sys.path[:0] = [{tests!r}]
import jax
jax.config.update("jax_default_matmul_precision", "float32")   # no TF32: compare to float32 accuracy
import kerafront as keras
from _jax_worker import build_model, train
single = train(keras, build_model(keras))
devices = keras.distribution.list_devices("gpu")
with keras.distribution.DataParallel(devices=devices).scope():
    dp = train(keras, build_model(keras))
np.savez({out!r}, n=len(devices), **{{"single/" + k: v for k, v in single.items()}}, **{{"dp/" + k: v for k, v in dp.items()}})
"""


def test_data_parallel_on_every_gpu_equals_one_device(tmp_path):
    out = tmp_path / "gpu_dp.npz"
    env = dict(os.environ, KERAFRONT_BACKEND="jax", PYTHONPATH=f"{ROOT}:{ROOT / 'backends'}")
    done = subprocess.run([sys.executable, "-c", _SCRIPT.format(tests=str(DISTRIBUTION_TESTS), out=str(out))],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    with np.load(out) as saved:
        found = dict(saved)
    assert int(found["n"]) == len(GPUS)
    for key in [k.split("/", 1)[1] for k in found if k.startswith("single/")]:
        np.testing.assert_allclose(found[f"dp/{key}"], found[f"single/{key}"], rtol=2e-4, atol=1e-5, err_msg=key)
