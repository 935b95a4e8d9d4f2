"""The backend contract: every primitive a backend implements, with its signature and rules.

A backend is an importable module (``kerafront_numpy``, ``kerafront_torch``, ...) that defines,
at module level, one callable per primitive below with *the same signature and defaults*
(``spec.missing_primitives`` and the conformance suite check this by name), plus the hooks in
``BACKEND_HOOKS``. Everything else in ``kerafront.ops`` is a composite written once from these
(``std`` from ``var``, ``grad`` from ``value_and_grad``, activations, losses' numerics, ...).

Module map. Every backend package holds each primitive in the module named after its section
(``primitive(category)`` below): ``_creation``, ``_elementwise``, ``_comparison``, ``_reduction``,
``_linalg``, ``_shape``, ``_nn``, ``_random``, ``_autodiff``, ``_compile``, ``_control_flow``, ``_signal``; the
hooks in ``_device``; overrides of composites in ``_fused``; ``fused_optimizer_update`` in ``_optim``. A
section may be a package (``_nn/conv.py``, ``_nn/pool.py``); other modules hold helpers, never an
op. ``MODULE_MAP`` states it and ``tests/test_backend_layout.py`` checks every backend against it.

General rules, for every primitive:

* Tensors are the framework's native type (``np.ndarray``, ``torch.Tensor``, ``jax.Array``,
  ``tf.Tensor``); no wrapper. Tensor arguments also accept Python scalars and NumPy arrays.
* Binary elementwise ops broadcast like NumPy and promote dtypes with
  ``kerafront.dtypes.result_type`` (Python scalars are weak). Unary float math (exp, log, sqrt,
  sin, ...) on an integer tensor computes in floatx; ``floor``, ``ceil``, ``round``, ``abs``,
  ``sign``, ``negative`` and ``square`` keep an integer dtype.
* ``axis`` may be an int, a tuple of ints or ``None`` (all axes); negative axes count from the end.
* ``dtype`` arguments are kerafront dtype strings (``"float32"``...); ``None`` means: floatx for
  float results of creation ops, otherwise inferred.
* Shapes are tuples of Python ints (``shape`` may return a scalar tensor for a dimension that is
  unknown while tracing a compiled function).
* Errors: bad arguments raise ``ValueError`` / ``TypeError`` whose message names the op, what was
  expected and what was received (e.g. ``matmul: inner dimensions differ: (2, 3) @ (4, 5)``).
* Convolution and pooling: ``data_format`` is ``"channels_last"`` (N, *spatial, C) or
  ``"channels_first"`` (N, C, *spatial); ``None`` means ``kerafront.config.image_data_format()``.
  ``padding="same"`` gives ``ceil(in / stride)`` outputs and pads like TensorFlow: total padding
  ``max((out - 1) * stride + (k - 1) * dilation + 1 - in, 0)``, ``total // 2`` before and the rest
  (the extra one) after. ``strides``, ``dilation_rate`` and ``pool_size`` are an int or a tuple
  with one entry per spatial dimension.
* Random primitives take ``seed``: an int, or an integer tensor of shape (2,) (the state a
  ``kerafront.random.SeedGenerator`` threads through compiled steps). The same seed gives the same
  numbers on one backend; backends need not agree with each other.
* Differentiable primitives (``DIFFERENTIABLE``) have gradients on every backend. Max-pool and
  max/min reductions send the gradient at ties to one position (the first in row-major order for
  reductions; any single maximal position for max-pool); sort/top_k gradients flow to the selected
  positions. Non-differentiable outputs (comparisons, argmax, integer results) get no gradient.
* Kinks and ties (``KINK_RULES``; checked on every backend by ``conformance_tests/cases/kinks.py``
  with inputs exactly at the kink): a piecewise op's gradient at its kink is the one-sided
  derivative stated there, the same on every backend and framework release.
"""

import inspect

PRIMITIVES = {}
DIFFERENTIABLE = set()


def primitive(category, differentiable=True):
    def register(fn):
        fn.category = category
        PRIMITIVES[fn.__name__] = fn
        if differentiable:
            DIFFERENTIABLE.add(fn.__name__)
        return fn
    return register


# ----------------------------------------------------------------------------------------------
# Creation and conversion

@primitive("creation", differentiable=False)
def convert_to_tensor(x, dtype=None):
    """Convert a tensor, NumPy array, Python scalar or nested list to a native tensor.

    Without ``dtype``: native tensors and NumPy arrays keep their dtype; Python floats become
    floatx, Python ints int32, Python bools bool. With ``dtype``, cast to it. Native tensors of
    this backend pass through unchanged when no cast is needed (it is differentiable as identity).
    """


@primitive("creation", differentiable=False)
def convert_to_numpy(x):
    """Return an ``np.ndarray`` copy of ``x`` (device tensors are copied to host; bfloat16 -> float32)."""


