#!/usr/bin/env bash
# Installs what the devnet and the tests need, idempotently:
#  - Debian's libsecp256k1-1 (the reference secp256k1 implementation, bound with [LibraryImport]);
#  - anvil, cast, ethers, solc-js and @phala/dcap-qvl from npm into the git-ignored deploy/node_modules (pinned by
#    package-lock.json); cast and ethers are the outside client of deploy/devnet/crosscheck/verify-onchain.mjs.
set -euo pipefail
deploy="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# ldconfig lives in /sbin, which a non-root PATH on Debian lacks; grep reads all of its output (grep -q would end the
# pipe early, and under pipefail ldconfig's SIGPIPE would read as "missing").
ldconfig_bin=$(command -v ldconfig || echo /sbin/ldconfig)
if ! "$ldconfig_bin" -p 2>/dev/null | grep 'libsecp256k1\.so\.1' >/dev/null; then
  echo "installing Debian package libsecp256k1-1"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq libsecp256k1-1 >/dev/null
fi

stamp="$deploy/node_modules/.package-lock.json"
if [ ! -x "$deploy/node_modules/.bin/anvil" ] || [ ! -x "$deploy/node_modules/.bin/cast" ] \
  || [ ! -f "$deploy/node_modules/ethers/package.json" ] || [ "$deploy/package-lock.json" -nt "$stamp" ]; then
  echo "installing npm packages into deploy/node_modules"
  (cd "$deploy" && npm ci --no-audit --no-fund --loglevel=error)
fi
# npm links a package's bin entries executable; check the binaries the tests run really start (a copy that lost its
# mode bits, e.g. from an archive, is fixed rather than left to fail in a test).
for tool in anvil cast; do
  target="$(readlink -f "$deploy/node_modules/.bin/$tool")"
  [ -x "$target" ] || chmod +x "$target"
  "$target" --version >/dev/null || { echo "deploy/node_modules/.bin/$tool does not run" >&2; exit 1; }
done

# ptxas (CUDA 11.8, Debian non-free) for the PTX proof in Compute.Tests; ~25 s the first time, a no-op after.
"$deploy/install-ptxas.sh"
