#!/usr/bin/env bash
# Line and branch coverage of src/ by the C suite and the CLI tests (gcc
# --coverage, gcovr). src/wasm/ only exists in wasm builds: its logic is
# covered through the JS and Python suites, not measured here.
#   scripts/coverage.sh [--fail-under-line N] [--fail-under-branch N]
# The gates apply to the whole of src/ (library and CLI); the library alone
# (src/ without src/cli/) is reported first. Reports: build/coverage/
# coverage.txt (lines), branches.txt (branches), coverage.json (all counts).
set -euo pipefail
cd "$(dirname "$0")/.."
gates=()
while [ $# -gt 0 ]; do
  case $1 in
    --fail-under-line | --fail-under-branch)
      [[ ${2-} =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "coverage.sh: $1 needs a percentage" >&2; exit 2; }
      gates+=("$1" "$2")
      shift 2 ;;
    *) echo "usage: scripts/coverage.sh [--fail-under-line N] [--fail-under-branch N]" >&2; exit 2 ;;
  esac
done
command -v gcovr >/dev/null || { sudo= ; [ "$(id -u)" = 0 ] || sudo=sudo; $sudo apt-get install -y -qq gcovr >/dev/null; }
cmake --preset coverage >/dev/null
cmake --build --preset coverage >/dev/null
find build/coverage -name '*.gcda' -delete
ctest --preset coverage >/dev/null
out=build/coverage
gcovr --root . --filter 'src/' --exclude 'src/wasm/' "$out" --json "$out/coverage.json"
echo "library (src/ without src/cli/):"
# (Never -o /dev/null: gcovr replaces its output file, /dev/null included.)
gcovr --root . -a "$out/coverage.json" --exclude 'src/cli/' --print-summary -o "$out/library.txt" | grep -E '^(lines|branches):' |
  sed 's/^/  /'
gcovr --root . -a "$out/coverage.json" --branches --txt "$out/branches.txt"
echo "src/ (library and CLI):"
gcovr --root . -a "$out/coverage.json" --print-summary --txt "$out/coverage.txt" "${gates[@]}" | tail -3
