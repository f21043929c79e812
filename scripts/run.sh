#!/usr/bin/env bash
# Sets up, builds, and runs the main job on the embedded default: the seed's
# model trained at start-up, its card, and scores for examples/requests.jsonl.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake --preset native >/dev/null
cmake --build --preset native >/dev/null
echo "== model card (default model: the seed's 5 rows, LogisticRegression() semantics)"
build/native/callrisk info
echo "== scores for examples/requests.jsonl"
build/native/callrisk score <examples/requests.jsonl
