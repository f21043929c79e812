#!/usr/bin/env bash
# Line and branch coverage of src/ by the C suite and the CLI tests (gcc
# --coverage, gcovr). src/wasm/ only exists in wasm builds: its logic is
# covered through the JS and Python suites, not measured here.
#   scripts/coverage.sh [--fail-under 95]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gcovr >/dev/null || { sudo= ; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y -qq gcovr >/dev/null; }
cmake --preset coverage >/dev/null
cmake --build --preset coverage >/dev/null
find build/coverage -name '*.gcda' -delete
ctest --preset coverage >/dev/null
gcovr --root . --filter 'src/' --exclude 'src/wasm/' build/coverage --print-summary --txt build/coverage/coverage.txt "$@" | tail -3
