"""Import TensorFlow once: quietly, and without importing Keras.

* ``TF_CPP_MIN_LOG_LEVEL`` defaults to ``"2"`` (hide C++ INFO and WARNING start-up lines such as the
  CPU-feature and oneDNN notices; ERROR lines still show). A value the user set is kept.
* ``import tensorflow`` ends by eagerly importing ``keras.src.optimizers`` (for Keras's own
  SavedModel registrations) inside a ``try/except ImportError``. That pulls in all of Keras,
  matplotlib and IPython: about half of TensorFlow's import time, and kerafront must never import
  ``keras``. While importing TensorFlow we mark those two module names as unavailable
  (``sys.modules[name] = None``, which makes the import raise ``ImportError`` without touching the
  parent package), then remove the marks, so a later ``import keras`` or ``tf.keras`` still works.
  The same trick skips TFLite's optional ``import jax``.
"""

import os
import sys

# Optional imports TensorFlow guards with ``try/except ImportError``: Keras's optimizers (above) and
# JAX (``tensorflow.lite.python.util`` does ``from jax import jit`` for TFLite's JAX converter,
# about 3 s, and kerafront never imports another backend's framework).
_OPTIONAL_IMPORTS = ("keras.src.optimizers", "tf_keras.src.optimizers", "jax")


def _import_tensorflow():
    if "tensorflow" in sys.modules:
        import tensorflow
        return tensorflow
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    blocked = [name for name in _OPTIONAL_IMPORTS if name not in sys.modules]
    for name in blocked:
        sys.modules[name] = None
    try:
        import tensorflow
    finally:
        for name in blocked:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
    return tensorflow


tf = _import_tensorflow()
Tensor = tf.Tensor
