#!/usr/bin/env bash
# What the CUDA path (issue 6) still needs from a GPU machine, in one command,
# for a session that is lent one (the device tool; its machines have torch,
# CuPy, nvcc, pybind11 and hypothesis, but no internet and no array-api-compat,
# so bring its wheel along first):
#   here:  pip download array-api-compat --no-deps -d .gpu_wheels && echo /.gpu_wheels/ >> .git/info/exclude
#   then:  run(command="bash .ci/gpu_evidence.sh", carry=[".gpu_wheels"], timeout_s=600)
# Builds the CUDA kernels for this GPU's architecture, runs every device test
# (the cuda variants run there, not only the emulated ones), then the issue's
# benchmark table. Everything lands in $OUT (or /tmp/gpu_evidence): record the
# figures in bench/RESULTS.md.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-/tmp/gpu_evidence}"
mkdir -p "$out"
python3 -c 'import array_api_compat' 2>/dev/null ||
  python3 -m pip install --quiet --no-index --find-links .gpu_wheels array-api-compat > "$out/pip.txt" 2>&1
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv > "$out/gpu.txt" 2>&1
arch="$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d '.')"
build=/tmp/evb_gpu
CUDAARCHS="$arch" EVONAS_CUDA=ON EVONAS_DEVICE_EMULATION=ON .ci/dev_build.sh "$build" > "$out/build.txt" 2>&1 || {
  echo "build failed: see build.txt" | tee -a "$out/summary.txt"
  exit 1
}
export PYTHONPATH="$build/stage"
python3 -c 'import evonas; print("cuda available:", evonas.cuda.is_available())' | tee "$out/summary.txt"
python3 -m pytest -q -ra tests/test_device.py tests/test_device_operators.py tests/test_device_hv2d.py \
  tests/test_device_algorithms.py tests/test_problems_array_api.py > "$out/tests.txt" 2>&1
echo "device tests: exit $? ($(tail -1 "$out/tests.txt"))" | tee -a "$out/summary.txt"
python3 bench/bench_cuda.py --repeat 5 > "$out/bench_cuda.txt" 2>&1
echo "bench_cuda: exit $?" | tee -a "$out/summary.txt"
cat "$out/bench_cuda.txt"
