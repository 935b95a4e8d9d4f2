"""The fused LSTM/GRU overrides (NumPy's whole-sequence VJP, torch's fused kernels) against an
independent step-by-step NumPy loop written here from Keras's LSTMCell/GRUCell and its backend
``rnn`` rule as ``kerafront.ops.rnn`` states it (masked steps carry the states and repeat the
previous output, zeros before the first step -- Keras's TensorFlow rule; zeros with
``zero_output_for_mask``; ``go_backwards`` returns outputs in processing order).

Gradients: NumPy's VJP against central finite differences of its own forward in float64; torch's
against torch autograd through a hand-written torch loop (float64). The override-vs-composite
comparison lives in ``conformance_tests/test_overrides.py``.
"""

import numpy as np
import pytest

import kerafront
import kerafront_numpy
import kerafront_numpy._fused as numpy_fused
from kerafront_numpy import value_and_grad as numpy_value_and_grad

B, T, F, U = 3, 5, 4, 3


@pytest.fixture(autouse=True)
def numpy_backend():
    """The NumPy backend is active (the overrides share the composite's argument checks, which dispatch)."""
    with kerafront.backend_scope("numpy"):
        yield


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference(kind, x, h0, c0, kernel, recurrent, bias, mask=None, go_backwards=False, reset_after=True,
              zero_output_for_mask=False):
    """(last_output, outputs, final states...) by a plain float64 loop, Keras's rules."""
    x, h, kernel, recurrent = (np.asarray(a, np.float64) for a in (x, h0, kernel, recurrent))
    c = None if c0 is None else np.asarray(c0, np.float64)
    bias = None if bias is None else np.asarray(bias, np.float64)
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs = []
    previous = np.zeros_like(h)
    for t in steps:
        xt = x[:, t]
        if kind == "lstm":
            z = xt @ kernel + h @ recurrent + (0 if bias is None else bias)
            i, f, g, o = np.split(z, 4, axis=1)
            c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h_new = _sigmoid(o) * np.tanh(c_new)
        else:
            u = h.shape[1]
            if reset_after:
                bx, bh = (0, 0) if bias is None else (bias[0], bias[1])
                xz = xt @ kernel + bx
                hr = h @ recurrent + bh
                z = _sigmoid(xz[:, :u] + hr[:, :u])
                r = _sigmoid(xz[:, u:2 * u] + hr[:, u:2 * u])
                hh = np.tanh(xz[:, 2 * u:] + r * hr[:, 2 * u:])
            else:
                xz = xt @ kernel + (0 if bias is None else bias)
                hr = h @ recurrent[:, :2 * u]
                z = _sigmoid(xz[:, :u] + hr[:, :u])
                r = _sigmoid(xz[:, u:2 * u] + hr[:, u:])
                hh = np.tanh(xz[:, 2 * u:] + (r * h) @ recurrent[:, 2 * u:])
            h_new = z * h + (1 - z) * hh
            c_new = None
        m = np.ones((x.shape[0], 1), bool) if mask is None else np.asarray(mask)[:, t:t + 1]
        h = np.where(m, h_new, h)
        if c is not None:
            c = np.where(m, c_new, c)
        previous = np.where(m, h, 0 if zero_output_for_mask else previous)
        outputs.append(previous)
    outputs = np.stack(outputs, axis=1)
    states = (h,) if c is None else (h, c)
    return (outputs[:, -1], outputs) + states


def _weights(kind, rng, use_bias=True, reset_after=True, dtype="float64"):
    gates = 4 if kind == "lstm" else 3
    x = rng.normal(size=(B, T, F))
    h0 = rng.normal(size=(B, U)) * 0.5
    c0 = rng.normal(size=(B, U)) * 0.5 if kind == "lstm" else None
    kernel = rng.normal(size=(F, gates * U)) * 0.5
    recurrent = rng.normal(size=(U, gates * U)) * 0.5
    bias = None
    if use_bias:
        bias = rng.normal(size=(2, 3 * U) if kind == "gru" and reset_after else (gates * U,)) * 0.5
    cast = lambda a: None if a is None else a.astype(dtype)  # noqa: E731
    return [cast(a) for a in (x, h0, c0, kernel, recurrent, bias)]


