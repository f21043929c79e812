"""train(): rows or CSV, options by the core's names as one JSON value, any
schema; the model is the native CLI's, bit for bit; errors name the row."""
import hashlib
import json
import os
import subprocess

import pytest

from callrisk import CallriskError, CallriskTypeError, CallriskValueError, Scorer, train

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CSV = ("spam_reports,has_consent,call_attempts_24h,label\n"
       "0,true,1,0\n1,false,2,0\n2,false,3,1\n3,false,5,1\n0,true,0,0\n6,false,9,1\n1,true,1,0\n4,false,4,1\n")


def rows_of(csv):
    head, *lines = csv.strip().split("\n")
    names = head.split(",")
    out = []
    for line in lines:
        r = dict(zip(names, line.split(",")))
        out.append({"spam_reports": int(r["spam_reports"]), "has_consent": r["has_consent"] == "true",
                    "call_attempts_24h": int(r["call_attempts_24h"]), "label": int(r["label"])})
    return out


ROWS = rows_of(CSV)


def test_rows_csv_and_bytes_train_the_same_model():
    a = train(ROWS)
    assert a.model_id == train({"csv": CSV}).model_id == train({"csv": CSV.encode()}).model_id
    assert a.model_id == train(iter(ROWS)).model_id == train(tuple(ROWS)).model_id
    assert a.model_id == hashlib.sha256(a.to_bytes()).hexdigest()
    assert Scorer(model=a.to_bytes()).model_id == Scorer(model=a.to_json()).model_id == a.model_id
    assert a.stats["converged"] == 1 and a.stats["iterations"] > 0
    assert a.bands == {"high": 70, "medium": 40}


def test_the_model_is_the_native_clis():
    cli = os.environ.get("CALLRISK_CLI") or os.path.join(ROOT, "build", "native", "callrisk")
    if not os.path.exists(cli):
        pytest.skip("native CLI not built")
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "t.csv"), "w") as f:
            f.write(CSV)
        subprocess.run([cli, "train", "--csv", "t.csv", "--out", "m.crm", "--options",
                        json.dumps({"C": 0.5, "bands": {"high": 80, "medium": 30}, "signs": {"no_consent": "nonneg"}})],
                       cwd=d, check=True, capture_output=True)
        with open(os.path.join(d, "m.crm"), "rb") as f:
            native = f.read()
    s = train(ROWS, C=0.5, bands={"high": 80, "medium": 30}, signs={"no_consent": "nonneg"})
    assert s.to_bytes() == native


def test_options_go_as_json_values():
    # Python forms JSON carries: tuples as arrays, int keys as JSON's own dumps writes them.
    assert train(ROWS, class_weight=(1, 2)).model_id == train(ROWS, class_weight=[1, 2]).model_id \
        == train(ROWS, class_weight={0: 1, 1: 2}).model_id == train(ROWS, class_weight={"0": 1.0, "1": 2.0}).model_id
    assert train(ROWS, class_weight="balanced").model_id != train(ROWS).model_id
    assert train(ROWS, bands={"high": 90}).bands == {"high": 90, "medium": 40}


@pytest.mark.parametrize("options, cls, code, field", [
    ({"C": float("nan")}, CallriskValueError, "CR_E_NONFINITE", "C"),  # JSON has no NaN: judged here
    ({"class_weight": [1, float("nan")]}, CallriskValueError, "CR_E_NONFINITE", "class_weight"),
    ({"C": float("inf")}, CallriskValueError, "CR_E_RANGE", "C"),  # infinity reaches the core as 1e309
    ({"tol": float("-inf")}, CallriskValueError, "CR_E_RANGE", "tol"),
    ({"max_iter": 10 ** 400}, CallriskValueError, "CR_E_RANGE", "max_iter"),
    ({"max_iter": 10 ** 5000}, CallriskValueError, "CR_E_RANGE", "max_iter"),
    ({"max_iter": True}, CallriskTypeError, "CR_E_TYPE", "max_iter"),
    ({"signs": {"spam_reports"}}, CallriskTypeError, "CR_E_TYPE", "signs"),  # a set
    ({"bands": {("high",): 80}}, CallriskTypeError, "CR_E_TYPE", "bands"),
    ({"C": b"1"}, CallriskTypeError, "CR_E_TYPE", "C"),
    ({"C": None}, CallriskTypeError, "CR_E_TYPE", "C"),  # None is null, not "the default"
    ({"label_column": 1}, CallriskTypeError, "CR_E_TYPE", "label_column"),
    ({"label_column": "spam_reports"}, CallriskValueError, "CR_E_RANGE", "label_column"),  # a field's name
    ({"labelColumn": "y"}, CallriskTypeError, "CR_E_ARG", "labelColumn"),  # the core's names only
])
def test_bad_options_name_the_option(options, cls, code, field):
    with pytest.raises(cls) as info:
        train(ROWS, **options)
    assert (info.value.code, info.value.field) == (code, field), str(info.value)


