#!/usr/bin/env bash
# Sets up, builds the native preset and runs every test (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
cmake --preset native >/dev/null
cmake --build --preset native
ctest --preset native
