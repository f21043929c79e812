#!/usr/bin/env bash
# Builds the Python package's wheel into build/python/: the WASI reactor
# (wasi preset) copied into python/callrisk/, then `python -m build` (PEP 517,
# hatchling) from a venv that has the build tools (.cache/venv-build).
set -euo pipefail
cd "$(dirname "$0")/.."
exec >&2
cmake --preset wasi >/dev/null
cmake --build --preset wasi --target callrisk_reactor
cp build/wasi/callrisk.wasm python/callrisk/callrisk.wasm
if [ ! -x .cache/venv-build/bin/pyproject-build ]; then
  python3 -m venv .cache/venv-build
  .cache/venv-build/bin/pip install --quiet build hatchling
fi
rm -rf build/python
.cache/venv-build/bin/pyproject-build --wheel --no-isolation --outdir build/python python
ls build/python/*.whl
