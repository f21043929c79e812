"""callrisk.spark on a local Spark (local[2], loopback only, no UI): a
million rows generated in Spark, written to Parquet and read back, scored by
callrisk.spark.score() for the seed's default model and for a model of the
five-field schema (tests/contract/five_field.mjs) trained here, give the
scores, risk levels and probability bits the npm package's scoreBatch gives
the same rows (python/tests/spark_npm_scores.mjs, under Node); the same rows
in 1, 3 and 8 partitions score alike; the column types Spark reads from CSV
and Parquet (booleans as 0/1, counts as whole doubles) read the same; a bad
value fails the job with the core's code, the field and the row in the
message Spark shows; python/README.md's Spark example runs.

Skipped when PySpark is not installed (scripts/setup.sh --tests installs
it into .cache/venv, with Java 17)."""
import hashlib
import json
import os
import re
import subprocess

import pytest

pytest.importorskip("pyspark", reason="PySpark is not installed (scripts/setup.sh --tests installs it into .cache/venv)")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (PySpark's mapInArrow needs it; scripts/setup.sh --tests installs it)")

import numpy as np  # noqa: E402 - pandas' dependency, installed with PySpark's
import pyarrow as pa  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

import callrisk  # noqa: E402
import callrisk.spark  # noqa: E402
from callrisk import CallriskError, Scorer, train  # noqa: E402
from support import FIVE, readme

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NPM_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spark_npm_scores.mjs")
N = 1_000_000

SEED_FIELDS = ["spam_reports", "has_consent", "call_attempts_24h"]
# tests/contract/five_field.mjs's schema: a count, a bool, a bool read as an inverted feature, two reals.
FIVE_FIELDS = [f["name"] for f in FIVE["fields"]]


def seed_rows(spark, n, partitions):
    """The seed schema's rows, from the id alone: counts as longs (a few large), consent as booleans."""
    i = F.col("id")
    return spark.range(0, n, 1, partitions).select(
        i,
        ((i * 7919) % 23).alias("spam_reports"),
        ((i * 31) % 3 != 0).alias("has_consent"),
        ((i * 104729 + 17) % 41 + F.when(i % 997 == 0, F.lit(100000)).otherwise(F.lit(0))).alias("call_attempts_24h"),
    )


def five_rows(spark, n, partitions):
    """The five-field schema's rows: reals with many digits, so the bits say something."""
    i = F.col("id")
    return spark.range(0, n, 1, partitions).select(
        i,
        ((i * 2654435761) % 30).alias("call_attempts_24h"),
        ((i * 40503) % 10 < 3).alias("verified_business"),
        ((i * 69069 + 1) % 5 < 3).alias("has_consent"),
        (((i * 1103515245 + 12345) % 1000003) / F.lit(1000003.0)).alias("stir_attestation"),
        F.log1p(((i * 22695477 + 1) % 365000) / F.lit(100.0)).alias("tenure_log_days"),
    )


def five_model():
    """A model of the five-field schema trained here: deterministic labelled
    rows (a 32-bit LCG, as five_field.mjs's rowsOf), five_field.test.mjs's options."""
    s = 12

    def rnd():
        nonlocal s
        s = (s * 1664525 + 1013904223) & 0xFFFFFFFF
        return s / 2 ** 32

    rows = []
    for _ in range(2000):
        r = {"call_attempts_24h": int(rnd() * 30), "verified_business": rnd() < 0.3, "has_consent": rnd() < 0.6,
             "stir_attestation": round(rnd() * 1e6) / 1e6, "tenure_log_days": np.log1p(rnd() * 3650).item()}
        z = (0.15 * r["call_attempts_24h"] - 1.2 * r["verified_business"] + 0.9 * (not r["has_consent"])
             - 1.5 * r["stir_attestation"] - 0.2 * r["tenure_log_days"])
        r["label"] = int(rnd() < 1 / (1 + np.exp(-z)))
        rows.append(r)
    return train(rows, FIVE, C=0.7, class_weight="balanced", bands={"high": 60, "medium": 30})


def collect(df):
    """The DataFrame as one Arrow table, rows in partition order."""
    return df.toArrow() if hasattr(df, "toArrow") else pa.Table.from_pandas(df.toPandas())


def rows_matrix(table, fields):
    """The fields' columns of an Arrow table as float64 rows (booleans 0/1)."""
    return np.stack([table.column(f).to_numpy().astype(np.float64) for f in fields], axis=1)


def outputs(table):
    """(scores int32 LE bytes, probabilities float64 LE bytes, risk level strings)."""
    scores = table.column("score").to_numpy().astype("<i4").tobytes()
    probabilities = table.column("probability").to_numpy().astype("<f8").tobytes()
    return scores, probabilities, table.column("risk_level").to_pylist()


def npm_scores(tmp_path, model, rows):
    """The npm package's scoreBatch of `rows` (n x fields float64) under Node."""
    assert os.path.exists(os.path.join(ROOT, "js", "dist", "callrisk.wasm")), "the npm package's wasm is not built (scripts/build-wasm.sh)"
    (tmp_path / "model.bin").write_bytes(model.to_bytes())
    np.ascontiguousarray(rows, dtype="<f8").tofile(tmp_path / "rows.f64")
    out = tmp_path / "npm"
    # The script stays in the repository: 'callrisk' resolves to the package by its self-reference.
    proc = subprocess.run(["node", NPM_SCRIPT, str(tmp_path / "model.bin"), str(tmp_path / "rows.f64"), str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert info["model_id"] == model.model_id and info["rows"] == len(rows)
    levels = np.fromfile(str(out) + ".levels", dtype=np.uint8)
    names = info["risk_levels"]
    return (out.with_suffix(".scores").read_bytes(), out.with_suffix(".probabilities").read_bytes(),
            [names[c] for c in levels])


def sha(b):
    return hashlib.sha256(b).hexdigest()


def assert_same(got, want, what):
    """Whole outputs equal; on failure, the digests and the first row that differs."""
    (gs, gp, gl), (ws, wp, wl) = got, want
    if gs == ws and gp == wp and gl == wl:
        return
    n = len(wp) // 8
    g, w = np.frombuffer(gp, "<u8"), np.frombuffer(wp, "<u8")
    first = int(np.argmax(g != w)) if len(g) == len(w) and (g != w).any() else None
    pytest.fail("%s: scores sha256 %s vs %s, probabilities sha256 %s vs %s (%d rows vs %d); first probability bits differing at row %s"
                % (what, sha(gs), sha(ws), sha(gp), sha(wp), len(gp) // 8, n, first))


@pytest.fixture(scope="module")
def seed_parquet(spark, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("seed") / "rows.parquet")
    seed_rows(spark, N, 2).write.parquet(path)
    return path


@pytest.mark.parametrize("schema", ["seed", "five"])
def test_a_million_rows_score_as_the_npm_packages_score_batch(spark, tmp_path_factory, seed_parquet, schema):
    tmp = tmp_path_factory.mktemp("npm-" + schema)
    if schema == "seed":
        model, fields, path = Scorer(), SEED_FIELDS, seed_parquet
    else:
        model, fields, path = five_model(), FIVE_FIELDS, str(tmp / "rows.parquet")
        five_rows(spark, N, 2).write.parquet(path)
    assert [name for name, _ in model.fields] == fields
    df = spark.read.parquet(path)
    scored = callrisk.spark.score(df, model)
    assert scored.columns == df.columns + ["score", "risk_level", "probability"]
    assert [f.dataType.simpleString() for f in scored.schema.fields[-3:]] == ["int", "string", "double"]
    table = collect(scored)
    assert table.num_rows == N
    rows = rows_matrix(table, fields)
    got = outputs(table)
    assert_same(got, npm_scores(tmp, model, rows), "%s: callrisk.spark vs the npm package's scoreBatch" % schema)
    # Spot rows against Scorer.score(), field by field as the Python API takes them.
    kinds = dict(model.fields)
    for i in (0, 1, 996 * 997 % N, 12345, N // 2, N - 1):
        values = {f: bool(rows[i, j]) if kinds[f] == "bool" else float(rows[i, j]) if kinds[f] == "real" else int(rows[i, j])
                  for j, f in enumerate(fields)}
        r = model.score(values)
        assert (r["score"], r["risk_level"], r["probability"]) == (
            table.column("score")[i].as_py(), table.column("risk_level")[i].as_py(), table.column("probability")[i].as_py())
    # And the in-process batch path on the same rows.
    b = model.score_batch(rows)
    assert (bytes(b.scores), bytes(b.probabilities), b.risk_levels) == got


def test_partitions_do_not_change_a_bit(spark, tmp_path_factory):
    model = Scorer()
    results = {}
    for partitions in (1, 3, 8):
        df = seed_rows(spark, N, partitions)
        assert df.rdd.getNumPartitions() == partitions
        results[partitions] = outputs(collect(callrisk.spark.score(df, model).select("id", "score", "risk_level", "probability")))
    assert_same(results[3], results[1], "3 partitions vs 1")
    assert_same(results[8], results[1], "8 partitions vs 1")
    assert len(set(results[1][2])) == 3  # every risk level occurs


def test_csv_and_parquet_column_types_read_the_same(spark, tmp_path):
    model = Scorer()
    n = 20_000
    base = seed_rows(spark, n, 2)
    want = outputs(collect(callrisk.spark.score(base, model)))
    # CSV as written with 0/1 for booleans and counts as whole doubles ("3.0"), read with inferSchema.
    csv = str(tmp_path / "rows.csv")
    (base.select("id", F.col("spam_reports").cast("double").alias("spam_reports"),
                 F.col("has_consent").cast("int").alias("has_consent"),
                 F.col("call_attempts_24h").cast("double").alias("call_attempts_24h"))
     .coalesce(1).write.option("header", True).csv(csv))
    df = spark.read.option("header", True).option("inferSchema", True).csv(csv)
    assert {f.name: f.dataType.simpleString() for f in df.schema.fields} == {
        "id": "int", "spam_reports": "double", "has_consent": "int", "call_attempts_24h": "double"}
    assert_same(outputs(collect(callrisk.spark.score(df.orderBy("id"), model))), want, "CSV with 0/1 and whole doubles")
    # CSV with true/false: booleans; Parquet with other integer widths, and a decimal.
    csv2 = str(tmp_path / "rows2.csv")
    base.coalesce(1).write.option("header", True).csv(csv2)
    df2 = spark.read.option("header", True).option("inferSchema", True).csv(csv2)
    assert dict((f.name, f.dataType.simpleString()) for f in df2.schema.fields)["has_consent"] == "boolean"
    assert_same(outputs(collect(callrisk.spark.score(df2.orderBy("id"), model))), want, "CSV with true/false")
    parquet = str(tmp_path / "rows.parquet")
    (base.select("id", F.col("spam_reports").cast("short").alias("spam_reports"), F.col("has_consent").cast("byte").alias("has_consent"),
                 F.col("call_attempts_24h").cast("decimal(12,2)").alias("call_attempts_24h"))
     .write.parquet(parquet))
    df3 = spark.read.parquet(parquet).orderBy("id")
    assert_same(outputs(collect(callrisk.spark.score(df3, model))), want, "Parquet of short, byte and decimal")
    # Columns of other names, by columns=; output columns already there are replaced.
    renamed = base.withColumnRenamed("spam_reports", "spam").withColumnRenamed("has_consent", "consent")
    twice = callrisk.spark.score(callrisk.spark.score(renamed, model, columns={"spam_reports": "spam", "has_consent": "consent"}),
                                 model, columns={"spam_reports": "spam", "has_consent": "consent"})
    assert twice.columns == ["id", "spam", "consent", "call_attempts_24h", "score", "risk_level", "probability"]
    assert_same(outputs(collect(twice)), want, "columns=")


def test_reasons(spark):
    model = five_model()
    df = five_rows(spark, 3000, 3)
    scored = callrisk.spark.score(df, model, reasons=True)
    assert scored.schema["reasons"].dataType.simpleString() == "array<struct<feature:string,contribution:double>>"
    table = collect(scored)
    rows = rows_matrix(table, FIVE_FIELDS)
    kinds = dict(model.fields)
    reasons = table.column("reasons").to_pylist()
    for i in range(0, 3000, 7):
        values = {f: bool(rows[i, j]) if kinds[f] == "bool" else float(rows[i, j]) if kinds[f] == "real" else int(rows[i, j])
                  for j, f in enumerate(FIVE_FIELDS)}
        assert reasons[i] == model.score(values)["reasons"]


def failure(df, model=None, **kw):
    """The message Spark raises on the driver for a job that fails in a worker."""
    with pytest.raises(Exception) as e:
        callrisk.spark.score(df, model, **kw).collect()
    return str(e.value)


def test_a_bad_value_fails_the_job_with_the_cores_error(spark):
    ok = [(1, True, 2)] * 5
    bad = spark.createDataFrame(ok + [(-1, False, 3)] + ok, "spam_reports long, has_consent boolean, call_attempts_24h long").coalesce(1)
    msg = failure(bad)
    assert "CallriskValueError: CR_E_RANGE: row 6 of partition 0: spam_reports: must be an integer >= 0, got -1" in msg, msg
    assert "spam_reports=-1, has_consent=False, call_attempts_24h=3" in msg
    nan = spark.createDataFrame([(1.0, True, 2.0), (1.0, True, float("nan"))],
                                "spam_reports double, has_consent boolean, attempts double").coalesce(1)
    msg = failure(nan, columns={"call_attempts_24h": "attempts"})
    assert "CR_E_NONFINITE: row 2 of partition 0: call_attempts_24h (column 'attempts'): must be a finite number" in msg, msg
    fraction = spark.createDataFrame([(1.5, True, 2)], "spam_reports double, has_consent boolean, call_attempts_24h long").coalesce(1)
    assert "CR_E_TYPE: row 1 of partition 0: spam_reports: must be an integer" in failure(fraction)
    flag = spark.createDataFrame([(1, 2, 2)], "spam_reports long, has_consent int, call_attempts_24h long").coalesce(1)
    assert "CR_E_TYPE: row 1 of partition 0: has_consent: must be a boolean" in failure(flag)
    null = spark.createDataFrame([(1, True, 2), (None, True, 2)], "spam_reports long, has_consent boolean, call_attempts_24h long").coalesce(1)
    assert "CR_E_TYPE: row 2 of partition 0: spam_reports: must be a number, got None (null)" in failure(null)
    big = spark.createDataFrame([(2 ** 53 + 1, True, 2)], "spam_reports long, has_consent boolean, call_attempts_24h long").coalesce(1)
    assert "CR_E_RANGE: row 1 of partition 0: spam_reports: must be an integer <= 2**53" in failure(big)


def test_columns_no_field_takes_are_refused_before_any_job(spark):
    text = spark.createDataFrame([("3", True, 2)], "spam_reports string, has_consent boolean, call_attempts_24h long")
    with pytest.raises(CallriskError) as e:
        callrisk.spark.score(text, None)
    assert (e.value.code, e.value.field) == ("CR_E_TYPE", "spam_reports")
    assert "spam_reports: must be a column of numbers, got string (cast it" in str(e.value)
    flags = spark.createDataFrame([(1, True, True)], "spam_reports long, has_consent boolean, call_attempts_24h boolean")
    with pytest.raises(CallriskError, match="call_attempts_24h: must be a column of numbers, got boolean") as e:
        callrisk.spark.score(flags, None)
    missing = spark.createDataFrame([(1, True)], "spam_reports long, has_consent boolean")
    with pytest.raises(CallriskError, match="call_attempts_24h: required: the DataFrame has no column 'call_attempts_24h'") as e:
        callrisk.spark.score(missing, None)
    assert e.value.code == "CR_E_MISSING"
    df = spark.createDataFrame([(1, True, 2)], "spam_reports long, has_consent boolean, call_attempts_24h long")
    with pytest.raises(CallriskError, match="columns: spam: no field of the model") as e:
        callrisk.spark.score(df, None, columns={"spam": "spam_reports"})
    assert e.value.code == "CR_E_ARG"
    with pytest.raises(CallriskError, match="df: must be a Spark DataFrame"):
        callrisk.spark.score([1, 2], None)



def test_the_readmes_spark_example_runs(spark, tmp_path, capsys):
    text = readme()
    block = re.search(r"^## Spark\n.*?^```py\n(.*?)^```", text, re.S | re.M).group(1)
    # The example's files, in tmp_path: the JVM resolves relative paths against its own directory.
    for name in ("calls.parquet", "calls.csv", "scored.parquet", "model.bin"):
        assert '"%s"' % name in block
        block = block.replace('"%s"' % name, repr(str(tmp_path / name)))
    rows = seed_rows(spark, 1000, 2)
    rows.write.parquet(str(tmp_path / "calls.parquet"))
    rows.select(F.col("spam_reports").alias("spam"), F.col("has_consent").cast("int").alias("has_consent"),
                "call_attempts_24h").coalesce(1).write.option("header", True).csv(str(tmp_path / "calls.csv"))
    (tmp_path / "model.bin").write_bytes(Scorer().to_bytes())
    exec(compile(block, "python/README.md Spark block", "exec"), {"__name__": "readme"})
    assert spark.read.parquet(str(tmp_path / "scored.parquet")).count() == 1000
    out = capsys.readouterr().out
    assert "spam|score|risk_level|reasons" in out.replace(" ", "") and "{spam_reports," in out


def test_a_frame_with_two_columns_of_a_name_is_scored(spark):
    """A DataFrame with two columns of one name (a join's) failed in
    score() with Spark's AMBIGUOUS_REFERENCE (mapInArrow names every
    column), though neither is a field's; now both are kept, in place. A
    field's column that is one of two of its name is CR_E_ARG naming the
    field, before any job."""
    rows = [(5, False, 10, "a"), (0, True, 1, "b")]
    df = spark.createDataFrame(rows, "spam_reports long, has_consent boolean, call_attempts_24h long, note string")
    twice = df.select("*", F.lit(7).alias("note"), F.lit(1.5).alias("score"))
    out = callrisk.spark.score(twice, Scorer())
    assert out.columns == SEED_FIELDS + ["note", "note", "score", "risk_level", "probability"]
    got = [tuple(r) for r in out.collect()]
    want = [Scorer().score(*r[:3]) for r in rows]
    assert got == [r[:3] + (r[3], 7, w["score"], w["risk_level"], w["probability"]) for r, w in zip(rows, want)]
    tracker = spark.sparkContext.statusTracker()
    jobs = set(tracker.getJobIdsForGroup())
    with pytest.raises(callrisk.CallriskTypeError) as e:
        callrisk.spark.score(df.select("*", F.lit(1).alias("spam_reports")), Scorer())
    assert (e.value.code, e.value.field) == ("CR_E_ARG", "spam_reports") and "2 columns named 'spam_reports'" in str(e.value)
    assert set(tracker.getJobIdsForGroup()) == jobs
