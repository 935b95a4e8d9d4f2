"""``python -m benchmarks``: run the suite, print a table, write JSON, a Markdown report and a chart.

Each measurement runs in its own subprocess (clean imports, honest peak memory); ratios are
computed within one run. ``--quick`` uses fewer repeats and process pairs and skips keras.
Workloads: ``import``, W1 (iris MLP), W2 (small CNN), W3 (Embedding -> LSTM text classifier),
W4 (transformer encoder block); ``benchmarks/targets.json`` describes each.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks import report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FRAMEWORKS = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def installed(module):
    import importlib.util
    return importlib.util.find_spec(module) is not None


def measure(impl, workload, device, repeats, timeout=900, extra_env=None, size=None):
    command = [sys.executable, "-m", "benchmarks.measure", impl, workload, device, str(repeats)]
    command += [size] if size else []
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **(extra_env or {}))
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        return {"error": (result.stderr or result.stdout).strip().splitlines()[-1:] or ["failed"]}
    data = json.loads(result.stdout.strip().splitlines()[-1])
    if workload == "import":
        data["process_seconds"] = wall
    return data


def fit_time(impl, device, repeats, cache=None):
    """W1 in ``repeats`` fresh processes: median/min/max of the fit seconds.

    kerafront's JAX backend keeps XLA's compilations in a persistent cache. ``cache="cold"`` gives
    every process a new, empty cache directory (compile time included, as on a first run);
    ``cache="warm"`` shares one directory that an untimed run filled first (a re-run of a script).
    """
    def env(directory):
        return {"KERAFRONT_JAX_COMPILATION_CACHE": directory} if cache else None

    with tempfile.TemporaryDirectory(prefix="kerafront-bench-") as tmp:
        if cache == "warm":
            measure(impl, "w1", device, 1, extra_env=env(os.path.join(tmp, "shared")))
        runs = [measure(impl, "w1", device, 1,
                        extra_env=env(os.path.join(tmp, "shared" if cache == "warm" else f"cold{i}")))
                for i in range(repeats)]
    if any("error" in r for r in runs):
        return next(r for r in runs if "error" in r)
    seconds = [r["seconds"] for r in runs]
    result = dict(runs[0], seconds=statistics.median(seconds), min=min(seconds), max=max(seconds))
    result["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    if cache:
        result["compilation_cache"] = cache
    return result


def import_time(impl, device, repeats):
    runs = [measure(impl, "import", device, 1) for _ in range(repeats)]
    if any("error" in r for r in runs):
        return runs[0]
    seconds = [r["process_seconds"] for r in runs]
    return {"seconds": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}


def paired_import_times(backend, device, repeats):
    """``import kerafront`` (on ``backend``) and ``import <framework>``, alternating, in fresh processes.

    Each kerafront import is paired with the framework import run just before it; ``extra_seconds``
    (the median of the pairs' differences) is what kerafront adds, with the machine's drift over
    the run cancelled out of it.
    """
    ours, raw = [], []
    for _ in range(repeats):
        raw.append(measure(f"raw-{backend}", "import", device, 1))
        ours.append(measure(f"kerafront-{backend}", "import", device, 1))
    failed = next((r for r in ours + raw if "error" in r), None)
    if failed is not None:
        return failed, failed

    def summary(runs):
        seconds = [r["process_seconds"] for r in runs]
        return {"seconds": statistics.median(seconds), "min": min(seconds), "max": max(seconds)}

    ours_summary = summary(ours)
    ours_summary["extra_seconds"] = statistics.median(
        o["process_seconds"] - r["process_seconds"] for o, r in zip(ours, raw))
    return ours_summary, summary(raw)


# The hand-written loop each backend is compared with (W2-W4): its own framework's; NumPy's is torch's.
RAW_LOOP = {"numpy": "torch", "torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}


def paired(workload, backend, raw, device, repeats, pairs, size=None):
    """``workload`` (W2-W4) on kerafront-``backend`` and raw-``raw`` in alternating fresh processes (``pairs`` each).

    This machine's speed drifts by +-20% within minutes, far more than the differences measured, so
    every kerafront run is paired with a raw run next to it (their order alternating) and the ratio
    reported is the median of the pairs' ratios (``paired_ratio``); ``ms_per_step`` pools every
    timed epoch of every run.
    """
    extra = {"KERAFRONT_JAX_COMPILATION_CACHE": "0"} if backend == "jax" else None
    ours, theirs = [], []
    for i in range(pairs):
        order = [("ours", f"kerafront-{backend}", extra), ("raw", f"raw-{raw}", None)]
        for side, impl, env in (order if i % 2 == 0 else order[::-1]):
            (ours if side == "ours" else theirs).append(measure(impl, workload, device, repeats, extra_env=env,
                                                                size=size))
    failed = next((r for r in ours + theirs if "error" in r), None)
    if failed is not None:
        return failed, failed

    def pooled(runs):
        result = dict(runs[0], ms_per_step=[t for r in runs for t in r["ms_per_step"]])
        result["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        if "final_loss" in runs[0]:
            result["final_loss"] = runs[-1]["final_loss"]
        return result

    ours_result = pooled(ours)
    ours_result["paired_ratio"] = statistics.median(
        statistics.median(o["ms_per_step"]) / statistics.median(t["ms_per_step"]) for o, t in zip(ours, theirs))
    ours_result["paired_with"] = f"raw-{raw}"
    return ours_result, pooled(theirs)


def environment(device):
    info = {"python": platform.python_version(), "machine": platform.machine(), "cpu": platform.processor(),
            "cpu_count": os.cpu_count(), "device": device, "date": datetime.datetime.now().isoformat(timespec="seconds")}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), info["cpu"])
    except OSError:
        pass
    for module in ("numpy", "torch", "jax", "tensorflow", "keras"):
        if installed(module):
            from importlib.metadata import version, PackageNotFoundError
            try:
                info[module] = version(module if module != "tensorflow" else "tensorflow-cpu")
            except PackageNotFoundError:
                try:
                    info[module] = version(module)
                except PackageNotFoundError:
                    info[module] = "installed"
    info["threads"] = os.environ.get("OMP_NUM_THREADS", "framework default")
    info["tf32"] = ("torch: off (default for matmul); JAX/TensorFlow: TF32 on by default on Ampere+ GPUs"
                    if device == "gpu" else "n/a on CPU")
    return info


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and pairs, no keras")
    parser.add_argument("--workloads", default="import,w1,w2,w3,w4", help="comma list of import,w1,w2,w3,w4")
    parser.add_argument("--backends", default=None, help="comma list (default: every installed backend)")
    parser.add_argument("--device", default="cpu", choices=("cpu", "gpu"))
    parser.add_argument("--repeats", type=int, default=None)
    parser.add_argument("--compare-keras", action="store_true", help="also run the keras package's backends")
    parser.add_argument("--size", default="full", choices=("full", "tiny"),
                        help="W3/W4 sizes: full (targets.json) or tiny (toy sizes, for tests)")
    parser.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results"))
    args = parser.parse_args(argv)
    repeats = args.repeats or (2 if args.quick else 5)
    backends = args.backends.split(",") if args.backends else ["numpy"] + [b for b in FRAMEWORKS if installed(b)]
    if args.device == "gpu":
        backends = [b for b in backends if b in ("torch", "jax")]
    workloads = args.workloads.split(",")
    results = {"environment": environment(args.device), "measurements": {}}
    measurements = results["measurements"]

    def record(key, value):
        measurements[key] = value
        print(f"{key}: {json.dumps(value)[:160]}", flush=True)

    if "import" in workloads:
        record("import/raw-numpy", import_time("raw-numpy", args.device, repeats + 1))
        for backend in backends:
            if backend == "numpy":
                record("import/kerafront-numpy", import_time("kerafront-numpy", args.device, repeats + 1))
                continue
            ours, raw = paired_import_times(backend, args.device, repeats + 1)
            record(f"import/kerafront-{backend}", ours)
            record(f"import/raw-{backend}", raw)
    if "w1" in workloads:
        for backend in backends:
            record(f"w1/kerafront-{backend}",
                   fit_time(f"kerafront-{backend}", args.device, repeats, "cold" if backend == "jax" else None))
            if backend == "jax":
                record("w1/kerafront-jax-warm-cache", fit_time("kerafront-jax", args.device, repeats, "warm"))
        for raw in ("torch", "jax"):
            if installed(raw) and (raw == "torch" or raw in backends):
                record(f"w1/raw-{raw}", fit_time(f"raw-{raw}", args.device, repeats))
        if args.compare_keras and not args.quick and installed("keras"):
            for backend in backends:
                if backend != "numpy":
                    record(f"w1/keras-{backend}", fit_time(f"keras-{backend}", args.device, repeats))
    def paired_workload(workload, pairs, size=None):
        """kerafront on every backend, each paired with its hand-written loop; then keras if asked."""
        recorded_raws = set()
        for backend in backends:
            raw = RAW_LOOP[backend]
            if not installed(raw):
                record(f"{workload}/kerafront-{backend}",
                       measure(f"kerafront-{backend}", workload, args.device, repeats, size=size))
                continue
            ours, theirs = paired(workload, backend, raw, args.device, repeats, pairs, size)
            record(f"{workload}/kerafront-{backend}", ours)
            if raw not in recorded_raws:
                record(f"{workload}/raw-{raw}", theirs)
                recorded_raws.add(raw)
        if args.compare_keras and not args.quick and installed("keras"):
            for backend in backends:
                if backend != "numpy":
                    record(f"{workload}/keras-{backend}",
                           measure(f"keras-{backend}", workload, args.device, repeats, size=size))

    if "w2" in workloads:
        paired_workload("w2", 2 if args.quick else 5)
    for workload in ("w3", "w4"):   # about 4 steps per epoch: fewer, longer process pairs than W2
        if workload in workloads:
            paired_workload(workload, 1 if args.quick else 3, args.size)
    os.makedirs(args.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(args.out, f"{stamp}.json")
    results["targets"] = report.evaluate_targets(measurements, args.device)
    with open(path, "w") as f:
        json.dump(results, f, indent=1)
    markdown = report.markdown(results)
    with open(os.path.join(args.out, f"{stamp}.md"), "w") as f:
        f.write(markdown)
    report.chart(results, os.path.join(args.out, f"{stamp}.png"))
    print(markdown)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
