"""Loss functions: ``fn(y_true, y_pred) -> per-sample losses`` (no weighting, no reduction).

Each reduces the last axis (``(batch, d) -> (batch,)``), as ``keras.losses.<fn>`` does; the
crossentropies reduce the class ``axis``. ``y_true`` is cast to ``y_pred``'s float dtype
(integer class ids stay integers for the sparse crossentropy) and ranks are aligned first
(``(batch,)`` targets with ``(batch, 1)`` predictions). ``epsilon`` is ``kerafront.config.epsilon()``
(1e-7).
"""

import contextlib
import math
import threading
import warnings

import numpy as np

from kerafront import _masking, config, ops
from kerafront.losses.loss import as_tensor, float_tensor, squeeze_or_expand_to_same_rank

__all__ = ["mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
           "mean_squared_logarithmic_error", "huber", "log_cosh", "binary_crossentropy",
           "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence", "poisson",
           "hinge", "cosine_similarity", "squared_hinge", "categorical_hinge", "binary_focal_crossentropy",
           "categorical_focal_crossentropy", "categorical_generalized_cross_entropy", "dice", "tversky", "circle",
           "ctc"]


def _prepare(y_true, y_pred):
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """``mean(square(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.square(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(abs(y_true - y_pred), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(ops.abs(ops.subtract(y_true, y_pred)), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(abs((y_true - y_pred) / max(abs(y_true), epsilon)), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    ratio = ops.divide(ops.subtract(y_true, y_pred), ops.maximum(ops.abs(y_true), config.epsilon()))
    return ops.multiply(ops.mean(ops.abs(ratio), axis=-1), 100.0)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean(square(log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)), axis=-1)``."""
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = config.epsilon()
    first = ops.log1p(ops.maximum(y_pred, eps))
    second = ops.log1p(ops.maximum(y_true, eps))
    return ops.mean(ops.square(ops.subtract(first, second)), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    """Mean over the last axis of ``0.5 e**2`` where ``|e| <= delta``, else ``delta |e| - 0.5 delta**2``
    (``e = y_pred - y_true``)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    error = ops.subtract(y_pred, y_true)
    abs_error = ops.abs(error)
    quadratic = ops.multiply(ops.square(error), 0.5)
    linear = ops.subtract(ops.multiply(abs_error, float(delta)), 0.5 * float(delta) ** 2)
    return ops.mean(ops.where(ops.less_equal(abs_error, float(delta)), quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) - log 2`` (no overflow)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    x = ops.subtract(y_pred, y_true)
    values = ops.subtract(ops.add(x, ops.softplus(ops.multiply(x, -2.0))), math.log(2.0))
    return ops.mean(values, axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of the elementwise binary crossentropy.

    ``label_smoothing`` ``s`` moves targets toward 0.5: ``y_true * (1 - s) + 0.5 * s``. From
    probabilities, predictions are clipped to ``[eps, 1 - eps]``; from logits the stable softplus
    form is used (``kerafront.ops.binary_crossentropy``).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


def check_categorical_targets(where, t_shape, p_shape, axis=-1):
    """Raise ``ValueError`` when one-hot targets of shape ``t_shape`` cannot match predictions of
    shape ``p_shape`` (static shapes, so this also runs while tracing compiled code)."""
    t_shape, p_shape = tuple(t_shape), tuple(p_shape)
    if len(t_shape) == len(p_shape) - 1 or (len(t_shape) == len(p_shape) and t_shape[axis] == 1
                                            and p_shape[axis] != 1):
        raise ValueError(
            f"{where}: y_true of shape {t_shape} holds integer class ids, but categorical crossentropy "
            f"expects one-hot targets of shape {p_shape} (like y_pred). Use "
            f"SparseCategoricalCrossentropy (loss='sparse_categorical_crossentropy') for integer labels, "
            f"or one-hot encode them first.")
    if len(t_shape) != len(p_shape) or any(
            isinstance(t, int) and isinstance(p, int) and t != p for t, p in zip(t_shape, p_shape)):
        raise ValueError(
            f"{where}: y_true has shape {t_shape} but y_pred has shape {p_shape}; the number of classes "
            f"(last dimension) must match. Check the last layer's units against the number of classes.")


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) ``y_true`` and ``y_pred`` over the class ``axis``.

    ``y_true``, ``y_pred``: ``(..., num_classes)``; returns ``(...)``. ``label_smoothing`` ``s``:
    ``y_true * (1 - s) + s / num_classes``. Integer class ids raise ``ValueError`` suggesting
    ``sparse_categorical_crossentropy``.
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true)
    check_categorical_targets("categorical_crossentropy", ops.shape(y_true), ops.shape(y_pred), axis)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    num_classes = ops.shape(y_pred)[axis]
    if num_classes == 1:
        warnings.warn("categorical_crossentropy: y_pred has a single class (shape "
                      f"{tuple(ops.shape(y_pred))}), so the loss is always 0. Use binary_crossentropy "
                      "for two classes.", UserWarning, stacklevel=2)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def check_sparse_targets(where, t_shape, p_shape, axis=-1):
    """Raise ``ValueError`` when integer-label targets of shape ``t_shape`` cannot match predictions
    of shape ``p_shape`` (static shapes)."""
    t_shape, p_shape = tuple(t_shape), tuple(p_shape)
    original = t_shape
    expected = p_shape[:axis % len(p_shape)] + p_shape[axis % len(p_shape) + 1:]
    if len(t_shape) == len(p_shape) and t_shape[axis] == 1:
        t_shape = t_shape[:axis % len(t_shape)] + t_shape[axis % len(t_shape) + 1:]
    elif len(t_shape) == len(p_shape) and p_shape[axis] != 1:
        raise ValueError(
            f"{where}: y_true of shape {original} looks one-hot encoded, but sparse "
            f"categorical crossentropy expects integer class ids of shape {expected}. Use "
            f"CategoricalCrossentropy (loss='categorical_crossentropy') for one-hot targets.")
    if len(t_shape) != len(expected) or any(
            isinstance(t, int) and isinstance(e, int) and t != e for t, e in zip(t_shape, expected)):
        raise ValueError(f"{where}: y_true must hold one integer class id per prediction, shape {expected}; "
                         f"got y_true {original} for y_pred {p_shape}.")


_host_checked = threading.local()


@contextlib.contextmanager
def targets_checked_on_host():
    """While open, ``sparse_class_ids`` trusts its ids: the trainer opens it around a step whose
    NumPy targets it has already checked on the host (``CompileLoss.validate`` on every batch), so
    the step pays no device gather and no host sync for a check already made."""
    previous = getattr(_host_checked, "active", False)
    _host_checked.active = True
    try:
        yield
    finally:
        _host_checked.active = previous


def sparse_class_ids(where, y_true, num_classes, loss=False):
    """``y_true`` as int32 class ids in ``[0, num_classes)``; others raise ``ValueError`` naming ``where``.

    The ids are gathered from ``arange(num_classes)``: the identity for valid ids, and ``take``'s own
    bounds check for the rest (eager on every backend, see ``kerafront.spec.take``), after negative
    ids are moved out of range so that -1 is not read as the last class. Cost: one elementwise
    select and one gather of the ids. Inside compiled functions nothing can raise (a jitted JAX step
    gets the integer fill value, hence NaN losses); ``kerafront.losses.validate_targets`` checks NumPy
    targets on the host. ``loss``: the message points to ``ignore_class`` for negative ids.
    """
    ids = ops.cast(y_true, "int32")
    if not isinstance(num_classes, int) or getattr(_host_checked, "active", False):
        return ids
    try:
        return ops.take(ops.arange(num_classes, dtype="int32"), ops.where(ops.less(ids, 0), num_classes, ids))
    except IndexError:
        held = np.asarray(ops.convert_to_numpy(ids))
        low, high = held.min(), held.max()
        hint = ""
        if low < 0:
            hint = " Negative ids do not count from the end" + (
                f"; pass ignore_class={low} to skip such entries." if loss else ".")
        raise ValueError(f"{where}: class ids must be in [0, {num_classes}) for y_pred with {num_classes} classes, "
                         f"but y_true holds values from {low} to {high}. Check the labels or the last layer's "
                         f"units.{hint}") from None


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Crossentropy with integer class ids.

    ``y_pred``: ``(..., num_classes)``; ``y_true``: ``(...)`` or ``(..., 1)`` integer ids; returns
    ``(...)``. Entries whose label equals ``ignore_class`` get loss 0 (the class form also leaves
    them out of the mean). Other ids must lie in ``[0, num_classes)``: eager calls raise
    ``ValueError`` otherwise (``sparse_class_ids``); inside compiled code see ``sparse_class_ids``.
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true)
    check_sparse_targets("sparse_categorical_crossentropy", ops.shape(y_true), ops.shape(y_pred), axis)
    if ops.ndim(y_true) == ops.ndim(y_pred):
        y_true = ops.squeeze(y_true, axis=axis)
    valid = None
    if ignore_class is not None:
        valid = ops.not_equal(y_true, ignore_class)
        y_true = ops.where(valid, y_true, ops.zeros_like(y_true))
    ids = sparse_class_ids("sparse_categorical_crossentropy", y_true, ops.shape(y_pred)[axis], loss=True)
    losses = ops.sparse_categorical_crossentropy(ids, y_pred, from_logits=from_logits, axis=axis)
    if valid is not None:
        losses = ops.where(valid, losses, ops.zeros_like(losses))
    return losses


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred), axis=-1)`` with both clipped to ``[eps, 1]``."""
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    eps = config.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(ops.multiply(y_true, ops.log(ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps), axis=-1)``."""
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    values = ops.subtract(y_pred, ops.multiply(y_true, ops.log(ops.add(y_pred, config.epsilon()))))
    return ops.mean(values, axis=-1)


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0), axis=-1)``; targets in {0, 1} are mapped to {-1, 1}
    (all-binary targets only, decided inside the computation as Keras does)."""
    y_pred = float_tensor(y_pred)
    y_true = _hinge_targets(float_tensor(y_true, ops.dtype(y_pred)))
    return ops.mean(ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0), axis=-1)


def _hinge_targets(y_true):
    """{0, 1} targets become {-1, 1} when every entry is 0 or 1 (decided inside the computation, as Keras does)."""
    is_binary = ops.all(ops.logical_or(ops.equal(y_true, 0), ops.equal(y_true, 1)))
    return ops.where(is_binary, ops.subtract(ops.multiply(y_true, 2.0), 1.0), y_true)


def squared_hinge(y_true, y_pred):
    """``mean(square(maximum(1 - y_true * y_pred, 0)), axis=-1)``; {0, 1} targets become {-1, 1}."""
    y_pred = float_tensor(y_pred)
    y_true = _hinge_targets(float_tensor(y_true, ops.dtype(y_pred)))
    margin = ops.maximum(ops.subtract(1.0, ops.multiply(y_true, y_pred)), 0.0)
    return ops.mean(ops.square(margin), axis=-1)


def categorical_hinge(y_true, y_pred):
    """``maximum(neg - pos + 1, 0)`` with ``pos = sum(y_true * y_pred, -1)`` and
    ``neg = max((1 - y_true) * y_pred, -1)`` (one-hot ``y_true``)."""
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    pos = ops.sum(ops.multiply(y_true, y_pred), axis=-1)
    neg = ops.max(ops.multiply(ops.subtract(1.0, y_true), y_pred), axis=-1)
    return ops.maximum(ops.add(ops.subtract(neg, pos), 1.0), 0.0)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                              label_smoothing=0.0, axis=-1):
    """Mean over ``axis`` of ``(1 - p_t) ** gamma * bce`` (Lin et al., 2018).

    ``p_t = y_true * p + (1 - y_true) * (1 - p)`` with ``p`` the probability (``sigmoid`` of logits);
    ``apply_class_balancing`` multiplies by ``alpha`` for class 1 and ``1 - alpha`` for class 0.
    ``gamma=0`` without balancing is ``binary_crossentropy``. Shapes: ``(..., d) -> (...)``.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    if label_smoothing:
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), 0.5 * label_smoothing)
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    bce = ops.binary_crossentropy(y_true, y_pred, from_logits=False)
    not_true = ops.subtract(1.0, y_true)
    p_t = ops.add(ops.multiply(y_true, y_pred), ops.multiply(not_true, ops.subtract(1.0, y_pred)))
    focal = ops.multiply(ops.power(ops.subtract(1.0, p_t), float(gamma)), bce)
    if apply_class_balancing:
        weight = ops.add(ops.multiply(y_true, float(alpha)), ops.multiply(not_true, 1.0 - float(alpha)))
        focal = ops.multiply(weight, focal)
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0,
                                   axis=-1):
    """``sum(alpha * (1 - p) ** gamma * -y_true * log(p), axis)`` with ``p`` the predictions renormalised to sum
    to 1 over ``axis`` and clipped to ``[eps, 1 - eps]`` (``softmax`` of logits). ``alpha`` is a float or one
    per class. Shapes: ``(..., num_classes) -> (...)``."""
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"categorical_focal_crossentropy: axis must be an int, got {axis!r}.")
    y_pred = float_tensor(y_pred)
    y_true = float_tensor(y_true, ops.dtype(y_pred))
    if ops.shape(y_pred)[-1] == 1:
        warnings.warn("categorical_focal_crossentropy: y_pred has a single class (shape "
                      f"{tuple(ops.shape(y_pred))}); use binary_crossentropy for two classes.", UserWarning,
                      stacklevel=2)
    if label_smoothing:
        num_classes = ops.shape(y_true)[-1]
        y_true = ops.add(ops.multiply(y_true, 1.0 - label_smoothing), label_smoothing / num_classes)
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = ops.clip(ops.divide(y_pred, ops.sum(y_pred, axis=axis, keepdims=True)), eps, 1.0 - eps)
    crossentropy = ops.negative(ops.multiply(y_true, ops.log(output)))
    alpha = alpha if isinstance(alpha, (int, float)) else ops.convert_to_tensor(np.asarray(alpha), ops.dtype(y_pred))
    weighting = ops.multiply(ops.power(ops.subtract(1.0, output), float(gamma)), alpha)
    return ops.sum(ops.multiply(weighting, crossentropy), axis=axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p ** q) / q`` with ``p`` the predicted probability of the true class (Zhang & Sabuncu, 2018).

    ``y_true``: integer class ids ``(batch,)`` or ``(batch, 1)``; ``y_pred``: probabilities
    ``(batch, num_classes)``; returns ``(batch,)``. ``q`` in ``(0, 1)``: near 0 it approaches
    crossentropy, at 1 it is the mean absolute error of the true class.
    """
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true)
    if ops.ndim(y_true) == ops.ndim(y_pred) and ops.shape(y_true)[-1] == 1:
        y_true = ops.squeeze(y_true, axis=-1)
    one_hot = ops.one_hot(ops.cast(y_true, "int32"), ops.shape(y_pred)[-1], dtype=ops.dtype(y_pred))
    p = ops.sum(ops.multiply(y_pred, one_hot), axis=-1)
    return ops.divide(ops.subtract(1.0, ops.power(p, float(q))), float(q))


