"""The targets of ``benchmarks/targets.json`` checked against one run's measurements; Markdown and a PNG chart."""

import json
import os
import statistics

TARGETS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "targets.json")


def load_targets(path=TARGETS_PATH):
    """target id -> limit, from ``targets.json`` (the one place the targets are written down)."""
    with open(path, encoding="utf-8") as f:
        return {key: float(entry["limit"]) for key, entry in json.load(f)["targets"].items()}


def _ms(m):
    return statistics.median(m["ms_per_step"]) if m and "ms_per_step" in m else None


def _ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def evaluate_targets(ms, device, limits=None):
    """A list of {target, measured, limit, met} rows, one per target of targets.json that this run covers."""
    limits = load_targets() if limits is None else limits
    rows = []

    def add(target, ratio, limit):
        rows.append({"target": target, "ratio": ratio, "limit": limit,
                     "met": None if ratio is None else ratio <= limit})

    get = ms.get
    def w2_ratio(ours, raw):   # W2-W4
        """The median of paired runs' ratios when measured so, else the ratio of the medians."""
        return ours.get("paired_ratio", _ratio(_ms(ours), _ms(raw)))

    for backend in ("torch", "jax", "tensorflow"):
        ours, raw = get(f"w2/kerafront-{backend}"), get(f"w2/raw-{backend}")
        if ours and raw and "error" not in ours and "error" not in raw:
            limit = limits["gpu_w2_vs_own_raw_loop" if device == "gpu" else "w2_backend_vs_own_raw_loop"]
            add(f"W2 ms/step, kerafront-{backend} / raw {backend}", w2_ratio(ours, raw), limit)
    numpy_w2, torch_w2 = get("w2/kerafront-numpy"), get("w2/raw-torch")
    if numpy_w2 and torch_w2 and device == "cpu" and "error" not in numpy_w2 and "error" not in torch_w2:
        add("W2 ms/step, kerafront-numpy / raw torch", w2_ratio(numpy_w2, torch_w2), limits["w2_numpy_vs_raw_torch_time"])
        add("W2 peak memory, kerafront-numpy / raw torch",
            _ratio(numpy_w2.get("peak_rss_mb"), torch_w2.get("peak_rss_mb")), limits["w2_numpy_vs_raw_torch_memory"])
    for workload in ("w3", "w4"):
        name = workload.upper()
        for backend, raw in (("torch", "torch"), ("jax", "jax"), ("tensorflow", "tensorflow"), ("numpy", "torch")):
            ours, theirs = get(f"{workload}/kerafront-{backend}"), get(f"{workload}/raw-{raw}")
            if not ours or not theirs or "error" in ours or "error" in theirs:
                continue
            numpy = backend == "numpy"
            limit = limits["sequence_numpy_vs_raw_torch_time" if numpy else "sequence_backend_vs_own_raw_loop"]
            add(f"{name} ms/step, kerafront-{backend} / raw {raw}", w2_ratio(ours, theirs), limit)
            add(f"{name} peak memory, kerafront-{backend} / raw {raw}",
                _ratio(ours.get("peak_rss_mb"), theirs.get("peak_rss_mb")), limits["sequence_memory_vs_raw_loop"])
    raw_w1 = get("w1/raw-torch")
    for backend in ("numpy", "torch"):
        ours = get(f"w1/kerafront-{backend}")
        if ours and raw_w1 and "seconds" in ours and "seconds" in raw_w1:
            add(f"W1 fit seconds, kerafront-{backend} / raw torch", _ratio(ours["seconds"], raw_w1["seconds"]),
                limits["w1_eager_vs_raw_torch"])
    for name, backend in (("jax", "jax"), ("jax-warm-cache", "jax"), ("tensorflow", "tensorflow")):
        ours, keras = get(f"w1/kerafront-{name}"), get(f"w1/keras-{backend}")
        if ours and keras and "seconds" in ours and "seconds" in keras:
            add(f"W1 fit seconds, kerafront-{name} / keras-{backend}", _ratio(ours["seconds"], keras["seconds"]),
                limits["w1_compiled_vs_keras"])
    numpy_import = get("import/kerafront-numpy")
    if numpy_import and "seconds" in numpy_import:
        limit = limits["import_numpy_seconds"]
        rows.append({"target": "import kerafront (numpy), seconds", "ratio": numpy_import["seconds"], "limit": limit,
                     "met": numpy_import["seconds"] <= limit})
    for backend in ("torch", "jax", "tensorflow"):
        ours, raw = get(f"import/kerafront-{backend}"), get(f"import/raw-{backend}")
        if ours and raw and "seconds" in ours and "seconds" in raw:
            extra = ours.get("extra_seconds", ours["seconds"] - raw["seconds"])
            rows.append({"target": f"import kerafront ({backend}) - import {backend} (median of paired runs), seconds",
                         "ratio": extra, "limit": limits["import_extra_seconds"],
                         "met": extra <= limits["import_extra_seconds"]})
    return rows


def markdown(results):
    env = results["environment"]
    lines = ["# kerafront benchmark report", "",
             "Environment: " + ", ".join(f"{k}={v}" for k, v in env.items()), "",
             "| measurement | median | min | max | peak RSS MB | other |", "|---|---|---|---|---|---|"]
    for key, m in results["measurements"].items():
        if "error" in m:
            lines.append(f"| {key} | error: {m['error']} | | | | |")
            continue
        if "ms_per_step" in m:
            values = m["ms_per_step"]
            notes = []
            if "predict_samples_per_s" in m:
                notes.append(f"predict {m['predict_samples_per_s']:.0f} samples/s")
            first = m.get("first_step_seconds", m.get("first_epoch_seconds"))
            if first is not None:
                notes.append(f"first step/epoch {first:.2f} s")
            if "final_loss" in m:
                notes.append(f"final loss {m['final_loss']:.4f}")
            if "paired_ratio" in m:
                notes.append(f"paired ratio {m['paired_ratio']:.2f} vs {m['paired_with']}")
            other = "; ".join(notes)
            lines.append(f"| {key} ms/step | {statistics.median(values):.2f} | {min(values):.2f} | {max(values):.2f} "
                         f"| {m.get('peak_rss_mb', 0):.0f} | {other} |")
        else:
            other = f"accuracy {m['accuracy']:.3f}" if "accuracy" in m else ""
            lo, hi = m.get("min", m["seconds"]), m.get("max", m["seconds"])
            lines.append(f"| {key} seconds | {m['seconds']:.3f} | {lo:.3f} | {hi:.3f} "
                         f"| {m.get('peak_rss_mb', 0):.0f} | {other} |")
    lines += ["", "## Targets (benchmarks/targets.json)", "", "| target | measured | limit | met |", "|---|---|---|---|"]
    for row in results["targets"]:
        measured = "n/a" if row["ratio"] is None else f"{row['ratio']:.2f}"
        met = {True: "yes", False: "**no**", None: "n/a"}[row["met"]]
        lines.append(f"| {row['target']} | {measured} | {row['limit']} | {met} |")
    return "\n".join(lines) + "\n"


def chart(results, path):
    """Bar chart of W2 ms/step per implementation (skipped when matplotlib is missing)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    items = [(k.split("/", 1)[1], _ms(m)) for k, m in results["measurements"].items()
             if k.startswith("w2/") and "ms_per_step" in m]
    if not items:
        return None
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.bar([k for k, _ in items], [v for _, v in items], color="#4c72b0")
    ax.set_ylabel("ms per training step (median)")
    ax.set_title(f"W2 small CNN, batch 64, {results['environment']['device']}")
    ax.tick_params(axis="x", rotation=30)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