MASKS = {
    "none": None,
    "right_padded": np.array([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]], bool),
    "left_padded": np.array([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1]], bool),
    "holes": np.array([[1, 0, 1, 1, 0], [0, 1, 1, 0, 1], [1, 1, 0, 0, 0]], bool),
    "empty_row": np.array([[1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [1, 1, 0, 0, 0]], bool),
}

# (kind, reset_after, use_bias, mask name, go_backwards, zero_output_for_mask)
CASES = [
    ("lstm", True, True, "none", False, False),
    ("lstm", True, False, "none", True, False),
    ("lstm", True, True, "right_padded", False, False),
    ("lstm", True, True, "right_padded", True, True),
    ("lstm", True, True, "left_padded", True, False),
    ("lstm", True, True, "holes", False, True),
    ("lstm", True, True, "empty_row", False, False),
    ("gru", True, True, "none", False, False),
    ("gru", True, False, "none", True, False),
    ("gru", True, True, "right_padded", True, False),
    ("gru", True, True, "left_padded", False, True),
    ("gru", True, True, "holes", True, False),
    ("gru", False, True, "none", False, False),
    ("gru", False, False, "holes", False, True),
    ("gru", False, True, "right_padded", True, False),
]
CASE_IDS = ["-".join([k, "after" if ra else "before", "bias" if b else "nobias", m] + ["backwards"] * gb
                     + ["zero"] * z) for k, ra, b, m, gb, z in CASES]


def _call(module, kind, args, mask, go_backwards, reset_after, zero_output_for_mask):
    x, h0, c0, kernel, recurrent, bias = args
    if kind == "lstm":
        return module.lstm(x, h0, c0, kernel, recurrent, bias, mask=mask, go_backwards=go_backwards,
                           zero_output_for_mask=zero_output_for_mask)
    return module.gru(x, h0, kernel, recurrent, bias, mask=mask, go_backwards=go_backwards,
                      reset_after=reset_after, zero_output_for_mask=zero_output_for_mask)


def _reference_for(kind, args, mask, go_backwards, reset_after, zero_output_for_mask):
    x, h0, c0, kernel, recurrent, bias = args
    return reference(kind, x, h0, c0, kernel, recurrent, bias, mask, go_backwards, reset_after, zero_output_for_mask)


def _probe_weights(rng, results):
    """Random cotangents, one per output, so one scalar loss reaches every output."""
    return [rng.normal(size=np.shape(r)) for r in results]


# ----------------------------------------------------------------------------------------------
# NumPy: forward against the reference, VJP against finite differences

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind, reset_after, use_bias, mask_name, go_backwards, zero", CASES, ids=CASE_IDS)
def test_numpy_forward_matches_the_reference_loop(kind, reset_after, use_bias, mask_name, go_backwards, zero, dtype):
    args = _weights(kind, np.random.default_rng(1), use_bias, reset_after, dtype)
    mask = MASKS[mask_name]
    got = _call(numpy_fused, kind, args, mask, go_backwards, reset_after, zero)
    want = _reference_for(kind, args, mask, go_backwards, reset_after, zero)
    tol = 1e-5 if dtype == "float32" else 1e-12
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == np.dtype(dtype) and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


