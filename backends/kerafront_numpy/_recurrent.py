"""Whole-sequence LSTM and GRU for the NumPy backend, each ONE tape entry with backpropagation through time.

The ``lstm``/``gru`` overrides in ``_fused`` call ``lstm_sequence``/``gru_sequence`` here. Each is one
primitive: its forward runs every step in NumPy (``x W + b`` for all steps in one product, one
``h R`` product per step) and returns the outputs and the final states packed in one array; its VJP
runs backpropagation through time over all steps and returns the gradients of the inputs, the
initial states, the kernels and the bias at once. So a sequence of T steps costs one tape entry
(plus the slices that unpack it), not the ~20 T entries of the composite's step loop.

Layouts and semantics are Keras's (see ``kerafront.ops.rnn``): gates ``i, f, c, o`` (LSTM) and
``z, r, h`` (GRU); where ``mask`` is False the states keep their values and the output is the
previous output (zeros before a row's first unmasked step; zeros everywhere masked with
``zero_output_for_mask``); ``go_backwards`` reads the sequence from the end and returns the outputs
in processing order.

Internally the arrays are time-major, and the LSTM's gate columns are reordered once per call to
``i, f, o, c`` so that one sigmoid covers the first three quarters and one tanh the last.
"""

import numpy as np

from kerafront_numpy._autodiff import Box, needs_gradient, primitive, residual, save_residual
from kerafront_numpy._convert import to_array
from kerafront_numpy._shape import getitem

COMPUTE_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _check_arguments(op, inputs, states, kernel, recurrent_kernel, bias, mask, reset_after=True):
    """The composite's own shape checks (``kerafront.ops.rnn``), so bad input gets the same error."""
    from kerafront.ops import rnn
    if op == "lstm":
        rnn._check_shapes(op, 4, inputs, states, kernel, recurrent_kernel, bias, "(4 * units,)", mask)
    else:
        rnn._check_shapes(op, 3, inputs, states, kernel, recurrent_kernel, bias,
                          "(2, 3 * units)" if reset_after else "(3 * units,)", mask, bias_rank=2 if reset_after else 1)


def _arrays(*values):
    """Each value as an ndarray (a Box stays a Box; None stays None)."""
    return [v if v is None or type(v) is Box else to_array(v) for v in values]


def _covered(inputs, *tensors):
    """True when the kernels below cover the call: float32/64 inputs, every float tensor of the
    same dtype (else the composite promotes), and at least one step."""
    dt = inputs.dtype
    return (dt in COMPUTE_DTYPES and inputs.shape[1] > 0
            and all(t is None or t.dtype == dt for t in tensors))


def _time_major(inputs, go_backwards):
    """(B, T, F) -> (T, B, F) in processing order, C-contiguous."""
    x = inputs.transpose(1, 0, 2)
    return np.ascontiguousarray(x[::-1] if go_backwards else x)


def _step_mask(mask, go_backwards):
    """(B, T) mask -> (T, B, 1) bool in processing order, or None."""
    if mask is None:
        return None
    m = np.asarray(mask).astype(bool, copy=False).T
    return np.ascontiguousarray(m[::-1] if go_backwards else m)[..., None]


def _sigmoid_(a):
    """In-place ``1 / (1 + exp(-a))``; call it under ``np.errstate(over="ignore")``: exp overflows to
    inf for a < -88 (float32) and the result is then exactly 0, the limit. (One exp pass is ~1.6x
    faster than ``0.5 tanh(a / 2) + 0.5`` and keeps the small values' relative precision.)"""
    np.negative(a, out=a)
    np.exp(a, out=a)
    a += 1
    np.reciprocal(a, out=a)


def _carry(new, old, m, out):
    """``out = where(m, new, old)`` (m is (B, 1) or None)."""
    np.copyto(out, new)
    if m is not None:
        np.copyto(out, old, where=~m)


def _split_cotangent(dh, m):
    """(part through the step's new value, part passed to the previous state) of cotangent ``dh``."""
    if m is None:
        return dh, None
    return np.where(m, dh, 0), np.where(m, 0, dh)


