"""Linear algebra on ``jax.Array``: ``matmul`` and ``einsum``, operands promoted to one dtype."""

import jax.numpy as jnp
import numpy as np

from kerafront_jax._convert import promote_all, tensor


def matmul(x1, x2):
    x1, x2 = promote_all((x1, x2), "matmul")
    s1, s2 = x1.shape, x2.shape
    if not s1 or not s2:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {tuple(s1)} and {tuple(s2)}.")
    inner2 = s2[0] if len(s2) == 1 else s2[-2]
    if s1[-1] != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {tuple(s1)} @ {tuple(s2)}.")
    if len(s1) > 2 and len(s2) > 2:
        try:
            np.broadcast_shapes(s1[:-2], s2[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch dimensions do not broadcast: {tuple(s1)} @ {tuple(s2)}.") from None
    return jnp.matmul(x1, x2)


def einsum(subscripts, *operands):
    operands = promote_all(operands, "einsum") if len(operands) > 1 else [tensor(operands[0])]
    try:
        return jnp.einsum(subscripts, *operands)
    except (ValueError, TypeError, IndexError) as error:
        shapes = ", ".join(str(tuple(o.shape)) for o in operands)
        raise ValueError(f"einsum: subscripts {subscripts!r} do not fit operand shapes {shapes}: {error}") from None
