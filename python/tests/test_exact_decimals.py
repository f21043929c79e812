"""Arrow decimal columns for counts, booleans and labels (Spark's
DecimalType, a Parquet decimal): read as doubles, they were rounded first,
so a fraction no double holds (1.0000000000000000001, a double's 1.0) went
in as a whole count, boolean or label, and 2**53 + 1 as the count 2**53 --
a model of other values than the rows', and scores of them. Now each is
refused with its field and row, as score() refuses 1.5 and 2**53 + 1; whole
decimals go in as their doubles, and a real's decimals are rounded, as
before."""
from decimal import Decimal

import pytest

pa = pytest.importorskip("pyarrow")

from callrisk import CallriskTypeError, CallriskValueError, Scorer, train  # noqa: E402
from callrisk._shards import Shards  # noqa: E402

N = 40
FINE = "1.0000000000000000001"  # decimal(38, 19): no double holds it; the nearest is 1.0


def columns(**changed):
    c = {"spam_reports": pa.array([Decimal(i % 7) for i in range(N)], pa.decimal128(38, 19)),
         "has_consent": pa.array([Decimal(i % 2) for i in range(N)], pa.decimal128(38, 19)),
         "call_attempts_24h": pa.array([Decimal(i % 5) for i in range(N)], pa.decimal128(20, 0)),
         "label": pa.array([Decimal(int(i % 3 == 0)) for i in range(N)], pa.decimal128(38, 19))}
    for name, (row, value) in changed.items():
        values = c[name].to_pylist()
        values[row - 1] = Decimal(value)
        c[name] = pa.array(values, c[name].type)
    return c


def refused(cls, data):
    out = []
    for call in (lambda: Shards().census(data), lambda: train(data),
                 lambda: Scorer().score_batch({k: v for k, v in data.items() if k != "label"})):
        with pytest.raises(cls) as e:
            call()
        out.append((e.value.code, e.value.field, e.value.line, str(e.value)))
        if "label" in changed_fields(data):
            break  # score_batch takes no label
    return out


def changed_fields(data):
    base = columns()
    return {k for k in data if data[k] != base[k]}


def test_whole_decimals_train_as_their_doubles():
    data = columns()
    doubles = {k: pa.array([float(v) for v in col.to_pylist()]) for k, col in data.items()}
    assert train(data).model_id == train(doubles).model_id == Shards().train([data]).model_id
    assert list(Scorer().score_batch(data).scores) == list(Scorer().score_batch(doubles).scores)


def test_a_fraction_no_double_holds_is_refused():
    for code, field, line, text in refused(CallriskTypeError, columns(spam_reports=(4, FINE))):
        assert (code, field, line) == ("CR_E_TYPE", "spam_reports", 4) and "must be an integer, got Decimal('%s')" % FINE in text
    for code, field, line, text in refused(CallriskTypeError, columns(has_consent=(6, FINE))):
        assert (code, field, line) == ("CR_E_TYPE", "has_consent", 6) and "must be a boolean (0 or 1)" in text
    for code, field, line, text in refused(CallriskTypeError, columns(label=(9, FINE))):
        assert (code, field, line) == ("CR_E_TYPE", "label", 9) and "must be 0 or 1" in text


def test_a_count_past_2_53_is_refused_not_rounded():
    for code, field, line, text in refused(CallriskValueError, columns(call_attempts_24h=(3, 2**53 + 1))):
        assert (code, field, line) == ("CR_E_RANGE", "call_attempts_24h", 3) and "9007199254740993" in text
    assert Shards().census(columns(call_attempts_24h=(3, 2**53)))  # 2**53 itself is a count


def test_a_reals_decimals_are_the_nearest_doubles():
    """A real's decimals are rounded to the nearest double, as float(Decimal)
    rounds them: Arrow's own cast is not correctly rounded (0.1 at scale 19
    gave 0.09999999999999999, and about one value in ten of scale 2 or 37 a
    neighbour), so score_batch's probabilities and train()'s model were not
    those of the same numbers as floats."""
    import random

    rng = random.Random(3)
    schema = {"fields": [{"name": "x", "type": "real"}], "features": [{"name": "x", "field": "x"}]}
    for scale, precision in ((19, 38), (2, 5), (37, 38), (0, 38), (30, 76)):
        t = pa.decimal128(precision, scale) if precision <= 38 else pa.decimal256(precision, scale)
        values = [Decimal(rng.randrange(-10**(precision - 1), 10**(precision - 1))).scaleb(-scale) for _ in range(2000)]
        values = [v for v in values if abs(v) <= Decimal("1e150")]
        if scale == 19:
            values[:2] = [Decimal("0.1"), Decimal(FINE)]
        floats = [float(v) for v in values]
        labels = [i % 2 for i in range(len(values))]
        got = train({"x": pa.array(values, t), "label": labels}, schema, C=1e6)
        assert got.model_id == train({"x": floats, "label": labels}, schema, C=1e6).model_id, (scale, precision)
        assert list(got.score_batch({"x": pa.array(values, t)}).probabilities) == list(got.score_batch({"x": floats}).probabilities)


def test_a_fraction_in_a_list_column_is_not_rounded_to_a_count():
    """A list column's numbers.Real values that are not floats or ints
    (Fraction, NumPy's long double) were rounded to doubles: 1 + 10**-20
    went in as the count 1. Now a count's or boolean's value the double
    would change is refused with its row; a real's is rounded."""
    from fractions import Fraction

    near_one = Fraction(10**20 + 1, 10**20)
    data = {k: [v.as_py() for v in col] for k, col in columns().items()}
    data = {k: [float(v) for v in col] for k, col in data.items()}
    for field, want in (("spam_reports", "an integer"), ("has_consent", "a boolean (0 or 1)")):
        bad = dict(data, **{field: data[field][:6] + [near_one] + data[field][7:]})
        for call in (lambda: Shards().census(bad), lambda: Scorer().score_batch({k: v for k, v in bad.items() if k != "label"})):
            with pytest.raises(CallriskTypeError) as e:
                call()
            assert (e.value.code, e.value.field, e.value.line) == ("CR_E_TYPE", field, 7) and want in str(e.value)
    whole = dict(data, spam_reports=[Fraction(int(v)) for v in data["spam_reports"]])
    assert train(whole).model_id == train(data).model_id
