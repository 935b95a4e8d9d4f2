"""Random primitives on every backend: shape and dtype, reproducibility for a seed (int or (2,)
int32 tensor), different numbers for different seeds, sample statistics, truncated_normal bounds,
shuffle is a permutation, dropout_mask values. Backends need not agree with each other."""

import numpy as np
import pytest

import kerafront

from conformance_tests import harness
from conformance_tests.tolerances import RANDOM_MEAN_TOL, RANDOM_SAMPLES, RANDOM_STD_RTOL

SAMPLERS = {
    "random_normal": {"mean": 2.0, "stddev": 3.0},
    "random_uniform": {"minval": -1.0, "maxval": 3.0},
    "truncated_normal": {"mean": -1.0, "stddev": 0.5},
}
# Expected (mean, std) of each sampler with the arguments above. A normal truncated at two
# standard deviations has std 0.8796 * stddev.
MOMENTS = {
    "random_normal": (2.0, 3.0),
    "random_uniform": (1.0, 4.0 / np.sqrt(12.0)),
    "truncated_normal": (-1.0, 0.5 * 0.879626),
}


def _numpy(ops, x):
    return np.asarray(ops.convert_to_numpy(x))


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
@pytest.mark.parametrize("dtype", [None, "float32", "float16", "float64"])
def test_shape_and_dtype(ops, backend, sampler, dtype):
    harness.require_dtype(backend, dtype)
    x = getattr(ops, sampler)((3, 4), 7, dtype=dtype, **SAMPLERS[sampler])
    assert tuple(ops.shape(x)) == (3, 4)
    assert ops.dtype(x) == (dtype or "float32")


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_empty_and_scalar_shapes(ops, sampler):
    assert tuple(ops.shape(getattr(ops, sampler)((0, 3), 1))) == (0, 3)
    assert tuple(ops.shape(getattr(ops, sampler)((), 1))) == ()


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
@pytest.mark.parametrize("seed_kind", ["int", "tensor"])
def test_reproducible_and_seed_dependent(ops, sampler, seed_kind):
    def seed(value):
        if seed_kind == "int":
            return value
        return ops.convert_to_tensor(np.array([value, 3], "int32"))

    draw = lambda s: _numpy(ops, getattr(ops, sampler)((50,), seed(s)))  # noqa: E731
    first, again, other = draw(11), draw(11), draw(12)
    np.testing.assert_array_equal(first, again, err_msg=f"{sampler}: same seed, different numbers")
    assert not np.array_equal(first, other), f"{sampler}: seeds 11 and 12 gave the same numbers"


def test_tensor_seed_second_entry_matters(ops):
    a = _numpy(ops, ops.random_normal((20,), ops.convert_to_tensor(np.array([5, 0], "int32"))))
    b = _numpy(ops, ops.random_normal((20,), ops.convert_to_tensor(np.array([5, 1], "int32"))))
    assert not np.array_equal(a, b), "random_normal: seeds [5, 0] and [5, 1] gave the same numbers"


@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_statistics(ops, sampler):
    x = _numpy(ops, getattr(ops, sampler)((RANDOM_SAMPLES,), 1234, **SAMPLERS[sampler])).astype(np.float64)
    mean, std = MOMENTS[sampler]
    assert abs(x.mean() - mean) < RANDOM_MEAN_TOL * std, f"{sampler}: sample mean {x.mean():.4f}, expected {mean}"
    assert abs(x.std() / std - 1) < RANDOM_STD_RTOL, f"{sampler}: sample std {x.std():.4f}, expected {std:.4f}"


