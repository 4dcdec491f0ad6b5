#!/usr/bin/env bash
# GPU check for a fresh NVIDIA host (H100/H200) with no internet and no .NET SDK. Runs from the self-contained bundle that
# deploy/gpu-bundle.sh builds (phala-gpu-check-linux-x64.tar.gz: bin/phala-worker published for linux-x64 with its
# runtime, testdata/onnx/{node,simple,models}, this script):
#   1. prints the GPU, driver, compute capability and Confidential Computing mode (nvidia-smi, when present);
#   2. runs the CUDA conformance suite: `phala-worker onnx test --backend cuda` over the ONNX node tests, the sequence
#      models and the bundled models (the runner and per-op tolerances of IlgpuCudaConformanceTests);
#   3. benchmarks `phala-worker onnx bench --backend cuda` against `--backend cpu` on the bundled models;
#   4. measures GEMM GFLOP/s with `phala-worker onnx gemm` (this project's tiled kernel and cuBLAS) per size, 64..8192,
#      each result checked, with the cuBLAS/own ratio per size: the figures that set Compute:CudaUseCuBlas=auto's threshold;
#   5. prints a summary table. Every step is bounded by `timeout`, all of it within 8 minutes on one H100/H200.
#
# Usage: gpu-check.sh [BUNDLE.tar.gz | BUNDLE_DIR]   (default: the folder this script is in, when it holds bin/phala-worker)
# Exit codes (documented in deploy/README.md):
#   0  every check passed on the GPU
#   1  a check failed (conformance failure, GEMM result off, CUDA backend unusable although a GPU is present)
#   4  no NVIDIA GPU on this host: nothing was run (distinct from bash's own 2)
#   3  usage error or unusable bundle
# Environment (for tests): PHALA_NVIDIA_SMI (default nvidia-smi), PHALA_NVIDIA_DEVICE (default /dev/nvidia0).
set -uo pipefail

readonly EXIT_OK=0 EXIT_FAILED=1 EXIT_USAGE=3 EXIT_NO_GPU=4
smi="${PHALA_NVIDIA_SMI:-nvidia-smi}"
device_node="${PHALA_NVIDIA_DEVICE:-/dev/nvidia0}"
script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
  sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit $EXIT_OK
