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
# Every line strict JSON (no NaN/Infinity), every score an integer in 0..100.
valid_lines() {
  python3 -c '
import json, sys
def bad(c): raise ValueError("non-finite " + c)
for n, l in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    v = json.loads(l, parse_constant=bad)
    if "score" in v:
        assert type(v["score"]) is int and 0 <= v["score"] <= 100, (n, v["score"])
        assert 0 <= v["probability"] <= 1, (n, v)
' "$1" || fail "$1: not valid JSON lines"
}

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

# The file's own names for the label and weight (--label-column, --weight-column,
# or --label_column as the option is spelled): the same rows, the same model.
{ echo "caller_number,spam_reports,has_consent,call_attempts_24h,is_spam,w"; tail -n +2 "$here/data/train.csv" | sed 's/$/,1/'; } \
  >"$work/is_spam.csv"
expect_exit 0 "${cli[@]}" train --label-column is_spam --weight-column w --csv "$work/is_spam.csv" --out "$work/named.crm"
same "$work/out" "$here/expected/train_card.json"
expect_exit 0 "${cli[@]}" train --csv "$work/is_spam.csv" --out "$work/named2.crm" --label_column is_spam
cmp -s "$work/named2.crm" "$work/m.crm" || fail "--label_column is_spam: not the model of train.csv"
expect_exit 1 "${cli[@]}" train --csv "$work/is_spam.csv" --out "$work/x.crm"
grep -q "CSV header: no column 'label' (line 1, column 1) \[CR_E_MISSING\]" "$work/err" || fail "no label column: $(cat "$work/err")"
expect_exit 1 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --label-column is_spam
grep -q "no column 'is_spam'" "$work/err" || fail "no is_spam column: $(cat "$work/err")"
expect_exit 2 "${cli[@]}" train --csv "$work/is_spam.csv" --out "$work/x.crm" --weight-column label
grep -q "option 'weight_column': 'label' is label_column too.*\[CR_E_RANGE, field 'weight_column'\]" "$work/err" ||
  fail "clashing columns: $(cat "$work/err")"
expect_exit 2 "${cli[@]}" train --csv "$work/is_spam.csv" --out "$work/x.crm" --label-column "is spam"
grep -q "\[CR_E_RANGE, field 'label_column'\]" "$work/err" || fail "bad column name: $(cat "$work/err")"
[ ! -e "$work/x.crm" ] || fail "a model was written for bad column options"

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

# A full disk (here: a file-size limit, so write() fails half way): a record
# line is in the store whole or not at all, the lines whose records did not
# fit answer CR_E_STORE, and the next run appends cleanly (issue 10, #4).
mkdir "$work/full"
for _ in 1 2 3 4 5 6; do head -1 "$here/data/requests.jsonl"; done >"$work/six.jsonl"
# No `trap '' XFSZ`: the CLI itself must not die of SIGXFSZ at the limit.
(ulimit -f 2; "${cli[@]}" score --store "$work/full" <"$work/six.jsonl" >"$work/full.out" 2>"$work/full.err")
[ "$(grep -c '"score":99' "$work/full.out")" = 4 ] || fail "4 records fit in 1 KiB: $(cat "$work/full.out")"
[ "$(grep -c '"code":"CR_E_STORE"' "$work/full.out")" = 2 ] || fail "2 lines should answer CR_E_STORE"
[ "$(wc -l <"$work/full/scores.jsonl")" = 4 ] && [ "$(tail -c 1 "$work/full/scores.jsonl" | od -An -c | tr -d ' ')" = '\n' ] ||
  fail "the store holds a torn line after a full disk"
"${cli[@]}" score --store "$work/full" <"$work/six.jsonl" >/dev/null 2>&1 || fail "score after a full disk"
expect_exit 0 "${cli[@]}" verify --store "$work/full"
grep -q "verified 10 records: 0 do not replay" "$work/err" || fail "verify after a full disk: $(cat "$work/err")"
# A torn tail (a crash mid-write): verify names it apart from mismatches;
# the next score run cuts it away (it was never acknowledged) and says so.
head -c 100 "$work/full/scores.jsonl" >>"$work/full/scores.jsonl"
expect_exit 1 "${cli[@]}" verify --store "$work/full"
grep -q '{"line":11,"error":{"code":"CR_E_TRUNCATED","status":9,"field":null,"message":"torn record: the last line (100 bytes) has no newline' "$work/out" ||
  fail "verify should report the torn tail: $(cat "$work/out")"