@primitive("creation", differentiable=False)
def is_tensor(x):
    """True when ``x`` is this backend's native tensor type."""


@primitive("creation", differentiable=False)
def zeros(shape, dtype=None):
    """Tensor of ``shape`` filled with 0; dtype defaults to floatx."""


@primitive("creation", differentiable=False)
def ones(shape, dtype=None):
    """Tensor of ``shape`` filled with 1; dtype defaults to floatx."""


@primitive("creation", differentiable=False)
def full(shape, fill_value, dtype=None):
    """Tensor of ``shape`` filled with ``fill_value``; dtype defaults to floatx for a float value, int32 for an int."""


@primitive("creation", differentiable=False)
def arange(start, stop=None, step=1, dtype=None):
    """Like ``np.arange``; dtype int32 when all of start/stop/step are ints, else floatx."""


@primitive("creation", differentiable=False)
def eye(n, m=None, k=0, dtype=None):
    """``(n, m or n)`` matrix with ones on diagonal ``k``; dtype defaults to floatx."""


@primitive("creation")
def cast(x, dtype):
    """Cast ``x`` to ``dtype``. Float -> int truncates toward zero. Gradient flows float -> float only."""


@primitive("creation", differentiable=False)
def bitcast(x, dtype):
    """The bytes of ``x`` read as ``dtype``, without conversion (``np.ndarray.view``; ``keras.ops.view``).

    Equal item sizes keep the shape; otherwise the last axis scales by ``itemsize(x) / itemsize(dtype)``
    (``kerafront.spec_rules.bitcast_shape``, which raises ``ValueError`` naming ``bitcast`` when the
    bytes of the last axis do not divide, or for a 0-d tensor). Little-endian byte order on every backend.
    """


@primitive("creation", differentiable=False)
def shape(x):
    """Static shape of ``x`` as a tuple of ints."""


@primitive("creation", differentiable=False)
def dtype(x):
    """kerafront dtype string of ``x`` (``"float32"``, ...)."""


# ----------------------------------------------------------------------------------------------
# Elementwise math

@primitive("elementwise")
def add(x1, x2):
    """``x1 + x2`` with broadcasting and promotion."""


@primitive("elementwise")
def subtract(x1, x2):
    """``x1 - x2``."""


@primitive("elementwise")
def multiply(x1, x2):
    """``x1 * x2``."""


@primitive("elementwise")
def divide(x1, x2):
    """True division; two integer operands give floatx."""


@primitive("elementwise")
def arctan2(x1, x2):
    """Angle of the point ``(x2, x1)`` in ``[-pi, pi]``, with C's signed-zero and infinity rules; integer operands
    give floatx. Gradients ``x2 / (x1**2 + x2**2)`` and ``-x1 / (x1**2 + x2**2)`` (no rule at the origin)."""


@primitive("elementwise", differentiable=False)
def floor_divide(x1, x2):
    """``floor(x1 / x2)``; integer results follow Python's signs (-7 // 2 == -4)."""


@primitive("elementwise", differentiable=False)
def mod(x1, x2):
    """Remainder with the sign of the divisor, as Python's ``%`` (-7 % 2 == 1)."""


@primitive("elementwise")
def power(x1, x2):
    """``x1 ** x2``. Gradient w.r.t. ``x2`` uses ``log(x1)`` and is defined for ``x1 > 0``."""


@primitive("elementwise")
def negative(x):
    """``-x``."""


@primitive("elementwise")
def abs(x):
    """``|x|``; gradient ``sign(x)`` (0 at 0)."""


@primitive("elementwise", differentiable=False)
def sign(x):
    """-1, 0 or 1, in the dtype of ``x``."""


@primitive("elementwise")
def sqrt(x):
    """Square root."""


@primitive("elementwise")
def rsqrt(x):
    """``1 / sqrt(x)``."""


@primitive("elementwise")
def square(x):
    """``x * x``."""


@primitive("elementwise")
def exp(x):
    """e ** x."""


@primitive("elementwise")
def log(x):
    """Natural logarithm."""


@primitive("elementwise")
def log1p(x):
    """``log(1 + x)``, accurate near 0."""


@primitive("elementwise")
def expm1(x):
    """``exp(x) - 1``, accurate near 0."""


@primitive("elementwise")
def sin(x):
    """Sine."""


@primitive("elementwise")
def cos(x):
    """Cosine."""


@primitive("elementwise")
def tanh(x):
    """Hyperbolic tangent."""


@primitive("elementwise")
def sigmoid(x):
    """``1 / (1 + exp(-x))``, without overflow for large ``|x|``."""


@primitive("elementwise")
def erf(x):
    """Gauss error function."""


@primitive("elementwise")
def erfc(x):
    """Complementary error function ``1 - erf(x)``, accurate where ``erf(x)`` rounds to 1 (large ``x``)."""


