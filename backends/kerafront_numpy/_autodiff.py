"""Reverse-mode autodiff for the NumPy backend: ``Box``, the ``primitive`` decorator, ``value_and_grad``.

Boxing happens only while differentiating. Outside ``value_and_grad`` the module-level count
``_recording`` (threads now inside a ``value_and_grad``) is 0 and a decorated primitive calls its
forward directly after that one global read. Inside, the selected leaves are wrapped in ``Box``
objects; a primitive called with a Box among its arguments unwraps them, runs the forward on plain
arrays and returns a Box that records its parents, the argument values and the primitive's VJP,
and appends itself to the calling thread's tape. The backward pass walks the tape in reverse
creation order (a valid reverse topological order, with no graph search or sort) and accumulates
cotangents; boxes the output does not depend on get none.

Each thread differentiates on its own: the tape, the residuals and the VJP's ``needs_gradient``
state live in a ``threading.local``, so two threads (two models fitting in parallel) may each run a
``value_and_grad`` at the same time. Nesting one inside another on the same thread is refused.

The VJP contract (``kerafront_numpy._nn`` and the other primitive modules code against it)::

    def _op_vjp(g, out, x1, x2, *rest):      # every parameter of the forward, in order, unboxed
        return d_x1, d_x2                    # one entry per leading tensor parameter; None = none

    @primitive(_op_vjp)                      # @primitive(None): not differentiable
    def op(x1, x2, flag=False): ...          # forward on plain ndarrays / Python scalars

A parameter holding a list of tensors (``concatenate(xs)``) gets a list of cotangents. The engine
sums a cotangent over broadcast axes down to its input's shape and casts it to the input's dtype,
so VJPs may return the broadcast cotangent. ``needs_gradient(i)`` tells a VJP whether parameter
``i`` needs one (to skip, say, the input gradient of a first convolution). Only float outputs are
boxed: integer and bool results (comparisons, casts to int) carry no gradient. Primitives with
several outputs (split, top_k) are composed from single-output ones while differentiating.
"""

import functools
import inspect
import threading

import numpy as np

from kerafront import tree as _tree

from kerafront_numpy._convert import dtype_name, is_float, to_array

_recording = 0  # how many threads are inside value_and_grad now; 0 lets every primitive skip the Box checks
_recording_lock = threading.Lock()


class _ThreadTape(threading.local):
    """The calling thread's differentiation state (``threading.local``: each thread sees its own)."""

    def __init__(self):
        self.tape = None  # while this thread's value_and_grad runs its function: the boxes created, in order
        self.wanted = ()  # the (param_index, parent) pairs of the box whose VJP is being called
        self.residuals = {}  # id(a primitive's output) -> (output, data its VJP reuses); emptied with the tape


_thread = _ThreadTape()


def save_residual(out, data):
    """In a forward: keep ``data`` (say, conv's im2col patches) for the VJP of ``out``, which reads
    it back with ``residual(out)`` instead of recomputing it. Kept only while differentiating, and
    dropped when the running ``value_and_grad`` returns. Returns ``out``."""
    if _recording and _thread.tape is not None:
        _thread.residuals[id(out)] = (out, data)
    return out


def residual(out):
    """The data ``save_residual`` kept for ``out``, or None."""
    entry = _thread.residuals.get(id(out))
    return entry[1] if entry is not None and entry[0] is out else None


class Box:
    """A float ndarray being differentiated: its value, the VJP that made it, and its parents.

    ``parents`` holds ``(param_index, box)`` or ``(param_index, [(item_index, box), ...])`` pairs.
    Boxes answer ``.shape``, ``.dtype`` (a NumPy dtype), ``.ndim``, ``len()`` and the Python
    operators (attached in ``kerafront_numpy._box_ops``), so frontend code runs unchanged.
    ``_keras_mask`` holds a mask a layer attached (kerafront/_masking.py).
    """

    __slots__ = ("value", "vjp", "args", "parents", "_keras_mask")
    __array_ufunc__ = None  # ndarray (op) Box defers to Box's reflected operator

    def __init__(self, value, vjp=None, args=(), parents=()):
        self.value = value
        self.vjp = vjp
        self.args = args
        self.parents = parents

    @property
    def shape(self):
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self):
        return self.value.ndim

    @property
    def size(self):
        return self.value.size

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self.value)))

    def __bool__(self):
        return bool(self.value)

    def __float__(self):
        return float(self.value)

    def __int__(self):
        return int(self.value)

    def __array__(self, dtype=None, copy=None):
        """The value as a plain ndarray (detached: no gradient flows through the copy)."""
        return self.value if dtype is None else self.value.astype(dtype)

    def numpy(self):
        return np.array(self.value)

    def __repr__(self):
        return f"Box({self.value!r})"

    __hash__ = object.__hash__