def _unpack(packed, parts):
    """``packed[:, :T]`` and the single steps ``packed[:, T + k]``, as differentiable slices."""
    steps = packed.shape[1] - parts
    outputs = getitem(packed, (slice(None), slice(0, steps)))
    last = getitem(packed, (slice(None), steps - 1))
    finals = [getitem(packed, (slice(None), steps + k)) for k in range(parts)]
    return (last, outputs, *finals)


def _pack(hs, cs, outputs):
    """(B, T + 1 [+ 1], U) array: the outputs, the final h [and the final c]."""
    steps = outputs.shape[0]
    finals = 1 if cs is None else 2
    packed = np.empty((outputs.shape[1], steps + finals, outputs.shape[2]), outputs.dtype)
    packed[:, :steps] = outputs.transpose(1, 0, 2)
    packed[:, steps] = hs[-1]
    if cs is not None:
        packed[:, steps + 1] = cs[-1]
    return packed


def _shown(m_steps, zero_output_for_mask):
    """(T, B, 1) bool: where a step's output is the carried h (elsewhere it is zeros), or None for everywhere.

    Keras's rule: a masked step repeats the previous output, which is zeros before the row's first
    unmasked step; with ``zero_output_for_mask`` every masked step's output is zeros.
    """
    if m_steps is None:
        return None
    return m_steps if zero_output_for_mask else np.logical_or.accumulate(m_steps, axis=0)


def _outputs(hs, shown):
    """Per-step outputs (T, B, U): the carried h where ``shown``, else zeros."""
    return hs[1:] if shown is None else np.where(shown, hs[1:], 0)


def _output_cotangents(g, steps, shown):
    """Cotangents of the carried h at each step (T, B, U), and of the final h [and c], from ``packed``'s ``g``."""
    d_out = np.array(g[:, :steps].transpose(1, 0, 2), order="C")  # a copy: scaled in place below
    if shown is not None:
        d_out *= shown
    finals = [np.array(g[:, steps + k]) for k in range(g.shape[1] - steps)]
    return d_out, finals


def _input_gradients(dz, xs, kernel, go_backwards, batch):
    """d inputs (B, T, F) from the pre-activation cotangents ``dz`` (T, B, G)."""
    steps, _, gates = dz.shape
    dx = (dz.reshape(-1, gates) @ kernel.T).reshape(steps, batch, -1)
    dx = dx[::-1] if go_backwards else dx
    return np.ascontiguousarray(dx.transpose(1, 0, 2))


# ----------------------------------------------------------------------------------------------
# LSTM

def _lstm_gate_order(units):
    """Columns of Keras's ``i, f, c, o`` layout in the internal order ``i, f, o, c``."""
    u = units
    return np.concatenate([np.arange(0, 2 * u), np.arange(3 * u, 4 * u), np.arange(2 * u, 3 * u)])


