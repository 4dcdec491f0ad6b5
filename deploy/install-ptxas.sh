#!/usr/bin/env bash
# Unpacks NVIDIA's ptxas (CUDA 11.8, from Debian bookworm's non-free package nvidia-cuda-toolkit) into the git-ignored
# .tools/cuda/bin/ptxas, idempotently, so Compute.Tests can assemble the ILGPU kernels' PTX for sm_90 without a GPU.
# Only ptxas is extracted (dpkg-deb, no install: the full package needs a driver). The system's apt configuration is
# not touched: a private sources list enables non-free for this one download.
# Cost (measured on the 2-core CI machine): apt index update ~15 s, download 84 MB ~6 s, extract ~8 s; 19 MB on disk.
# Set PHALA_SKIP_PTXAS=1 to skip (the assemble tests then skip and say why). Exit status 0 even when the download fails
# (offline hosts): the tests report ptxas as absent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
target="$tools/cuda/bin/ptxas"

if [ "${PHALA_SKIP_PTXAS:-0}" = "1" ]; then
  echo "install-ptxas: skipped (PHALA_SKIP_PTXAS=1)"
  exit 0
fi

if [ -x "$target" ] && "$target" --version 2>/dev/null | grep -q 'release 11.8'; then
  exit 0
fi

work="$tools/apt"
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/download" "$tools/cuda/bin"
cat > "$work/sources.list" <<'LIST'
deb http://deb.debian.org/debian bookworm main contrib non-free
deb http://deb.debian.org/debian bookworm-updates main contrib non-free
LIST
apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User="$(id -un)")

start=$(date +%s)
echo "install-ptxas: fetching nvidia-cuda-toolkit (Debian non-free, ~84 MB) for ptxas"
if ! apt-get "${apt_opts[@]}" update -qq >/dev/null 2>&1 \
  || ! (cd "$work/download" && apt-get "${apt_opts[@]}" download -qq nvidia-cuda-toolkit >/dev/null 2>&1); then
  echo "install-ptxas: WARNING: could not download nvidia-cuda-toolkit (offline?); the ptxas assemble tests will skip" >&2
  exit 0
fi

deb=$(ls "$work"/download/nvidia-cuda-toolkit_*.deb | head -n 1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -O ./usr/bin/ptxas > "$target.tmp"
chmod +x "$target.tmp"
mv "$target.tmp" "$target"
rm -rf "$work"
echo "install-ptxas: $("$target" --version | tail -n 1) -> .tools/cuda/bin/ptxas ($(( $(date +%s) - start )) s)"
