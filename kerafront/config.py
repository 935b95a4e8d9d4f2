"""Configuration: the active backend, floatx, image_data_format and epsilon.

Precedence for each setting: an explicit ``set_*`` call, then the environment
(``KERAFRONT_BACKEND``, ``KERAFRONT_FLOATX``, ``KERAFRONT_IMAGE_DATA_FORMAT``), then the keys
``backend``, ``floatx``, ``image_data_format``, ``epsilon`` of ``$KERAFRONT_HOME/kerafront.json``
(``KERAFRONT_HOME`` defaults to ``~/.kerafront``), then the defaults numpy / float32 /
channels_last / 1e-7.
"""

import contextlib
import json
import os

from kerafront import registry
from kerafront.dtypes import FLOAT_DTYPES, standardize_dtype

DEFAULTS = {"backend": "numpy", "floatx": "float32", "image_data_format": "channels_last", "epsilon": 1e-7}
_ENV = {"backend": "KERAFRONT_BACKEND", "floatx": "KERAFRONT_FLOATX",
        "image_data_format": "KERAFRONT_IMAGE_DATA_FORMAT"}
DATA_FORMATS = ("channels_last", "channels_first")


class _State:
    """The process-wide settings; ``backend`` is the active backend module (read on every op)."""

    backend = None
    backend_name = None
    impl = {}  # primitive name -> backend function (mutated in place; kerafront.ops holds a reference)
    overrides = {}
    pending = False  # the selected backend was still importing; see complete_pending_backend
    floatx = "float32"
    image_data_format = "channels_last"
    epsilon = 1e-7


state = _State()


def config_path():
    home = os.environ.get("KERAFRONT_HOME") or os.path.join(os.path.expanduser("~"), ".kerafront")
    return os.path.join(home, "kerafront.json")


def read_config_file():
    """The settings stored in ``kerafront.json`` (an empty dict when absent).

    A file that is not a JSON object raises ``ValueError`` naming the file.
    """
    path = config_path()
    if not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as error:
        raise ValueError(f"kerafront config file {path} is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"kerafront config file {path} must hold a JSON object, got {type(data).__name__}.")
    return data


def resolve(key, file_settings=None):
    """The value of setting ``key`` by the precedence in the module docstring (ignoring ``set_*``)."""
    env = _ENV.get(key)
    if env and os.environ.get(env):
        return os.environ[env]
    file_settings = read_config_file() if file_settings is None else file_settings
    return file_settings.get(key, DEFAULTS[key])


def backend():
    """Name of the active backend (``"numpy"``, ``"torch"``, ``"jax"``, ``"tensorflow"`` or a registered name)."""
    return state.backend_name


def backend_module():
    """The active backend module (for library code that needs a backend hook)."""
    if state.pending:
        complete_pending_backend()
    return state.backend


def complete_pending_backend():
    """Finish selecting the backend whose own package was still importing when kerafront was
    imported (``import kerafront_torch`` before ``import kerafront``): by the first op it has
    finished importing. Returns the primitive table."""
    if state.pending:
        state.pending = False
        set_backend(state.backend_name)
    return state.impl


def _mid_import(name):
    """True when backend ``name``'s package is itself being imported right now."""
    import sys
    module_name = registry.BUILTIN.get(name, (None,))[0]
    module = sys.modules.get(module_name) if module_name else None
    return bool(module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False))


def set_backend(name):
    """Make ``name`` the active backend in this process; modules are not reloaded.

    Tensors created under another backend are not converted: build new models after switching.
    """
    if not isinstance(name, str):
        raise TypeError(f"set_backend: expected a backend name (str), got {type(name).__name__}.")
    module = registry.load(name)
    from kerafront.spec import OVERRIDABLE_COMPOSITES, PRIMITIVES
    missing = [op for op in PRIMITIVES if not hasattr(module, op)]
    if missing:
        raise ValueError(f"kerafront backend {name!r} lacks the primitives {', '.join(missing)}; it cannot be used "
                         "(run its conformance suite: pytest conformance_tests --backend NAME).")
    state.impl.clear()
    state.impl.update({op: getattr(module, op) for op in PRIMITIVES})
    state.overrides = {op: getattr(module, op) for op in OVERRIDABLE_COMPOSITES if hasattr(module, op)}
    state.backend = module
    state.backend_name = name
    state.pending = False


@contextlib.contextmanager
def backend_scope(name):
    """``with backend_scope("torch"):`` runs its body with ``name`` active, then restores the previous backend."""
    previous = state.backend_name
    set_backend(name)
    try:
        yield state.backend
    finally:
        set_backend(previous)


def floatx():
    """Default float dtype (``"float32"`` unless set)."""
    return state.floatx


def set_floatx(value):
    name = standardize_dtype(value)
    if name not in FLOAT_DTYPES:
        raise ValueError(f"set_floatx: expected one of {FLOAT_DTYPES}, got {value!r}.")
    state.floatx = name


def image_data_format():
    """``"channels_last"`` (default) or ``"channels_first"``."""
    return state.image_data_format


def set_image_data_format(value):
    state.image_data_format = standardize_data_format(value, "set_image_data_format")


def standardize_data_format(value, where="data_format"):
    """``None`` -> the configured default; otherwise validate ``value`` and return it."""
    if value is None:
        return state.image_data_format
    if value not in DATA_FORMATS:
        raise ValueError(f"{where}: data_format must be 'channels_last' or 'channels_first', got {value!r}.")
    return value


def epsilon():
    """Fuzz factor used by losses and metrics (1e-7, as in Keras)."""
    return state.epsilon


def set_epsilon(value):
    state.epsilon = float(value)


def device(name):
    """``with kerafront.device("gpu:0"):`` places new tensors on that device (backend permitting)."""
    return backend_module().device_scope(name)


def _initialize():
    file_settings = read_config_file()
    set_floatx(resolve("floatx", file_settings))
    set_image_data_format(resolve("image_data_format", file_settings))
    set_epsilon(file_settings.get("epsilon", DEFAULTS["epsilon"]))
    name = resolve("backend", file_settings)
    if _mid_import(name):
        # The user imported the backend package first; it imports kerafront before its own
        # primitives exist. Select it once it is complete: at the first op (see _dispatch).
        state.backend_name, state.pending = name, True
        return
    set_backend(name)
