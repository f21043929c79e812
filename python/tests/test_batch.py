"""Scorer.score_batch(): many rows in one cr_score_batch() call, bit for bit
as score() scores each, from every form of input (columns of lists, arrays,
buffers, NumPy and Arrow when they are installed; rows of mappings; a float64
buffer of rows); a bad value is the core's error naming the field and the
row, across the chunks rows are given in."""
import math
import os
import struct
import subprocess
import sys
from array import array

import pytest

import callrisk._batch
from callrisk import BatchResult, CallriskError, CallriskTypeError, Scorer, train

SPAM = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 50, 100, 1000]
ATTEMPTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 20, 30, 40, 100, 1000, 100000]
GRID = [(s, c, a) for s in SPAM for c in (False, True) for a in ATTEMPTS]
NAMES = ["spam_reports", "has_consent", "call_attempts_24h"]


def bits(x):
    return struct.pack("<d", x)


@pytest.fixture(scope="module")
def scorer():
    return Scorer()


def columns(rows, names=NAMES):
    return {name: [r[j] for r in rows] for j, name in enumerate(names)}


def expected(scorer, rows):
    return [scorer.score(*r) for r in rows]


def assert_matches(result, want, reasons=False):
    assert isinstance(result, BatchResult) and len(result) == len(want)
    assert list(result.scores) == [w["score"] for w in want]
    assert result.risk_levels == [w["risk_level"] for w in want]
    assert [bits(p) for p in result.probabilities] == [bits(w["probability"]) for w in want]
    assert [result.level_names[c] for c in result.level_codes] == result.risk_levels
    if reasons:
        for i, w in enumerate(want):
            got = result.reasons(i)
            assert [(r["feature"], bits(r["contribution"])) for r in got] == [(r["feature"], bits(r["contribution"])) for r in w["reasons"]]


def test_columns_rows_and_buffers_score_as_score_does(scorer):
    want = expected(scorer, GRID)
    cols = columns(GRID)
    assert_matches(scorer.score_batch(cols), want)
    assert_matches(scorer.score_batch(cols, reasons=True), want, reasons=True)
    assert_matches(scorer.score_batch({k: tuple(v) for k, v in cols.items()}), want)
    assert_matches(scorer.score_batch({k: iter(v) for k, v in cols.items()}), want)  # any iterable
    assert_matches(scorer.score_batch({k: array("d", v) for k, v in cols.items()}), want)  # float64 buffers: no Python loop
    assert_matches(scorer.score_batch({k: memoryview(array("q", map(int, v))) for k, v in cols.items()}), want)  # other buffers
    assert_matches(scorer.score_batch({"has_consent": [int(c) for c in cols["has_consent"]], "other": [], **{
        k: v for k, v in cols.items() if k != "has_consent"}}), want)  # booleans as 0/1; other keys ignored
    assert_matches(scorer.score_batch([dict(zip(NAMES, r)) for r in GRID]), want)  # rows, as score() takes one
    flat = array("d", [v for r in GRID for v in r])
    assert_matches(scorer.score_batch(flat), want)  # row-major, as the core takes them
    assert_matches(scorer.score_batch(memoryview(flat)), want)


def test_other_schemas_and_reasons():
    schema = {"fields": [{"name": "ratio", "type": "real"}, {"name": "n", "type": "count"}, {"name": "flag", "type": "bool"}],
              "features": [{"name": "ratio", "field": "ratio"}, {"name": "n", "field": "n"},
                           {"name": "no_flag", "field": "flag", "invert": True}, {"name": "ratio_again", "field": "ratio"}]}
    rows = [{"ratio": ((i * 7919) % 1000) / 997.0 - 0.3, "n": (i * 31) % 17, "flag": i % 3 == 0, "label": int((i * 13) % 7 < 3)}
            for i in range(400)]
    model = train(rows, schema, C=0.5)
    want = [model.score({k: r[k] for k in ("ratio", "n", "flag")}) for r in rows]
    assert_matches(model.score_batch(rows, reasons=True), want, reasons=True)  # rows: the label is ignored
    assert_matches(model.score_batch(columns([(r["ratio"], r["n"], r["flag"]) for r in rows], ["ratio", "n", "flag"])), want)


