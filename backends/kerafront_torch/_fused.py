"""Fused overrides of kerafront composites (names in ``kerafront.spec.OVERRIDABLE_COMPOSITES``).

Each function has the signature of the composite in ``kerafront/ops`` and computes the same value
(and, up to rounding, the same gradient) with torch's fused kernels: ``torch.softmax``,
``torch.log_softmax``, ``torch.logsumexp``, ``F.gelu``, ``F.silu``, ``F.softplus``,
``F.binary_cross_entropy_with_logits``, ``F.cross_entropy`` (integer targets, from logits),
``torch.var_mean``, for ``conv_bias`` a convolution with the bias passed to torch's kernel, for
``lstm``/``gru`` torch's fused recurrent kernels (``_recurrent``), and for ``dot_product_attention``
``F.scaled_dot_product_attention``.
Semantics that torch does not share are kept explicitly:

* ``relu`` is ``torch.relu``: its gradient at exactly 0 is 0, as ``kerafront.spec.KINK_RULES``
  states (``threshold_backward`` passes the gradient only where ``x > 0``).
* crossentropy from probabilities renormalises ``output`` along ``axis`` and clips it to
  ``[epsilon, 1 - epsilon]`` (``kerafront.config.epsilon()``), as Keras does; torch's losses would
  clamp the log at -100 instead.
* sparse targets count negative class ids from the end, like the composite's ``take_along_axis``
  (torch's ``ignore_index=-100`` is disabled).
"""

import torch
import torch.nn.functional as F

from kerafront import config
from kerafront.spec_rules import attention_groups, normalize_axis

from kerafront_torch import _recurrent
from kerafront_torch._convert import Tensor, as_tensor, float_input, promote_all
from kerafront_torch._elementwise import clip as _clip
from kerafront_torch._nn import convolve
from kerafront_torch._shape import take_along_axis

_NO_IGNORE = -(1 << 62)


def relu(x):
    return torch.relu(x if isinstance(x, Tensor) else as_tensor(x))


def gelu(x, approximate=True):
    return F.gelu(float_input(x), approximate="tanh" if approximate else "none")


def silu(x):
    return F.silu(float_input(x))


def softplus(x):
    return F.softplus(float_input(x))


def softmax(x, axis=-1):
    x = float_input(x)
    if isinstance(axis, int):
        return torch.softmax(x, dim=axis)
    axes = normalize_axis(axis, x.ndim, "softmax")
    e = torch.exp(x - torch.amax(x, dim=axes, keepdim=True).detach())
    return e / torch.sum(e, dim=axes, keepdim=True)


def log_softmax(x, axis=-1):
    x = float_input(x)
    if isinstance(axis, int):
        return torch.log_softmax(x, dim=axis)
    return x - logsumexp(x, axis=axis, keepdims=True)


def logsumexp(x, axis=None, keepdims=False):
    x = float_input(x)
    axes = normalize_axis(axis, x.ndim, "logsumexp")
    if not axes:
        return x
    return torch.logsumexp(x, dim=axes, keepdim=keepdims)


def moments(x, axes, keepdims=False):
    x = float_input(x)
    dims = normalize_axis(axes, x.ndim, "moments")
    if not dims:  # torch reads dim=() as every axis
        return x, torch.zeros_like(x)
    variance, mean = torch.var_mean(x, dim=dims, correction=0, keepdim=keepdims)
    return mean, variance


def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None):
    """``torch.nn.functional.layer_norm`` (one fused kernel forward and backward) when the normalized axes
    are the trailing ones; otherwise the composite."""
    x = float_input(x)
    rank = x.ndim
    axes = sorted(a % rank for a in ((axis,) if isinstance(axis, int) else axis)) if rank else None
    if not axes or axes != list(range(rank - len(axes), rank)) or \
            any(t is not None and (not isinstance(t, torch.Tensor) or t.dtype != x.dtype) for t in (gamma, beta)):
        from kerafront.ops.math import layer_normalization as composite_op
        return composite_op.composite(x, gamma, beta, axis, epsilon)
    normalized = tuple(x.shape[rank - len(axes):])
    gamma = None if gamma is None else gamma.reshape(normalized)
    beta = None if beta is None else beta.reshape(normalized)
    return torch.nn.functional.layer_norm(x, normalized, gamma, beta, 1e-7 if epsilon is None else float(epsilon))


