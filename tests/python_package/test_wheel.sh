#!/usr/bin/env bash
# The Python package as users get it: the wheel built by scripts/build-python.sh,
# installed with pip into a fresh venv (wasmtime comes from PyPI as its declared
# dependency), then the README's Python example run from another directory
# with no source checkout on the path, and the host's test suite (golden bits
# included) run against the installed package.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
wheel=$(ls "$src"/build/python/callrisk-*-py3-none-any.whl)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet "$wheel[test]"
# grep without -q reads all pip writes: with -q it may stop early, and pip's
# write into the closed pipe fails the pipeline (pipefail).
"$work/venv/bin/pip" show callrisk | grep '^Requires: wasmtime' >/dev/null || { echo "test_wheel: wasmtime is not a declared dependency" >&2; exit 1; }
# The README's example, as written.
sed -n '/<!-- python:begin -->/,/<!-- python:end -->/p' "$src/README.md" | sed '1,2d;$d' | sed '$d' >"$work/example.py"
grep -q "calculate_score" "$work/example.py" || { echo "test_wheel: no Python example in the README" >&2; exit 1; }
(cd "$work" && env -u PYTHONPATH "$work/venv/bin/python" example.py) >"$work/example.out"
grep -q "(99, 'HIGH')" "$work/example.out" || { echo "test_wheel: README example printed: $(cat "$work/example.out")" >&2; exit 1; }
# The suite, against the installed package (CALLRISK_INSTALLED keeps the
# source tree off sys.path), from outside the checkout; the golden bits and
# the contract's cases (tests/contract/cases.json) and the native CLI (quality
# tests compare with it; skipped where it is not built) are the checkout's.
cp -r "$src/python/tests" "$work/tests"
(cd "$work" && CALLRISK_INSTALLED=1 CALLRISK_GOLDEN="$src/tests/golden/default_model.txt" CALLRISK_CLI="$src/build/native/callrisk" \
  CALLRISK_CONTRACT="$src/tests/contract/cases.json" CALLRISK_SAME_ID="$src/tests/golden/same_id" "$work/venv/bin/python" -m pytest -q tests)
echo "test_wheel: ok ($(basename "$wheel"))"