def test_label_and_weight_columns_by_the_files_own_names():
    """label_column/weight_column reach Python with no code of its own: rows
    and CSV under other names train the model that default names train."""
    weighted = [dict(r, weight=1 + i % 3) for i, r in enumerate(ROWS)]
    want = train(weighted).model_id
    renamed = [{("is_spam" if k == "label" else "w" if k == "weight" else k): v for k, v in r.items()} for r in weighted]
    assert train(renamed, label_column="is_spam", weight_column="w").model_id == want
    header = "w,call_attempts_24h,is_spam,has_consent,spam_reports"
    csv = "\n".join([header] + ["%d,%d,%d,%s,%d" % (r["w"], r["call_attempts_24h"], r["is_spam"], str(r["has_consent"]).lower(),
                                                   r["spam_reports"]) for r in renamed]) + "\n"
    assert train({"csv": csv}, label_column="is_spam", weight_column="w").model_id == want
    with pytest.raises(CallriskTypeError) as info:
        train(renamed)  # the default names: no column 'label'
    assert (info.value.code, info.value.field) == ("CR_E_MISSING", "label")
    # A bad value in a renamed column is named as the rows name it.
    with pytest.raises(CallriskValueError) as info:
        train(renamed[:2] + [dict(renamed[2], is_spam=2)] + renamed[3:], label_column="is_spam", weight_column="w")
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_RANGE", "is_spam", 3)
    with pytest.raises(CallriskValueError) as info:
        train(renamed[:4] + [dict(renamed[4], w=-2)] + renamed[5:], label_column="is_spam", weight_column="w")
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_RANGE", "w", 5)


def test_an_option_that_contains_itself():
    cyclic = []
    cyclic.append(cyclic)
    with pytest.raises(CallriskTypeError) as info:
        train(ROWS, class_weight=cyclic)
    assert (info.value.code, info.value.field) == ("CR_E_TYPE", "class_weight")


