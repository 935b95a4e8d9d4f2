"""``Hashing``: strings or integers to hash buckets, bin-for-bin as Keras (FarmHash / keyed SipHash)."""

import numpy as np

from kerafront import config
from kerafront.dtypes import standardize_dtype
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._index_lookup import encode_host_ids
from kerafront.layers.preprocessing._string_hash import hash_buckets
from kerafront.layers.preprocessing.discretization import _encoded_shape


class Hashing(_encoding.HostDataLayer):
    """Hash each value into one of ``num_bins`` buckets, with the same bins as Keras.

    Strings are hashed as UTF-8, integers by their decimal text (floats are first truncated to
    integers), with FarmHash ``Fingerprint64`` or, when ``salt`` (an int or a pair of ints) is given,
    keyed SipHash-2-4: ``tf.strings.to_hash_bucket_fast``/``_strong`` without TensorFlow.
    ``mask_value``: values equal to it map to bin 0 and the others to ``1 + hash % (num_bins - 1)``.
    ``output_mode``: ``"int"`` (int64 bins, the input's shape; the default ``dtype``) or
    ``"one_hot"``/``"multi_hot"``/``"count"`` (floatx vectors of length ``num_bins``).

    Hashing runs on the host (NumPy), so a model holding it runs its steps eagerly
    (``supports_jit = False``). ``sparse=True`` is not supported.

    >>> ops.convert_to_numpy(Hashing(num_bins=3)([["A"], ["B"]])).tolist()
    [[1], [0]]
    """


    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(f"Hashing: num_bins must be a positive integer; received num_bins={num_bins!r}.")
        _encoding.check_choice("Hashing", "output_mode", output_mode, _encoding.OUTPUT_MODES)
        if output_mode == "int" and standardize_dtype(self.dtype) not in ("int32", "int64"):
            raise ValueError(f"Hashing: with output_mode='int', dtype must be 'int32' or 'int64'; received "
                             f"dtype={kwargs['dtype']!r}.")
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported by kerafront (outputs are dense).")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(isinstance(s, int) for s in salt):
                salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"Hashing: salt must be an integer or a pair of integers; received salt={salt!r}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = salt
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs):
        values = _encoding.to_host(inputs, strings=_holds_strings(inputs))
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == self.mask_value
        if values.dtype.kind == "f":
            values = values.astype(np.int64)
        buckets = hash_buckets(values, bins, self.salt)
        if mask is not None:
            buckets = np.where(mask, 0, buckets + 1)
        if self.output_mode == "one_hot" and buckets.ndim and buckets.shape[-1] == 1:
            buckets = buckets[..., 0]
        return encode_host_ids(buckets, self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        if self.output_mode == "one_hot" and input_shape and input_shape[-1] == 1:
            input_shape = input_shape[:-1]
        return _encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        config_ = super().get_config()
        config_.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                        "output_mode": self.output_mode, "sparse": self.sparse})
        return config_


def _holds_strings(inputs):
    """True for strings, bytes, and nested lists or arrays of them."""
    while isinstance(inputs, (list, tuple)) and inputs:
        inputs = inputs[0]
    if isinstance(inputs, np.ndarray):
        return inputs.dtype.kind in "USO"
    if type(inputs).__module__.startswith("tensorflow"):
        return getattr(inputs.dtype, "name", "") == "string"
    return isinstance(inputs, (str, bytes))
