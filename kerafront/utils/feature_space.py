"""``FeatureSpace``: Keras's one-stop preprocessing of structured data (a dict of columns -> encoded features).

Each feature is a ``Feature``: a dtype (``"float32"``, ``"int32"``, ``"string"``), a preprocessing layer
and an ``output_mode`` (``"float"``, ``"int"`` or ``"one_hot"``); each cross is a ``Cross`` of two or
more features hashed by ``HashedCrossing``. Calling the space on ``{name: column}``:

1. every column becomes ``(batch, 1)`` (a rank-1 column gains a last axis; a scalar is a batch of one
   whose batch axis is removed again at the end);
2. each feature's preprocessor runs on its column (lookups and hashing give integer ids);
3. each cross hashes the *preprocessed* ids of its features;
4. ``"one_hot"`` features and crosses are encoded by a ``CategoryEncoding(multi_hot)`` of the
   preprocessor's cardinality; then the features (sorted by name) and the crosses (sorted by name)
   are concatenated along the last axis (``output_mode="concat"``) or returned as a dict (``"dict"``).

``adapt(data)`` reads ``data`` once -- a dict of arrays or lists (one row per element, adapted in
batches of 32 as Keras batches ``Dataset.from_tensor_slices``), a ``kerafront.utils.PyDataset`` or
any iterable of dict batches (``(x, y)`` batches give ``x``), or a ``tf.data.Dataset`` of dicts --
and adapts every preprocessor that learns from data (not those given a vocabulary or statistics).

Differences from Keras: the preprocessors run on kerafront's backend (lookups and hashing on the
host), not on TensorFlow; inside ``tf.data.Dataset.map`` the call becomes one ``tf.numpy_function``
(``kerafront.utils._feature_space_pipeline``). kerafront's symbolic tensors hold numbers only: when a feature is a
string, ``get_encoded_features()`` returns a fresh ``Input`` of the encoded shape (train a model on it
with the space's outputs) and ``get_inputs()`` raises; without string features the encoded features
are computed from ``get_inputs()``, so ``Model(get_inputs(), ...)`` runs the whole pipeline as in Keras.
"""

import numpy as np

from kerafront import config, ops, tree
from kerafront.layers.layer import Layer
from kerafront.layers.preprocessing._data_layer import DataLayer
from kerafront.saving.serialization import deserialize, register_builtin, serialize
from kerafront.utils import _feature_space_pipeline
from kerafront.utils.naming import auto_name

_FEATURE_OUTPUT_MODES = ("int", "one_hot", "float")
_CROSS_OUTPUT_MODES = ("int", "one_hot")
_ADAPT_BATCH_SIZE = 32  # Keras batches unbatched (scalar) dataset elements by 32 before adapting


def _layers():
    from kerafront import layers
    return layers


class Cross:
    """A feature cross: ``feature_names`` (two or more) hashed into ``crossing_dim`` bins."""

    def __init__(self, feature_names, crossing_dim, output_mode="one_hot"):
        if output_mode not in _CROSS_OUTPUT_MODES:
            raise ValueError(f"FeatureSpace.cross: invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot'}}. Received: output_mode={output_mode!r}")
        if isinstance(feature_names, str) or len(feature_names) < 2:
            raise ValueError(f"FeatureSpace.cross: feature_names must name two or more features; received "
                             f"{feature_names!r}.")
        self.feature_names = tuple(feature_names)
        self.crossing_dim = crossing_dim
        self.output_mode = output_mode

    @property
    def name(self):
        return "_X_".join(self.feature_names)

    def get_config(self):
        return {"feature_names": self.feature_names, "crossing_dim": self.crossing_dim,
                "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


class Feature:
    """One feature: its input ``dtype``, its ``preprocessor`` layer (or that layer's config) and ``output_mode``."""

    def __init__(self, dtype, preprocessor, output_mode):
        if output_mode not in _FEATURE_OUTPUT_MODES:
            raise ValueError(f"FeatureSpace.feature: invalid value for argument `output_mode`. Expected one of "
                             f"{{'int', 'one_hot', 'float'}}. Received: output_mode={output_mode!r}")
        if isinstance(preprocessor, dict):
            preprocessor = deserialize(preprocessor)
        if not isinstance(preprocessor, Layer):
            raise TypeError(f"FeatureSpace.feature: preprocessor must be a kerafront layer; received "
                            f"{type(preprocessor).__name__}.")
        self.dtype = dtype
        self.preprocessor = preprocessor
        self.output_mode = output_mode

    def get_config(self):
        return {"dtype": self.dtype, "preprocessor": serialize(self.preprocessor), "output_mode": self.output_mode}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)