@pytest.mark.parametrize("rows, line, code, field, cls", [
    ([{"spam_reports": 0, "has_consent": True, "label": 0}], 1, "CR_E_MISSING", "call_attempts_24h", CallriskTypeError),
    ([{"spam_reports": 0, "has_consent": True, "call_attempts_24h": 1}], 1, "CR_E_MISSING", "label", CallriskTypeError),
    (ROWS[:2] + [{"spam_reports": "1", "has_consent": True, "call_attempts_24h": 1, "label": 0}], 3, "CR_E_TYPE", "spam_reports", CallriskTypeError),
    (ROWS[:2] + [{"spam_reports": -1, "has_consent": True, "call_attempts_24h": 1, "label": 0}], 3, "CR_E_RANGE", "spam_reports", CallriskValueError),
    (ROWS[:2] + [{"spam_reports": 1, "has_consent": 1, "call_attempts_24h": 1, "label": 0}], 3, "CR_E_TYPE", "has_consent", CallriskTypeError),
    (ROWS + [{"spam_reports": 1, "has_consent": True, "call_attempts_24h": 1, "label": 2}], 9, "CR_E_RANGE", "label", CallriskValueError),
    (ROWS + [{"spam_reports": 1, "has_consent": True, "call_attempts_24h": 1, "label": 300}], 9, "CR_E_RANGE", "label", CallriskValueError),
    (ROWS + [{"spam_reports": 1, "has_consent": True, "call_attempts_24h": 1, "label": "1"}], 9, "CR_E_TYPE", "label", CallriskTypeError),
    (ROWS + [{"spam_reports": 1, "has_consent": True, "call_attempts_24h": 1, "label": 0.5}], 9, "CR_E_TYPE", "label", CallriskTypeError),
    (ROWS + [[1, True, 1, 0]], 9, "CR_E_TYPE", None, CallriskTypeError),
    # The core reports the first bad row: a value it judges in row 1 comes
    # before one Python judges in row 2, and within a row, the first field.
    ([{"spam_reports": 1.5, "has_consent": True, "call_attempts_24h": 1, "label": 0},
      {"spam_reports": "x", "has_consent": True, "call_attempts_24h": 1, "label": 0}], 1, "CR_E_TYPE", "spam_reports", CallriskTypeError),
    ([{"spam_reports": -1, "has_consent": "x", "call_attempts_24h": 1, "label": 0}], 1, "CR_E_RANGE", "spam_reports", CallriskValueError),
    ([], 0, "CR_E_DATA", None, CallriskError),
])
def test_bad_rows_name_the_row_and_column(rows, line, code, field, cls):
    with pytest.raises(cls) as info:
        train(rows)
    e = info.value
    assert (e.code, e.field, e.line or 0) == (code, field, line), str(e)
    if line:
        assert str(e).startswith("row %d: " % line)


def test_weights_are_for_every_row_or_none():
    weighted = [dict(r, weight=1.0) for r in ROWS]
    assert train(weighted).model_id == train(ROWS).model_id != train([dict(r, weight=2.0 if r["label"] else 1.0) for r in ROWS]).model_id
    with pytest.raises(CallriskTypeError) as info:
        train(weighted[:3] + ROWS[3:])
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_MISSING", "weight", 4)
    with pytest.raises(CallriskTypeError) as info:
        train(ROWS[:3] + weighted[3:])
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_ARG", "weight", 4)
    with pytest.raises(CallriskValueError) as info:
        train(weighted[:5] + [dict(ROWS[5], weight=-1)])
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_RANGE", "weight", 6)


def test_many_rows_cross_batches():
    rows = ROWS * 500  # 4000 rows: several cr_dataset_add_rows() calls
    assert train(rows).model_id == train({"csv": CSV + CSV.split("\n", 1)[1] * 499}).model_id
    bad = list(rows)
    bad[2500] = dict(bad[2500], has_consent=None)
    with pytest.raises(CallriskTypeError) as info:
        train(bad)
    assert (info.value.field, info.value.line) == ("has_consent", 2501)
    bad[1500] = dict(bad[1500], spam_reports=-3)
    with pytest.raises(CallriskValueError) as info:
        train(bad)
    assert (info.value.field, info.value.line) == ("spam_reports", 1501)


def test_columns_train_the_model_of_the_same_rows():
    """Columns (lists, array('d'), NumPy, pyarrow): the rows' model, weights included; errors name the row."""
    from array import array
    rows = ROWS * 300
    cols = {name: [r[name] for r in rows] for name in ("spam_reports", "has_consent", "call_attempts_24h", "label")}
    want = train(rows)
    assert train(cols).model_id == want.model_id
    packed = dict(cols, spam_reports=array("d", cols["spam_reports"]), call_attempts_24h=array("d", cols["call_attempts_24h"]))
    assert train(packed).model_id == want.model_id
    weights = [1.0 + (i % 3) for i in range(len(rows))]
    assert train(dict(cols, weight=weights)).model_id == train([dict(r, weight=w) for r, w in zip(rows, weights)]).model_id
    assert want.evaluate(cols) == want.evaluate(rows)
    np = pytest.importorskip("numpy")
    assert train({k: np.asarray(v) for k, v in cols.items()}).model_id == want.model_id
    bad = dict(cols, spam_reports=cols["spam_reports"][:1500] + [-3] + cols["spam_reports"][1501:])
    with pytest.raises(CallriskValueError) as info:
        train(bad)
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_RANGE", "spam_reports", 1501)
    with pytest.raises(CallriskError) as info:
        train(dict(cols, label=cols["label"][:-1]))
    assert (info.value.code, info.value.field) == ("CR_E_ARG", "label")
    with pytest.raises(CallriskError) as info:
        train({k: v for k, v in cols.items() if k != "label"})
    assert (info.value.code, info.value.field) == ("CR_E_MISSING", "label")
    with pytest.raises(CallriskTypeError) as info:  # any other mapping is columns: the first field is missing
        train({"rows": []})
    assert (info.value.code, info.value.field) == ("CR_E_MISSING", "spam_reports")


