"""Linear-algebra rules: ``matmul`` (NumPy's 1-D promotion, batch broadcasting), ``einsum``, decompositions."""

from kerafront._keras_tensor import KerasTensor
from kerafront.ops._symbolic._arguments import broadcast, known, promote, rule, shape_of, spec_of
from kerafront.spec_rules import broadcastable, linalg_operand, solve_operands

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@rule
def matmul(x1, x2):
    a, b = shape_of(x1, "matmul"), shape_of(x2, "matmul")
    if not a or not b:
        raise ValueError(f"matmul: operands must have rank >= 1, got shapes {a} @ {b}; use multiply for scalars.")
    inner1, inner2 = a[-1], b[-2] if len(b) > 1 else b[0]
    if known(inner1, inner2) and inner1 != inner2:
        raise ValueError(f"matmul: inner dimensions differ: {a} @ {b} ({inner1} != {inner2}); transpose or reshape "
                         "one operand.")
    batch1, batch2 = a[:-2], b[:-2]
    if not broadcastable([batch1, batch2]):
        raise ValueError(f"matmul: batch dimensions do not broadcast: {a} @ {b}.")
    rows = a[-2:-1]
    cols = b[-1:] if len(b) > 1 else ()
    return KerasTensor(broadcast("matmul", [batch1, batch2]) + rows + cols, promote(x1, x2))


@rule
def einsum(subscripts, *operands):
    shapes = [shape_of(x, "einsum") for x in operands]
    terms, output = _einsum_terms(subscripts, shapes)
    sizes = {}
    for term, shape in zip(terms, shapes):
        if len(term) != len(shape):
            raise ValueError(f"einsum: {subscripts!r} does not fit operands of shapes "
                             f"{', '.join(map(str, shapes))}: term {term!r} has {len(term)} letters.")
        for letter, size in zip(term, shape):
            if letter in sizes and not broadcastable([(sizes[letter],), (size,)]):
                raise ValueError(f"einsum: {subscripts!r} does not fit operands of shapes "
                                 f"{', '.join(map(str, shapes))}: {letter!r} is {sizes[letter]} and {size}.")
            sizes[letter] = broadcast("einsum", [(sizes[letter],), (size,)])[0] if letter in sizes else size
    return KerasTensor(tuple(sizes[c] for c in output), promote(*operands))


def _einsum_terms(subscripts, shapes):
    """Explicit einsum terms with ``...`` replaced by letters (the NumPy backend's parse): (inputs, output)."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operands, got {len(shapes)}.")
    free = [c for c in _LETTERS if c not in subscripts]
    ellipsis_rank = max([len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t] + [0])
    ell = "".join(free[:ellipsis_rank])
    expanded = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            rank = len(shape) - (len(term) - 3)
            term = term.replace("...", ell[ellipsis_rank - rank:] if rank else "")
        expanded.append(term)
    if not arrow:
        letters = "".join(expanded)
        output = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1 and c not in ell))
    return expanded, output.replace("...", ell)


# Decompositions and solves: the checks are ``spec_rules``' (the backends' own), the shapes Keras's.

def _matrix(x, op, square=True):
    shape, dtype = spec_of(x, op)
    dtype = linalg_operand(shape, dtype if dtype is not None else promote(x), op, square)
    return tuple(shape), dtype


def _min(m, n):
    return None if m is None or n is None else min(m, n)


@rule
def cholesky(x, upper=False):
    shape, dtype = _matrix(x, "cholesky")
    return KerasTensor(shape, dtype)


def _solve(a, b, op):
    a_shape = shape_of(a, op)
    dtype = linalg_operand(a_shape, promote(a, b), op)
    b_shape = shape_of(b, op)
    vector, batch = solve_operands(a_shape, b_shape, op)
    size = a_shape[-1] if a_shape[-1] is not None else (b_shape[-1] if vector else b_shape[-2])
    return KerasTensor(batch + ((size,) if vector else (size, b_shape[-1])), dtype)


@rule
def solve(a, b):
    return _solve(a, b, "solve")


@rule
def solve_triangular(a, b, lower=False):
    return _solve(a, b, "solve_triangular")


@rule
def lu_factor(x):
    shape, dtype = _matrix(x, "lu_factor")
    return KerasTensor(shape, dtype), KerasTensor(shape[:-1], "int32")


@rule
def qr(x, mode="reduced"):
    shape, dtype = _matrix(x, "qr", square=False)
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: mode must be 'reduced' or 'complete'; received mode={mode!r}.")
    batch, (m, n) = shape[:-2], shape[-2:]
    k = _min(m, n) if mode == "reduced" else m
    return KerasTensor(batch + (m, k), dtype), KerasTensor(batch + (k, n), dtype)


@rule
def eigh(x):
    shape, dtype = _matrix(x, "eigh")
    return KerasTensor(shape[:-1], dtype), KerasTensor(shape, dtype)


@rule
def svd(x, full_matrices=True, compute_uv=True):
    shape, dtype = _matrix(x, "svd", square=False)
    batch, (m, n) = shape[:-2], shape[-2:]
    k = _min(m, n)
    s = KerasTensor(batch + (k,), dtype)
    if not compute_uv:
        return s
    if full_matrices:
        return KerasTensor(batch + (m, m), dtype), s, KerasTensor(batch + (n, n), dtype)
    return KerasTensor(batch + (m, k), dtype), s, KerasTensor(batch + (k, n), dtype)


@rule
def det(x):
    shape, dtype = _matrix(x, "det")
    return KerasTensor(shape[:-2], dtype)


@rule
def slogdet(x):
    shape, dtype = _matrix(x, "slogdet")
    return KerasTensor(shape[:-2], dtype), KerasTensor(shape[:-2], dtype)
