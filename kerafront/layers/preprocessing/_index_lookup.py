"""``IndexLookup``: the vocabulary machinery shared by ``StringLookup``, ``IntegerLookup`` and ``TextVectorization``.

Index layout (Keras's): with ``output_mode="int"`` and a ``mask_token``, index 0 is the mask; then
``num_oov_indices`` OOV indices; then the vocabulary's tokens. Other output modes reserve no mask
index (the mask token encodes as zeros). OOV values take the single OOV index, or with several, a
bucket: ``value mod num_oov_indices`` for integers (``oov_method="floormod"``), else FarmHash of the
text (SipHash with ``salt``), as ``tf.strings.to_hash_bucket_*`` computes it.

``adapt`` counts tokens (mask and OOV tokens excluded) and keeps the most frequent, ties broken by
the token in descending order (Keras's ``lexsort``); ``tf_idf`` weights are
``log(1 + documents / (1 + documents containing the token))``, special indices taking their mean.

Lookups run on the host (NumPy), so ``supports_jit = False``: a model holding a lookup layer runs its
steps eagerly, as Keras's does. Ids are int64 where the backend holds int64 (not JAX without x64 mode,
where they are int32).

Saving: the vocabulary and idf weights live in the layer's config (``vocabulary``, ``idf_weights``):
a model file carries them, with no side files, and no path is ever read (a string ``vocabulary``
is refused). Every vocabulary -- given, adapted or read from a file -- passes ``check_vocabulary``:
at most ``MAX_VOCABULARY_SIZE`` tokens of the right type, no duplicates, no mask token among the tokens.
"""

import collections
import math

import numpy as np

from kerafront import config, ops
from kerafront.layers.preprocessing import _encoding
from kerafront.layers.preprocessing._string_hash import hash_buckets

MAX_VOCABULARY_SIZE = 4_194_304  # 2**22 tokens: far above real vocabularies, refuses a hostile file early
_ID_DTYPE = {}


def id_dtype():
    """int64 (Keras's id dtype) where the active backend holds it, else int32 (JAX without x64 mode)."""
    backend = config.backend()
    if backend not in _ID_DTYPE:
        try:
            ops.zeros((), "int64")
            _ID_DTYPE[backend] = "int64"
        except TypeError:
            _ID_DTYPE[backend] = "int32"
    return _ID_DTYPE[backend]


def encode_host_ids(ids, output_mode, depth, dtype):
    """Integer ``ids`` computed on the host (NumPy) encoded by ``output_mode`` (``encode_categorical``);
    ``"int"`` gives them in ``dtype``, an int64 ``dtype`` as ``id_dtype()`` (int32 where the backend holds no
    int64, as the lookups' ids)."""
    if output_mode != "int":
        return _encoding.encode_categorical(ops.convert_to_tensor(ids.astype("int32")), output_mode, depth, dtype)
    dtype = id_dtype() if dtype == "int64" else dtype
    return _encoding.encode_categorical(ops.convert_to_tensor(ids.astype(dtype)), output_mode, depth, dtype)