def test_chunks_change_nothing_and_name_the_row(scorer, monkeypatch):
    rows = GRID * 3
    want = scorer.score_batch(columns(rows), reasons=True)
    monkeypatch.setattr(callrisk._batch, "CHUNK_ROWS", 7)
    got = scorer.score_batch(columns(rows), reasons=True)
    assert (bytes(got.scores), bytes(got.probabilities), bytes(got.level_codes)) == (
        bytes(want.scores), bytes(want.probabilities), bytes(want.level_codes))
    assert (bytes(got.reason_features), bytes(got.reason_contributions)) == (bytes(want.reason_features), bytes(want.reason_contributions))
    bad = list(rows)
    bad[600] = (1, True, -3)
    with pytest.raises(CallriskError) as e:
        scorer.score_batch(columns(bad))
    assert (e.value.code, e.value.field, e.value.line) == ("CR_E_RANGE", "call_attempts_24h", 601)
    assert str(e.value) == "row 601: call_attempts_24h: must be an integer >= 0, got -3"


def test_empty(scorer):
    r = scorer.score_batch({name: [] for name in NAMES})
    assert len(r) == 0 and r.risk_levels == [] and len(r.probabilities) == 0
    assert len(scorer.score_batch(array("d"))) == 0
    assert len(scorer.score_batch([])) == 0


def test_empty_numpy_and_arrow(scorer):
    """No rows in every form NumPy and Arrow give them: an empty result, as
    for the other forms (an array of shape (0, 3) raised memoryview's
    TypeError: a view with a 0 in its shape cannot be cast)."""
    np = pytest.importorskip("numpy")
    for rows in (np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64), np.asfortranarray(np.zeros((0, 3), dtype=np.float32)),
                 np.zeros((4, 3))[4:], np.zeros(0), {name: np.zeros(0) for name in NAMES}):
        r = scorer.score_batch(rows)
        assert (len(r), list(r.scores), r.risk_levels, len(r.probabilities)) == (0, [], [], 0)
    assert scorer.score_batch(np.zeros((0, 3)), reasons=True).reason_features.tolist() == []
    with pytest.raises(CallriskError, match=r"must have shape \(n, 3\).*got shape \(0, 4\)$"):
        scorer.score_batch(np.zeros((0, 4)))
    with pytest.raises(CallriskError, match=r"^rows: a buffer of rows must be flat \(the fields row after row\), "
                                            r"got a 2-dimensional buffer of shape \(0, 3\)$"):
        scorer.score_batch(memoryview(np.zeros((0, 3))))  # not NumPy's: a buffer of rows is flat
    for empty in (np.zeros((0, 4)), {name: np.zeros(0) for name in NAMES + ["label"]}):  # train(), evaluate(): the core's "no rows"
        for call in (train, scorer.evaluate):
            with pytest.raises(CallriskError) as e:
                call(empty)
            assert e.value.code == "CR_E_DATA"
    pa = pytest.importorskip("pyarrow")
    assert len(scorer.score_batch(pa.table({name: pa.array([], pa.float64()) for name in NAMES}))) == 0
    pd = pytest.importorskip("pandas")
    assert len(scorer.score_batch(pd.DataFrame({name: np.zeros(0) for name in NAMES}))) == 0


@pytest.mark.parametrize("make, shown", [
    (set, "set"),
    (frozenset, "frozenset"),
    (lambda values: dict.fromkeys(values).keys(), "dict_keys"),
])
def test_an_unordered_column_is_refused(scorer, make, shown):
    """A set has no row order (and has lost its duplicates): its values
    would go to rows in whatever order it iterates in. An ordered iterable
    (a generator, a dict's values()) is a column."""
    cols = columns(GRID[:4])
    with pytest.raises(CallriskError) as e:
        scorer.score_batch(dict(cols, spam_reports=make(cols["spam_reports"])))
    assert (type(e.value).__name__, e.value.code, e.value.field, e.value.line, str(e.value)) == (
        "CallriskTypeError", "CR_E_TYPE", "spam_reports", None,
        "spam_reports: must be a column of numbers, got %s (unordered: a column's values must be in row order)" % shown)
    want = expected(scorer, GRID[:4])
    assert_matches(scorer.score_batch(dict(cols, spam_reports=(v for v in cols["spam_reports"]))), want)
    assert_matches(scorer.score_batch(dict(cols, spam_reports=dict(enumerate(cols["spam_reports"])).values())), want)


