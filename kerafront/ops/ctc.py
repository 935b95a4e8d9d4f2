"""Connectionist Temporal Classification: ``ctc_loss`` and ``ctc_decode``, with Keras's signatures.

Shapes: ``output``/``inputs`` are logits ``(batch, time, num_classes)`` (not softmaxed); ``target`` is
integer labels ``(batch, max_label_length)``; lengths are ``(batch,)`` integers. ``mask_index`` is the
blank class (0 by default, as in Keras).

``ctc_loss`` is the forward (alpha) recursion of Graves et al. (2006) in log space over the extended
label sequence ``blank, l1, blank, l2, ..., blank`` (``2 * max_label_length + 1`` states), one
``scan`` step per time step, so it is differentiable on every backend and inside compiled steps.
``log(0)`` is the finite ``_LOG_ZERO``, which keeps gradients free of NaN; a target that cannot be
aligned in ``output_length`` steps gets a loss near ``-_LOG_ZERO`` (TensorFlow gives ``inf``).
"""

import numpy as np

from kerafront import dtypes as _dtypes
from kerafront._keras_tensor import KerasTensor
from kerafront.ops._dispatch import composite
from kerafront.ops._primitives import (add, arange, argmax, argsort, broadcast_to, cast, concatenate,
                                       convert_to_numpy, convert_to_tensor, dtype as dtype_of, equal, exp,
                                       expand_dims, full, greater, greater_equal, less, log, logical_and, max,
                                       maximum, multiply, negative, not_equal, pad, reshape, scan, shape as shape_of,
                                       slice, squeeze, stack, stop_gradient, subtract, sum, take_along_axis, where)
from kerafront.ops.math import moveaxis
from kerafront.ops.nn import log_softmax

__all__ = ["ctc_loss", "ctc_decode"]

_LOG_ZERO = -1e30


def _logaddexp(a, b):
    """``log(exp(a) + exp(b))`` elementwise, shifted by the (constant) larger argument."""
    m = stop_gradient(maximum(a, b))
    return add(m, log(add(exp(subtract(a, m)), exp(subtract(b, m)))))


def _shift_states(alpha, by):
    """``alpha`` ``(batch, states)`` moved ``by`` states to the right, ``_LOG_ZERO`` entering on the left."""
    batch, states = shape_of(alpha)
    return slice(pad(alpha, ((0, 0), (by, 0)), constant_values=_LOG_ZERO), (0, 0), (batch, states))


def _check_ctc_shapes(op, logits, target=None):
    if len(shape_of(logits)) != 3:
        raise ValueError(f"{op}: expected logits of shape (batch_size, max_length, num_classes), "
                         f"got shape {tuple(shape_of(logits))}.")
    if target is not None and len(shape_of(target)) != 2:
        raise ValueError(f"{op}: expected integer targets of shape (batch_size, max_label_length), "
                         f"got shape {tuple(shape_of(target))}.")


def _float_logits(x):
    """Logits in at least float32 (float16/bfloat16 promote, as Keras does for CTC)."""
    x = convert_to_tensor(x)
    dtype = dtype_of(x)
    if not _dtypes.is_float(dtype) or dtype in ("float16", "bfloat16"):
        x = cast(x, "float32")
    return x