class TFDIdentity(DataLayer):
    """The preprocessor of ``FeatureSpace.float``: floats pass unchanged (cast to the layer's dtype).
    Named as Keras names it, so configs match."""

    def call(self, inputs):
        return ops.cast(inputs, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class FeatureSpace(Layer):
    """Preprocess and encode a dict of structured-data columns (Keras's ``keras.utils.FeatureSpace``).

    Args:
        features: ``{name: spec}``; a spec is a type name (``"float"``, ``"float_rescaled"``,
            ``"float_normalized"``, ``"float_discretized"``, ``"integer_categorical"``,
            ``"string_categorical"``, ``"integer_hashed"``, ``"string_hashed"``: defaults below) or a
            ``Feature`` from ``FeatureSpace.float_normalized()`` and friends.
        output_mode: ``"concat"`` (one float vector per row) or ``"dict"`` (``{name: encoded}``,
            crosses under ``"a_X_b"``).
        crosses: pairs (or longer tuples) of feature names, or ``FeatureSpace.cross(...)``.
        crossing_dim, hashing_dim, num_discretization_bins: defaults (32) for crosses, hashed
            features and discretized features named by type.

    Call it on a dict of columns of shape ``(batch,)``/``(batch, 1)`` (or scalars: one row):
    ``"concat"`` gives ``(batch, total_dim)`` float32. See the module docstring for the steps.

    >>> space = FeatureSpace({"size": FeatureSpace.float_rescaled(scale=0.5), "color": "string_categorical"})
    >>> space.adapt({"size": [2.0, 4.0], "color": ["red", "blue"]})
    >>> ops.convert_to_numpy(space({"size": [2.0], "color": ["blue"]})).tolist()
    [[0.0, 0.0, 1.0, 1.0]]
    """

    saves_standalone = True  # kerafront.models.load_model rebuilds a saved FeatureSpace (not only models)

    @classmethod
    def cross(cls, feature_names, crossing_dim, output_mode="one_hot"):
        return Cross(feature_names, crossing_dim, output_mode=output_mode)

    @classmethod
    def feature(cls, dtype, preprocessor, output_mode):
        return Feature(dtype, preprocessor, output_mode)

    @classmethod
    def float(cls, name=None):
        name = name or auto_name("float")
        return Feature("float32", TFDIdentity(dtype="float32", name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_rescaled(cls, scale=1.0, offset=0.0, name=None):
        name = name or auto_name("float_rescaled")
        return Feature("float32", _layers().Rescaling(scale=scale, offset=offset, name=f"{name}_preprocessor"),
                       "float")

    @classmethod
    def float_normalized(cls, name=None):
        name = name or auto_name("float_normalized")
        return Feature("float32", _layers().Normalization(axis=-1, name=f"{name}_preprocessor"), "float")

    @classmethod
    def float_discretized(cls, num_bins, bin_boundaries=None, output_mode="one_hot", name=None):
        name = name or auto_name("float_discretized")
        # Keras passes both to Discretization, which refuses them together: given boundaries win here.
        layer = _layers().Discretization(num_bins=None if bin_boundaries is not None else num_bins,
                                         bin_boundaries=bin_boundaries, name=f"{name}_preprocessor")
        return Feature("float32", layer, output_mode)

    @classmethod
    def integer_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or auto_name("integer_categorical")
        layer = _layers().IntegerLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                        num_oov_indices=num_oov_indices)
        return Feature("int32", layer, output_mode)

    @classmethod
    def string_categorical(cls, max_tokens=None, num_oov_indices=1, output_mode="one_hot", name=None):
        name = name or auto_name("string_categorical")
        layer = _layers().StringLookup(name=f"{name}_preprocessor", max_tokens=max_tokens,
                                       num_oov_indices=num_oov_indices)
        return Feature("string", layer, output_mode)

    @classmethod
    def string_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or auto_name("string_hashed")
        return Feature("string", _layers().Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    @classmethod
    def integer_hashed(cls, num_bins, output_mode="one_hot", name=None):
        name = name or auto_name("integer_hashed")
        return Feature("int32", _layers().Hashing(name=f"{name}_preprocessor", num_bins=num_bins), output_mode)

    def __init__(self, features, output_mode="concat", crosses=None, crossing_dim=32, hashing_dim=32,
                 num_discretization_bins=32, name=None):
        super().__init__(name=name)
        if not features or not isinstance(features, dict):
            raise ValueError(f"FeatureSpace: the `features` argument must be a non-empty dict of "
                             f"{{name: feature type}}; received {features!r}.")
        if output_mode not in ("dict", "concat"):
            raise ValueError(f"FeatureSpace: invalid value for argument `output_mode`. Expected one of "
                             f"{{'dict', 'concat'}}. Received: output_mode={output_mode!r}")
        self.crossing_dim = crossing_dim
        self.hashing_dim = hashing_dim
        self.num_discretization_bins = num_discretization_bins
        self.output_mode = output_mode
        self.features = {name: self._standardize_feature(name, value) for name, value in features.items()}
        self.crosses = [self._standardize_cross(cross) for cross in crosses or ()]
        self.crosses_by_name = {cross.name: cross for cross in self.crosses}
        self.preprocessors = {name: feature.preprocessor for name, feature in self.features.items()}
        self.crossers = {cross.name: _layers().HashedCrossing(cross.crossing_dim, name=cross.name)
                         for cross in self.crosses}
        self.one_hot_encoders = {}
        self.inputs = None
        self.encoded_features = None
        self._is_adapted = False
        self._sublayers_built = False

    def _standardize_feature(self, name, feature):
        if isinstance(feature, Feature):
            return feature
        if isinstance(feature, dict):
            feature = deserialize(feature, {"Feature": Feature})
            if not isinstance(feature, Feature):
                raise ValueError(f"FeatureSpace: the config of feature {name!r} does not describe a Feature.")
            return feature
        by_type = {"float": lambda: self.float(name=name),
                   "float_normalized": lambda: self.float_normalized(name=name),
                   "float_rescaled": lambda: self.float_rescaled(name=name),
                   "float_discretized": lambda: self.float_discretized(self.num_discretization_bins, name=name),
                   "integer_categorical": lambda: self.integer_categorical(name=name),
                   "string_categorical": lambda: self.string_categorical(name=name),
                   "integer_hashed": lambda: self.integer_hashed(self.hashing_dim, name=name),
                   "string_hashed": lambda: self.string_hashed(self.hashing_dim, name=name)}
        if not isinstance(feature, str) or feature not in by_type:
            raise ValueError(f"FeatureSpace: invalid feature type for {name!r}: {feature!r}. Expected a Feature "
                             f"(e.g. FeatureSpace.float_normalized()) or one of {sorted(by_type)}.")
        return by_type[feature]()

    def _standardize_cross(self, cross):
        if isinstance(cross, dict):
            cross = deserialize(cross, {"Cross": Cross})
        if not isinstance(cross, Cross):
            if not self.crossing_dim:
                raise ValueError("FeatureSpace: when specifying `crosses`, the argument `crossing_dim` "
                                 "(dimensionality of the crossing space) should be specified as well.")
            cross = Cross(cross, crossing_dim=self.crossing_dim)
        unknown = [name for name in cross.feature_names if name not in self.features]
        if unknown:
            raise ValueError(f"FeatureSpace: all features referenced in the `crosses` argument should be present "
                             f"in the `features` dict. Received unknown features {unknown} in cross "
                             f"{cross.feature_names}; known features: {sorted(self.features)}.")
        return cross

    # -- adapt --------------------------------------------------------------------------------------
    def _list_adaptable_preprocessors(self):
        layers = _layers()
        names = []
        for name, preprocessor in self.preprocessors.items():
            if isinstance(preprocessor, layers.Normalization) and preprocessor.input_mean is not None:
                continue
            if isinstance(preprocessor, layers.Discretization) and preprocessor.num_bins is None:
                continue  # given bin_boundaries: nothing to learn
            if getattr(preprocessor, "_has_input_vocabulary", False):
                continue
            if hasattr(preprocessor, "adapt"):
                names.append(name)
        return names

    def adapt(self, dataset):
        """Adapt every adaptable preprocessor on ``dataset`` (see the module docstring for what it may be)."""
        names = self._list_adaptable_preprocessors()
        columns = {name: [] for name in names}
        for batch in _dict_batches(dataset):
            missing = [name for name in names if name not in batch]
            if missing:
                raise ValueError(f"FeatureSpace.adapt: the data has no column for features {missing}; received "
                                 f"columns {sorted(batch)}.")
            for name in names:
                columns[name].append(_column(batch[name], self.features[name].dtype))
        for name in names:
            batches = _rebatch(columns[name])
            if not batches:
                raise ValueError(f"FeatureSpace.adapt: received no data for feature {name!r}.")
            self.preprocessors[name].adapt(iter(batches))
        self._is_adapted = True
        self._sublayers_built = False  # a new adapt may change vocabulary sizes: rebuild the encoders
        self.one_hot_encoders = {}
        self.encoded_features = None
        self._check_if_built()

    # -- building -----------------------------------------------------------------------------------
    def _check_if_adapted(self):
        if not self._is_adapted:
            if self._list_adaptable_preprocessors():
                raise ValueError("FeatureSpace: you need to call `.adapt(dataset)` on the FeatureSpace before you "
                                 "can start using it.")
            self._is_adapted = True

    def _check_if_built(self):
        if self._sublayers_built:
            return
        self._check_if_adapted()
        names = self._preprocessed_features_names = sorted(self.features)
        self._crossed_features_names = sorted(self.crosses_by_name)
        for name in names + self._crossed_features_names:
            spec = self.features.get(name) or self.crosses_by_name[name]
            if spec.output_mode == "one_hot":
                self.one_hot_encoders[name] = _layers().CategoryEncoding(
                    num_tokens=self._cardinality(name), output_mode="multi_hot")
            elif self.output_mode == "concat" and spec.output_mode == "int":
                raise ValueError(f"FeatureSpace: cannot concatenate features because feature '{name}' has not been "
                                 "encoded (output_mode='int' gives integer ids). Consider using output_mode='dict'.")
        self._sublayers_built = True
        self.built = True

    def _cardinality(self, name):
        layers = _layers()
        preprocessor = self.preprocessors.get(name) or self.crossers[name]
        if isinstance(preprocessor, (layers.IntegerLookup, layers.StringLookup)):
            return preprocessor.vocabulary_size()
        if isinstance(preprocessor, layers.CategoryEncoding):
            return preprocessor.num_tokens
        if isinstance(preprocessor, layers.Discretization):
            return preprocessor.num_bins or len(preprocessor.bin_boundaries) + 1
        if isinstance(preprocessor, (layers.HashedCrossing, layers.Hashing)):
            return preprocessor.num_bins
        if isinstance(preprocessor, (layers.Normalization, layers.Rescaling, TFDIdentity)):
            raise ValueError(f"FeatureSpace: feature '{name}' has `output_mode='one_hot'`. Thus its preprocessor "
                             f"should return an integer dtype; {type(preprocessor).__name__} returns floats.")
        raise ValueError(f"FeatureSpace: feature '{name}' has `output_mode='one_hot'`. However it isn't a standard "
                         "feature and the dimensionality of its output space is not known, thus it cannot be "
                         "one-hot encoded. Try using `output_mode='int'`.")

    def _encoded_width(self, name):
        """The last axis of a feature's or cross's encoding for a ``(batch, 1)`` column; ``None`` when unknown."""
        encoder = self.one_hot_encoders.get(name)
        if encoder is not None:
            return encoder.num_tokens
        if name not in self.preprocessors:
            return 1  # a cross's int id
        shape = tuple(self.preprocessors[name].compute_output_shape((None, 1)))
        return shape[-1] if len(shape) == 2 else None

    def _string_features(self):
        return sorted(name for name, feature in self.features.items() if feature.dtype == "string")

    def get_inputs(self):
        """``{name: Input(shape=(1,), dtype=feature dtype)}``; refused when a feature holds strings."""
        self._check_if_built()
        strings = self._string_features()
        if strings:
            raise ValueError(f"FeatureSpace.get_inputs: features {strings} hold strings, and kerafront's symbolic "
                             "inputs hold numbers only. Call the FeatureSpace on your data (feature_space(batch)) "
                             "and build the model on get_encoded_features().")
        if self.inputs is None:
            self.inputs = {name: _layers().Input(shape=(1,), dtype=feature.dtype, name=name)
                           for name, feature in self.features.items()}
        return self.inputs

    def get_encoded_features(self):
        """The symbolic encoded features (see the module docstring): a ``(None, total_dim)`` tensor, or a dict."""
        self._check_if_built()
        if self.encoded_features is None:
            if self._string_features():
                names = self._preprocessed_features_names + self._crossed_features_names
                shapes = {name: (self._encoded_width(name),) for name in names}
                if self.output_mode == "concat":
                    widths = [shape[0] for shape in shapes.values()]
                    self.encoded_features = _layers().Input(shape=(None if None in widths else sum(widths),),
                                                            name=f"{self.name}_encoded")
                else:
                    self.encoded_features = {name: _layers().Input(
                        shape=shape, dtype=_dict_dtype(self, name), name=name) for name, shape in shapes.items()}
            else:
                self.encoded_features = self._encode(self.get_inputs())
        return self.encoded_features

    # -- call ---------------------------------------------------------------------------------------
    def _encode(self, data):
        preprocessed = {name: self.preprocessors[name](data[name]) for name in self._preprocessed_features_names}
        crossed = {cross.name: self.crossers[cross.name]([preprocessed[n] for n in cross.feature_names])
                   for cross in self.crosses}
        outputs = {}
        for name in self._preprocessed_features_names + self._crossed_features_names:
            feature = preprocessed[name] if name in preprocessed else crossed[name]
            encoder = self.one_hot_encoders.get(name)
            outputs[name] = encoder(feature) if encoder is not None else feature
        if self.output_mode == "dict":
            return outputs
        return _layers().Concatenate(axis=-1)(list(outputs.values())) if _is_symbolic(outputs) else \
            ops.concatenate([ops.cast(x, config.floatx()) for x in outputs.values()], axis=-1)

    def __call__(self, data):
        self._check_if_built()
        if not isinstance(data, dict):
            raise ValueError(f"FeatureSpace: a FeatureSpace can only be called with a dict of columns. Received: "
                             f"data of type {type(data).__name__}.")
        missing = [name for name in self.features if name not in data]
        if missing:
            raise ValueError(f"FeatureSpace: the data has no column for features {missing}; received columns "
                             f"{sorted(data)}.")
        if _is_symbolic(data):
            return self._encode(data)
        if any(_feature_space_pipeline.is_graph_tensor(data[name]) for name in self.features):
            return _feature_space_pipeline.call_in_graph(self, data)
        columns = {name: _column(data[name], self.features[name].dtype) for name in self.features}
        rebatched = any(np.ndim(column) == 0 for column in columns.values())
        columns = {name: np.reshape(c, (1, 1)) if np.ndim(c) == 0 else c[:, None] if np.ndim(c) == 1 else c
                   for name, c in columns.items()}
        outputs = self._encode({name: self._to_input(name, c) for name, c in columns.items()})
        if rebatched:
            return tree.map_structure(lambda x: ops.squeeze(x, axis=0) if ops.shape(x)[0] == 1 else x, outputs)
        return outputs

    def _to_input(self, name, column):
        """A column for its preprocessor: host layers (lookups, hashing) read NumPy as it is; the others get a
        tensor of the feature's dtype (as Keras's ``Input`` declares it)."""
        from kerafront.layers.preprocessing._encoding import HostDataLayer
        dtype = self.features[name].dtype
        if isinstance(self.preprocessors[name], HostDataLayer) or column.dtype == object or dtype == "string":
            return column
        return ops.convert_to_tensor(column.astype(dtype))

    # -- config -------------------------------------------------------------------------------------
    def get_config(self):
        return {"features": {name: serialize(feature) for name, feature in self.features.items()},
                "output_mode": self.output_mode, "crosses": [serialize(cross) for cross in self.crosses],
                "crossing_dim": self.crossing_dim, "hashing_dim": self.hashing_dim,
                "num_discretization_bins": self.num_discretization_bins}

    @classmethod
    def from_config(cls, config_):
        return cls(**config_)

    def get_build_config(self):
        return {name: feature.preprocessor.get_build_config() for name, feature in self.features.items()}

    def build_from_config(self, build_config):
        for name, preprocessor_build in build_config.items():
            preprocessor = self.features[name].preprocessor
            if not preprocessor.built:
                preprocessor.build_from_config(preprocessor_build)
        self._is_adapted = True
        self._check_if_built()

    def save(self, filepath):
        """Save the space (config, adapted state, Normalization statistics) to ``filepath``; reload it with
        ``kerafront.models.load_model``. kerafront's own format (any extension but ``.keras``/``.h5``)."""
        from kerafront.saving import saving_api
        if saving_api._kind(filepath) != "kerafront":
            raise ValueError(f"FeatureSpace.save: {filepath!r}: a FeatureSpace is saved in kerafront's own format; "
                             "use a name without the .keras/.h5 extension (e.g. 'featurespace.kf').")
        saving_api.save_model(self, filepath)


def _dict_dtype(space, name):
    spec = space.features.get(name) or space.crosses_by_name[name]
    return "int32" if spec.output_mode == "int" else config.floatx()


def _is_symbolic(structure):
    from kerafront.layers.symbolic import KerasTensor
    return any(isinstance(x, KerasTensor) for x in tree.flatten(structure)[0])


def _column(values, dtype):
    """One column as a NumPy array: strings as ``object`` arrays of ``str``, numbers as they are."""
    from kerafront.layers.preprocessing import _encoding
    if dtype == "string":
        return _encoding.to_host(values, strings=True)
    array = _encoding.to_host(values)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"FeatureSpace: a {dtype} feature needs numbers; received values of dtype {array.dtype}.")
    return array


def _rebatch(columns):
    """Per-feature adapt batches, each ``(n, 1)`` or wider: scalar elements grouped by 32 (Keras's rule)."""
    batches, pending = [], []
    for column in columns:
        if column.ndim == 0:
            pending.append(column)
            if len(pending) == _ADAPT_BATCH_SIZE:
                batches.append(np.stack(pending)[:, None])
                pending = []
            continue
        batches.append(column[:, None] if column.ndim == 1 else column)
    if pending:
        batches.append(np.stack(pending)[:, None])
    return batches


def _dict_batches(dataset):
    """Dict batches of ``dataset``: a dict of columns yields its rows (scalars), other sources their elements."""
    from kerafront.layers.preprocessing import _encoding
    if isinstance(dataset, dict):
        columns = {name: np.asarray(_encoding.to_host(v, strings=_is_text(v))) for name, v in dataset.items()}
        scalars = sorted(name for name, c in columns.items() if c.ndim == 0)
        if scalars:
            raise ValueError(f"FeatureSpace.adapt: columns {scalars} hold a single value; give each column as an "
                             "array or list with one entry per row.")
        lengths = {len(c) for c in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"FeatureSpace.adapt: the columns have different lengths "
                             f"{ {name: len(c) for name, c in columns.items()} }.")
        for start in range(0, lengths.pop() if lengths else 0, _ADAPT_BATCH_SIZE):
            yield {name: c[start:start + _ADAPT_BATCH_SIZE] for name, c in columns.items()}
        return
    if isinstance(dataset, (str, bytes)) or not hasattr(dataset, "__iter__") or (
            _encoding._is_array_like(dataset) and not _encoding.is_tf_dataset(dataset)):
        raise ValueError(f"FeatureSpace.adapt: `adapt()` can only be called on a dict of arrays/lists, a "
                         f"PyDataset, a tf.data.Dataset or an iterable of dict batches. Received instead: "
                         f"{type(dataset).__name__}.")
    for element in dataset:
        if isinstance(element, tuple) and element and isinstance(element[0], dict):
            element = element[0]
        if not isinstance(element, dict):
            raise ValueError(f"FeatureSpace.adapt: each element of the dataset must be a dict of columns (or an "
                             f"(x, y) pair with a dict x); received {type(element).__name__}.")
        yield element


def _is_text(values):
    while isinstance(values, (list, tuple)) and values:
        values = values[0]
    if isinstance(values, np.ndarray):
        return values.dtype.kind in "USO"
    return isinstance(values, (str, bytes))


for _class in (FeatureSpace, Feature, Cross, TFDIdentity):
    register_builtin(_class)