@pytest.mark.parametrize("column, value, code, message", [
    ("spam_reports", -1, "CR_E_RANGE", "spam_reports: must be an integer >= 0, got -1"),
    ("spam_reports", 1.5, "CR_E_TYPE", "spam_reports: must be an integer, got 1.5"),
    ("spam_reports", math.nan, "CR_E_NONFINITE", "spam_reports: must be a finite number"),
    ("spam_reports", math.inf, "CR_E_NONFINITE", "spam_reports: must be a finite number"),
    ("spam_reports", "3", "CR_E_TYPE", "spam_reports: must be a number, got str"),
    ("spam_reports", None, "CR_E_TYPE", "spam_reports: must be a number, got None"),
    ("spam_reports", True, "CR_E_TYPE", "spam_reports: must be a number, got bool"),
    ("spam_reports", 2 ** 53 + 1, "CR_E_RANGE", "spam_reports: must be an integer <= 2**53, got 9007199254740993"),
    ("call_attempts_24h", 10 ** 400, "CR_E_RANGE", "call_attempts_24h: must be an integer <= 2**53, got an int of 401 digits"),
    ("has_consent", 2, "CR_E_TYPE", "has_consent: must be a boolean (0 or 1), got 2"),
    ("has_consent", "yes", "CR_E_TYPE", "has_consent: must be a bool or 0/1, got str"),
])
def test_a_bad_value_names_its_field_and_row(scorer, column, value, code, message):
    cols = columns(GRID[:5])
    cols[column][3] = value
    with pytest.raises(CallriskError) as e:
        scorer.score_batch(cols)
    assert (e.value.code, e.value.field, e.value.line, str(e.value)) == (code, column, 4, "row 4: " + message)
    assert isinstance(e.value, TypeError if code == "CR_E_TYPE" else ValueError)


def test_misused(scorer):
    cols = columns(GRID[:3])
    with pytest.raises(CallriskError, match="^call_attempts_24h: required \\(a column\\)$") as e:
        scorer.score_batch({k: v for k, v in cols.items() if k != "call_attempts_24h"})
    assert e.value.code == "CR_E_MISSING"
    with pytest.raises(CallriskError, match="^has_consent: has 2 values, spam_reports has 3$") as e:
        scorer.score_batch(dict(cols, has_consent=[True, False]))
    assert e.value.code == "CR_E_ARG"
    with pytest.raises(CallriskError, match="^rows: 4 values are not a whole number of rows of 3 fields$"):
        scorer.score_batch(array("d", [1, 1, 1, 1]))
    with pytest.raises(CallriskError, match="format 'f'"):
        scorer.score_batch(array("f", [1, 1, 1]))
    with pytest.raises(CallriskError, match="^spam_reports: must be a column of numbers, got str$"):
        scorer.score_batch(dict(cols, spam_reports="123"))
    with pytest.raises(CallriskError, match="^row 2: must be a mapping of the fields, got int$"):
        scorer.score_batch([dict(zip(NAMES, GRID[0])), 5])
    with pytest.raises(CallriskError, match="^row 1: has_consent: must be a bool, got int$"):
        scorer.score_batch([{"spam_reports": 1, "has_consent": 1, "call_attempts_24h": 1}])  # rows: as score() takes them
    with pytest.raises(CallriskError, match="^data: must be columns"):
        scorer.score_batch("spam_reports")
    with pytest.raises(ValueError, match="reasons=True"):
        scorer.score_batch(cols).reasons(0)


def test_numpy_and_arrow_columns(scorer):
    np = pytest.importorskip("numpy")
    pa = pytest.importorskip("pyarrow")
    want = expected(scorer, GRID)
    cols = columns(GRID)
    assert_matches(scorer.score_batch({k: np.array(v) for k, v in cols.items()}), want)
    assert_matches(scorer.score_batch({k: np.array(v, dtype=np.float32 if k != "has_consent" else np.uint8) for k, v in cols.items()}), want)
    assert_matches(scorer.score_batch(np.array(GRID, dtype=np.float64)), want)  # rows of shape (n, 3)
    batch = pa.record_batch({k: pa.array(v) for k, v in cols.items()})
    assert_matches(scorer.score_batch(batch), want)
    assert_matches(scorer.score_batch(pa.Table.from_batches([batch.slice(0, 100), batch.slice(100)])), want)  # chunked columns
    assert_matches(scorer.score_batch({k: pa.array(v, pa.float64()).slice(0) for k, v in cols.items()}), want)
    assert_matches(scorer.score_batch({k: pa.array(v).slice(5) for k, v in cols.items()}), want[5:])  # an offset into the buffer
    r = scorer.score_batch(batch)
    assert np.frombuffer(r.probabilities).tolist() == list(r.probabilities)  # the result's arrays are buffers
    bad = dict(cols, spam_reports=pa.array([1] * (len(GRID) - 1) + [None]))
    with pytest.raises(CallriskError, match="^row %d: spam_reports: must be a number, got None \\(null\\)$" % len(GRID)):
        scorer.score_batch(bad)
    with pytest.raises(CallriskError, match="^row 2: spam_reports: must be an integer <= 2\\*\\*53, got 9007199254740993$"):
        scorer.score_batch(dict(columns(GRID[:3]), spam_reports=np.array([1, 2 ** 53 + 1, 2], dtype=np.int64)))
    with pytest.raises(CallriskError, match="^row 1: spam_reports: must be a number, got bool$"):
        scorer.score_batch(dict(columns(GRID[:3]), spam_reports=pa.array([True, False, True])))
    with pytest.raises(CallriskError, match="^spam_reports: must be a column of numbers, got an Arrow column of string$"):
        scorer.score_batch(dict(columns(GRID[:3]), spam_reports=pa.array(["1", "2", "3"])))
    pd = pytest.importorskip("pandas")
    assert_matches(scorer.score_batch(pd.DataFrame(cols)), want)