@primitive("elementwise")
def erfinv(x):
    """Inverse of ``erf`` on ``[-1, 1]``: ``+-inf`` at ``+-1``, NaN outside; gradient ``sqrt(pi) / 2 * exp(y**2)``."""


@primitive("elementwise", differentiable=False)
def nextafter(x1, x2):
    """The next float after ``x1`` towards ``x2`` (NumPy's ``nextafter``); integer operands compute in floatx."""


@primitive("elementwise")
def maximum(x1, x2):
    """Elementwise max; at ties the gradient goes to ``x1``."""


@primitive("elementwise")
def minimum(x1, x2):
    """Elementwise min; at ties the gradient goes to ``x1``."""


@primitive("elementwise")
def clip(x, x_min, x_max):
    """Clip to ``[x_min, x_max]`` (scalars or tensors); gradient 1 inside the closed interval, else 0."""


@primitive("elementwise")
def where(condition, x1, x2):
    """``x1`` where ``condition`` is true, else ``x2``; broadcasting; gradient flows to the chosen side."""


@primitive("elementwise", differentiable=False)
def round(x):
    """Round half to even (as NumPy)."""


@primitive("elementwise", differentiable=False)
def floor(x):
    """Floor."""


@primitive("elementwise", differentiable=False)
def ceil(x):
    """Ceiling."""


# ----------------------------------------------------------------------------------------------
# Comparisons and logic (results are bool)

@primitive("comparison", differentiable=False)
def equal(x1, x2):
    """``x1 == x2``."""


@primitive("comparison", differentiable=False)
def not_equal(x1, x2):
    """``x1 != x2``."""


@primitive("comparison", differentiable=False)
def less(x1, x2):
    """``x1 < x2``."""


@primitive("comparison", differentiable=False)
def less_equal(x1, x2):
    """``x1 <= x2``."""


@primitive("comparison", differentiable=False)
def greater(x1, x2):
    """``x1 > x2``."""


@primitive("comparison", differentiable=False)
def greater_equal(x1, x2):
    """``x1 >= x2``."""


@primitive("comparison", differentiable=False)
def logical_and(x1, x2):
    """Elementwise and of truth values."""


@primitive("comparison", differentiable=False)
def logical_or(x1, x2):
    """Elementwise or."""


@primitive("comparison", differentiable=False)
def logical_not(x):
    """Elementwise not."""


@primitive("comparison", differentiable=False)
def logical_xor(x1, x2):
    """Elementwise xor."""


@primitive("comparison", differentiable=False)
def isnan(x):
    """True where ``x`` is NaN (always false for integers)."""


@primitive("comparison", differentiable=False)
def isfinite(x):
    """True where ``x`` is neither inf nor NaN."""


# ----------------------------------------------------------------------------------------------
# Reductions

@primitive("reduction")
def sum(x, axis=None, keepdims=False):
    """Sum over ``axis``; bool sums to int32; integer dtypes keep their dtype."""


@primitive("reduction")
def mean(x, axis=None, keepdims=False):
    """Mean over ``axis``; integer inputs give floatx. Mean over an empty axis is NaN."""


@primitive("reduction")
def max(x, axis=None, keepdims=False):
    """Max over ``axis`` (an empty reduction raises ``ValueError``); tie gradient to the first maximal element."""


@primitive("reduction")
def min(x, axis=None, keepdims=False):
    """Min over ``axis``; tie gradient to the first minimal element."""


@primitive("reduction")
def prod(x, axis=None, keepdims=False):
    """Product over ``axis``."""


@primitive("reduction", differentiable=False)
def argmax(x, axis=None, keepdims=False):
    """Index (int32) of the first maximum along ``axis`` (flattened when None)."""


@primitive("reduction", differentiable=False)
def argmin(x, axis=None, keepdims=False):
    """Index (int32) of the first minimum."""


@primitive("reduction", differentiable=False)
def any(x, axis=None, keepdims=False):
    """True where any element is truthy."""


@primitive("reduction", differentiable=False)
def all(x, axis=None, keepdims=False):
    """True where all elements are truthy."""


@primitive("reduction")
def var(x, axis=None, keepdims=False):
    """Biased (population) variance, ``mean(square(x - mean(x)))``."""


@primitive("reduction")
def cumsum(x, axis=None):
    """Cumulative sum along ``axis`` (over the flattened tensor when None)."""


# ----------------------------------------------------------------------------------------------
# Linear algebra

@primitive("linalg")
def matmul(x1, x2):
    """Matrix product with NumPy's rules (1-D promotion, batch broadcasting).

    Raises ``ValueError`` naming both shapes when the inner dimensions differ.
    """


@primitive("linalg")
def einsum(subscripts, *operands):
    """Einstein summation, NumPy's subscript syntax (explicit ``->`` output; ``...`` allowed)."""


