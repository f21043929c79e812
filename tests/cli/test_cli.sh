#!/usr/bin/env bash
# CLI behaviour: test_cli.sh TESTS_DIR CALLRISK_COMMAND...
# (the command may be a runner and a .wasm: the WASI CLI must pass the same)
# The expected outputs in tests/cli/expected are goldens: byte-exact, and the
# WASI build of the same CLI must print the very same bytes.
set -u
here=$1/cli
shift
cli=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
expect_exit() { # WANT CMD...
  local want=$1; shift
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  [ "$got" = "$want" ] || fail "'$*' exited $got, want $want: $(cat "$work/err")"
}
same() { cmp -s "$1" "$2" || { fail "$1 differs from $2"; diff "$1" "$2" | head -5 >&2; }; }

# score: default model, good and bad lines, exit 1 because two lines failed.
"${cli[@]}" score <"$here/data/requests.jsonl" >"$work/score.jsonl" 2>"$work/score.err"
[ $? = 1 ] || fail "score with bad lines should exit 1"
same "$work/score.jsonl" "$here/expected/score_default.jsonl"
grep -q "4 of 8 lines failed" "$work/score.err" || fail "score stderr: $(cat "$work/score.err")"
head -2 "$here/data/requests.jsonl" | "${cli[@]}" score >"$work/ok.jsonl" || fail "all-good input should exit 0"
grep -q '"score":99,"risk_level":"HIGH"' "$work/ok.jsonl" || fail "seed case HIGH"
grep -q '"score":11,"risk_level":"LOW"' "$work/ok.jsonl" || fail "seed case LOW"

# info without a model: the default model's card, same id as the scores.
expect_exit 0 "${cli[@]}" info
grep -q "\"model_id\":\"$(sed -n '1s/.*"model_id":"\([0-9a-f]*\)".*/\1/p' "$here/expected/score_default.jsonl")\"" "$work/out" ||
  fail "info without MODEL should describe the default model"
expect_exit 2 "${cli[@]}" info a b

# train -> info -> score with the trained model; ids agree everywhere.
expect_exit 0 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/m.crm"
same "$work/out" "$here/expected/train_card.json"
expect_exit 0 "${cli[@]}" info "$work/m.crm"
same "$work/out" "$here/expected/train_card.json"
id=$(sed -n 's/.*"model_id":"\([0-9a-f]*\)".*/\1/p' "$work/out")
[ "$(sha256sum "$work/m.crm" | cut -d' ' -f1)" = "$id" ] || fail "model id is not the SHA-256 of the file"
head -1 "$here/data/requests.jsonl" | "${cli[@]}" score --model "$work/m.crm" | grep -q "\"model_id\":\"$id\"" ||
  fail "score --model does not report the model's id"

# export to canonical JSON and back: same id, same bytes.
expect_exit 0 "${cli[@]}" export "$work/m.crm" --out "$work/m.json"
expect_exit 0 "${cli[@]}" export "$work/m.json" --out "$work/m2.crm"
cmp -s "$work/m.crm" "$work/m2.crm" || fail "binary -> JSON -> binary changed the bytes"
expect_exit 0 "${cli[@]}" info "$work/m.json"
same "$work/out" "$here/expected/train_card.json"

# Options: sign constraints, class weights, bands, another schema.
expect_exit 0 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/s.crm" --sign no_consent=nonpos \
  --class-weight balanced --bands 80,50 --C 0.5
grep -q '"name":"no_consent","field":"has_consent","invert":true,"sign":"nonpos","coef":0,' "$work/out" ||
  fail "sign constraint not applied: $(cat "$work/out")"
grep -q '"bands":{"high":80,"medium":50}' "$work/out" || fail "bands option"
grep -q '"class_weight":"balanced"' "$work/out" || fail "class weight option"
expect_exit 0 "${cli[@]}" train --csv "$here/data/stir.csv" --schema "$here/data/stir_schema.json" --out "$work/t.crm"
echo '{"spam_reports":1,"has_consent":true,"attestation":0.25}' | "${cli[@]}" score --model "$work/t.crm" |
  grep -q '"feature":"attestation"' || fail "custom schema scoring"

# --store appends one record per answered line; verify replays them all,
# finds an edited score, and fails on a missing store.
mkdir "$work/store"
"${cli[@]}" score --store "$work/store" <"$here/data/requests.jsonl" >/dev/null 2>&1
[ "$(wc -l <"$work/store/scores.jsonl")" = 3 ] || fail "store should hold the 3 answered lines"
expect_exit 0 "${cli[@]}" verify --store "$work/store"
grep -q "verified 3 records: 0 do not replay" "$work/err" || fail "verify summary: $(cat "$work/err")"
sed -i '3s/"score":76/"score":77/' "$work/store/scores.jsonl"
expect_exit 1 "${cli[@]}" verify --store "$work/store"
grep -q '{"line":3,"error":{"code":"CR_E_MISMATCH","status":20,"field":"score","message":"record '"'"'score'"'"': stored 77, replay gives 76"}}' "$work/out" ||
  fail "verify should name line 3: $(cat "$work/out")"