def dice(y_true, y_pred, axis=None):
    """``1 - 2 sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps)``, the sums over ``axis`` (all axes for
    ``None``, giving one value for the batch)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    intersection = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    total = ops.add(ops.add(ops.sum(y_true, axis=axis), ops.sum(y_pred, axis=axis)), config.epsilon())
    return ops.subtract(1.0, ops.divide(ops.multiply(intersection, 2.0), total))


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - TP / (TP + alpha FP + beta FN + eps)`` with soft counts summed over ``axis`` (all axes for ``None``):
    ``TP = sum(y_true * y_pred)``, ``FP = sum(y_true * (1 - y_pred))``, ``FN = sum((1 - y_true) * y_pred)``, as
    Keras computes them. ``alpha = beta = 0.5`` is the Dice loss."""
    y_true, y_pred = _prepare(y_true, y_pred)
    true_pos = ops.sum(ops.multiply(y_true, y_pred), axis=axis)
    false_pos = ops.sum(ops.multiply(ops.subtract(1.0, y_pred), y_true), axis=axis)
    false_neg = ops.sum(ops.multiply(y_pred, ops.subtract(1.0, y_true)), axis=axis)
    denominator = ops.add(ops.add(ops.add(true_pos, ops.multiply(false_pos, float(alpha))),
                                  ops.multiply(false_neg, float(beta))), config.epsilon())
    return ops.subtract(1.0, ops.divide(true_pos, denominator))


