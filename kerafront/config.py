"""Configuration: the active backend, floatx, image_data_format, epsilon, and every process switch.

Precedence for each setting: an explicit ``set_*`` call, then the environment
(``KERAFRONT_BACKEND``, ``KERAFRONT_FLOATX``, ``KERAFRONT_IMAGE_DATA_FORMAT``; for the backend, Keras's
``KERAS_BACKEND`` when ``KERAFRONT_BACKEND`` is unset, so a Keras script that sets it runs on the backend it
names after ``import kerafront as keras``), then the keys
``backend``, ``floatx``, ``image_data_format``, ``epsilon`` of ``$KERAFRONT_HOME/kerafront.json``
(``KERAFRONT_HOME`` defaults to ``~/.kerafront``), then the defaults numpy / float32 /
channels_last / 1e-7.

Every ``KERAFRONT_*`` environment variable is read here, through ``environ(name)``, and listed in
``SWITCHES`` (name -> what it does); backends and utilities ask this module instead of ``os.environ``.

The active backend is process-wide (``set_backend``); ``backend_scope`` changes it for the calling
thread only, so a ``with backend_scope("torch"):`` in one thread never disturbs another thread's ops.
"""

import contextlib
import os
import threading

from kerafront import _files, registry
from kerafront.dtypes import FLOAT_DTYPES, standardize_dtype

DEFAULTS = {"backend": "numpy", "floatx": "float32", "image_data_format": "channels_last", "epsilon": 1e-7}
_ENV = {"backend": "KERAFRONT_BACKEND", "floatx": "KERAFRONT_FLOATX",
        "image_data_format": "KERAFRONT_IMAGE_DATA_FORMAT"}
DATA_FORMATS = ("channels_last", "channels_first")

SWITCHES = {
    "KERAFRONT_BACKEND": "the backend selected at import: numpy (default), torch, jax, tensorflow or a registered "
                         "third-party name.",
    "KERAFRONT_FLOATX": "the default float dtype (float32 default).",
    "KERAFRONT_IMAGE_DATA_FORMAT": "channels_last (default) or channels_first.",
    "KERAFRONT_HOME": "the folder of kerafront.json (default ~/.kerafront).",
    "KERAFRONT_DEVICE": "the device new tensors go to on torch, JAX and TensorFlow: cpu, gpu, gpu:<index> "
                        "(read when the backend is imported; default: the first GPU the framework sees, else the CPU).",
    "KERAFRONT_MALLOC_TOP_PAD": "MiB of freed memory glibc keeps for the next training step on the CPU (NumPy, torch); "
                                "default 128, 0 leaves malloc alone. Process-wide: it is set at the first fit().",
    "KERAFRONT_TORCH_COMPILE": "0 (default): the torch backend's compile is the identity; 1 or a torch.compile mode "
                               "(default, reduce-overhead, max-autotune...) compiles training steps.",
    "KERAFRONT_JAX_ENABLE_X64": "1 turns on JAX's 64-bit mode at import (off by default, as in JAX).",
    "KERAFRONT_JAX_COMPILATION_CACHE": "JAX's persistent compilation cache: unset/1 uses ~/.cache/kerafront/jax, "
                                       "0 turns it off, anything else is the folder.",
    "KERAFRONT_TF_XLA": "1 compiles TensorFlow steps with XLA (jit_compile=True); off by default.",
    "KERAFRONT_TF_LOGICAL_CPUS": "N splits the CPU into N logical TensorFlow devices at import (cpu:0..cpu:N-1), so "
                                 "tf.distribute runs N replicas on a CPU-only machine.",
    "KERAFRONT_MAX_EPOCHS": "caps the epochs of every fit() (for a quick run of a script; Keras's KERAS_MAX_EPOCHS).",
    "KERAFRONT_MAX_STEPS_PER_EPOCH": "caps the steps of each epoch of fit() and of evaluate()/predict() "
                                     "(Keras's KERAS_MAX_STEPS_PER_EPOCH).",
}
_TRUE = ("1", "true", "yes", "on")


