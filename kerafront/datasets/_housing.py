"""The housing regression sets: an ``.npz`` of ``x`` and ``y``, split as Keras splits them."""

from kerafront.datasets import _origin, _reading


def load(name, path, test_split, seed, version=None):
    what = f"{name}.load_data"
    if not 0 <= test_split < 1:
        raise ValueError(f"{what}: test_split must be in [0, 1), got {test_split}.")
    if version not in (None, "small", "large"):
        raise ValueError(f"{what}: version must be 'small' or 'large', got {version!r}.")
    x, y = _reading.take(_reading.load_npz(_origin.fetch(name, fname=path), what), ["x", "y"], what)
    if version == "small":
        x, y = x[:600], y[:600]
    return _reading.split(x, y, test_split, seed)
