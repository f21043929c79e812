"""Issue 13 on the Python host: a model trained with a holdout and Platt
scaling carries its evidence in its card; Scorer.evaluate() and
Scorer.drift() give the native CLI's numbers bit for bit (the same model
file, the same data: CSV, rows, requests, a store of score_caller's
records); their errors are the core's."""
import json
import math
import os
import struct
import subprocess

import pytest

from callrisk import CallriskError, CallriskTypeError, CallriskValueError, MemoryStore, Scorer, train

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CLI = os.environ.get("CALLRISK_CLI") or os.path.join(ROOT, "build", "native", "callrisk")
AT = 1764072000000
OPTIONS = {"holdout": {"fraction": 0.2, "method": "hash", "seed": 11}, "calibration": "sigmoid", "class_weight": "balanced"}


def rows_of(n, seed, shift=0):
    """Deterministic seed-schema rows with weights (an LCG), as tests/js/quality.test.mjs makes them."""
    s = seed

    def nxt():
        nonlocal s
        s = (s * 1664525 + 1013904223) % 2 ** 32
        return s / 2 ** 32

    out = []
    for _ in range(n):
        r = {"spam_reports": math.floor(nxt() * 6) + shift, "has_consent": nxt() < 0.5, "call_attempts_24h": math.floor(nxt() * 9)}
        z = 0.6 * r["spam_reports"] - (1 if r["has_consent"] else 0) + 0.2 * r["call_attempts_24h"] - 3
        r["label"] = 1 if nxt() < 1 / (1 + math.exp(-z)) else 0
        r["weight"] = 1 + math.floor(nxt() * 3) / 2
        out.append(r)
    return out


def csv_of(rows):
    return "spam_reports,has_consent,call_attempts_24h,label,weight\n" + "".join(
        "%d,%s,%d,%d,%r\n" % (r["spam_reports"], str(r["has_consent"]).lower(), r["call_attempts_24h"], r["label"], r["weight"]) for r in rows)


ROWS = rows_of(5000, 1)
CSV = csv_of(ROWS)
MOVED = rows_of(3000, 2, 1)


def bits(v):
    """A parsed JSON value with every float as its 8 bytes: == is bit equality."""
    if isinstance(v, float):
        return struct.pack("<d", v)
    if isinstance(v, list):
        return [bits(x) for x in v]
    if isinstance(v, dict):
        return {k: bits(x) for k, x in v.items()}
    return v


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("quality")
    (d / "rows.csv").write_text(CSV)
    (d / "moved.csv").write_text(csv_of(MOVED))
    return d


