"""Section device: ``name``, ``device_scope``, ``default_device``, ``list_devices``, ``KERAFRONT_DEVICE``,
and ``variable_storage`` (kerafront Variables held in ``tf.Variable``s).

kerafront names devices ``"cpu"`` and ``"gpu:<i>"`` (``"gpu"`` means ``"gpu:0"``; every spelling
``kerafront.config.parse_device`` accepts works); they map to TensorFlow's ``"/CPU:0"`` and
``"/GPU:<i>"``. Without ``KERAFRONT_DEVICE`` TensorFlow's own placement applies: the first GPU when
one is visible, else the CPU. ``KERAFRONT_DEVICE`` is read once, at import, and enters a
``tf.device`` scope for the importing thread (TensorFlow's device scopes are per thread; other
threads use ``device_scope``).
"""

import contextlib
import threading

from kerafront import config
from kerafront.variables import Variable
from kerafront_tensorflow._tf import tf

name = "tensorflow"

_scopes = threading.local()
_cache = {}


def list_devices():
    """``["cpu", "gpu:0", ...]``: the CPU and every GPU TensorFlow can see."""
    devices = _cache.get("devices")
    if devices is None:
        gpus = tf.config.list_physical_devices("GPU")
        devices = _cache["devices"] = ["cpu"] + [f"gpu:{i}" for i in range(len(gpus))]
    return list(devices)


def canonical_device(device, where="device_scope"):
    """``"cpu"`` or ``"gpu:<i>"`` for a device name; ``ValueError`` when TensorFlow here lacks it."""
    return _available(config.parse_device(device, where), device, where)


def _available(parsed, device, where):
    kind, index = parsed
    canonical = "cpu" if kind == "cpu" else f"gpu:{index}"
    available = list_devices()
    if canonical not in available:
        raise ValueError(f"{where}: device {device!r} is not available to TensorFlow here; "
                         f"available devices: {', '.join(available)}.")
    return canonical


def tf_device_name(canonical):
    return "/CPU:0" if canonical == "cpu" else "/GPU:" + canonical.split(":")[1]


def _stack():
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


def default_device():
    """The device new tensors go to in this thread: the innermost ``device_scope``, else the default."""
    stack = _stack()
    if stack:
        return stack[-1]
    default = _cache.get("default")
    if default is None:
        devices = list_devices()
        default = _cache["default"] = devices[1] if len(devices) > 1 else "cpu"
    return default


def on_gpu():
    return default_device() != "cpu"


@contextlib.contextmanager
def device_scope(name):
    """``with device_scope("gpu:1"):`` creates tensors and runs ops on that device (``tf.device``)."""
    canonical = canonical_device(name)
    stack = _stack()
    stack.append(canonical)
    try:
        with tf.device(tf_device_name(canonical)):
            yield canonical
    finally:
        stack.pop()


def _split_cpu():
    """``KERAFRONT_TF_LOGICAL_CPUS=N``: N logical CPU devices (replicas for ``MirroredStrategy`` on a CPU)."""
    count = config.environ("KERAFRONT_TF_LOGICAL_CPUS")
    if not count:
        return
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"KERAFRONT_TF_LOGICAL_CPUS must be a positive integer, got {count!r}.")
    try:
        tf.config.set_logical_device_configuration(tf.config.list_physical_devices("CPU")[0],
                                                   [tf.config.LogicalDeviceConfiguration()] * int(count))
    except RuntimeError:
        if len(tf.config.list_logical_devices("CPU")) != int(count):
            raise ValueError("KERAFRONT_TF_LOGICAL_CPUS: TensorFlow's runtime started before kerafront's TensorFlow "
                             "backend was imported; set the variable before the first TensorFlow op.") from None


def _apply_environment():
    _split_cpu()
    requested = config.requested_device()
    if requested is None:
        return
    canonical = _available(requested, config.environ("KERAFRONT_DEVICE"), "KERAFRONT_DEVICE")
    _cache["default"] = canonical
    scope = tf.device(tf_device_name(canonical))
    scope.__enter__()
    _cache["environment_scope"] = scope


_apply_environment()


# ----------------------------------------------------------------------------------------------
# Variable storage


class VariableStorage:
    """kerafront Variables on TensorFlow hold a ``tf.Variable`` (``kerafront.variables`` states the hooks).

    So TensorFlow's own machinery sees them: ``tf.GradientTape`` watches trainable ones as they are
    read and differentiates with respect to them (``tape.gradient(loss, model.trainable_weights)``),
    ``tf.function`` captures them by handle (the trainer's "stateful" steps read and assign them in
    the graph), and ``assign`` writes in place, so a variable keeps its identity.

    * ``read`` returns a snapshot tensor (``tf.Variable.value()``), never the ``tf.Variable`` itself: every
      backend op keeps getting ``tf.Tensor``s, and a value read before an ``assign`` keeps its numbers,
      as on the other backends. Inside a ``GradientTape`` the read is recorded, so gradients with
      respect to the variable flow through it.
    * ``make`` inside a ``tf.function`` trace creates the ``tf.Variable`` outside the graph
      (``tf.init_scope``, as Keras does) from the value's constant; a value computed from the traced
      inputs cannot be lifted and raises ``ValueError``.
    * ``set_trainable``: ``tf.Variable.trainable`` is read-only, so the flag it returns (the private
      ``_trainable``) is set instead of recreating the variable: identity and the handles compiled
      functions captured stay valid, and ``GradientTape``'s automatic watching follows
      kerafront's flag (a frozen variable is not watched, an unfrozen one is).
    """

    @staticmethod
    def make(tensor, trainable):
        if tf.executing_eagerly():
            return tf.Variable(tensor, trainable=bool(trainable))
        constant = tf.get_static_value(tensor)
        if constant is None:
            raise ValueError("Variable: cannot create a variable inside a compiled function (tf.function) from a "
                             "value computed there; create it before compiling (build the layer or the optimizer "
                             "first) or initialize it from a constant.")
        with tf.init_scope():
            return tf.Variable(tf.constant(constant, dtype=tensor.dtype), trainable=bool(trainable))

    @staticmethod
    def read(storage):
        return storage.value()

    @staticmethod
    def assign(storage, tensor):
        storage.assign(tensor, read_value=False)
        return storage

    @staticmethod
    def set_trainable(storage, trainable):
        storage._trainable = bool(trainable)


variable_storage = VariableStorage()


def _variable_to_tensor(variable, dtype=None, name=None, as_ref=False):
    """``tf.convert_to_tensor(kerafront_variable)``: its current value, so TensorFlow ops take kerafront Variables."""
    return tf.convert_to_tensor(variable.value, dtype=dtype, name=name)


tf.register_tensor_conversion_function(Variable, _variable_to_tensor)