def _lstm_vjp(g, packed, inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
              zero_output_for_mask):
    xs, w, r, order, hs, cs, gates, tanh_c = residual(packed)
    steps, batch, units = tanh_c.shape
    m_steps = _step_mask(mask, go_backwards)
    d_out, (dh, dc) = _output_cotangents(g, steps, _shown(m_steps, zero_output_for_mask))
    r_t = np.ascontiguousarray(r.T)
    u = units
    dz = gates  # overwritten step by step with the cotangents of the pre-activations
    d_act = np.empty((batch, 4 * u), dz.dtype)   # cotangents of the activated gates i, f, o, c_hat
    slope = np.empty((batch, 4 * u), dz.dtype)   # the activations' derivatives
    dc_total = np.empty((batch, u), dz.dtype)
    for t in range(steps - 1, -1, -1):
        m = None if m_steps is None else m_steps[t]
        dh += d_out[t]
        dh_new, dh_pass = _split_cotangent(dh, m)
        dc_new, dc_pass = _split_cotangent(dc, m)
        a = gates[t]
        i, f, o, c_hat = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
        tc = tanh_c[t]
        np.multiply(tc, tc, out=dc_total)            # dc_total = dc_new + dh_new * o * (1 - tanh(c)^2)
        np.subtract(1, dc_total, out=dc_total)
        dc_total *= o
        dc_total *= dh_new
        dc_total += dc_new
        np.multiply(dc_total, c_hat, out=d_act[:, :u])
        np.multiply(dc_total, cs[t], out=d_act[:, u:2 * u])
        np.multiply(dh_new, tc, out=d_act[:, 2 * u:3 * u])
        np.multiply(dc_total, i, out=d_act[:, 3 * u:])
        np.multiply(dc_total, f, out=dc)
        if dc_pass is not None:
            dc += dc_pass
        np.subtract(1, a[:, :3 * u], out=slope[:, :3 * u])  # sigmoid' = s (1 - s)
        slope[:, :3 * u] *= a[:, :3 * u]
        np.multiply(c_hat, c_hat, out=slope[:, 3 * u:])    # tanh' = 1 - tanh^2
        np.subtract(1, slope[:, 3 * u:], out=slope[:, 3 * u:])
        np.multiply(d_act, slope, out=a)
        np.matmul(a, r_t, out=dh)
        if dh_pass is not None:
            dh += dh_pass
    flat = dz.reshape(steps * batch, 4 * u)
    inverse = np.argsort(order)
    d_inputs = _input_gradients(dz, xs, w, go_backwards, batch) if needs_gradient(0) else None
    d_kernel = (xs.reshape(steps * batch, -1).T @ flat)[:, inverse] if needs_gradient(3) else None
    d_recurrent = (hs[:-1].reshape(steps * batch, u).T @ flat)[:, inverse] if needs_gradient(4) else None
    d_bias = flat.sum(axis=0)[inverse] if needs_gradient(5) else None
    return d_inputs, dh, dc, d_kernel, d_recurrent, d_bias


@primitive(_lstm_vjp)
def lstm_packed(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                zero_output_for_mask):
    """Keras's LSTM over the whole sequence: (B, T + 2, U) = outputs, final h, final c (float32/64 only)."""
    dt = inputs.dtype
    u = recurrent_kernel.shape[0]
    order = _lstm_gate_order(u)
    w = np.asarray(kernel, dt)[:, order]
    r = np.asarray(recurrent_kernel, dt)[:, order]
    xs = _time_major(inputs, go_backwards)
    steps, batch, _ = xs.shape
    gates = (xs.reshape(steps * batch, -1) @ w).reshape(steps, batch, 4 * u)
    if bias is not None:
        gates += np.asarray(bias, dt)[order]
    m_steps = _step_mask(mask, go_backwards)
    hs = np.empty((steps + 1, batch, u), dt)
    cs = np.empty((steps + 1, batch, u), dt)
    hs[0], cs[0] = initial_h, initial_c
    tanh_c = np.empty((steps, batch, u), dt)
    recurrent = np.empty((batch, 4 * u), dt)
    c_new = np.empty((batch, u), dt)
    with np.errstate(over="ignore"):
        _lstm_steps(gates, hs, cs, tanh_c, r, m_steps, recurrent, c_new)
    packed = _pack(hs, cs, _outputs(hs, _shown(m_steps, zero_output_for_mask)))
    return save_residual(packed, (xs, w, r, order, hs, cs, gates, tanh_c))


def _lstm_steps(gates, hs, cs, tanh_c, r, m_steps, recurrent, c_new):
    """The LSTM's steps, in place: ``gates`` (pre-activations in, activations out), ``hs``, ``cs``, ``tanh_c``."""
    u = hs.shape[2]
    for t in range(gates.shape[0]):
        a = gates[t]
        np.matmul(hs[t], r, out=recurrent)
        a += recurrent
        _sigmoid_(a[:, :3 * u])
        np.tanh(a[:, 3 * u:], out=a[:, 3 * u:])
        i, f, o, c_hat = a[:, :u], a[:, u:2 * u], a[:, 2 * u:3 * u], a[:, 3 * u:]
        np.multiply(f, cs[t], out=c_new)
        c_new += i * c_hat
        np.tanh(c_new, out=tanh_c[t])
        m = None if m_steps is None else m_steps[t]
        _carry(c_new, cs[t], m, cs[t + 1])
        _carry(o * tanh_c[t], hs[t], m, hs[t + 1])