def _has_box(items):
    for a in items:
        t = type(a)
        if t is Box:
            return True
        if (t is list or t is tuple) and a:
            for b in a:
                if type(b) is Box:
                    return True
    return False


def _binder(fn):
    """A fast ``(args, kwargs) -> list of all parameter values in order`` for ``fn``'s signature."""
    params = list(inspect.signature(fn).parameters.values())
    varpos = any(p.kind is p.VAR_POSITIONAL for p in params)
    names = [p.name for p in params]
    defaults = {p.name: p.default for p in params if p.default is not p.empty}
    count = len(names)
    op = fn.__name__

    def bind(args, kwargs):
        if varpos:
            if kwargs:
                raise TypeError(f"{op}: unexpected keyword arguments {sorted(kwargs)}.")
            return list(args)
        values = list(args)
        if len(values) > count:
            raise TypeError(f"{op}: takes {count} arguments, got {len(values)}.")
        if len(values) < count or kwargs:
            used = 0
            for name in names[len(values):]:
                if name in kwargs:
                    values.append(kwargs[name])
                    used += 1
                elif name in defaults:
                    values.append(defaults[name])
                else:
                    raise TypeError(f"{op}: missing required argument {name!r}.")
            if used != len(kwargs):
                raise TypeError(f"{op}: unexpected keyword arguments "
                                f"{sorted(set(kwargs) - set(names[len(args):]))}.")
        return values

    return bind


def _record(fwd, vjp, bind, args, kwargs):
    """Run ``fwd`` on unboxed arguments; box the result when it is float and depends on a Box.

    A Box reaching a primitive on a thread that is not differentiating (one that escaped its
    ``value_and_grad``) is passed to the forward as it is, as outside ``value_and_grad``.
    """
    tape = _thread.tape
    if tape is None:
        return fwd(*args, **kwargs)
    values = bind(args, kwargs)
    parents = []
    for i, v in enumerate(values):
        t = type(v)
        if t is Box:
            parents.append((i, v))
            values[i] = v.value
        elif (t is list or t is tuple) and v and _has_box([v]):
            items = [(j, b) for j, b in enumerate(v) if type(b) is Box]
            parents.append((i, items))
            unboxed = [b.value if type(b) is Box else b for b in v]
            values[i] = tuple(unboxed) if t is tuple else unboxed
    out = fwd(*values)
    if vjp is None or not parents or type(out) is not np.ndarray or not is_float(out.dtype):
        return out
    box = Box(out, vjp, values, parents)
    tape.append(box)
    return box


def primitive(vjp):
    """Decorator: declare a backend primitive and its VJP (``None`` when not differentiable)."""
    def decorate(fwd):
        bind = _binder(fwd)

        @functools.wraps(fwd)
        def op(*args, **kwargs):
            if not _recording or not (_has_box(args) or (kwargs and _has_box(kwargs.values()))):
                return fwd(*args, **kwargs)
            return _record(fwd, vjp, bind, args, kwargs)

        op.forward = fwd
        op.vjp = vjp
        return op
    return decorate


def recording():
    """True while this thread's ``value_and_grad`` is running its function."""
    return _thread.tape is not None


def needs_gradient(i):
    """Inside a VJP: True when parameter ``i`` of the primitive being differentiated needs a cotangent."""
    for j, _ in _thread.wanted:
        if j == i:
            return True
    return False