def test_numpy_masked_columns_are_missing_values_where_masked():
    """A masked element of a field's, the label's or the weight's column is a
    missing value: CR_E_TYPE naming the column and row, as an Arrow null,
    never trained on with the value under the mask; nothing masked: the data."""
    np = pytest.importorskip("numpy")
    rows = ROWS * 3
    cols = {name: [r[name] for r in rows] for name in ("spam_reports", "has_consent", "call_attempts_24h", "label")}
    cols["weight"] = [1.0 + (i % 3) for i in range(len(rows))]
    want = train(cols).model_id
    assert train({k: np.ma.masked_array(v) for k, v in cols.items()}).model_id == want
    assert train({k: np.ma.masked_array(v, mask=[False] * len(v)) for k, v in cols.items()}).model_id == want
    for name, want_type in (("spam_reports", "a number"), ("has_consent", "a bool or 0/1"), ("call_attempts_24h", "a number"),
                            ("label", "0 or 1"), ("weight", "a number")):
        mask = [False] * len(rows)
        mask[9] = mask[20] = True
        with pytest.raises(CallriskTypeError) as info:
            train(dict(cols, **{name: np.ma.masked_array(cols[name], mask=mask)}))
        assert str(info.value) == "row 10: %s: must be %s, got numpy.ma.masked (a missing value)" % (name, want_type)
        assert (info.value.code, info.value.field, info.value.line) == ("CR_E_TYPE", name, 10)
        # Rows with numpy.ma.masked for the value (what a masked array's element is).
        with pytest.raises(CallriskTypeError, match=r"^row 10: %s: must be .*, got numpy.ma.masked \(a missing value\)$" % name) as info:
            train([dict({k: v[i] for k, v in cols.items()}, **({name: np.ma.masked} if mask[i] else {})) for i in range(len(rows))])
        assert (info.value.code, info.value.field, info.value.line) == ("CR_E_TYPE", name, 10)

@pytest.mark.parametrize("column", ["spam_reports", "has_consent", "label", "weight"])
def test_an_unordered_column_is_refused(column):
    """A set (any collections.abc.Set) has no row order: train(), evaluate()
    and a shard's data set refuse it as a column, naming the column, where
    they trained on its values in hash order."""
    from callrisk._shards import Shards
    cols = {name: [r[name] for r in ROWS] for name in ("spam_reports", "has_consent", "call_attempts_24h", "label")}
    cols["weight"] = [1.0 + i for i in range(len(ROWS))]
    bad = dict(cols, **{column: set(cols[column])})
    want = "%s: must be a column of %s, got set (unordered: a column's values must be in row order)" % (
        column, "0/1 labels" if column == "label" else "bools or numbers (0/1)" if column == "has_consent" else "numbers")
    model = train(cols)
    for call in (lambda: train(bad), lambda: model.evaluate(bad), lambda: Shards().dataset(bad)):
        with pytest.raises(CallriskTypeError) as info:
            call()
        assert (info.value.code, info.value.field, info.value.line, str(info.value)) == ("CR_E_TYPE", column, None, want)
    ordered = dict(cols, **{column: iter(cols[column])})  # an iterator has an order: a column
    assert train(ordered).model_id == model.model_id


