#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset) and runs each on a copy of its
# seed corpus (tests/fuzz/corpus/<target>):
#   scripts/fuzz.sh [libFuzzer options]          e.g. -max_total_time=10 (CI), -runs=10000000 (long run)
# Every libFuzzer run ends with "Done N runs"; a crash stops with its input
# saved as build/fuzz/crash-* (re-run: build/fuzz/tests/fuzz/fuzz_<target> FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz >/dev/null
# A crash file from an earlier run would be blamed on this one's first target.
rm -f build/fuzz/crash-*
for target in model_bytes model_json csv request score exact shard numtext; do
  work=build/fuzz/corpus/$target
  mkdir -p "$work"
  cp -n tests/fuzz/corpus/$target/* "$work/" 2>/dev/null || true
  echo "== fuzz_$target $*" >&2
  # A format 2 model's JSON (evidence, a holdout) runs past 4 KiB.
  max_len=4096
  [ "$target" = model_json ] && max_len=16384
  # The drift reference's cuts: questions and answers of a few KiB.
  [ "$target" = shard ] && max_len=16384
  (cd build/fuzz && tests/fuzz/fuzz_$target -max_len=$max_len "$@" "corpus/$target" 2>&1 | grep -E "Done [0-9]+ runs|ERROR|SUMMARY|crash-" || true)
  [ -z "$(ls build/fuzz/crash-* 2>/dev/null)" ] || { echo "fuzz_$target: crash, see build/fuzz/crash-*" >&2; exit 1; }
done
