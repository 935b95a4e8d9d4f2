"""CI smoke test: one tiny workload through the benchmark runner (no timing assertions)."""

import json
import os
import subprocess
import sys

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
