"""callrisk.spark.train on a local Spark (local[2]; the session is
conftest.py's): the seed's schema and the five-field schema (a real-valued
field; tests/contract/five_field.mjs), with sample weights, class_weight
balanced and a hash holdout, on the rows shuffled and in 1, 3 and 8
partitions, give the model callrisk.train gives for the rows in process:
the same bytes and id, its card the same (features with coefficients and
baselines, intercept, bands, training, solver, evidence), the
coefficients and the intercept bit for bit. A bad value is the core's CallriskError, raised on the
driver with its code, field and row; the 'order' holdout is CR_E_ARG naming
holdout, before any job; python/README.md's "Training on Spark" example runs.

Skipped when PySpark is not installed (scripts/setup.sh --tests installs
it into .cache/venv, with Java 17)."""
import math
import random
import re

import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed (scripts/setup.sh --tests installs it into .cache/venv)")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (PySpark's mapInArrow needs it; scripts/setup.sh --tests installs it)")

import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import callrisk.spark  # noqa: E402
from callrisk import CallriskError, CallriskTypeError, CallriskValueError, train  # noqa: E402
from support import FIVE, bits, readme



def seed_rows(n, seed):
    """The seed schema's rows as train() takes them: ints, bools, a 0/1 label, weights with many digits (some 0)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        r = {"spam_reports": rng.randrange(23), "has_consent": rng.random() < 0.6,
             "call_attempts_24h": rng.randrange(41)}
        z = 0.2 * r["spam_reports"] - 0.9 * r["has_consent"] + 0.04 * r["call_attempts_24h"] - 1.2
        r["label"] = int(rng.random() < 1 / (1 + math.exp(-z)))
        r["weight"] = 0.0 if i % 50 == 0 else rng.random() * 3
        rows.append(r)
    return rows


def five_rows(n, seed):
    """The five-field schema's rows: reals with many digits, so the bits say something."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        r = {"call_attempts_24h": rng.randrange(30), "verified_business": rng.random() < 0.3, "has_consent": rng.random() < 0.6,
             "stir_attestation": rng.random(), "tenure_log_days": math.log1p(rng.random() * 3650)}
        z = (0.15 * r["call_attempts_24h"] - 1.2 * r["verified_business"] + 0.9 * (not r["has_consent"])
             - 1.5 * r["stir_attestation"] - 0.2 * r["tenure_log_days"])
        r["label"] = int(rng.random() < 1 / (1 + math.exp(-z)))
        r["weight"] = rng.choice([0.0, 0.5, 1.0, 2.0, 1 / 3])
        rows.append(r)
    return rows


# Each case: the rows, train()'s schema and options, and how the DataFrame
# holds them -- its columns' names and Arrow types (counts as whole doubles,
# booleans as 0/1 ints or as booleans) and spark.train's arguments naming them.
CASES = {
    "seed-balanced": dict(rows=lambda: seed_rows(20000, 1), schema=None, options={"class_weight": "balanced", "C": 0.5},
                          columns={"spam_reports": ("spam", pa.int64()), "has_consent": ("has_consent", pa.bool_()),
                                   "call_attempts_24h": ("call_attempts_24h", pa.int32()), "label": ("label", pa.int64()),
                                   "weight": ("weight", pa.float64())},
                          args={"columns": {"spam_reports": "spam"}}),
    "seed-holdout": dict(rows=lambda: seed_rows(20000, 2), schema=None,
                         options={"holdout": {"fraction": 0.25, "method": "hash", "seed": 7}, "C": 3.0},
                         columns={"spam_reports": ("spam_reports", pa.float64()), "has_consent": ("has_consent", pa.int8()),
                                  "call_attempts_24h": ("call_attempts_24h", pa.int64()), "label": ("is_spam", pa.bool_()),
                                  "weight": ("w", pa.float64())},
                         args={"label": "is_spam", "weight": "w"}),
    "five": dict(rows=lambda: five_rows(12000, 3), schema=FIVE,
                 options={"class_weight": "balanced", "holdout": {"fraction": 0.2, "method": "hash", "seed": 11}, "C": 0.7,
                          "signs": {"stir_attestation": "nonpos"}, "bands": {"high": 60, "medium": 30}},
                 columns={"call_attempts_24h": ("call_attempts_24h", pa.float64()), "verified_business": ("verified_business", pa.int32()),
                          "has_consent": ("has_consent", pa.bool_()), "stir_attestation": ("stir_attestation", pa.float64()),
                          "tenure_log_days": ("tenure", pa.float64()), "label": ("label", pa.bool_()), "weight": ("weight", pa.float64())},
                 args={"columns": {"tenure_log_days": "tenure"}}),
}


def frame(spark, tmp_path, rows, columns):
    """The rows, shuffled, as a DataFrame read from Parquet with the case's column names and types."""
    rows = list(rows)
    random.Random(99).shuffle(rows)
    table = pa.table({column: pa.array([r[key] for r in rows]).cast(t) for key, (column, t) in columns.items()})
    path = str(tmp_path / "rows.parquet")
    pq.write_table(table, path)
    return spark.read.parquet(path)


