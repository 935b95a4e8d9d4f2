"""Compilation: ``compile`` is ``jax.jit``; compiled functions take NumPy batches directly.

JAX's persistent compilation cache (``_cache``) keeps compiled steps on disk between runs.
"""

import jax

compiled_functions_take_numpy = True  # jax.jit transfers host arrays itself, ~10x cheaper than device_put


def compile(fn, donate_argnums=()):
    """``jax.jit(fn, donate_argnums=donate_argnums)``.

    XLA may reuse the buffers of the donated arguments for the outputs, so a caller that donates
    must not read those arguments afterwards. kerafront's trainer compiles its steps without
    donating anything; ``donate_argnums`` is for user code that calls ``ops.compile`` itself.
    """
    return jax.jit(fn, donate_argnums=donate_argnums)


def step_mode():
    """``jax.jit`` traces pure functions: steps take and return every variable's value."""
    return "pure"