# Decompositions and solves. Shared rules: matrices are the last two axes of a (..., M, N) tensor and
# leading axes are a batch (of one shape; ``solve``'s operands broadcast theirs). Integer and bool inputs
# compute in floatx; float16/bfloat16 raise TypeError (no LAPACK kernel: cast to float32). Rank < 2, a
# non-square matrix where one is needed, or mismatched ``solve`` operands raise ValueError naming the op
# (``spec_rules.linalg_operand``). Where a decomposition is unique only up to signs, kerafront fixes them
# (``eigh``, ``svd``) so every backend returns the same vectors.

@primitive("linalg")
def cholesky(x, upper=False):
    """Cholesky factor of symmetric positive-definite ``x``: lower ``L`` with ``L @ L^T == x`` (``upper``:
    ``U = L^T``). ``(x + x^T) / 2`` is factored (JAX's rule), so the gradient is symmetric. ValueError when
    ``x`` is not positive definite (eagerly; inside a compiled function the result may hold NaN)."""


@primitive("linalg")
def solve(a, b):
    """``x`` with ``a @ x == b`` for square ``a`` (..., M, M); ``b`` is (..., M, K), or a batch of vectors
    (..., M) when ``b.ndim == a.ndim - 1`` (Keras's rule). Batch axes broadcast. A singular ``a`` raises
    ValueError eagerly (NumPy, torch, TensorFlow) or gives inf/NaN (JAX, compiled)."""


@primitive("linalg")
def solve_triangular(a, b, lower=False):
    """``solve`` for triangular ``a``: only its upper (``lower=False``, the default) or lower triangle is read."""


@primitive("linalg")
def lu_factor(x):
    """LU factorisation with partial pivoting of square ``x`` (..., M, M), as ``scipy.linalg.lu_factor``:
    ``(lu, pivots)``, ``lu`` holding unit-lower ``L`` below the diagonal and ``U`` on and above it, and
    ``pivots`` (int32, 0-based) saying that row ``i`` was swapped with row ``pivots[i]``. Gradients flow
    through ``lu``."""


@primitive("linalg")
def qr(x, mode="reduced"):
    """``(q, r)`` with ``q @ r == x`` for (..., M, N), Householder signs as LAPACK (NumPy): ``mode="reduced"``
    gives q (..., M, K), r (..., K, N) with K = min(M, N); ``"complete"`` q (..., M, M), r (..., M, N). The
    gradient is defined for M >= N in reduced mode (and for square inputs)."""


@primitive("linalg")
def eigh(x):
    """``(w, v)`` of symmetric ``x`` (..., M, M) (``(x + x^T) / 2`` is used): eigenvalues ascending, eigenvectors
    in the columns of ``v``, each with the sign making its largest-magnitude entry positive (the first of
    equal magnitudes, up to rounding). Gradients assume distinct eigenvalues."""


@primitive("linalg")
def svd(x, full_matrices=True, compute_uv=True):
    """``(u, s, vh)`` with ``u @ diag(s) @ vh == x`` for (..., M, N): singular values descending; each pair of
    singular vectors signed so that the largest-magnitude entry of ``u``'s column is positive. ``compute_uv=False``
    returns ``s`` alone. Gradients assume distinct non-zero singular values and, for M != N, ``full_matrices=False``
    (the extra columns of a full ``u`` or rows of ``vh`` are any orthonormal completion: backends differ there)."""


@primitive("linalg")
def det(x):
    """Determinant of square ``x`` (..., M, M), shape (...)."""


@primitive("linalg")
def slogdet(x):
    """``(sign, logabsdet)`` of square ``x`` (..., M, M), each of shape (...): ``sign`` is 1, -1 or 0 (and
    then ``logabsdet`` is -inf). The gradient flows through ``logabsdet``."""


# ----------------------------------------------------------------------------------------------
# Shape manipulation

@primitive("shape")
def reshape(x, newshape):
    """Reshape; one entry may be -1. Raises ``ValueError`` naming both shapes when sizes differ."""


@primitive("shape")
def transpose(x, axes=None):
    """Permute axes (reverse them when None)."""


@primitive("shape")
def expand_dims(x, axis):
    """Insert a size-1 axis at ``axis`` (int or tuple)."""


@primitive("shape")
def squeeze(x, axis=None):
    """Remove size-1 axes (all of them when None); a named axis that is not size 1 raises ``ValueError``."""


@primitive("shape")
def broadcast_to(x, shape):
    """Broadcast ``x`` to ``shape``; gradient sums over the broadcast axes."""


@primitive("shape")
def concatenate(xs, axis=0):
    """Join a sequence of tensors along an existing axis."""


@primitive("shape")
def stack(xs, axis=0):
    """Join a sequence of same-shape tensors along a new axis."""