@pytest.mark.parametrize("kind, reset_after, use_bias, mask_name, go_backwards, zero", CASES, ids=CASE_IDS)
def test_numpy_vjp_matches_finite_differences(kind, reset_after, use_bias, mask_name, go_backwards, zero):
    rng = np.random.default_rng(2)
    args = _weights(kind, rng, use_bias, reset_after)
    mask = MASKS[mask_name]
    probes = _probe_weights(rng, _reference_for(kind, args, mask, go_backwards, reset_after, zero))
    diff = [i for i, a in enumerate(args) if a is not None]

    def loss(*values):
        full = list(args)
        for i, v in zip(diff, values):
            full[i] = v
        results = _call(numpy_fused, kind, full, mask, go_backwards, reset_after, zero)
        total = 0.0
        for r, p in zip(results, probes):
            total = total + kerafront_numpy.sum(r * p)
        return total

    value, grads = numpy_value_and_grad(loss, argnums=tuple(range(len(diff))))(*[args[i] for i in diff])
    assert np.isclose(float(value), float(loss(*[args[i] for i in diff])))
    eps = 1e-6
    for k, i in enumerate(diff):
        numeric = np.zeros_like(args[i])
        for index in np.ndindex(args[i].shape):
            plus = [args[j].copy() for j in diff]
            minus = [args[j].copy() for j in diff]
            plus[k][index] += eps
            minus[k][index] -= eps
            numeric[index] = (float(loss(*plus)) - float(loss(*minus))) / (2 * eps)
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6, atol=1e-7,
                                   err_msg=f"gradient of argument {i}")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_numpy_saturated_gates_stay_finite_and_quiet(kind):
    """Pre-activations of +-200 overflow float32's exp inside the sigmoid: no warning (warnings are errors
    here), and the gates take their exact limits, as the reference's float64 loop says."""
    args = _weights(kind, np.random.default_rng(8), dtype="float32")
    args[0] = np.sign(args[0]) * 100   # |x kernel| of a few hundred
    got = _call(numpy_fused, kind, args, None, False, True, False)
    want = _reference_for(kind, args, None, False, True, False)
    for g, w in zip(got, want):
        assert np.isfinite(g).all()
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)


def test_numpy_override_records_the_same_tape_for_any_length(monkeypatch):
    """The whole sequence is one primitive (plus the slices unpacking its four results), whatever its length."""
    from kerafront_numpy import _autodiff
    tapes = []
    original = _autodiff.backward
    monkeypatch.setattr(_autodiff, "backward", lambda root, seed, tape: tapes.append(len(tape)) or
                        original(root, seed, tape))
    for steps in (2, 20):
        rng = np.random.default_rng(3)
        x = rng.normal(size=(B, steps, F)).astype("float32")
        _, h0, c0, kernel, recurrent, bias = _weights("lstm", rng, dtype="float32")

        def loss(kernel):
            last, outputs, h, c = numpy_fused.lstm(x, h0, c0, kernel, recurrent, bias)
            return kerafront_numpy.sum(outputs * outputs)

        numpy_value_and_grad(loss)(kernel)
    assert tapes == [7, 7]   # lstm_packed, 4 slices, multiply, sum


def _bad_calls(kind, args, short_mask):
    """(arguments, mask, message pattern) for bad shapes, with the composite's messages."""
    x, h0, c0, kernel, recurrent, bias = args
    return [
        ([x[:, 0], h0, c0, kernel, recurrent, bias], None,
         rf"{kind}: inputs must have shape \(batch, time, features\), received shape \(3, 4\)"),
        ([x, h0[:, :2], c0, kernel, recurrent, bias], None,
         rf"{kind}: initial_h must have shape .*\(3, 3\), received shape \(3, 2\)"),
        ([x, h0, c0, kernel[:2], recurrent, bias], None, rf"{kind}: kernel must have shape"),
        ([x, h0, c0, kernel, recurrent[:, 1:], bias], None, rf"{kind}: recurrent_kernel must have shape"),
        (args, short_mask, rf"{kind}: mask must have shape .*\(3, 5\), received shape \(3, 4\)"),
    ]


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_numpy_bad_shapes_name_the_op_and_argument(kind):
    args = _weights(kind, np.random.default_rng(4))
    for call_args, mask, pattern in _bad_calls(kind, args, np.ones((3, 4), bool)):
        with pytest.raises(ValueError, match=pattern):
            _call(numpy_fused, kind, call_args, mask, False, True, False)