def lstm_sequence(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                  zero_output_for_mask):
    """``(last_output, outputs, h, c)`` of ``kerafront.ops.lstm`` from one ``lstm_packed`` tape entry;
    the composite where these kernels do not cover the dtypes or the sequence is empty."""
    inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask = _arrays(
        inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask)
    _check_arguments("lstm", inputs, [("initial_h", initial_h), ("initial_c", initial_c)], kernel, recurrent_kernel,
                     bias, mask)
    if not _covered(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias):
        from kerafront.ops import rnn
        return rnn.lstm.composite(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, go_backwards,
                                  zero_output_for_mask)
    packed = lstm_packed(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, mask, bool(go_backwards),
                         bool(zero_output_for_mask))
    return _unpack(packed, 2)


# ----------------------------------------------------------------------------------------------
# GRU

def _gru_vjp(g, packed, inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
             zero_output_for_mask):
    xs, w, r, hs, gates, saved = residual(packed)
    steps, batch, units = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
    u = units
    m_steps = _step_mask(mask, go_backwards)
    d_out, (dh,) = _output_cotangents(g, steps, _shown(m_steps, zero_output_for_mask))
    r_t = np.ascontiguousarray(r.T)
    r_zr_t, r_h_t = np.ascontiguousarray(r[:, :2 * u].T), np.ascontiguousarray(r[:, 2 * u:].T)
    d_recurrent_in = np.empty((steps, batch, 3 * u), hs.dtype) if reset_after else None
    dz = gates  # overwritten step by step with the cotangents of the input projections
    for t in range(steps - 1, -1, -1):
        m = None if m_steps is None else m_steps[t]
        dh += d_out[t]
        dh_new, dh_pass = _split_cotangent(dh, m)
        a = gates[t]
        z, r_gate, h_hat = a[:, :u], a[:, u:2 * u], a[:, 2 * u:]
        h_prev = hs[t]
        d_z = dh_new * (h_prev - h_hat)
        d_h_hat = dh_new * (1 - z)
        dh = dh_new * z
        d_h_hat *= 1 - h_hat * h_hat
        if reset_after:
            d_r = d_h_hat * saved[t]
            d_rec_h = d_h_hat * r_gate
        else:
            d_reset_h = d_h_hat @ r_h_t
            d_r = d_reset_h * h_prev
            dh += d_reset_h * r_gate
        d_z *= z * (1 - z)
        d_r *= r_gate * (1 - r_gate)
        dz_t = dz[t]
        dz_t[:, :u], dz_t[:, u:2 * u], dz_t[:, 2 * u:] = d_z, d_r, d_h_hat
        if reset_after:
            d_rec = d_recurrent_in[t]
            d_rec[:, :2 * u] = dz_t[:, :2 * u]
            d_rec[:, 2 * u:] = d_rec_h
            dh += d_rec @ r_t
        else:
            dh += dz_t[:, :2 * u] @ r_zr_t
        if dh_pass is not None:
            dh += dh_pass
    flat = dz.reshape(steps * batch, 3 * u)
    h_flat = hs[:-1].reshape(steps * batch, u)
    d_inputs = _input_gradients(dz, xs, w, go_backwards, batch) if needs_gradient(0) else None
    d_kernel = xs.reshape(steps * batch, -1).T @ flat if needs_gradient(2) else None
    d_recurrent = d_bias = None
    if reset_after:
        rec_flat = d_recurrent_in.reshape(steps * batch, 3 * u)
        if needs_gradient(3):
            d_recurrent = h_flat.T @ rec_flat
        if needs_gradient(4):
            d_bias = np.stack([flat.sum(axis=0), rec_flat.sum(axis=0)])
    else:
        if needs_gradient(3):
            d_recurrent = np.concatenate([h_flat.T @ flat[:, :2 * u],
                                          saved.reshape(steps * batch, u).T @ flat[:, 2 * u:]], axis=1)
        if needs_gradient(4):
            d_bias = flat.sum(axis=0)
    return d_inputs, dh, d_kernel, d_recurrent, d_bias


