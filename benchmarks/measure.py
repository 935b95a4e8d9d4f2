"""One measurement in a fresh process: ``python -m benchmarks.measure IMPL WORKLOAD DEVICE [REPEATS [SIZE]]``.

IMPL is ``kerafront-<backend>``, ``keras-<backend>`` or ``raw-<framework>``; WORKLOAD is ``w1``-``w4``
or ``import``; SIZE (W3 and W4 only) is ``full`` (the workload of targets.json) or ``tiny`` (toy sizes,
for tests). Prints one JSON object (the workload's figures plus peak RSS) on its last line.
"""

import gc
import json
import os
import resource
import sys
import time


def _configure(impl, device):
    kind, name = impl.split("-", 1)
    if kind == "kerafront":
        os.environ["KERAFRONT_BACKEND"] = name
        os.environ["KERAFRONT_DEVICE"] = device
    elif kind == "keras":
        os.environ["KERAS_BACKEND"] = name
    if device == "cpu":
        os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
        os.environ.setdefault("JAX_PLATFORMS", "cpu")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    return kind, name


def _w2_batch(device):
    """W2's batch: 64 on the CPU, 256 on a GPU (the GPU target in benchmarks/targets.json)."""
    return 256 if device == "gpu" else 64


def _settle():
    """Collect, then freeze every object alive now (the frameworks' import-time objects) out of the
    collector's view: otherwise the first full collection of the ~170k objects torch or TensorFlow
    create at import (0.2-0.6 s) lands inside whichever timed region happens to trigger it. Done
    the same way for every implementation, just before its workload."""
    gc.collect()
    gc.freeze()


SEQUENCE_WORKLOADS = ("w3", "w4")


def run(impl, workload, device, repeats, size="full"):
    kind, name = _configure(impl, device)
    if workload == "import":
        start = time.perf_counter()
        if kind == "kerafront":
            import kerafront  # noqa: F401
        elif kind == "keras":
            import keras  # noqa: F401
        else:
            __import__(name)
        return {"seconds": time.perf_counter() - start}
    if kind == "raw":
        module = {"torch": "torch_loops", "jax": "jax_loops", "tensorflow": "tf_loops"}[name]
        loops = __import__(f"benchmarks.baselines.{module}", fromlist=[module])
        fn = getattr(loops, workload)
        _settle()
        if workload in SEQUENCE_WORKLOADS:
            return fn(device=device, repeats=repeats, size=size)
        return fn(device=device) if workload == "w1" else fn(device=device, batch_size=_w2_batch(device),
                                                              repeats=repeats)
    from benchmarks import workloads
    lib = __import__(kind)
    if kind == "kerafront":
        lib.utils.set_random_seed(0)
    _settle()
    if workload == "w1":
        return workloads.w1(lib)
    if workload in SEQUENCE_WORKLOADS:
        return getattr(workloads, workload)(lib, repeats=repeats, size=size)
    return workloads.w2(lib, batch_size=_w2_batch(device), repeats=repeats)


def main(argv):
    impl, workload, device = argv[:3]
    repeats = int(argv[3]) if len(argv) > 3 else 5
    result = run(impl, workload, device, repeats, *argv[4:5])
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
