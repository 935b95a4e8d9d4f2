"""Cases for ``kerafront.ops.ctc``: ``ctc_loss`` against a brute-force NumPy reference that sums the
probability of every path of ``num_classes ** time`` whose collapse (merge repeats, drop blanks) is the
target -- the definition, not the forward recursion the composite uses -- and greedy ``ctc_decode``
against a per-sequence loop. Beam search runs on the host in NumPy (tests/test_losses_more.py compares
it with Keras)."""

import itertools

import numpy as np

from conformance_tests.cases import NON_DIFFERENTIABLE_COMPOSITES, Gen, T, add
from conformance_tests.cases.kinks import NO_KINK_ROWS

NON_DIFFERENTIABLE_COMPOSITES["ctc_decode"] = "integer paths, and scores that are maxima of the inputs"
NO_KINK_ROWS["ctc_loss"] = ("its maximum is under stop_gradient (a constant shift in logaddexp) or acts on integer "
                            "lengths; `where` picks by lengths and labels, never by comparing values")
NO_KINK_ROWS["ctc_decode"] = "not differentiable: decoding returns integer paths"

g = Gen("ctc")


def _collapse(path, blank):
    out, previous = [], None
    for label in path:
        if label != previous and label != blank:
            out.append(int(label))
        previous = label
    return out


def _ctc_loss_reference(target, output, target_length, output_length, mask_index=0):
    output = output.astype(np.float64)
    log_probs = output - np.log(np.exp(output).sum(-1, keepdims=True))
    losses = []
    for b in range(output.shape[0]):
        steps, wanted = int(output_length[b]), [int(v) for v in target[b, :target_length[b]]]
        total = 0.0
        for path in itertools.product(range(output.shape[2]), repeat=steps):
            if _collapse(path, mask_index) == wanted:
                total += np.exp(sum(log_probs[b, t, c] for t, c in enumerate(path)))
        losses.append(-np.log(total))
    return np.array(losses)


def _greedy_reference(inputs, lengths, merge_repeated=True, mask_index=0):
    batch, max_length, _ = inputs.shape
    paths = np.full((1, batch, max_length), -1, "int32")
    scores = np.zeros((batch, 1))
    for b in range(batch):
        best = inputs[b, :lengths[b]].argmax(-1)
        scores[b, 0] = -inputs[b, :lengths[b]].max(-1).sum()
        kept, previous = [], None
        for label in best:
            if label != mask_index and not (merge_repeated and label == previous):
                kept.append(label)
            previous = label
        paths[0, b, :len(kept)] = kept
    return paths, scores


_targets = np.array([[1, 2, 0], [2, 2, 1]], "int32")   # the second row repeats a label: a blank must separate
add("ctc_loss", "basic", T(_targets), T(g.normal((2, 5, 3))), T(np.array([2, 2], "int32")),
    T(np.array([5, 4], "int32")), dtype="float32", expect=_ctc_loss_reference, tol="reduction")
add("ctc_loss", "full_length_and_empty", T(np.array([[1, 2, 1], [0, 0, 0]], "int32")), T(g.normal((2, 4, 3))),
    T(np.array([3, 0], "int32")), T(np.array([4, 3], "int32")), dtype="float32", expect=_ctc_loss_reference,
    tol="reduction")
add("ctc_loss", "blank_last", T(np.array([[0, 1], [1, 0]], "int32")), T(g.normal((2, 4, 3))),
    T(np.array([2, 1], "int32")), T(np.array([4, 4], "int32")), kwargs={"mask_index": 2}, dtype="float32",
    expect=_ctc_loss_reference, tol="reduction")

_logits = g.distinct((2, 6, 4), spacing=0.1)
_lengths = np.array([6, 4], "int32")
add("ctc_decode", "greedy", T(_logits), T(_lengths), dtype="int32", expect=_greedy_reference)
add("ctc_decode", "greedy_no_merge", T(_logits), T(_lengths), kwargs={"merge_repeated": False}, dtype="int32",
    expect=_greedy_reference)
add("ctc_decode", "greedy_mask_last", T(_logits), T(_lengths), kwargs={"mask_index": 3}, dtype="int32",
    expect=_greedy_reference)
