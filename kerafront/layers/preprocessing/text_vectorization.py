"""``TextVectorization``: strings to token indices or bag-of-words vectors, on the host."""

import re
import string

import numpy as np

from kerafront import config
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._index_lookup import id_dtype
from kerafront.layers.preprocessing.string_lookup import StringLookup

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_ASCII_WHITESPACE = re.compile(r"[ \t\n\r\f\v]+")


class TextVectorization(_encoding.HostDataLayer):
    """Standardize, split and n-gram strings, then look the tokens up in a vocabulary (Keras's layer).

    Inputs: a batch of strings, shape ``(batch,)`` or ``(batch, 1)`` (a list, NumPy array or
    ``tf.string`` tensor). ``standardize``: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
    ``"strip_punctuation"`` (ASCII letters are lowered and ASCII punctuation removed, as
    ``tf.strings.lower``/``regex_replace`` do), ``None``, or a callable taking and returning a NumPy
    array of strings. ``split``: ``"whitespace"``, ``"character"``, ``None`` (each string is one
    token) or a callable taking that array and returning one list of tokens per string.
    ``ngrams``: an int ``n`` (1..n-grams) or a tuple of widths, tokens joined by a space.

    Outputs (a tensor of the active backend): ``output_mode="int"`` -- int64 indices, 0 for padding
    and the empty token, 1 for OOV, shape ``(batch, output_sequence_length)`` (default: the longest
    sample); ``"multi_hot"``/``"count"``/``"tf_idf"``/``"one_hot"`` -- floatx vectors of length
    ``vocabulary_size()`` (``max_tokens`` with ``pad_to_max_tokens``). The vocabulary (given, set or
    adapted) is saved in the config; see ``kerafront.layers.preprocessing._index_lookup``. Runs on the
    host, so ``supports_jit = False``. ``sparse``/``ragged`` outputs are not supported.

    >>> layer = TextVectorization(vocabulary=["the", "cat"])
    >>> ops.convert_to_numpy(layer(["The cat sat."])).tolist()
    [[2, 3, 1]]
    """


    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace", ngrams=None,
                 output_mode="int", output_sequence_length=None, pad_to_max_tokens=False, vocabulary=None,
                 idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None, vocabulary_size=None,
                 has_input_vocabulary=None, **kwargs):
        super().__init__(name=name, **kwargs)
        if not callable(standardize):
            _encoding.check_choice("TextVectorization", "standardize", "None" if standardize is None else standardize,
                                   ("lower_and_strip_punctuation", "lower", "strip_punctuation", "None"))
        if not callable(split):
            _encoding.check_choice("TextVectorization", "split", "None" if split is None else split,
                                   ("whitespace", "character", "None"))
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        _encoding.check_choice("TextVectorization", "output_mode", output_mode,
                               ("int", "one_hot", "multi_hot", "count", "tf_idf"))
        if isinstance(ngrams, list):
            ngrams = tuple(ngrams)
        if not (ngrams is None or isinstance(ngrams, int) and ngrams >= 1
                or isinstance(ngrams, tuple) and ngrams and all(isinstance(n, int) and n >= 1 for n in ngrams)):
            raise ValueError(f"TextVectorization: ngrams must be None, a positive integer or a tuple of positive "
                             f"integers; received ngrams={ngrams!r}.")
        if output_sequence_length is not None and (output_mode != "int" or not isinstance(output_sequence_length, int)
                                                   or output_sequence_length < 0):
            raise ValueError(f"TextVectorization: output_sequence_length must be None, or an integer >= 0 with "
                             f"output_mode='int'; received output_sequence_length={output_sequence_length!r} with "
                             f"output_mode={output_mode!r}.")
        if sparse or ragged:
            raise ValueError("TextVectorization: sparse and ragged outputs are not supported by kerafront (outputs "
                             "are dense tensors); use sparse=False, ragged=False.")
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
                                          encoding=encoding, vocabulary_size=vocabulary_size,
                                          has_input_vocabulary=has_input_vocabulary, name=f"{self.name}_lookup")

    # -- vocabulary ---------------------------------------------------------------------------------
    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order ("" for padding and "[UNK]" first, unless ``include_special_tokens=False``)."""
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (and idf weights for ``tf_idf``); see ``StringLookup.set_vocabulary``."""
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from ``data``: strings (a list or array, one document each), a
        ``tf.data.Dataset`` of string batches, or any iterable of batches."""
        lookup = self._lookup_layer
        lookup._begin_adapt(self)
        for i, batch in enumerate(_encoding.batches(data, (list, tuple))):
            if steps is not None and i >= steps:
                break
            documents = self._preprocess(batch)
            if isinstance(documents, np.ndarray):
                documents = [[t] for t in documents.reshape(-1).tolist()]
            lookup._count(documents)
        lookup._finalize()

    # -- call ---------------------------------------------------------------------------------------
    def _preprocess(self, inputs):
        """Strings -> a list of token lists (one per sample), or, without ``split``, a NumPy string array."""
        texts = _encoding.to_host(inputs, strings=True)
        if texts.ndim == 0:
            texts = texts.reshape(1)
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            texts = _map_strings(texts, lambda t: t.translate(_ASCII_LOWER))
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            texts = _map_strings(texts, lambda t: t.translate(_PUNCTUATION))
        if callable(self._standardize):
            texts = np.asarray(self._standardize(texts.astype(str)), dtype=object)
        if self._split is None:
            if self._ngrams is not None:
                raise ValueError("TextVectorization: ngrams need a split; received split=None.")
            return texts
        if texts.ndim > 1:
            if texts.shape[-1] != 1:
                raise ValueError(f"TextVectorization: to split strings the inputs must have shape (batch,) or "
                                 f"(batch, 1); received shape {texts.shape}.")
            texts = texts[..., 0]
        if self._split == "whitespace":
            documents = [[t for t in _ASCII_WHITESPACE.split(text) if t] for text in texts.tolist()]
        elif self._split == "character":
            documents = [list(text) for text in texts.tolist()]
        else:
            documents = [[str(t) for t in tokens] for tokens in self._split(texts.astype(str))]
        if self._ngrams is not None:
            documents = [_ngrams(tokens, self._ngrams) for tokens in documents]
        return documents

    def call(self, inputs):
        lookup = self._lookup_layer
        lookup._require_vocabulary(self)
        documents = self._preprocess(inputs)
        if isinstance(documents, np.ndarray):
            return lookup._encode(lookup._lookup(documents))
        length = self._output_sequence_length
        if length is None:
            length = max((len(d) for d in documents), default=0)
        if self._output_mode != "int":
            length = max((len(d) for d in documents), default=0)
        pad = 0 if self._output_mode == "int" else -1
        indices = np.full((len(documents), length), pad, dtype="int64")
        flat = [token for document in documents for token in document[:length]]
        found = lookup._lookup(np.asarray(flat, dtype=object)) if flat else np.zeros(0, "int64")
        start = 0
        for row, document in enumerate(documents):
            count = min(len(document), length)
            indices[row, :count] = found[start:start + count]
            start += count
        return lookup._encode(indices)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            if self._split is None:
                return input_shape
            return (input_shape[0], self._output_sequence_length)
        if self._split is None:
            shape = input_shape + (1,) if len(input_shape) <= 1 else input_shape
        else:
            shape = input_shape[:1] + (None,)
        return self._lookup_layer.compute_output_shape(shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from kerafront.layers.symbolic import KerasTensor
        dtype = id_dtype() if self._output_mode == "int" else config.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        lookup = self._lookup_layer
        vocabulary, idf_weights = lookup._vocabulary_config
        for value, argument in ((self._standardize, "standardize"), (self._split, "split")):
            if callable(value):
                raise ValueError(f'TextVectorization "{self.name}": a callable {argument} cannot be saved in a '
                                 f"config; use one of the named options, or rebuild the layer in code.")
        config_ = super().get_config()
        config_.update({"max_tokens": lookup.max_tokens, "standardize": self._standardize, "split": self._split,
                        "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                        "output_sequence_length": self._output_sequence_length,
                        "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": False, "ragged": False,
                        "vocabulary": vocabulary, "idf_weights": idf_weights, "encoding": self._encoding,
                        "vocabulary_size": self.vocabulary_size()})
        return config_


def _map_strings(texts, function):
    return np.asarray([function(t) for t in texts.reshape(-1).tolist()], dtype=object).reshape(texts.shape)


def _ngrams(tokens, widths):
    """Every n-gram of each width in ``widths``, widths in the given order (``tf.strings.ngrams``)."""
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]
