#!/usr/bin/env bash
# Builds the offline GPU-check bundle for deploy/gpu-check.sh: phala-gpu-check-linux-x64.tar.gz holding
#   phala-gpu-check/bin/            the phala-worker CLI published for linux-x64, self-contained (.NET runtime included)
#   phala-gpu-check/testdata/onnx/  node/, simple/ and models/ (the conformance data and benchmark models)
#   phala-gpu-check/gpu-check.sh
# Usage: deploy/gpu-bundle.sh [OUTPUT.tar.gz]   (default .tools/phala-gpu-check-linux-x64.tar.gz, git-ignored)
# Fails when the archive exceeds 60 MiB. Needs the .NET SDK (this machine), not the GPU host.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
output="${1:-$root/.tools/phala-gpu-check-linux-x64.tar.gz}"
limit=$((60 * 1024 * 1024))
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
dest="$stage/phala-gpu-check"
mkdir -p "$dest/testdata/onnx" "$(dirname "$output")"

dotnet publish "$root/src/PhalaWorker.Cli" -c Release -r linux-x64 --self-contained true \
  -p:DebugType=none -o "$dest/bin" -nologo -v q
rm -f "$dest"/bin/*.xml "$dest"/bin/*.pdb
cp -r "$root/tests/testdata/onnx/node" "$root/tests/testdata/onnx/simple" "$root/tests/testdata/onnx/models" "$dest/testdata/onnx/"
cp "$root/tests/testdata/onnx/README.md" "$dest/testdata/onnx/"
cp "$root/deploy/gpu-check.sh" "$dest/gpu-check.sh"
chmod +x "$dest/gpu-check.sh" "$dest/bin/phala-worker"

tar -C "$stage" -czf "$output" phala-gpu-check
size=$(stat -c %s "$output")
echo "gpu-bundle: $output ($((size / 1024 / 1024)) MiB, $(du -sm "$dest" | cut -f1) MiB unpacked)"
if [ "$size" -gt "$limit" ]; then
  echo "gpu-bundle: ERROR: the bundle is over 60 MiB" >&2
  exit 1
fi
