"""Cases for the whole-sequence recurrent composites ``lstm`` and ``gru`` (``kerafront.ops.rnn``).

Each row's ``expect`` is a step-by-step NumPy loop written from Keras's cell equations
(``conformance_tests/naive_recurrent.py``, also used by tests/test_layers_recurrent.py), with
Keras's mask rule: at a masked step the states keep their values and the output repeats the
previous one (zeros before the first step, or always zeros with ``zero_output_for_mask``). The rows
cover masks that are not right-padding, ``go_backwards``, nonzero initial states, no bias and both
GRU forms, so test_overrides.py checks every case a fused kernel must handle.
"""

import numpy as np

from conformance_tests.cases import Gen, T, add
from conformance_tests.naive_recurrent import gru_reference, lstm_reference

g = Gen("recurrent")
B, STEPS, F, U = 2, 4, 3, 3
# right padding, left padding and a hole: no row's mask is pure right-padding
MASK = np.array([[True, True, True, False], [False, True, False, True]])


def _weights(gates, bias_shape, dtype="float32"):
    return (T(g.normal((B, STEPS, F), dtype)), T(g.normal((F, gates * U), dtype, scale=0.5)),
            T(g.normal((U, gates * U), dtype, scale=0.5)), T(g.normal(bias_shape, dtype, scale=0.5)))


for name, kwargs, zero_states in [
        ("plain", {}, True),
        ("masked", {"mask": T(MASK)}, True),
        ("masked_backwards_initial_state", {"mask": T(MASK), "go_backwards": True}, False),
        ("masked_zero_output", {"mask": T(MASK), "zero_output_for_mask": True}, False),
        ("backwards", {"go_backwards": True}, False)]:
    x, kernel, recurrent, bias = _weights(4, (4 * U,))
    h0, c0 = (T(np.zeros((B, U), "float32")), T(np.zeros((B, U), "float32"))) if zero_states else (
        T(g.normal((B, U))), T(g.normal((B, U))))
    add("lstm", name, x, h0, c0, kernel, recurrent, bias, kwargs=kwargs, expect=lstm_reference, tol="linalg")

x, kernel, recurrent, _ = _weights(4, (4 * U,))
add("lstm", "no_bias_masked", x, T(g.normal((B, U))), T(g.normal((B, U))), kernel, recurrent, None,
    kwargs={"mask": T(MASK)}, expect=lstm_reference, tol="linalg")
x, kernel, recurrent, bias = _weights(4, (4 * U,), "float64")
add("lstm", "float64_masked", x, T(g.normal((B, U), "float64")), T(g.normal((B, U), "float64")), kernel, recurrent,
    bias, kwargs={"mask": T(MASK)}, expect=lstm_reference, tol="linalg")

for name, kwargs in [
        ("plain", {}),
        ("masked", {"mask": T(MASK)}),
        ("masked_backwards", {"mask": T(MASK), "go_backwards": True}),
        ("reset_before", {"reset_after": False}),
        ("reset_before_masked_backwards_zero_output",
         {"reset_after": False, "mask": T(MASK), "go_backwards": True, "zero_output_for_mask": True})]:
    reset_after = kwargs.get("reset_after", True)
    x, kernel, recurrent, bias = _weights(3, (2, 3 * U) if reset_after else (3 * U,))
    add("gru", name, x, T(g.normal((B, U))), kernel, recurrent, bias, kwargs=kwargs, expect=gru_reference,
        tol="linalg")

x, kernel, recurrent, _ = _weights(3, (3 * U,))
add("gru", "no_bias_masked", x, T(g.normal((B, U))), kernel, recurrent, None, kwargs={"mask": T(MASK)},
    expect=gru_reference, tol="linalg")
x, kernel, recurrent, _ = _weights(3, (3 * U,))
add("gru", "no_bias_reset_before", x, T(g.normal((B, U))), kernel, recurrent, None, kwargs={"reset_after": False},
    expect=gru_reference, tol="linalg")

# Masks whose kept steps form one block per row (right padding, left padding, a fully masked row):
# torch's override runs these as packed sequences, so test_overrides.py checks that path too.
PADDED = np.array([[True, True, True, False], [False, False, True, True], [False, False, False, False]])
for name, kwargs in [
        ("padded", {"mask": T(PADDED)}),
        ("padded_backwards", {"mask": T(PADDED), "go_backwards": True}),
        ("padded_zero_output", {"mask": T(PADDED), "zero_output_for_mask": True})]:
    x, kernel, recurrent, bias = (T(g.normal((3, STEPS, F))), T(g.normal((F, 4 * U), scale=0.5)),
                                  T(g.normal((U, 4 * U), scale=0.5)), T(g.normal((4 * U,), scale=0.5)))
    add("lstm", name, x, T(g.normal((3, U))), T(g.normal((3, U))), kernel, recurrent, bias, kwargs=kwargs,
        expect=lstm_reference, tol="linalg")
    x, kernel, recurrent, bias = (T(g.normal((3, STEPS, F))), T(g.normal((F, 3 * U), scale=0.5)),
                                  T(g.normal((U, 3 * U), scale=0.5)), T(g.normal((2, 3 * U), scale=0.5)))
    add("gru", name, x, T(g.normal((3, U))), kernel, recurrent, bias, kwargs=kwargs, expect=gru_reference,
        tol="linalg")