_NO_PAIR = -1e9  # stands for log(0) in the masked logsumexp: a finite value keeps gradients free of NaN


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80, margin=0.4):
    """Circle loss (Sun et al., 2020) of L2-normalised embeddings ``y_pred`` ``(batch, dim)`` with integer labels
    ``y_true`` ``(batch,)`` against references (``ref_embeddings``/``ref_labels``, default the batch itself).

    With cosine distances ``d = max(1 - y_pred @ ref.T, 0)``: positives (same label; the diagonal left out when
    ``remove_diagonal``) weigh ``max(margin + d, 0)`` at distance ``margin - d``, negatives ``max(1 + margin - d, 0)``
    at ``1 - margin - d``; the loss per row is ``softplus(logsumexp(-gamma w_p (margin - d)) +
    logsumexp(gamma w_n (1 - margin - d)))`` over the row's pairs (0 for a row with no positive or no negative).
    The ``Circle`` class averages over the rows with a positive loss, as Keras does.
    """
    y_pred = float_tensor(y_pred)
    y_true = ops.reshape(ops.cast(as_tensor(y_true), "int32"), (-1,))
    ref_embeddings = y_pred if ref_embeddings is None else float_tensor(ref_embeddings, ops.dtype(y_pred))
    ref_labels = y_true if ref_labels is None else ops.reshape(ops.cast(as_tensor(ref_labels), "int32"), (-1,))
    distances = ops.maximum(ops.subtract(1.0, ops.matmul(y_pred, ops.transpose(ref_embeddings))), 0.0)
    same = ops.equal(ops.expand_dims(y_true, 1), ops.expand_dims(ref_labels, 0))
    positive, negative = same, ops.logical_not(same)
    if remove_diagonal:
        rows, cols = ops.shape(y_true)[0], ops.shape(ref_labels)[0]
        positive = ops.logical_and(positive, ops.logical_not(ops.eye(rows, cols, dtype="bool")))
    zeros = ops.zeros_like(distances)
    pos_weights = ops.where(positive, ops.maximum(ops.add(distances, float(margin)), 0.0), zeros)
    neg_weights = ops.where(negative, ops.maximum(ops.subtract(1.0 + float(margin), distances), 0.0), zeros)
    pos_logits = ops.multiply(ops.multiply(pos_weights, ops.subtract(float(margin), distances)), -float(gamma))
    neg_logits = ops.multiply(ops.multiply(neg_weights, ops.subtract(1.0 - float(margin), distances)), float(gamma))
    p_loss = ops.logsumexp(ops.where(positive, pos_logits, _NO_PAIR), axis=1)
    n_loss = ops.logsumexp(ops.where(negative, neg_logits, _NO_PAIR), axis=1)
    values = ops.softplus(ops.add(p_loss, n_loss))
    _masking.set_mask(values, ops.greater(values, 0.0))   # the class form averages over these rows only
    return values


