#!/usr/bin/env bash
# Builds what the npm package ships into js/dist/ (never committed):
# callrisk.wasm (the emscripten preset: the module the JS glue runs), the
# glue as the package ships it (callrisk.js and cli.js, generated from js/ by
# scripts/bundle-js.mjs) and callrisk-cli.wasm (the wasi preset's CLI, run by
# cli.js for `npx callrisk`). npm's prepack runs it, so `npm pack` always
# ships them all.
#   scripts/build-wasm.sh [--module-only]   (the module and the glue: all the
#   reference backend needs, without the WASI toolchain)
set -euo pipefail
cd "$(dirname "$0")/.."
exec >&2   # npm pack --json reads stdout
cmake --preset emscripten >/dev/null
cmake --build --preset emscripten
mkdir -p js/dist
cp build/emscripten/callrisk.wasm js/dist/callrisk.wasm
node scripts/bundle-js.mjs
[ "${1:-}" = --module-only ] && exit 0
cmake --preset wasi >/dev/null
cmake --build --preset wasi --target callrisk_cli
cp build/wasi/callrisk-cli.wasm js/dist/callrisk-cli.wasm
