"""The backend contract: every installed backend implements every spec primitive and hook.

Each primitive is its own test (``test_primitive[torch-conv]``), so a backend that lacks an op or
defines it with another signature (names, order, kinds or defaults of the parameters) fails with
the op's name. Fused overrides of composites must keep the composite's signature.
"""

import inspect

import pytest

import kerafront
from kerafront import registry, spec

from conformance_tests import harness

PRIMITIVE_NAMES = sorted(spec.PRIMITIVES)


def _module(backend):
    return registry.load(backend)


@pytest.mark.parametrize("name", PRIMITIVE_NAMES)
def test_primitive(backend, name):
    problems = [p for p in spec.missing_primitives(_module(backend)) if p.split(":")[0] == name]
    assert not problems, f"backend {backend}: " + "; ".join(problems)
    assert callable(getattr(_module(backend), name)), f"backend {backend}: {name} is not callable"


def test_missing_primitives_is_empty(backend):
    problems = spec.missing_primitives(_module(backend))
    assert problems == [], f"backend {backend} breaks the contract:\n" + "\n".join(problems)


@pytest.mark.parametrize("hook", sorted(spec.BACKEND_HOOKS))
def test_hook(backend, hook):
    module = _module(backend)
    assert hasattr(module, hook), f"backend {backend}: missing hook {hook} ({spec.BACKEND_HOOKS[hook]})"


def test_name_matches_registry(backend):
    assert _module(backend).name == backend


def test_devices(backend):
    module = _module(backend)
    devices = module.list_devices()
    assert isinstance(devices, list) and devices, f"backend {backend}: list_devices() returned {devices!r}"
    assert all(isinstance(d, str) for d in devices)
    assert isinstance(module.default_device(), str)
    assert "cpu" in [d.split(":")[0] for d in devices], f"backend {backend}: no cpu device in {devices}"
    with kerafront.backend_scope(backend):
        with kerafront.device("cpu"):
            x = kerafront.ops.ones((2,))
            assert kerafront.ops.convert_to_numpy(x).tolist() == [1.0, 1.0]
        with pytest.raises(ValueError):
            with kerafront.device("no_such_device:7"):
                pass


@pytest.mark.parametrize("name", spec.OVERRIDABLE_COMPOSITES)
def test_override_signature(backend, name):
    """A fused override (optional) has the composite's exact signature."""
    module = _module(backend)
    override = getattr(module, name, None)
    composite = getattr(kerafront.ops, name).composite
    if override is None:
        pytest.skip(f"backend {backend} does not override {name}")
    assert inspect.signature(override) == inspect.signature(composite), (
        f"backend {backend}: override {name}{inspect.signature(override)} differs from the composite "
        f"{name}{inspect.signature(composite)}")


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "float16", "float32"])
def test_holds_every_32_bit_dtype(backend, dtype):
    """Cases are skipped on a backend only for 64-bit dtypes it refuses (JAX without x64): every
    backend must hold the narrower ones, so a refusal cannot hide float16 or int8 bugs."""
    problem = harness.dtype_unsupported(backend, dtype)
    assert problem is None, f"backend {backend} refuses {dtype}: {problem}"