def ctc(y_true, y_pred):
    """CTC loss of integer labels ``y_true`` ``(batch, max_label_length)`` (0 is the blank and the padding) under
    logits ``y_pred`` ``(batch, time, num_classes)``; every sequence uses all ``time`` steps. Returns ``(batch,)``
    (``kerafront.ops.ctc_loss``)."""
    y_pred = float_tensor(y_pred)
    y_true = as_tensor(y_true)
    if ops.ndim(y_true) != 2:
        raise ValueError(f"ctc: y_true must be integer labels of shape (batch_size, max_length), "
                         f"got shape {tuple(ops.shape(y_true))}.")
    if ops.ndim(y_pred) != 3:
        raise ValueError(f"ctc: y_pred must be logits of shape (batch_size, max_length, num_classes), "
                         f"got shape {tuple(ops.shape(y_pred))}.")
    y_true = ops.cast(y_true, "int32")
    batch, time = ops.shape(y_pred)[0], ops.shape(y_pred)[1]
    output_length = ops.full((batch,), time, dtype="int32")
    target_length = ops.sum(ops.cast(ops.not_equal(y_true, 0), "int32"), axis=-1)
    return ops.ctc_loss(y_true, y_pred, target_length, output_length, mask_index=0)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``: -1 for aligned vectors, 0 orthogonal."""
    y_true, y_pred = _prepare(y_true, y_pred)
    product = ops.multiply(ops.l2_normalize(y_true, axis=axis), ops.l2_normalize(y_pred, axis=axis))
    return ops.negative(ops.sum(product, axis=axis))