def test_numpy_masked_arrays_are_missing_values_where_masked(scorer):
    """A masked element is a missing value: refused as an Arrow null is
    (CR_E_TYPE naming the field and row), never scored with the value hidden
    under the mask; a masked array with nothing masked is its data."""
    np = pytest.importorskip("numpy")
    rows = GRID[:6]
    cols = columns(rows)
    want = expected(scorer, rows)
    masked = {k: np.ma.masked_array(v, mask=[False] * len(v)) for k, v in cols.items()}
    assert_matches(scorer.score_batch(masked), want)  # nothing masked: the data
    assert_matches(scorer.score_batch({k: np.ma.masked_array(v) for k, v in cols.items()}), want)  # no mask (nomask)
    assert_matches(scorer.score_batch(np.ma.masked_array(np.array(rows, dtype=np.float64))), want)  # rows of shape (n, 3)
    for name, dtype in (("spam_reports", np.float64), ("spam_reports", np.int64), ("spam_reports", object),
                        ("has_consent", bool), ("call_attempts_24h", np.float32)):
        mask = [False] * len(rows)
        mask[3] = True
        bad = dict(cols, **{name: np.ma.masked_array(np.array(cols[name], dtype=dtype), mask=mask)})
        with pytest.raises(CallriskTypeError) as info:
            scorer.score_batch(bad)
        want_type = "a bool or 0/1" if name == "has_consent" else "a number"
        assert str(info.value) == "row 4: %s: must be %s, got numpy.ma.masked (a missing value)" % (name, want_type)
        assert (info.value.code, info.value.field, info.value.line) == ("CR_E_TYPE", name, 4)
    # Rows as one masked array: the first masked value's row and field.
    grid = np.ma.masked_array(np.array(rows, dtype=np.float64))
    grid[4, 2] = np.ma.masked
    grid[5, 0] = np.ma.masked
    for data in (grid, grid.reshape(-1)):
        with pytest.raises(CallriskTypeError) as info:
            scorer.score_batch(data)
        assert (info.value.code, info.value.field, info.value.line) == ("CR_E_TYPE", "call_attempts_24h", 5)
    # numpy.ma.masked as a value: in a list column, a row mapping, score().
    with pytest.raises(CallriskTypeError, match=r"^row 2: spam_reports: must be a number, got numpy.ma.masked \(a missing value\)$"):
        scorer.score_batch(dict(cols, spam_reports=[1, np.ma.masked] + cols["spam_reports"][2:]))
    with pytest.raises(CallriskTypeError) as info:
        scorer.score_batch([dict(zip(NAMES, rows[0])), dict(zip(NAMES, rows[1]), has_consent=np.ma.masked)])
    assert (info.value.code, info.value.field, info.value.line) == ("CR_E_TYPE", "has_consent", 2)
    for name in NAMES:
        request = dict(zip(NAMES, rows[0]), **{name: np.ma.masked})
        for call in (lambda: scorer.score(request), lambda: scorer.score(**request)):
            with pytest.raises(CallriskTypeError, match=r"^%s: must be a (number|bool), got numpy.ma.masked \(a missing value\)$" % name) as info:
                call()
            assert (info.value.code, info.value.field) == ("CR_E_TYPE", name)

def test_callrisk_spark_says_what_it_needs():
    # Without PySpark, callrisk imports and callrisk.spark says what to install.
    code = "import sys; sys.modules['pyspark'] = None\nimport callrisk\ntry:\n import callrisk.spark\nexcept ImportError as e:\n print(e)"
    package = os.path.dirname(os.path.dirname(os.path.abspath(callrisk._batch.__file__)))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=package))
    assert "callrisk.spark needs PySpark >= 3.3 and pyarrow" in out.stdout, out.stderr
