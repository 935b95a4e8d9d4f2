"""``value_and_grad``, ``stop_gradient`` and the ``inference_scope`` hook on torch (``grad`` is the
composite in ``kerafront.ops``).

Gradients use ``torch.autograd.grad``: the selected arguments' leaves are replaced by fresh
``detach().requires_grad_()`` tensors, ``fn`` runs with grad enabled, and unused leaves get zeros.
Outside any other ``value_and_grad`` the returned value (and tensors in ``aux``) are detached, so
no graph outlives the call. Nested inside another ``value_and_grad`` (higher-order derivatives),
leaves already on the outer graph are replaced by connected views instead and the inner gradient
is built with ``create_graph=True``, so the outer transformation can differentiate through it.
"""

import threading

import torch

from kerafront import tree

from kerafront_torch._convert import Tensor, as_tensor

_depth = threading.local()
# ``watcher(originals, leaves) -> finish(grads) -> grads``, set by the distribution engine
# (``_distribute.py``) around a replica's step: a top-level call hands it the leaves it differentiates
# (hooks on them see each gradient as backward produces it) and returns what ``finish`` makes of the grads.
_gradient_watch = threading.local()


def _prepare_leaf(leaf, nested):
    x = as_tensor(leaf)
    if not x.is_floating_point():
        raise TypeError(f"value_and_grad: differentiated arguments must hold float tensors, got a leaf of dtype "
                        f"{str(x.dtype).replace('torch.', '')} and shape {tuple(x.shape)}; pass integer data "
                        f"through an argument that argnums does not select.")
    if nested and x.requires_grad:
        return x.view_as(x)
    return x.detach().requires_grad_()


def _detach(tree_value):
    return tree.map_structure(lambda v: v.detach() if isinstance(v, Tensor) and v.requires_grad else v, tree_value)


def value_and_grad(fn, argnums=0, has_aux=False):
    single = isinstance(argnums, int)
    positions = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        nested = getattr(_depth, "value", 0) > 0
        args = list(args)
        for p in positions:
            if p >= len(args):
                raise ValueError(f"value_and_grad: argnums {argnums!r} selects argument {p}, but the function "
                                 f"was called with {len(args)} positional arguments.")
        treedefs, flat, originals = [], [], []
        for p in positions:
            leaves, treedef = tree.flatten(args[p])
            originals += leaves
            leaves = [_prepare_leaf(leaf, nested) for leaf in leaves]
            args[p] = tree.unflatten(treedef, leaves)
            treedefs.append((treedef, len(leaves)))
            flat += leaves
        watcher = None if nested else getattr(_gradient_watch, "watcher", None)
        finish = None if watcher is None else watcher(originals, flat)
        _depth.value = getattr(_depth, "value", 0) + 1
        try:
            with torch.enable_grad():
                out = fn(*args, **kwargs)
        finally:
            _depth.value -= 1
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise ValueError("value_and_grad: with has_aux=True the function must return (value, aux), got "
                                 f"{type(out).__name__}.")
            value, aux = out
        else:
            value, aux = out, None
        value = as_tensor(value)
        if value.ndim != 0:
            raise ValueError(f"value_and_grad: the function must return a scalar (shape ()), got shape "
                             f"{tuple(value.shape)}; reduce it (e.g. with ops.mean) first.")
        if value.requires_grad and flat:
            grads = torch.autograd.grad(value, flat, allow_unused=True, create_graph=nested,
                                        materialize_grads=True)
        else:
            grads = [torch.zeros_like(leaf) for leaf in flat]
        grads = list(grads) if nested else [g.detach() if g.requires_grad else g for g in grads]
        if finish is not None:
            grads = finish(grads)
        trees, start = [], 0
        for treedef, count in treedefs:
            trees.append(tree.unflatten(treedef, grads[start:start + count]))
            start += count
        result = trees[0] if single else tuple(trees)
        if not nested:
            value = value.detach()
            aux = _detach(aux) if has_aux else None
        return ((value, aux) if has_aux else value), result

    return wrapped


def inference_scope():
    """``torch.no_grad()``: weights are Parameters that require grad, so a forward pass outside
    ``value_and_grad`` would otherwise record a graph (the trainer opens this around test/predict)."""
    return torch.no_grad()


def stop_gradient(x):
    return as_tensor(x).detach()


class _CustomGradient(torch.autograd.Function):
    """``fn`` forward (torch records nothing inside ``forward``); ``vjp`` backward."""

    @staticmethod
    def forward(ctx, fn, *args):
        y, ctx.vjp = fn(*args)
        ctx.args = args
        return as_tensor(y)

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.vjp(upstream)
        return (None,) + tuple(None if d is None or not isinstance(a, Tensor) else as_tensor(d).to(a.dtype)
                               for a, d in zip(ctx.args, grads))


def custom_gradient_call(fn, args):
    """A ``torch.autograd.Function`` whose backward is the user's ``vjp`` (see ``kerafront.spec``)."""
    return _CustomGradient.apply(fn, *(as_tensor(a) for a in args))


def remat(fn):
    """``torch.utils.checkpoint`` (non-reentrant): activations are recomputed in the backward pass."""
    import torch.utils.checkpoint

    def rematerialized(*args, **kwargs):
        return torch.utils.checkpoint.checkpoint(fn, *args, use_reentrant=False, **kwargs)

    return rematerialized
