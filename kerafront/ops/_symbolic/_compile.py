"""Compilation rule: ``compile`` refuses symbolic tensors (nothing to compile without values)."""

from kerafront.ops._symbolic._arguments import no_values, rule


@rule
def compile(fn, donate_argnums=()):
    raise no_values("compile")
