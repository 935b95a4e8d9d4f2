"""LSTM and GRU on torch's fused kernels (``torch._VF.lstm``/``gru``: cuDNN on CUDA, oneDNN/ATen on CPU).

The ``lstm``/``gru`` overrides in ``_fused`` call ``lstm_sequence``/``gru_sequence`` here. Keras's
weights become torch's once per call, never per step: ``kernel.T`` and ``recurrent_kernel.T`` are
views (torch's LSTM gate order ``i, f, g, o`` is Keras's ``i, f, c, o``); the GRU's columns are
reordered from Keras's ``z, r, h`` to torch's ``r, z, n`` with one copy. Torch adds two biases;
the LSTM's second is zeros, the GRU's (``reset_after=True``) is Keras's recurrent bias row.
Gradients are torch autograd's through the fused kernel.

Masks: where ``mask`` is False Keras keeps the states and repeats the previous output (zeros
before a row's first unmasked step; zeros at every masked step with ``zero_output_for_mask``).
When each row's unmasked steps form one block (right padding, left padding -- Keras's
``pad_sequences`` default -- or either read backwards), the block runs as a packed sequence and
the masked outputs are filled in afterwards: zeros before the block, the final ``h`` after it.
Checking the block costs one host sync. Other masks, ``reset_after=False``, dtypes other than
float32/float64 and empty sequences take the composite.
"""

import warnings

import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from kerafront_torch._convert import as_tensor

_vf_lstm = torch._VF.lstm
_vf_gru = torch._VF.gru
COMPUTE_DTYPES = (torch.float32, torch.float64)
_CUDNN_COPY_WARNING = "RNN module weights are not part of single contiguous chunk of memory"


def _check_arguments(op, inputs, states, kernel, recurrent_kernel, bias, mask, reset_after=True):
    """The composite's own shape checks (``kerafront.ops.rnn``), so bad input gets the same error."""
    from kerafront.ops import rnn
    if op == "lstm":
        rnn._check_shapes(op, 4, inputs, states, kernel, recurrent_kernel, bias, "(4 * units,)", mask)
    else:
        rnn._check_shapes(op, 3, inputs, states, kernel, recurrent_kernel, bias,
                          "(2, 3 * units)" if reset_after else "(3 * units,)", mask, bias_rank=2 if reset_after else 1)


def _tensors(inputs, *others):
    """Every argument as a tensor on the inputs' device (None stays None)."""
    inputs = as_tensor(inputs)
    return [inputs] + [None if t is None else as_tensor(t, inputs.device) for t in others]


def _covered(inputs, *tensors):
    dt = inputs.dtype
    return dt in COMPUTE_DTYPES and inputs.shape[1] > 0 and all(t is None or t.dtype is dt for t in tensors)


class _Blocks:
    """A (B, T) mask whose True steps form one block per row: each row's start and length."""

    def __init__(self, mask):
        steps = mask.shape[1]
        self.mask = mask
        self.lengths = mask.sum(dim=1)
        self.starts = mask.to(torch.uint8).argmax(dim=1)
        t = torch.arange(steps, device=mask.device)
        ends = (self.starts + self.lengths)[:, None]
        block = (t >= self.starts[:, None]) & (t < ends)
        self.after = (t >= ends) & (self.lengths[:, None] > 0)
        flags = torch.stack([(block == mask).all(), (self.starts == 0).all()]).to(self.lengths.dtype)
        # the one host sync; pack_padded_sequence wants the lengths on the host anyway
        summary = torch.cat([self.lengths, flags]).cpu()
        lengths = summary[:-2]
        self.is_block, self.right_padded = bool(summary[-2]), bool(summary[-1])
        self.full = bool((lengths == steps).all())
        self.host_lengths = lengths.clamp(min=1)  # rows with no step run one step, then are reset

    def shift_in(self, x):
        """``x`` with each row's block moved to the front (for packing)."""
        if self.right_padded:
            return x
        index = (torch.arange(x.shape[1], device=x.device) + self.starts[:, None]).clamp(max=x.shape[1] - 1)
        return torch.gather(x, 1, index[:, :, None].expand(-1, -1, x.shape[2]))

    def shift_out(self, y):
        """The packed run's outputs (block at the front) moved back to each row's block."""
        if self.right_padded:
            return y
        index = (torch.arange(y.shape[1], device=y.device) - self.starts[:, None]).clamp(min=0)
        return torch.gather(y, 1, index[:, :, None].expand(-1, -1, y.shape[2]))


def _outside_graphs(fn):
    """``fn``, run eagerly where ``torch.compile`` traces it: a graph break, as dynamo makes for
    ``nn.LSTM`` (it does not trace torch's RNN kernels; inductor miscompiles ``mkldnn_rnn_layer``)."""
    eager = []

    def call(*args):
        if not torch.compiler.is_compiling():
            return fn(*args)
        if not eager:
            eager.append(torch.compiler.disable(fn))
        return eager[0](*args)

    call.__name__, call.__doc__ = fn.__name__, fn.__doc__
    return call


def _kernel(vf, *args):
    """``vf(*args)``; on CUDA without cuDNN's warning about copying weights that are not one flat
    buffer -- that once-per-call copy is the conversion from Keras's layout we mean to make."""
    if not args[0].is_cuda:
        return vf(*args)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_CUDNN_COPY_WARNING)
        return vf(*args)