def environ(name):
    """The value of switch ``name`` (a key of ``SWITCHES``) in the environment, stripped; ``""`` when unset."""
    if name not in SWITCHES:
        raise KeyError(f"config.environ: {name!r} is not a documented kerafront switch; add it to config.SWITCHES.")
    return os.environ.get(name, "").strip()


def environ_flag(name):
    """True when switch ``name`` is set to 1/true/yes/on (any case)."""
    return environ(name).lower() in _TRUE


def parse_device(name, where="device_scope"):
    """A device name as ``(kind, index)``: ``"cpu"`` -> ``("cpu", 0)``, ``"gpu"`` / ``"cuda:1"`` -> ``("gpu", 1)``.

    Accepted spellings: ``cpu``, ``cpu:<i>``, ``gpu``, ``gpu:<i>``, ``cuda``, ``cuda:<i>``, any case, with
    TensorFlow's ``/device:`` or ``/`` prefix. Whether the device exists is the backend's question.
    """
    text = name.strip().lower() if isinstance(name, str) else None
    if text:
        text = text.lstrip("/")
        if text.startswith("device:"):
            text = text[len("device:"):]
        kind, _, index = text.partition(":")
        kind = "gpu" if kind == "cuda" else kind
        if kind in ("cpu", "gpu") and (index.isdigit() or not index):
            return kind, int(index or 0)
    raise ValueError(f"{where}: expected a device name such as 'cpu', 'gpu' or 'gpu:1', got {name!r}.")


def requested_device():
    """``KERAFRONT_DEVICE`` as ``(kind, index)``, or None when unset."""
    name = environ("KERAFRONT_DEVICE")
    return parse_device(name, "KERAFRONT_DEVICE") if name else None


class _Tables:
    """One backend's dispatch tables, swapped as a whole (never mutated once published)."""

    __slots__ = ("backend", "name", "impl", "overrides")

    def __init__(self, backend, name, impl, overrides):
        self.backend, self.name, self.impl, self.overrides = backend, name, impl, overrides


class _Active(threading.local):
    """The tables ops dispatch through: the class attribute is the process-wide backend; a
    ``backend_scope`` sets an instance attribute, which only its own thread sees."""

    tables = _Tables(None, None, {}, {})


active = _Active()


class _State:
    """The process-wide settings. ``backend`` / ``backend_name`` read the calling thread's active backend."""

    floatx = "float32"
    image_data_format = "channels_last"
    epsilon = 1e-7
    max_epochs = "env"  # "env": read KERAFRONT_MAX_EPOCHS; else a set_max_epochs value (None or an int)
    max_steps_per_epoch = "env"
    interactive_logging = True
    traceback_filtering = True
    flash_attention = True
    dtype_policy = None  # the global DTypePolicy set by set_dtype_policy; None: DTypePolicy(floatx())

    @property
    def backend(self):
        return active.tables.backend

    @property
    def backend_name(self):
        return active.tables.name

    @property
    def overrides(self):
        return active.tables.overrides


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
        with _files.open_regular(path, "kerafront config file") as f:
            data = _files.loads_json(f.read(), f"kerafront config file {path}")
    except OSError as error:
        raise ValueError(f"kerafront config file {path} cannot be read: {error}") from None
    if not isinstance(data, dict):
        raise ValueError(f"kerafront config file {path} must hold a JSON object, got {type(data).__name__}.")
    return data


def resolve(key, file_settings=None):
    """The value of setting ``key`` by the precedence in the module docstring (ignoring ``set_*``)."""
    env = _ENV.get(key)
    if env and os.environ.get(env):
        return os.environ[env]
    if key == "backend" and os.environ.get("KERAS_BACKEND", "").strip():
        return os.environ["KERAS_BACKEND"].strip()
    file_settings = read_config_file() if file_settings is None else file_settings
    return file_settings.get(key, DEFAULTS[key])