# ----------------------------------------------------------------------------------------------
# torch: forward against the reference, gradients against autograd through a hand-written loop

@pytest.fixture
def torch_backend():
    """torch, with kerafront's torch backend active (the cases torch's kernels do not cover run the composite)."""
    torch = pytest.importorskip("torch")
    with kerafront.backend_scope("torch"):
        yield torch


def _torch_loop(torch, kind, x, h, c, kernel, recurrent, bias, mask, go_backwards, reset_after, zero):
    """The reference loop again, in torch ops, so autograd gives independent gradients."""
    u = h.shape[1]
    steps = range(x.shape[1] - 1, -1, -1) if go_backwards else range(x.shape[1])
    outputs = []
    previous = torch.zeros_like(h)
    for t in steps:
        xt = x[:, t]
        if kind == "lstm":
            z = xt @ kernel + h @ recurrent + (0 if bias is None else bias)
            i, f, g, o = torch.chunk(z, 4, dim=1)
            c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h_new = torch.sigmoid(o) * torch.tanh(c_new)
        else:
            if reset_after:
                xz = xt @ kernel + (0 if bias is None else bias[0])
                hr = h @ recurrent + (0 if bias is None else bias[1])
                hh_rec = None
            else:
                xz = xt @ kernel + (0 if bias is None else bias)
                hr = h @ recurrent[:, :2 * u]
            z = torch.sigmoid(xz[:, :u] + hr[:, :u])
            r = torch.sigmoid(xz[:, u:2 * u] + hr[:, u:2 * u])
            hh_rec = r * hr[:, 2 * u:] if reset_after else (r * h) @ recurrent[:, 2 * u:]
            hh = torch.tanh(xz[:, 2 * u:] + hh_rec)
            h_new = z * h + (1 - z) * hh
            c_new = None
        m = torch.ones((x.shape[0], 1), dtype=torch.bool) if mask is None else mask[:, t:t + 1]
        h = torch.where(m, h_new, h)
        if c is not None:
            c = torch.where(m, c_new, c)
        previous = torch.where(m, h, torch.zeros_like(h) if zero else previous)
        outputs.append(previous)
    outputs = torch.stack(outputs, dim=1)
    return (outputs[:, -1], outputs, h) + (() if c is None else (c,))


