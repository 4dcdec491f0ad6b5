#!/usr/bin/env bash
# Configures, builds and tests the native TEE shim into native/build (libphala_tee.so + CTest).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cmake -S "$here" -B "$here/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$here/build" --parallel 2
ctest --test-dir "$here/build" --output-on-failure "$@"
