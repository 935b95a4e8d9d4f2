"""``image_dataset_from_directory`` and ``text_dataset_from_directory``: labelled files as batches.

A folder with one subfolder per class (``main/cats/*.jpg``, ``main/dogs/*.jpg``) becomes a
``PyDataset`` of ``(x, labels)`` NumPy batches that ``fit`` takes on every backend, with Keras's
``class_names`` and ``file_paths`` attributes. Files are found and ordered exactly as Keras orders
them (classes sorted, files sorted, then shuffled with ``np.random.RandomState(seed)``), so
``file_paths`` and the validation split equal Keras's. Keras returns a ``tf.data.Dataset`` that also
reshuffles within a buffer every epoch; here ``fit(shuffle=True)`` reorders whole batches each epoch
instead. Files are read one batch at a time.

Only regular files are read; a symbolic link that leads outside ``directory`` is skipped.
"""

import os

import numpy as np

from kerafront.utils.py_dataset import PyDataset

IMAGE_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "area", "lanczos3", "lanczos5")
LABEL_MODES = ("int", "categorical", "binary", None)


def _inside(path, root):
    real = os.path.realpath(path)
    return real == root or real.startswith(root + os.sep)


def _class_files(folder, prefix, root, follow_links, formats):
    """``prefix/<path under folder>`` of the regular files under ``folder`` with one of ``formats``
    (case-insensitive), sorted by folder then name."""
    found = []
    walk = os.walk(folder, followlinks=follow_links)
    for dirpath, _, filenames in sorted(walk, key=lambda entry: entry[0]):
        if not _inside(dirpath, root):
            continue
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if not name.lower().endswith(formats) or not _inside(path, root) or not os.path.isfile(path):
                continue
            found.append(os.path.join(prefix, os.path.relpath(path, folder)))
    return found


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None, follow_links=False,
                    verbose=True, where="index_directory"):
    """``(file_paths, labels, class_names)`` as Keras's ``index_directory`` makes them."""
    if not os.path.isdir(directory):
        raise ValueError(f"{where}: directory {directory!r} is not a folder.")
    root = os.path.realpath(directory)
    if labels == "inferred":
        subdirs = [name for name in sorted(os.listdir(directory))
                   if not name.startswith(".") and os.path.isdir(os.path.join(directory, name))
                   and _inside(os.path.join(directory, name), root)]
        if class_names is not None:
            if not set(class_names) <= set(subdirs):
                raise ValueError(f"{where}: class_names must name subfolders of the directory: expected some of "
                                 f"{subdirs}, got class_names={list(class_names)}.")
            subdirs = list(class_names)
    else:
        if class_names is not None:
            raise ValueError(f"{where}: class_names can be given only with labels='inferred' (got labels="
                             f"{'None' if labels is None else 'a list'}).")
        subdirs = [""]
    files, label_ids = [], []
    for index, subdir in enumerate(subdirs):
        found = _class_files(os.path.join(directory, subdir), subdir, root, follow_links, formats)
        files += found
        label_ids += [index] * len(found)
    if labels == "inferred":
        labels, class_names = np.asarray(label_ids, dtype="int32"), subdirs
    elif labels is None:
        class_names = None
    else:
        if len(labels) != len(files):
            raise ValueError(f"{where}: labels has {len(labels)} entries but {len(files)} files were found in "
                             f"{directory}.")
        class_names = [str(label) for label in sorted(set(labels))]
        labels = np.asarray(labels)
    if verbose:
        print(f"Found {len(files)} files." if labels is None else
              f"Found {len(files)} files belonging to {len(class_names)} classes.")
    paths = [os.path.join(directory, name) for name in files]
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, class_names


def check_validation_split(validation_split, subset, shuffle, seed, where):
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"{where}: validation_split must be between 0 and 1, got {validation_split}.")
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{where}: give validation_split and subset together (got validation_split="
                         f"{validation_split}, subset={subset!r}).")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f"{where}: subset must be 'training', 'validation' or 'both', got {subset!r}.")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{where}: with validation_split and shuffle=True pass a seed, so that the training and "
                         "validation subsets do not overlap.")


def split_subset(paths, labels, validation_split, subset):
    """The training (first) or validation (last ``int(validation_split * n)``) files, as Keras splits."""
    if not validation_split:
        return paths, labels
    count = int(validation_split * len(paths))
    if subset == "training":
        print(f"Using {len(paths) - count} files for training.")
        cut = slice(0, len(paths) - count)
    else:
        print(f"Using {count} files for validation.")
        cut = slice(len(paths) - count, len(paths))
    return paths[cut], None if labels is None else labels[cut]


def encode_labels(labels, label_mode, num_classes):
    """int: int32 ids; binary: float32 ``(n, 1)``; categorical: float32 one-hot."""
    if label_mode == "binary":
        return np.asarray(labels, dtype="float32")[..., None]
    if label_mode == "categorical":
        return np.eye(num_classes, dtype="float32")[np.asarray(labels, dtype="int64")]
    return np.asarray(labels, dtype="int32")


class FileDataset(PyDataset):
    """Batches of ``load(path)`` for ``file_paths`` with their encoded labels (``None``: no labels)."""

    def __init__(self, file_paths, labels, label_mode, class_names, batch_size, load):
        super().__init__()
        self.file_paths = list(file_paths)
        self.class_names = class_names
        self.batch_size = batch_size
        self._labels = None if label_mode is None else encode_labels(labels, label_mode, len(class_names or ()))
        self._load = load

    def __len__(self):
        if self.batch_size is None:
            return len(self.file_paths)
        return -(-len(self.file_paths) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"{type(self).__name__}: batch {index} out of range for {len(self)} batches.")
        if self.batch_size is None:
            x = self._load([self.file_paths[index]])[0]
            return x if self._labels is None else (x, self._labels[index])
        cut = slice(index * self.batch_size, (index + 1) * self.batch_size)
        x = self._load(self.file_paths[cut])
        return x if self._labels is None else (x, self._labels[cut])