@pytest.mark.parametrize("case", list(CASES))
def test_the_model_is_trains_bit_for_bit_in_any_partitioning(spark, tmp_path, case):
    c = CASES[case]
    rows = c["rows"]()
    want = train(rows, c["schema"], **c["options"])
    assert want.card()["evidence"] is not None
    df = frame(spark, tmp_path, rows, c["columns"])
    models = {}
    for partitions in (1, 3, 8):
        part = df.repartition(partitions)
        assert part.rdd.getNumPartitions() == partitions
        passes = []
        got = callrisk.spark.train(part, schema=c["schema"], progress=passes.append, **c["args"], **c["options"])
        assert got.card() == want.card(), "%s, %d partitions" % (case, partitions)
        assert bits(got) == bits(want), "%s, %d partitions" % (case, partitions)
        assert got.stats == want.stats
        assert got.model_id == want.model_id and got.to_bytes() == want.to_bytes()
        # The census, the summary, one pass per point the solver evaluated
        # (one more than its iterations), then the evidence's: the groups, at
        # least one of cuts, the shares.
        assert passes == list(range(1, len(passes) + 1)) and len(passes) >= 6 + got.stats["iterations"]
        models[partitions] = got
    # The model scores as any: the same bits as a Scorer of its bytes.
    assert callrisk.Scorer(model=models[3].to_bytes()).model_id == models[3].model_id


def test_a_bad_value_is_the_cores_error_with_its_row(spark):
    ok = [(1, True, 2, 0), (3, False, 5, 1)] * 3
    bad = spark.createDataFrame(ok[:5] + [(-1, False, 3, 1)] + ok, "spam_reports long, has_consent boolean, call_attempts_24h long, label int")
    with pytest.raises(CallriskValueError) as e:
        callrisk.spark.train(bad.coalesce(1))
    assert (e.value.code, e.value.field, e.value.line) == ("CR_E_RANGE", "spam_reports", 6)
    assert "row 6 of partition 0: spam_reports: must be an integer >= 0, got -1" in str(e.value), str(e.value)
    assert "spam_reports=-1, has_consent=False, call_attempts_24h=3, label=1" in str(e.value)
    # A label but 0 or 1, in a column of another name: the core's judgement, the column named.
    two = spark.createDataFrame(ok + [(1, True, 2, 2)], "spam_reports long, has_consent boolean, call_attempts_24h long, y int")
    with pytest.raises(CallriskValueError) as e:
        callrisk.spark.train(two.coalesce(1), label="y")
    assert (e.value.code, e.value.field) == ("CR_E_RANGE", "label")
    assert "row 7 of partition 0: label (column 'y'): must be 0 or 1, got 2" in str(e.value), str(e.value)
    # A null label; a negative weight.
    null = spark.createDataFrame(ok + [(1, True, 2, None)], "spam_reports long, has_consent boolean, call_attempts_24h long, label int")
    with pytest.raises(CallriskTypeError) as e:
        callrisk.spark.train(null.coalesce(1))
    assert (e.value.code, e.value.field, e.value.line) == ("CR_E_TYPE", "label", 7)
    heavy = spark.createDataFrame([r + (1.0,) for r in ok] + [(1, True, 2, 0, -2.0)],
                                  "spam_reports long, has_consent boolean, call_attempts_24h long, label int, weight double")
    with pytest.raises(CallriskError) as e:
        callrisk.spark.train(heavy.coalesce(1))
    assert (e.value.code, e.value.field) == ("CR_E_RANGE", "weight")
    # Data the fit refuses: one label only.
    one = spark.createDataFrame(ok[::2], "spam_reports long, has_consent boolean, call_attempts_24h long, label int")
    with pytest.raises(CallriskError) as e:
        callrisk.spark.train(one.repartition(3))
    assert (e.value.code, e.value.field) == ("CR_E_DATA", "label")


def test_refusals_before_any_job(spark):
    df = spark.createDataFrame([(1, True, 2, 0)], "spam_reports long, has_consent boolean, call_attempts_24h long, label int")
    tracker = spark.sparkContext.statusTracker()
    jobs = set(tracker.getJobIdsForGroup())
    with pytest.raises(CallriskTypeError) as e:
        callrisk.spark.train(df, holdout={"fraction": 0.2, "method": "order"})
    assert (e.value.code, e.value.field) == ("CR_E_ARG", "holdout") and "method 'order'" in str(e.value)
    with pytest.raises(CallriskError) as e:
        callrisk.spark.train(df, C=-1)
    assert (e.value.code, e.value.field) == ("CR_E_RANGE", "C")
    with pytest.raises(CallriskTypeError) as e:
        callrisk.spark.train(df, label="is_spam")
    assert (e.value.code, e.value.field) == ("CR_E_MISSING", "label") and "no column 'is_spam' (label= names another)" in str(e.value)
    text = spark.createDataFrame([("1", True, 2, 0)], "spam_reports string, has_consent boolean, call_attempts_24h long, label int")
    with pytest.raises(CallriskTypeError) as e:
        callrisk.spark.train(text)
    assert (e.value.code, e.value.field) == ("CR_E_TYPE", "spam_reports")
    flags = spark.createDataFrame([(1, True, 2, "yes")], "spam_reports long, has_consent boolean, call_attempts_24h long, label string")
    with pytest.raises(CallriskTypeError, match="label: must be a column of booleans or numbers") as e:
        callrisk.spark.train(flags)
    with pytest.raises(CallriskTypeError) as e:
        callrisk.spark.train(df, weight="w")
    assert (e.value.code, e.value.field) == ("CR_E_MISSING", "weight")
    with pytest.raises(CallriskTypeError, match="df: must be a Spark DataFrame"):
        callrisk.spark.train([1, 2])
    assert set(tracker.getJobIdsForGroup()) == jobs