@_outside_graphs
def _run(vf, x, states, weights, has_biases, blocks):
    """torch's fused kernel over (B, T, F) ``x``: (outputs (B, T, U), final states), blocks packed."""
    hx = tuple(s.unsqueeze(0) for s in states)
    hx = hx if len(hx) > 1 else hx[0]
    training = torch.is_grad_enabled()
    if blocks is None:
        outputs, *finals = _kernel(vf, x, hx, weights, has_biases, 1, 0.0, training, False, True)
        return outputs, [f.squeeze(0) for f in finals]
    packed = pack_padded_sequence(blocks.shift_in(x), blocks.host_lengths, batch_first=True, enforce_sorted=False)
    order = packed.sorted_indices
    hx = tuple(h.index_select(1, order) for h in hx) if len(states) > 1 else hx.index_select(1, order)
    data, *finals = _kernel(vf, packed.data, packed.batch_sizes, hx, weights, has_biases, 1, 0.0, training, False)
    outputs, _ = pad_packed_sequence(PackedSequence(data, packed.batch_sizes, order, packed.unsorted_indices),
                                     batch_first=True, total_length=x.shape[1])
    finals = [f.squeeze(0).index_select(0, packed.unsorted_indices) for f in finals]
    return blocks.shift_out(outputs), finals


def _masked_results(outputs, finals, initial, blocks, zero_output_for_mask):
    """Keras's rule at the masked steps: the states are carried (rows with no step keep the initial
    ones); the output repeats the previous output -- zeros before the block, the final h after it --
    or is zeros with ``zero_output_for_mask``."""
    empty = (blocks.lengths == 0)[:, None]
    finals = [torch.where(empty, s0, s) for s, s0 in zip(finals, initial)]
    shown = blocks.mask if zero_output_for_mask else blocks.mask | blocks.after
    outputs = torch.where(blocks.mask[:, :, None], outputs, finals[0][:, None])
    return torch.where(shown[:, :, None], outputs, torch.zeros((), dtype=outputs.dtype, device=outputs.device)), finals


def _sequence(vf, inputs, initial, weights, has_biases, mask, go_backwards, zero_output_for_mask):
    """(last_output, outputs, *final states) in Keras's semantics, or None for a mask that is not one block."""
    x = inputs.flip(1) if go_backwards else inputs
    blocks = None
    if mask is not None:
        mask = mask.to(torch.bool)
        blocks = _Blocks(mask.flip(1) if go_backwards else mask)
        if not blocks.is_block:
            return None
        if blocks.full:
            blocks = None
    outputs, finals = _run(vf, x, initial, weights, has_biases, blocks)
    if blocks is not None:
        outputs, finals = _masked_results(outputs, finals, initial, blocks, zero_output_for_mask)
    return (outputs[:, -1], outputs, *finals)


def lstm_sequence(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                  zero_output_for_mask):
    """``(last_output, outputs, h, c)`` of ``kerafront.ops.lstm`` on ``torch._VF.lstm``, or the composite."""
    inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask = _tensors(
        inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask)
    _check_arguments("lstm", inputs, [("initial_h", initial_h), ("initial_c", initial_c)], kernel, recurrent_kernel,
                     bias, mask)
    result = None
    if _covered(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias):
        weights = [kernel.T, recurrent_kernel.T]
        if bias is not None:
            weights += [bias, torch.zeros_like(bias)]
        result = _sequence(_vf_lstm, inputs, (initial_h, initial_c), weights, bias is not None, mask, go_backwards,
                           zero_output_for_mask)
    if result is None:
        from kerafront.ops import rnn
        return rnn.lstm.composite(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                                  zero_output_for_mask)
    return result


def _torch_gate_order(w, units, axis):
    """Keras's GRU gate blocks ``z, r, h`` along ``axis`` -> torch's ``r, z, n``."""
    z, r, h = torch.split(w, units, dim=axis)
    return torch.cat([r, z, h], dim=axis)


def gru_sequence(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
                 zero_output_for_mask):
    """``(last_output, outputs, h)`` of ``kerafront.ops.gru`` on ``torch._VF.gru``, or the composite."""
    inputs, initial_h, kernel, recurrent_kernel, bias, mask = _tensors(
        inputs, initial_h, kernel, recurrent_kernel, bias, mask)
    _check_arguments("gru", inputs, [("initial_h", initial_h)], kernel, recurrent_kernel, bias, mask, reset_after)
    result = None
    if reset_after and _covered(inputs, initial_h, kernel, recurrent_kernel, bias):
        units = recurrent_kernel.shape[0]
        weights = [_torch_gate_order(kernel, units, 1).T, _torch_gate_order(recurrent_kernel, units, 1).T]
        if bias is not None:
            weights += [_torch_gate_order(bias[0], units, 0), _torch_gate_order(bias[1], units, 0)]
        result = _sequence(_vf_gru, inputs, (initial_h,), weights, bias is not None, mask, go_backwards,
                           zero_output_for_mask)
    if result is None:
        from kerafront.ops import rnn
        return rnn.gru.composite(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
                                 zero_output_for_mask)
    return result