def cli(work, *args):
    if not os.path.exists(CLI):
        pytest.skip("native CLI not built (build/native/callrisk, or $CALLRISK_CLI)")
    r = subprocess.run([CLI] + list(args), cwd=work, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def model(work):
    """A model with a holdout (order), and its file for the CLI."""
    m = train({"csv": CSV}, holdout={"fraction": 0.25})
    (work / "model.json").write_text(m.to_json())
    return m


def test_holdout_and_calibration_the_evidence_in_the_card():
    m = train(ROWS, **OPTIONS)
    ev = m.card()["evidence"]
    assert ev["holdout"]["method"] == "hash" and ev["holdout"]["seed"] == 11 and ev["holdout"]["fraction"] == 0.2
    assert ev["train"]["n"] + ev["holdout"]["metrics"]["n"] == len(ROWS)
    assert ev["calibration"]["method"] == "sigmoid" and set(ev["calibration"]) == {"method", "a", "b"}
    assert [f["feature"] for f in ev["reference"]["features"]] == m.features
    # Rows and CSV train one model; bytes and JSON keep the evidence.
    assert train({"csv": CSV}, **OPTIONS).model_id == m.model_id
    assert Scorer(model=m.to_bytes()).card() == Scorer(model=m.to_json()).card() == m.card()
    # Without a holdout or calibration, the evidence says so.
    plain = train(ROWS).card()["evidence"]
    assert plain["holdout"] is None and plain["calibration"] is None and plain["train"]["n"] == len(ROWS)
    assert "evidence" not in Scorer().card()  # the default model: format 1, no evidence


def without_roc(metrics):
    """evaluate()'s metrics as a model stores them: without the ROC grid."""
    assert [p["fpr"] for p in metrics["roc"]] == [k / 20 for k in range(21)]
    return {k: v for k, v in metrics.items() if k != "roc"}


def test_the_stored_metrics_are_evaluate_on_those_rows():
    # An order holdout is the last rows: the evidence is reproducible from outside.
    for calibration in ("none", "sigmoid"):
        m = train(ROWS, holdout={"fraction": 0.2, "method": "order"}, calibration=calibration)
        ev = m.card()["evidence"]
        n = ev["holdout"]["metrics"]["n"]
        assert n == len(ROWS) // 5
        assert "roc" not in ev["holdout"]["metrics"] and "roc" not in ev["train"]
        assert bits(without_roc(m.evaluate(ROWS[-n:]))) == bits(ev["holdout"]["metrics"])
        assert bits(without_roc(m.evaluate(ROWS[:-n]))) == bits(ev["train"])


def test_evaluate_on_the_holdout_training_would_keep():
    # holdout=...: the rows train() holds out with those options, whatever
    # the method; the candidate's card holds these metrics bit for bit.
    champion = train(MOVED)
    for options in (OPTIONS, {"holdout": {"fraction": 0.3}}, {"holdout": {"fraction": 0.25, "method": "hash", "seed": 7}}):
        candidate = train({"csv": CSV}, **options)
        held = candidate.card()["evidence"]["holdout"]["metrics"]
        assert bits(without_roc(candidate.evaluate(ROWS, **options))) == bits(held)
        assert bits(candidate.evaluate({"csv": CSV}, **options)) == bits(candidate.evaluate(ROWS, **options))
        ev = champion.evaluate(ROWS, **options)
        assert ev["n"] == held["n"] and ev["weight_sum"] == held["weight_sum"] and ev["base_rate"] == held["base_rate"]
    # An order holdout is the last rows: the champion on them.
    n = math.ceil(0.3 * len(ROWS))
    assert bits(champion.evaluate(ROWS, holdout={"fraction": 0.3})) == bits(champion.evaluate(ROWS[-n:]))
    with pytest.raises(CallriskError) as e:
        champion.evaluate(ROWS[:2], holdout={"fraction": 0.9})
    assert e.value.code == "CR_E_DATA" and e.value.field == "holdout"
    with pytest.raises(CallriskError) as e:
        champion.evaluate(ROWS, holdout={"fraction": 1.5})
    assert e.value.code == "CR_E_RANGE" and e.value.field == "holdout"


def test_train_with_holdout_and_calibration_is_the_native_clis_model(work):
    cli(work, "train", "--csv", "rows.csv", "--out", "calibrated.json", "--options", json.dumps(OPTIONS))
    m = train(ROWS, **OPTIONS)
    assert Scorer(model=(work / "calibrated.json").read_text()).model_id == m.model_id
    assert m.card()["evidence"]["calibration"]["a"] != 1  # fitted, not the identity


def test_evaluate_is_the_native_clis_bit_for_bit(work, model):
    native = json.loads(cli(work, "eval", "--csv", "rows.csv", "--model", "model.json"))
    assert list(native) == ["n", "weight_sum", "base_rate", "log_loss", "brier", "auc", "gini", "ks", "roc", "calibration", "bands"]
    assert bits(model.evaluate({"csv": CSV})) == bits(native)
    assert bits(model.evaluate({"csv": CSV.encode()})) == bits(native)
    assert bits(model.evaluate(ROWS)) == bits(native) == bits(model.evaluate(iter(ROWS)))
    assert native["n"] == len(ROWS) and 0.7 < native["auc"] < 0.9
    # Columns by other names, as train() takes them.
    renamed = [{("is_spam" if k == "label" else "w" if k == "weight" else k): v for k, v in r.items()} for r in ROWS]
    assert bits(model.evaluate(renamed, label_column="is_spam", weight_column="w")) == bits(native)
    # The default model too (the CLI's without --model).
    assert bits(Scorer().evaluate(ROWS)) == bits(json.loads(cli(work, "eval", "--csv", "rows.csv")))


def test_evaluate_reads_null_as_none(model):
    one_class = [r for r in ROWS if r["label"] == 0][:50]
    ev = model.evaluate(one_class)
    assert ev["auc"] is None and ev["gini"] is None and ev["ks"] is None and ev["base_rate"] == 0
    assert [p["tpr"] for p in ev["roc"]] == [None] * 21 and ev["roc"][20]["fpr"] == 1
    assert any(b["observed_rate"] is None and b["weight"] == 0 for b in ev["calibration"])


def test_drift_is_the_native_clis_bit_for_bit(work, model):
    native = json.loads(cli(work, "drift", "--model", "model.json", "--csv", "moved.csv"))
    via_csv = model.drift({"csv": csv_of(MOVED)})
    assert bits(via_csv) == bits(native)
    assert via_csv["features"][0]["status"] == "alert" and model.drift({"csv": CSV})["score"]["status"] == "stable"
    # Requests weigh 1 each: the CSV's drift with unit weights.
    unit = [dict(r, weight=1) for r in MOVED]
    requests = [{k: v for k, v in r.items() if k not in ("label", "weight")} for r in MOVED]
    assert bits(model.drift(requests)) == bits(model.drift({"csv": csv_of(unit)}))
    assert bits(model.drift(iter(requests))) == bits(model.drift(MOVED))  # other keys are ignored


class FileStore(MemoryStore):
    """A store that appends each record's text to DIR/scores.jsonl, as the CLI's --store reads it."""

    def __init__(self, path):
        super().__init__()
        self.path = path

    def save_score(self, record, text):
        super().save_score(record, text)
        with open(self.path, "a") as f:
            f.write(text + "\n")


def test_drift_of_stored_records_is_the_native_clis(work, model):
    store_dir = work / "store"
    store_dir.mkdir()
    store = FileStore(store_dir / "scores.jsonl")
    s = Scorer(model=model.to_bytes(), store=store)
    for i, r in enumerate(MOVED[:200]):
        for k in range(r["call_attempts_24h"]):
            store.record_attempt("+1555%d" % i, AT + i - 1000 * (k + 1))
        s.score_caller("+1555%d" % i, r["spam_reports"], r["has_consent"], at_ms=AT + i)
    drift = model.drift({"records": store.texts})
    assert drift["n"] == 200
    assert bits(drift) == bits(json.loads(cli(work, "drift", "--model", "model.json", "--store", str(store_dir))))
    assert bits(model.drift({"records": [t.encode() for t in store.texts]})) == bits(drift)
    # The records' inputs are the requests that were scored.
    assert bits(model.drift([json.loads(t)["inputs"] for t in store.texts])["features"]) == bits(drift["features"])


def test_many_requests_cross_batches(model):
    requests = [{k: r[k] for k in ("spam_reports", "has_consent", "call_attempts_24h")} for r in MOVED]
    bad = list(requests)
    bad[2500] = dict(bad[2500], has_consent=None)
    with pytest.raises(CallriskTypeError) as info:
        model.drift(bad)
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_TYPE", "has_consent", 2501)
    bad[1500] = dict(bad[1500], spam_reports=-3)  # the core's, in an earlier batch: reported first
    with pytest.raises(CallriskValueError) as info:
        model.drift(bad)
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_RANGE", "spam_reports", 1501)
    assert str(info.value).startswith("row 1501: ")


def test_the_cores_errors(model):
    def core(call, code, field=None, line=None):
        with pytest.raises(CallriskError) as info:
            call()
        e = info.value
        assert (e.code, e.field, e.line) == (code, field, line), str(e)
        return e

    core(lambda: Scorer().drift(ROWS), "CR_E_MISSING")  # the default model has no reference
    core(lambda: Scorer().drift({"records": []}), "CR_E_MISSING")
    core(lambda: model.evaluate([]), "CR_E_DATA")
    core(lambda: model.drift([]), "CR_E_DATA")
    core(lambda: model.drift({"records": []}), "CR_E_DATA")
    e = core(lambda: model.evaluate([dict(ROWS[0], label=2)]), "CR_E_RANGE", "label", 1)
    assert isinstance(e, CallriskValueError)
    core(lambda: model.evaluate(ROWS[:3] + [dict(ROWS[3], label=1.5)]), "CR_E_TYPE", "label", 4)
    core(lambda: model.evaluate(ROWS, labelColumn="x"), "CR_E_ARG", "labelColumn")
    core(lambda: model.evaluate(ROWS, label_column="spam_reports"), "CR_E_RANGE", "label_column")
    core(lambda: model.evaluate({"csv": "spam_reports\n1\n"}), "CR_E_MISSING", "has_consent", 1)  # the header
    core(lambda: model.drift([{"spam_reports": "x", "has_consent": True, "call_attempts_24h": 1}]), "CR_E_TYPE", "spam_reports", 1)
    core(lambda: model.drift([{"spam_reports": 1, "has_consent": True}]), "CR_E_MISSING", "call_attempts_24h", 1)
    e = core(lambda: model.drift({"records": ['{"score":1}']}), "CR_E_MISSING", "inputs", 1)
    assert str(e).startswith("record 1: ")
    s = Scorer(model=model.to_bytes())
    s.score_caller("+1555", 1, True, at_ms=AT)
    stored = json.loads(s.store.texts[0])
    text = json.dumps({"inputs": stored["inputs"], "score": stored["score"]})  # what drift reads of a record
    assert model.drift({"records": [text]})["n"] == 1
    core(lambda: model.drift({"records": [text, "{"]}), "CR_E_JSON", None, 2)
    core(lambda: model.drift({"records": [text, 5]}), "CR_E_TYPE", None, 2)


@pytest.mark.parametrize("call", [
    lambda m: m.evaluate("rows"),
    lambda m: m.evaluate(42),
    lambda m: m.evaluate({"csv": 5}),
    lambda m: m.drift(42),
    lambda m: m.drift({"records": "text"}),
    lambda m: m.drift({"records": 5}),
    lambda m: m.drift({"records": [], "csv": ""}),
])
def test_the_api_misused_is_a_type_error(model, call):
    with pytest.raises(CallriskTypeError) as info:
        call(model)
    assert info.value.code in ("CR_E_ARG", "CR_E_TYPE")
