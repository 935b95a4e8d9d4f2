"""``CategoryEncoding``: integer ids to one-hot, multi-hot or count vectors."""

from kerafront import ops
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._data_layer import DataLayer
from kerafront.layers.preprocessing.discretization import _encoded_shape


class CategoryEncoding(DataLayer):
    """Encode integer ids in ``[0, num_tokens)`` as vectors of length ``num_tokens`` (floatx).

    ``output_mode``: ``"one_hot"`` (a new last axis; a trailing axis of size 1 is replaced),
    ``"multi_hot"`` (default; 1 where an id occurs in a sample, reducing axis 1 -- a rank-1 input
    is one sample) or ``"count"`` (occurrences, optionally weighted by ``count_weights`` in
    ``call``). Ids outside the range encode as zeros, as with Keras's NumPy and JAX backends.
    ``sparse=True`` is not supported.

    >>> ops.convert_to_numpy(CategoryEncoding(4, output_mode="count")([[0, 1, 1]])).tolist()
    [[1.0, 2.0, 0.0, 0.0]]
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        _encoding.check_choice("CategoryEncoding", "output_mode", output_mode, ("one_hot", "multi_hot", "count"))
        if num_tokens is None or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: num_tokens must be an integer >= 1 (use IntegerLookup when the "
                             f"number of tokens is not known); received num_tokens={num_tokens!r}.")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported by kerafront (outputs are dense).")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f'CategoryEncoding "{self.name}": count_weights is only used with output_mode="count"; '
                             f"this layer has output_mode={self.output_mode!r}.")
        return _encoding.encode_categorical(inputs, self.output_mode, self.num_tokens, self.dtype,
                                            count_weights=count_weights)

    def compute_output_shape(self, input_shape):
        return _encoded_shape(tuple(input_shape), self.output_mode, self.num_tokens)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": self.sparse})
        return config
