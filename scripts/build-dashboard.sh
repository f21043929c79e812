#!/usr/bin/env bash
# The dashboard as static files: build/dashboard/{dashboard,callrisk}, the
# layout the backend serves too; host the folder anywhere and open
# /dashboard/ (ES modules need http(s), not file://).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f js/dist/callrisk.wasm ] || scripts/build-wasm.sh >&2
out=build/dashboard
rm -rf "$out"
mkdir -p "$out/dashboard" "$out/callrisk/dist"
cp dashboard/index.html dashboard/app.js dashboard/style.css "$out/dashboard/"
cp js/browser.js js/callrisk.js "$out/callrisk/"
cp js/dist/callrisk.wasm "$out/callrisk/dist/"
echo "$out"
