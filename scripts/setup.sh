#!/usr/bin/env bash
# Installs what building and testing callrisk needs on Debian 12, and only
# what is missing: cmake (>= 3.25), ninja, a C compiler; with --tests also
# Emscripten (the npm package's wasm), Node.js + npm, Debian's Chromium
# (browser tests), scikit-learn (checks the parity fixtures reproduce), and
# the npm dev dependencies (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
command -v cc >/dev/null || need+=(gcc libc6-dev)
if [ "${1:-}" = --tests ]; then
  /usr/bin/python3 -c 'import sklearn' 2>/dev/null || need+=(python3-sklearn)
  command -v emcc >/dev/null || need+=(emscripten)
  command -v node >/dev/null || need+=(nodejs)
  command -v npm >/dev/null || need+=(npm)
  [ -x /usr/bin/chromium ] || need+=(chromium)
fi
if [ ${#need[@]} -gt 0 ]; then
  sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  echo "setup: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ "${1:-}" = --tests ] && [ ! -d node_modules/playwright-core ]; then
  npm ci --no-audit --no-fund >&2
fi
