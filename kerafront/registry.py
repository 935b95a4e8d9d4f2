"""Backend registry: the built-in backends by name, plus third-party ones via entry points.

A backend registers a module under the entry-point group ``kerafront.backends``::

    [project.entry-points."kerafront.backends"]
    mlx = "kerafront_mlx"

The four built-in names are also known here directly, so a source checkout works uninstalled.
"""

import importlib
import importlib.util
import os
import sys

ENTRY_POINT_GROUP = "kerafront.backends"
BUILTIN = {
    "numpy": ("kerafront_numpy", "numpy"),
    "torch": ("kerafront_torch", "torch"),
    "jax": ("kerafront_jax", "jax"),
    "tensorflow": ("kerafront_tensorflow", "tensorflow"),
}
_BACKENDS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "backends")
_loaded = {}


def _entry_points():
    from importlib.metadata import entry_points
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _find_spec(module_name):
    spec = importlib.util.find_spec(module_name)
    if spec is None and os.path.isdir(_BACKENDS_DIR) and _BACKENDS_DIR not in sys.path:
        sys.path.append(_BACKENDS_DIR)
        spec = importlib.util.find_spec(module_name)
    return spec


def is_available(name):
    """True when backend ``name`` and the framework it needs are importable (imports neither)."""
    if name in _loaded:
        return True
    if name in BUILTIN:
        module_name, framework = BUILTIN[name]
        return _find_spec(module_name) is not None and importlib.util.find_spec(framework) is not None
    return name in _entry_points()


def available_backends():
    """Names of the backends that can be loaded here, built-in ones first."""
    names = [name for name in BUILTIN if is_available(name)]
    names += sorted(n for n in _entry_points() if n not in BUILTIN)
    return names


def load(name):
    """Import and return the backend module registered as ``name``.

    Raises ``ValueError`` for an unknown or uninstalled backend, listing the available ones and
    the extra to install.
    """
    module = _loaded.get(name)
    if module is not None:
        return module
    if name in BUILTIN:
        module_name, framework = BUILTIN[name]
        if importlib.util.find_spec(framework) is None or _find_spec(module_name) is None:
            raise ValueError(
                f"kerafront backend {name!r} is not installed ({framework} cannot be imported). "
                f"Install it with: pip install \"kerafront[{name}]\". "
                f"Available backends: {', '.join(available_backends())}.")
        module = importlib.import_module(module_name)
    else:
        entry_point = _entry_points().get(name)
        if entry_point is None:
            raise ValueError(
                f"Unknown kerafront backend {name!r}. Available backends: {', '.join(available_backends())}. "
                f"Built-in backends install with pip install \"kerafront[torch]\" (or [jax], [tensorflow]); "
                f"third-party backends register under the entry-point group {ENTRY_POINT_GROUP!r}.")
        module = entry_point.load()
    _loaded[name] = module
    return module