@primitive("shape")
def split(x, indices_or_sections, axis=0):
    """Split into a list: an int gives that many equal parts (must divide), a list gives split points."""


@primitive("shape")
def tile(x, repeats):
    """Repeat the whole tensor ``repeats`` times per axis (NumPy's ``tile``)."""


@primitive("shape")
def repeat(x, repeats, axis=None):
    """Repeat each element ``repeats`` (an int) times along ``axis`` (flattened when None)."""


@primitive("shape")
def pad(x, pad_width, mode="constant", constant_values=0):
    """Pad with ``pad_width`` = ((before, after), ...) per axis. ``mode``: "constant", "reflect" or "symmetric"."""


@primitive("shape")
def flip(x, axis=None):
    """Reverse the order of elements along ``axis`` (all axes when None)."""


@primitive("shape")
def slice(x, start_indices, shape):
    """Static slice: ``x[start[0]:start[0]+shape[0], ...]`` (``keras.ops.slice``)."""


@primitive("shape")
def take(x, indices, axis=None):
    """Gather ``x`` along ``axis`` at integer ``indices`` (flattened when None); gradient scatter-adds.

    Shapes: ``x.shape[:axis] + indices.shape + x.shape[axis + 1:]`` (``indices.shape`` when None).
    Indices lie in ``[-n, n)`` for an axis of size ``n``; negative ones count from the end.
    Out-of-range indices raise ``IndexError`` (not ``ValueError``: what NumPy and Keras users expect
    from indexing) with one message on every backend, ``kerafront.spec_rules.index_error``: the op,
    the axis, its size, the shape of ``x`` and the least and greatest index received. Every eager
    call checks; inside compiled functions the values are unknown when the check would run:
    ``jax.jit`` fills the out-of-range positions (NaN for floats, the dtype's minimum for integers),
    ``tf.function`` raises TensorFlow's ``InvalidArgumentError`` at run time on CPU (its GPU gather
    gives zeros), and ``torch.compile`` leaves it to the compiled kernel.
    """


@primitive("shape")
def take_along_axis(x, indices, axis=None):
    """NumPy's ``take_along_axis``; ``indices`` has the same rank as ``x`` (flattened when ``axis`` is None).

    Index range, negative indices and errors: as ``take``.
    """


@primitive("shape")
def scatter(indices, values, shape):
    """Zeros of ``shape`` with ``values`` added at ``indices`` (shape (N, k), the first k axes); duplicates add up."""


@primitive("shape")
def sort(x, axis=-1):
    """Ascending sort along ``axis``; equal elements keep their order (stable)."""


@primitive("shape", differentiable=False)
def argsort(x, axis=-1):
    """Indices (int32) that sort ``x`` ascending along ``axis``, stable."""


@primitive("shape")
def top_k(x, k, sorted=True):
    """The ``k`` largest along the last axis: ``(values, indices)``, descending; at ties the lower index comes first."""


# ----------------------------------------------------------------------------------------------
# Neural-network kernels