def _check_common(labels, label_mode, class_names, format, batch_size, where):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple, np.ndarray)):
        raise ValueError(f"{where}: labels must be 'inferred', None or a list of integer labels (one per file), "
                         f"got {labels!r}.")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"{where}: label_mode must be 'int', 'categorical', 'binary' or None, got {label_mode!r}.")
    if format not in ("tf", "grain"):
        raise ValueError(f"{where}: format must be 'tf' or 'grain' (both give a kerafront PyDataset), got "
                         f"{format!r}.")
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"{where}: batch_size must be a positive int or None, got {batch_size!r}.")


def _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
           follow_links, verbose, formats, load, where, kind):
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    check_validation_split(validation_split, subset, shuffle, seed, where)
    seed = np.random.randint(1e6) if seed is None else seed
    paths, labels, class_names = index_directory(directory, labels, formats, class_names, shuffle, seed,
                                                 follow_links, verbose, where)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{where}: label_mode='binary' needs exactly 2 classes, got class_names={class_names}.")

    def make(subset_name):
        subset_paths, subset_labels = split_subset(paths, labels, validation_split, subset_name)
        if not subset_paths:
            raise ValueError(f"{where}: no {kind} found in directory {directory!r}"
                             f"{' for the ' + subset_name + ' subset' if validation_split else ''} "
                             f"(accepted extensions: {', '.join(formats)}).")
        return FileDataset(subset_paths, subset_labels, label_mode, class_names, batch_size, load)

    if subset == "both":
        return [make("training"), make("validation")]
    return make(subset)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, color_mode="rgb",
                                 batch_size=32, image_size=(256, 256), shuffle=True, seed=None, validation_split=None,
                                 subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 format="tf", verbose=True):
    """Images in class subfolders as ``(images, labels)`` batches (Keras's arguments and defaults).

    ``images``: float32 ``(batch, height, width, channels)`` (``channels_first``: channels second) with
    values 0-255, each file decoded by Pillow and resized to ``image_size`` by ``kerafront.ops.image.resize``
    (``interpolation``, ``crop_to_aspect_ratio``, ``pad_to_aspect_ratio`` as there; Keras's numbers).
    ``labels``: int32 ids, float32 ``(batch, 1)`` for "binary", float32 one-hot for "categorical".
    ``subset="both"`` returns ``[training, validation]``.
    """
    from kerafront import config
    from kerafront.utils.image_utils import pil_image
    where = "image_dataset_from_directory"
    _check_common(labels, label_mode, class_names, format, batch_size, where)
    pil_image()
    channels = {"rgb": 3, "rgba": 4, "grayscale": 1}.get(color_mode)
    if channels is None:
        raise ValueError(f"{where}: color_mode must be 'rgb', 'rgba' or 'grayscale', got {color_mode!r}.")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{where}: image_size must be (height, width), got {image_size!r}.")
    interpolation = str(interpolation).lower()
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"{where}: interpolation must be one of {RESIZE_INTERPOLATIONS} (Keras's 'gaussian' and "
                         f"'mitchellcubic' are not supported), got {interpolation!r}.")
    data_format = config.standardize_data_format(data_format, where)

    def load(paths):
        return np.stack([_load_image(path, channels, tuple(image_size), interpolation, crop_to_aspect_ratio,
                                     pad_to_aspect_ratio, data_format) for path in paths])

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
                  follow_links, verbose, IMAGE_FORMATS, load, where, "images")


def _load_image(path, channels, image_size, interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio, data_format):
    """One file as float32 ``(height, width, channels)`` resized as Keras resizes it (channels first if asked)."""
    import io

    from kerafront import _files, config
    from kerafront.ops import image as image_ops
    from kerafront.utils.image_utils import pil_image
    with _files.open_regular(path, "image_dataset_from_directory") as f:
        picture = pil_image().open(io.BytesIO(f.read()))
        picture = picture.convert({1: "L", 3: "RGB", 4: "RGBA"}[channels])
    array = np.asarray(picture, dtype="float32").reshape(picture.size[1], picture.size[0], channels)
    with config.backend_scope("numpy"):
        array = np.asarray(image_ops.resize(array, image_size, interpolation=interpolation,
                                            crop_to_aspect_ratio=crop_to_aspect_ratio,
                                            pad_to_aspect_ratio=pad_to_aspect_ratio, data_format="channels_last"))
    return array.transpose(2, 0, 1) if data_format == "channels_first" else array


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, format="tf", verbose=True):
    """``.txt`` files in class subfolders as ``(texts, labels)`` batches (Keras's arguments and defaults).

    ``texts``: a NumPy array of ``str`` (UTF-8 decoded; Keras gives bytes tensors), each cut to its
    first ``max_length`` bytes when given. Labels as in ``image_dataset_from_directory``.
    """
    where = "text_dataset_from_directory"
    _check_common(labels, label_mode, class_names, format, batch_size, where)
    if max_length is not None and (isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 0):
        raise ValueError(f"{where}: max_length must be a non-negative int or None, got {max_length!r}.")

    def load(paths):
        from kerafront import _files
        texts = []
        for path in paths:
            with _files.open_regular(path, where) as f:
                raw = f.read() if max_length is None else f.read(max_length)
            texts.append(raw.decode("utf-8", errors="ignore" if max_length is not None else "replace"))
        return np.asarray(texts, dtype=str)

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
                  follow_links, verbose, (".txt",), load, where, "text files")
