#!/usr/bin/env bash
# The training job's checks on a GPU machine, in one go (device time is scarce): the pytest
# suite on CUDA (train.py and the tests pick the GPU when one is present, so training, bf16
# autocast, checkpoints and exact resume run there), then the whole-training-step benchmark at
# Idefics2 dimensions over a few batch sizes, eager and compiled. Results land in $OUT (default /tmp/gpu-check).
#
#     bash gpu-jobs/resampler/scripts/gpu-check.sh
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-/tmp/gpu-check}"
mkdir -p "$out"
export PYTHONUNBUFFERED=1

nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv | tee "$out/gpu.txt"
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)" | tee -a "$out/gpu.txt"

python3 -m pytest tests -q -p no:cacheprovider 2>&1 | tee "$out/pytest.txt"
pytest_rc=${PIPESTATUS[0]}

for batch in ${BENCH_BATCHES:-8 16 32}; do
  python3 -m resampler.bench --batch "$batch" --steps 10 --warmup 3 | tee "$out/bench-b$batch.json"
  python3 -m resampler.bench --batch "$batch" --steps 10 --warmup 3 --compile | tee "$out/bench-b$batch-compiled.json"
done
exit "$pytest_rc"
