"""Run a function of a test module against Keras 3 on its TensorFlow backend, in a fresh process.

The suite imports Keras once per process on JAX (the root conftest.py). A few comparisons need Keras's
TensorFlow backend: a subclass's ``train_step(self, data)`` (Keras on JAX takes ``(state, data)``) and
masks in metrics (Keras on JAX drops them inside its compiled step). ``call(module, function, *args)``
runs ``module.function(keras, *args)`` there and returns its result (arrays, dicts, lists, numbers).
"""

import os
import pickle
import subprocess
import sys

import pytest

_SCRIPT = """
import pickle, sys
sys.path[:0] = [{tests!r}]
import keras, importlib
module = importlib.import_module({module!r})
args = pickle.loads(bytes.fromhex({args!r}))
result = getattr(module, {function!r})(keras, *args)
sys.stdout.buffer.write(b"RESULT:" + pickle.dumps(result).hex().encode())
"""


def call(module, function, *args, timeout=300):
    pytest.importorskip("keras")
    pytest.importorskip("tensorflow")
    tests = os.path.dirname(os.path.abspath(__file__))
    code = _SCRIPT.format(tests=tests, module=module, function=function, args=pickle.dumps(args).hex())
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=timeout, env=env,
                          cwd=os.path.dirname(tests))
    marker = done.stdout.rfind(b"RESULT:")
    if done.returncode != 0 or marker < 0:
        raise AssertionError(f"Keras on TensorFlow failed:\n{done.stderr.decode()[-3000:]}")
    return pickle.loads(bytes.fromhex(done.stdout[marker + 7:].decode()))
