"""``IntegerLookup``: integers to indices (or encodings) through a vocabulary, given or adapted."""

from kerafront.layers.preprocessing._index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Map integers to indices in a vocabulary (Keras's ``IntegerLookup``; the index layout, adapt rule,
    limits and saving are described in ``kerafront.layers.preprocessing._index_lookup``).

    Inputs: integers of any shape. ``oov_token`` defaults to -1. OOV values with
    ``num_oov_indices > 1`` take ``value mod num_oov_indices`` (``oov_method="floormod"``) or a
    FarmHash bucket of their decimal text (``"farmhash"``, SipHash with ``salt``). Outputs as
    ``StringLookup``; ``invert=True`` gives integers back. ``sparse=True`` is not supported.

    >>> layer = IntegerLookup(vocabulary=[12, 36])
    >>> ops.convert_to_numpy(layer([[12, 1138, 36]])).tolist()
    [[1, 0, 2]]
    """

    _STRINGS = False

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f"IntegerLookup: only vocabulary_dtype='int64' is supported; received "
                             f"vocabulary_dtype={vocabulary_dtype!r}.")
        for token, argument in ((mask_token, "mask_token"), (oov_token, "oov_token")):
            if token is not None and (isinstance(token, bool) or not isinstance(token, int)):
                raise ValueError(f"IntegerLookup: {argument} must be an integer or None; received {token!r}.")
        if salt is not None and oov_method != "farmhash":
            raise ValueError(f"IntegerLookup: salt is only used with oov_method='farmhash'; received "
                             f"oov_method={oov_method!r}.")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, sparse=sparse, pad_to_max_tokens=pad_to_max_tokens,
                         oov_method=oov_method, salt=salt, name=name, **kwargs)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_dtype"] = "int64"
        return config