grep -q "verified 10 records: 0 do not replay; 1 torn" "$work/err" || fail "verify torn summary: $(cat "$work/err")"
head -1 "$work/six.jsonl" | "${cli[@]}" score --store "$work/full" >/dev/null 2>"$work/err" || fail "score over a torn tail"
grep -q "removed a torn last record of 100 bytes" "$work/err" || fail "torn tail not reported: $(cat "$work/err")"
expect_exit 0 "${cli[@]}" verify --store "$work/full"
# A store written by the old CLI: half a record, then a whole one on the same
# line. The torn part is reported and the whole record after it is checked.
{ head -c 60 "$work/full/scores.jsonl"; head -1 "$work/full/scores.jsonl"; head -1 "$work/full/scores.jsonl"; } >"$work/full/old.jsonl"
mkdir "$work/old" && mv "$work/full/old.jsonl" "$work/old/scores.jsonl"
expect_exit 1 "${cli[@]}" verify --store "$work/old"
grep -q '{"line":1,"error":{"code":"CR_E_TRUNCATED","status":9,"field":null,"message":"torn record: 60 bytes of an interrupted write before a whole record' "$work/out" ||
  fail "old torn line: $(cat "$work/out")"
[ "$(grep -c CR_E_MISMATCH "$work/out")" = 0 ] || fail "the whole record after a torn part should replay"
grep -q "verified 2 records: 0 do not replay; 1 torn" "$work/err" || fail "old torn summary: $(cat "$work/err")"
sed -i '1s/"score":99/"score":98/' "$work/old/scores.jsonl"   # in the whole record: the torn 60 bytes hold no score
expect_exit 1 "${cli[@]}" verify --store "$work/old"
grep -q '"line":1,"error":{"code":"CR_E_MISMATCH"' "$work/out" || fail "the record after a torn part is not checked: $(cat "$work/out")"

# Hostile lines: a 2 MiB line is refused whole and the next line still
# scores; a model that would score NaN is refused at load (issue 10, #3).
{ printf '{"spam_reports":%02000000d}\n' 1; head -1 "$here/data/requests.jsonl"; } >"$work/long.jsonl"
"${cli[@]}" score <"$work/long.jsonl" >"$work/out" 2>/dev/null
[ "$(head -1 "$work/out")" = '{"line":1,"error":{"code":"CR_E_RANGE","status":3,"field":null,"message":"request line longer than 1048576 bytes"}}' ] &&
  sed -n 2p "$work/out" | grep -q '^{"score":99,"risk_level":"HIGH"' || fail "long line: $(head -c 300 "$work/out")"
# A line with no end in sight (a binary file, /dev/zero) is answered once it
# passes the limit, while the input is still open, not at a newline that may
# never come; what follows its end still scores.
mkfifo "$work/fifo"
"${cli[@]}" score <"$work/fifo" >"$work/out" 2>/dev/null &
score_pid=$!
exec 3>"$work/fifo"
head -c 3000000 /dev/zero >&3
for _ in $(seq 1 200); do [ -s "$work/out" ] && break; sleep 0.05; done
[ "$(head -1 "$work/out")" = '{"line":1,"error":{"code":"CR_E_RANGE","status":3,"field":null,"message":"request line longer than 1048576 bytes"}}' ] ||
  fail "an endless line is not answered while it lasts: $(head -c 300 "$work/out")"
{ printf 'x\n'; head -1 "$here/data/requests.jsonl"; } >&3
exec 3>&-
wait "$score_pid"
sed -n 2p "$work/out" | grep -q '^{"score":99,"risk_level":"HIGH"' || fail "after an endless line: $(tail -c 300 "$work/out")"
"${cli[@]}" export "$work/m.crm" --out "$work/huge.json" || fail "export"
sed -i 's/"coef":\[[^]]*\]/"coef":[1e308,0,-1e308]/; s/"id":"[0-9a-f]*",//' "$work/huge.json"   # "id" is optional
expect_exit 1 "${cli[@]}" score --model "$work/huge.json" <"$here/data/requests.jsonl"
grep -q "coefficient of 'spam_reports': 1e+308 is beyond +-1e150.*CR_E_RANGE" "$work/err" || fail "huge model: $(cat "$work/err")"
[ ! -s "$work/out" ] || fail "a refused model answered: $(cat "$work/out")"
for bad in "--bands 70,40junk" "--bands 99999999999.5,1" "--bands 70.5,40" "--bands 70," "--class-weight 1,2junk" "--class-weight 1"; do
  # shellcheck disable=SC2086
  expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" $bad
  grep -q "callrisk: option '[a-z_]*': .*\[CR_E_TYPE, field '[a-z_]*'\]" "$work/err" || fail "$bad: $(cat "$work/err")"
