"""``compile`` for the NumPy backend: there is nothing to compile."""


def compile(fn, donate_argnums=()):
    """Identity: NumPy runs ``fn`` eagerly; ``donate_argnums`` is accepted and ignored."""
    return fn


def step_mode():
    """Steps run eagerly and mutate the variables as they go."""
    return "eager"
