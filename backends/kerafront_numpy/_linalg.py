"""Matrix product and Einstein summation, with their VJPs."""

import numpy as np

from kerafront_numpy._autodiff import needs_gradient, primitive
from kerafront_numpy._convert import operands, promote, to_array

ndarray = np.ndarray
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _matmul_vjp(g, out, x1, x2):
    x1, x2 = operands(x1, x2)
    a = x1 if x1.ndim > 1 else x1[None, :]
    b = x2 if x2.ndim > 1 else x2[:, None]
    if x2.ndim == 1:
        g = np.expand_dims(g, -1)
    if x1.ndim == 1:
        g = np.expand_dims(g, -2)
    d1 = d2 = None
    if needs_gradient(0):
        d1 = np.matmul(g, np.swapaxes(b, -1, -2))
        if x1.ndim == 1:
            d1 = d1[..., 0, :]
    if needs_gradient(1):
        d2 = np.matmul(np.swapaxes(a, -1, -2), g)
        if x2.ndim == 1:
            d2 = d2[..., :, 0]
    return d1, d2


@primitive(_matmul_vjp)
def matmul(x1, x2):
    """NumPy's matmul (1-D promotion, batch broadcasting); ValueError naming both shapes on a mismatch."""
    x1, x2 = operands(x1, x2)
    x1, x2 = np.asarray(x1), np.asarray(x2)
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {x1.shape} @ {x2.shape}; "
                         "use multiply for scalars.")
    inner1 = x1.shape[-1]
    inner2 = x2.shape[-2] if x2.ndim > 1 else x2.shape[0]
    if inner1 != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {x1.shape} @ {x2.shape} "
                         f"({inner1} != {inner2}); transpose or reshape one operand.")
    try:
        out = np.matmul(x1, x2)
    except ValueError as error:
        raise ValueError(f"matmul: batch dimensions do not broadcast: {x1.shape} @ {x2.shape} ({error}).") from None
    return out if type(out) is ndarray else np.asarray(out)


def _parse(subscripts, shapes):
    """Explicit einsum subscripts with ``...`` replaced by letters: (list of input terms, output term)."""
    subscripts = subscripts.replace(" ", "")
    if "->" in subscripts:
        inputs, output = subscripts.split("->")
    else:
        inputs, output = subscripts, None
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got {len(shapes)}.")
    used = set(subscripts)
    free = [c for c in _LETTERS if c not in used]
    ellipsis_rank = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ellipsis_rank = max(ellipsis_rank, len(shape) - (len(term) - 3))
    ell = "".join(free[:ellipsis_rank])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            rank = len(shape) - (len(term) - 3)
            term = term.replace("...", ell[ellipsis_rank - rank:] if rank else "")
        expanded.append(term)
    if output is None:
        letters = "".join(expanded)
        output = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    else:
        output = output.replace("...", ell)
    return expanded, output


def _einsum_vjp(g, out, subscripts, *operands):
    arrays = [np.asarray(x) for x in operands]
    terms, output = _parse(subscripts, [a.shape for a in arrays])
    cotangents = [None]
    for i, (term, x) in enumerate(zip(terms, arrays)):
        if not needs_gradient(i + 1):
            cotangents.append(None)
            continue
        unique = "".join(dict.fromkeys(term))
        others = [(t, a) for j, (t, a) in enumerate(zip(terms, arrays)) if j != i]
        available = set(output).union(*[set(t) for t, _ in others])
        target = "".join(c for c in unique if c in available)
        spec = ",".join([output] + [t for t, _ in others]) + "->" + target
        partial = np.einsum(spec, g, *[a for _, a in others], optimize=True)   # BLAS contractions
        sizes = dict(zip(term, x.shape))
        shape_unique = [sizes[c] for c in unique]
        partial = np.reshape(partial, [sizes[c] if c in target else 1 for c in unique])
        partial = np.broadcast_to(partial, shape_unique)
        if unique == term:
            cotangents.append(partial)
            continue
        grad = np.zeros(x.shape, dtype=partial.dtype)
        np.einsum(term + "->" + unique, grad)[...] = partial  # a writeable diagonal view
        cotangents.append(grad)
    return tuple(cotangents)


@primitive(_einsum_vjp)
def einsum(subscripts, *operands):
    """``np.einsum`` with kerafront promotion of the operands."""
    arrays = [x if type(x) is ndarray else to_array(x) for x in operands]
    if len(arrays) > 1:
        dt = arrays[0].dtype
        for a in arrays[1:]:
            dt = promote(dt, a.dtype)
        arrays = [a if a.dtype == dt else a.astype(dt) for a in arrays]
    try:
        out = np.einsum(subscripts, *arrays, optimize=len(arrays) > 1)   # BLAS (tensordot) for contractions
    except ValueError as error:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise ValueError(f"einsum: {subscripts!r} does not fit operands of shapes {shapes}: {error}") from None
    return out if type(out) is ndarray else np.asarray(out)
