"""Unique object names as Keras makes them: ``dense``, ``dense_1``, ``dense_2``, ...

``clear_session()`` (``kerafront.utils.clear_session``) restarts the counters, so a fresh model gets
the same names as in a fresh process.
"""

import collections
import re

_uids = collections.defaultdict(int)


def to_snake_case(name):
    """``"Conv2DTranspose"`` -> ``"conv2d_transpose"`` (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def uniquify(name):
    """Return ``name`` the first time, then ``name_1``, ``name_2``, ..."""
    count = _uids[name]
    _uids[name] += 1
    return name if count == 0 else f"{name}_{count}"


def auto_name(class_name):
    return uniquify(to_snake_case(class_name))


def clear_session():
    """Reset the name counters and the global dtype policy, as Keras's ``clear_session`` does."""
    from kerafront import config
    _uids.clear()
    config.state.dtype_policy = None