@primitive(_gru_vjp)
def gru_packed(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
               zero_output_for_mask):
    """Keras's GRU over the whole sequence: (B, T + 1, U) = outputs, final h (float32/64 only).

    The residual ``saved`` holds ``h R_h + b_h`` per step (reset_after) or ``r * h`` (reset before).
    """
    dt = inputs.dtype
    u = recurrent_kernel.shape[0]
    w = np.asarray(kernel, dt)
    r = np.asarray(recurrent_kernel, dt)
    xs = _time_major(inputs, go_backwards)
    steps, batch, _ = xs.shape
    gates = (xs.reshape(steps * batch, -1) @ w).reshape(steps, batch, 3 * u)
    recurrent_bias = None
    if bias is not None:
        bias = np.asarray(bias, dt)
        gates += bias[0] if reset_after else bias
        recurrent_bias = bias[1] if reset_after else None
    m_steps = _step_mask(mask, go_backwards)
    hs = np.empty((steps + 1, batch, u), dt)
    hs[0] = initial_h
    saved = np.empty((steps, batch, u), dt)
    r_zr, r_h = np.ascontiguousarray(r[:, :2 * u]), np.ascontiguousarray(r[:, 2 * u:])
    recurrent = np.empty((batch, 3 * u if reset_after else 2 * u), dt)
    with np.errstate(over="ignore"):
        for t in range(steps):
            a = gates[t]
            h_prev = hs[t]
            if reset_after:
                np.matmul(h_prev, r, out=recurrent)
                if recurrent_bias is not None:
                    recurrent += recurrent_bias
                saved[t] = recurrent[:, 2 * u:]
                a[:, :2 * u] += recurrent[:, :2 * u]
            else:
                np.matmul(h_prev, r_zr, out=recurrent)
                a[:, :2 * u] += recurrent
            _sigmoid_(a[:, :2 * u])
            z, r_gate, h_hat = a[:, :u], a[:, u:2 * u], a[:, 2 * u:]
            if reset_after:
                h_hat += r_gate * saved[t]
            else:
                np.multiply(r_gate, h_prev, out=saved[t])
                h_hat += saved[t] @ r_h
            np.tanh(h_hat, out=h_hat)
            h_new = h_prev - h_hat
            h_new *= z
            h_new += h_hat
            _carry(h_new, h_prev, None if m_steps is None else m_steps[t], hs[t + 1])
    packed = _pack(hs, None, _outputs(hs, _shown(m_steps, zero_output_for_mask)))
    return save_residual(packed, (xs, w, r, hs, gates, saved))


def gru_sequence(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
                 zero_output_for_mask):
    """``(last_output, outputs, h)`` of ``kerafront.ops.gru`` from one ``gru_packed`` tape entry; the
    composite where these kernels do not cover the dtypes or the sequence is empty."""
    inputs, initial_h, kernel, recurrent_kernel, bias, mask = _arrays(
        inputs, initial_h, kernel, recurrent_kernel, bias, mask)
    _check_arguments("gru", inputs, [("initial_h", initial_h)], kernel, recurrent_kernel, bias, mask, reset_after)
    if not _covered(inputs, initial_h, kernel, recurrent_kernel, bias):
        from kerafront.ops import rnn
        return rnn.gru.composite(inputs, initial_h, kernel, recurrent_kernel, bias, mask, go_backwards, reset_after,
                                 zero_output_for_mask)
    packed = gru_packed(inputs, initial_h, kernel, recurrent_kernel, bias, mask, bool(go_backwards),
                        bool(reset_after), bool(zero_output_for_mask))
    return _unpack(packed, 1)
