#!/usr/bin/env bash
# Developer build without installing: compiles into BUILD_DIR and stages an
# importable package there, so several builds can coexist.
#   .ci/dev_build.sh /tmp/evonas-dev && PYTHONPATH=/tmp/evonas-dev/stage python -c 'import evonas'
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:?usage: dev_build.sh BUILD_DIR}"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DEVONAS_CUDA="${EVONAS_CUDA:-OFF}" -DEVONAS_DEVICE_EMULATION="${EVONAS_DEVICE_EMULATION:-AUTO}" -Dpybind11_DIR="$(python3 -m pybind11 --cmakedir)" >/dev/null
if ! cmake --build "$build" > "$build/build.log" 2>&1; then
  grep -m 20 -B2 -A6 "error" "$build/build.log" >&2 || tail -40 "$build/build.log" >&2
  echo "dev_build: the build failed (log: $build/build.log); nothing staged" >&2
  exit 1
fi
mkdir -p "$build/stage"
rm -rf "$build/stage/evonas"
mkdir "$build/stage/evonas"
for f in "$root"/python/evonas/*; do ln -s "$f" "$build/stage/evonas/"; done
cp "$build"/_*.so "$build/stage/evonas/"
echo "staged: PYTHONPATH=$build/stage"
