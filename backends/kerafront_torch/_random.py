"""Seeded random primitives: one ``torch.Generator`` per device, re-seeded on every call.

``seed`` is an int or an integer tensor/array of shape (2,) (the state a
``kerafront.random.SeedGenerator`` threads through steps). A (2,) seed is mixed into one 63-bit
int with SplitMix64, so neighbouring states give unrelated streams. Reading a tensor seed's
value is one small host copy (a device sync when the seed lives on a GPU); it happens once per
random op, never per element. Under opt-in ``torch.compile`` these ops run eagerly between graph
pieces, so a seed tensor whose value changes gives new numbers without recompiling.

``truncated_normal`` uses the inverse CDF on a uniform draw restricted to [Phi(-2), Phi(2)]: one
pass, no resampling loop, and so no data-dependent host sync.
"""

import math

import numpy as np
import torch

from kerafront.spec_rules import single_axis

from kerafront_torch import _device
from kerafront_torch._convert import Tensor, as_tensor, floatx, to_torch_dtype

_MASK64 = (1 << 64) - 1
_generators = {}
_PHI_LOW = 0.5 * math.erfc(2.0 / math.sqrt(2.0))  # Phi(-2)


def _splitmix64(value):
    value = (value + 0x9E3779B97F4A7C15) & _MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
    return value ^ (value >> 31)


def seed_to_int(seed, op):
    """An int, or a (2,) integer tensor/array/sequence -> a non-negative 63-bit seed."""
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return int(seed) & 0x7FFF_FFFF_FFFF_FFFF
    if isinstance(seed, (Tensor, np.ndarray, list, tuple)):
        values = seed.detach().cpu().reshape(-1).tolist() if isinstance(seed, Tensor) \
            else np.asarray(seed).reshape(-1).tolist()
        if len(values) == 2 and all(isinstance(v, int) for v in values):
            high, low = (values[0] & 0xFFFFFFFF), (values[1] & 0xFFFFFFFF)
            return _splitmix64((high << 32) | low) & 0x7FFF_FFFF_FFFF_FFFF
    shape = tuple(seed.shape) if hasattr(seed, "shape") else type(seed).__name__
    raise ValueError(f"{op}: seed must be an int or an integer tensor of shape (2,), got {shape}; use "
                     f"kerafront.random.SeedGenerator for a seed that advances.")


def generator(seed, device, op):
    """The cached ``torch.Generator`` of ``device``, seeded from ``seed``."""
    gen = _generators.get(device)
    if gen is None:
        gen = _generators[device] = torch.Generator(device=device)
    gen.manual_seed(seed_to_int(seed, op))
    return gen


def _float_dtype(dtype, op):
    target = floatx() if dtype is None else to_torch_dtype(dtype)
    if not target.is_floating_point:
        raise ValueError(f"{op}: dtype must be a float dtype, got {dtype!r}.")
    return target


def _shape(shape):
    return (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)


def _scale(out, scale, shift):
    if isinstance(scale, Tensor) or isinstance(shift, Tensor):
        return out * scale + shift
    if scale != 1:
        out = out.mul_(scale)
    return out.add_(shift) if shift != 0 else out


def _normal(shape, seed, mean, stddev, dtype):
    device = _device.current()
    target = _float_dtype(dtype, "random_normal")
    out = torch.randn(_shape(shape), generator=generator(seed, device, "random_normal"), dtype=target,
                      device=device)
    return _scale(out, stddev, mean)


def _uniform(shape, seed, minval, maxval, dtype):
    device = _device.current()
    gen = generator(seed, device, "random_uniform")
    target = floatx() if dtype is None else to_torch_dtype(dtype)
    if not target.is_floating_point:
        if target is torch.bool:
            raise ValueError("random_uniform: dtype must be a float or integer dtype, got 'bool'.")
        return torch.randint(int(minval), int(maxval), _shape(shape), generator=gen, dtype=target, device=device)
    out = torch.rand(_shape(shape), generator=gen, dtype=target, device=device)
    return _scale(out, maxval - minval, minval)


def _truncated_normal(shape, seed, mean, stddev, dtype):
    device = _device.current()
    target = _float_dtype(dtype, "truncated_normal")
    work = torch.float64 if target is torch.float64 else torch.float32
    u = torch.rand(_shape(shape), generator=generator(seed, device, "truncated_normal"), dtype=work,
                   device=device)
    p = u.mul_(1.0 - 2.0 * _PHI_LOW).add_(_PHI_LOW)
    z = torch.erfinv(p.mul_(2.0).sub_(1.0)).mul_(math.sqrt(2.0)).clamp_(-2.0, 2.0)
    return _scale(z.to(target), stddev, mean)


def _shuffle(x, seed, axis):
    x = as_tensor(x)
    if x.ndim == 0:
        raise ValueError("random_shuffle: x must have rank >= 1, got a scalar.")
    axis = single_axis(axis, x.ndim, "random_shuffle")
    perm = torch.randperm(x.shape[axis], generator=generator(seed, x.device, "random_shuffle"), device=x.device)
    return torch.index_select(x, axis, perm)


# The spec primitives call the samplers through this table, so that ``exclude_from_graphs`` can
# swap in versions that ``torch.compile`` runs eagerly (dynamo cannot trace Generator seeding).
_SAMPLERS = {"normal": _normal, "uniform": _uniform, "truncated_normal": _truncated_normal, "shuffle": _shuffle}


def exclude_from_graphs():
    """Make the samplers run outside dynamo graphs: a silent graph break instead of a warning per op,
    and the same numbers as eager mode. Called by ``compile`` when compilation is first enabled."""
    import torch._dynamo

    for name, fn in list(_SAMPLERS.items()):
        if not getattr(fn, "_torchdynamo_disable", False):
            _SAMPLERS[name] = torch._dynamo.disable(fn)


def random_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    return _SAMPLERS["normal"](shape, seed, mean, stddev, dtype)


def random_uniform(shape, seed, minval=0.0, maxval=1.0, dtype=None):
    return _SAMPLERS["uniform"](shape, seed, minval, maxval, dtype)


def truncated_normal(shape, seed, mean=0.0, stddev=1.0, dtype=None):
    return _SAMPLERS["truncated_normal"](shape, seed, mean, stddev, dtype)


def random_shuffle(x, seed, axis=0):
    return _SAMPLERS["shuffle"](x, seed, axis)