done
# Options are checked by the core before any data is read: a usage error.
expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --bands 101,40
grep -q "option 'bands': need integers 1 <= medium <= high <= 100" "$work/err" || fail "bands range: $(cat "$work/err")"
[ ! -e "$work/x.crm" ] || fail "a model was written for bad bands"
expect_exit 2 "${cli[@]}" score --model
grep -q "option '--model' needs a value" "$work/err" || fail "--model without value: $(cat "$work/err")"
# Files that are not models: endless, a directory; answers nowhere to go.
expect_exit 1 "${cli[@]}" info /dev/zero
grep -q "is larger than 1 MiB: not a model or schema" "$work/err" || fail "/dev/zero: $(cat "$work/err")"
mkdir -p "$work/adir"
expect_exit 1 "${cli[@]}" info "$work/adir"
grep -q "cannot read '.*adir': it is a directory" "$work/err" || fail "directory as a model: $(cat "$work/err")"
expect_exit 1 "${cli[@]}" train --csv "$work/adir" --out "$work/never.crm"
grep -q "cannot read '.*adir': it is a directory" "$work/err" || fail "directory as training data: $(cat "$work/err")"
# An option's error names its field only when it has one.
expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --options '[1]' --out "$work/never.crm"
grep -q "options: must be a JSON object, got array \[CR_E_TYPE\]$" "$work/err" || fail "--options [1]: $(cat "$work/err")"
[ ! -e "$work/never.crm" ] || fail "a refused training wrote its model"
if [ -w /dev/full ]; then
  head -1 "$here/data/requests.jsonl" | "${cli[@]}" score >/dev/full 2>"$work/err" && fail "score > /dev/full should fail"
  grep -q "cannot write the answers: No space left on device" "$work/err" || fail "/dev/full: $(cat "$work/err")"
  # A full disk shows at the close: its reason, not a later call's errno.
  expect_exit 1 "${cli[@]}" export "$work/m.crm" --out /dev/full
  grep -q "cannot write '/dev/full': No space left on device" "$work/err" || fail "export to /dev/full: $(cat "$work/err")"
fi