def test_csv_errors_carry_line_and_column():
    with pytest.raises(CallriskError) as info:
        train({"csv": CSV + "1,maybe,1,0\n"})
    assert (info.value.code, info.value.field, info.value.line, info.value.column) == ("CR_E_TYPE", "has_consent", 10, 2)
    with pytest.raises(CallriskValueError) as info:
        train({"csv": CSV + "1,true,1,0,\ud800\n"})
    assert info.value.code == "CR_E_CSV"


@pytest.mark.parametrize("data", ["a,b\n1,2\n", b"a,b", 5, None, {"csv": 5}])
def test_data_that_is_neither_rows_nor_csv(data):
    with pytest.raises(CallriskTypeError) as info:
        train(data)
    assert info.value.code in ("CR_E_ARG", "CR_E_TYPE")


SCHEMA = {
    "fields": [{"name": "score_ratio", "type": "real"}, {"name": "verified", "type": "bool"},
               {"name": "call_attempts_24h", "type": "count"}],
    "features": [{"name": "score_ratio", "field": "score_ratio"}, {"name": "unverified", "field": "verified", "invert": True},
                 {"name": "call_attempts_24h", "field": "call_attempts_24h"}],
}


def test_any_schema_rows_and_csv():
    rows = [{"score_ratio": r * 0.25 - 0.5, "verified": bool(r % 2), "call_attempts_24h": r, "label": int(r > 3)} for r in range(8)]
    csv = "verified,label,call_attempts_24h,score_ratio,note\n" + "".join(
        "%s,%d,%d,%r,x\n" % ("true" if r["verified"] else "false", r["label"], r["call_attempts_24h"], r["score_ratio"]) for r in rows)
    s = train(rows, SCHEMA)
    assert s.model_id == train({"csv": csv}, json.dumps(SCHEMA)).model_id == train(rows, schema=json.dumps(SCHEMA).encode()).model_id
    assert s.fields == [("score_ratio", "real"), ("verified", "bool"), ("call_attempts_24h", "count")]
    assert s.features == ["score_ratio", "unverified", "call_attempts_24h"]
    r = s.score(score_ratio=0.5, verified=False, call_attempts_24h=3)
    assert r == s.score_json('{"score_ratio": 0.5, "verified": false, "call_attempts_24h": 3}')
    with pytest.raises(CallriskError) as info:
        train(rows, SCHEMA, signs={"spam_reports": "nonneg"})
    assert (info.value.code, info.value.field) == ("CR_E_RANGE", "signs")
    with pytest.raises(CallriskTypeError) as info:
        train(rows, schema=5)
    assert info.value.code == "CR_E_TYPE"


def test_progress_reports_and_cancels():
    seen = []
    s = train(ROWS, progress=lambda it, objective, grad: seen.append((it, objective, grad)))
    # Once per iteration, from the start (0) to the last.
    assert [it for it, _, _ in seen] == list(range(s.stats["iterations"] + 1))
    assert seen[-1][1:] == (s.stats["objective"], s.stats["grad_norm"])
    with pytest.raises(CallriskError) as info:
        train(ROWS, progress=lambda it, objective, grad: it >= 2)
    assert info.value.code == "CR_E_CANCELLED" and info.value.__cause__ is None

    def boom(it, objective, grad):
        raise RuntimeError("stop")

    with pytest.raises(CallriskError) as info:
        train(ROWS, progress=boom)
    assert info.value.code == "CR_E_CANCELLED" and isinstance(info.value.__cause__, RuntimeError)

    def interrupt(it, objective, grad):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(ROWS, progress=interrupt)
    with pytest.raises(CallriskTypeError):
        train(ROWS, progress=5)


def test_a_trained_scorer_scores_and_stores():
    from callrisk import MemoryStore

    store = MemoryStore()
    s = train(ROWS, store=store, bands={"high": 50, "medium": 20})
    r = s.score_caller("+15550001", 3, False, at_ms=1764072000000)
    assert store.records[0]["model_id"] == s.model_id and r["score"] == s.score(3, False, 0)["score"]
