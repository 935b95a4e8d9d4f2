"""The NumPy reference's max_pool fast path: windows that tile the input take a tap-by-tap VJP,
which must send every window's cotangent exactly where the general separable rule sends it, ties
included (conv, conv_transpose and pooling themselves are checked, against loop definitions and
finite differences, by conformance_tests/cases/nn.py).
"""

import numpy as np
import pytest

from kerafront_numpy._nn import max_pool

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("x_shape, pool_size, padding, data_format", [
    ((2, 6, 6, 3), 2, "valid", "channels_last"),
    ((2, 7, 5, 3), 2, "valid", "channels_last"),      # odd sizes: the last row/column is in no window
    ((1, 9, 6, 2), (3, 2), "valid", "channels_last"),
    ((2, 3, 4, 4), 2, "same", "channels_first"),      # "same" that needs no padding
    ((2, 9, 2), 3, "valid", "channels_last"),         # 1-D
    ((1, 4, 5, 6, 2), 2, "valid", "channels_last"),   # 3-D, with a depth and a column in no window
    ((1, 2, 4, 4, 6), (2, 1, 3), "valid", "channels_first"),
])
def test_tiled_max_pool_vjp_matches_the_separable_rule_with_many_ties(x_shape, pool_size, padding, data_format,
                                                                      monkeypatch):
    from kerafront_numpy._nn import pool as _nn_pool
    calls = []
    tiled = _nn_pool._tiled_max_pool_vjp
    monkeypatch.setattr(_nn_pool, "_tiled_max_pool_vjp", lambda *a: calls.append(1) or tiled(*a))
    # relu-like data on a coarse grid: most windows hold several equal maxima (often all zeros)
    x = np.maximum(np.round(RNG.normal(size=x_shape) * 2) / 2, 0).astype("float32")
    out = max_pool.forward(x, pool_size, None, padding, data_format)
    g = RNG.normal(size=out.shape).astype("float32")
    fast = _nn_pool._max_pool_vjp(g, out, x, pool_size, None, padding, data_format)
    _, xs, channels_first, window, strides, pads, outs = _nn_pool._pool_setup(
        x, pool_size, None, padding, data_format, "max_pool")
    assert calls == [1]   # the fast path ran
    general = _nn_pool._separable_max_pool_vjp(_nn_pool.to_nhwc(g, channels_first), xs, window, strides, pads, outs)
    np.testing.assert_array_equal(fast, _nn_pool.from_nhwc(general, x.ndim, channels_first))
    assert fast.dtype == np.float32 and fast.shape == x.shape
    assert 0 < np.count_nonzero(fast) <= g.size   # one winner per window