# The bad-input matrix (RELIABILITY.md): non-finite, fractional, huge, extra
# fields (ignored), empty object, not an object, duplicate key; empty and
# one-class training data.
"${cli[@]}" score <"$here/data/bad_requests.jsonl" >"$work/bad.jsonl" 2>/dev/null
same "$work/bad.jsonl" "$here/expected/score_bad.jsonl"
for f in "$work/bad.jsonl" "$work/score.jsonl" "$work/full.out" "$work/full/scores.jsonl"; do valid_lines "$f"; done
# Bytes that are not UTF-8, control characters and NUL inside a line: the
# answers are still valid JSON lines.
printf '{"spam_reports":"\xff\xfe","has_consent":true}\n{"\x01":1}\0{"x":\n\xc3\n' | "${cli[@]}" score >"$work/bytes.jsonl" 2>/dev/null
[ "$(wc -l <"$work/bytes.jsonl")" = 3 ] || fail "one answer per line: $(cat "$work/bytes.jsonl")"
valid_lines "$work/bytes.jsonl"
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
expect_exit 2 "${cli[@]}" train --csv "$here/data/train.csv" --out "$work/x.crm" --C -1
grep -q "option 'C': must be a finite number > 0" "$work/err" || fail "bad C message: $(cat "$work/err")"
printf 'garbage' >"$work/garbage.crm"
expect_exit 1 "${cli[@]}" info "$work/garbage.crm"
grep -q "bad magic.*CR_E_MAGIC" "$work/err" || fail "bad model message: $(cat "$work/err")"
head -c 40 "$work/m.crm" >"$work/short.crm"
expect_exit 1 "${cli[@]}" score --model "$work/short.crm" </dev/null
grep -q "CR_E_TRUNCATED" "$work/err" || fail "truncated model message: $(cat "$work/err")"
# eval: the metrics of a model on labelled rows, as JSON with the core's key
# names; its own label and weight columns; errors with their exit codes.
expect_exit 0 "${cli[@]}" eval --csv "$here/data/train.csv" --model "$work/m.crm"
python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert list(m) == ["n", "weight_sum", "base_rate", "log_loss", "brier", "auc", "gini", "ks", "roc", "calibration", "bands"], list(m)
assert [p["fpr"] for p in m["roc"]] == [k / 20 for k in range(21)] and m["roc"][-1]["tpr"] == 1
assert m["n"] == sum(1 for _ in open(sys.argv[2])) - 1 and 0.5 <= m["auc"] <= 1 and abs(m["gini"] - (2 * m["auc"] - 1)) < 1e-15
assert len(m["calibration"]) == 10 and [b["band"] for b in m["bands"]] == ["LOW", "MEDIUM", "HIGH"]
' "$work/out" "$here/data/train.csv" || fail "eval: metrics JSON"
cp "$work/out" "$work/eval_default_names.json"
sed '1s/label/is_spam/' "$here/data/train.csv" >"$work/is_spam.csv"
expect_exit 0 "${cli[@]}" eval --csv "$work/is_spam.csv" --model "$work/m.crm" --label-column is_spam
same "$work/out" "$work/eval_default_names.json"
expect_exit 0 "${cli[@]}" eval --csv "$here/data/train.csv"   # the default model
expect_exit 1 "${cli[@]}" eval --csv "$work/is_spam.csv" --model "$work/m.crm"
grep -q "no column 'label'" "$work/err" || fail "eval: a missing label column is named"
expect_exit 2 "${cli[@]}" eval --csv "$work/is_spam.csv" --label-column "is spam"
grep -q "CR_E_RANGE, field 'label_column'" "$work/err" || fail "eval: a bad --label-column is named"
expect_exit 2 "${cli[@]}" eval --model "$work/m.crm"
expect_exit 2 "${cli[@]}" eval --csv "$here/data/train.csv" --bogus 1
expect_exit 1 "${cli[@]}" eval --csv "$work/nonexistent.csv"
expect_exit 1 "${cli[@]}" eval --csv "$here/data/stir.csv"   # another schema's columns
expect_exit 1 "${cli[@]}" eval --csv "$here/data/train.csv" --model "$work/nonexistent.crm"

# train --holdout --calibration: the evidence in the card; drift against the
# model's reference from CSV and from a store's records.
python3 -c '
import random
random.seed(4)
print("spam_reports,has_consent,call_attempts_24h,label")
for i in range(3000):
    s, c, a = random.randrange(6), random.random() < 0.5, random.randrange(9)
    p = 1 / (1 + 2.718281828 ** -(0.6 * s - (1 if c else 0) + 0.2 * a - 3))
    print("%d,%s,%d,%d" % (s, "true" if c else "false", a, random.random() < p))
