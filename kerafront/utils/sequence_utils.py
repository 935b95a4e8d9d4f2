"""``pad_sequences``: a list of variable-length sequences as one ``(num_samples, maxlen, ...)`` array."""

import numpy as np

_SIDES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pad (or cut) each sequence to ``maxlen`` steps; Keras's ``keras.utils.pad_sequences``.

    ``sequences``: a list of sequences (lists or arrays; each step may itself be an array of shape
    ``sample_shape``). Returns an array of shape ``(len(sequences), maxlen) + sample_shape`` and dtype
    ``dtype``; ``maxlen`` defaults to the longest sequence. ``padding``/``truncating`` ("pre" or "post")
    say on which side values are added or removed; ``value`` fills the padding. For strings pass
    ``dtype=object`` (or a NumPy string dtype) and a string ``value``.

    >>> pad_sequences([[1], [2, 3], [4, 5, 6]], maxlen=2).tolist()
    [[0, 1], [2, 3], [5, 6]]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences: sequences must be a list of sequences, got {type(sequences).__name__}.")
    if padding not in _SIDES:
        raise ValueError(f"pad_sequences: padding must be 'pre' or 'post', got {padding!r}.")
    if truncating not in _SIDES:
        raise ValueError(f"pad_sequences: truncating must be 'pre' or 'post', got {truncating!r}.")
    lengths, sample_shape = [], None
    for index, sequence in enumerate(sequences):
        if not hasattr(sequence, "__len__") or isinstance(sequence, (str, bytes)):
            raise ValueError(f"pad_sequences: every entry must be a sequence (list or array), got "
                             f"{type(sequence).__name__} at position {index}.")
        lengths.append(len(sequence))
        if sample_shape is None and len(sequence):
            sample_shape = np.asarray(sequence).shape[1:]
    sample_shape = sample_shape or ()
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be a non-negative int or None, got {maxlen!r}.")
    is_text_dtype = dtype is object or np.dtype(dtype).kind in "OSU"
    if isinstance(value, str) and not is_text_dtype:
        raise ValueError(f"pad_sequences: value {value!r} is a string but dtype is {np.dtype(dtype).name}; pass "
                         "dtype=object for variable-length strings.")
    out = np.full((len(lengths), int(maxlen)) + tuple(sample_shape), value, dtype=dtype)
    if maxlen == 0:
        return out
    for index, sequence in enumerate(sequences):
        if not len(sequence):
            continue
        kept = sequence[-maxlen:] if truncating == "pre" else sequence[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != tuple(sample_shape):
            raise ValueError(f"pad_sequences: the steps of sequence {index} have shape {kept.shape[1:]}, expected "
                             f"{tuple(sample_shape)} (the shape of the first non-empty sequence's steps).")
        if padding == "post":
            out[index, :len(kept)] = kept
        else:
            out[index, maxlen - len(kept):] = kept
    return out