fi
if [ $# -gt 1 ]; then
  echo "usage: gpu-check.sh [BUNDLE.tar.gz | BUNDLE_DIR]" >&2
  exit $EXIT_USAGE
fi

echo "== GPU"
if command -v "$smi" >/dev/null 2>&1 && "$smi" -L >/dev/null 2>&1; then
  "$smi" --query-gpu=index,name,driver_version,memory.total,compute_cap --format=csv 2>/dev/null || "$smi" -L
  cc=$("$smi" conf-compute -f 2>/dev/null | tr -s ' ' || true)
  echo "confidential computing: ${cc:-unknown (nvidia-smi of this driver has no conf-compute query)}"
elif [ -e "$device_node" ]; then
  echo "nvidia-smi not found, but $device_node exists: trying the CUDA backend"
else
  echo "NO GPU: no NVIDIA GPU on this host (nvidia-smi '$smi' not usable and $device_node absent); nothing to check." >&2
  echo "Run this on the GPU host; exit code $EXIT_NO_GPU means 'no GPU'." >&2
  exit $EXIT_NO_GPU
fi

# Locate or unpack the bundle.
bundle="${1:-$script_dir}"
work=""
cleanup() { [ -n "$work" ] && rm -rf "$work"; }
trap cleanup EXIT
if [ -f "$bundle" ]; then
  work="$(mktemp -d)"
  if ! tar -xzf "$bundle" -C "$work"; then
    echo "error: cannot unpack bundle '$bundle'" >&2
    exit $EXIT_USAGE
  fi
  bundle="$work/phala-gpu-check"
fi

cli="$bundle/bin/phala-worker"
data="$bundle/testdata/onnx"
if [ ! -x "$cli" ] || [ ! -d "$data/node" ]; then
  echo "error: '$bundle' is not a gpu-check bundle (needs bin/phala-worker and testdata/onnx/node); build one with deploy/gpu-bundle.sh" >&2
  exit $EXIT_USAGE
fi
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

status=$EXIT_OK
summary=()
fail() { status=$EXIT_FAILED; summary+=("FAIL  $1"); }
json_field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" | head -n 1 | tr -d '"'; }

echo "== CUDA backend"
if ! probe=$(timeout 120 "$cli" onnx gemm --backend cuda --size 64 --iterations 1 2>&1); then
  echo "$probe"
  echo "FAIL: a GPU is present but the cuda backend does not run (see above)" >&2
  exit $EXIT_FAILED
fi
echo "$probe"

echo "== CUDA conformance (onnx test --backend cuda)"
models=("$data"/models/*/)
if out=$(timeout 240 "$cli" onnx test --backend cuda --json "$data/node" "$data/simple" "${models[@]}" 2>&1); then :; fi
passed=$(echo "$out" | json_field passed); failed=$(echo "$out" | json_field failed); unsupported=$(echo "$out" | json_field unsupported)
if [ -z "$passed" ]; then
  echo "$out" | tail -n 20
  fail "conformance: no result (timed out or crashed)"
else
  echo "passed $passed, failed $failed, unsupported $unsupported"
  echo "$out" | grep -o '{"name":"[^"]*","status":"failed","detail":"[^"]*"}' | head -n 20
  if [ "$failed" != "0" ]; then fail "conformance: $failed failed"; fi
  summary+=("      conformance on cuda: passed $passed, failed $failed, unsupported $unsupported")
fi

echo "== onnx bench: cuda vs cpu (median ms)"
rows=()
for m in "${models[@]}"; do
  name=$(basename "$m")
  cpu=$(timeout 60 "$cli" onnx bench --backend cpu --model "$m/model.onnx" --iterations 20 --warmup-seconds 1 --json 2>/dev/null | json_field medianMs)
  gpu=$(timeout 90 "$cli" onnx bench --backend cuda --model "$m/model.onnx" --iterations 20 --warmup-seconds 1 --json 2>/dev/null | json_field medianMs)
  [ -n "$gpu" ] || fail "bench $name on cuda: no result"
  rows+=("$(printf '%-24s %10s %10s' "$name" "${cpu:-?}" "${gpu:-?}")")
done
printf '%-24s %10s %10s\n' model cpu cuda
printf '%s\n' "${rows[@]}"

echo "== GEMM GFLOP/s (onnx gemm, square float32, results checked; own kernel vs cuBLAS per size)"
# Compute:CudaUseCuBlas=auto uses cuBLAS for M*N*K*batches >= 64^3 (CuBlasPolicy.AutoMinFlops, provisional): the
# smallest N whose cublas/own ratio below is > 1 is where that threshold belongs.
gemm_rows=()
for n in 64 128 256 512 1024 2048 4096 8192; do
  iters=5; [ "$n" -le 512 ] && iters=50
  own_gf=""
  for k in own cublas; do
    r=$(timeout 90 "$cli" onnx gemm --backend cuda --kernels "$k" --size "$n" --iterations "$iters" --json 2>&1)
    rc=$?
    gf=$(echo "$r" | json_field gflops); used=$(echo "$r" | json_field kernels)
    if [ $rc -ne 0 ]; then fail "gemm $n $k: $(echo "$r" | tail -n 1)"; fi
    ratio=""
    if [ "$k" = own ]; then own_gf="$gf"; elif [ -n "$own_gf" ] && [ -n "$gf" ]; then
      ratio=$(awk -v a="$gf" -v b="$own_gf" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    fi
    gemm_rows+=("$(printf '%-6s %-8s %-8s %12s %14s' "$n" "$k" "${used:-?}" "${gf:-?}" "$ratio")")
  done
done
printf '%-6s %-8s %-8s %12s %14s\n' N asked used GFLOP/s cublas/own
printf '%s\n' "${gemm_rows[@]}"
echo "auto threshold now: M*N*K*batches >= 262144 (64^3), provisional until set from the ratios above"

echo "== Summary"
printf '%s\n' "${summary[@]}"
printf '%-24s %10s %10s\n' "model (median ms)" cpu cuda
printf '%s\n' "${rows[@]}"
printf '%-6s %-8s %-8s %12s %14s\n' N asked used GFLOP/s cublas/own
printf '%s\n' "${gemm_rows[@]}"
if [ $status -eq $EXIT_OK ]; then echo "GPU CHECK PASSED"; else echo "GPU CHECK FAILED"; fi
exit $status
