#!/usr/bin/env bash
# Sets up, then builds and runs every test: the C core (native preset,
# ctest with the allocation-failure harness; the installed package from
# consumer projects; again under AddressSanitizer + UBSan; coverage >= 96%
# of lines and 93% of branches; each libFuzzer target for 10 s), the npm
# package (node:test suite, packaging tests, the suite in headless
# Chromium, bundler apps, type tests), the WASI builds (the C tests under
# node:wasi, the CLI under wasmtime and node:wasi against native, the
# README's wasmtime block), the Python host (pytest, then its wheel in a
# fresh venv), the reference backend on SQLite and PostgreSQL (crash,
# fd-limit, shutdown, hostile HTTP, the dashboard in Chromium) and the
# container image.
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
node --test tests/js/ tests/package/ tests/browser/ tests/bundlers/ tests/types/ tests/wasi/ tests/readme/ tests/contract/ tests/quality/
.cache/venv/bin/pytest -q python/tests
scripts/build-python.sh
tests/python_package/test_wheel.sh
(cd backend && node --test test/)
tests/container/test_container.sh