' >"$work/many.csv"
expect_exit 0 "${cli[@]}" train --csv "$work/many.csv" --out "$work/h.crm" --holdout 0.25,hash,3 --calibration sigmoid --class-weight balanced
python3 -c '
import json, sys
ev = json.load(open(sys.argv[1]))["evidence"]
assert ev["holdout"]["method"] == "hash" and ev["holdout"]["seed"] == 3 and 600 < ev["holdout"]["metrics"]["n"] < 900
assert ev["train"]["n"] + ev["holdout"]["metrics"]["n"] == 3000 and ev["calibration"]["method"] == "sigmoid"
' "$work/out" || fail "train --holdout: the evidence in the card"
cp "$work/out" "$work/h_card.json"
# eval --holdout: on the rows train held out with it, the card's holdout
# metrics bit for bit (a model stores no ROC grid; eval writes one).
expect_exit 0 "${cli[@]}" eval --csv "$work/many.csv" --model "$work/h.crm" --holdout 0.25,hash,3
python3 -c '
import json, sys
held = json.load(open(sys.argv[1]))["evidence"]["holdout"]["metrics"]
ev = json.load(open(sys.argv[2]))
assert "roc" not in held and len(ev.pop("roc")) == 21
assert json.dumps(ev) == json.dumps(held), (ev, held)
' "$work/h_card.json" "$work/out" || fail "eval --holdout: the card's holdout metrics"
expect_exit 2 "${cli[@]}" eval --csv "$work/many.csv" --model "$work/h.crm" --holdout 2
grep -q "field 'holdout'" "$work/err" || fail "eval: a bad --holdout is named"
expect_exit 0 "${cli[@]}" drift --model "$work/h.crm" --csv "$work/many.csv"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["n"] == 3000 and [f["feature"] for f in d["features"]] == ["spam_reports", "no_consent", "call_attempts_24h"]
assert all(f["status"] == "stable" for f in d["features"]) and d["score"]["status"] == "stable", d
' "$work/out" || fail "drift: the training rows are stable"
mkdir -p "$work/dstore"
python3 -c '
import json
for i in range(50): print(json.dumps({"spam_reports": 5, "has_consent": False, "call_attempts_24h": i % 9}))
' | "${cli[@]}" score --model "$work/h.crm" --store "$work/dstore" >/dev/null || fail "score --store for drift"
expect_exit 0 "${cli[@]}" drift --model "$work/h.crm" --store "$work/dstore"
grep -q '"feature":"spam_reports","psi":[0-9.e+-]*,"status":"alert"' "$work/out" || fail "drift --store: moved reports are an alert"
expect_exit 1 "${cli[@]}" drift --model "$work/m.crm" --store "$work/nonexistent-store"
expect_exit 2 "${cli[@]}" drift --model "$work/h.crm"
expect_exit 2 "${cli[@]}" drift --csv "$work/many.csv"
expect_exit 2 "${cli[@]}" drift --model "$work/h.crm" --csv "$work/many.csv" --store "$work/dstore"
expect_exit 1 "${cli[@]}" drift --model "$work/h.crm" --csv "$work/nonexistent.csv"
expect_exit 1 "${cli[@]}" drift --model "$work/nonexistent.crm" --csv "$work/many.csv"
printf '{"inputs":{"spam_reports":1},"score":3}\n' >"$work/badstore/scores.jsonl" 2>/dev/null ||
  { mkdir -p "$work/badstore" && printf '{"inputs":{"spam_reports":1},"score":3}\n' >"$work/badstore/scores.jsonl"; }
expect_exit 1 "${cli[@]}" drift --model "$work/h.crm" --store "$work/badstore"
grep -q "store line 1" "$work/err" || fail "drift: a bad record names its line"
expect_exit 1 "${cli[@]}" drift --model "$here/../fuzz/corpus/model_json/trained.json" --store "$work/dstore"
grep -q "carries no reference" "$work/err" || fail "drift: a format 1 model has no reference"
expect_exit 2 "${cli[@]}" drift --model "$work/m.crm" --csv "$work/many.csv" --bogus
expect_exit 2 "${cli[@]}" train --csv "$work/many.csv" --out "$work/x.crm" --calibration sigmoid
grep -q "set 'holdout' too" "$work/err" || fail "train: calibration needs a holdout"
expect_exit 2 "${cli[@]}" train --csv "$work/many.csv" --out "$work/x.crm" --holdout 1.5