def backend():
    """Name of the active backend (``"numpy"``, ``"torch"``, ``"jax"``, ``"tensorflow"`` or a registered name)."""
    return active.tables.name


def backend_module():
    """The active backend module (for library code that needs a backend hook)."""
    tables = active.tables
    if tables.backend is None and tables.name is not None:
        tables = _complete_pending(tables.name)
    return tables.backend


def _mid_import(name):
    """True when backend ``name``'s package is itself being imported right now."""
    import sys
    module_name = registry.BUILTIN.get(name, (None,))[0]
    module = sys.modules.get(module_name) if module_name else None
    return bool(module is not None and getattr(getattr(module, "__spec__", None), "_initializing", False))


def _tables_for(name):
    module = registry.load(name)
    from kerafront.spec import OVERRIDABLE_COMPOSITES, PRIMITIVES
    missing = [op for op in PRIMITIVES if not hasattr(module, op)]
    if missing:
        raise ValueError(f"kerafront backend {name!r} lacks the primitives {', '.join(missing)}; it cannot be used "
                         "(run its conformance suite: pytest conformance_tests --backend NAME).")
    impl = {op: getattr(module, op) for op in PRIMITIVES}
    overrides = {op: getattr(module, op) for op in OVERRIDABLE_COMPOSITES if hasattr(module, op)}
    return _Tables(module, name, impl, overrides)


def _pending_tables(name):
    """Tables for a backend whose package is still importing (``import kerafront_torch`` before
    ``import kerafront``): each entry finishes selecting it at the first op, then forwards. The
    ops themselves never check for this case."""
    from kerafront.spec import PRIMITIVES

    def forwarder(op):
        def complete_then_call(*args, **kwargs):
            return _complete_pending(name).impl[op](*args, **kwargs)
        return complete_then_call

    return _Tables(None, name, {op: forwarder(op) for op in PRIMITIVES}, {})


def _complete_pending(name):
    """Publish the finished tables of the process-wide backend (only it can be pending: scopes and
    ``set_backend`` build complete tables)."""
    tables = _tables_for(name)
    if _Active.tables.name == name and _Active.tables.backend is None:
        _Active.tables = tables
    return tables


def set_backend(name):
    """Make ``name`` the active backend in this process; modules are not reloaded.

    Tensors created under another backend are not converted: build new models after switching.
    Inside a ``backend_scope`` it changes that scope's (this thread's) backend.
    """
    if not isinstance(name, str):
        raise TypeError(f"set_backend: expected a backend name (str), got {type(name).__name__}.")
    tables = _tables_for(name)
    if "tables" in active.__dict__:
        active.tables = tables
    else:
        _Active.tables = tables


@contextlib.contextmanager
def backend_scope(name):
    """``with backend_scope("torch"):`` runs its body with ``name`` active in this thread, then restores
    the previous backend. Other threads keep theirs."""
    if not isinstance(name, str):
        raise TypeError(f"backend_scope: expected a backend name (str), got {type(name).__name__}.")
    tables = _tables_for(name)
    scoped = active.__dict__.get("tables")
    active.tables = tables
    try:
        yield tables.backend
    finally:
        if scoped is None:
            del active.tables
        else:
            active.tables = scoped


def floatx():
    """Default float dtype (``"float32"`` unless set)."""
    return state.floatx


def set_floatx(value):
    name = standardize_dtype(value)
    if name not in FLOAT_DTYPES:
        raise ValueError(f"set_floatx: expected one of {FLOAT_DTYPES}, got {value!r}.")
    state.floatx = name


def dtype_policy():
    """The global dtype policy (``kerafront.dtype_policies``): ``DTypePolicy(floatx())`` unless set."""
    from kerafront.dtype_policies.dtype_policy import dtype_policy as global_policy
    return global_policy()


