#!/usr/bin/env bash
# Run on a machine with an NVIDIA GPU, torch and JAX (no TensorFlow, no network needed):
#   bash benchmarks/gpu_check.sh
# 1. the GPU test modules of the torch and JAX backends, 2. the GPU benchmark (W2 at batch 256 vs raw loops),
# 3. data-parallel W2 on every GPU (kerafront's DataParallel vs DDP and a jax.sharding loop; the benchmarks
#    train the same model and print kerafront's time per step over the framework's own loop).
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD:$PWD/backends${PYTHONPATH:+:$PYTHONPATH}"
out="${OUT:-benchmarks/results}"
mkdir -p "$out"
python -c "import torch, jax; print('torch', torch.__version__, 'cuda', torch.cuda.is_available()); print('jax', jax.__version__, jax.devices())"
python -m pytest -q -p no:cacheprovider tests/gpu 2>&1 | tee "$out/gpu_tests.txt"
status=${PIPESTATUS[0]}
python -m benchmarks --device gpu --workloads w2 --backends torch,jax --repeats 5 --out "$out" 2>&1 | tee "$out/gpu_bench.txt"
gpus=$(python -c "import torch; print(torch.cuda.device_count())")
counts=$( [ "$gpus" -gt 1 ] && echo "1 $gpus" || echo "1" )
python -m benchmarks.distributed_torch --device gpu --processes $counts --json "$out/gpu_dp_torch.json" 2>&1 | tee "$out/gpu_dp_torch.txt"
python -m benchmarks.distributed_jax --device gpu --replicas $counts --json "$out/gpu_dp_jax.json" 2>&1 | tee "$out/gpu_dp_jax.txt"
exit $status
