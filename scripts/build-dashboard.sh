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
cp dashboard/*.html dashboard/*.js dashboard/*.css "$out/dashboard/"
# The browser entry and every module it imports (the glue is one file per layer).
for f in js/*.js; do
  case "$f" in js/node.js|js/cli.js) ;; *) cp "$f" "$out/callrisk/" ;; esac
done
cp js/dist/callrisk.wasm "$out/callrisk/dist/"
echo "$out"