@primitive("nn")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-D convolution (N = 1, 2 or 3; cross-correlation, as every framework computes it).

    ``inputs``: (batch, *spatial, C_in) for channels_last, (batch, C_in, *spatial) for channels_first.
    ``kernel``: (*kernel_spatial, C_in // groups, C_out) whatever the data format (Keras's layout).
    ``groups = C_in // kernel.shape[-2]`` must divide C_in and C_out; output channel ``o`` reads
    input group ``o // (C_out // groups)`` (so depthwise is groups == C_in).
    Raises ``ValueError`` for a rank that is not 3, 4 or 5, a channel count that the kernel does not
    divide, an unknown padding or data format, or strides > 1 combined with dilation > 1.
    """


@primitive("nn")
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """Transposed convolution (the gradient of ``conv`` w.r.t. its input), 1-D, 2-D or 3-D.

    ``kernel``: (*kernel_spatial, C_out, C_in) (Keras's ``Conv2DTranspose`` layout).
    Output length per spatial dim with ``k' = (k - 1) * dilation + 1``:
    valid: ``(in - 1) * stride + k'``; same: ``in * stride``; ``output_padding`` (int or tuple), when
    given, sets ``(in - 1) * stride + k' - 2 * pad_before + output_padding`` with ``pad_before`` from
    the padding mode (``k' // 2`` for same, 0 for valid), as Keras computes it. The input is placed
    as TensorFlow does for the matching convolution: ``max((in - 1) * stride + k' - out, 0) // 2``
    rows are cropped before. (For stride > k' with valid padding Keras's layer would give
    ``in * stride``; kerafront keeps the adjoint-of-conv length ``(in - 1) * stride + k'`` everywhere.)
    ``output_padding`` must be >= 0 and < stride; no groups (the kernel's last dim equals C_in).
    """


@primitive("nn")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling, 1-D, 2-D or 3-D; ``strides`` defaults to ``pool_size``. Padded positions never win."""


@primitive("nn")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling, 1-D, 2-D or 3-D; with ``padding="same"`` each window divides by its count of real
    (unpadded) elements."""


# ----------------------------------------------------------------------------------------------
# Signal processing. kerafront has no complex dtype: a complex tensor travels as its (real, imag)
# parts, as in ``keras.ops.fft``.

@primitive("signal")
def complex_fft(real, imag, rank=1, inverse=False):
    """Discrete Fourier transform over the last ``rank`` axes (1 or 2) of ``real + i * imag``.

    Returns one tensor of shape ``(2, *real.shape)``: the real parts stacked on the imaginary ones (a
    single output keeps the primitive's VJP simple; ``kerafront.ops.fft`` splits it). ``inverse=False``
    is ``numpy.fft.fftn`` (no scaling), ``inverse=True`` ``numpy.fft.ifftn`` (divided by the transform's
    size). Both parts are float tensors of one shape and dtype; float16 and bfloat16 compute in float32
    and are cast back. The VJP of a DFT is the conjugate transform: ``n * ifft(g)`` for ``fft`` and
    ``fft(g) / n`` for ``ifft``. Raises ``ValueError`` naming ``complex_fft`` for parts of different
    shapes or dtypes, non-float parts, fewer than ``rank`` axes, or a ``rank`` other than 1 or 2.
    """


# ----------------------------------------------------------------------------------------------
# Random (seeded, see the module docstring)

@primitive("random", differentiable=False)
def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples; dtype defaults to floatx."""


@primitive("random", differentiable=False)
def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    """Uniform samples in ``[minval, maxval)``; dtype defaults to floatx."""


@primitive("random", differentiable=False)
def truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    """Normal samples redrawn (or resampled) so that all lie within two ``stddev`` of ``mean``."""


@primitive("random", differentiable=False)
def random_shuffle(x, seed, axis=0):
    """``x`` with its slices along ``axis`` in a random permutation."""


# ----------------------------------------------------------------------------------------------
# Control flow: functions of pytrees (``kerafront.tree``) of tensors, run natively per framework.
# ``init``/``loop_vars``/results may be nested tuples, lists and dicts; Variables in them are read.

@primitive("control_flow")
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Loop ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``; returns ``(carry, ys)``.

    ``xs``: a pytree whose leaves share a leading length ``n`` (the steps); ``x`` is one slice of
    every leaf. ``xs=None`` needs ``length`` and gives ``f`` ``x=None``. ``init``'s leaves become
    tensors first (a Python float floatx, an int int32), and every carry ``f`` returns must have
    their structure, shapes and dtypes. ``ys``: ``y``'s structure, each leaf stacked to
    ``(n, *leaf.shape)``; ``y=None`` gives ``ys=None``. ``reverse=True`` steps from ``n - 1`` down
    to 0 and ``ys[i]`` still belongs to ``xs[i]`` (as ``jax.lax.scan``). ``unroll`` (an int >= 1 or
    a bool) is honoured by JAX and accepted elsewhere.

    Differentiable with respect to ``init``, ``xs`` and tensors ``f`` closes over (a recurrent
    cell reads its kernels inside ``f``), also inside compiled steps. Native: ``jax.lax.scan``;
    TensorFlow a ``tf.while_loop`` over TensorArrays (eager or in ``tf.function``); a Python loop
    on torch and NumPy. Raises ``ValueError`` naming ``scan`` for ``xs=None`` without ``length``,
    leaves of ``xs`` of different lengths (or without a leading axis), ``length`` not matching
    them, ``n < 1`` (no step to learn ``y``'s shape from), ``f`` not returning a pair, or a carry
    of another structure, shape or dtype than ``init``.
    """


@primitive("control_flow", differentiable=False)
def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """``while cond(*vars): vars = body(*vars)`` at most ``maximum_iterations`` times; returns the vars.

    ``loop_vars``: a tuple or list (``cond`` and ``body`` take its items as arguments and ``body``
    returns as many; the result is a tuple) or one pytree (passed and returned as one argument).
    Leaves become tensors first; ``body`` keeps their structure, shapes and dtypes (``ValueError``
    naming ``while_loop`` otherwise). ``cond`` returns a scalar bool. Native:
    ``jax.lax.while_loop``, ``tf.while_loop``, a Python loop on torch and NumPy. Not in
    ``DIFFERENTIABLE``: JAX cannot reverse-differentiate a loop whose trip count depends on values
    (``jax.lax.while_loop`` has no VJP); the other backends' gradients flow but are not promised.
    Use ``scan`` (or ``fori_loop`` with int bounds) to differentiate a loop.
    """


@primitive("control_flow")
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` else ``false_fn()``; both return pytrees of one structure, shapes and dtypes.

    ``pred``: a Python bool or a scalar (shape ``()``) tensor; any other shape raises ``ValueError``
    naming ``cond``. Native: ``jax.lax.cond`` (traces both branches), ``tf.cond`` (a Python bool
    picks its branch without building one), a Python ``if`` on torch and NumPy (only the taken
    branch runs, so a branch mismatch surfaces only where both are traced, and on KerasTensors).
    Differentiable through the taken branch.
    """


# ----------------------------------------------------------------------------------------------
# Autodiff and compilation (``grad`` is the composite ``kerafront.ops.grad``, written once from
# ``value_and_grad``)

@primitive("autodiff", differentiable=False)
def value_and_grad(fn, argnums=0, has_aux=False):
    """Return ``g(*args)`` computing ``(fn(*args), grads)``, or ``((value, aux), grads)`` with ``has_aux``.

    ``argnums`` is an int or tuple of ints; each selected argument is a pytree (``kerafront.tree``)
    of float tensors, and its gradient has the same structure (a tuple of them for a tuple argnums).
    ``fn`` must return a scalar (shape ``()``); otherwise raises ``ValueError`` naming the shape.
    Leaves that do not influence the value get zero gradients.
    """


@primitive("autodiff")
def stop_gradient(x):
    """Identity forward; no gradient flows through."""


@primitive("autodiff", differentiable=False)
def custom_gradient_call(fn, args):
    """``fn(*args) -> (y, vjp)``; returns ``y``, whose gradient is ``vjp(upstream)`` alone.

    ``args``: a tuple of tensors (and Python scalars); ``y``: one tensor; ``vjp(upstream)`` returns a
    tuple with one cotangent (or ``None``: zero) per argument, each of its argument's shape. The
    ops inside ``fn`` are not differentiated: the gradient reaching ``args`` is the ``vjp``'s, also
    inside compiled steps. Native: ``jax.custom_gradient``, ``tf.custom_gradient``, a
    ``torch.autograd.Function``, a tape node on NumPy. The frontend is the decorator
    ``kerafront.ops.custom_gradient`` (Keras's name), which checks what the user's function returns.
    """


@primitive("compile", differentiable=False)
def compile(fn, donate_argnums=()):
    """Compile a pure function of pytrees of tensors: identity (NumPy, torch by default),
    ``jax.jit`` (may donate ``donate_argnums`` buffers), ``tf.function``."""


# The gradient of each piecewise op exactly at its kink or tie (the rule every backend follows).
KINK_RULES = {
    "relu": "0 at x == 0",
    "relu6": "0 at x == 0 and at x == 6 (1 only inside the open interval)",
    "hard_sigmoid": "0 at x == -3 and at x == 3 (1/6 only inside the open interval)",
    "hard_silu": "x * hard_sigmoid(x) by the product rule: 0 at x == -3, 1 at x == 3",
    "leaky_relu": "negative_slope at x == 0 (as torch and TensorFlow; jax.nn.leaky_relu gives 1)",
    "elu": "alpha at x == 0 (as torch and jax.nn.elu; TensorFlow's EluGrad gives 1)",
    "selu": "scale * alpha at x == 0 (as torch and jax.nn.selu; TensorFlow's SeluGrad gives scale)",
    "abs": "0 at x == 0",
    "sign": "0 everywhere",
    "maximum": "at x1 == x2 the whole gradient goes to x1, none to x2",
    "minimum": "at x1 == x2 the whole gradient goes to x1, none to x2",
    "clip": "1 at x == x_min and at x == x_max (the bounds are inside the linear piece); 0 strictly "
            "outside, where a tensor bound takes it",
    "max": "ties in a reduction: the first maximal position in row-major order takes the whole gradient",
    "min": "ties in a reduction: the first minimal position in row-major order takes the whole gradient",
    "max_pool": "ties in a window: the whole window's gradient goes to one maximal position",
    "argmax": "ties: the index of the first maximal position",
    "argmin": "ties: the index of the first minimal position",
    "sort": "ties keep their input order (stable); each output's gradient goes to the input it came from",
    "argsort": "ties keep their input order (stable)",
    "top_k": "ties: the lower index comes first; each value's gradient goes to the position it came from",
    "where": "the gradient goes to x1 where condition is True and to x2 elsewhere, even where x1 == x2",
    "hard_swish": "hard_silu's: 0 at x == -3, 1 at x == 3",
    "celu": "1 at x == 0 (both pieces have slope 1 there)",
    "hard_tanh": "1 at x == -1 and at x == 1 (clip's rule: the bounds are inside the linear piece)",
    "hard_shrink": "0 at |x| == threshold (the value there is 0)",
    "soft_shrink": "0 at |x| == threshold (the value there is 0)",
    "threshold": "0 at x == threshold (the value there is default_value)",
    "sparse_plus": "0 at x == -1 and 1 at x == 1 (both pieces agree: it is continuously differentiable)",
    "sparse_sigmoid": "1/2 at x == -1 and at x == 1 (clip's rule on x + 1), 0 strictly outside",
    "sparsemax": "an entry equal to tau (value exactly 0) is outside the support and gets no gradient; tied "
                 "entries are in or out of the support together, so the sort's tie order changes nothing",
}

# Where each op lives in a backend package (see "Module map" above): section -> module name.
MODULE_MAP = {
    "creation": "_creation", "elementwise": "_elementwise", "comparison": "_comparison",
    "reduction": "_reduction", "linalg": "_linalg", "shape": "_shape", "nn": "_nn", "random": "_random",
    "autodiff": "_autodiff", "compile": "_compile", "control_flow": "_control_flow", "device": "_device",
    "signal": "_signal",
    "fused": "_fused", "optim": "_optim",
}

BACKEND_HOOKS = {
    "name": "The backend's registry name (str).",
    "device_scope": "device_scope(name) -> context manager placing new tensors on a device "
                    "('cpu', 'gpu', 'gpu:1'); raises ValueError for a device the backend lacks.",
    "default_device": "default_device() -> the current device name as a string, e.g. 'cpu' or 'gpu:0'.",
    "list_devices": "list_devices() -> list of device names this backend can use.",
}

# Optional backend attributes: absent means "no". The trainer and optimizers look them up.
OPTIONAL_BACKEND_HOOKS = {
    "fused_optimizer_update": "fused_optimizer_update(kind, params, grads, slots, learning_rate, step, "
                              "hyperparameters, in_place) -> (new_params, new_slots) or None to decline "
                              "(contract in kerafront/optimizers/optimizer.py).",
    "compiled_functions_take_numpy": "True when functions returned by compile accept NumPy arrays in place "
                                     "of tensors and transfer them themselves (the trainer then passes "
                                     "batches without converting them first).",
    "step_mode": "step_mode() -> how the trainer runs a training step (kerafront/training/trainer.py): "
                 "'eager' (compile is the identity; a step mutates the variables as it runs), 'pure' (compile "
                 "traces a pure function: the step gets every variable's value as an argument and returns the "
                 "new values) or 'stateful' (compile traces a function that reads and assigns the framework's "
                 "own variables, which variable_storage makes). Absent: 'eager'.",
    "variable_storage": "An object with make(tensor, trainable) -> storage, assign(storage, tensor) -> storage "
                        "and set_trainable(storage, trainable): kerafront Variables then hold the framework's "
                        "own variable object (contract in kerafront/variables.py). Absent: plain tensors.",
    "inference_scope": "inference_scope() -> context manager the trainer opens around test and predict steps "
                       "(torch: torch.no_grad(), so parameters that require grad build no graph).",
    "remat": "remat(fn) -> fn wrapped so that its activations are recomputed in the backward pass instead of "
             "kept (gradient checkpointing: jax.checkpoint, torch.utils.checkpoint). fn may read tensors it closes "
             "over (a layer's weights), which must still get their gradients: tf.recompute_grad drops those, so "
             "TensorFlow, like NumPy, has no hook. Absent: fn itself (the same values and gradients, without the "
             "memory saving).",
    "prepare_for_training": "prepare_for_training() -> None, called before the trainer first builds its "
                            "steps (a backend may tune its process once there; NumPy and torch on CPU keep freed "
                            "memory for the next step, see kerafront/utils/malloc.py).",
}

# Composite ops (kerafront.ops) a backend may override with a fused kernel of the same signature.
# The conformance suite compares each override with the composite.
OVERRIDABLE_COMPOSITES = (
    "relu", "gelu", "silu", "softplus", "softmax", "log_softmax", "logsumexp",
    "categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy",
    "conv_bias", "depthwise_conv", "moments", "layer_normalization",
    "dot_product_attention",
    "lstm", "gru",
)


def signature(name):
    """``inspect.Signature`` of primitive ``name``."""
    return inspect.signature(PRIMITIVES[name])


def missing_primitives(module):
    """Names of spec primitives and hooks that ``module`` lacks or defines with another signature."""
    problems = []
    for name, fn in PRIMITIVES.items():
        impl = getattr(module, name, None)
        if impl is None:
            problems.append(f"{name}: missing")
            continue
        try:
            impl_sig = inspect.signature(impl)
        except (TypeError, ValueError):
            continue
        if _params(impl_sig) != _params(inspect.signature(fn)):
            problems.append(f"{name}: signature {impl_sig} differs from spec {inspect.signature(fn)}")
    for hook in BACKEND_HOOKS:
        if not hasattr(module, hook):
            problems.append(f"{hook}: missing hook")
    return problems


def _params(sig):
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]