def conv_bias(inputs, kernel, bias, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """``conv(...) + bias`` (bias shape (C_out,), on the channel axis) with the bias fused into torch's kernel.

    Fusing saves the separate add and its backward reduction: ~10-20% of the two conv layers' forward
    and backward time on the W2 CNN (CPU, oneDNN).
    """
    return convolve(inputs, kernel, bias, strides, padding, data_format, dilation_rate, "conv_bias")


def _check_same_shape(op, target, output):
    t_shape, o_shape = tuple(target.shape), tuple(output.shape)
    if t_shape != o_shape:
        raise ValueError(f"{op}: target and output must have the same shape, got target {t_shape} "
                         f"and output {o_shape}.")


def _pair(target, output):
    output = output if isinstance(output, Tensor) else as_tensor(output)
    target = as_tensor(target, output.device)
    return target, output


def binary_crossentropy(target, output, from_logits=False):
    target, output = _pair(target, output)
    _check_same_shape("binary_crossentropy", target, output)
    target = target.to(output.dtype)
    if from_logits:
        return F.binary_cross_entropy_with_logits(output, target, reduction="none")
    eps = config.state.epsilon
    output = _clip(output, eps, 1.0 - eps)   # the spec's gradient at the bounds (clamp's changed in torch 2.14)
    return -(target * torch.log(output) + (1.0 - target) * torch.log(1.0 - output))


def _clipped_log_probs(output, axis):
    output = output / torch.sum(output, dim=axis, keepdim=True)
    eps = config.state.epsilon
    return torch.log(_clip(output, eps, 1.0 - eps))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _pair(target, output)
    _check_same_shape("categorical_crossentropy", target, output)
    target = target.to(output.dtype)
    log_probs = torch.log_softmax(output, dim=axis) if from_logits else _clipped_log_probs(output, axis)
    return -torch.sum(target * log_probs, dim=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    target, output = _pair(target, output)
    out_shape, t_shape = tuple(output.shape), tuple(target.shape)
    if len(t_shape) == len(out_shape) and t_shape[-1] == 1:
        target = target.squeeze(-1)
        t_shape = t_shape[:-1]
    if len(t_shape) != len(out_shape) - 1:
        raise ValueError(f"sparse_categorical_crossentropy: target must have shape {out_shape[:-1]} "
                         f"(integer class ids), got {t_shape}.")
    if not from_logits:
        picked = take_along_axis(_clipped_log_probs(output, axis), target.to(torch.int32).unsqueeze(axis), axis)
        return -picked.squeeze(axis)
    target = target.to(torch.int64)
    target = torch.where(target < 0, target + out_shape[axis], target)
    logits = output if axis in (1, 1 - len(out_shape)) or len(out_shape) == 1 else output.movedim(axis, 1)
    try:
        return F.cross_entropy(logits, target, reduction="none", ignore_index=_NO_IGNORE)
    except (IndexError, RuntimeError) as error:
        expected = out_shape[:axis % len(out_shape)] + out_shape[axis % len(out_shape) + 1:]
        if tuple(target.shape) != expected:
            raise ValueError(f"sparse_categorical_crossentropy: target must have shape {expected} for output "
                             f"of shape {out_shape} and axis {axis}, got {tuple(target.shape)}.") from None
        raise IndexError(f"sparse_categorical_crossentropy: a class id is out of range for {out_shape[axis]} "
                         f"classes (output shape {out_shape}): {error}") from None


def lstm(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False,
         zero_output_for_mask=False):
    """``kerafront.ops.lstm`` on torch's fused LSTM kernel (cuDNN on CUDA); see ``_recurrent`` for the
    weight conversion and which masks it covers."""
    return _recurrent.lstm_sequence(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                                    zero_output_for_mask)


def gru(inputs, initial_h, kernel, recurrent_kernel, bias=None, mask=None, go_backwards=False, reset_after=True,
        zero_output_for_mask=False):
    """``kerafront.ops.gru`` on torch's fused GRU kernel (``reset_after=True``; the other form takes the composite)."""
    return _recurrent.gru_sequence(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
                                   zero_output_for_mask)


def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None):
    """``kerafront.ops.dot_product_attention`` on ``F.scaled_dot_product_attention`` (torch picks its flash or
    memory-efficient kernel), with the heads moved to axis 1 and back and grouped-query attention native.

    A row whose keys are all masked would come out 0 from torch's kernels; it is computed unmasked and
    replaced by the composite's result, the mean of the values (gradient to the values only).
    """
    query, key, value = (float_input(t) for t in promote_all((query, key, value)))
    attention_groups(query.shape, key.shape, value.shape)
    groups = query.shape[2] // key.shape[2]
    keep = None if mask is None else as_tensor(mask, query.device)
    if keep is not None and keep.dtype is not torch.bool:
        keep = keep != 0
    if is_causal and (keep is not None or bias is not None):
        causal = torch.ones(query.shape[1], key.shape[1], dtype=torch.bool, device=query.device).tril()
        keep, is_causal = (causal if keep is None else keep & causal), False
    attn_mask = empty = None
    if keep is not None:
        empty = ~keep.any(-1, keepdim=True)
        attn_mask = keep | empty
    if bias is not None:
        bias = as_tensor(bias, query.device).to(query.dtype)
        attn_mask = bias if attn_mask is None else bias.masked_fill(~attn_mask, float("-inf"))
    out = F.scaled_dot_product_attention(query.transpose(1, 2), key.transpose(1, 2), value.transpose(1, 2),
                                         attn_mask=attn_mask, is_causal=is_causal, scale=scale,
                                         enable_gqa=groups != 1).transpose(1, 2)
    if empty is None:
        return out
    mean = value.mean(dim=1, keepdim=True)
    if groups != 1:
        mean = mean.repeat_interleave(groups, dim=2)
    empty = empty.reshape((1,) * (4 - empty.dim()) + tuple(empty.shape)).transpose(1, 2)
    return torch.where(empty, mean, out)