class IndexLookup(_encoding.HostDataLayer):
    """Base of the lookup layers (see the module docstring); subclasses set ``_STRINGS``."""

    _STRINGS = True
    _OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary=None, idf_weights=None,
                 invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False, oov_method="floormod",
                 salt=None, vocabulary_size=None, has_input_vocabulary=None, **kwargs):
        kwargs.pop("dtype", None)
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(**kwargs)
        label = type(self).__name__
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        _encoding.check_choice(label, "output_mode", output_mode, self._OUTPUT_MODES)
        _encoding.check_choice(label, "oov_method", oov_method, ("floormod", "farmhash"))
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 1):
            raise ValueError(f"{label}: max_tokens must be None or an integer > 1; received max_tokens={max_tokens!r}.")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{label}: pad_to_max_tokens=True needs max_tokens; received max_tokens=None.")
        if max_tokens is not None and max_tokens > MAX_VOCABULARY_SIZE:
            raise ValueError(f"{label}: max_tokens={max_tokens} is over kerafront's limit of {MAX_VOCABULARY_SIZE}.")
        if not isinstance(num_oov_indices, int) or not 0 <= num_oov_indices <= MAX_VOCABULARY_SIZE:
            raise ValueError(f"{label}: num_oov_indices must be an integer in [0, {MAX_VOCABULARY_SIZE}]; received "
                             f"num_oov_indices={num_oov_indices!r}.")
        if invert and output_mode != "int":
            raise ValueError(f"{label}: invert=True needs output_mode='int'; received output_mode={output_mode!r}.")
        if sparse:
            raise ValueError(f"{label}: sparse=True is not supported by kerafront (outputs are dense).")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{label}: idf_weights is only used with output_mode='tf_idf'; received "
                             f"output_mode={output_mode!r}.")
        if isinstance(vocabulary, str):
            raise ValueError(f"{label}: vocabulary must be a list or array of tokens; kerafront never reads a "
                             f"vocabulary from a file path (received {vocabulary!r}). Read the file yourself and pass "
                             "the list of tokens.")
        if salt is not None:
            if isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            elif not (isinstance(salt, (list, tuple)) and len(salt) == 2 and all(isinstance(s, int) for s in salt)):
                raise ValueError(f"{label}: salt must be an integer or a pair of integers; received salt={salt!r}.")
            salt = list(salt)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.oov_method = oov_method
        self.salt = salt
        if vocabulary_size is not None and (not isinstance(vocabulary_size, int)
                                            or not 0 <= vocabulary_size <= MAX_VOCABULARY_SIZE + 1 + num_oov_indices):
            raise ValueError(f"{label}: vocabulary_size must be None or an integer in [0, {MAX_VOCABULARY_SIZE}] plus "
                             f"the special indices; received vocabulary_size={vocabulary_size!r}.")
        self._frozen_vocab_size = vocabulary_size
        self._has_input_vocabulary = vocabulary is not None if has_input_vocabulary is None else has_input_vocabulary
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{label}: with a vocabulary and output_mode='tf_idf', idf_weights must be given too.")
        self._tokens = None  # the tokens after the special indices, in index order
        self._index = {}
        self._idf = None  # NumPy float32 weights of every output index (tf_idf)
        self._vocabulary_config = (None, None)  # the last vocabulary and idf weights set (given or adapted)
        self._counts = None
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- indices ------------------------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The vocabulary's size, mask and OOV indices included."""
        return len(self._tokens or ()) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The tokens in index order (with the mask and OOV tokens unless ``include_special_tokens=False``)."""
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        tokens = list(self._tokens or ())
        return specials + tokens if include_special_tokens else tokens

    # -- vocabulary ---------------------------------------------------------------------------------
    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list, tuple or 1-D array; optionally starting with the special tokens)
        and, for ``tf_idf``, one idf weight per entry. Refuses oversized, mistyped, duplicated or
        mask-containing vocabularies with a ``ValueError``."""
        label = type(self).__name__
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f"{label}: idf_weights must be given with the vocabulary when output_mode='tf_idf'.")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f"{label}: idf_weights is only used with output_mode='tf_idf'; received "
                             f"output_mode={self.output_mode!r}.")
        vocabulary = self._checked_vocabulary(vocabulary)
        token_start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        found_specials = vocabulary[:token_start] == specials
        tokens = vocabulary[token_start:] if found_specials else vocabulary
        self._check_tokens(tokens, specials)
        if self.max_tokens is not None and token_start + len(tokens) > self.max_tokens:
            raise ValueError(f"{label}: the vocabulary has {token_start + len(tokens)} entries (special tokens "
                             f"included), more than max_tokens={self.max_tokens}.")
        if idf_weights is not None:
            weights = np.asarray(_listify(idf_weights), dtype="float64")
            if weights.ndim != 1 or len(weights) != len(vocabulary):
                raise ValueError(f"{label}: idf_weights must be 1-D with one weight per vocabulary entry "
                                 f"({len(vocabulary)}); received shape {weights.shape}.")
            if not found_specials:
                weights = np.concatenate([np.full(token_start, np.average(weights) if len(weights) else 0.0),
                                          weights])
            back = self.max_tokens - len(weights) if self.pad_to_max_tokens else 0
            self._idf = np.concatenate([weights, np.zeros(back)]).astype(config.floatx())
        self._tokens = tokens
        self._index = {token: token_start + i for i, token in enumerate(tokens)}
        self._frozen_vocab_size = self.vocabulary_size()
        self._vocabulary_config = (vocabulary, None if idf_weights is None else [float(w) for w in _listify(idf_weights)])

    def _checked_vocabulary(self, vocabulary):
        label = type(self).__name__
        if isinstance(vocabulary, str):
            raise ValueError(f"{label}: vocabulary must be a list or array of tokens, not a file path "
                             f"({vocabulary!r}); kerafront never reads vocabulary files.")
        if isinstance(vocabulary, np.ndarray) or _encoding._is_array_like(vocabulary):
            vocabulary = _encoding.to_host(vocabulary, strings=self._STRINGS).tolist()
        if not isinstance(vocabulary, (list, tuple)):
            raise ValueError(f"{label}: vocabulary must be a list, tuple or 1-D array; received "
                             f"{type(vocabulary).__name__}.")
        if len(vocabulary) > MAX_VOCABULARY_SIZE:
            raise ValueError(f"{label}: the vocabulary has {len(vocabulary)} entries, over kerafront's limit of "
                             f"{MAX_VOCABULARY_SIZE} (kerafront.layers.preprocessing._index_lookup."
                             "MAX_VOCABULARY_SIZE); refusing it.")
        if not vocabulary:
            raise ValueError(f"{label}: cannot set an empty vocabulary.")
        return [self._checked_token(t, "vocabulary entry") for t in vocabulary]

    def _checked_token(self, token, what):
        label = type(self).__name__
        if self._STRINGS:
            if isinstance(token, bytes):
                token = token.decode("utf-8")
            if not isinstance(token, str):
                raise ValueError(f"{label}: every {what} must be a string; received {token!r} "
                                 f"({type(token).__name__}).")
            return token
        if isinstance(token, (bool, np.bool_)) or not isinstance(token, (int, np.integer)):
            raise ValueError(f"{label}: every {what} must be an integer; received {token!r} ({type(token).__name__}).")
        return int(token)

    def _check_tokens(self, tokens, specials):
        label = type(self).__name__
        if len(set(tokens)) != len(tokens):
            repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
            raise ValueError(f"{label}: the vocabulary repeats tokens {repeated[:10]}; every token must be unique.")
        for token, role in ((self.mask_token, "mask_token"), (self.oov_token if self.invert else None, "oov_token")):
            if token is not None and token in set(tokens):
                raise ValueError(f"{label}: the vocabulary holds the {role} {token!r} among its tokens. Leave the "
                                 f"special tokens out, or put them only at the start in this order: {specials}.")

    # -- adapt --------------------------------------------------------------------------------------
    def adapt(self, data, steps=None):
        """Learn the vocabulary (and idf weights for ``tf_idf``) from ``data``: an array or list (one
        batch; a rank-1 batch is one token per document), a ``tf.data.Dataset`` or an iterable of batches."""
        self._begin_adapt(self)
        single = isinstance(data, (list, tuple, np.ndarray)) or (
            _encoding._is_array_like(data) and not _encoding.is_tf_dataset(data))
        for i, batch in enumerate(_encoding.batches(data, (list, tuple))):
            if steps is not None and i >= steps:
                break
            documents = self._documents(batch, single)
            self._count(documents)
        self._finalize()

    def _begin_adapt(self, owner):
        """Refuse to adapt a layer given a vocabulary (naming ``owner``); reset the token counts."""
        if self._has_input_vocabulary:
            raise ValueError(f'{type(owner).__name__} "{owner.name}": cannot adapt a layer given a vocabulary '
                             "(the vocabulary argument).")
        self._counts = (collections.Counter(), collections.Counter(), [0])

    def _documents(self, batch, single):
        """A batch as a list of documents, each a list of tokens (Keras: a rank-1 array given whole is
        a column of one-token documents; a rank-1 batch from an iterable is one document)."""
        array = _encoding.to_host(batch, strings=self._STRINGS)
        if array.ndim == 0:
            array = array.reshape(1, 1)
        elif array.ndim == 1:
            array = array.reshape(-1, 1) if single else array.reshape(1, -1)
        return [[self._checked_token(t, "adapted value") for t in row.reshape(-1).tolist()] for row in array]

    def _count(self, documents):
        counts, document_counts, num_documents = self._counts
        for document in documents:
            counts.update(document)
            if self.output_mode == "tf_idf":
                document_counts.update(set(document))
        num_documents[0] += len(documents)

    def _finalize(self):
        counts, document_counts, num_documents = self._counts
        self._counts = None
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if not counts:
            return
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:max(self.max_tokens - self._token_start_index(), 0)]
        tokens = [token for token, _ in ranked]
        idf = None
        if self.output_mode == "tf_idf":
            idf = [float(np.float32(math.log(1 + num_documents[0] / (1 + document_counts[t])))) for t in tokens]
        self.set_vocabulary(tokens, idf)

    # -- call ---------------------------------------------------------------------------------------
    def _require_vocabulary(self, owner=None):
        owner = owner or self
        if self._tokens is None:
            raise ValueError(f'{type(owner).__name__} "{owner.name}": no vocabulary yet; pass vocabulary=... to the '
                             "constructor, call set_vocabulary(), or call adapt() before calling the layer.")

    def _lookup(self, values):
        """Host lookup of ``values`` (a NumPy array of tokens) -> int64 indices (mask -> 0, or -1 outside int mode)."""
        flat = values.reshape(-1)
        unique, inverse = np.unique(flat, return_inverse=True) if flat.size else (flat, np.zeros(0, "int64"))
        unique_list = [self._checked_token(t, "input") for t in unique.tolist()]
        found = np.asarray([self._index.get(t, -1) for t in unique_list], dtype="int64")
        missing = found < 0
        if self.mask_token is not None:
            is_mask = np.asarray([t == self.mask_token for t in unique_list], dtype=bool)
            missing &= ~is_mask
            found[is_mask] = 0 if self.output_mode == "int" else -1
        if missing.any():
            missing_tokens = [t for t, m in zip(unique_list, missing) if m]
            if self.num_oov_indices == 0:
                raise ValueError(f'{type(self).__name__} "{self.name}": with num_oov_indices=0 every input must be in '
                                 f"the vocabulary; found out-of-vocabulary values {missing_tokens[:10]}. Set "
                                 "num_oov_indices=1 to map them to an OOV index.")
            if self.num_oov_indices == 1:
                buckets = np.zeros(len(missing_tokens), dtype="int64")
            elif not self._STRINGS and self.oov_method == "floormod":
                buckets = np.mod(np.asarray(missing_tokens, dtype="int64"), self.num_oov_indices)
            else:
                buckets = hash_buckets(np.asarray(missing_tokens, dtype=object), self.num_oov_indices, self.salt)
            found[missing] = buckets + self._oov_start_index()
        return found[inverse].reshape(values.shape)

    def _invert(self, values):
        """Host inverse lookup: int indices -> tokens (OOV token outside the vocabulary, mask at 0)."""
        tokens = self.get_vocabulary()
        token_start = self._token_start_index()
        flat = values.reshape(-1).astype("int64")
        out = [tokens[i] if token_start <= i < len(tokens) else self.oov_token for i in flat.tolist()]
        if self.mask_token is not None:
            out = [self.mask_token if i == 0 else t for i, t in zip(flat.tolist(), out)]
        return np.asarray(out, dtype=object if self._STRINGS else "int64").reshape(values.shape)

    def _encode(self, indices):
        """int64 NumPy indices -> the output tensor of ``output_mode``."""
        if self.output_mode == "int":
            return ops.convert_to_tensor(indices.astype(id_dtype()))
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        indices = ops.convert_to_tensor(indices.astype("int32"))
        mode = "count" if self.output_mode == "tf_idf" else self.output_mode
        encoded = _encoding.encode_categorical(indices, mode, depth, config.floatx())
        if self.output_mode == "tf_idf":
            encoded = ops.multiply(encoded, ops.convert_to_tensor(self._idf[:depth]))
        return encoded

    def call(self, inputs):
        self._require_vocabulary()
        values = _encoding.to_host(inputs, strings=self._STRINGS and not self.invert)
        if self.invert:
            tokens = self._invert(values)
            return tokens if self._STRINGS else ops.convert_to_tensor(tokens.astype(id_dtype()))
        return self._encode(self._lookup(values))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else (
            self.vocabulary_size() if self._tokens is not None else self._frozen_vocab_size)
        if self.output_mode == "one_hot":
            return (input_shape[:-1] if len(input_shape) > 1 and input_shape[-1] == 1 else input_shape) + (depth,)
        return (input_shape[0],) + input_shape[2:] + (depth,) if len(input_shape) > 1 else (depth,)

    def compute_output_spec(self, inputs, *args, **kwargs):
        from kerafront.layers.symbolic import KerasTensor
        dtype = id_dtype() if self.output_mode == "int" else config.floatx()
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        """Keras's keys; ``vocabulary``/``idf_weights`` hold the last ones set, given or adapted (so a
        saved model carries them)."""
        vocabulary, idf = self._vocabulary_config
        config_ = super().get_config()
        config_.update({"invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
                        "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
                        "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                        "idf_weights": None if idf is None else list(idf),
                        "vocabulary": None if vocabulary is None else list(vocabulary),
                        "vocabulary_size": self._frozen_vocab_size, "oov_method": self.oov_method, "salt": self.salt})
        return config_


def _listify(values):
    if isinstance(values, (list, tuple)):
        return list(values)
    return _encoding.to_host(values).tolist() if not isinstance(values, str) else values