def unbroadcast(g, shape):
    """Sum cotangent ``g`` over the axes that broadcasting added or stretched, down to ``shape``."""
    g = np.asarray(g)
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra > 0:
        g = g.sum(axis=tuple(range(extra)))
    elif extra < 0:
        return g + np.zeros(shape, g.dtype)
    axes = tuple(i for i, (n, m) in enumerate(zip(g.shape, shape)) if m == 1 and n != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    if g.shape != shape:
        g = g + np.zeros(shape, g.dtype)
    return g


def _accumulate(grads, box, ct):
    value = box.value
    if type(ct) is not np.ndarray or ct.shape != value.shape:
        ct = unbroadcast(ct, value.shape)
    if ct.dtype != value.dtype:
        ct = ct.astype(value.dtype)
    previous = grads.get(box)
    grads[box] = ct if previous is None else previous + ct


def backward(root, seed, tape):
    """Cotangents of the boxes on ``tape`` given ``d root = seed``: {box: array} (leaves included)."""
    state = _thread
    grads = {root: seed}
    for node in reversed(tape):
        g = grads.pop(node, None)
        if g is None:
            continue
        state.wanted = node.parents
        cts = node.vjp(g, node.value, *node.args)
        if type(cts) is not tuple:
            cts = tuple(cts) if isinstance(cts, list) else (cts,)
        for i, parent in node.parents:
            ct = cts[i] if i < len(cts) else None
            if ct is None:
                continue
            if type(parent) is Box:
                _accumulate(grads, parent, ct)
            else:
                for j, box in parent:
                    if ct[j] is not None:
                        _accumulate(grads, box, ct[j])
    state.wanted = ()
    return grads


def _unbox(x):
    return x.value if type(x) is Box else x


def value_and_grad(fn, argnums=0, has_aux=False):
    """``g(*args) -> (value, grads)`` (``((value, aux), grads)`` with ``has_aux``); see ``kerafront.spec``."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)
    if not all(isinstance(n, int) for n in nums):
        raise TypeError(f"value_and_grad: argnums must be an int or a tuple of ints, got {argnums!r}.")

    def wrapped(*args, **kwargs):
        global _recording
        state = _thread
        if state.tape is not None:
            raise ValueError("value_and_grad: nested value_and_grad is not supported on the NumPy backend "
                             "(its VJPs are not themselves differentiable); use the jax or torch backend "
                             "for higher-order gradients.")
        for n in nums:
            if not -len(args) <= n < len(args):
                raise ValueError(f"value_and_grad: argnums {n} is out of range for {len(args)} positional arguments.")
        args = list(args)
        selected = []
        for n in nums:
            leaves, treedef = _tree.flatten(args[n])
            boxes = []
            for leaf in leaves:
                array = to_array(leaf.value if hasattr(leaf, "assign") else leaf)
                if not is_float(array.dtype):
                    raise TypeError(f"value_and_grad: can only differentiate with respect to float tensors; "
                                    f"argument {n} has a leaf of dtype {dtype_name(array.dtype)}. Cast it to "
                                    f"a float dtype or pass it through another (non-differentiated) argument.")
                boxes.append(Box(array))
            selected.append((boxes, treedef))
            args[n] = _tree.unflatten(treedef, boxes)
        with _recording_lock:
            _recording += 1
        state.tape = []
        try:
            result = fn(*args, **kwargs)
        except BaseException:
            state.residuals.clear()
            raise
        finally:
            recorded, state.tape = state.tape, None
            with _recording_lock:
                _recording -= 1
        if has_aux:
            if not (isinstance(result, (tuple, list)) and len(result) == 2):
                raise ValueError("value_and_grad: with has_aux=True, fn must return a pair (value, aux); "
                                 f"got {type(result).__name__}.")
            value, aux = result
            aux = _tree.map_structure(_unbox, aux)
        else:
            value = result
        plain = _unbox(value)
        if type(plain) is not np.ndarray:
            plain = to_array(plain)
        if plain.shape != ():
            raise ValueError(f"value_and_grad: fn must return a scalar (shape ()), got shape {plain.shape}. "
                             "Reduce it first, e.g. with kerafront.ops.sum or mean.")
        try:
            grads = backward(value, np.ones((), plain.dtype), recorded) if type(value) is Box else {}
        finally:
            state.residuals.clear()
        out = []
        for boxes, treedef in selected:
            leaf_grads = []
            for box in boxes:
                g = grads.get(box)
                if g is None:
                    g = np.zeros_like(box.value)
                elif not g.flags.writeable:
                    g = np.array(g)
                leaf_grads.append(g)
            out.append(_tree.unflatten(treedef, leaf_grads))
        grads_out = out[0] if single else tuple(out)
        return ((plain, aux) if has_aux else plain), grads_out

    return wrapped


@primitive(None)
def stop_gradient(x):
    """Identity forward; the result is a plain array, so no gradient flows back."""
    return x if type(x) is np.ndarray else to_array(x)



def custom_gradient_call(fn, args):
    """``fn(*args) -> (y, vjp)``: ``y`` on the tape with ``vjp`` (one cotangent or None per arg) as its VJP.

    ``fn`` runs on the unboxed values, so its own ops record nothing that the backward pass would
    follow: the gradient of ``y`` is what ``vjp`` returns, alone (``kerafront.spec``).
    """
    boxed = [(i, a) for i, a in enumerate(args) if type(a) is Box]
    values = [_unbox(a) for a in args]
    y, vjp = fn(*values)
    y = _unbox(y)
    if type(y) is not np.ndarray:
        y = to_array(y)
    if not boxed or _thread.tape is None or not is_float(y.dtype):
        return y

    def box_vjp(g, out, *arg_values):
        return tuple(None if d is None else to_array(_unbox(d)) for d in vjp(g))

    box = Box(y, box_vjp, values, boxed)
    _thread.tape.append(box)
    return box
