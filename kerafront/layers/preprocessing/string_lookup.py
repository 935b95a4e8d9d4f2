"""``StringLookup``: strings to integer indices (or encodings) through a vocabulary, given or adapted."""

from kerafront.layers.preprocessing._index_lookup import IndexLookup


class StringLookup(IndexLookup):
    """Map strings to indices in a vocabulary (Keras's ``StringLookup``; the index layout, adapt rule,
    limits and saving are described in ``kerafront.layers.preprocessing._index_lookup``).

    Inputs: strings (a list, nested lists, a NumPy ``str``/``object``/``bytes`` array or a
    ``tf.string`` tensor), any shape. ``output_mode="int"``: int64 indices of the input's shape;
    ``"one_hot"``/``"multi_hot"``/``"count"``/``"tf_idf"``: floatx vectors of length
    ``vocabulary_size()`` (``max_tokens`` with ``pad_to_max_tokens``). ``invert=True`` maps indices
    back to tokens (a NumPy array of ``str``). ``sparse=True`` is not supported.

    >>> layer = StringLookup(vocabulary=["a", "b"])
    >>> ops.convert_to_numpy(layer([["a", "z", "b"]])).tolist()
    [[1, 0, 2]]
    """

    _STRINGS = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        if encoding not in ("utf-8", "UTF-8", "utf8"):
            raise ValueError(f"StringLookup: only encoding='utf-8' is supported; received encoding={encoding!r}.")
        for token, argument in ((mask_token, "mask_token"), (oov_token, "oov_token")):
            if token is not None and not isinstance(token, str):
                raise ValueError(f"StringLookup: {argument} must be a string or None; received {token!r}.")
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["encoding"] = self.encoding
        return config
