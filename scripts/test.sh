#!/usr/bin/env bash
# Sets up, then builds and runs every test: the C core (native preset,
# ctest; again under AddressSanitizer + UBSan; line coverage >= 95%; each
# libFuzzer target for 10 s), the npm package (emscripten preset; node:test suite, packaging
# test, the same suite in headless Chromium), the WASI builds (the C tests
# under node:wasi, the CLI under wasmtime and node:wasi against native, the
# README's wasmtime lines), the Python host (pytest) and the reference
# backend on SQLite (node:test, with a SIGKILL crash test).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
cmake --preset native >/dev/null
cmake --build --preset native
ctest --preset native
tests/install/test_install.sh
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan
scripts/coverage.sh --fail-under-line 96 --fail-under-branch 93
scripts/fuzz.sh -max_total_time=10
scripts/build-wasm.sh
cmake --preset wasi >/dev/null
cmake --build --preset wasi
ctest --preset wasi
export PATH="$PWD/.cache/wasmtime/bin:$PATH"
node --test tests/js/ tests/package/ tests/browser/ tests/bundlers/ tests/types/ tests/wasi/
.cache/venv/bin/pytest -q python/tests
scripts/build-python.sh
tests/python_package/test_wheel.sh
(cd backend && node --test test/)
tests/container/test_container.sh