@pytest.mark.parametrize("kind, reset_after, use_bias, mask_name, go_backwards, zero", CASES, ids=CASE_IDS)
def test_torch_matches_reference_and_autograd_of_a_loop(kind, reset_after, use_bias, mask_name, go_backwards, zero,
                                                        torch_backend):
    torch = torch_backend
    import kerafront_torch._fused as torch_fused
    rng = np.random.default_rng(5)
    args = _weights(kind, rng, use_bias, reset_after)
    mask = MASKS[mask_name]
    want = _reference_for(kind, args, mask, go_backwards, reset_after, zero)
    probes = [torch.tensor(p) for p in _probe_weights(rng, want)]
    leaves = [None if a is None else torch.tensor(a, requires_grad=True) for a in args]
    mask_t = None if mask is None else torch.tensor(mask)
    got = _call(torch_fused, kind, leaves, mask_t, go_backwards, reset_after, zero)
    for g, w in zip(got, want):
        assert g.dtype == torch.float64 and tuple(g.shape) == w.shape
        np.testing.assert_allclose(g.detach().numpy(), w, rtol=1e-10, atol=1e-10)
    present = [leaf for leaf in leaves if leaf is not None]
    fused_grads = torch.autograd.grad(sum((r * p).sum() for r, p in zip(got, probes)), present)
    x, h0, c0, kernel, recurrent, bias = leaves
    loop = _torch_loop(torch, kind, x, h0, c0, kernel, recurrent, bias, mask_t, go_backwards, reset_after, zero)
    loop_grads = torch.autograd.grad(sum((r * p).sum() for r, p in zip(loop, probes)), present)
    for a, b in zip(fused_grads, loop_grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_torch_float32_takes_the_fused_kernel(kind, monkeypatch, torch_backend):
    """Without a mask (and with a right-padded one) the call reaches torch's fused kernel, not a loop."""
    torch = torch_backend
    import kerafront_torch._fused as torch_fused
    from kerafront_torch import _recurrent
    calls = []
    for name in ("lstm", "gru"):
        original = getattr(torch._VF, name)
        monkeypatch.setattr(_recurrent, f"_vf_{name}", lambda *a, _o=original: calls.append(1) or _o(*a))
    args = _weights(kind, np.random.default_rng(6), dtype="float32")
    for mask in (None, MASKS["right_padded"]):
        got = _call(torch_fused, kind, [None if a is None else torch.tensor(a) for a in args],
                    None if mask is None else torch.tensor(mask), False, True, False)
        want = _reference_for(kind, args, mask, False, True, False)
        for g, w in zip(got, want):
            assert g.dtype == torch.float32
            np.testing.assert_allclose(g.numpy(), w, rtol=1e-5, atol=1e-5)
    assert len(calls) == 2


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_torch_bad_shapes_name_the_op_and_argument(kind, torch_backend):
    torch = torch_backend
    import kerafront_torch._fused as torch_fused
    args = [None if a is None else torch.tensor(a) for a in _weights(kind, np.random.default_rng(7))]
    for call_args, mask, pattern in _bad_calls(kind, args, torch.ones((3, 4), dtype=torch.bool)):
        with pytest.raises(ValueError, match=pattern):
            _call(torch_fused, kind, call_args, mask, False, True, False)


@pytest.mark.parametrize("kind, reset_after, use_bias, mask_name, go_backwards, zero", CASES, ids=CASE_IDS)
def test_torch_cuda_matches_the_reference(kind, reset_after, use_bias, mask_name, go_backwards, zero, torch_backend):
    """On CUDA (cuDNN), forward and gradients against the float64 CPU loop; no warning (the per-call weight
    copy cuDNN warns about is the intended conversion). cuDNN may compute float32 RNNs in TF32."""
    torch = torch_backend
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    import kerafront_torch._fused as torch_fused
    rng = np.random.default_rng(9)
    args = _weights(kind, rng, use_bias, reset_after)
    mask = MASKS[mask_name]
    want = _reference_for(kind, args, mask, go_backwards, reset_after, zero)
    probes = [rng.normal(size=np.shape(w)) for w in want]
    cpu = [None if a is None else torch.tensor(a, requires_grad=True) for a in args]
    loop = _torch_loop(torch, kind, cpu[0], cpu[1], cpu[2], cpu[3], cpu[4], cpu[5],
                       None if mask is None else torch.tensor(mask), go_backwards, reset_after, zero)
    present = [a for a in cpu if a is not None]
    want_grads = torch.autograd.grad(sum((r * torch.tensor(p)).sum() for r, p in zip(loop, probes)), present)
    for dtype, tol in ((torch.float64, 1e-9), (torch.float32, 1e-2)):
        leaves = [None if a is None else torch.tensor(a, dtype=dtype, device="cuda", requires_grad=True) for a in args]
        got = _call(torch_fused, kind, leaves, None if mask is None else torch.tensor(mask, device="cuda"),
                    go_backwards, reset_after, zero)
        for g, w in zip(got, want):
            assert g.device.type == "cuda" and g.dtype == dtype
            np.testing.assert_allclose(g.detach().cpu().numpy(), w, rtol=tol, atol=tol)
        loss = sum((r * torch.tensor(p, dtype=dtype, device="cuda")).sum() for r, p in zip(got, probes))
        grads = torch.autograd.grad(loss, [a for a in leaves if a is not None])
        for a, b in zip(grads, want_grads):
            np.testing.assert_allclose(a.cpu().numpy(), b.numpy(), rtol=tol, atol=tol)
