"""``compile`` on torch: the identity unless the user opts in with ``KERAFRONT_TORCH_COMPILE``.

The switch is read (through ``kerafront.config.environ``) when ``compile`` is called:
``1``/``true``/``default`` uses ``torch.compile(fn)``; ``reduce-overhead``, ``max-autotune`` or
``max-autotune-no-cudagraphs`` select that mode. If compiling or running the compiled function
fails inside torch's compiler, one ``RuntimeWarning`` names the error and ``fn`` runs eagerly from
then on; errors from the user's own code propagate. ``donate_argnums`` is accepted for the spec's
signature and ignored: torch frees buffers by refcount.
"""

import warnings

import torch

from kerafront import config

from kerafront_torch import _random

_COMPILER_MODULES = ("torch._dynamo", "torch._inductor", "triton")
_COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")


def _compile_mode():
    setting = config.environ("KERAFRONT_TORCH_COMPILE").lower()
    if setting in ("", "0", "false", "no", "off"):
        return None
    if setting in ("1", "true", "yes", "on"):
        return "default"
    if setting in _COMPILE_MODES:
        return setting
    raise ValueError(f"KERAFRONT_TORCH_COMPILE={setting!r} is not understood; use 0/1 or one of "
                     f"{', '.join(_COMPILE_MODES)}.")


def _is_compiler_error(error):
    """True for errors raised by dynamo/inductor/triton rather than by the user's own code."""
    return any((cls.__module__ or "").startswith(_COMPILER_MODULES) for cls in type(error).__mro__)


def compile(fn, donate_argnums=()):
    mode = _compile_mode()
    if mode is None:
        return fn
    _random.exclude_from_graphs()
    compiled = torch.compile(fn, mode=None if mode == "default" else mode)
    state = {"impl": compiled}

    def run(*args, **kwargs):
        impl = state["impl"]
        if impl is fn:
            return fn(*args, **kwargs)
        try:
            return impl(*args, **kwargs)
        except Exception as error:  # noqa: BLE001 - filtered just below: only compiler failures fall back
            if not _is_compiler_error(error):
                raise
            state["impl"] = fn
            warnings.warn(f"kerafront torch backend: torch.compile failed for {getattr(fn, '__name__', fn)!r} "
                          f"({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}); "
                          f"running it eagerly from now on. Unset KERAFRONT_TORCH_COMPILE to silence this.",
                          RuntimeWarning, stacklevel=2)
            return fn(*args, **kwargs)

    run.__wrapped__ = fn
    return run


def step_mode():
    """Eager, unless ``KERAFRONT_TORCH_COMPILE`` is set: ``torch.compile`` then gets pure steps."""
    return "eager" if _compile_mode() is None else "pure"