def test_progress_stops_the_training(spark):
    df = spark.createDataFrame([(i % 5, i % 3 == 0, i % 7, int(i % 4 == 0)) for i in range(200)],
                               "spam_reports long, has_consent boolean, call_attempts_24h long, label int")
    seen = []
    with pytest.raises(CallriskError) as e:
        callrisk.spark.train(df, progress=lambda p: seen.append(p) or p == 2)
    assert e.value.code == "CR_E_CANCELLED" and seen == [1, 2]


def test_the_readmes_training_example_runs(spark, tmp_path):
    text = readme()
    block = re.search(r"^## Training on Spark\n.*?^```py\n(.*?)^```", text, re.S | re.M).group(1)
    for name in ("calls.parquet", "model.bin"):
        assert '"%s"' % name in block
        block = block.replace('"%s"' % name, repr(str(tmp_path / name)))
    rows = seed_rows(3000, 5)
    for r in rows:
        r["is_spam"] = r.pop("label")
    pq.write_table(pa.Table.from_pylist(rows), str(tmp_path / "calls.parquet"))
    exec(compile(block, "python/README.md Training on Spark block", "exec"), {"__name__": "readme"})
    assert callrisk.Scorer(model=(tmp_path / "model.bin").read_bytes()).fields[0][0] == "spam_reports"


def test_a_progress_that_raises_cancels_as_trains_does(spark):
    """A progress callback's exception came out of callrisk.spark.train as
    it was; train() makes it CR_E_CANCELLED with the exception as the cause,
    and so does callrisk.spark.train now."""
    rows = seed_rows(200, 8)
    df = spark.createDataFrame([tuple(r.values()) for r in rows], list(rows[0]))

    def boom(*args):
        raise ZeroDivisionError("no")

    for call in (lambda: train(rows, progress=boom), lambda: callrisk.spark.train(df, progress=boom)):
        with pytest.raises(CallriskError) as e:
            call()
        assert e.value.code == "CR_E_CANCELLED" and isinstance(e.value.__cause__, ZeroDivisionError)


def test_columns_of_one_name(spark):
    """Two columns of one name (a join's): training read the last's type and
    Spark's select failed on the name (AMBIGUOUS_REFERENCE); now a column
    training reads is CR_E_ARG naming the field if the DataFrame has two of
    its name, before any job, and others of one name are no matter."""
    rows = seed_rows(300, 9)
    df = spark.createDataFrame([tuple(r.values()) for r in rows], list(rows[0]))
    tracker = spark.sparkContext.statusTracker()
    jobs = set(tracker.getJobIdsForGroup())
    for column, field in (("label", "label"), ("weight", "weight"), ("has_consent", "has_consent")):
        with pytest.raises(CallriskTypeError) as e:
            callrisk.spark.train(df.select("*", F.lit(1).alias(column)))
        assert (e.value.code, e.value.field) == ("CR_E_ARG", field) and "2 columns named %r" % column in str(e.value)
    assert set(tracker.getJobIdsForGroup()) == jobs
    other = df.select("*", F.lit("x").alias("note"), F.lit(2).alias("note"))
    assert callrisk.spark.train(other).model_id == train(rows).model_id


def test_rows_that_change_between_passes_are_refused(spark, monkeypatch):
    """The passes read the DataFrame's rows again and again (persisted; Spark
    recomputes a partition its cache lost). A DataFrame that gives other
    rows each time (a nondeterministic UDF, here read anew by every pass)
    trained without a word, each pass's answers from other rows than the
    census and the last. Now every pass's rows are checked against the
    census: CR_E_DATA at the first pass that read others."""
    import random as _random

    rows = seed_rows(300, 10)
    df = spark.createDataFrame([tuple(r.values()) for r in rows], list(rows[0])).repartition(2)
    monkeypatch.setattr(type(df), "persist", lambda self, *a, **k: self)  # as if the cache lost every partition
    shaky = F.udf(lambda v: v + _random.randrange(2), "long").asNondeterministic()
    with pytest.raises(CallriskError) as e:
        callrisk.spark.train(df.withColumn("spam_reports", shaky("spam_reports")))
    assert e.value.code == "CR_E_DATA" and "pass 2 read other rows than the census counted" in str(e.value), str(e.value)
    assert callrisk.spark.train(df).model_id == train(rows).model_id  # the same check passes rows that stay