# Flags: each single-valued flag once (--sign once per feature, and not an
# option --options sets), unknown flags named as such, a value given to a
# flag that takes none named; all usage errors (exit 2).
usage() { # MESSAGE CMD...
  local msg=$1; shift
  expect_exit 2 "$@"
  grep -qF "callrisk: $msg" "$work/err" || fail "'$*': want '$msg', got: $(head -1 "$work/err")"
}
tr=(train --csv "$here/data/train.csv" --out "$work/x.crm")
usage "--model given twice" "${cli[@]}" score --model "$work/m.crm" --model "$work/m.crm"
usage "--store given twice" "${cli[@]}" score --store "$work/s1" --store "$work/s2"
usage "--model given twice" "${cli[@]}" verify --store "$work/store" --model "$work/m.crm" --model "$work/m.crm"
usage "unknown option '--model=x'" "${cli[@]}" score --model=x
usage "unexpected argument 'stray'" "${cli[@]}" score stray
usage "--C given twice" "${cli[@]}" "${tr[@]}" --C 1 --C 2
usage "--csv given twice" "${cli[@]}" "${tr[@]}" --csv "$here/data/train.csv"
usage "--out given twice" "${cli[@]}" "${tr[@]}" --out "$work/y.crm"
usage "--schema given twice" "${cli[@]}" "${tr[@]}" --schema a --schema b
usage "--options given twice" "${cli[@]}" "${tr[@]}" --options '{}' --options '{}'
usage "--C and --options both set option 'C'" "${cli[@]}" "${tr[@]}" --options '{"C":1}' --C 2
usage "--C and --options both set option 'C'" "${cli[@]}" "${tr[@]}" --options ' { "\u0043" : 1 }' --C 2
usage "--sign and --options both set option 'signs'" "${cli[@]}" "${tr[@]}" --options '{"signs":{}}' --sign spam_reports=nonneg
usage "--calibration given twice" "${cli[@]}" "${tr[@]}" --calibration sigmoid --calibration none
usage "--sign given twice for feature 'spam_reports'" "${cli[@]}" "${tr[@]}" --sign spam_reports=nonneg --sign spam_reports=nonpos
usage "--no-intercept and --fit-intercept both set option 'fit_intercept'" "${cli[@]}" "${tr[@]}" --no-intercept --fit-intercept true
usage "--no-intercept given twice" "${cli[@]}" "${tr[@]}" --no-intercept --no-intercept
usage "unknown option '--unknown'" "${cli[@]}" "${tr[@]}" --unknown
usage "unknown option '--unknown'" "${cli[@]}" "${tr[@]}" --unknown 1
usage "option '--no-intercept' takes no value" "${cli[@]}" "${tr[@]}" --no-intercept=1
usage "unknown option '--C=1'" "${cli[@]}" "${tr[@]}" --C=1
usage "option '--C' needs a value" "${cli[@]}" "${tr[@]}" --C
usage "option '--csv' needs a value" "${cli[@]}" train --out "$work/x.crm" --csv
usage "unexpected argument 'stray'" "${cli[@]}" "${tr[@]}" stray
[ ! -e "$work/x.crm" ] || fail "a model was written for a usage error"
# Different features' signs, and --options with other options: fine.
expect_exit 0 "${cli[@]}" "${tr[@]}" --sign spam_reports=nonneg --sign no_consent=nonpos --options '{"C":0.5}' --tol 1e-9
grep -q '"C":0.5' "$work/out" && grep -q '"tol":1e-09\|"tol":1e-9' "$work/out" || fail "--options and --tol: $(cat "$work/out")"
usage "--out given twice" "${cli[@]}" export "$work/m.crm" --out "$work/a.json" --out "$work/b.json"
usage "unexpected argument 'extra'" "${cli[@]}" export "$work/m.crm" extra --out "$work/a.json"
usage "unknown option '--frob'" "${cli[@]}" export "$work/m.crm" --frob
usage "export needs MODEL --out FILE" "${cli[@]}" export --out "$work/a.json"
usage "option '--out' needs a value" "${cli[@]}" export "$work/m.crm" --out
usage "unknown option '--frob'" "${cli[@]}" info --frob
usage "--csv given twice" "${cli[@]}" eval --csv "$work/many.csv" --csv "$work/many.csv"
usage "--holdout given twice" "${cli[@]}" eval --csv "$work/many.csv" --holdout 0.2 --holdout 0.3
usage "unknown option '--frob'" "${cli[@]}" eval --csv "$work/many.csv" --frob
usage "option '--model' needs a value" "${cli[@]}" eval --csv "$work/many.csv" --model
usage "--model given twice" "${cli[@]}" drift --model "$work/h.crm" --model "$work/h.crm" --csv "$work/many.csv"
usage "unknown option '--bogus'" "${cli[@]}" drift --model "$work/h.crm" --csv "$work/many.csv" --bogus
# The core's message says "drift:" itself: said once.
head -1 "$here/data/train.csv" >"$work/header.csv"
expect_exit 1 "${cli[@]}" drift --model "$work/h.crm" --csv "$work/header.csv"
grep -qx "callrisk: drift: no rows (with weight) to compare \[CR_E_DATA\]" "$work/err" || fail "drift, no rows: $(cat "$work/err")"

expect_exit 2 "${cli[@]}" frobnicate
expect_exit 2 "${cli[@]}"
expect_exit 0 "${cli[@]}" --help

[ $fails = 0 ] && echo "test_cli: ok" || { echo "test_cli: $fails failure(s)" >&2; exit 1; }
