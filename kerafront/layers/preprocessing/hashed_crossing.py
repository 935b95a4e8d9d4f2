"""``HashedCrossing``: crosses of two or more categorical features hashed into bins, bin-for-bin as Keras
(TensorFlow's ``sparse.cross_hashed``, without TensorFlow)."""

import numpy as np

from kerafront import config
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._index_lookup import encode_host_ids
from kerafront.layers.preprocessing._string_hash import fingerprint64

_MASK64 = (1 << 64) - 1
_MUL = 0xC6A4A7935BD1E995
_HASH_KEY = 0xDECAFCAFFE  # TensorFlow's default hash_key of cross_hashed


def _shift_mix(value):
    return value ^ (value >> 47)


def _fingerprint_cat64(fp1, fp2):
    """TensorFlow's ``FingerprintCat64``: an order-dependent combination of two 64-bit fingerprints."""
    result = fp1 ^ _MUL
    result ^= (_shift_mix((fp2 * _MUL) & _MASK64) * _MUL) & _MASK64
    result = (result * _MUL) & _MASK64
    return _shift_mix((_shift_mix(result) * _MUL) & _MASK64)


def _feature_hash(value):
    """A string's UTF-8 ``Fingerprint64``; an integer's own 64-bit two's-complement value (TensorFlow's rule)."""
    if isinstance(value, str):
        return fingerprint64(value.encode("utf-8"))
    if isinstance(value, bytes):
        return fingerprint64(value)
    return int(value) & _MASK64


class HashedCrossing(_encoding.HostDataLayer):
    """Cross features: ``call([a, b, ...])`` hashes each tuple ``(a[i], b[i], ...)`` into one of ``num_bins`` bins.

    Inputs: two or more tensors of one shape, ``()``, ``(batch,)`` or ``(batch, 1)``, of integers or strings.
    Bin: ``FingerprintCat64`` folded over the features' hashes from the key ``0xDECAFCAFFE``, modulo
    ``num_bins`` (TensorFlow's ``sparse.cross_hashed``, which Keras calls). ``output_mode``: ``"int"`` (int64
    bins of the input's shape) or ``"one_hot"`` (floatx vectors of length ``num_bins``). Runs on the host
    (``supports_jit = False``); ``sparse=True`` is not supported.
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None, **kwargs):
        if dtype is None:
            dtype = "int64" if output_mode == "int" else config.floatx()
        super().__init__(name=name, dtype=dtype, **kwargs)
        if not isinstance(num_bins, int) or isinstance(num_bins, bool) or num_bins <= 0:
            raise ValueError(f"HashedCrossing: num_bins must be a positive integer; received num_bins={num_bins!r}.")
        _encoding.check_choice("HashedCrossing", "output_mode", output_mode, ("int", "one_hot"))
        if sparse:
            raise ValueError("HashedCrossing: sparse=True is not supported by kerafront (outputs are dense).")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"HashedCrossing: expected a list or tuple of at least two inputs, received {inputs!r}.")
        features = [_encoding.to_host(x, strings=_holds_strings(x)) for x in inputs]
        shape = features[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"HashedCrossing: inputs must have shape (), (batch,) or (batch, 1), received {shape}.")
        if any(f.shape != shape for f in features[1:]):
            raise ValueError(f"HashedCrossing: inputs must have equal shapes, received {[f.shape for f in features]}.")
        if any(f.dtype.kind not in "iuO" for f in features):
            raise ValueError(f"HashedCrossing: inputs must hold integers or strings, received dtypes "
                             f"{[str(f.dtype) for f in features]}.")
        bins = np.zeros(shape, np.int64)
        for index in np.ndindex(*shape):
            hashed = _HASH_KEY
            for feature in features:
                hashed = _fingerprint_cat64(hashed, _feature_hash(feature[index]))
            bins[index] = hashed % self.num_bins
        return encode_host_ids(bins, self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2 or not all(
                isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(f"HashedCrossing: expected the shapes of a list of at least two inputs, received "
                             f"{input_shape!r}.")
        shape = tuple(input_shape[0])
        if self.output_mode == "int":
            return shape
        if shape and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (self.num_bins,)

    def get_config(self):
        return {"num_bins": self.num_bins, "output_mode": self.output_mode, "sparse": self.sparse, "name": self.name,
                "dtype": self.dtype}


def _holds_strings(inputs):
    while isinstance(inputs, (list, tuple)) and inputs:
        inputs = inputs[0]
    if isinstance(inputs, np.ndarray):
        return inputs.dtype.kind in "USO"
    if type(inputs).__module__.startswith("tensorflow"):
        return getattr(inputs.dtype, "name", "") == "string"
    return isinstance(inputs, (str, bytes))
