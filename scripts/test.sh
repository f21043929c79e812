#!/usr/bin/env bash
# Sets up, then builds and runs every test: the C core (native preset,
# ctest), the npm package (emscripten preset; node:test suite, packaging
# test, the same suite in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
cmake --preset native >/dev/null
cmake --build --preset native
ctest --preset native
scripts/build-wasm.sh
node --test tests/js/ tests/package/ tests/browser/