@composite
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """Negative log-likelihood of each ``target`` under CTC, shape ``(batch,)``.

    ``target``: ``(batch, max_label_length)`` integer labels, of which the first ``target_length[b]``
    count; ``output``: logits ``(batch, max_time, num_classes)``, of which the first
    ``output_length[b]`` steps count; ``mask_index``: the blank class. Computed as
    ``-log sum over alignments of prod_t softmax(output)[t, path_t]``; repeated labels need a blank
    between them.
    """
    _check_ctc_shapes("ctc_loss", output, target)
    output = _float_logits(output)
    dtype = dtype_of(output)
    target = cast(target, "int32")
    target_length = cast(target_length, "int32")
    output_length = cast(output_length, "int32")
    batch, max_time, _ = shape_of(output)
    max_label_length = shape_of(target)[1]
    num_states = 2 * max_label_length + 1
    log_probs = log_softmax(output, axis=-1)

    blanks = full((batch, max_label_length), mask_index, dtype="int32")
    extended = reshape(stack([blanks, target], axis=-1), (batch, 2 * max_label_length))
    extended = concatenate([extended, full((batch, 1), mask_index, dtype="int32")], axis=1)   # (batch, states)
    emit = take_along_axis(log_probs, broadcast_to(expand_dims(extended, 1), (batch, max_time, num_states)), axis=2)
    emit = moveaxis(emit, 1, 0)   # (time, batch, states)

    # A label state may be entered from two states back (skipping a blank) unless it repeats that label.
    two_back = slice(pad(extended, ((0, 0), (2, 0)), constant_values=mask_index), (0, 0), (batch, num_states))
    can_skip = logical_and(not_equal(extended, two_back), not_equal(extended, mask_index))

    first_two = less(arange(num_states, dtype="int32"), 2)
    alpha = where(expand_dims(first_two, 0), squeeze(slice(emit, (0, 0, 0), (1, batch, num_states)), axis=0),
                  cast(full((batch, num_states), _LOG_ZERO), dtype))

    def step(alpha, inputs):
        emit_t, t = inputs
        from_one_back = _logaddexp(alpha, _shift_states(alpha, 1))
        from_two_back = where(can_skip, _shift_states(alpha, 2), _LOG_ZERO)
        new = add(_logaddexp(from_one_back, from_two_back), emit_t)
        active = expand_dims(less(t, output_length), 1)
        return where(active, new, alpha), None

    if max_time > 1:
        steps = (slice(emit, (1, 0, 0), (max_time - 1, batch, num_states)), arange(1, max_time, dtype="int32"))
        alpha, _ = scan(step, alpha, steps)

    last_blank = expand_dims(multiply(target_length, 2), 1)
    last_label = maximum(subtract(last_blank, 1), 0)
    end_blank = squeeze(take_along_axis(alpha, last_blank, axis=1), axis=1)
    end_label = squeeze(take_along_axis(alpha, last_label, axis=1), axis=1)
    end_label = where(greater(target_length, 0), end_label, _LOG_ZERO)
    return negative(_logaddexp(end_blank, end_label))


@composite
def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1, merge_repeated=True,
               mask_index=0):
    """Decode CTC logits ``inputs`` ``(batch, max_length, num_classes)``; returns ``(paths, scores)``.

    ``paths``: int32 ``(top_paths, batch, max_length)`` (``top_paths`` is 1 for ``"greedy"``), each
    decoded label sequence left-aligned and padded with -1. ``scores``: ``(batch, top_paths)``;
    greedy gives ``-sum(max logit per step)`` over the first ``sequence_lengths[b]`` steps (Keras's
    rule: raw logits, not log-probabilities); ``"beam_search"`` gives each path's log-probability
    (prefix beam search over ``log_softmax(inputs)``, ``beam_width`` prefixes kept per step;
    repeated labels are always merged unless a blank separates them).

    Greedy is a composite (it runs inside compiled functions); beam search runs eagerly on the host
    in NumPy (it is not differentiable, and its beams are data-dependent).
    """
    _check_ctc_shapes("ctc_decode", inputs)
    if strategy == "greedy":
        return _greedy_decode(inputs, sequence_lengths, merge_repeated=merge_repeated, mask_index=mask_index)
    if strategy == "beam_search":
        if not isinstance(beam_width, int) or beam_width < 1 or not isinstance(top_paths, int) or top_paths < 1:
            raise ValueError(f"ctc_decode: beam_width and top_paths must be positive ints, got beam_width="
                             f"{beam_width!r}, top_paths={top_paths!r}.")
        if top_paths > beam_width:
            raise ValueError(f"ctc_decode: top_paths ({top_paths}) cannot exceed beam_width ({beam_width}).")
        if isinstance(inputs, KerasTensor):
            raise ValueError("ctc_decode: strategy='beam_search' runs eagerly on concrete logits, not on a symbolic "
                             "Input; call it on the model's predictions, or use strategy='greedy' inside a model.")
        return _beam_search_decode(inputs, sequence_lengths, beam_width, top_paths, mask_index)
    raise ValueError(f"ctc_decode: strategy must be 'greedy' or 'beam_search', got {strategy!r}.")