def test_uniform_bounds(ops):
    x = _numpy(ops, ops.random_uniform((RANDOM_SAMPLES,), 5, minval=-1.0, maxval=3.0))
    assert x.min() >= -1.0 and x.max() < 3.0, f"random_uniform outside [-1, 3): {x.min()}, {x.max()}"
    assert x.min() < -0.9 and x.max() > 2.9, "random_uniform does not fill [-1, 3)"


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_truncated_normal_bounds(ops, backend, dtype):
    harness.require_dtype(backend, dtype)
    x = _numpy(ops, ops.truncated_normal((RANDOM_SAMPLES,), 9, mean=1.0, stddev=2.0, dtype=dtype))
    assert x.min() >= 1.0 - 4.0 and x.max() <= 1.0 + 4.0, f"truncated_normal outside [-3, 5]: {x.min()}, {x.max()}"
    assert x.min() < -2.5 and x.max() > 4.5, "truncated_normal does not reach near its bounds"


@pytest.mark.parametrize("axis", [0, 1])
def test_shuffle_is_a_permutation(ops, axis):
    x = np.arange(40, dtype="float32").reshape(20, 2) if axis == 0 else np.arange(40, dtype="int32").reshape(2, 20)
    shuffled = _numpy(ops, ops.random_shuffle(ops.convert_to_tensor(x), 3, axis=axis))
    assert shuffled.shape == x.shape and shuffled.dtype == x.dtype
    slices = np.moveaxis(shuffled, axis, 0)
    originals = np.moveaxis(x, axis, 0)
    assert sorted(map(tuple, slices.tolist())) == sorted(map(tuple, originals.tolist())), "slices were altered"
    assert not np.array_equal(shuffled, x), "random_shuffle left 20 slices in order"
    again = _numpy(ops, ops.random_shuffle(ops.convert_to_tensor(x), 3, axis=axis))
    np.testing.assert_array_equal(shuffled, again)
    other = _numpy(ops, ops.random_shuffle(ops.convert_to_tensor(x), 4, axis=axis))
    assert not np.array_equal(shuffled, other), "random_shuffle: seeds 3 and 4 gave the same permutation"


def test_dropout_mask(ops):
    mask = _numpy(ops, ops.dropout_mask((RANDOM_SAMPLES,), 0.25, 17))
    values = np.unique(mask)
    assert np.all(np.isclose(values, 0.0) | np.isclose(values, 1 / 0.75)), f"dropout_mask values {values}"
    kept = (mask > 0).mean()
    assert abs(kept - 0.75) < 0.04, f"dropout_mask kept {kept:.3f} of the units, expected 0.75"


def test_seed_generator_advances(ops):
    generator = kerafront.random.SeedGenerator(42)
    a = _numpy(ops, kerafront.random.normal((10,), seed=generator))
    b = _numpy(ops, kerafront.random.normal((10,), seed=generator))
    assert not np.array_equal(a, b), "two draws from one SeedGenerator were equal"
    c = _numpy(ops, kerafront.random.normal((10,), seed=kerafront.random.SeedGenerator(42)))
    np.testing.assert_array_equal(a, c)


def test_compiled_draw_follows_the_seed_tensor(ops):
    """Inside ``compile`` a seed tensor argument is data: a new value gives new numbers."""
    draw = ops.compile(lambda seed: ops.random_uniform((8,), seed))
    seed = lambda v: ops.convert_to_tensor(np.array([v, 0], "int32"))  # noqa: E731
    a, b, a_again = (_numpy(ops, draw(seed(v))) for v in (1, 2, 1))
    assert not np.array_equal(a, b), "compiled random_uniform ignored a changed seed tensor"
    np.testing.assert_array_equal(a, a_again)
    np.testing.assert_array_equal(a, _numpy(ops, ops.random_uniform((8,), seed(1))))


def test_seed_generator_next_returns_the_state_it_read(backend):
    """``next()`` returns the current state and then advances it; the returned tensor keeps its
    contents on every backend (torch stores variables as Parameters: state is rebound, not overwritten)."""
    with kerafront.backend_scope(backend):
        generator = kerafront.random.SeedGenerator(7)
        first, second = generator.next(), generator.next()
        assert kerafront.ops.convert_to_numpy(first).tolist() == [7, 0]
        assert kerafront.ops.convert_to_numpy(second).tolist() == [7, 1]