expect_exit 1 "${cli[@]}" verify --store "$work/store" --model "$work/m.crm"   # another model: every id differs
expect_exit 1 "${cli[@]}" verify --store "$work/nowhere"
expect_exit 2 "${cli[@]}" verify

# The bad-input matrix (RELIABILITY.md): non-finite, fractional, huge, extra
# fields (ignored), empty object, not an object, duplicate key; empty and
# one-class training data.
"${cli[@]}" score <"$here/data/bad_requests.jsonl" >"$work/bad.jsonl" 2>/dev/null
same "$work/bad.jsonl" "$here/expected/score_bad.jsonl"
expect_exit 1 "${cli[@]}" train --csv "$here/data/empty.csv" --out "$work/x.crm"
grep -q "CSV: no header row.*CR_E_CSV" "$work/err" || fail "empty CSV message: $(cat "$work/err")"
expect_exit 1 "${cli[@]}" train --csv "$here/data/one_class.csv" --out "$work/x.crm"
grep -q "needs both labels, got only label 1.*CR_E_DATA" "$work/err" || fail "one-class message: $(cat "$work/err")"

# Every training option, and the usage errors of each command.
expect_exit 0 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/o.json" --class-weight 1,3 --max-iter 50 \
  --tol 1e-8 --no-intercept
grep -q '"fit_intercept":false' "$work/out" && grep -q '"class_weight":"explicit","class_weight_values":\[1,3\]' "$work/out" ||
  fail "explicit options not in the card: $(cat "$work/out")"
grep -q '"format":"callrisk-model"' "$work/o.json" || fail "a .json --out should be canonical JSON"
for bad in "--class-weight heavy" "--bands 70" "--max-iter x" "--tol y" "--C" "--frob 1"; do
  # shellcheck disable=SC2086
  expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" $bad
done
expect_exit 2 "${cli[@]}" train --out "$work/x.crm"
expect_exit 1 "${cli[@]}" train --csv "$work/missing.csv" --out "$work/x.crm"
grep -q "cannot open" "$work/err" || fail "missing CSV message: $(cat "$work/err")"
expect_exit 1 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --schema "$work/missing.json"
printf '{"fields":[]}' >"$work/bad-schema.json"
expect_exit 1 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --schema "$work/bad-schema.json"
grep -q "CR_E_MISSING\|CR_E_COUNT" "$work/err" || fail "bad schema message: $(cat "$work/err")"
expect_exit 1 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/no/such/dir/m.crm"
expect_exit 1 "${cli[@]}" info "$work/missing.crm"
expect_exit 2 "${cli[@]}" export "$work/m.crm"
expect_exit 1 "${cli[@]}" export "$work/m.crm" --out "$work/no/such/dir/m.json"
expect_exit 2 "${cli[@]}" score --frob
expect_exit 1 "${cli[@]}" score --store "$work/no/such/dir" </dev/null
expect_exit 2 "${cli[@]}" verify --store "$work/store" --frob
expect_exit 0 "${cli[@]}" --version

# Errors: clear message, position, non-zero exit, nothing written.
expect_exit 1 "${cli[@]}" train --csv "$here/data/bad.csv" --out "$work/bad.crm"
grep -q "bad.csv: field 'has_consent': must be true, false, 1 or 0, got 'perhaps' (line 3, column 2) \[CR_E_TYPE\]" "$work/err" ||
  fail "bad CSV message: $(cat "$work/err")"
[ ! -e "$work/bad.crm" ] || fail "a model was written for bad input"
expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --sign nosuch=nonneg
expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --C abc
expect_exit 1 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --C -1
grep -q "option 'C': must be a finite number > 0" "$work/err" || fail "bad C message: $(cat "$work/err")"
printf 'garbage' >"$work/garbage.crm"
expect_exit 1 "${cli[@]}" info "$work/garbage.crm"
grep -q "bad magic.*CR_E_MAGIC" "$work/err" || fail "bad model message: $(cat "$work/err")"
head -c 40 "$work/m.crm" >"$work/short.crm"
expect_exit 1 "${cli[@]}" score --model "$work/short.crm" </dev/null
grep -q "CR_E_TRUNCATED" "$work/err" || fail "truncated model message: $(cat "$work/err")"
expect_exit 2 "${cli[@]}" frobnicate
expect_exit 2 "${cli[@]}"
expect_exit 0 "${cli[@]}" --help

[ $fails = 0 ] && echo "test_cli: ok" || { echo "test_cli: $fails failure(s)" >&2; exit 1; }