def _greedy_decode(inputs, sequence_lengths, merge_repeated=True, mask_index=0):
    inputs = _float_logits(inputs)
    batch, max_length, _ = shape_of(inputs)
    lengths = expand_dims(cast(sequence_lengths, "int32"), 1)
    steps = expand_dims(arange(max_length, dtype="int32"), 0)
    beyond = greater_equal(steps, lengths)   # (batch, max_length)
    labels = where(beyond, mask_index, cast(argmax(inputs, axis=-1), "int32"))
    scores = where(beyond, 0.0, max(inputs, axis=-1))
    if merge_repeated:
        previous = slice(pad(labels, ((0, 0), (1, 0)), constant_values=-1), (0, 0), (batch, max_length))
        labels = where(equal(labels, previous), mask_index, labels)
    dropped = equal(labels, mask_index)
    labels = where(dropped, -1, labels)
    order = argsort(where(dropped, max_length, broadcast_to(steps, (batch, max_length))), axis=-1)
    labels = take_along_axis(labels, order, axis=-1)
    return expand_dims(labels, 0), expand_dims(negative(sum(scores, axis=1)), 1)


def _beam_search_decode(inputs, sequence_lengths, beam_width, top_paths, mask_index):
    logits = np.asarray(convert_to_numpy(_float_logits(inputs)))
    dtype = logits.dtype
    shifted = logits - logits.max(axis=-1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    lengths = np.asarray(convert_to_numpy(sequence_lengths)).astype(np.int64).reshape(-1)
    batch, max_length, _ = log_probs.shape
    paths = np.full((top_paths, batch, max_length), -1, dtype=np.int32)
    scores = np.full((batch, top_paths), -np.inf, dtype=dtype)
    for b in range(batch):
        best = _prefix_beam_search(log_probs[b, :lengths[b]], beam_width, mask_index)[:top_paths]
        for k, (prefix, score) in enumerate(best):
            paths[k, b, :len(prefix)] = prefix
            scores[b, k] = score
    return convert_to_tensor(paths), convert_to_tensor(scores)


def _prefix_beam_search(log_probs, beam_width, blank):
    """``[(prefix, log_probability)]`` best first for one sequence ``(time, num_classes)``.

    Each prefix keeps two log-probabilities: of the alignments ending in a blank, and of those
    ending in its last label (a repeat of that label extends the prefix only after a blank).
    """
    beams = {(): (0.0, -np.inf)}
    for step in log_probs:
        grown = {}

        def add_to(prefix, blank_part, label_part):
            old_blank, old_label = grown.get(prefix, (-np.inf, -np.inf))
            grown[prefix] = (np.logaddexp(old_blank, blank_part), np.logaddexp(old_label, label_part))

        for prefix, (ends_blank, ends_label) in beams.items():
            total = np.logaddexp(ends_blank, ends_label)
            for label, p in enumerate(step):
                if label == blank:
                    add_to(prefix, total + p, -np.inf)
                elif prefix and prefix[-1] == label:
                    add_to(prefix + (label,), -np.inf, ends_blank + p)
                    add_to(prefix, -np.inf, ends_label + p)
                else:
                    add_to(prefix + (label,), -np.inf, total + p)
        ranked = sorted(grown.items(), key=lambda item: -np.logaddexp(*item[1]))
        beams = dict(ranked[:beam_width])
    return [(prefix, float(np.logaddexp(*parts))) for prefix, parts in
            sorted(beams.items(), key=lambda item: -np.logaddexp(*item[1]))]