def set_dtype_policy(policy):
    """Set the global dtype policy: a ``DTypePolicy`` or a name such as ``"mixed_bfloat16"``."""
    from kerafront.dtype_policies.dtype_policy import set_dtype_policy as set_global_policy
    set_global_policy(policy)


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


def _positive_or_none(value, where):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: expected a positive int or None, got {value!r}.")
    return value


def _env_cap(name):
    text = environ(name)
    if not text:
        return None
    try:
        return _positive_or_none(int(text), name)
    except ValueError:
        raise ValueError(f"{name}: expected a positive integer, got {text!r}.") from None


def max_epochs():
    """The cap on the epochs of every ``fit`` (``None``: no cap); ``set_max_epochs`` or KERAFRONT_MAX_EPOCHS."""
    return state.max_epochs if state.max_epochs != "env" else _env_cap("KERAFRONT_MAX_EPOCHS")


def set_max_epochs(value):
    """Cap the epochs of every ``fit`` (to run a script quickly without editing it); ``None`` removes the cap."""
    state.max_epochs = _positive_or_none(value, "set_max_epochs")


def max_steps_per_epoch():
    """The cap on the steps of each epoch of ``fit`` and of ``evaluate``/``predict`` (``None``: no cap)."""
    return state.max_steps_per_epoch if state.max_steps_per_epoch != "env" else \
        _env_cap("KERAFRONT_MAX_STEPS_PER_EPOCH")


def set_max_steps_per_epoch(value):
    """Cap the steps per epoch of ``fit`` and of ``evaluate``/``predict``; ``None`` removes the cap."""
    state.max_steps_per_epoch = _positive_or_none(value, "set_max_steps_per_epoch")


def _flag(name, doc):
    def is_enabled():
        return getattr(state, name)

    def enable():
        setattr(state, name, True)

    def disable():
        setattr(state, name, False)

    is_enabled.__doc__, enable.__doc__, disable.__doc__ = doc, f"Turn on: {doc}", f"Turn off: {doc}"
    return is_enabled, enable, disable


is_interactive_logging_enabled, enable_interactive_logging, disable_interactive_logging = _flag(
    "interactive_logging", "progress bars written to stdout (on by default); off, fit's progress goes to the "
    "'kerafront' logger one line per epoch.")
is_traceback_filtering_enabled, enable_traceback_filtering, disable_traceback_filtering = _flag(
    "traceback_filtering", "Keras's traceback filtering flag. kerafront never rewrites tracebacks, so this only "
    "records the setting (scripts that call it keep running).")
is_flash_attention_enabled, enable_flash_attention, disable_flash_attention = _flag(
    "flash_attention", "Keras's flash-attention switch. kerafront's fused attention overrides let the framework "
    "pick its kernel, so this records the setting only.")


def is_nnx_enabled():
    """Keras's flag for Flax NNX variables on JAX; kerafront does not use Flax, so always False."""
    return False


def enable_unsafe_deserialization():
    """Keras lets this load ``Lambda`` bytecode from files. kerafront never executes code from a file: a
    ``Lambda`` is rebuilt only from a function given through ``custom_objects``. The call is accepted (so a
    script that makes it runs on) with a warning saying so; loading a ``Lambda`` without its function still
    fails, naming the way to supply it."""
    import warnings
    warnings.warn("enable_unsafe_deserialization: kerafront never deserializes code from a file (a Lambda's "
                  "bytecode could run anything); this call changes nothing. Pass a Lambda's function through "
                  "load_model(..., custom_objects={'<function or layer name>': fn}).", stacklevel=2)


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
        # primitives exist. Select it once it is complete: at the first op.
        _Active.tables = _pending_tables(name)
        return
    try:
        set_backend(name)
    except ValueError as error:
        if os.environ.get(_ENV["backend"]) or name != os.environ.get("KERAS_BACKEND", "").strip():
            raise
        raise ValueError(f"{error} The name came from KERAS_BACKEND; set KERAFRONT_BACKEND to choose kerafront's "
                         "backend.") from None
