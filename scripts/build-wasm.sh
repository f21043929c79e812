#!/usr/bin/env bash
# Builds callrisk.wasm with the emscripten preset into js/dist/ (the npm
# package ships it; it is never committed).
set -euo pipefail
cd "$(dirname "$0")/.."
exec >&2   # npm pack --json reads stdout
cmake --preset emscripten >/dev/null
cmake --build --preset emscripten
mkdir -p js/dist
cp build/emscripten/callrisk.wasm js/dist/callrisk.wasm
