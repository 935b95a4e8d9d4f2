"""CI smoke tests: tiny workloads through the benchmark runner, and the hand-written loops checked against
kerafront's model (no timing assertions)."""

import importlib
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import kerafront

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_runner_measures_w1_on_numpy(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--workloads", "w1", "--backends", "numpy", "--repeats", "1",
         "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=600,
        env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stderr[-2000:]
    [results_file] = [p for p in tmp_path.iterdir() if p.suffix == ".json"]
    data = json.loads(results_file.read_text())
    w1 = data["measurements"]["w1/kerafront-numpy"]
    assert "error" not in w1, w1
    assert w1["seconds"] > 0 and w1["accuracy"] >= 0.9
    assert data["environment"]["cpu_count"] >= 1
    report = next(p for p in tmp_path.iterdir() if p.suffix == ".md").read_text()
    assert "w1/kerafront-numpy" in report and "## Targets" in report


def test_runner_measures_w3_and_w4_on_numpy_at_tiny_sizes(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--workloads", "w3,w4", "--backends", "numpy", "--repeats", "1",
         "--quick", "--size", "tiny", "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
        timeout=600, env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stderr[-2000:]
    [results_file] = [p for p in tmp_path.iterdir() if p.suffix == ".json"]
    measurements = json.loads(results_file.read_text())["measurements"]
    report = next(p for p in tmp_path.iterdir() if p.suffix == ".md").read_text()
    implementations = ["kerafront-numpy"] + (["raw-torch"] if importlib.util.find_spec("torch") else [])
    for workload in ("w3", "w4"):
        for implementation in implementations:
            figures = measurements[f"{workload}/{implementation}"]
            assert "error" not in figures, figures
            assert len(figures["ms_per_step"]) == 1 and figures["ms_per_step"][0] > 0
            assert figures["peak_rss_mb"] > 0 and np.isfinite(figures["final_loss"])
            assert f"{workload}/{implementation}" in report
        if len(implementations) == 2:   # the same model from the same weights: the same training
            np.testing.assert_allclose(measurements[f"{workload}/kerafront-numpy"]["final_loss"],
                                       measurements[f"{workload}/raw-torch"]["final_loss"], rtol=1e-4)
            assert f"{workload.upper()} ms/step, kerafront-numpy / raw torch" in report


@pytest.mark.parametrize("framework", ["torch", "jax", "tensorflow"])
@pytest.mark.parametrize("workload", ["w3", "w4"])
def test_hand_written_loops_train_the_kerafront_model(framework, workload):
    """A raw loop's first two step losses are kerafront's (initial weights; after one Adam step) and its
    last epoch's mean loss is kerafront's fit's: the baselines compute the same model and optimizer."""
    pytest.importorskip(framework)
    from benchmarks import data, workloads
    module = {"torch": "torch_loops", "jax": "jax_loops", "tensorflow": "tf_loops"}[framework]
    loops = importlib.import_module(f"benchmarks.baselines.{module}")
    raw = getattr(loops, workload)(repeats=1, size="tiny")

    build, (x, y), batch = {
        "w3": (workloads.text_classifier, data.text_w3("tiny"), data.W3_SIZES["tiny"]["batch"]),
        "w4": (workloads.encoder_block, data.sequences_w4("tiny"), data.W4_SIZES["tiny"]["batch"]),
    }[workload]
    model = build(kerafront, "tiny")
    first = model.train_on_batch(x[:batch], y[:batch])
    second = model.evaluate(x[batch:2 * batch], y[batch:2 * batch], batch_size=batch, verbose=0)
    np.testing.assert_allclose(raw["losses"][:2], [first, second], rtol=1e-5)
    fitted = getattr(workloads, workload)(kerafront, repeats=1, size="tiny")
    np.testing.assert_allclose(raw["final_loss"], fitted["final_loss"], rtol=1e-4)
    assert len(raw["ms_per_step"]) == 1 and raw["ms_per_step"][0] > 0


def test_report_checks_w3_and_w4_against_their_own_raw_loops():
    from benchmarks import report
    measurements = {
        "w3/kerafront-torch": {"ms_per_step": [11.0, 12.0, 13.0], "peak_rss_mb": 330.0, "paired_ratio": 1.05},
        "w3/raw-torch": {"ms_per_step": [10.0, 11.0], "peak_rss_mb": 300.0},
        "w3/kerafront-numpy": {"ms_per_step": [40.0], "peak_rss_mb": 150.0},
        "w4/kerafront-jax": {"ms_per_step": [6.0], "peak_rss_mb": 400.0},
        "w4/raw-jax": {"ms_per_step": [5.0], "peak_rss_mb": 320.0},
        "w4/keras-jax": {"ms_per_step": [2.0], "peak_rss_mb": 100.0},   # informative only: no target
    }
    limits = {name: 1.0 for name in report.load_targets()}
    limits.update(sequence_backend_vs_own_raw_loop=1.1, sequence_numpy_vs_raw_torch_time=3.0,
                  sequence_memory_vs_raw_loop=1.1)
    rows = {row["target"]: row for row in report.evaluate_targets(measurements, "cpu", limits)}
    expected = {   # target: (ratio, limit, met); torch's time ratio is the paired one
        "W3 ms/step, kerafront-torch / raw torch": (1.05, 1.1, True),
        "W3 peak memory, kerafront-torch / raw torch": (1.1, 1.1, True),
        "W3 ms/step, kerafront-numpy / raw torch": (40.0 / 10.5, 3.0, False),
        "W3 peak memory, kerafront-numpy / raw torch": (0.5, 1.1, True),
        "W4 ms/step, kerafront-jax / raw jax": (1.2, 1.1, False),
        "W4 peak memory, kerafront-jax / raw jax": (1.25, 1.1, False),
    }
    assert set(rows) == set(expected)
    for target, (ratio, limit, met) in expected.items():
        assert rows[target]["ratio"] == pytest.approx(ratio) and rows[target]["limit"] == limit
        assert rows[target]["met"] is met
    assert {"sequence_backend_vs_own_raw_loop", "sequence_numpy_vs_raw_torch_time",
            "sequence_memory_vs_raw_loop"} <= set(report.load_targets())
